"""A run that is no verdict never reads as one, and a report read back is checked first (issue 12).

An interrupted run (Ctrl-C, a cancelled CI job: KeyboardInterrupt), one stopped early (`-x`) or one
with collection errors writes `"complete": false` and why, and its Markdown says INCOMPLETE on its
first line; `drift-alert` alerts on it ("cannot tell") and `sarif` refuses it. A report that is empty,
lacks the env asked, has an unknown outcome or a wrong type, is nested too deeply or is a FIFO is
one line too, never a pass and never a hang. Reports to one file under two flags are refused at
the start, and `precommit --repo FILE` is one line.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.__main__ import main
from conformance.ci.drift_alert import verdict
from conformance.paths import PROJECT_ROOT
from conformance.suite_command import suite_command

TIMEOUT = 120
# Quick cases: REPO-GIT for each of the 8 repositories, INF-DDB-PITR for the env (a result of env dev).
CRITERION = "(REPO-GIT and not GITIGNORE) or INF-DDB-PITR"
CASES = 9


def run_suite(fleet: Path, tmp_path: Path, *extra: str, pythonpath: str = "") -> subprocess.CompletedProcess[str]:
    reports = ["--conformance-json", str(tmp_path / "r.json"), "--conformance-markdown", str(tmp_path / "r.md")]
    reports += ["--conformance-sarif", str(tmp_path / "r.sarif")]
    command = suite_command(fleet, marker="static", envs=["dev"], terraform="off", extra=[*reports, "-q", *extra])
    paths = [p for p in (pythonpath, str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    return subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=env, check=False, timeout=TIMEOUT)


def report_of(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))


def alert(tmp_path: Path, env: str = "dev") -> tuple[str, str]:
    """`drift-alert`'s alert= and headline= lines for the report."""
    found = verdict(env, tmp_path / "r.json")
    return ("true" if found.alert else "false"), found.headline


def sarif_error(report: Path, tmp_path: Path, capsys) -> tuple[int, str]:
    code = main(["sarif", "--report", str(report), "--output", str(tmp_path / "out.sarif")])
    return code, capsys.readouterr().err.strip()


def test_a_complete_run_is_a_verdict(fleet: Path, tmp_path: Path, capsys) -> None:
    result = run_suite(fleet, tmp_path, "-k", CRITERION)
    assert result.returncode == 0, result.stdout[-2000:]
    report = report_of(tmp_path)
    assert report["complete"] is True and "incomplete" not in report and report["summary"]["passed"] == CASES
    assert (tmp_path / "r.md").read_text(encoding="utf-8").splitlines()[0] == "## Conformance"
    assert "invocations" not in json.loads((tmp_path / "r.sarif").read_text(encoding="utf-8"))["runs"][0]
    assert alert(tmp_path, "dev") == ("false", f"dev: no drift ({CASES} checks passed or skipped)")
    assert sarif_error(tmp_path / "r.json", tmp_path, capsys) == (0, "")


def incomplete_cases(fleet: Path, tmp_path: Path) -> dict[str, tuple[list[str], str, str]]:
    """name: (extra pytest args, PYTHONPATH, the reason the report gives)."""
    interrupter = tmp_path / "plugins" / "interrupter.py"
    interrupter.parent.mkdir()
    # What SIGINT does to Python (a cancelled CI job): KeyboardInterrupt, here in the third case.
    interrupter.write_text(
        "count = 0\n\n\ndef pytest_runtest_call(item):\n    global count\n    count += 1\n"
        "    if count == 3:\n        raise KeyboardInterrupt\n",
        encoding="utf-8",
    )
    broken = tmp_path / "plugins" / "test_broken_collection.py"
    broken.write_text("raise ImportError('a module that does not import')\n", encoding="utf-8")
    return {
        "interrupted": (["-p", "interrupter", "-k", CRITERION], str(interrupter.parent), "the run was interrupted"),
        "stopped": (["-x", "-k", CRITERION], "", "the run stopped early: stopping after 1 failures"),
        "collection": (
            ["--continue-on-collection-errors", "-k", CRITERION, str(broken)],
            "",
            "1 error(s) during collection",
        ),
    }


@pytest.mark.parametrize("case", ["interrupted", "stopped", "collection"])
def test_a_run_that_did_not_finish_writes_an_incomplete_report_that_nothing_reads_as_a_pass(
    case: str, fleet: Path, tmp_path: Path, capsys
) -> None:
    if case == "stopped":  # every repository fails REPO-GIT: -x stops at the first
        fleet = shutil.copytree(fleet, tmp_path / "fleet", ignore=shutil.ignore_patterns(".git"))
    args, pythonpath, reason = incomplete_cases(fleet, tmp_path)[case]
    result = run_suite(fleet, tmp_path, *args, pythonpath=pythonpath)
    assert result.returncode != 0, result.stdout[-2000:]
    report = report_of(tmp_path)
    assert (report["complete"], report["incomplete"]) == (False, reason), report
    assert len(report["results"]) < CASES or case == "collection"  # there the cases ran, beside a module that did not
    first = (tmp_path / "r.md").read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("## Conformance: INCOMPLETE, not a verdict ("), first
    (invocation,) = json.loads((tmp_path / "r.sarif").read_text(encoding="utf-8"))["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert alert(tmp_path) == (
        "true",
        f"dev: cannot tell, the drift check produced no readable report ({tmp_path / 'r.json'}: expected the "
        f"report of a complete run, found an incomplete run ({reason}))",
    )
    # sarif keeps what the run found, marked incomplete as the plugin marks it, and fails in one line.
    code, error = sarif_error(tmp_path / "r.json", tmp_path, capsys)
    assert (code, error) == (
        1,
        f"error: {tmp_path / 'r.json'}: expected the report of a complete run, found an incomplete run ({reason}); "
        f"{tmp_path / 'out.sarif'} holds what it found, marked incomplete",
    )
    assert (tmp_path / "out.sarif").read_text(encoding="utf-8") == (tmp_path / "r.sarif").read_text(encoding="utf-8")


def good_result(**changes: object) -> dict:
    return {
        "criterion": "INF-DDB-PITR",
        "title": "t",
        "repo": "2_1_bbws_product_infrastructure",
        "env": "dev",
        "outcome": "failed",
        "message": "bbws-products-dev: INF-DDB-PITR: expected ENABLED, found DISABLED",
        "source": "live",
        "profile": "requirement",
        "drift": [],
    } | changes


def document(*results: dict, **changes: object) -> str:
    return json.dumps({"complete": True, "summary": {}, "results": list(results)} | changes)


HOSTILE_REPORTS = {
    "empty": (document(), "expected at least one result, found none"),
    "another env only": (document(good_result(env="sit")), "expected results for env dev, found only sit"),
    "outcome a list": (
        document(good_result(outcome=["failed"])),
        "results[0].outcome: expected one of passed, failed, skipped, error, found ['failed']",
    ),
    "outcome upper-case": (
        document(good_result(outcome="FAILED")),
        "results[0].outcome: expected one of passed, failed, skipped, error, found 'FAILED'",
    ),
    "criterion a number": (
        document(good_result(criterion=7)),
        "results[0].criterion: expected a criterion id, found 7",
    ),
    "message a number": (document(good_result(message=7)), "results[0].message: expected a string, found 7"),
    "no env": (
        document({k: v for k, v in good_result().items() if k != "env"}),
        "results[0].env: expected an env name or null, found nothing",
    ),
    "result a string": (document("failed"), "results[0]: expected a result object, found 'failed'"),
    "drift not a list": (document(good_result(drift="x")), "results[0].drift: expected a list of objects, found 'x'"),
    "no complete": (
        json.dumps({"summary": {}, "results": [good_result()]}),
        'expected the report of a complete run, found an incomplete run (it has no "complete": true)',
    ),
    "deep": ("[" * 100_000, "expected JSON, found arrays or objects nested too deeply"),
    "not JSON": ("{", "expected JSON, found Expecting property name enclosed in double quotes"),
}


@pytest.mark.parametrize("case", list(HOSTILE_REPORTS))
def test_a_report_that_is_no_verdict_alerts_and_is_refused_by_sarif(case: str, tmp_path: Path, capsys) -> None:
    text, expected = HOSTILE_REPORTS[case]
    (tmp_path / "r.json").write_text(text, encoding="utf-8")
    flag, headline = alert(tmp_path)
    assert flag == "true"
    prefix = f"dev: cannot tell, the drift check produced no readable report ({tmp_path / 'r.json'}: "
    assert headline.startswith(prefix + expected), headline
    code, error = sarif_error(tmp_path / "r.json", tmp_path, capsys)
    if case == "another env only":  # SARIF is of every env: only the drift alert asks for one
        assert code == 0
        return
    if case == "no complete":  # SARIF of what it holds, marked incomplete; the command fails
        assert code == 1 and error.startswith(f"error: {tmp_path / 'r.json'}: {expected}; ")
        (invocation,) = json.loads((tmp_path / "out.sarif").read_text(encoding="utf-8"))["runs"][0]["invocations"]
        assert invocation["executionSuccessful"] is False
        return
    assert code == 2 and error.startswith(f"error: {tmp_path / 'r.json'}: {expected}") and "\n" not in error
    assert not (tmp_path / "out.sarif").exists()


def test_the_same_report_with_its_types_right_is_read(tmp_path: Path, capsys) -> None:
    """The control: the good result the hostile ones change alerts, and sarif places it."""
    (tmp_path / "r.json").write_text(document(good_result(), good_result(env="sit", outcome="passed")), "utf-8")
    assert alert(tmp_path) == ("true", "dev: 1 failed check(s): INF-DDB-PITR")
    assert sarif_error(tmp_path / "r.json", tmp_path, capsys) == (0, "")
    (only,) = json.loads((tmp_path / "out.sarif").read_text(encoding="utf-8"))["runs"][0]["results"]
    assert only["ruleId"] == "INF-DDB-PITR"


def test_a_fifo_or_a_folder_as_the_report_is_one_line_never_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "r.json"
    os.mkfifo(fifo)
    for report, found in ((fifo, "is a FIFO, not a regular file"), (tmp_path, "is a folder, not a regular file")):
        for command in (["sarif", "--output", str(tmp_path / "o.sarif")], ["drift-alert", "--env", "dev"]):
            extra = ["--body", str(tmp_path / "body.md")] if command[0] == "drift-alert" else []
            result = subprocess.run(
                [sys.executable, "-m", "conformance", *command, "--report", str(report), *extra],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
            out = result.stdout + result.stderr
            assert "Traceback" not in out and f"{report}: expected the suite's JSON report, but it {found}" in out


def test_two_reports_to_one_file_are_refused_before_the_run(fleet: Path, tmp_path: Path) -> None:
    same = tmp_path / "report"
    same.write_text("an older report\n", encoding="utf-8")
    link = tmp_path / "link"
    link.symlink_to(same)
    for extra, second, spelled in (
        (["--conformance-json", str(same), "--conformance-markdown", str(same)], "--conformance-markdown", same),
        (["--conformance-json", str(same), "--conformance-sarif", str(link)], "--conformance-sarif", link),
        (["--conformance-json", str(same), f"--junitxml={same}"], "--junitxml", same),
    ):
        command = suite_command(fleet, marker="static", envs=["dev"], terraform="off", extra=extra)
        result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, check=False, timeout=TIMEOUT)
        errors = [line for line in result.stderr.splitlines() if line.strip()]
        assert errors == [
            f"ERROR: conformance: {second}: cannot write {spelled}: --conformance-json writes the same file"
        ], result.stderr
        assert result.returncode == 4 and "passed" not in result.stdout
        assert same.read_text(encoding="utf-8") == "an older report\n"
    apart = ["--conformance-json", str(tmp_path / "a.json"), "--conformance-markdown", str(tmp_path / "a.md")]
    command = suite_command(fleet, marker="static", envs=["dev"], terraform="off", extra=[*apart, "-k", CRITERION])
    assert subprocess.run(command, capture_output=True, cwd=tmp_path, check=False, timeout=TIMEOUT).returncode == 0
    assert json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))["complete"] is True


def test_precommit_on_a_file_is_one_line(tmp_path: Path, capsys) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("x\n", encoding="utf-8")
    for repo, found in ((a_file, "a file"), (tmp_path / "absent", "nothing"), (tmp_path, "none")):
        assert main(["precommit", "--repo", str(repo)]) == 2
        assert capsys.readouterr().err.strip() == f"error: {repo}: expected a git repository, found {found}"
