"""The suite on one checked-out repository (`--repo DIR`), as a deploy gate or pre-commit runs it.

The fleet is rendered once (tests/conftest.py); each test copies the repositories it runs on into
folders of its own, named otherwise than the spec's repositories unless the test says so, so the
identity read from `.cruft.json` is what the suite goes by.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.platform import Platform
from conformance.suite_command import suite_command
from tests.test_sarif import validate

ENV = "dev"
INFRA = "2_1_bbws_product_infrastructure"
LAMBDA = "2_1_bbws_get_product"
CONTRACT = "LAMBDA-OUTPUT-CONTRACT"
USAGE_ERROR = 4


def checkout(fleet: Path, repo: str, folder: Path) -> Path:
    """A copy of the rendered `repo` at `folder` (a clone named as its owner pleases)."""
    shutil.copytree(fleet / repo, folder, symlinks=True)
    return folder


def run(tmp_path: Path, *args: str, **options: object) -> tuple[subprocess.CompletedProcess[str], dict]:
    report = tmp_path / "report.json"
    report.unlink(missing_ok=True)
    command = suite_command(envs=[ENV], terraform="off", json_report=report, extra=["-q", *args], **options)
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, check=False, timeout=600)
    return result, json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}


def failed(report: dict) -> list[str]:
    return [r["message"] for r in report["results"] if r["outcome"] == "failed"]


def outcome(report: dict, criterion: str) -> dict:
    [found] = [r for r in report["results"] if r["criterion"] == criterion]
    return found


def collected(tmp_path: Path, **options: object) -> set[str]:
    """The case ids a `-m static` run collects (`--collect-only`)."""
    command = suite_command(envs=[ENV], marker="static", extra=["--collect-only", "-q"], **options)
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, check=False, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    return {line.split("::", 1)[1] for line in result.stdout.splitlines() if "::test_criterion[" in line}


@pytest.fixture
def clones(fleet: Path, tmp_path: Path) -> dict[str, Path]:
    return {
        LAMBDA: checkout(fleet, LAMBDA, tmp_path / "my-lambda-clone"),
        INFRA: checkout(fleet, INFRA, tmp_path / "infra-checkout"),
    }


def test_a_lambda_repo_with_its_infrastructure_checkout_passes_and_checks_the_contract(
    clones: dict[str, Path], tmp_path: Path
) -> None:
    result, report = run(tmp_path, repo=clones[LAMBDA], infra_repo=clones[INFRA], marker="static")
    assert result.returncode == 0, result.stdout[-3000:]
    assert {r["repo"] for r in report["results"]} == {LAMBDA}
    assert report["summary"]["failed"] == 0 and report["summary"]["passed"] > 20
    assert outcome(report, CONTRACT)["outcome"] == "passed"
    assert {r["message"] for r in report["results"] if r["outcome"] == "skipped"} == {"--terraform off"}


def test_an_output_the_infrastructure_does_not_have_fails_naming_file_and_line(
    clones: dict[str, Path], tmp_path: Path
) -> None:
    data = clones[LAMBDA] / "terraform" / "data.tf"
    text = data.read_text(encoding="utf-8")
    data.write_text(
        text + "\nlocals {\n  extra = data.terraform_remote_state.infrastructure.outputs.no_such_output\n}\n",
        encoding="utf-8",
    )
    line = len(text.splitlines()) + 3
    result, report = run(tmp_path, repo=clones[LAMBDA], infra_repo=clones[INFRA], marker="static")
    assert result.returncode == 1
    assert failed(report) == [
        f"{LAMBDA}/terraform/data.tf:{line}: {CONTRACT}: expected an output of {INFRA}/terraform/outputs.tf, "
        "found no_such_output"
    ]


def test_without_the_infrastructure_the_contract_says_it_was_not_checked(
    clones: dict[str, Path], tmp_path: Path
) -> None:
    result, report = run(tmp_path, repo=clones[LAMBDA], marker="static")
    assert result.returncode == 0, result.stdout[-3000:]
    contract = outcome(report, CONTRACT)
    assert contract["outcome"] == "skipped"
    assert contract["message"].startswith(f"not checked: the outputs of {INFRA} are not here")
    assert "--infra-repo DIR" in contract["message"]


def test_the_infrastructure_repo_alone_passes(clones: dict[str, Path], tmp_path: Path) -> None:
    result, report = run(tmp_path, repo=clones[INFRA], marker="static")
    assert result.returncode == 0, result.stdout[-3000:]
    assert {r["repo"] for r in report["results"]} == {INFRA}
    assert report["summary"]["failed"] == 0 and report["summary"]["passed"] > 40


@pytest.mark.parametrize("repo", [INFRA, LAMBDA])
def test_a_repo_gets_exactly_the_cases_a_fleet_run_gives_it(
    repo: str, fleet: Path, clones: dict[str, Path], tmp_path: Path
) -> None:
    alone = collected(tmp_path, repo=clones[repo])
    in_fleet = {i for i in collected(tmp_path, repos_root=fleet) if f"[{repo}]" in i or f"[{repo}-" in i}
    assert alone == in_fleet and len(alone) > 20


def test_a_workflow_step_removed_after_generation_fails(clones: dict[str, Path], tmp_path: Path) -> None:
    workflow = clones[LAMBDA] / ".github" / "workflows" / f"deploy-{ENV}.yml"
    text = workflow.read_text(encoding="utf-8")
    start = text.index("      - name: Configure AWS credentials (OIDC)")
    end = text.index("      - name: Deploy")
    workflow.write_text(text[:start] + text[end:], encoding="utf-8")
    result, report = run(tmp_path, repo=clones[LAMBDA], infra_repo=clones[INFRA], marker="static")
    assert result.returncode == 1
    failing = {r["criterion"] for r in report["results"] if r["outcome"] == "failed"}
    assert "WF-OIDC" in failing, failed(report)
    assert all(m.startswith(f"{LAMBDA}/.github/workflows/deploy-{ENV}.yml") for m in failed(report)), failed(report)


def test_pitr_turned_off_in_the_infrastructure_fails(clones: dict[str, Path], tmp_path: Path) -> None:
    table = clones[INFRA] / "terraform" / "dynamodb.tf"
    text = table.read_text(encoding="utf-8")
    broken = text.replace(
        "point_in_time_recovery {\n    enabled = true", "point_in_time_recovery {\n    enabled = false"
    )
    assert broken != text
    table.write_text(broken, encoding="utf-8")
    result, report = run(tmp_path, repo=clones[INFRA], marker="static")
    assert result.returncode == 1
    assert [r["criterion"] for r in report["results"] if r["outcome"] == "failed"] == ["INF-DDB-PITR"]
    assert failed(report)[0].startswith(f"{INFRA}/terraform/dynamodb.tf:")


def test_the_folder_name_identifies_a_repo_without_a_record(fleet: Path, tmp_path: Path) -> None:
    repo = checkout(fleet, LAMBDA, tmp_path / LAMBDA)
    (repo / ".cruft.json").unlink()
    alone = collected(tmp_path, repo=repo)
    assert len(alone) > 20 and all(f"[{LAMBDA}]" in i or f"[{LAMBDA}-" in i for i in alone)


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == USAGE_ERROR, result.stdout[-2000:] + result.stderr[-2000:]
    lines = [line for line in result.stderr.splitlines() if line.startswith("ERROR: conformance:")]
    assert len(lines) == 1 and "Traceback" not in result.stdout + result.stderr, result.stderr
    return lines[0]


def test_an_unknown_repo_is_one_line_naming_what_was_seen_and_the_known_names(
    fleet: Path, platform: Platform, tmp_path: Path
) -> None:
    folder = tmp_path / "somebody-elses-repo"
    folder.mkdir()
    line = one_line_error(run(tmp_path, repo=folder, marker="static")[0])
    assert "--repo:" in line and "'somebody-elses-repo'" in line
    assert all(name in line for name in platform.repo_names)


def test_a_record_naming_a_repo_the_spec_lacks_is_one_line(fleet: Path, tmp_path: Path) -> None:
    repo = checkout(fleet, LAMBDA, tmp_path / LAMBDA)  # the folder's name would match: the record wins
    record = json.loads((repo / ".cruft.json").read_text(encoding="utf-8"))
    record["context"]["cookiecutter"]["__repo_name"] = "2_1_bbws_search_products"
    (repo / ".cruft.json").write_text(json.dumps(record), encoding="utf-8")
    line = one_line_error(run(tmp_path, repo=repo, marker="static")[0])
    assert f"{repo}/.cruft.json records the repository 2_1_bbws_search_products, expected one of the spec's" in line


def test_repo_and_repos_root_together_is_one_line(fleet: Path, clones: dict[str, Path], tmp_path: Path) -> None:
    line = one_line_error(run(tmp_path, repos_root=fleet, repo=clones[LAMBDA], marker="static")[0])
    assert line == (
        "ERROR: conformance: --repo and --repos-root: give one (--repo DIR checks one repository, "
        "--repos-root DIR the fleet)"
    )


def test_infra_repo_must_be_the_infrastructure(clones: dict[str, Path], fleet: Path, tmp_path: Path) -> None:
    other = checkout(fleet, "2_1_bbws_audit_logger", tmp_path / "other")
    line = one_line_error(run(tmp_path, repo=clones[LAMBDA], infra_repo=other, marker="static")[0])
    assert f"expected the infrastructure repository {INFRA}, found 2_1_bbws_audit_logger" in line


def test_reports_are_written_alike(clones: dict[str, Path], tmp_path: Path) -> None:
    sarif, markdown = tmp_path / "out.sarif", tmp_path / "summary.md"
    extra = ["--conformance-sarif", str(sarif), "--conformance-markdown", str(markdown)]
    (clones[INFRA] / "terraform" / "dynamodb.tf").write_text(
        (clones[INFRA] / "terraform" / "dynamodb.tf")
        .read_text(encoding="utf-8")
        .replace("point_in_time_recovery {\n    enabled = true", "point_in_time_recovery {\n    enabled = false"),
        encoding="utf-8",
    )
    result, _ = run(tmp_path, *extra, repo=clones[INFRA], marker="static")
    assert result.returncode == 1
    log = json.loads(sarif.read_text(encoding="utf-8"))
    validate(log)
    [found] = log["runs"][0]["results"]
    assert found["ruleId"] == "INF-DDB-PITR"
    # Uploaded from the checkout itself: the repository's base is SRCROOT, the path the repository's own.
    location = found["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "terraform/dynamodb.tf", "uriBaseId": INFRA}
    assert log["runs"][0]["originalUriBaseIds"] == {INFRA: {"uri": "./", "uriBaseId": "SRCROOT"}}
    assert "**INF-DDB-PITR**" in markdown.read_text(encoding="utf-8")


def test_run_in_the_repository_without_c_the_repository_s_own_settings_are_refused_in_one_line(
    clones: dict[str, Path],
) -> None:
    """deploy.sh's shape: run in the checkout, whose pytest.ini adds `--cov-fail-under` for its own tests."""
    command = [sys.executable, "-m", "pytest", "--pyargs", "conformance", "-p", "no:cacheprovider"]
    command += ["--repo", str(clones[LAMBDA]), "--env", ENV, "-m", "static"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=clones[LAMBDA], check=False, timeout=600)
    line = one_line_error(result)
    assert line.startswith(f"ERROR: conformance: --repo: pytest took its settings from {clones[LAMBDA]}/pytest.ini")
    assert "--cov-fail-under=80" in line and line.endswith("add -c /dev/null so the suite runs with none of them")
    fixed = subprocess.run(
        [*command, "-c", os.devnull, "--terraform", "off", "-q"],
        capture_output=True,
        text=True,
        cwd=clones[LAMBDA],
        check=False,
        timeout=600,
    )
    assert fixed.returncode == 0, fixed.stdout[-3000:]


def test_each_checkout_is_its_own_root_and_files_keep_the_spec_s_names(
    clones: dict[str, Path], platform: Platform
) -> None:
    """A link from one checkout into another is refused like one leaving the repos root, named `repo/path`."""
    from conformance.catalogue import CRITERIA
    from conformance.evidence.checkouts import Checkouts
    from conformance.evidence.files import LocalFiles, Unreadable
    from conformance.evidence.fleet import FleetEvidence
    from conformance.runner import plan_cases, run_case

    link = clones[LAMBDA] / "terraform" / "shared.tf"
    link.symlink_to(clones[INFRA] / "terraform" / "outputs.tf")
    files = Checkouts({name: LocalFiles(folder) for name, folder in clones.items()})
    refused = files.read(f"{LAMBDA}/terraform/shared.tf")
    assert isinstance(refused, Unreadable) and refused.file == f"{LAMBDA}/terraform/shared.tf"
    assert "leaving" in refused.reason
    assert isinstance(files.read(f"{INFRA}/terraform/outputs.tf"), str)
    assert files.read("2_1_bbws_audit_logger/README.md") is None and not files.exists("2_1_bbws_audit_logger")
    assert f"{LAMBDA}/terraform/data.tf" in files.list(f"{LAMBDA}/terraform", (".tf",))
    assert isinstance(files.commit_count(LAMBDA), int) and files.commit_count(LAMBDA) >= 1

    evidence = FleetEvidence(clones[LAMBDA], platform, {"terraform": "off"}, files, files.repos)
    cases = [c for c in plan_cases(platform, CRITERIA, [ENV]) if c.repo == LAMBDA]
    failing = {c.criterion.id: run_case(c, evidence) for c in cases}
    failing = {k: o.message for k, o in failing.items() if o.status == "failed"}
    assert failing and all(f"{LAMBDA}/terraform/shared.tf" in m for m in failing.values()), failing


def record(folder: Path, answers: dict | None = None, text: str | None = None) -> Path:
    folder.mkdir(parents=True)
    data = {"template": "https://example.invalid/kit.git", "commit": "0" * 40, "context": {"cookiecutter": answers}}
    (folder / ".cruft.json").write_text(text if text is not None else json.dumps(data), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    "answers,wanted",
    [
        ({"__repo_name": LAMBDA, "lambda_name": "get_product"}, LAMBDA),
        ({"repo_name": INFRA}, INFRA),
        ({"lambda_name": "audit_logger"}, "2_1_bbws_audit_logger"),  # a record without the computed name
        ({"project": "another template's answers"}, LAMBDA),  # names none: the folder's name decides
    ],
)
def test_the_recorded_identity_comes_first_then_the_folder_name(
    answers: dict, wanted: str, platform: Platform, tmp_path: Path
) -> None:
    from conformance.checkout import identify
    from conformance.evidence.files import LocalFiles

    folder = record(tmp_path / LAMBDA, answers)
    assert identify(folder, LocalFiles(folder), platform) == wanted


@pytest.mark.parametrize(
    "answers,text,message",
    [
        (None, "{not json", ".cruft.json: expected JSON (the kit's answers), found "),
        (None, "[" * 100_000, ".cruft.json: expected JSON (the kit's answers), found arrays or objects nested too"),
        ({"lambda_name": "search_products"}, None, "records the repository the Lambda 'search_products', expected"),
        ({"__repo_name": "2_1_bbws_search_products"}, None, "records the repository 2_1_bbws_search_products"),
    ],
)
def test_a_record_that_cannot_say_is_one_line(
    answers: dict | None, text: str | None, message: str, platform: Platform, tmp_path: Path
) -> None:
    from conformance.checkout import CheckoutError, identify
    from conformance.evidence.files import LocalFiles

    folder = record(tmp_path / LAMBDA, answers, text)  # the folder's name would match: the record is not ignored
    with pytest.raises(CheckoutError) as error:
        identify(folder, LocalFiles(folder), platform)
    assert message in str(error.value) and "\n" not in str(error.value)
    assert str(error.value).startswith(f"--repo: {folder}/.cruft.json")


@pytest.mark.parametrize("repo", [INFRA, LAMBDA, "2_1_bbws_audit_logger"])
def test_a_live_run_of_one_repo_plans_its_own_cases_the_account_guard_and_for_a_lambda_the_contract(
    repo: str, platform: Platform
) -> None:
    from conformance.catalogue import ACCOUNT_GUARD, LIVE_CRITERIA, PER_REPO_LIVE
    from conformance.runner import plan_live_cases, plan_repo_live_cases

    envs = list(platform.environments)
    alone = plan_repo_live_cases(platform, LIVE_CRITERIA, envs, repo, PER_REPO_LIVE)
    in_fleet = [c for c in plan_live_cases(platform, LIVE_CRITERIA, envs) if c.repo == repo]
    assert {c.repo for c in alone} == {repo}
    assert [c.criterion.id for c in alone[: len(envs)]] == [ACCOUNT_GUARD] * len(envs)  # the guard first
    own = {c.id for c in in_fleet if c.criterion.id != ACCOUNT_GUARD}
    contract = {f"{CONTRACT}[{repo}-{env}]" for env in envs} if repo != INFRA else set()
    assert {c.id for c in alone[len(envs) :]} == own | contract
    assert own  # every repository has live cases of its own


def test_the_catalogue_shows_the_live_half_only_repo_runs_plan(capsys: pytest.CaptureFixture[str]) -> None:
    from conformance.__main__ import main

    assert main(["criteria"]) == 0
    [row] = [line for line in capsys.readouterr().out.splitlines() if line.startswith(f"| {CONTRACT} |")]
    assert row.endswith("| s3:GetObject@state (--repo runs) |")
    assert main(["criteria", "--where"]) == 0
    [row] = [line for line in capsys.readouterr().out.splitlines() if line.startswith(f"| {CONTRACT} |")]
    assert row.endswith("| conformance.criteria.remote_state:contract_from_state (--repo runs) |")
