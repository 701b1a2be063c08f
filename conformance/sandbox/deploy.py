"""Deploy the generated repositories into the emulator with the real Terraform.

The infrastructure repository first, then the Lambda repositories side by side (each reads the
infrastructure outputs through `terraform_remote_state` from the emulated S3 backend, and each
has its own state key, so they do not wait on one another). Nothing in a repository changes:

- the provider reaches the emulator through `AWS_ENDPOINT_URL*` variables (emulator.client_environment);
- the S3 backend through `-backend-config` arguments next to the repository's own
  `environments/<env>.backend.hcl`;
- `terraform_remote_state` through an override file (overrides.py);
- each Lambda zip is built by the repository's own `scripts/package_lambda.py --no-deps`: the
  code only, no dependencies, so the sandbox stays offline and fast (the emulator never runs the
  functions; a real deploy builds the zip with its dependencies).

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
from concurrent.futures import Future, ThreadPoolExecutor
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


def backend_arguments(target: Target) -> list[str]:
    """`terraform init` arguments: the repo's own backend file plus what the emulator needs."""
    return [
        f"-backend-config=environments/{target.env}.backend.hcl",
        "-backend-config=use_path_style=true",
        "-backend-config=skip_credentials_validation=true",
        "-backend-config=skip_requesting_account_id=true",
        "-backend-config=skip_metadata_api_check=true",
    ]


def var_file(target: Target) -> str:
    return f"-var-file=environments/{target.env}.tfvars"


CHILDREN = Children()  # every process the sandbox's deploy and plan start


def run_terraform(args: list[str], folder: Path, env: Mapping[str, str]) -> terraform.TerraformRun:
    code, output = CHILDREN.run([terraform.terraform_binary(), *args], folder, env, TERRAFORM_TIMEOUT_SECONDS)
    return terraform.TerraformRun(code, output)


def _run(
    target: Target, outcome: RepoOutcome, step: str, args: list[str], env: dict[str, str]
) -> terraform.TerraformRun:
    """One Terraform command in the repo's terraform/ folder, timed; its output kept in workdir/logs."""
    started = time.perf_counter()
    result = run_terraform(args, target.terraform_dir(outcome.repo), env)
    outcome.steps.append(Step(step, time.perf_counter() - started))
    log = target.log_path(outcome.repo, step)
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(f"$ terraform {' '.join(args)}\n{result.output}", encoding="utf-8")
    return result


def _fail(outcome: RepoOutcome, message: str, output: str) -> RepoOutcome:
    outcome.error = message
    outcome.output_tail = tail(output)
    return outcome


def package_lambda(repo_dir: Path) -> tuple[int, str]:
    """The repository's own packaging script, code only (`--no-deps`): offline and fast."""
    return CHILDREN.run([sys.executable, "scripts/package_lambda.py", "--no-deps"], repo_dir, os.environ, 300)


# One `terraform init` at a time: they share the plugin cache (and take a second or two each).
INIT_LOCK = threading.Lock()


def init(target: Target, repo: str, env: dict[str, str], outcome: RepoOutcome) -> bool:
    folder = target.terraform_dir(repo)
    overrides = write_remote_state_override(folder, target.endpoint_url)
    if overrides is not None:
        run_terraform(["fmt", overrides.name], folder, env)
    with INIT_LOCK:
        result = _run(
            target,
            outcome,
            "init",
            ["init", "-input=false", "-no-color", "-reconfigure", *backend_arguments(target)],
            env,
        )
    if not result.ok:
        _fail(outcome, f"{repo}: terraform init failed (exit {result.returncode})", result.output)
    return result.ok


def prepare_repo(target: Target, repo: str, env: dict[str, str], lambda_repo: bool) -> RepoOutcome:
    """Package (Lambda repos) and init one repository: nothing here needs another repo's state."""
    outcome = RepoOutcome(repo)
    repo_dir = target.repo_dir(repo)
    if not (repo_dir / "terraform").is_dir():
        return _fail(outcome, f"{repo}: no terraform/ folder in {repo_dir}", "")
    if lambda_repo:
        started = time.perf_counter()
        code, output = package_lambda(repo_dir)
        outcome.steps.append(Step("package", time.perf_counter() - started))
        if code != 0:
            return _fail(outcome, f"{repo}: scripts/package_lambda.py --no-deps failed (exit {code})", output)
    init(target, repo, env, outcome)
    return outcome


def apply_repo(target: Target, outcome: RepoOutcome, env: dict[str, str]) -> RepoOutcome:
    """`terraform apply` of a prepared repository (a failed preparation is passed through)."""
    if not outcome.ok:
        return outcome
    result = _run(
        target,
        outcome,
        "apply",
        ["apply", "-auto-approve", "-input=false", "-no-color", f"-parallelism={APPLY_PARALLELISM}", var_file(target)],
        env,
    )
    if not result.ok:
        return _fail(outcome, f"{outcome.repo}: terraform apply failed (exit {result.returncode})", result.output)
    return outcome


def deploy_repo(target: Target, repo: str, env: dict[str, str], lambda_repo: bool) -> RepoOutcome:
    """Package (Lambda repos), init and apply one repository."""
    return apply_repo(target, prepare_repo(target, repo, env, lambda_repo), env)


def plan_repo(target: Target, repo: str, env: dict[str, str]) -> RepoOutcome:
    """`terraform plan -detailed-exitcode`: `changes` is False when the deployment matches the code."""
    outcome = RepoOutcome(repo)
    folder = target.terraform_dir(repo)
    if not (folder / ".terraform").is_dir() and not init(target, repo, env, outcome):
        return outcome
    result = _run(
        target,
        outcome,
        "plan",
        ["plan", "-detailed-exitcode", "-input=false", "-no-color", "-lock=false", var_file(target)],
        env,
    )
    if result.returncode == 1:
        return _fail(outcome, f"{repo}: terraform plan failed", result.output)
    outcome.changes = result.returncode == 2
    if outcome.changes:
        outcome.output_tail = planned_changes(result.output)
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

    Stops after the infrastructure repository when it fails: the others read its outputs.
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
    with _pool(jobs) as pool:
        # The infrastructure repo is initialised first (that fills the plugin cache; inits run one
        # at a time anyway, see INIT_LOCK). The Lambda repositories are packaged and initialised
        # while the infrastructure applies (its apply is mostly the provider waiting) and applied
        # once its outputs are in the state.
        first: Future[RepoOutcome] = Future()
        first.set_result(prepare_repo(target, repos[0], env, repos[0] != infra))
        prepared = {repos[0]: first}
        prepared.update({repo: pool.submit(prepare_repo, target, repo, env, True) for repo in repos[1:]})
        if infra is not None and not report(apply_repo(target, prepared[infra].result(), env)).ok:
            for future in prepared.values():
                future.cancel()
            return outcomes
        applied = [pool.submit(lambda f: apply_repo(target, f.result(), env), prepared[repo]) for repo in lambda_repos]
        for future in applied:
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
