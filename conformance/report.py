"""Reports: the JSON document and the Markdown summary (fit for $GITHUB_STEP_SUMMARY).

Every result says where it comes from: `"source": "static"` (the repositories' files) or
`"live"` (the deployed resources); a live result also lists its drift as data (`"drift"`:
resource, expected, found, and the AWS call that showed it). In the Markdown table a live row
is marked `(live)` beside the static row of the same criterion.

Messages and values come from the repositories' files and from AWS, so they reach the Markdown
only escaped (`text`, `code`): no HTML, link, image, mention, heading or table cell of theirs is
ever rendered, and no newline of theirs starts a block. A report path is checked before the run
(`unwritable`) and written whole (a temporary file renamed into place), so a run never ends with
a traceback and its report lost.

A report is a verdict only when the run was: a run interrupted (Ctrl-C, a cancelled CI job), stopped
early (`-x`, `--maxfail`) or with collection errors writes `"complete": false` and the reason, and its
Markdown says INCOMPLETE on its first line. Whatever reads a report back takes it through
`load_report` (a malformed or empty one: one line): `drift-alert` through `read_report`, which
refuses an incomplete one too; `sarif` keeps an incomplete run's failures, marked so, and fails.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.evidence.files import read_regular
from conformance.safe_json import loads

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


def unwritable(path: Path) -> str | None:
    """Why a report cannot be written at `path` (checked before the run), or None.

    The nearest existing folder above it must be a folder we may write in; the path itself, if
    it exists, must not be a folder and must be writable.
    """
    if path.is_dir():
        return "it is a folder"
    if path.exists() or path.is_symlink():
        return None if os.access(path, os.W_OK) else "it is not writable"
    parent = path.parent
    while not parent.exists() and not parent.is_symlink() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        return f"{parent} is not a folder"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"the folder {parent} is not writable"
    try:  # what access() cannot see (a read-only or pseudo file system): a nameless file, gone on close
        with tempfile.TemporaryFile(dir=parent):
            pass
    except OSError as error:
        return f"cannot create a file in {parent}: {error.strerror or error}"
    return None


def _write(path: Path, text: str, append: bool = False) -> None:
    """Write the whole text or nothing: a regular file is replaced by a finished temporary one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = path.stat().st_mode if path.exists() else None
    if append or (existing is not None and not stat.S_ISREG(existing)):
        # The step summary, or /dev/stdout, a pipe: opened without blocking (a FIFO nobody reads is
        # an error at once, not a hang), then written as usual.
        flags = os.O_WRONLY | os.O_CREAT | os.O_NONBLOCK | (os.O_APPEND if append else 0)
        descriptor = os.open(path, flags, 0o666)
        os.set_blocking(descriptor, True)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(text)
        return
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        if existing is not None:
            os.chmod(temporary, stat.S_IMODE(existing))
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_json(path: Path, results: list[dict[str, Any]], incomplete: str | None = None) -> None:
    """The JSON report; `incomplete`: why the run is not a verdict (then `"complete": false`)."""
    document: dict[str, Any] = {"complete": incomplete is None}
    if incomplete is not None:
        document["incomplete"] = incomplete
    document |= {"summary": summary(results), "results": results}
    _write(path, json.dumps(document, indent=2) + "\n")


# -- A report read back ----------------------------------------------------------------------------

MAX_REPORT_BYTES = 50 * 1024 * 1024
SOURCES = ("static", "live")
# Each field of a result, and what it must be (the types the plugin writes).
RESULT_FIELDS: dict[str, tuple[tuple[type, ...], str]] = {
    "criterion": ((str,), "a criterion id"),
    "title": ((str,), "a string"),
    "repo": ((str,), "a repository name"),
    "env": ((str, type(None)), "an env name or null"),
    "message": ((str,), "a string"),
    "profile": ((str, type(None)), "a profile or null"),
}


_MISSING = object()


class ReportError(ValueError):
    """A report that is no verdict (unreadable, incomplete, empty, malformed); one line naming it."""


def _short(value: object) -> str:
    found = repr(value)
    return found if len(found) <= 80 else f"{found[:80]}..."


def _check_result(where: str, number: int, result: object) -> None:
    if not isinstance(result, dict):
        raise ReportError(f"{where}: results[{number}]: expected a result object, found {_short(result)}")
    if result.get("outcome") not in OUTCOMES:
        expected = ", ".join(OUTCOMES)
        raise ReportError(
            f"{where}: results[{number}].outcome: expected one of {expected}, found {_short(result.get('outcome'))}"
        )
    for field, (kinds, what) in RESULT_FIELDS.items():
        value = result.get(field, _MISSING) if field != "profile" else result.get(field)
        if not isinstance(value, kinds) or (field == "criterion" and not value):
            shown = "nothing" if value is _MISSING else _short(value)
            raise ReportError(f"{where}: results[{number}].{field}: expected {what}, found {shown}")
    if result.get("source", "static") not in SOURCES:
        raise ReportError(
            f"{where}: results[{number}].source: expected static or live, found {_short(result['source'])}"
        )
    drift = result.get("drift", [])
    if not isinstance(drift, list) or not all(isinstance(d, dict) for d in drift):
        raise ReportError(f"{where}: results[{number}].drift: expected a list of objects, found {_short(drift)}")


@dataclass(frozen=True)
class Report:
    """A report read back: its results, and why the run is no verdict (None: it is one)."""

    results: list[dict[str, Any]]
    incomplete: str | None


def load_report(path: Path) -> Report:
    """A `--conformance-json` report whose every result is well formed, complete or not, or ReportError
    saying in one line what is wrong. Read as a regular file (never a FIFO), bounded in size and depth."""
    where = str(path)
    found = read_regular(os.path.realpath(path), MAX_REPORT_BYTES)
    if not isinstance(found, str):
        raise ReportError(f"{where}: expected the suite's JSON report, but it {found[0]}")
    try:
        document = loads(found, MAX_REPORT_BYTES)
    except ValueError as error:
        raise ReportError(f"{where}: {error}") from None
    results = document.get("results") if isinstance(document, dict) else None
    if not isinstance(results, list):
        raise ReportError(f"{where}: expected the suite's JSON report with a results list, found none")
    for number, result in enumerate(results):
        _check_result(where, number, result)
    incomplete = None
    if document.get("complete") is not True:
        why = document.get("incomplete")
        incomplete = one_line(why) if isinstance(why, str) else 'it has no "complete": true'
    elif not results:
        raise ReportError(f"{where}: expected at least one result, found none")
    return Report(results, incomplete)


def read_report(path: Path, env: str | None = None) -> list[dict[str, Any]]:
    """The results of a complete report (with a result of `env`, when given), or ReportError saying in
    one line why the report is no verdict (`load_report`, an incomplete run, no result of `env`)."""
    report = load_report(path)
    if report.incomplete is not None:
        found = f"an incomplete run ({report.incomplete})"
        raise ReportError(f"{path}: expected the report of a complete run, found {found}")
    if env is not None and not any(r.get("env") == env for r in report.results):
        envs = ", ".join(sorted({str(r.get("env")) for r in report.results}))
        raise ReportError(f"{path}: expected results for env {env}, found only {envs}")
    return report.results


# -- Markdown, escaped ---------------------------------------------------------------------------

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Inline Markdown that could turn a value into a link, autolink, image, mention, math, emphasis,
# strike-through or code: a backslash before ASCII punctuation shows it as itself.
MARKDOWN_ACTIVE = re.compile(r"([\\`*\[\]|~$@:]|(?<=www)\.)", re.IGNORECASE)
# The Markdown shows at most this much of one failure (the JSON report holds all of it).
MAX_LINE = 500
MAX_LINES = 20


def one_line(value: object) -> str:
    """The value on one line: every line break (\\n, \\r, U+2028, ...) a space, control characters shown as U+FFFD."""
    return CONTROL.sub("\ufffd", " ".join(str(value).splitlines()))


def text(value: object) -> str:
    """A value as plain Markdown text: HTML-escaped, Markdown punctuation escaped, on one line."""
    escaped = one_line(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return MARKDOWN_ACTIVE.sub(r"\\\1", escaped)


def code(value: object, table: bool = False) -> str:
    """A value as a code span: a fence longer than any backtick run in it, on one line.

    Inside a table cell a `|` would still end the cell, so it is escaped there (GitHub shows `|`).
    """
    content = one_line(value)
    if not content.strip():
        return ""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", content)), default=0) + 1)
    if content.startswith(("`", " ")) or content.endswith(("`", " ")):
        content = f" {content} "
    span = f"{fence}{content}{fence}"
    return span.replace("|", "\\|") if table else span


def _cut(line: str) -> str:
    return line if len(line) <= MAX_LINE else f"{line[:MAX_LINE]} … ({len(line) - MAX_LINE} more characters)"


def failure_lines(result: dict[str, Any], with_env: bool = True) -> list[str]:
    """One list item per failed result: `- **ID** repo (env):` and each line of its message as a code span."""
    env = f" ({text(result['env'])})" if with_env and result.get("env") else ""
    repo = f" {text(result['repo'])}" if result.get("repo") else ""
    head = f"- **{text(result['criterion'])}**{_live(result.get('source', 'static'))}{repo}{env}:"
    message = [line for line in str(result.get("message", "")).splitlines() if line.strip()]
    spans = [code(_cut(line)) for line in message[:MAX_LINES]] or ["(no message)"]
    if len(message) > MAX_LINES:
        spans.append(f"(and {len(message) - MAX_LINES} more lines in the JSON report)")
    lines = [f"{head} {spans[0]}", *(f"  {span}" for span in spans[1:])]
    return [line + "\\" for line in lines[:-1]] + lines[-1:]  # a backslash at the end: a line break


def _cell(outcomes: list[tuple[str | None, str]]) -> str:
    worst = next((o for o in ("error", "failed", "passed", "skipped") if any(x == o for _, x in outcomes)), "skipped")
    if worst in ("failed", "error"):
        envs = sorted({env or "all" for env, x in outcomes if x == worst})
        return f"{SYMBOL[worst]} {text(', '.join(envs))}"
    return SYMBOL[worst]


def _live(source: str) -> str:
    return " (live)" if source == "live" else ""


def _profile(profile: str | None) -> str:
    """Rows of the kit's own hardening are marked; requirement rows are the unmarked default."""
    return " (platform)" if profile == "platform" else ""


def markdown(results: list[dict[str, Any]], incomplete: str | None = None) -> str:
    """A table of criteria by repository, then every failure spelled out; INCOMPLETE first when the run was."""
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
    title = (
        "## Conformance" if incomplete is None else f"## Conformance: INCOMPLETE, not a verdict ({text(incomplete)})"
    )
    lines = [
        title,
        "",
        " · ".join(f"{counts[o]} {o}" for o in OUTCOMES) + (" (so far)" if incomplete is not None else ""),
        "",
        "| criterion | " + " | ".join(text(r.removeprefix("2_1_bbws_")) for r in repos) + " |",
        "|---|" + "---|" * len(repos),
    ]
    for criterion, source in grid:
        cells = grid[criterion, source]
        row = [_cell(cells[repo]) if repo in cells else "" for repo in repos]
        label = f"{code(criterion, table=True)}{_live(source)}{_profile(profiles[criterion])} {text(titles[criterion])}"
        lines.append(f"| {label} | " + " | ".join(row) + " |")
    lines += drift_table(results)
    if failed := failures(results):
        lines += ["", "### Failures", ""]
        for result in failed:
            lines += failure_lines(result)
    return "\n".join(lines) + "\n"


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
            code(result["criterion"], table=True),
            text(result["env"] or ""),
            code(drift["resource"], table=True),
            text(drift["expected"]),
            text(drift["found"]),
            code(drift["call"], table=True),
        )
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def write_markdown(path: Path, results: list[dict[str, Any]], incomplete: str | None = None) -> None:
    # GitHub's step summary file is shared by the job's steps: add to it, replace anything else.
    _write(path, markdown(results, incomplete), append=str(path) == os.environ.get("GITHUB_STEP_SUMMARY"))
