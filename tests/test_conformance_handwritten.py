"""The suite is not tuned to our templates: a fleet written by hand in other styles passes.

tests/fixtures/handwritten_fleet was written without the templates: names from locals and
format(), a heredoc redrive policy, lifecycle as its own resource, roles from for_each, S3
lock files, workflow-level permissions, confirmations checked in Python, and more.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_conformance_static import run_suite

FIXTURE = Path(__file__).parent / "fixtures" / "handwritten_fleet"


@pytest.fixture(scope="module")
def handwritten(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture copied and made into git repositories with one commit each."""
    root = tmp_path_factory.mktemp("handwritten") / "fleet"
    shutil.copytree(FIXTURE, root)
    for repo in sorted(root.iterdir()):
        for args in (
            ["init", "-q"],
            ["add", "-A"],
            ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "hand"],
        ):
            subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)
    return root


def test_the_handwritten_fleet_has_the_eight_repos(platform) -> None:
    assert sorted(p.name for p in FIXTURE.iterdir()) == sorted(platform.repo_names)


def test_the_suite_passes_on_the_handwritten_fleet(handwritten: Path, tmp_path: Path) -> None:
    """The requirement profile: the kit's own conventions (platform) are not this fleet's to meet."""
    result, report = run_suite(handwritten, tmp_path, "--env", "all", "--terraform", "off", "--profile", "requirement")
    assert result.returncode == 0, result.stdout[-3000:]
    assert report["summary"]["failed"] == 0 and report["summary"]["passed"] > 300


@pytest.mark.terraform
def test_terraform_checks_pass_on_the_handwritten_fleet(handwritten: Path, tmp_path: Path, terraform_env) -> None:
    result, report = run_suite(handwritten, tmp_path, "--terraform", "require", "-k", "TF-FMT or TF-VALIDATE")
    assert result.returncode == 0, result.stdout[-3000:]
    assert report["summary"]["passed"] == 16
