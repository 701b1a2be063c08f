"""Reports under hostile input: values from repo files cannot inject Markdown; unwritable paths stop the run first.

The Markdown goes to `$GITHUB_STEP_SUMMARY` (and the drift issue's body): every value that comes
from a repository or from AWS (repo and env names, messages, drift resources, expected and found
values, calls) is put there with hostile strings, and the document must keep exactly its own
structure: no HTML, link, image, mention, math, heading or extra table cell of theirs.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.ci.drift_alert import verdict
from conformance.report import code, markdown, text, unwritable, write_json, write_markdown
from conformance.suite_command import suite_command
from tests.privileges import without_privileges

HOSTILE = [
    '<img src="https://evil.example/x.png" onerror=alert(1)>',
    "<script>alert(1)</script>",
    "<!-- an open comment",
    "<details open><summary>x",
    "# a heading",
    "line one\n## injected heading\n- injected item",
    "carriage\rreturn and\r\nCRLF",
    "unicode\u2028line\u2029separators\x85next",
    "a|b|c",
    "`code` and ``double`` and a lone `",
    "```\nfenced\n```",
    "[a link](https://evil.example)",
    "![an image](https://evil.example/x.png)",
    "<https://evil.example>",
    "https://evil.example/bare and www.evil.example",
    "@someone and @org/team",
    "$x^2$ and $$y$$",
    "**bold** *it* ~~struck~~",
    "&amp; &lt;img&gt; &#60;",
    "trailing backslash \\",
    "control \x00\x07\x1b[31m characters",
    "arn:aws:iam::815856636111:role/x\n<img src=x>",
    "  leading and trailing spaces  ",
    "[^footnote]\n\n[^footnote]: https://evil.example",
    "|---|---|",
]
CRITERION = "INF-DDB-PITR"


def results() -> list[dict]:
    """One failed result per hostile string in every field a value of a repo or of AWS reaches."""
    found = []
    for number, value in enumerate(HOSTILE):
        found.append(
            {
                "criterion": CRITERION,
                "title": "Point in time recovery",
                "repo": f"2_1_bbws_{value}",
                "env": value,
                "outcome": "failed",
                "message": f"repo/terraform/x.tf:{number}: {CRITERION}: expected a, found {value}",
                "source": "live",
                "profile": "requirement",
                "drift": [{"resource": value, "expected": value, "found": value, "call": value}],
            }
        )
    found.append({**found[0], "source": "static", "outcome": "passed", "repo": "2_1_bbws_plain", "env": "dev"})
    return found


def outside_code(line: str) -> str:
    """The line with its code spans removed (opened by an unescaped run of backticks, closed by one as long)."""
    return re.sub(r"(?<![\\`])(`+)(?!`).*?(?<!`)\1(?!`)", "", line)


def cells(row: str) -> list[str]:
    """A table row split where GitHub splits it: at every `|` not escaped, code spans included."""
    return re.split(r"(?<!\\)\|", row.strip())[1:-1]


def assert_inert(document: str) -> None:
    """Nothing a value could bring in is live Markdown or HTML in the document."""
    for line in document.splitlines():
        prose = outside_code(re.sub(r"^- \*\*[A-Z0-9-]+\*\*", "- ", line))  # our own bold criterion ID
        assert "<" not in prose and ">" not in prose, line
        for active in ("[", "]", "@", "$", "*", "~", "`", "://"):  # each only escaped: shown as itself
            assert prose.count(active) == prose.count("\\" + active), (active, line)
        assert "www." not in prose.lower(), line  # an autolink


def test_every_hostile_value_stays_inside_its_cell_or_code_span() -> None:
    found = results()
    document = markdown(found)
    lines = document.splitlines()
    # Our structure only: headings, the counts, the tables, and one item (plus its code lines) per failure.
    assert [line for line in lines if line.startswith("#")] == ["## Conformance", "### Drift", "### Failures"]
    table = [line for line in lines if line.startswith("|")]
    header, drift_header = table[0], next(line for line in table if line.startswith("| criterion | env |"))
    width, drift_width = len(cells(header)), len(cells(drift_header))
    assert width == 1 + len({r["repo"] for r in found}) and drift_width == 6
    main_rows = table[: table.index(drift_header)]
    assert all(len(cells(row)) == width for row in main_rows), [r for r in main_rows if len(cells(r)) != width]
    assert all(len(cells(row)) == drift_width for row in table[table.index(drift_header) :])
    failures = lines[lines.index("### Failures") + 2 :]
    items = [line for line in failures if line.startswith("- **")]
    assert len(items) == len(HOSTILE)
    assert all(line.startswith(("- **", "  `", "  (")) for line in failures), failures
    assert_inert(document)
    assert "\x00" not in document and "\x1b" not in document and "\r" not in document


def test_a_message_line_keeps_its_text_as_code_with_a_longer_fence() -> None:
    span = code("`x` and ``y``")
    fence = re.match(r"`+", span).group(0)
    assert len(fence) == 3 and span.endswith(fence) and span[len(fence) : -len(fence)].strip() == "`x` and ``y``"
    assert code("x|y", table=True) == "`x\\|y`" and code("x|y") == "`x|y`"
    assert code("one\ntwo") == "`one two`" and code("   ") == ""
    assert text("README.md and CLAUDE.md") == "README.md and CLAUDE.md"  # plain text stays as it reads
    assert text("<b>|[x]") == "&lt;b&gt;\\|\\[x\\]"


def test_the_clean_rows_read_as_before() -> None:
    document = markdown(results())
    assert "| `INF-DDB-PITR` (live) Point in time recovery |" in document
    assert "| `INF-DDB-PITR` Point in time recovery |" in document


def test_the_drift_issue_body_is_escaped_the_same_way(tmp_path: Path) -> None:
    path = tmp_path / "drift-dev.json"
    path.write_text(json.dumps({"complete": True, "summary": {}, "results": results()}), encoding="utf-8")
    body = verdict("dev", path, "https://run/1").body
    assert_inert(body.replace("Run: https://run/1", ""))
    assert [line for line in body.splitlines() if line.startswith("#")] == [
        f"## dev: {len(HOSTILE)} failed check(s): {CRITERION}",
        "### Drift",
        "### Every failure",
    ]


def test_an_optional_render_by_github_s_own_cmark_shows_nothing_injected() -> None:
    """GitHub's Markdown (cmark-gfm) where installed: no element a value brought in."""
    cmarkgfm = pytest.importorskip("cmarkgfm", reason="cmarkgfm (GitHub's cmark-gfm) is not installed here")
    from cmarkgfm.cmark import Options

    html = cmarkgfm.github_flavored_markdown_to_html(markdown(results()), options=Options.CMARK_OPT_UNSAFE)
    for tag in ("<img", "<script", "<a ", "<details", "<!--", "<em>", "<strong>bold", "<del>", "<h1", "<h4", "<sup"):
        assert tag not in html, tag
    assert html.count("<h2>") == 1 and html.count("<h3>") == 2
    for table in re.findall(r"<table>.*?</table>", html, flags=re.S):
        widths = {len(re.findall(r"<t[hd][ >]", row)) for row in re.findall(r"<tr>.*?</tr>", table, flags=re.S)}
        assert len(widths) == 1, widths


# -- where the reports go ------------------------------------------------------------------------------


def bad_paths(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    (tmp_path / "a-folder").mkdir()
    return {
        "its parent is a file": (tmp_path / "a-file" / "report", "a-file is not a folder"),
        "a folder above it is a file": (tmp_path / "a-file" / "deeper" / "report", "a-file is not a folder"),
        "it is a folder": (tmp_path / "a-folder", "it is a folder"),
        "its folder is a pseudo file system": (Path("/proc/self/bbws-report"), "/proc/self"),
    }


@pytest.mark.parametrize("flag", ["--conformance-json", "--conformance-markdown", "--junitxml"])
@pytest.mark.parametrize(
    "case",
    ["its parent is a file", "a folder above it is a file", "it is a folder", "its folder is a pseudo file system"],
)
def test_an_unwritable_report_path_stops_the_run_before_it_starts_with_one_line(
    flag: str, case: str, fleet: Path, tmp_path: Path
) -> None:
    path, reason = bad_paths(tmp_path)[case]
    command = suite_command(fleet, marker="static", envs=["dev"], terraform="off", extra=[f"{flag}={path}"])
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, check=False, timeout=120)
    assert result.returncode == 4, result.stdout[-2000:] + result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    if flag == "--junitxml" and case == "it is a folder":  # pytest's own line comes first there
        assert errors == [f"ERROR: --junitxml must be a filename, given: {path}"]
    else:
        assert len(errors) == 1 and errors[0].startswith(f"ERROR: conformance: {flag}: cannot write {path}: "), errors
        assert reason in errors[0]
    assert "Traceback" not in result.stdout + result.stderr and "passed" not in result.stdout


def test_a_read_only_folder_is_refused_before_the_run(tmp_path: Path) -> None:
    """Judged by a process without privileges (root would write there anyway)."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    tmp_path.chmod(0o755)
    ask = (
        "import sys; from pathlib import Path; from conformance.report import unwritable; "
        "print(unwritable(Path(sys.argv[1])))"
    )
    try:
        result = subprocess.run(
            [*without_privileges(), sys.executable, "-c", ask, str(folder / "report.json")],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    finally:
        folder.chmod(stat.S_IRWXU)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"the folder {folder} is not writable\n"


def test_reports_in_folders_yet_to_make_are_written(fleet: Path, tmp_path: Path) -> None:
    json_path, markdown_path = tmp_path / "new" / "a" / "report.json", tmp_path / "new" / "b" / "summary.md"
    assert unwritable(json_path) is None and unwritable(markdown_path) is None
    command = suite_command(
        fleet, marker="static", envs=["dev"], terraform="off", json_report=json_path, markdown_report=markdown_path
    )
    command += ["-k", "REPO-FILES-SAFE"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, check=False, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:]
    assert json.loads(json_path.read_text(encoding="utf-8"))["summary"]["passed"] == 8
    assert markdown_path.read_text(encoding="utf-8").startswith("## Conformance")


def test_a_report_replaces_the_old_one_whole_and_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text("old", encoding="utf-8")
    path.chmod(0o640)
    write_json(path, results())
    assert json.loads(path.read_text(encoding="utf-8"))["summary"]["failed"] == len(HOSTILE)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]  # no temporary file left


def test_the_step_summary_is_added_to_not_replaced(tmp_path: Path, monkeypatch) -> None:
    summary = tmp_path / "step_summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    write_markdown(summary, results())
    assert summary.read_text(encoding="utf-8").startswith("earlier step\n## Conformance")


def test_a_report_to_a_fifo_nobody_reads_is_one_line_at_the_end_never_a_hang(fleet: Path, tmp_path: Path) -> None:
    pipe = tmp_path / "report.json"
    os.mkfifo(pipe)
    assert unwritable(pipe) is None  # a pipe is a fine target (`>(jq .)`) while someone reads it
    command = suite_command(fleet, marker="static", envs=["dev"], terraform="off", json_report=pipe)
    result = subprocess.run(
        [*command, "-k", "REPO-FILES-SAFE"], capture_output=True, text=True, cwd=tmp_path, check=False, timeout=300
    )
    assert result.returncode == 3, result.stdout[-2000:]
    errors = [line for line in result.stdout.splitlines() if line.startswith("ERROR: conformance")]
    assert errors == [f"ERROR: conformance: --conformance-json: cannot write {pipe}: No such device or address"]
    assert "Traceback" not in result.stdout + result.stderr
