"""The catalogue covers every [criterion] line of the requirement, with stable, unique IDs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.__main__ import main
from conformance.catalogue import CRITERIA
from conformance.criteria.base import Requirement
from conformance.paths import PROJECT_ROOT

# The requirement the suite enforces, kept inside the project so this test runs wherever it is checked out;
# the shared copy beside the checkout (when there is one) must say the same.
REQUIREMENT = PROJECT_ROOT / "docs" / "requirement.md"
SHARED_REQUIREMENT = PROJECT_ROOT.parent / "shared" / "spec" / "platform-requirements.md"


def criterion_lines() -> list[tuple[str, str]]:
    """(section, first words) of every line marked [criterion] in the requirement."""
    found = []
    section = ""
    for line in REQUIREMENT.read_text(encoding="utf-8").splitlines():
        if line.startswith("### "):
            section = line.removeprefix("### ")
        elif "[criterion]" in line and section:
            found.append((section, line.split("[criterion]")[0].replace("*", "").replace("`", "").strip()))
    return found


def test_every_criterion_line_maps_to_a_requirement_member_with_checks() -> None:
    lines = criterion_lines()
    assert len(lines) == 8, lines
    used = {c.requirement for c in CRITERIA}
    for section, words in lines:
        matches = [
            r for r in Requirement if r.value.split(" / ")[0] in section and r.value.split(" / ")[1].startswith(words)
        ]
        assert matches, f"no Requirement member for {section} / {words}"
        assert set(matches) & used, f"no criterion checks {section} / {words}"


@pytest.mark.skipif(
    not SHARED_REQUIREMENT.is_file(), reason=f"no shared requirement beside the project ({SHARED_REQUIREMENT})"
)
def test_the_project_s_requirement_is_the_shared_one() -> None:
    assert REQUIREMENT.read_text(encoding="utf-8") == SHARED_REQUIREMENT.read_text(encoding="utf-8"), (
        f"{REQUIREMENT} differs from {SHARED_REQUIREMENT}: copy the shared one in"
    )


def test_ids_are_unique_and_readable() -> None:
    ids = [c.id for c in CRITERIA]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[A-Z]+(-[A-Z0-9]+)+", i) for i in ids), ids


def test_every_criterion_has_a_static_check_and_a_title() -> None:
    assert all(c.static is not None and c.title and c.files for c in CRITERIA)


def test_the_catalogue_command_lists_every_id(capsys) -> None:
    assert main(["criteria"]) == 0
    out = capsys.readouterr().out
    assert all(f"| {c.id} |" in out for c in CRITERIA)


def test_where_names_each_criterion_s_static_and_live_check(capsys) -> None:
    """`criteria --where`: one row per criterion; every `module:function` shown is importable."""
    import importlib

    from conformance.catalogue import ALL_CRITERIA, AREAS, PER_REPO_LIVE

    assert main(["criteria", "--where"]) == 0
    rows = [line.split(" | ") for line in capsys.readouterr().out.splitlines()[2:]]
    assert [row[0].removeprefix("| ") for row in rows] == [c.id for c in ALL_CRITERIA]
    areas = {module.__name__ for module, _ in AREAS}
    per_repo = {c.id: c for c in PER_REPO_LIVE}
    for criterion, (_, static, live) in zip(ALL_CRITERIA, rows, strict=True):
        live = live.removesuffix(" |")
        halves = {"static": criterion, "live": criterion}
        if live.endswith(" (--repo runs)"):  # a live half only a per-repository run plans
            live, halves["live"] = live.removesuffix(" (--repo runs)"), per_repo[criterion.id]
        for half, shown in (("static", static), ("live", live)):
            check = getattr(halves[half], half)
            assert bool(shown) == (check is not None), (criterion.id, half, shown)
            if not shown:
                continue
            module, _, name = shown.partition(":")
            if name.startswith(criterion.id):  # declared as data, in its area module
                assert module in areas and "(declared " in name, shown
                continue
            found = importlib.import_module(module)
            for part in name.split("."):
                found = getattr(found, part)
            assert callable(found), shown


def test_the_list_read_only_in_part_ends_quietly(tmp_path: Path) -> None:
    """`python -m conformance criteria | head -1`: the reader leaves before the list is written; no traceback."""
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance", "criteria"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # gone before the interpreter has even started: every write meets a closed pipe
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 0, stderr
    assert stderr == ""
