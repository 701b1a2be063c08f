"""The account bootstrap in the sandbox: applied first, the way a team applies it to a new account.

The infrastructure repository's `bootstrap/` creates what a fresh env account needs before any
other deploy (the state bucket and lock table every backend uses, the GitHub OIDC provider, the
deploy roles, API Gateway's logging role). Its README gives two commands, and the sandbox runs
exactly those against the emulator:

1. first apply with local state (the bucket does not exist yet): `first_apply/local_state_override.tf`
   copied in, `terraform init`, `terraform apply -var-file=../terraform/environments/<env>.tfvars`;
2. the override removed, `terraform init -migrate-state -force-copy -backend-config=...`: the state
   moves into the bucket the first apply created, and the local copy is deleted.

When the bootstrap's state is in the bucket already (a second `deploy`), it is applied again from
there, like any repository.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from botocore.exceptions import ClientError

from conformance.sandbox.deploy import (
    INIT_LOCK,
    RepoOutcome,
    Step,
    emulator_backend_arguments,
    plan_all,
    planned_changes,
    run_terraform,
    tail,
    terraform_environment,
)
from conformance.sandbox.emulator import aws_client
from conformance.sandbox.target import Target

BOOTSTRAP = "bootstrap"
FIRST_APPLY_OVERRIDE = Path("first_apply") / "local_state_override.tf"
# The local state of the first apply, removed once it is in the bucket.
LOCAL_STATE_FILES = ("terraform.tfstate", "terraform.tfstate.backup")
# The bootstrap reads the per-env files of terraform/, one folder up.
ENVIRONMENTS = "../terraform/environments"


def folder(target: Target) -> Path:
    return target.repo_dir(target.platform.infrastructure.repo) / BOOTSTRAP


def name(target: Target) -> str:
    return f"{target.platform.infrastructure.repo}/{BOOTSTRAP}"


def var_file(target: Target) -> str:
    return f"-var-file={ENVIRONMENTS}/{target.env}.tfvars"


def s3_backend_arguments(target: Target) -> list[str]:
    """The repository's backend settings for its env (from terraform/), plus the emulator's."""
    own = f"-backend-config={ENVIRONMENTS}/{target.env}.backend.hcl"
    return [own, *emulator_backend_arguments()]


def state_in_bucket(target: Target) -> bool:
    """Whether the bootstrap's state was migrated into the env's state bucket already."""
    s3 = aws_client("s3", target.endpoint_url, target.region)
    try:
        s3.head_object(Bucket=target.names.state_bucket, Key=target.platform.bootstrap_state_key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NoSuchBucket"):
            return False
        raise
    return True


def _run(target: Target, outcome: RepoOutcome, step: str, args: list[str], env: Mapping[str, str]) -> bool:
    """One Terraform command in bootstrap/, timed, its output kept in workdir/logs; False when it failed."""
    started = time.perf_counter()
    result = run_terraform(args, folder(target), env)
    outcome.steps.append(Step(step, time.perf_counter() - started))
    log = target.log_path(outcome.repo.replace("/", "."), step)
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(f"$ terraform {' '.join(args)}\n{result.output}", encoding="utf-8")
    if not result.ok:
        outcome.error = f"{outcome.repo}: terraform {step} failed (exit {result.returncode})"
        outcome.output_tail = tail(result.output)
    if step == "plan" and result.returncode in (0, 2):
        outcome.error, outcome.output_tail = None, ""
        outcome.changes = result.returncode == 2
        if outcome.changes:
            outcome.output_tail = planned_changes(result.output)
    return outcome.error is None


def _init(target: Target, outcome: RepoOutcome, step: str, extra: list[str], env: Mapping[str, str]) -> bool:
    with INIT_LOCK:  # inits share the plugin cache with the other repositories'
        return _run(target, outcome, step, ["init", "-input=false", "-no-color", *extra], env)


def _apply(target: Target, outcome: RepoOutcome, env: Mapping[str, str]) -> bool:
    args = ["apply", "-auto-approve", "-input=false", "-no-color", var_file(target)]
    return _run(target, outcome, "apply", args, env)


def apply_bootstrap(target: Target, base_env: Mapping[str, str] | None = None) -> RepoOutcome:
    """Apply bootstrap/ into the emulator: the two documented commands, or a re-apply from the bucket."""
    outcome = RepoOutcome(name(target))
    root = folder(target)
    if not (root / FIRST_APPLY_OVERRIDE).is_file():
        outcome.error = f"{outcome.repo}: no {FIRST_APPLY_OVERRIDE} in {root}"
        return outcome
    env = terraform_environment(target, base_env)
    override = root / FIRST_APPLY_OVERRIDE.name
    if state_in_bucket(target):
        override.unlink(missing_ok=True)
        if _init(target, outcome, "init", ["-reconfigure", *s3_backend_arguments(target)], env):
            _apply(target, outcome, env)
        return outcome
    # 1. The first apply, with local state.
    shutil.copyfile(root / FIRST_APPLY_OVERRIDE, override)
    try:
        if not (_init(target, outcome, "init", ["-reconfigure"], env) and _apply(target, outcome, env)):
            return outcome
    finally:
        override.unlink(missing_ok=True)
    # 2. The state into the bucket the first apply created; the local copy goes (README.md).
    if _init(target, outcome, "migrate", ["-migrate-state", "-force-copy", *s3_backend_arguments(target)], env):
        for leftover in LOCAL_STATE_FILES:
            (root / leftover).unlink(missing_ok=True)
    return outcome


def plan_bootstrap(target: Target, base_env: Mapping[str, str] | None = None) -> RepoOutcome:
    """`terraform plan -detailed-exitcode` of bootstrap/, from its state in the bucket."""
    outcome = RepoOutcome(name(target))
    env = terraform_environment(target, base_env)
    if _init(target, outcome, "init", ["-reconfigure", *s3_backend_arguments(target)], env):
        _run(
            target,
            outcome,
            "plan",
            ["plan", "-detailed-exitcode", "-input=false", "-no-color", "-lock=false", var_file(target)],
            env,
        )
    return outcome


def plan_with_bootstrap(
    target: Target,
    progress: Callable[[RepoOutcome], None] | None = None,
    base_env: Mapping[str, str] | None = None,
) -> list[RepoOutcome]:
    """The bootstrap's plan beside every repository's (`deploy.plan_all`), the bootstrap first."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(plan_bootstrap, target, base_env)
        outcomes = plan_all(target, progress=progress, base_env=base_env)
        bootstrap = first.result()
    if progress:
        progress(bootstrap)
    return [bootstrap, *outcomes]
