"""Hostile repositories under `fleet status|update` and FLEET-TEMPLATE-CURRENT (issue 12).

A repository's `.cruft.json` decides what is rendered (`template`, `directory`) and its `.git/config`
what git runs: both are the repository owner's, not the kit's. A record must name the kit and one
of its templates, its `.git` must stay inside the repos root, git runs none of the programs the
config names, and a record that cannot be read is one line naming it. Each hostile input is built
here in tmp_path; the clean repository beside it still reads as up to date.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.generate.behind import behind_problems
from conformance.paths import PROJECT_ROOT
from tests.fleet_kit import clean_env, commit_kit, git, make_kit, render_fleet

REPO = "2_1_bbws_audit_logger"
TIMEOUT = 300


@pytest.fixture(scope="module")
def kit_fleet(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A kit (commit A renders the fleet, commit B changes the Lambda README) and one rendered repository."""
    root = tmp_path_factory.mktemp("hostile-fleet")
    kit, origin = make_kit(root)
    a = git(kit, "rev-parse", "HEAD")
    render_fleet(kit, root / "fleet", "audit_logger")
    readme = kit / "cookiecutters" / "lambda" / "{{cookiecutter.__repo_name}}" / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\n## Added by kit commit B\n", encoding="utf-8")
    b = commit_kit(kit, "B: a README section")
    return {"kit": kit, "origin": origin, "repo": root / "fleet" / REPO, "a": a, "b": b}


def fleet(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m conformance fleet ARGS` from this checkout, bounded in time."""
    return subprocess.run(
        [sys.executable, "-m", "conformance", "fleet", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT,
        cwd=PROJECT_ROOT,
        env={**clean_env(), "PYTHONPATH": str(PROJECT_ROOT)},
    )


def copy_repo(kit_fleet: dict[str, object], root: Path, name: str, **record: object) -> Path:
    """A copy of the rendered repository as `root/name`, its `.cruft.json` fields replaced by `record`."""
    repo = root / name
    shutil.copytree(kit_fleet["repo"], repo, symlinks=True)
    if record:
        path = repo / ".cruft.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(json.dumps({**data, **record}, indent=2) + "\n", encoding="utf-8")
        git(repo, "commit", "--quiet", "-am", "a hostile record")
    return repo


def evil_template(folder: Path, marker: Path) -> Path:
    """A cookiecutter template whose pre-generation hook creates `marker`."""
    (folder / "hooks").mkdir(parents=True)
    (folder / "{{cookiecutter.__repo_name}}").mkdir()
    (folder / "{{cookiecutter.__repo_name}}" / "README.md").write_text("hi\n", encoding="utf-8")
    (folder / "cookiecutter.json").write_text(json.dumps({"__repo_name": "x"}), encoding="utf-8")
    (folder / "hooks" / "pre_gen_project.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n", encoding="utf-8")
    return folder


def lines_of(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    return {line.split(": ", 1)[0]: line.split(": ", 1)[1] for line in result.stdout.splitlines()[:-1]}


def test_a_record_naming_another_template_or_folder_is_refused_and_nothing_runs(kit_fleet, tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    evil = evil_template(tmp_path / "outside" / "evil_tmpl", marker)
    evil_kit = tmp_path / "outside" / "evilkit"
    evil_template(evil_kit / "cookiecutters" / "lambda", marker)
    git(evil_kit, "init", "--quiet")
    git(evil_kit, "add", "--all")
    git(evil_kit, "commit", "--quiet", "-m", "not the kit")
    root = tmp_path / "repos"
    copy_repo(kit_fleet, root, "clean")
    escape = os.path.relpath(evil, root / "escape")
    copy_repo(kit_fleet, root, "escape", directory=escape)
    copy_repo(kit_fleet, root, "absolute", directory=str(evil))
    copy_repo(kit_fleet, root, "dotdot", directory="cookiecutters/lambda/../infrastructure")
    copy_repo(kit_fleet, root, "other-kit", template=str(evil_kit), commit=git(evil_kit, "rev-parse", "HEAD"))

    result = fleet("status", "--repos-root", str(root), "--kit", str(kit_fleet["origin"]), "--to", kit_fleet["a"])
    lines = lines_of(result)
    assert lines["clean"] == f"up to date ({kit_fleet['a'][:12]})"
    expected = "expected one of the kit's templates, cookiecutters/lambda or cookiecutters/infrastructure"
    for name, found in (
        ("escape", escape),
        ("absolute", str(evil)),
        ("dotdot", "cookiecutters/lambda/../infrastructure"),
    ):
        assert lines[name] == f"error: {root / name / '.cruft.json'}: directory: {expected}, found {found!r}"
    assert lines["other-kit"].startswith(f"error: {root / 'other-kit' / '.cruft.json'}: template: expected the kit (")
    assert lines["other-kit"].endswith(f"found {str(evil_kit)!r} (pass --kit DIR|URL to use another copy of the kit)")
    assert result.returncode == 1

    # Without --kit the record's own URL would be cloned and its hooks run: refused before that.
    alone = tmp_path / "alone"
    copy_repo(kit_fleet, alone, "other-kit", template=str(evil_kit), commit=git(evil_kit, "rev-parse", "HEAD"))
    for command in ("status", "update"):
        (line,) = lines_of(fleet(command, "--repos-root", str(alone))).values()
        assert line.startswith("error: ") and ": template: expected the kit (" in line
    assert not marker.exists()
    assert not list(alone.glob(".fleet-*")) and not list(root.glob(".fleet-*"))


def test_git_runs_none_of_the_programs_a_repositorys_config_names(kit_fleet, tmp_path: Path) -> None:
    root = tmp_path / "repos"
    repo = copy_repo(kit_fleet, root, "configured")
    markers = tmp_path / "markers"
    markers.mkdir()
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for hook in ("reference-transaction", "post-commit", "pre-commit", "post-checkout", "pre-auto-gc"):
        (hooks / hook).write_text(f"#!/bin/sh\ntouch {markers}/hook-{hook}\n", encoding="utf-8")
        (hooks / hook).chmod(0o755)
    for key, value in (
        ("core.fsmonitor", f"touch {markers}/fsmonitor; false"),
        ("core.hooksPath", str(hooks)),
        ("filter.evil.clean", f"touch {markers}/filter; cat"),
        ("filter.evil.required", "true"),
        ("filter.x=y.clean", f"touch {markers}/filter-eq; cat"),  # a key `-c` would split at its first `=`
        ("diff.external", f"touch {markers}/diff-external"),
        ("gpg.program", f"{markers}/no-such-gpg"),
        ("commit.gpgSign", "true"),
    ):
        git(repo, "config", key, value)
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "attributes").write_text("* filter=evil\n*.md filter=x=y\n", encoding="utf-8")
    os.utime(repo / "README.md", (1, 1))  # a changed stat: git status re-reads it through the filter
    # The config is live: plain git runs it.
    subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, check=False)
    assert {p.name for p in markers.iterdir()} >= {"fsmonitor", "filter", "filter-eq"}
    for marker in markers.iterdir():
        marker.unlink()
    os.utime(repo / "README.md", (2, 2))

    origin = str(kit_fleet["origin"])
    result = fleet("update", "--repos-root", str(root), "--kit", origin, "--to", kit_fleet["b"])
    branch = f"kit-update/{kit_fleet['b'][:12]}"
    (line,) = lines_of(result).values()
    assert line.startswith(f"updated on branch {branch}: ") and "README.md" in line, result.stdout
    assert list(markers.iterdir()) == []
    made = subprocess.run(["git", "cat-file", "commit", branch], cwd=repo, capture_output=True, text=True, check=True)
    assert "gpgsig" not in made.stdout and "Update from the kit" in made.stdout  # committed, never signed


def test_a_git_folder_leading_out_of_the_root_is_refused(kit_fleet, tmp_path: Path) -> None:
    root = tmp_path / "repos"
    outside = tmp_path / "outside"
    outside.mkdir()
    marker = tmp_path / "PWNED"
    gitfile = copy_repo(kit_fleet, root, "gitfile")
    shutil.move(gitfile / ".git", outside / "gitdir")
    (gitfile / ".git").write_text(f"gitdir: {outside / 'gitdir'}\n", encoding="utf-8")
    git(gitfile, "config", "core.fsmonitor", f"touch {marker}; false")
    linked = copy_repo(kit_fleet, root, "linked")
    shutil.move(linked / ".git", outside / "linked-git")
    (linked / ".git").symlink_to(outside / "linked-git")
    copy_repo(kit_fleet, root, "clean")
    origin = str(kit_fleet["origin"])

    status = lines_of(fleet("status", "--repos-root", str(root), "--kit", origin, "--to", kit_fleet["a"]))
    update = lines_of(fleet("update", "--repos-root", str(root), "--kit", origin, "--only", "gitfile", "linked"))
    for lines in (status, update):
        assert lines["gitfile"] == (
            f"error: {gitfile / '.git'}: expected a git repository inside {root}, "
            "found a .git file whose gitdir is outside the repos root"
        )
        assert lines["linked"] == (
            f"error: {linked / '.git'}: expected a git repository inside {root}, "
            "found a .git that is a link leaving the repos root"
        )
    assert status["clean"] == f"up to date ({kit_fleet['a'][:12]})"
    assert not marker.exists()


def test_a_record_that_cannot_be_read_is_one_line_naming_it(kit_fleet, tmp_path: Path) -> None:
    root = tmp_path / "repos"
    deep = copy_repo(kit_fleet, root, "deep")
    (deep / ".cruft.json").write_text("[" * 100_000, encoding="utf-8")
    huge = copy_repo(kit_fleet, root, "huge")
    (huge / ".cruft.json").write_text(" " * (6 * 1024 * 1024) + "{}", encoding="utf-8")
    fifo = copy_repo(kit_fleet, root, "fifo")
    (fifo / ".cruft.json").unlink()
    os.mkfifo(fifo / ".cruft.json")
    copy_repo(kit_fleet, root, "clean")

    result = fleet("status", "--repos-root", str(root), "--kit", str(kit_fleet["origin"]), "--to", kit_fleet["a"])
    lines = lines_of(result)
    assert lines["deep"] == (f"error: {deep / '.cruft.json'}: expected JSON, found arrays or objects nested too deeply")
    assert lines["huge"] == f"error: {huge / '.cruft.json'}: is larger than the 5 MB limit per file (6 MB)"
    assert lines["fifo"] == f"error: {fifo / '.cruft.json'}: is a FIFO, not a regular file"
    assert lines["clean"] == f"up to date ({kit_fleet['a'][:12]})"


def test_fleet_template_current_applies_the_same_rule(kit_fleet, tmp_path: Path) -> None:
    """FLEET-TEMPLATE-CURRENT's check: another kit, another template folder, a deep record: file:line, one line."""
    repo, kit, a = kit_fleet["repo"], kit_fleet["kit"], kit_fleet["a"]
    text = (repo / ".cruft.json").read_text(encoding="utf-8")
    assert behind_problems(repo, a, kit, text) == []  # the clean record

    def line_of(key: str) -> int:
        return next(n for n, line in enumerate(text.splitlines(), 1) if line.lstrip().startswith(f'"{key}"'))

    other = text.replace(json.dumps(str(kit_fleet["origin"])), json.dumps("/tmp/evilkit"))
    (problem,) = behind_problems(repo, a, kit, other)
    assert problem.render("FLEET-TEMPLATE-CURRENT").startswith(
        f"{REPO}/.cruft.json:{line_of('template')}: FLEET-TEMPLATE-CURRENT: template: expected the kit ("
    )
    assert "found '/tmp/evilkit'" in problem.message
    (problem,) = behind_problems(repo, a, None, text)  # the kit running the suite is not this test's kit
    assert problem.message.startswith("template: expected the kit (")
    escaping = text.replace('"cookiecutters/lambda"', '"../../../tmp/evil"')
    (problem,) = behind_problems(repo, a, kit, escaping)
    assert problem.render("X") == (
        f"{REPO}/.cruft.json:{line_of('directory')}: X: directory: expected one of the kit's templates, "
        "cookiecutters/lambda or cookiecutters/infrastructure, found '../../../tmp/evil'"
    )
    (problem,) = behind_problems(repo, a, kit, "[" * 50_000)
    assert problem.render("X") == f"{REPO}/.cruft.json:1: X: expected JSON, found arrays or objects nested too deeply"


def test_repository_files_are_compared_without_following_a_link_or_opening_a_fifo(kit_fleet, tmp_path: Path) -> None:
    """A template file replaced by a link to a FIFO outside, or by a FIFO (reading either would block for
    ever), or by a link to its own bytes outside: each is a local change, and nothing outside is opened."""
    root = tmp_path / "repos"
    repo = copy_repo(kit_fleet, root, "special")
    outside = tmp_path / "outside"
    outside.mkdir()
    os.mkfifo(outside / "secret-fifo")
    (repo / "README.md").unlink()
    (repo / "README.md").symlink_to(outside / "secret-fifo")
    (repo / ".gitignore").unlink()
    os.mkfifo(repo / ".gitignore")
    shutil.move(repo / "pyproject.toml", outside / "pyproject.toml")  # the same bytes, outside: not read
    (repo / "pyproject.toml").symlink_to(outside / "pyproject.toml")
    copy_repo(kit_fleet, root, "clean")
    result = fleet("status", "--repos-root", str(root), "--kit", str(kit_fleet["origin"]), "--to", kit_fleet["a"])
    lines = lines_of(result)
    assert (
        lines["special"]
        == f"up to date ({kit_fleet['a'][:12]}); locally changed: .gitignore, README.md, pyproject.toml"
    )
    assert lines["clean"] == f"up to date ({kit_fleet['a'][:12]})"
