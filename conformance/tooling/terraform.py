"""Run the real Terraform offline: the binary on the PATH and the AWS provider from a local mirror.

Nothing here reaches a registry: the CLI configuration names a filesystem mirror only, and the
checkpoint call is disabled. Where Terraform or the mirror is missing, callers get a reason
they can show in one line (tests skip with it; `.ci/run` makes those tests required).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from conformance.tooling.processes import Children

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


def run(
    args: list[str], cwd: Path, env: Mapping[str, str], timeout: float = 600, children: Children | None = None
) -> TerraformRun:
    """Run `terraform ARGS` in `cwd`, capturing stdout and stderr together (as one of `children`, if given)."""
    if children is not None:
        returncode, output = children.run([terraform_binary(), *args], cwd, env, timeout)
        return TerraformRun(returncode, output)
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


FMT_ARGS = ("fmt", "-check", "-recursive", "-diff", "-no-color")
INIT_ARGS = ("init", "-backend=false", "-input=false", "-no-color")
VALIDATE_ARGS = ("validate", "-no-color")


def fmt_check(folder: Path, env: Mapping[str, str], children: Children | None = None) -> TerraformRun:
    return run(list(FMT_ARGS), folder, env, children=children)


def validate(folder: Path, env: Mapping[str, str], children: Children | None = None) -> TerraformRun:
    """`terraform init -backend=false` then `terraform validate`, offline."""
    init = run(list(INIT_ARGS), folder, env, children=children)
    if not init.ok:
        return init
    return run(list(VALIDATE_ARGS), folder, env, children=children)


def packed_mirror(mirror: Path) -> bool:
    """Whether the mirror holds providers as zip archives (each init would unpack one)."""
    return any((mirror / PROVIDER.parts[0]).rglob("*.zip"))


def _stat_line(path: Path) -> str:
    """What identifies a file's version without reading it: a new build or copy changes one of these."""
    found = path.stat()
    return f"{found.st_size} {found.st_mtime_ns} {found.st_ctime_ns} {found.st_ino} {found.st_dev}"


# Set by offline_environment or by the callers running terraform; never a cause of a different verdict.
OWN_VARIABLES = frozenset({"TF_CLI_CONFIG_FILE", "TF_PLUGIN_CACHE_DIR", "TF_IN_AUTOMATION", "TF_INPUT"})


def toolchain_identity(env: Mapping[str, str]) -> str:
    """A digest of everything besides a folder's files that a terraform verdict depends on.

    The binary and every file of the provider mirror (by path, size, times and inode: a new
    version or build is a new file, and reading 700 MB of provider on each run would cost more
    than the run), the CLI configuration's text, and every TF_* variable the user set (TF_LOG,
    TF_CLI_ARGS*, TF_DATA_DIR change what terraform does or prints).
    """
    digest = hashlib.sha256()
    binary = Path(terraform_binary()).resolve()
    digest.update(f"binary {binary} {_stat_line(binary)}\n".encode())
    mirror = provider_mirror().resolve()
    digest.update(f"mirror {mirror}\n".encode())
    for folder, subfolders, files in os.walk(mirror / PROVIDER.parts[0], followlinks=True):
        subfolders.sort()
        for name in sorted(files):
            path = Path(folder) / name
            digest.update(f"{path.relative_to(mirror)} {_stat_line(path)}\n".encode())
    config = env.get("TF_CLI_CONFIG_FILE")
    digest.update(f"config {Path(config).read_text(encoding='utf-8') if config else ''}\n".encode())
    for name in sorted(env):
        if name.startswith("TF_") and name not in OWN_VARIABLES:
            digest.update(f"env {name}={env[name]}\n".encode())
    return digest.hexdigest()
