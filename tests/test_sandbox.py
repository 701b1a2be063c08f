"""End to end: the fleet deployed with the real Terraform into the emulator, checked, drifted, caught.

One deployment for the module (about two minutes on 2 cores): the suite passes against it,
`terraform plan` shows no change in any repository, each drift scenario is applied (and caught by
the live half of the suite where the plugin has it), and nothing is left running at the end.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.generate.fleet import generate_fleet
from conformance.paths import PROJECT_ROOT
from conformance.platform import Platform
from conformance.sandbox import deploy as deploying
from conformance.sandbox.cli import uses_managed_policies
from conformance.sandbox.drift import SCENARIOS, apply_drift
from conformance.sandbox.emulator import Emulator
from conformance.sandbox.suite import live_supported, run_suite
from conformance.sandbox.target import Target
from tests.test_project_workflows import suite_command

pytestmark = [pytest.mark.terraform, pytest.mark.slow]

ENV = "dev"


@dataclass
class Sandbox:
    emulator: Emulator
    target: Target
    pid: int
    env: dict[str, str]


def _explain(outcomes: list[deploying.RepoOutcome]) -> str:
    return "\n".join(f"{o.error}\n{o.output_tail}" for o in outcomes if not o.ok)


def _processes_under(folder: Path) -> list[str]:
    """Processes whose working directory is inside `folder` (Terraform or its provider left behind)."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cwd = Path(os.readlink(proc / "cwd"))
        except OSError:
            continue
        if cwd == folder or folder in cwd.parents:
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            found.append(f"{proc.name}: {command[:120]}")
    return found


@pytest.fixture(scope="module")
def sandbox(platform: Platform, terraform_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    root = tmp_path_factory.mktemp("sandbox")
    repos = root / "repos"
    results = generate_fleet(platform, repos)
    assert not [r for r in results if r.error], [r.error for r in results]
    emulator = Emulator(
        platform.environments[ENV].account_id,
        managed_policies=uses_managed_policies(repos),
        log_path=root / "emulator.log",
    )
    emulator.start()
    try:
        target = Target(emulator.url, ENV, platform, repos, root / "work")
        deploying.bootstrap_state(target)
        outcomes = deploying.deploy(target, base_env=terraform_env)
        assert [o.repo for o in outcomes] == platform.repo_names
        assert all(o.ok for o in outcomes), _explain(outcomes)
        yield Sandbox(emulator, target, emulator.pid or 0, terraform_env)
    finally:
        emulator.stop()


def test_the_suite_passes_against_the_deployment(sandbox: Sandbox) -> None:
    target = sandbox.target
    report = target.workdir / "suite.json"
    result = run_suite(target.repos_root, ENV, target.endpoint_url, target.region, report, quiet=True)
    failures = "\n".join(f"{f['criterion']} {f['repo']}: {f['message']}" for f in result.failures)
    assert result.passed, failures or result.output[-3000:]
    assert result.summary.get("passed", 0) > 0
    assert result.live and live_supported()


def test_terraform_plan_shows_no_change_in_any_repository(sandbox: Sandbox) -> None:
    outcomes = deploying.plan_all(sandbox.target, base_env=sandbox.env)
    assert all(o.ok for o in outcomes), _explain(outcomes)
    changed = {o.repo: o.output_tail for o in outcomes if o.changes}
    assert not changed, "\n".join(f"{repo}:\n{lines}" for repo, lines in changed.items())


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_each_drift_applies_and_the_live_checks_catch_it(sandbox: Sandbox, name: str) -> None:
    target = sandbox.target
    drift = apply_drift(name, target.platform, ENV, target.endpoint_url)
    try:
        assert drift.changed
        report = target.workdir / f"drift-{name}.json"
        result = run_suite(
            target.repos_root, ENV, target.endpoint_url, target.region, report, quiet=True, marker="live"
        )
        failed = sorted({f["criterion"] for f in result.failures})
        expected = SCENARIOS[name].caught_by
        assert not result.passed, f"{name} ({drift.changed}) was not caught by the live checks"
        assert expected in failed, f"{name}: expected {expected} to fail, found {failed or result.output[-2000:]}"
    finally:
        drift.restore()


def sandbox_command(sandbox: Sandbox, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "scripts" / "sandbox.py"), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def validator(sandbox: Sandbox) -> subprocess.CompletedProcess[str]:
    """The infrastructure repo's own post-deploy validator, boto3 alone, against the emulator."""
    repo = sandbox.target.repos_root / sandbox.target.platform.infrastructure.repo
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    return subprocess.run(
        [
            sys.executable,
            "scripts/validate_infrastructure.py",
            "--env",
            ENV,
            "--endpoint-url",
            sandbox.target.endpoint_url,
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )


def test_the_generated_validator_passes_then_catches_a_drift(sandbox: Sandbox) -> None:
    before = validator(sandbox)
    assert before.returncode == 0, before.stdout + before.stderr
    drift = apply_drift("pitr-disabled", sandbox.target.platform, ENV, sandbox.target.endpoint_url)
    try:
        after = validator(sandbox)
    finally:
        drift.restore()
    assert after.returncode == 1, after.stdout + after.stderr
    assert any(line.startswith("FAIL") and "ENABLED" in line for line in after.stdout.splitlines()), after.stdout


def test_the_check_command_exits_1_naming_the_criterion(sandbox: Sandbox) -> None:
    target = sandbox.target
    drift = apply_drift("dlq-receive-count", target.platform, ENV, target.endpoint_url)
    try:
        result = sandbox_command(
            sandbox,
            "check",
            "--endpoint-url",
            target.endpoint_url,
            "--repos-root",
            str(target.repos_root),
            "--env",
            ENV,
        )
    finally:
        drift.restore()
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
    assert "INF-SQS-RECEIVE-COUNT" in result.stdout + result.stderr


def test_the_drift_jobs_command_exits_non_zero_naming_criterion_resource_expected_found(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """The scheduled drift job's own suite step (drift.yml, resolved through tox.ini), run here."""
    target = sandbox.target
    reports = tmp_path / "reports"
    command = suite_command(ENV, target.repos_root, reports)
    credentials = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    env = {**os.environ, **sandbox.env, **credentials, "AWS_ENDPOINT_URL": target.endpoint_url}
    drift = apply_drift("pitr-disabled", target.platform, ENV, target.endpoint_url)
    try:
        result = subprocess.run(
            command, cwd=tmp_path, env=env, capture_output=True, text=True, check=False, timeout=900
        )
    finally:
        drift.restore()
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
    summary = (reports / f"drift-{ENV}.md").read_text(encoding="utf-8")
    table = target.platform.name(target.platform.infrastructure.table.thing, ENV)
    call = "describe_continuous_backups → PointInTimeRecoveryDescription.PointInTimeRecoveryStatus"
    assert f"| `INF-DDB-PITR` | {ENV} | `{table}` | ENABLED | DISABLED | `{call}` |" in summary, summary
    assert (reports / f"drift-{ENV}.xml").is_file() and (reports / f"drift-{ENV}.json").is_file()


def test_restored_drifts_leave_a_passing_deployment(sandbox: Sandbox) -> None:
    target = sandbox.target
    report = target.workdir / "after-drifts.json"
    result = run_suite(target.repos_root, ENV, target.endpoint_url, target.region, report, quiet=True, marker="live")
    failures = "\n".join(f"{f['criterion']} {f['repo']}: {f['message']}" for f in result.failures)
    assert result.passed, failures or result.output[-3000:]


def test_nothing_is_left_running(sandbox: Sandbox) -> None:
    sandbox.emulator.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(sandbox.pid, 0)
    assert not deploying.CHILDREN._running
    assert _processes_under(sandbox.target.repos_root) == []
