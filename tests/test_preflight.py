"""Preflight: terraform's version against every required_version, and git, through testinfra."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conformance.suite_command import suite_command
from conformance.versions import parse_version, satisfies


@pytest.mark.parametrize(
    ("version", "constraint", "ok"),
    [
        ("1.11.4", ">= 1.10.0, < 2.0.0", True),
        ("1.9.8", ">= 1.10.0, < 2.0.0", False),
        ("1.11.4", "~> 1.11", True),
        ("2.0.0", "~> 1.11", False),
        ("1.11.9", "~> 1.11.4", True),
        ("1.12.0", "~> 1.11.4", False),
        ("1.11.4", "1.11.4", True),
        ("1.11.4", "!= 1.11.4", False),
    ],
)
def test_constraints_read_as_terraform_reads_them(version: str, constraint: str, ok: bool) -> None:
    assert satisfies(parse_version(version), constraint) is ok


def preflight(fleet: Path, tmp_path: Path, path: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path}
    return subprocess.run(
        suite_command(fleet, marker="preflight", extra=["-q"]),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
    )


def test_preflight_passes_where_terraform_and_git_are_installed(fleet: Path, tmp_path: Path, terraform_env) -> None:
    result = preflight(fleet, tmp_path, os.environ["PATH"])
    assert result.returncode == 0, result.stdout
    assert "2 passed" in result.stdout


def test_preflight_fails_without_terraform(fleet: Path, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git").symlink_to(shutil.which("git"))
    result = preflight(fleet, tmp_path, f"{bin_dir}:/usr/bin:/bin")
    assert result.returncode == 1
    assert "PRE-TERRAFORM: expected terraform on local, found none" in result.stdout
