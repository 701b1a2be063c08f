"""The drift check's alert: from one env's JSON report, whether to alert, what to say, and where.

One GitHub issue per env stays open while the env drifts: a later run comments on it instead of
opening another (`issue_action`). The SNS message is a short text with a link to the run; the
issue body carries the drift table (criterion, resource, expected, found, AWS call).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.report import ReportError, drift_table, failure_lines, failures, one_line, read_report

LABEL = "drift-{env}"
TITLE = "Conformance drift in {env}"


@dataclass(frozen=True)
class Verdict:
    env: str
    alert: bool
    headline: str
    body: str


def verdict(env: str, report: Path, run_url: str = "") -> Verdict:
    """Alert when the report shows a failure, or when it cannot tell: no report, or one that is no verdict
    (an interrupted or incomplete run, no result for `env`, a malformed one: `read_report`)."""
    link = f"\n\nRun: {run_url}" if run_url else ""
    try:
        results = read_report(report, env)
    except ReportError as error:
        headline = f"{env}: cannot tell, the drift check produced no readable report ({one_line(error)})"
        return Verdict(env, True, headline, headline + link + "\n")
    failed = failures(results)
    if not failed:
        return Verdict(env, False, f"{env}: no drift ({len(results)} checks passed or skipped)", "")
    criteria = sorted({r["criterion"] for r in failed})
    headline = f"{env}: {len(failed)} failed check(s): {', '.join(criteria)}"
    lines = [f"## {headline}", *drift_table(results), "", "### Every failure", ""]
    for result in failed:  # escaped as in the step summary: the messages quote repository files
        lines += failure_lines(result, with_env=False)
    return Verdict(env, True, headline, "\n".join(lines) + link + "\n")


def issue_action(env: str, open_issues: list[dict[str, Any]]) -> tuple[str, int | None]:
    """`("comment", n)` on the env's oldest open drift issue, else `("create", None)`: never a duplicate."""
    label = LABEL.format(env=env)
    mine = [
        int(issue["number"])
        for issue in open_issues
        if label in {lab.get("name") for lab in issue.get("labels", [])} or issue.get("title") == TITLE.format(env=env)
    ]
    return ("comment", min(mine)) if mine else ("create", None)
