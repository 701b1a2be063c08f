"""Where a sandbox deploys: the emulator's URL, the env, the repositories and a scratch folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from conformance.paths import DEFAULT_PLATFORM
from conformance.platform.model import Names, Platform


@dataclass(frozen=True)
class Target:
    endpoint_url: str
    env: str
    platform: Platform
    repos_root: Path
    workdir: Path
    # The spec file itself: the repositories' deploy scripts hand it to their conformance gates.
    spec: Path = DEFAULT_PLATFORM

    def __post_init__(self) -> None:
        # Terraform runs inside each repository: every path handed to it must be absolute.
        object.__setattr__(self, "repos_root", Path(self.repos_root).resolve())
        object.__setattr__(self, "workdir", Path(self.workdir).resolve())
        object.__setattr__(self, "spec", Path(self.spec).resolve())

    @property
    def names(self) -> Names:
        """The env's resource names (state bucket, lock table, ...), from the spec."""
        return self.platform.names(self.env)

    @property
    def region(self) -> str:
        return self.platform.environments[self.env].region

    @property
    def account_id(self) -> str:
        return self.platform.environments[self.env].account_id

    def repo_dir(self, repo: str) -> Path:
        return self.repos_root / repo

    def terraform_dir(self, repo: str) -> Path:
        return self.repo_dir(repo) / "terraform"

    def log_path(self, repo: str, step: str) -> Path:
        return self.workdir / "logs" / f"{repo}.{step}.log"
