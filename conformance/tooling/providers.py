"""How Terraform gets the AWS provider: from a filesystem mirror where one is found, else from its registry.

Here (no internet) the provider lives in a local mirror and Terraform must never look elsewhere. On
GitHub's hosted runners there is network and no mirror: Terraform's normal installation applies,
with a plugin cache so each provider is downloaded once per job, not once per repository. The
decision is made once, from `BBWS_TF_PROVIDER_MIRROR` (a mirror that must be there) or the usual
mirror folders (used when present).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
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
        if self.mirror is None:
            self.plugin_cache.mkdir(parents=True, exist_ok=True)
        return {
            **(os.environ if base is None else base),
            "TF_CLI_CONFIG_FILE": str(config),
            "TF_PLUGIN_CACHE_DIR": str(self.plugin_cache),
            "CHECKPOINT_DISABLE": "1",
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
        }


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
