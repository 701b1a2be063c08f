"""`conformance/tooling/providers.py`: the local mirror where one is found, else the registry with a plugin cache.

Each CLI configuration is handed to the real terraform, which says when it has "problems with the CLI
configuration" (a broken one is shown to be caught); the mirror one installs the AWS provider offline.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conformance.tooling.providers import MIRROR_ENV, MirrorMissing, ProviderInstallation, provider_installation

CONFIG_PROBLEM = "problems with the CLI configuration"


def terraform(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("terraform")
    if binary is None:
        if os.environ.get("BBWS_REQUIRE_TERRAFORM") == "1":
            pytest.fail("BBWS_REQUIRE_TERRAFORM=1 but terraform is not on the PATH")
        pytest.skip("terraform is not on the PATH")
    return subprocess.run([binary, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=300)


def fake_mirror(root: Path) -> Path:
    (root / "registry.terraform.io" / "hashicorp" / "aws").mkdir(parents=True)
    return root


def test_no_mirror_means_the_registry_through_a_plugin_cache(tmp_path: Path) -> None:
    decision = provider_installation(tmp_path / "work", env={}, candidates=(str(tmp_path / "none"),))
    assert decision == ProviderInstallation(None, tmp_path / "work" / "plugin-cache") and not decision.offline
    env = decision.environment(tmp_path / "work", base={"PATH": os.environ["PATH"]})
    config = Path(env["TF_CLI_CONFIG_FILE"]).read_text(encoding="utf-8")
    assert f'plugin_cache_dir = "{tmp_path / "work" / "plugin-cache"}"' in config and "direct {}" in config
    assert "filesystem_mirror" not in config
    assert env["TF_PLUGIN_CACHE_DIR"] == str(tmp_path / "work" / "plugin-cache")
    assert (tmp_path / "work" / "plugin-cache").is_dir()
    (tmp_path / "main.tf").write_text('variable "x" {\n  type = string\n}\n', encoding="utf-8")
    fmt = terraform(["fmt", "-check"], tmp_path, env)  # fmt needs no provider, whatever the installation
    assert fmt.returncode == 0 and CONFIG_PROBLEM not in fmt.stdout + fmt.stderr, fmt.stdout + fmt.stderr


def test_the_runner_s_own_plugin_cache_is_used(tmp_path: Path) -> None:
    decision = provider_installation(tmp_path, env={"TF_PLUGIN_CACHE_DIR": str(tmp_path / "cache")}, candidates=())
    assert decision.plugin_cache == tmp_path / "cache" and decision.mirror is None


def test_a_mirror_found_is_used_alone(tmp_path: Path) -> None:
    mirror = fake_mirror(tmp_path / "mirror")
    decision = provider_installation(tmp_path, env={}, candidates=(str(tmp_path / "none"), str(mirror)))
    assert decision.mirror == mirror and decision.offline
    config = decision.cli_config()
    assert f'path    = "{mirror}"' in config and "direct" not in config and "plugin_cache_dir" not in config


def test_a_named_mirror_without_the_provider_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(MirrorMissing) as raised:
        provider_installation(tmp_path, env={MIRROR_ENV: str(tmp_path / "empty")}, candidates=())
    assert str(raised.value) == (
        f"{MIRROR_ENV}={tmp_path / 'empty'}: expected a folder holding registry.terraform.io/hashicorp/aws, found none"
    )


def test_terraform_reads_both_configurations_and_catches_a_broken_one(tmp_path: Path) -> None:
    base = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    for decision in (
        ProviderInstallation(None, tmp_path / "cache"),
        ProviderInstallation(fake_mirror(tmp_path / "mirror"), tmp_path / "cache"),
    ):
        env = decision.environment(tmp_path / "work", base=base)
        version = terraform(["version"], tmp_path, env)
        assert version.returncode == 0 and CONFIG_PROBLEM not in version.stdout + version.stderr, version.stdout
    Path(env["TF_CLI_CONFIG_FILE"]).write_text("provider_installation {\n  nonsense {}\n}\n", encoding="utf-8")
    broken = terraform(["version"], tmp_path, env)
    assert CONFIG_PROBLEM in broken.stdout + broken.stderr


def test_the_mirror_installs_the_provider_offline(tmp_path: Path) -> None:
    try:
        decision = provider_installation(tmp_path / "work")
    except MirrorMissing as missing:
        pytest.fail(str(missing))
    if decision.mirror is None:
        if os.environ.get("BBWS_REQUIRE_TERRAFORM") == "1" and os.environ.get(MIRROR_ENV):
            pytest.fail(f"{MIRROR_ENV} is set but no mirror was found")
        pytest.skip("no provider mirror on this machine (the registry would be used)")
    (tmp_path / "main.tf").write_text(
        'terraform {\n  required_providers {\n    aws = {\n      source = "hashicorp/aws"\n    }\n  }\n}\n',
        encoding="utf-8",
    )
    env = decision.environment(tmp_path / "work")
    init = terraform(["init", "-backend=false", "-input=false", "-no-color"], tmp_path, env)
    assert init.returncode == 0, init.stdout + init.stderr
    assert "Installing hashicorp/aws" in init.stdout
