"""Hostile generation: nothing read or written outside the output, nothing half-written, one line each.

The generator and the templates used directly with cookiecutter, given outputs that cannot be written,
repository names that point elsewhere, answers that are paths, and SIGINT/SIGTERM in the middle.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conformance.generate.fleet import GenerateError, repo_folder
from conformance.paths import DEFAULT_PLATFORM, INFRASTRUCTURE_TEMPLATE, LAMBDA_TEMPLATE, PROJECT_ROOT
from tests.privileges import without_privileges

SCRIPT = PROJECT_ROOT / "scripts" / "generate_repos.py"
BIN = Path(sys.executable).parent


def environment(home: Path) -> dict[str, str]:
    return {"PATH": f"{BIN}:/usr/bin:/bin:/usr/local/bin", "HOME": str(home)}


def generate(*args: str, home: Path, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env=environment(home),
        check=False,
        timeout=300,
    )


def tree(root: Path) -> list[str]:
    """Every path under `root` (links not followed), relative: what a run may not have changed."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


# -- the output folder ------------------------------------------------------------------------


def test_an_output_that_is_a_file_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("mine", encoding="utf-8")
    before = tree(tmp_path)
    result = generate("--output", str(out), "--only", "get_product", home=tmp_path)
    assert (result.returncode, result.stderr) == (
        2,
        f"error: {out}: expected a folder for the repositories, found a file\n",
    )
    assert tree(tmp_path) == before and out.read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize("depth", ["file/out", "file/deeper/out"])
def test_an_output_under_a_file_is_refused(tmp_path: Path, depth: str) -> None:
    (tmp_path / "file").write_text("mine", encoding="utf-8")
    out = tmp_path / depth
    before = tree(tmp_path)
    result = generate("--output", str(out), home=tmp_path)
    assert (result.returncode, result.stderr) == (
        2,
        f"error: {out}: cannot be a folder, {tmp_path / 'file'} is a file\n",
    )
    assert tree(tmp_path) == before


@pytest.mark.parametrize("where", ["read-only", "read-only/new-out"])
def test_an_output_that_cannot_be_written_is_refused(tmp_path: Path, where: str) -> None:
    prefix = without_privileges()
    locked = tmp_path / "read-only"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        out = tmp_path / where
        result = generate("--output", str(out), "--only", "get_product", home=tmp_path, prefix=prefix)
        assert (result.returncode, result.stderr) == (
            2,
            f"error: {out}: cannot write in {locked} (permission denied)\n",
        )
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o755)


# -- repository names from the spec -----------------------------------------------------------


def bad_spec(tmp_path: Path, section: str, value: str) -> Path:
    data = yaml.safe_load(DEFAULT_PLATFORM.read_text(encoding="utf-8"))
    data[section]["repo"] = value
    spec = tmp_path / "spec" / "platform.yaml"
    spec.parent.mkdir()
    spec.write_text(yaml.safe_dump(data), encoding="utf-8")
    return spec


@pytest.mark.parametrize(
    ("section", "value"),
    [
        ("infrastructure", "../escaped"),
        ("infrastructure", "{outside}/escaped"),
        ("infrastructure", "nested/repo"),
        ("infrastructure", ".."),
        ("lambdas", "../{name}"),
        ("lambdas", "{outside}/{name}"),
        ("lambdas", ".{name}"),
    ],
)
def test_repository_names_cannot_lead_outside_the_output(tmp_path: Path, section: str, value: str) -> None:
    outside = tmp_path / "outside"
    value = value.replace("{outside}", str(outside))
    spec = bad_spec(tmp_path, section, value)
    out = tmp_path / "out"
    result = generate("--output", str(out), "--platform", str(spec), home=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {spec}: {section}.repo: "), line
    assert tree(tmp_path) == ["spec", "spec/platform.yaml"]


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "/abs", "../x", "a\\b"])
def test_a_repository_folder_is_one_plain_folder_inside_the_output(tmp_path: Path, name: str) -> None:
    with pytest.raises(GenerateError, match="expected a repository name that is one folder inside"):
        repo_folder(tmp_path, name)
    assert repo_folder(tmp_path, "2_1_bbws_get_product") == tmp_path / "2_1_bbws_get_product"


def test_force_replaces_a_linked_repository_folder_without_touching_where_it_points(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("keep", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "2_1_bbws_get_product").symlink_to(outside, target_is_directory=True)
    refused = generate("--output", str(out), "--only", "get_product", home=tmp_path)
    assert refused.returncode == 2 and "already exists; pass --force" in refused.stderr
    forced = generate("--output", str(out), "--only", "get_product", "--force", home=tmp_path)
    assert forced.returncode == 0, forced.stderr
    repo = out / "2_1_bbws_get_product"
    assert not repo.is_symlink() and (repo / ".cruft.json").is_file()
    assert tree(outside) == ["precious.txt"] and (outside / "precious.txt").read_text(encoding="utf-8") == "keep"
    assert sorted(p.name for p in out.iterdir()) == ["2_1_bbws_get_product"]


# -- signals ------------------------------------------------------------------------------------


def processes_inside(folder: Path) -> list[int]:
    """Processes whose working folder is inside `folder` (a hook or git left running)."""
    found = []
    for cwd in Path("/proc").glob("[0-9]*/cwd"):
        try:
            if Path(os.readlink(cwd)).is_relative_to(folder):
                found.append(int(cwd.parent.name))
        except OSError:
            continue
    return found


@pytest.mark.parametrize(
    ("signum", "whole_group", "delay"),
    [
        (signal.SIGTERM, False, 0.2),
        (signal.SIGTERM, False, 0.8),
        (signal.SIGINT, False, 0.5),
        (signal.SIGINT, True, 0.3),  # Ctrl-C: the generator and its hook get it
        (signal.SIGINT, True, 0.9),
    ],
    ids=["sigterm-early", "sigterm-late", "sigint", "ctrl-c-early", "ctrl-c-late"],
)
def test_a_signal_mid_render_leaves_finished_repositories_and_nothing_else(
    tmp_path: Path, signum: int, whole_group: bool, delay: float
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    out = tmp_path / "out"
    names = ["get_product", "audit_logger", "create_product", "delete_product"]
    process = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--output", str(out), "--only", *names],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(home),
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not list(out.glob(".generate-*")) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.01)
        assert list(out.glob(".generate-*")), "the render never started"
        time.sleep(delay)  # somewhere inside a render: cookiecutter, a hook, or git
        assert process.poll() is None, "generation finished before the signal"
        if whole_group:
            os.killpg(process.pid, signum)
        else:
            process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    name = signal.Signals(signum).name
    assert process.returncode == 128 + signum, stdout + stderr
    assert re.fullmatch(
        rf"error: generation interrupted by {name}; "
        rf"(nothing written|kept [\w, ]+ \(finished\), nothing half-written)\n",
        stderr,
    ), stderr
    finished = [line.split()[1] for line in stdout.splitlines() if line.startswith("created ")]
    assert sorted(p.name for p in out.iterdir()) == sorted(finished), "a scratch folder or half a repository was left"
    for repo in finished:
        status = subprocess.run(["git", "status", "--porcelain"], cwd=out / repo, capture_output=True, text=True)
        assert status.returncode == 0 and status.stdout == ""
    time.sleep(0.2)
    assert processes_inside(tmp_path) == [], "a hook or git is still running in the output"
    assert not list(home.rglob("*.json")), "a replay file was left in the home folder"


# -- the templates used directly ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "answer"),
    [
        (LAMBDA_TEMPLATE, "lambda_name=x/../../../../elsewhere/child"),
        (LAMBDA_TEMPLATE, "lambda_name=../sibling/inside"),
        (LAMBDA_TEMPLATE, "lambda_name={outside}"),
        (LAMBDA_TEMPLATE, "lambda_name=.."),
        (LAMBDA_TEMPLATE, "lambda_name=get_product\n"),
        (LAMBDA_TEMPLATE, "lambda_name=" + "x" * 300),
        (INFRASTRUCTURE_TEMPLATE, "repo_name=x/../../../../elsewhere/child"),
        (INFRASTRUCTURE_TEMPLATE, "repo_name={outside}"),
        (INFRASTRUCTURE_TEMPLATE, "repo_name=.hidden"),
        (INFRASTRUCTURE_TEMPLATE, "repo_name=-rf"),
    ],
    ids=[
        "lambda-dotdot",
        "lambda-into-sibling",
        "lambda-absolute",
        "lambda-parent",
        "lambda-newline",
        "lambda-too-long",
        "infra-dotdot",
        "infra-absolute",
        "infra-hidden",
        "infra-option",
    ],
)
def test_a_bad_answer_leaves_no_folder_anywhere(tmp_path: Path, template: Path, answer: str) -> None:
    """Cookiecutter names the project folder from the answer before any hook runs: it must stay inside."""
    home = tmp_path / "home"
    home.mkdir()
    (tmp_path / "a" / "b" / "c" / "sibling").mkdir(parents=True)
    (tmp_path / "a" / "b" / "c" / "sibling" / "file.txt").write_text("mine", encoding="utf-8")
    cwd = tmp_path / "a" / "b" / "c" / "d"
    cwd.mkdir()
    answer = answer.replace("{outside}", str(tmp_path / "outside" / "repo"))
    before = tree(tmp_path)
    result = subprocess.run(
        [str(BIN / "cookiecutter"), "--no-input", "--output-dir", "out", str(template), answer],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=environment(home),
        check=False,
        timeout=120,
    )
    assert result.returncode != 0
    ours = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    field = answer.partition("=")[0]
    assert len(ours) == 1 and ours[0].startswith(f"error: {field}: expected "), result.stderr
    after = [p for p in tree(tmp_path) if p not in ("a/b/c/d/out", "home/.cookiecutter_replay")]
    assert after == before, "cookiecutter left folders behind"
    assert not list(home.rglob("*.json"))
