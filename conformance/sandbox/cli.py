"""`scripts/sandbox.py`: generate, deploy into a local AWS emulator, check, break, catch.

sandbox.py [run] [--env dev] [--sandbox-dir sandbox] [--plan]        the whole loop (make sandbox)
sandbox.py up [--port N] [--env dev]                                 the emulator alone, until Ctrl-C
sandbox.py deploy --endpoint-url URL --repos-root DIR --env ENV [--only REPO ...]
sandbox.py check --endpoint-url URL --repos-root DIR --env ENV
sandbox.py plan --endpoint-url URL --repos-root DIR --env ENV        terraform plan -detailed-exitcode
sandbox.py drift --endpoint-url URL --env ENV --scenario NAME | --list

Over 400 lines as one idea: the sandbox's command line, one function per command.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.generate.fleet import GenerateError, generate_fleet
from conformance.paths import DEFAULT_PLATFORM
from conformance.platform import Platform, PlatformError, load_platform
from conformance.sandbox import bootstrap, served
from conformance.sandbox import deploy as deploying
from conformance.sandbox.drift import SCENARIOS, DriftError, apply_drift
from conformance.sandbox.emulator import LOOPBACK, Emulator, EmulatorError, check_port, client_environment
from conformance.sandbox.latency import latency_argument
from conformance.sandbox.overrides import set_aside
from conformance.sandbox.suite import SuiteResult, live_supported, run_suite
from conformance.sandbox.target import Target
from conformance.tooling import terraform

EXIT_USAGE = 2
EXIT_FAILED = 1
INDENT = "           "


class SandboxExit(Exception):
    """A failure that ends the command; the message is what to print."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def say(message: str = "") -> None:
    print(message, flush=True)


def phase(name: str, seconds: float, detail: str) -> None:
    say(f"{name:<9} {seconds:7.1f} s  {detail}")


@contextmanager
def timed() -> Iterator[Callable[[], float]]:
    started = time.perf_counter()
    yield lambda: time.perf_counter() - started


def check_endpoint_url(url: str) -> str:
    """The sandbox talks to an emulator on 127.0.0.1 only, never to a real AWS endpoint."""
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname != LOOPBACK or parts.port is None:
        raise SandboxExit(
            f"--endpoint-url: expected http://{LOOPBACK}:PORT (the sandbox emulator), found {url!r}", EXIT_USAGE
        )
    return url.rstrip("/")


def require_terraform() -> None:
    try:
        terraform.terraform_binary()
        terraform.installation()
    except terraform.TerraformUnavailable as missing:
        raise SandboxExit(f"error: {missing}", EXIT_USAGE) from None


def load(args: argparse.Namespace) -> Platform:
    try:
        platform = load_platform(args.platform)
    except PlatformError as error:
        raise SandboxExit("\n".join(f"error: {line}" for line in str(error).splitlines()), EXIT_USAGE) from None
    if args.env not in platform.environments:
        raise SandboxExit(f"--env: expected one of {', '.join(platform.environments)}, found {args.env!r}", EXIT_USAGE)
    return platform


def uses_managed_policies(repos_root: Path) -> bool:
    """Whether any repository attaches an AWS-managed policy (moto must load them first)."""
    for path in repos_root.glob("*/terraform/*.tf"):
        if ":iam::aws:policy/" in path.read_text(encoding="utf-8", errors="replace"):
            return True
    return False


@contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """SIGTERM behaves like Ctrl-C: children are asked to stop, then the emulator is stopped."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def workdir_for(repos_root: Path, given: Path | None) -> Path:
    return given or repos_root.resolve().parent / ".sandbox-work"


def target_for(args: argparse.Namespace, platform: Platform, url: str, repos_root: Path) -> Target:
    return Target(url, args.env, platform, repos_root, workdir_for(repos_root, args.workdir))


# --- the steps, shared by the subcommands -------------------------------------------------------


def print_outcome(outcome: deploying.RepoOutcome, verb: str = "deployed") -> None:
    if outcome.ok:
        state = verb
        if outcome.changes is not None:
            state = "changes planned" if outcome.changes else "no changes"
        say(f"{INDENT}{outcome.repo:<36} {state:<15} {outcome.seconds:6.1f} s  ({outcome.timing()})")
        if outcome.changes:
            for line in outcome.output_tail.splitlines():
                say(f"{INDENT}  | {line}")
    else:
        say(f"{INDENT}{outcome.repo:<36} FAILED          {outcome.seconds:6.1f} s  ({outcome.timing()})")
        say(f"error: {outcome.error}; its last lines:")
        for line in outcome.output_tail.splitlines():
            say(f"  | {line}")


def do_deploy(target: Target, only: Sequence[str] = (), jobs: int | None = None) -> list[deploying.RepoOutcome]:
    with timed() as elapsed:
        first = bootstrap.apply_bootstrap(target)
    print_outcome(first, "applied")
    phase(
        "bootstrap",
        elapsed(),
        f"bucket {target.names.state_bucket}, lock table {target.names.lock_table}, OIDC, deploy roles",
    )
    if not first.ok:
        return [first]
    with timed() as elapsed:
        try:
            outcomes = deploying.deploy(target, only, jobs=jobs, progress=print_outcome)
        except deploying.DeployError as error:
            raise SandboxExit(f"error: {error}", EXIT_USAGE) from None
    failed = [o for o in outcomes if not o.ok]
    phase("deploy", elapsed(), f"{len(outcomes) - len(failed)} of {len(outcomes)} repositories deployed")
    if failed or only:
        return [first, *outcomes]
    with timed() as elapsed:
        serving = served.verify(target)
    print_outcome(serving, "verified")
    phase("served", elapsed(), "the stage serves every API method; an event reaches every consumer's queue")
    return [first, *outcomes, serving]


def do_plan(target: Target) -> bool:
    with timed() as elapsed:
        outcomes = bootstrap.plan_with_bootstrap(target, progress=lambda o: print_outcome(o, "planned"))
    clean = all(o.ok and o.changes is False for o in outcomes)
    phase("plan", elapsed(), "no changes in any repository" if clean else "changes or errors: see above")
    return clean


def do_check(repos_root: Path, target: Target) -> SuiteResult:
    report = target.workdir / f"conformance-{target.env}.json"
    with timed() as elapsed, set_aside(repos_root):
        result = run_suite(repos_root, target.env, target.endpoint_url, target.region, report)
    phase("check", elapsed(), result.describe())
    for failure in result.failures[:40]:
        env = f" ({failure.get('env')})" if failure.get("env") else ""
        say(f"{INDENT}{failure.get('criterion')} {failure.get('repo')}{env}: {failure.get('message', '')[:300]}")
    if len(result.failures) > 40:
        say(f"{INDENT}... and {len(result.failures) - 40} more in {report}")
    return result


# --- subcommands ---------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    require_terraform()
    platform = load(args)
    env = platform.environments[args.env]
    root: Path = args.sandbox_dir.resolve()
    repos = root / "repos"
    say(f"sandbox: env {args.env} (account {env.account_id}, {env.region}) in {root}/")
    with timed() as elapsed:
        try:
            results = generate_fleet(platform, repos, force=True)
        except GenerateError as error:
            raise SandboxExit(f"error: {error}") from None
    failed = [r for r in results if r.error]
    if failed:
        raise SandboxExit("\n".join(f"error: {r.name}: {r.error}" for r in failed))
    phase("generate", elapsed(), f"{len(results)} repositories in {repos}/")

    emulator = Emulator(
        env.account_id, port=args.port, managed_policies=uses_managed_policies(repos), log_path=root / "emulator.log"
    )
    with timed() as elapsed:
        url = emulator.start()
    try:
        phase("emulator", elapsed(), f"{url} (pid {emulator.pid}, account {env.account_id}; log {emulator.log_path})")
        target = Target(url, args.env, platform, repos, root / ".work")
        outcomes = do_deploy(target, jobs=args.jobs)
        if not all(o.ok for o in outcomes):
            return EXIT_FAILED
        plan_clean = do_plan(target) if args.plan else True
        verdict = do_check(repos, target)
    finally:
        with timed() as elapsed:
            emulator.stop()
        phase("stop", elapsed(), "emulator stopped; nothing left running")
    return verdict.returncode if plan_clean else EXIT_FAILED


def cmd_up(args: argparse.Namespace) -> int:
    platform = load(args)
    env = platform.environments[args.env]
    check_port(args.port)
    emulator = Emulator(
        env.account_id, port=args.port, managed_policies=args.managed_policies, latency_ms=args.latency_ms
    )
    url = emulator.start()
    try:
        say(f"emulator: {url} (pid {emulator.pid}, account {env.account_id}); Ctrl-C stops it")
        say("# for boto3, the AWS CLI and Terraform:")
        for key, value in client_environment(url, env.region).items():
            say(f"export {key}={value}")
        say("# then, e.g.:")
        say(f"#   python scripts/sandbox.py deploy --endpoint-url {url} --repos-root sandbox/repos --env {args.env}")
        say(f"#   python scripts/sandbox.py check  --endpoint-url {url} --repos-root sandbox/repos --env {args.env}")
        while emulator.running():
            time.sleep(0.5)
        say("emulator: stopped by itself; see its log")
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 0
    finally:
        emulator.stop()
        say("emulator: stopped")


def cmd_deploy(args: argparse.Namespace) -> int:
    require_terraform()
    platform = load(args)
    url = check_endpoint_url(args.endpoint_url)
    target = target_for(args, platform, url, args.repos_root)
    outcomes = do_deploy(target, args.only, args.jobs)
    ok = all(o.ok for o in outcomes)
    if ok and args.plan:
        ok = do_plan(target)
    return 0 if ok else EXIT_FAILED


def cmd_plan(args: argparse.Namespace) -> int:
    require_terraform()
    platform = load(args)
    url = check_endpoint_url(args.endpoint_url)
    return 0 if do_plan(target_for(args, platform, url, args.repos_root)) else EXIT_FAILED


def cmd_check(args: argparse.Namespace) -> int:
    platform = load(args)
    url = check_endpoint_url(args.endpoint_url)
    return do_check(args.repos_root, target_for(args, platform, url, args.repos_root)).returncode


def cmd_drift(args: argparse.Namespace) -> int:
    if args.list:
        width = max(len(name) for name in SCENARIOS)
        for scenario in SCENARIOS.values():
            say(f"{scenario.name:<{width}}  {scenario.description} (caught live by {scenario.caught_by})")
        return 0
    if not args.scenario or not args.endpoint_url:
        raise SandboxExit("drift: give --endpoint-url URL and --scenario NAME (or --list)", EXIT_USAGE)
    platform = load(args)
    url = check_endpoint_url(args.endpoint_url)
    for name in args.scenario:
        try:
            drift = apply_drift(name, platform, args.env, url)
        except DriftError as error:
            raise SandboxExit(f"error: {error}") from None
        say(f"drift {drift.scenario}: {drift.changed}")
    say("run `check` to see it caught, `deploy` to put it back")
    return 0


# --- arguments -----------------------------------------------------------------------------------


def _common(parser: argparse.ArgumentParser, defaults: bool) -> None:
    """Options taken before or after the subcommand (the subcommand's own only when given)."""

    def default(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    parser.add_argument("--env", default=default("dev"), help="environment of the spec (default: dev)")
    parser.add_argument(
        "--platform", type=Path, default=default(DEFAULT_PLATFORM), help="platform spec (default: the project's)"
    )


def _run_options(parser: argparse.ArgumentParser, defaults: bool) -> None:
    def default(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    parser.add_argument("--sandbox-dir", type=Path, default=default(Path("sandbox")), help="default: ./sandbox")
    parser.add_argument("--port", type=int, default=default(0), help="emulator port (default: any free port)")
    parser.add_argument(
        "--plan", action="store_true", default=default(False), help="also check that terraform plan shows no changes"
    )
    parser.add_argument("--jobs", type=int, default=default(None), help="Lambda repositories deployed at once")


def _target(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--endpoint-url", required=True, help=f"the emulator, http://{LOOPBACK}:PORT")
    parser.add_argument("--repos-root", type=Path, required=True, help="folder holding the generated repositories")
    parser.add_argument("--workdir", type=Path, help="scratch folder (default: .sandbox-work beside --repos-root)")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="sandbox.py", description=__doc__.splitlines()[0])
    _common(parser, defaults=True)
    _run_options(parser, defaults=True)
    commands = parser.add_subparsers(dest="command")

    run = commands.add_parser("run", help="generate, deploy, check, stop (the default)")
    _common(run, defaults=False)
    _run_options(run, defaults=False)

    up = commands.add_parser("up", help="start the emulator, print its settings, run until Ctrl-C")
    _common(up, defaults=False)
    up.add_argument("--port", type=int, default=argparse.SUPPRESS, help="port on 127.0.0.1 (default: any free port)")
    up.add_argument("--managed-policies", action="store_true", help="load AWS-managed IAM policies")
    up.add_argument("--latency-ms", type=latency_argument, default=0, help="delay each AWS call, as AWS from afar")

    dep = commands.add_parser("deploy", help="terraform init + apply every repository")
    _common(dep, defaults=False)
    _target(dep)
    dep.add_argument("--only", nargs="+", default=[], metavar="REPO", help="only these repositories or Lambdas")
    dep.add_argument("--plan", action="store_true", default=argparse.SUPPRESS, help="then check terraform plan")
    dep.add_argument("--jobs", type=int, default=argparse.SUPPRESS, help="Lambda repositories deployed at once")

    for name, text in (
        ("plan", "terraform plan -detailed-exitcode on every repository"),
        ("check", "the conformance suite against the emulator"),
    ):
        sub = commands.add_parser(name, help=text)
        _common(sub, defaults=False)
        _target(sub)

    drift = commands.add_parser("drift", help="apply a named drift through boto3")
    _common(drift, defaults=False)
    drift.add_argument("--endpoint-url", help=f"the emulator, http://{LOOPBACK}:PORT")
    drift.add_argument("--scenario", action="append", metavar="NAME", help="scenario to apply (repeatable)")
    drift.add_argument("--list", action="store_true", help="list the scenarios")
    return parser.parse_args(argv)


COMMANDS = {
    None: cmd_run,
    "run": cmd_run,
    "up": cmd_up,
    "deploy": cmd_deploy,
    "plan": cmd_plan,
    "check": cmd_check,
    "drift": cmd_drift,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        with stop_on_sigterm():
            return COMMANDS[args.command](args)
    except SandboxExit as stop:
        print(str(stop), file=sys.stderr, flush=True)
        return stop.code
    except EmulatorError as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        return EXIT_FAILED
    except KeyboardInterrupt:
        deploying.CHILDREN.stop_all()
        print("stopped", file=sys.stderr, flush=True)
        return 130


__all__ = ["live_supported", "main"]
