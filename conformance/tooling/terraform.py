"""Run the real Terraform offline: the binary on the PATH and the AWS provider from a local mirror.

Nothing here reaches a registry: the CLI configuration names a filesystem mirror only, and the
checkpoint call is disabled. Where Terraform or the mirror is missing, callers get a reason
they can show in one line (tests skip with it; `.ci/run` makes those tests required).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PROVIDER = Path("registry.terraform.io") / "hashicorp" / "aws"
MIRROR_ENV = "BBWS_TF_PROVIDER_MIRROR"
# Where provider mirrors usually live; BBWS_TF_PROVIDER_MIRROR overrides the search.
MIRROR_CANDIDATES = (
    "/opt/tf-plugins",
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
)


class TerraformUnavailable(RuntimeError):
    """Terraform or its provider mirror is missing; the message says what to install."""


@dataclass(frozen=True)
class TerraformRun:
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


@cache
def terraform_binary() -> str:
    found = shutil.which("terraform")
    if not found:
        raise TerraformUnavailable("terraform is not on the PATH: install Terraform >= 1.10 to run this")
    return found


@cache
def provider_mirror() -> Path:
    """The folder holding `registry.terraform.io/hashicorp/aws` (a filesystem mirror)."""
    configured = os.environ.get(MIRROR_ENV)
    candidates = [configured] if configured else list(MIRROR_CANDIDATES)
    for candidate in candidates:
        root = Path(candidate).expanduser()
        if (root / PROVIDER).is_dir():
            return root
    where = configured or ", ".join(MIRROR_CANDIDATES)
    raise TerraformUnavailable(
        f"no hashicorp/aws provider mirror found (looked in {where}); set {MIRROR_ENV} to the folder "
        "that holds registry.terraform.io"
    )


def cli_config_text(mirror: Path) -> str:
    return (
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{mirror}"\n'
        '    include = ["registry.terraform.io/hashicorp/*"]\n'
        "  }\n"
        "}\n"
    )


def offline_environment(workdir: Path) -> dict[str, str]:
    """Environment variables for an offline Terraform run; writes the CLI config into `workdir`."""
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "terraform.rc"
    config.write_text(cli_config_text(provider_mirror()), encoding="utf-8")
    return {
        **os.environ,
        "TF_CLI_CONFIG_FILE": str(config),
        "CHECKPOINT_DISABLE": "1",
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
    }


def run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> TerraformRun:
    """Run `terraform ARGS` in `cwd`, capturing stdout and stderr together."""
    result = subprocess.run(
        [terraform_binary(), *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )
    return TerraformRun(result.returncode, result.stdout)


def fmt_check(folder: Path, env: dict[str, str]) -> TerraformRun:
    return run(["fmt", "-check", "-recursive", "-diff", "-no-color"], folder, env)


def validate(folder: Path, env: dict[str, str]) -> TerraformRun:
    """`terraform init -backend=false` then `terraform validate`, offline."""
    init = run(["init", "-backend=false", "-input=false", "-no-color"], folder, env)
    if not init.ok:
        return init
    return run(["validate", "-no-color"], folder, env)
