"""A kit of our own for the fleet tests: this checkout's files committed in a scratch repository whose
`origin` is a bare repository standing in for the kit's published home, and a fleet rendered from it.

The kit is copied from the working tree (not cloned from HEAD), so the tests exercise the code and
templates as they are now; the fleet commands under test run from this checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conformance.paths import PROJECT_ROOT

KIT_PARTS = (
    "conformance",
    "cookiecutters",
    "infra",
    "scripts",
    "pyproject.toml",
    "README.md",
    ".pre-commit-hooks.yaml",
)
IDENTITY = ["-c", "user.name=Kit tester", "-c", "user.email=kit@bbws.invalid"]


def git(folder: Path, *args: str) -> str:
    result = subprocess.run(["git", *IDENTITY, *args], cwd=folder, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"git {' '.join(args)} in {folder}: {result.stderr}"
    return result.stdout.strip()


def make_kit(root: Path) -> tuple[Path, Path]:
    """(kit checkout, its bare origin) with this checkout's files as the first commit."""
    kit, origin = root / "kit", root / "kit.git"
    kit.mkdir(parents=True)
    for part in KIT_PARTS:
        source = PROJECT_ROOT / part
        if source.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
            shutil.copytree(source, kit / part, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(source, kit / part)
    git(kit, "init", "--quiet", "--initial-branch=main")
    git(kit, "add", "--all")
    git(kit, "commit", "--quiet", "-m", "A: the kit as the working tree holds it")
    git(root, "init", "--quiet", "--bare", "--initial-branch=main", str(origin))
    git(kit, "remote", "add", "origin", str(origin))
    git(kit, "push", "--quiet", "origin", "main")
    return kit, origin


def commit_kit(kit: Path, message: str) -> str:
    """Commit every change in the kit and publish it to its origin; return the commit."""
    git(kit, "add", "--all")
    git(kit, "commit", "--quiet", "-m", message)
    git(kit, "push", "--quiet", "origin", "main")
    return git(kit, "rev-parse", "HEAD")


def render_fleet(kit: Path, output: Path, *only: str) -> None:
    """The kit's own generator renders (the selected repositories of) its spec into `output`."""
    args = [sys.executable, str(kit / "scripts" / "generate_repos.py"), "--output", str(output)]
    if only:
        args += ["--only", *only]
    result = subprocess.run(args, capture_output=True, text=True, check=False, timeout=600, env=clean_env())
    assert result.returncode == 0, result.stdout + result.stderr


def clean_env() -> dict[str, str]:
    """This environment without a PYTHONPATH of its own, so each kit imports its own package."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def conformance(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m conformance ARGS` from this checkout."""
    return subprocess.run(
        [sys.executable, "-m", "conformance", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
        cwd=cwd or PROJECT_ROOT,
        env={**clean_env(), "PYTHONPATH": str(PROJECT_ROOT)},
    )
