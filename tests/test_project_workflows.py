"""The project's own workflows: CI, and the scheduled drift check with its separate alert job.

Both validate against GitHub's schema and pass zizmor (pedantic, offline). The drift check's
shape is asserted from the parsed YAML: the daily schedule and the dispatch input, the matrix read
from the spec, minimal permissions per job (the suite's job cannot write issues; the alert job
cannot run the suite), one GitHub environment per env, the suite's command, and every action
pinned to the very SHA the spec pins.
"""

from __future__ import annotations

import configparser
import json
import re
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest

from conformance.ci.targets import drift_targets
from conformance.criteria.hcl_checks import named
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.paths import PROJECT_ROOT
from conformance.platform import Platform
from tests.workflow_linters import assert_valid_against_githubs_schema, assert_zizmor_finds_nothing, load_workflow

WORKFLOWS = PROJECT_ROOT / ".github" / "workflows"
SUITE_STEP = "Conformance suite, static and live"


def load(name: str) -> dict[str, Any]:
    return load_workflow(WORKFLOWS / name)


def conformance_tox_commands() -> str:
    """The `commands` of tox.ini's `conformance-{dev,sit,prod}` envs, one `<env>: ...` line each."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(PROJECT_ROOT / "tox.ini")
    return parser["testenv:conformance-{dev,sit,prod}"]["commands"]


def step(job: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in job["steps"] if s.get("name") == name)


def test_the_workflows_validate_against_githubs_schema() -> None:
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert [f.name for f in files] == ["ci.yml", "drift.yml"]
    assert_valid_against_githubs_schema(files)


def test_zizmor_offline_reports_nothing() -> None:
    assert_zizmor_finds_nothing(WORKFLOWS)


@pytest.mark.parametrize("name", ["ci.yml", "drift.yml"])
def test_every_action_is_the_one_the_spec_pins(platform: Platform, name: str) -> None:
    text = (WORKFLOWS / name).read_text(encoding="utf-8")
    used = re.findall(r"uses: (\S+ # \S+)", text)
    assert used and len(used) == text.count("uses:")
    assert set(used) <= set(platform.github.actions.values()), set(used) - set(platform.github.actions.values())


@pytest.mark.parametrize("name", ["ci.yml", "drift.yml"])
def test_permissions_are_empty_by_default_and_stated_per_job(name: str) -> None:
    workflow = load(name)
    assert workflow["permissions"] == {}
    for job_name, job in workflow["jobs"].items():
        assert "permissions" in job, f"{name}: job {job_name} states no permissions"
        assert job["permissions"].get("contents") in ("read", None), job_name
        assert "timeout-minutes" in job, job_name


def test_ci_runs_the_tests_the_static_suite_and_the_sandbox() -> None:
    jobs = load("ci.yml")["jobs"]
    assert set(load("ci.yml")["on"]) == {"push", "pull_request"}
    tests = step(jobs["tests"], "Lint and tests")
    assert tests["run"].splitlines()[-1] == "bash .ci/run"
    # No provider mirror on GitHub's runners: Terraform's registry, through one plugin cache per job.
    assert tests["env"]["TF_PLUGIN_CACHE_DIR"] == "${{ runner.temp }}/terraform-plugins"
    assert any(s.get("uses", "").startswith("hashicorp/setup-terraform@") for s in jobs["tests"]["steps"])
    static = step(jobs["static"], "Static suite, every env")["run"]
    assert "tox -e conformance-static" in static and "--env all" in static
    assert all(option in static for option in ("--junitxml", "--conformance-json", "--conformance-markdown"))
    assert "GITHUB_STEP_SUMMARY" in step(jobs["static"], "Summary")["run"]
    assert step(jobs["sandbox"], "Generate, deploy, check")["run"] == "make sandbox"
    scanning = jobs.pop("code-scanning")
    assert all(job["permissions"] == {"contents": "read"} for job in jobs.values())
    assert scanning["permissions"] == {"contents": "read", "security-events": "write"}
    assert (
        "python -m conformance sarif --report reports/static.json --output reports/static.sarif"
        in (step(jobs["static"], "SARIF for code scanning")["run"])
    )
    upload = step(scanning, "Upload the SARIF")
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"]["sarif_file"] == "reports/static.sarif"


@pytest.mark.parametrize("name", ["ci.yml", "drift.yml"])
def test_only_the_code_scanning_jobs_write_security_events(name: str) -> None:
    for job_name, job in load(name)["jobs"].items():
        uploads = any(s.get("uses", "").startswith("github/codeql-action/upload-sarif@") for s in job["steps"])
        assert ("security-events" in job["permissions"]) == uploads == (job_name == "code-scanning"), job_name


def test_drift_checks_the_real_repositories_read_only(platform: Platform) -> None:
    """The eight repositories of the spec, one checkout each with a token for that repository only, never
    a rendered fleet; the suite's job gets them as an artifact and holds no repository credentials."""
    from conformance.ci.targets import github_outputs

    outputs = dict(line.split("=", 1) for line in github_outputs(platform))
    assert (
        json.loads(outputs["repositories"]) == platform.repo_names and outputs["owner"] == platform.github.organisation
    )
    jobs = load("drift.yml")["jobs"]
    repositories = jobs["repositories"]
    assert repositories["permissions"] == {}
    assert repositories["strategy"]["matrix"] == {"repository": "${{ fromJSON(needs.targets.outputs.repositories) }}"}
    token = step(repositories, "A token that reads this repository only")
    assert token["uses"].startswith("actions/create-github-app-token@")
    assert token["with"]["repositories"] == "${{ matrix.repository }}"
    assert token["with"]["permission-contents"] == "read"
    assert [k for k in token["with"] if k.startswith("permission-")] == ["permission-contents"]
    checkout = step(repositories, "Check out")["with"]
    assert checkout["persist-credentials"] is False and checkout["token"] == "${{ steps.token.outputs.token }}"
    assert checkout["repository"] == "${{ needs.targets.outputs.owner }}/${{ matrix.repository }}"
    handed = step(repositories, "Hand it to the suite")["with"]
    assert handed["include-hidden-files"] is True and handed["path"] == "fleet/"
    check = jobs["check"]
    assert check["needs"] == ["targets", "repositories"]
    assert step(check, "The eight repositories")["with"] == {
        "pattern": "fleet-*",
        "merge-multiple": True,
        "path": "fleet/",
    }
    runs = " ".join(str(s.get("run", "")) for s in check["steps"])
    assert "generate" not in runs and "--repos-root fleet" in step(check, SUITE_STEP)["run"]
    assert not any("token" in s.get("with", {}) for s in check["steps"])


def test_the_drift_check_runs_daily_and_on_dispatch_for_each_env(platform: Platform) -> None:
    workflow = load("drift.yml")
    (schedule,) = workflow["on"]["schedule"]
    assert len(schedule["cron"].split()) == 5 and schedule["cron"].split()[2:] == ["*", "*", "*"]  # daily
    choice = workflow["on"]["workflow_dispatch"]["inputs"]["env"]
    assert choice["options"] == ["all", *platform.environments] and choice["default"] == "all"
    for name in ("check", "alert"):
        job = workflow["jobs"][name]
        assert job["strategy"]["matrix"] == {"include": "${{ fromJSON(needs.targets.outputs.matrix) }}"}
        assert job["strategy"]["fail-fast"] is False
        assert job["environment"] == "${{ matrix.env }}"  # the OIDC subject carries the env


def test_the_suite_job_only_reads_and_the_alert_job_does_the_writing() -> None:
    jobs = load("drift.yml")["jobs"]
    check, alert = jobs["check"], jobs["alert"]
    assert check["permissions"] == {"contents": "read", "id-token": "write"}
    assert alert["permissions"] == {"contents": "read", "issues": "write", "id-token": "write"}
    assert alert["needs"] == ["targets", "check"] and alert["if"] == "${{ !cancelled() }}"
    suite = step(check, SUITE_STEP)["run"]
    assert suite.startswith('tox -e "conformance-${DRIFT_ENV}" --')
    assert not any("sns" in str(s.get("run", "")) or "gh " in str(s.get("run", "")) for s in check["steps"])
    publish = step(alert, "Publish to the env's alert topic")
    assert "aws sns publish" in publish["run"] and publish["if"] == "${{ steps.decide.outputs.alert == 'true' }}"
    assert "tox" not in " ".join(str(s.get("run", "")) for s in alert["steps"])
    role = step(alert, "Assume the conformance role for its notify permission (OIDC)")["with"]["role-to-assume"]
    assert role == step(check, "Assume the read-only conformance role (OIDC)")["with"]["role-to-assume"]


def test_the_drift_issue_step_gets_its_inputs_from_the_decision() -> None:
    alert = load("drift.yml")["jobs"]["alert"]
    listing = step(alert, "Open drift issues of this env")["run"]
    assert '--label "drift-${DRIFT_ENV}"' in listing and "--state open" in listing
    assert "--json number,title,labels" in listing and "open-issues.json" in listing
    decide = step(alert, "Decide")
    assert decide["id"] == "decide"
    assert "--open-issues open-issues.json" in decide["run"] and "--body drift-issue.md" in decide["run"]
    issue = step(alert, "Open or comment on the env's drift issue")
    assert issue["env"]["ACTION"] == "${{ steps.decide.outputs.action }}"
    assert issue["env"]["ISSUE"] == "${{ steps.decide.outputs.issue }}"
    assert 'gh issue comment "$ISSUE"' in issue["run"] and "gh issue create" in issue["run"]


def test_every_env_the_matrix_names_has_a_tox_env_and_a_role_in_the_infrastructure(
    platform: Platform, fleet: Path
) -> None:
    commands = conformance_tox_commands()
    evidence = FleetEvidence(fleet, platform)
    for target in drift_targets(platform):
        env = target["env"]
        assert f"\n{env}: pytest --pyargs conformance" in commands and f"--env {env} " in commands
        view = RepoView(evidence, platform.infrastructure.repo, env, None)
        role = named(view, "aws_iam_role", platform.conformance_role(env))  # the role the template creates
        assert target["role_arn"].endswith(f":role/{role.get('name')}")
        assert f":{platform.environments[env].account_id}:" in target["role_arn"]


def suite_command(env: str, repos_root: Path, reports: Path) -> list[str]:
    """The drift job's suite step for `env`, resolved through tox.ini into the pytest it runs."""
    run = step(load("drift.yml")["jobs"]["check"], SUITE_STEP)["run"].replace("${DRIFT_ENV}", env)
    words = shlex.split(run)
    assert words[:3] == ["tox", "-e", f"conformance-{env}"] and words[3] == "--"
    posargs = words[4:]
    line = next(line.split(":", 1)[1] for line in conformance_tox_commands().splitlines() if line.startswith(f"{env}:"))
    command = shlex.split(re.sub(r"\{posargs:[^}]*\}[^}]*\}", "", line).strip())
    assert command[0] == "pytest"
    resolved = [sys.executable, "-m", *command, *posargs]
    resolved[resolved.index("--repos-root") + 1] = str(repos_root)
    return [str(reports / Path(w).name) if w.startswith("reports/") else w for w in resolved]
