"""The generated Terraform is real: fmt-clean and valid for the real AWS provider, offline."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conformance.tooling import terraform

pytestmark = pytest.mark.terraform


@pytest.fixture()
def terraform_dir(fleet: Path, repo_name: str, tmp_path: Path) -> Path:
    """A copy of the repo's terraform/ folder, so init leaves the fleet untouched."""
    copy = tmp_path / repo_name
    shutil.copytree(fleet / repo_name / "terraform", copy)
    return copy


def test_fmt_check_is_clean(terraform_dir: Path, terraform_env: dict[str, str]) -> None:
    result = terraform.fmt_check(terraform_dir, terraform_env)
    assert result.ok, result.output


def test_init_and_validate_pass_offline(terraform_dir: Path, terraform_env: dict[str, str]) -> None:
    result = terraform.validate(terraform_dir, terraform_env)
    assert result.ok, result.output
    assert "Success! The configuration is valid" in result.output


def test_the_account_bootstrap_is_fmt_clean_and_valid(
    fleet: Path, platform, tmp_path: Path, terraform_env: dict[str, str]
) -> None:
    """bootstrap/ of the infrastructure repo, and its first-apply override folder, offline."""
    copy = tmp_path / "bootstrap"
    shutil.copytree(fleet / platform.infrastructure.repo / "bootstrap", copy)
    assert terraform.fmt_check(copy, terraform_env).ok
    result = terraform.validate(copy, terraform_env)
    assert result.ok, result.output
    assert "Success! The configuration is valid" in result.output
    override = copy / "first_apply" / "local_state_override.tf"
    assert 'backend "local"' in override.read_text(encoding="utf-8")
