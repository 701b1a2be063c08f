"""`.pre-commit-hooks.yaml`: a generated repository runs the kit's static suite on itself through pre-commit.

The real pre-commit installs the hook from a kit checkout (`repo:` its path, `rev:` a commit, as a
team pins the kit's tag) and runs it: a clean repository passes, one with PITR turned off fails,
naming the file, line and criterion. The hook runs the suite's per-repository mode (`--repo`): the
repository is a clone named otherwise than the spec's repository, alone in its folder, and its
`.cruft.json` says which repository it is.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.fleet_kit import git, make_kit

PRE_COMMIT = str(Path(sys.executable).parent / "pre-commit")
REPO = "2_1_bbws_product_infrastructure"


@pytest.fixture(scope="module")
def hooked(fleet: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("precommit")
    kit, _ = make_kit(root)
    repos = root / "repos"
    clone = repos / "my-clone-of-the-infrastructure"
    shutil.copytree(fleet / REPO, clone, symlinks=True)
    config = {
        "repos": [
            {
                "repo": str(kit),
                "rev": git(kit, "rev-parse", "HEAD"),
                "hooks": [{"id": "bbws-conformance-static", "args": ["--terraform", "off"]}],
            }
        ]
    }
    (clone / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    git(clone, "add", ".pre-commit-config.yaml")
    git(clone, "commit", "--quiet", "-m", "Check the kit's conformance before each commit")
    return {"repo": clone, "cache": root / "pre-commit-home"}


def run_hooks(hooked: dict[str, Path]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PRE_COMMIT_HOME"] = str(hooked["cache"])
    return subprocess.run(
        [PRE_COMMIT, "run", "--all-files", "--color", "never"],
        cwd=hooked["repo"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


def test_a_clean_repository_passes(hooked) -> None:
    result = run_hooks(hooked)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "BBWS conformance (static suite, this repository)" in result.stdout and "Passed" in result.stdout


def test_an_edited_repository_fails_naming_the_file_and_the_criterion(hooked) -> None:
    table = hooked["repo"] / "terraform" / "dynamodb.tf"
    text = table.read_text(encoding="utf-8")
    broken = text.replace(
        "point_in_time_recovery {\n    enabled = true", "point_in_time_recovery {\n    enabled = false"
    )
    assert broken != text
    table.write_text(broken, encoding="utf-8")
    git(hooked["repo"], "add", "terraform/dynamodb.tf")
    result = run_hooks(hooked)
    assert result.returncode == 1, result.stdout[-3000:]
    assert "Failed" in result.stdout
    assert f"{REPO}/terraform/dynamodb.tf:" in result.stdout and ": INF-DDB-PITR: expected " in result.stdout
