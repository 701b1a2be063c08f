"""Template drift and the update that fixes it: render at kit commit A, change a template at B.

One repository is edited where B does not touch it, one where B does: `fleet status` says so for
each, `fleet update` merges the first (the local edit kept) onto a new branch and stops on the
second naming the file, with nothing lost; `cruft check` and `cruft diff` agree with `fleet status`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.fleet.merge import merge_file
from tests.fleet_kit import commit_kit, conformance, git, make_kit, render_fleet

CRUFT = str(Path(sys.executable).parent / "cruft")
README_B = "\n## Kept in step with the kit\n\n`python -m conformance fleet update` brings template changes here.\n"
TFVARS_B = "# Rendered per environment by the kit (commit B).\n"
CLEAN, EDITED, CONFLICTED = "2_1_bbws_audit_logger", "2_1_bbws_get_product", "2_1_bbws_list_products"


@pytest.fixture(scope="module")
def drift(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("drift")
    kit, origin = make_kit(root)
    commit_a = git(kit, "rev-parse", "HEAD")
    fleet = root / "fleet"
    render_fleet(kit, fleet, "audit_logger", "get_product", "list_products")
    # B: the Lambda README gains a section at its end, and a shared per-env file (written by the hook) a line.
    readme = kit / "cookiecutters" / "lambda" / "{{cookiecutter.__repo_name}}" / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + README_B, encoding="utf-8")
    tfvars = kit / "cookiecutters" / "_shared" / "per_env" / "terraform" / "environments" / "__env__.tfvars"
    tfvars.write_text(TFVARS_B + tfvars.read_text(encoding="utf-8"), encoding="utf-8")
    commit_b = commit_kit(kit, "B: a README section and a tfvars header")
    edited = fleet / EDITED / "README.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace("\n", " (edited by the team)\n", 1), encoding="utf-8")
    git(fleet / EDITED, "commit", "--quiet", "-am", "Our own title")
    conflicted = fleet / CONFLICTED / "README.md"
    conflicted.write_text(conflicted.read_text(encoding="utf-8") + "Our own closing words.\n", encoding="utf-8")
    git(fleet / CONFLICTED, "commit", "--quiet", "-am", "Our own ending")
    return {"kit": kit, "origin": origin, "fleet": fleet, "a": commit_a, "b": commit_b}


def status_lines(fleet: Path) -> dict[str, str]:
    result = conformance("fleet", "status", "--repos-root", str(fleet), "--kit", str(fleet.parent / "kit.git"))
    assert result.returncode in (0, 1), result.stderr
    lines = result.stdout.splitlines()
    return {line.split(":")[0]: line.split(": ", 1)[1] for line in lines[:-1]} | {"": lines[-1]}


def cruft(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CRUFT, *args], cwd=repo, capture_output=True, text=True, check=False, timeout=300)


def test_status_says_behind_and_what_changed_locally(drift) -> None:
    fleet, a, b = drift["fleet"], drift["a"][:12], drift["b"][:12]
    lines = status_lines(fleet)
    assert lines[CLEAN] == f"behind the kit by 1 commit ({a} -> {b})"
    assert lines[EDITED] == f"behind the kit by 1 commit ({a} -> {b}); locally changed: README.md"
    assert lines[CONFLICTED] == f"behind the kit by 1 commit ({a} -> {b}); locally changed: README.md"
    assert lines[""] == "0 of 3 repositories up to date and unchanged"


def test_cruft_agrees_with_status(drift) -> None:
    fleet = drift["fleet"]
    for name in (CLEAN, EDITED, CONFLICTED):
        check = cruft(fleet / name, "check")
        assert check.returncode != 0 and "out of date" in check.stdout, (name, check.stdout, check.stderr)
        diff = cruft(fleet / name, "diff", "--exit-code")
        changed = sorted(
            {line.split()[2].split("/", 1)[1] for line in diff.stdout.splitlines() if line.startswith("diff --git ")}
        )
        assert changed == ([] if name == CLEAN else ["README.md"]), (name, diff.stdout, diff.stderr)
        assert (diff.returncode != 0) == (name != CLEAN)


def test_update_merges_the_edited_repo_and_stops_on_the_conflict(drift) -> None:
    fleet, b = drift["fleet"], drift["b"]
    before = {
        name: (git(fleet / name, "rev-parse", "HEAD"), (fleet / name / "README.md").read_bytes())
        for name in (EDITED, CONFLICTED)
    }
    result = conformance("fleet", "update", "--repos-root", str(fleet), "--kit", str(drift["origin"]))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = {line.split(":")[0]: line.split(": ", 1)[1] for line in result.stdout.splitlines()[:-1]}
    branch = f"kit-update/{b[:12]}"
    changed = (
        ".cruft.json, README.md, terraform/environments/dev.tfvars, terraform/environments/prod.tfvars, "
        "terraform/environments/sit.tfvars"
    )
    assert lines[EDITED] == f"updated on branch {branch}: {changed}"
    assert lines[CLEAN] == f"updated on branch {branch}: {changed}"
    assert lines[CONFLICTED] == "conflict, nothing changed: README.md (1 overlapping change)"
    assert result.stdout.splitlines()[-1] == "2 updated on a new branch (nothing pushed), 1 not"

    # The edited repo: the branch has the team's title and the kit's section; the checkout is untouched.
    merged = git(fleet / EDITED, "show", f"{branch}:README.md")
    assert "(edited by the team)" in merged.splitlines()[0] and merged.endswith(README_B.rstrip("\n"))
    assert git(fleet / EDITED, "show", f"{branch}:terraform/environments/dev.tfvars").startswith(TFVARS_B.strip())
    assert json.loads(git(fleet / EDITED, "show", f"{branch}:.cruft.json"))["commit"] == b
    assert git(fleet / EDITED, "branch", "--show-current") == "main"
    assert git(fleet / EDITED, "status", "--porcelain") == ""
    assert (git(fleet / EDITED, "rev-parse", "HEAD"), (fleet / EDITED / "README.md").read_bytes()) == before[EDITED]

    # The conflicted repo: nothing made, nothing lost.
    assert git(fleet / CONFLICTED, "branch", "--list", "kit-update/*") == ""
    assert git(fleet / CONFLICTED, "status", "--porcelain") == ""
    assert (git(fleet / CONFLICTED, "rev-parse", "HEAD"), (fleet / CONFLICTED / "README.md").read_bytes()) == (
        before[CONFLICTED]
    )
    assert not [p for p in fleet.iterdir() if p.name.startswith(".")], "scratch left in the fleet folder"

    # On the branch, the repo is up to date with the kit; its own edit is still a local change.
    git(fleet / EDITED, "checkout", "--quiet", branch)
    assert status_lines(fleet)[EDITED] == f"up to date ({b[:12]}); locally changed: README.md"
    check = cruft(fleet / EDITED, "check")
    assert check.returncode == 0 and "up to date" in check.stdout, check.stdout + check.stderr


def test_a_repo_with_uncommitted_changes_is_refused(drift) -> None:
    fleet = drift["fleet"]
    scratch = fleet / CONFLICTED / "notes.txt"
    scratch.write_text("work in progress\n", encoding="utf-8")
    try:
        result = conformance(
            "fleet", "update", "--repos-root", str(fleet), "--only", CONFLICTED, "--kit", str(drift["origin"])
        )
    finally:
        scratch.unlink()
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == (
        f"{CONFLICTED}: refused: uncommitted changes (notes.txt ...); commit or stash them first"
    )
    assert git(fleet / CONFLICTED, "branch", "--list", "kit-update/*") == ""


def test_an_unknown_ref_is_one_line(drift) -> None:
    fleet, origin = drift["fleet"], str(drift["origin"])
    result = conformance("fleet", "status", "--repos-root", str(fleet), "--to", "no-such-ref", "--kit", origin)
    assert result.returncode == 1
    assert f"{CLEAN}: error: {drift['origin']}: expected a commit, tag or branch of the kit, found 'no-such-ref'" in (
        result.stdout.splitlines()
    )


@pytest.mark.parametrize(
    ("base", "ours", "theirs", "expected", "conflict"),
    [
        (b"a\nb\n", b"a\nb\n", b"a\nB\n", b"a\nB\n", None),  # untouched here: the kit's version
        (b"a\nb\n", b"a\nb\n", b"a\nb\n", None, None),  # the kit did not change it: left alone
        (b"a\nb\nc\nd\n", b"A\nb\nc\nd\n", b"a\nb\nc\nD\n", b"A\nb\nc\nD\n", None),  # both, apart: merged
        (b"a\n", b"x\n", b"y\n", None, "1 overlapping change"),
        (b"a\n", None, b"b\n", None, "deleted here, changed in the template"),
        (b"a\n", b"x\n", None, None, "changed here, deleted from the template"),
        (None, b"x\n", b"y\n", None, "added here and in the template, differently"),
        (None, None, b"new\n", b"new\n", None),  # a new template file
        (b"old\n", b"old\n", None, None, None),  # removed by the template, untouched here: removed
    ],
)
def test_merge_file(base, ours, theirs, expected, conflict) -> None:
    merged = merge_file("f", base, ours, theirs)
    if expected is None and conflict is None and theirs is not None:
        assert merged is None
        return
    assert merged is not None
    assert (merged.content, merged.conflict) == (expected, conflict)
