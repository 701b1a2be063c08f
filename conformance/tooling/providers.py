"""How Terraform gets the AWS provider: from a filesystem mirror where one is found, else from its registry.

Here (no internet) the provider lives in a local mirror and Terraform must never look elsewhere. On
GitHub's hosted runners there is network and no mirror: Terraform's normal installation applies,
with a plugin cache so each provider is downloaded once per job, not once per repository. The
decision is made once, from `BBWS_TF_PROVIDER_MIRROR` (a mirror that must be there) or the usual
mirror folders (used when present).
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
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


class MirrorMissing(RuntimeError):
    """BBWS_TF_PROVIDER_MIRROR names a folder without the provider (one line saying so)."""


@dataclass(frozen=True)
class ProviderInstallation:
    """A filesystem mirror (offline), or Terraform's registry through a plugin cache."""

    mirror: Path | None
    plugin_cache: Path

    @property
    def offline(self) -> bool:
        return self.mirror is not None

    @property
    def installs_into_cache(self) -> bool:
        """Whether inits install providers into the plugin cache (the registry's downloads, or a mirror
        of zip archives each init would unpack), which Terraform does not make safe for concurrent inits.
        An unpacked mirror needs no cache: inits link its providers in place."""
        return self.mirror is None or any((self.mirror / PROVIDER.parts[0]).rglob("*.zip"))

    def cli_config(self) -> str:
        """The Terraform CLI configuration text for this decision."""
        if self.mirror is not None:
            return (
                "provider_installation {\n"
                "  filesystem_mirror {\n"
                f"    path    = {_hcl_string(self.mirror)}\n"
                '    include = ["registry.terraform.io/hashicorp/*"]\n'
                "  }\n"
                "}\n"
            )
        return f"plugin_cache_dir = {_hcl_string(self.plugin_cache)}\n\nprovider_installation {{\n  direct {{}}\n}}\n"

    def environment(self, workdir: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """Environment variables for a Terraform run; writes the CLI config into `workdir`."""
        workdir.mkdir(parents=True, exist_ok=True)
        config = workdir / "terraform.rc"
        config.write_text(self.cli_config(), encoding="utf-8")
        env = {
            **(os.environ if base is None else base),
            "TF_CLI_CONFIG_FILE": str(config),
            "CHECKPOINT_DISABLE": "1",
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
        }
        if self.installs_into_cache:
            self.plugin_cache.mkdir(parents=True, exist_ok=True)
            env["TF_PLUGIN_CACHE_DIR"] = str(self.plugin_cache)
        return env


_THREADS_INSTALLING = threading.Lock()


@contextmanager
def installing(chosen: ProviderInstallation) -> Iterator[None]:
    """Held around a `terraform init` that installs into the plugin cache: one install at a time in this
    process (a thread lock) and across processes (an flock on the cache folder), since two runs of the
    suite, or two test workers, may share the user's cache. Nothing is held for an unpacked mirror."""
    if not chosen.installs_into_cache:
        yield
        return
    chosen.plugin_cache.mkdir(parents=True, exist_ok=True)
    with _THREADS_INSTALLING, open(chosen.plugin_cache / ".install.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _hcl_string(path: Path) -> str:
    return '"' + str(path).replace("\\", "\\\\").replace('"', '\\"') + '"'


def find_mirror(env: Mapping[str, str] | None = None, candidates: tuple[str, ...] = MIRROR_CANDIDATES) -> Path | None:
    """The folder holding `registry.terraform.io/hashicorp/aws`, or None where there is none.

    A mirror named by BBWS_TF_PROVIDER_MIRROR must hold the provider (MirrorMissing otherwise):
    naming one is asking to stay offline.
    """
    env = os.environ if env is None else env
    configured = env.get(MIRROR_ENV)
    if configured:
        root = Path(configured).expanduser()
        if (root / PROVIDER).is_dir():
            return root
        raise MirrorMissing(f"{MIRROR_ENV}={configured}: expected a folder holding {PROVIDER.as_posix()}, found none")
    for candidate in candidates:
        root = Path(candidate).expanduser()
        if (root / PROVIDER).is_dir():
            return root
    return None


def provider_installation(
    workdir: Path, env: Mapping[str, str] | None = None, candidates: tuple[str, ...] = MIRROR_CANDIDATES
) -> ProviderInstallation:
    """The mirror where one is found; otherwise the registry, cached in TF_PLUGIN_CACHE_DIR (or `workdir`)."""
    env = os.environ if env is None else env
    cache = Path(env["TF_PLUGIN_CACHE_DIR"]) if env.get("TF_PLUGIN_CACHE_DIR") else workdir / "plugin-cache"
    return ProviderInstallation(find_mirror(env, candidates), cache)
