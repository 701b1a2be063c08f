"""The static suite on the generated fleet: it passes, parses each file once, and fails clearly."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from conformance.catalogue import CRITERIA
from conformance.evidence.fleet import FleetEvidence
from conformance.runner import plan_cases, run_case
from conformance.suite_command import suite_command


def run_suite(root: Path, tmp_path: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    report = tmp_path / "report.json"
    result = subprocess.run(
        suite_command(root, marker="static", json_report=report, extra=["-q", *extra]),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=600,
    )
    return result, json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}


def outcomes(root: Path, platform, envs: list[str] | None = None) -> dict[tuple[str, str, str | None], str]:
    evidence = FleetEvidence(root, platform, {"terraform": "off"})
    cases = plan_cases(platform, CRITERIA, envs or list(platform.environments))
    return {(c.criterion.id, c.repo, c.env): run_case(c, evidence) for c in cases}


def test_the_suite_passes_on_the_generated_fleet_for_every_env(fleet: Path, tmp_path: Path) -> None:
    result, report = run_suite(fleet, tmp_path, "--env", "all", "--terraform", "off")
    assert result.returncode == 0, result.stdout[-3000:]
    assert report["summary"]["failed"] == 0 and report["summary"]["passed"] > 300
    assert {r["env"] for r in report["results"]} == {"dev", "sit", "prod", None}
    first = report["results"][0]
    assert set(first) == {"criterion", "title", "repo", "env", "outcome", "message", "nodeid", "source", "profile"}
    assert {r["source"] for r in report["results"]} == {"static"}


def test_under_xdist_the_reports_hold_every_result_once(fleet: Path, tmp_path: Path) -> None:
    """The controller writes the reports from its workers' results (it collects no case itself)."""
    (tmp_path / "serial").mkdir()
    (tmp_path / "xdist").mkdir()
    serial, expected = run_suite(fleet, tmp_path / "serial", "--env", "all", "--terraform", "off")
    result, report = run_suite(fleet, tmp_path / "xdist", "--env", "all", "--terraform", "off", "-n", "2")
    assert result.returncode == serial.returncode == 0, result.stdout[-3000:]
    assert report["summary"] == expected["summary"] and report["summary"]["passed"] > 300
    key = ("nodeid", "criterion", "repo", "env", "outcome", "source")
    assert sorted(tuple(r[k] for k in key) for r in report["results"]) == sorted(
        tuple(r[k] for k in key) for r in expected["results"]
    )


def test_each_file_is_parsed_once_whatever_the_number_of_checks(fleet: Path, platform) -> None:
    evidence = FleetEvidence(fleet, platform, {"terraform": "off"})
    cases = plan_cases(platform, CRITERIA, list(platform.environments))
    failed = [c.id for c in cases if run_case(c, evidence).status == "failed"]
    assert failed == []
    counts = evidence.parse_counts
    assert counts and max(counts.values()) == 1, [f for f, n in counts.items() if n > 1]
    tf_files = {str(p.relative_to(fleet)) for p in fleet.glob("*/terraform/*.tf")}
    assert tf_files <= set(counts)


def test_a_missing_repo_is_reported_once(fleet: Path, platform, tmp_path: Path) -> None:
    root = tmp_path / "fleet"
    shutil.copytree(fleet, root, symlinks=True)
    gone = platform.lambda_repo(platform.lambdas.functions[0])
    shutil.rmtree(root / gone)
    result, report = run_suite(root, tmp_path, "--env", "dev", "--terraform", "off")
    assert result.returncode == 1
    failed = [r for r in report["results"] if r["outcome"] == "failed"]
    assert [(r["criterion"], r["repo"]) for r in failed] == [("REPO-PRESENT", gone)]
    assert "expected the repository under" in failed[0]["message"]
    skipped = [r for r in report["results"] if r["repo"] == gone and r["outcome"] == "skipped"]
    assert skipped and all("missing (reported once under REPO-PRESENT)" in r["message"] for r in skipped)
    assert "Traceback" not in result.stdout


def test_a_file_that_does_not_parse_fails_only_what_needs_it(fleet: Path, platform, tmp_path: Path) -> None:
    root = tmp_path / "fleet"
    shutil.copytree(fleet, root, symlinks=True)
    repo = platform.infrastructure.repo
    sqs = root / repo / "terraform" / "sqs.tf"
    sqs.write_text(sqs.read_text(encoding="utf-8") + '\nresource "aws_sqs_queue" "broken" {\n  name = \n}\n')
    results = outcomes(root, platform, ["dev"])
    failed = {key for key, outcome in results.items() if outcome.status == "failed"}
    assert ("INF-SQS-QUEUE", repo, "dev") in failed
    message = results[("INF-SQS-QUEUE", repo, "dev")].message
    assert f"{repo}/terraform/sqs.tf:" in message and "does not parse" in message
    assert results[("INF-DDB-PITR", repo, "dev")].status == "passed"
    assert all(key[1] == repo for key in failed)


@pytest.mark.parametrize(
    "args,expected",
    [
        ([], "ERROR: conformance: --repos-root DIR is required (the folder holding the repositories)"),
        (["--repos-root", "/nonexistent/fleet"], "ERROR: conformance: --repos-root: expected a folder, found nothing"),
        (
            ["--repos-root", ".", "--env", "qa"],
            "ERROR: conformance: --env: expected one of dev, sit, prod or all, found 'qa'",
        ),
        (
            ["--repos-root", ".", "--env", "all", "--env", "bogus"],
            "ERROR: conformance: --env: expected one of dev, sit, prod or all, found 'bogus'",
        ),
        (
            ["--repos-root", ".", "--hosts", "ssh://nonexistent-host.invalid"],
            # what follows is ssh's own reason (or that there is no ssh): one line either way
            "ERROR: conformance: --hosts: cannot read ssh://nonexistent-host.invalid:.: ",
        ),
    ],
    ids=["no-root", "missing-root", "unknown-env", "unknown-env-beside-all", "unreachable-host"],
)
def test_bad_options_are_one_line(tmp_path: Path, args: list[str], expected: str) -> None:
    result = subprocess.run(
        suite_command(extra=args),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 4
    assert expected in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_markdown_summary_names_the_failures(fleet: Path, platform, tmp_path: Path) -> None:
    root = tmp_path / "fleet"
    shutil.copytree(fleet, root, symlinks=True)
    (root / platform.infrastructure.repo / "CLAUDE.md").write_text("", encoding="utf-8")
    summary = tmp_path / "summary.md"
    result, _ = run_suite(root, tmp_path, "--env", "dev", "--terraform", "off", "--conformance-markdown", str(summary))
    assert result.returncode == 1
    text = summary.read_text(encoding="utf-8")
    assert "| `REPO-DOCS` README.md and CLAUDE.md are there and not empty |" in text
    assert "### Failures" in text and "CLAUDE.md: REPO-DOCS: expected a non-empty file, found an empty file" in text
    assert Counter(line.startswith("- **") for line in text.splitlines())[True] == 1


def test_the_requirement_profile_runs_only_requirement_criteria(fleet: Path, tmp_path: Path) -> None:
    """`--profile requirement` drops the kit's own hardening; the default profile runs both, marked."""
    from conformance.catalogue import CRITERIA
    from conformance.criteria.base import Profile

    platform_ids = {c.id for c in CRITERIA if c.profile is Profile.PLATFORM}
    assert {"WF-PINNED", "INF-CONFORMANCE-ROLE"} <= platform_ids
    (tmp_path / "requirement").mkdir()
    (tmp_path / "platform").mkdir()
    result, requirement = run_suite(fleet, tmp_path / "requirement", "--terraform", "off", "--profile", "requirement")
    assert result.returncode == 0, result.stdout[-3000:]
    assert {r["profile"] for r in requirement["results"]} == {"requirement"}
    assert not {r["criterion"] for r in requirement["results"]} & platform_ids
    markdown_path = tmp_path / "platform" / "report.md"
    result, default = run_suite(
        fleet, tmp_path / "platform", "--terraform", "off", "--conformance-markdown", str(markdown_path)
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert {r["criterion"] for r in default["results"] if r["profile"] == "platform"} == platform_ids
    markdown = markdown_path.read_text(encoding="utf-8")
    assert "`WF-PINNED` (platform)" in markdown
