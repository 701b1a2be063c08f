"""Reports: the JSON document and the Markdown summary (fit for $GITHUB_STEP_SUMMARY).

Every result says where it comes from: `"source": "static"` (the repositories' files) or
`"live"` (the deployed resources); a live result also lists its drift as data (`"drift"`:
resource, expected, found, and the AWS call that showed it). In the Markdown table a live row
is marked `(live)` beside the static row of the same criterion.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

OUTCOMES = ("passed", "failed", "skipped", "error")
SYMBOL = {"passed": "✅", "failed": "❌", "skipped": "⏭️", "error": "💥"}


def summary(results: list[dict[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys(OUTCOMES, 0)
    for result in results:
        counts[result["outcome"]] = counts.get(result["outcome"], 0) + 1
    return counts


def failures(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The results that failed or errored, in report order."""
    return [r for r in results if r.get("outcome") in ("failed", "error")]


def write_json(path: Path, results: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"summary": summary(results), "results": results}
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def _cell(outcomes: list[tuple[str | None, str]]) -> str:
    worst = next((o for o in ("error", "failed", "passed", "skipped") if any(x == o for _, x in outcomes)), "skipped")
    if worst in ("failed", "error"):
        envs = sorted({env or "all" for env, x in outcomes if x == worst})
        return f"{SYMBOL[worst]} {', '.join(envs)}"
    return SYMBOL[worst]


def _live(source: str) -> str:
    return " (live)" if source == "live" else ""


def _profile(profile: str | None) -> str:
    """Rows of the kit's own hardening are marked; requirement rows are the unmarked default."""
    return " (platform)" if profile == "platform" else ""


def markdown(results: list[dict[str, Any]]) -> str:
    """A table of criteria by repository, then every failure spelled out."""
    counts = summary(results)
    repos = sorted({r["repo"] for r in results if r["repo"]})
    grid: dict[tuple[str, str], dict[str, list[tuple[str | None, str]]]] = defaultdict(lambda: defaultdict(list))
    titles: dict[str, str] = {}
    profiles: dict[str, str | None] = {}
    for result in results:
        row = (result["criterion"], result.get("source", "static"))
        grid[row][result["repo"]].append((result["env"], result["outcome"]))
        titles[result["criterion"]] = result["title"]
        profiles[result["criterion"]] = result.get("profile")
    lines = [
        "## Conformance",
        "",
        " · ".join(f"{counts[o]} {o}" for o in OUTCOMES),
        "",
        "| criterion | " + " | ".join(r.removeprefix("2_1_bbws_") for r in repos) + " |",
        "|---|" + "---|" * len(repos),
    ]
    for criterion, source in grid:
        cells = grid[criterion, source]
        row = [_cell(cells[repo]) if repo in cells else "" for repo in repos]
        label = f"`{criterion}`{_live(source)}{_profile(profiles[criterion])} {titles[criterion]}"
        lines.append(f"| {label} | " + " | ".join(row) + " |")
    lines += drift_table(results)
    if failed := failures(results):
        lines += ["", "### Failures", ""]
        for result in failed:
            env = f" ({result['env']})" if result["env"] else ""
            detail = result["message"].replace("\n", "\n  ")
            source = _live(result.get("source", "static"))
            lines.append(f"- **{result['criterion']}**{source} {result['repo']}{env}: {detail}")
    return "\n".join(lines) + "\n"


def _table_cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def drift_table(results: list[dict[str, Any]]) -> list[str]:
    """Every drifted value of the live results: criterion, env, resource, expected, found, AWS call."""
    rows = [
        (result, drift)
        for result in results
        if result.get("source") == "live" and result["outcome"] == "failed"
        for drift in result.get("drift", [])
        if drift.get("call")
    ]
    if not rows:
        return []
    lines = [
        "",
        "### Drift",
        "",
        "| criterion | env | resource | expected | found | AWS call |",
        "|---|---|---|---|---|---|",
    ]
    for result, drift in rows:
        cells = (
            f"`{result['criterion']}`",
            result["env"] or "",
            f"`{drift['resource']}`",
            drift["expected"],
            drift["found"],
            f"`{drift['call']}`",
        )
        lines.append("| " + " | ".join(_table_cell(c) for c in cells) + " |")
    return lines


def write_markdown(path: Path, results: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # GitHub's step summary file is shared by the job's steps: add to it, replace anything else.
    mode = "a" if str(path) == os.environ.get("GITHUB_STEP_SUMMARY") else "w"
    with path.open(mode, encoding="utf-8") as out:
        out.write(markdown(results))
