"""Shared fixtures: the spec, one generated fleet per session, offline Terraform."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conformance.generate.fleet import generate_fleet
from conformance.paths import DEFAULT_PLATFORM
from conformance.platform import Platform, load_platform
from conformance.tooling import terraform


@pytest.fixture(scope="session")
def platform() -> Platform:
    return load_platform(DEFAULT_PLATFORM)


@pytest.fixture(scope="session")
def fleet(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The eight repositories, rendered once for the whole test session."""
    output = tmp_path_factory.mktemp("fleet")
    results = generate_fleet(platform, output)
    failed = [f"{r.name}: {r.error}" for r in results if r.error]
    assert not failed, failed
    return output


@pytest.fixture(scope="session")
def terraform_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for offline Terraform; skips (or fails where required) when it is missing."""
    try:
        terraform.terraform_binary()
        env = terraform.environment(tmp_path_factory.mktemp("terraform"))
    except terraform.TerraformUnavailable as missing:
        if os.environ.get("BBWS_REQUIRE_TERRAFORM") == "1":
            pytest.fail(f"BBWS_REQUIRE_TERRAFORM=1 but {missing}")
        pytest.skip(str(missing))
    env["TF_PLUGIN_CACHE_DIR"] = str(tmp_path_factory.mktemp("plugin-cache"))
    return env


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise `repo_name` over the spec's repositories, `lambda_name` over its Lambdas."""
    if "repo_name" in metafunc.fixturenames or "lambda_name" in metafunc.fixturenames:
        spec = load_platform(DEFAULT_PLATFORM)
        if "repo_name" in metafunc.fixturenames:
            metafunc.parametrize("repo_name", spec.repo_names)
        if "lambda_name" in metafunc.fixturenames:
            metafunc.parametrize("lambda_name", [f.name for f in spec.lambdas.functions])
