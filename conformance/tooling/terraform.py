"""Run the real Terraform: the binary on the PATH, the AWS provider from a mirror where one is found.

How the provider is installed is decided once per process (conformance.tooling.providers): a
filesystem mirror where one is found (offline: Terraform never looks elsewhere), else Terraform's
registry through a plugin cache under the user's cache folder, so a provider is downloaded once per
machine, not once per repository. The checkpoint call is always disabled. Where Terraform is
missing, or `BBWS_TF_PROVIDER_MIRROR` names a folder without the provider, callers get a reason
they can show in one line (tests skip with it; `.ci/run` makes those tests required).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from conformance.tooling.processes import Children
from conformance.tooling.providers import (
    PROVIDER,
    MirrorMissing,
    ProviderInstallation,
    installing,
    provider_installation,
)
from conformance.tooling.verdict_cache import user_cache_dir


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
def installation() -> ProviderInstallation:
    """The mirror where one is found, else the registry with a plugin cache kept in the user's cache folder."""
    home = user_cache_dir() or Path(tempfile.mkdtemp(prefix="conformance-providers-"))
    try:
        return provider_installation(home)
    except MirrorMissing as missing:
        raise TerraformUnavailable(str(missing)) from None


def environment(workdir: Path) -> dict[str, str]:
    """Environment variables for a Terraform run (this process's provider installation); writes the
    CLI configuration into `workdir`."""
    return installation().environment(workdir)


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
    """`terraform init -backend=false` (installs into a shared plugin cache take turns) then `terraform validate`."""
    with installing(installation()):
        init = run(list(INIT_ARGS), folder, env, children=children)
    if not init.ok:
        return init
    return run(list(VALIDATE_ARGS), folder, env, children=children)


def _stat_line(path: Path) -> str:
    """What identifies a file's version without reading it: a new build or copy changes one of these."""
    found = path.stat()
    return f"{found.st_size} {found.st_mtime_ns} {found.st_ctime_ns} {found.st_ino} {found.st_dev}"


# Set by `environment` or by the callers running terraform; never a cause of a different verdict.
OWN_VARIABLES = frozenset({"TF_CLI_CONFIG_FILE", "TF_PLUGIN_CACHE_DIR", "TF_IN_AUTOMATION", "TF_INPUT"})


def toolchain_identity(env: Mapping[str, str]) -> str:
    """A digest of everything besides a folder's files that a terraform verdict depends on.

    The binary and every file of the provider mirror (by path, size, times and inode: a new
    version or build is a new file, and reading 700 MB of provider on each run would cost more
    than the run), the CLI configuration's text, and every TF_* variable the user set (TF_LOG,
    TF_CLI_ARGS*, TF_DATA_DIR change what terraform does or prints). Without a mirror the provider
    comes from the registry: its version is the folder's lock file (part of the folder's digest),
    and a folder without one is never kept (`verdict_is_reproducible`).
    """
    digest = hashlib.sha256()
    binary = Path(terraform_binary()).resolve()
    digest.update(f"binary {binary} {_stat_line(binary)}\n".encode())
    if installation().mirror is None:
        digest.update(b"registry\n")
    else:
        mirror = installation().mirror.resolve()
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


LOCK_FILE = ".terraform.lock.hcl"


def verdict_is_reproducible(folder_files: Mapping[str, bytes]) -> bool:
    """Whether a verdict on these files can be kept: always with a mirror (its files are in the key);
    from the registry only with a lock file, else the next run may get a newer provider."""
    return installation().mirror is not None or LOCK_FILE in folder_files
