"""Deploy the generated repositories into the emulator through their own `scripts/deploy.sh`.

The infrastructure repository first, then the Lambda repositories side by side (each reads the
infrastructure outputs through `terraform_remote_state` from the emulated S3 backend, and each
has its own state key, so they do not wait on one another). Each deploy is the repository's own
`scripts/deploy.sh ENV`, the script its deploy workflow runs, so the sandbox exercises the
workflows' steps (package, init with the env's backend file, plan, apply of that plan, the
infrastructure's validate_infrastructure.py), not a copy of them. Nothing in a repository changes;
what points the script at the emulator is its environment and one ignored file:

- the provider and validate_infrastructure.py reach the emulator through `AWS_ENDPOINT_URL*`
  (emulator.client_environment);
- the S3 backend through `TF_CLI_ARGS_init` (`-backend-config` settings Terraform adds to the
  script's own `-backend-config=environments/<env>.backend.hcl`), plus `-reconfigure` and `-no-color`;
- `terraform_remote_state` through an override file (overrides.py; `*_override.tf` is git-ignored);
- `PACKAGE_ARGS=--no-deps`: each Lambda zip is the code only, so the sandbox stays offline and
  fast (the emulator never runs the functions; a real deploy builds the zip with its dependencies);
- `TF_CLI_ARGS_plan`/`TF_CLI_ARGS_apply`: the parallelism below;
- `CONFORMANCE_GATE=off`: the script's static and live conformance gates are skipped (saying so);
  the sandbox runs the whole suite over the fleet after the deploy instead (suite.py).

The script marks each step (`deploy.sh: STEP took SECONDS s`); those are the per-step timings.
Where it deploys is a `Target` (target.py); every process it starts runs under `CHILDREN`, the
project's one process supervisor (conformance.tooling.processes), so a stop request ends them.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from conformance.sandbox.emulator import client_environment
from conformance.sandbox.overrides import write_remote_state_override
from conformance.sandbox.target import Target
from conformance.tooling import terraform
from conformance.tooling.processes import Children

TAIL_LINES = 20
# Provider calls that wait (SQS attribute propagation, the lifecycle read-back) sleep rather than
# work: let every independent resource start at once.
APPLY_PARALLELISM = 30
TERRAFORM_TIMEOUT_SECONDS = 1800


@dataclass
class Step:
    name: str
    seconds: float


@dataclass
class RepoOutcome:
    """One repository's deploy (or plan): what ran, how long, and why it failed if it did."""

    repo: str
    steps: list[Step] = field(default_factory=list)
    error: str | None = None
    output_tail: str = ""
    changes: bool | None = None  # plan only: True when the plan has changes

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def seconds(self) -> float:
        return sum(step.seconds for step in self.steps)

    def timing(self) -> str:
        return ", ".join(f"{step.name} {step.seconds:.1f} s" for step in self.steps)


class DeployError(RuntimeError):
    """A step that failed; the message is one line."""


def tail(text: str, lines: int = TAIL_LINES) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def terraform_environment(target: Target, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Terraform (its provider from the mirror where one is found) talking to the emulator only."""
    env = dict(base) if base is not None else terraform.environment(target.workdir)
    env = {key: value for key, value in env.items() if not key.startswith("AWS_")}
    env.update(client_environment(target.endpoint_url, target.region))
    if not env.get("TF_PLUGIN_CACHE_DIR"):
        cache = target.workdir / "plugin-cache"
        cache.mkdir(parents=True, exist_ok=True)
        env["TF_PLUGIN_CACHE_DIR"] = str(cache)
    # The generated repositories carry no lock file: without this, every init re-installs the
    # provider (700 MB) into the shared cache, and inits side by side race on it.
    env["TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE"] = "true"
    return env


def var_file(target: Target) -> str:
    return f"-var-file=environments/{target.env}.tfvars"


CHILDREN = Children()  # every process the sandbox's deploy and plan start
# One `terraform init` at a time where the sandbox runs Terraform itself (bootstrap/): they share the plugin cache.
INIT_LOCK = threading.Lock()


def run_terraform(args: list[str], folder: Path, env: Mapping[str, str]) -> terraform.TerraformRun:
    code, output = CHILDREN.run([terraform.terraform_binary(), *args], folder, env, TERRAFORM_TIMEOUT_SECONDS)
    return terraform.TerraformRun(code, output)


def _fail(outcome: RepoOutcome, message: str, output: str) -> RepoOutcome:
    outcome.error = message
    outcome.output_tail = tail(output)
    return outcome


DEPLOY_SCRIPT = "scripts/deploy.sh"
STEP_STARTED = re.compile(r"^::group::deploy\.sh: (\S+)$", re.M)
STEP_DONE = re.compile(r"^deploy\.sh: (\S+) took ([0-9.]+) s$", re.M)
# The script's conformance gates: off in the sandbox's own deploys, whose Lambda repositories hold the
# sandbox's remote-state override while Terraform runs (TF-PARSE rightly refuses an override file), and
# which the sandbox's `check` judges whole afterwards; on where a test asks (the gate on an edited
# repository), against the emulator, their Terraform checks left to `check`.
GATE_ARGS = ("--terraform", "off")


def emulator_backend_arguments() -> list[str]:
    """What the S3 backend needs besides the repository's own settings to reach the emulator."""
    return [
        "-backend-config=use_path_style=true",
        "-backend-config=skip_credentials_validation=true",
        "-backend-config=skip_requesting_account_id=true",
        "-backend-config=skip_metadata_api_check=true",
    ]


def backend_arguments(target: Target) -> list[str]:
    """`terraform init` arguments: the repo's own backend file plus what the emulator needs (bootstrap/)."""
    return [f"-backend-config=environments/{target.env}.backend.hcl", *emulator_backend_arguments()]


def script_environment(
    env: Mapping[str, str], target: Target, plan_only: bool = False, gates: bool = False
) -> dict[str, str]:
    """`scripts/deploy.sh`'s environment in the sandbox: Terraform's and the emulator's, plus its settings."""
    script_env = {key: value for key, value in env.items() if key != "GITHUB_STEP_SUMMARY"}
    script_env.update(
        TF_IN_AUTOMATION="true",
        TF_CLI_ARGS_init=" ".join(["-no-color", "-reconfigure", *emulator_backend_arguments()]),
        TF_CLI_ARGS_plan=f"-no-color -parallelism={APPLY_PARALLELISM}" + (" -lock=false" if plan_only else ""),
        TF_CLI_ARGS_apply=f"-no-color -parallelism={APPLY_PARALLELISM}",
        PYTHON=sys.executable,
        PACKAGE_ARGS="--no-deps",
        CONFORMANCE_GATE="on" if gates else "off",
        CONFORMANCE_PLATFORM=str(target.spec),
        CONFORMANCE_ARGS=" ".join(["--endpoint-url", target.endpoint_url, *GATE_ARGS]),
    )
    return script_env


def step_timings(output: str) -> list[Step]:
    """The steps the script reported as done, with their seconds."""
    return [Step(name, float(seconds)) for name, seconds in STEP_DONE.findall(output)]


@contextmanager
def remote_state_at_the_emulator(target: Target, repo: str, env: Mapping[str, str]) -> Iterator[None]:
    """While Terraform runs in `repo`: its `terraform_remote_state` reads the emulator's bucket (an
    override file, overrides.py). Removed afterwards: the override is the sandbox's, for Terraform only,
    and the suite judges the repository as committed."""
    terraform_dir = target.terraform_dir(repo)
    overrides = write_remote_state_override(terraform_dir, target.endpoint_url)
    try:
        if overrides is not None:
            run_terraform(["fmt", overrides.name], terraform_dir, env)
        yield
    finally:
        if overrides is not None:
            overrides.unlink(missing_ok=True)


def run_deploy_script(
    target: Target, repo: str, env: Mapping[str, str], plan_only: bool = False, gates: bool = False
) -> tuple[RepoOutcome, int, str]:
    """The repository's own `scripts/deploy.sh ENV [--plan-only]`: (outcome with its steps, exit code, output)."""
    outcome = RepoOutcome(repo)
    repo_dir = target.repo_dir(repo)
    if not (repo_dir / DEPLOY_SCRIPT).is_file():
        _fail(outcome, f"{repo}: no {DEPLOY_SCRIPT} in {repo_dir}", "")
        return outcome, 1, ""
    command = ["bash", DEPLOY_SCRIPT, target.env, *(["--plan-only"] if plan_only else [])]
    started = time.perf_counter()
    with remote_state_at_the_emulator(target, repo, env):
        environment = script_environment(env, target, plan_only, gates)
        code, output = CHILDREN.run(command, repo_dir, environment, TERRAFORM_TIMEOUT_SECONDS)
    outcome.steps = step_timings(output) or [Step("deploy.sh", time.perf_counter() - started)]
    log = target.log_path(repo, "plan" if plan_only else "deploy")
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(f"$ {' '.join(command)}\n{output}", encoding="utf-8")
    return outcome, code, output


def failed_step(output: str) -> str:
    started = STEP_STARTED.findall(output)
    return started[-1] if started else "its checks"


def deploy_repo(target: Target, repo: str, env: Mapping[str, str]) -> RepoOutcome:
    """`scripts/deploy.sh ENV` of one repository: package (Lambda repos), init, plan, apply (, validate)."""
    outcome, code, output = run_deploy_script(target, repo, env)
    if code != 0 and outcome.ok:
        _fail(outcome, f"{repo}: {DEPLOY_SCRIPT} {target.env} failed at {failed_step(output)} (exit {code})", output)
    return outcome


def plan_repo(target: Target, repo: str, env: Mapping[str, str]) -> RepoOutcome:
    """`scripts/deploy.sh ENV --plan-only`: `changes` is False when the deployment matches the code."""
    outcome, code, output = run_deploy_script(target, repo, env, plan_only=True)
    if not outcome.ok:
        return outcome
    if code not in (0, 2) or failed_step(output) != "plan":
        return _fail(
            outcome, f"{repo}: {DEPLOY_SCRIPT} {target.env} --plan-only failed at {failed_step(output)}", output
        )
    outcome.changes = code == 2
    if outcome.changes:
        outcome.output_tail = planned_changes(output)
    return outcome


def planned_changes(output: str) -> str:
    """The lines of a plan that say what would change (resource headers and changed attributes)."""
    keep = re.compile(r"^\s*(# |[~+-] |-/\+ |Plan: )")
    lines = [line for line in output.splitlines() if keep.match(line)]
    return "\n".join(lines[:60]) or tail(output)


def selected(target: Target, only: Iterable[str]) -> tuple[str | None, list[str]]:
    """The infrastructure repo (or None) and the Lambda repos to deploy, by repo or Lambda name."""
    wanted = set(only)
    infra = target.platform.infrastructure.repo
    lambdas = {target.platform.lambda_repo(f): f.name for f in target.platform.lambdas.functions}
    if not wanted:
        return infra, list(lambdas)
    known = {infra, *lambdas, *lambdas.values()}
    unknown = sorted(wanted - known)
    if unknown:
        raise DeployError(
            f"--only: expected one of {', '.join([infra, *lambdas])} (or a Lambda name), found {unknown[0]!r}"
        )
    chosen = [repo for repo, name in lambdas.items() if repo in wanted or name in wanted]
    return (infra if infra in wanted else None), chosen


def default_jobs() -> int:
    # Every Lambda repository at once: their applies are Terraform and provider start-up (CPU) and
    # provider waits (sleeping); measured on 2 cores, 7 at once finish sooner than 3 at a time.
    return max(2, min(8, 4 * (os.cpu_count() or 1)))


def deploy(
    target: Target,
    only: Iterable[str] = (),
    jobs: int | None = None,
    progress: Callable[[RepoOutcome], None] | None = None,
    base_env: Mapping[str, str] | None = None,
) -> list[RepoOutcome]:
    """Deploy the infrastructure repository, then the Lambda repositories in parallel.

    Stops after the infrastructure repository when it fails: the others read its outputs. The
    first repository deploys alone, so that its `terraform init` fills the shared plugin cache
    before the others read it side by side.
    """
    env = terraform_environment(target, base_env)
    infra, lambda_repos = selected(target, only)
    outcomes: list[RepoOutcome] = []

    def report(outcome: RepoOutcome) -> RepoOutcome:
        outcomes.append(outcome)
        if progress:
            progress(outcome)
        return outcome

    CHILDREN.stopping = False
    repos = ([infra] if infra else []) + lambda_repos
    if not repos:
        return outcomes
    if not report(deploy_repo(target, repos[0], env)).ok and repos[0] == infra:
        return outcomes
    with _pool(jobs) as pool:
        for future in [pool.submit(deploy_repo, target, repo, env) for repo in repos[1:]]:
            report(future.result())
    return outcomes


@contextmanager
def _pool(jobs: int | None) -> Iterator[ThreadPoolExecutor]:
    """A thread pool that, when interrupted, stops the running children instead of waiting for them."""
    pool = ThreadPoolExecutor(max_workers=jobs or default_jobs())
    try:
        yield pool
    except BaseException:
        CHILDREN.stop_all()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def plan_all(
    target: Target,
    jobs: int | None = None,
    progress: Callable[[RepoOutcome], None] | None = None,
    base_env: Mapping[str, str] | None = None,
) -> list[RepoOutcome]:
    """`terraform plan -detailed-exitcode` on every repository."""
    env = terraform_environment(target, base_env)
    CHILDREN.stopping = False
    outcomes = []
    with _pool(jobs) as pool:
        for future in [pool.submit(plan_repo, target, repo, env) for repo in target.platform.repo_names]:
            outcome = future.result()
            outcomes.append(outcome)
            if progress:
                progress(outcome)
    return outcomes
