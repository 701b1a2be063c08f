"""Everything the static checks read from the repositories, each file read and parsed once.

One `FleetEvidence` lives for a whole pytest session: every criterion, repository and
environment asks it for facts, and the caches below make sure a file is opened and parsed
only the first time. `parse_counts` records the parses so a test can hold us to that.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from conformance.evidence.evaluate import Unresolvable
from conformance.evidence.files import LocalFiles, RepoFiles
from conformance.evidence.hcl import Body, ParseFailure, parse_hcl
from conformance.evidence.module import EnvModule, Module, read_module, tfvars_values, with_environment
from conformance.platform.model import LambdaFunction, Names, Platform

# libyaml's safe loader when PyYAML has it (about 9x faster on workflows), else the pure-Python one.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class YamlFailure:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: does not parse: {self.reason}"


class FleetEvidence:
    """Cached reads of the repositories under `root`."""

    def __init__(
        self, root: Path, platform: Platform, options: dict[str, Any] | None = None, files: RepoFiles | None = None
    ) -> None:
        self.root = root
        self.files: RepoFiles = files or LocalFiles(root)
        self.platform = platform
        self.options = options or {}
        self.scratch: dict[tuple[str, ...], Any] = {}  # per-run helpers (e.g. terraform's CLI config)
        self.parse_counts: Counter[str] = Counter()
        self._cache: dict[tuple[str, ...], Any] = {}

    def _once(self, key: tuple[str, ...], compute: Any) -> Any:
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def local_path(self, repo: str) -> Path | None:
        """The repository on this machine, or None when it is read through another host."""
        return self.files.local_path(repo)

    def exists(self, repo: str, relative: str = "") -> bool:
        return self._once(("exists", repo, relative), lambda: self.files.exists(f"{repo}/{relative}".rstrip("/")))

    def is_file(self, repo: str, relative: str) -> bool:
        return self.files.is_file(f"{repo}/{relative}")

    def list(self, repo: str, folder: str, suffixes: tuple[str, ...], recursive: bool = False) -> list[str]:
        """Files under `repo/folder` with these suffixes, relative to the repository."""
        found = self.files.list(f"{repo}/{folder}", suffixes, recursive)
        return [path.removeprefix(f"{repo}/") for path in found]

    def text(self, repo: str, relative: str) -> str | None:
        """The file's text, or None when it does not exist."""
        return self._once(("text", repo, relative), lambda: self.files.read(f"{repo}/{relative}"))

    def module(self, repo: str) -> Module:
        def parse() -> Module:
            paths = self.list(repo, "terraform", (".tf",))
            module = read_module([(f"{repo}/{p}", self.text(repo, p)) for p in paths], f"{repo}/terraform")
            self.parse_counts.update(module.files)
            return module

        return self._once(("module", repo), parse)

    def hcl(self, repo: str, relative: str) -> Body | ParseFailure | None:
        """A single HCL file (tfvars, backend settings), or None when missing."""

        def parse() -> Body | ParseFailure | None:
            text = self.text(repo, relative)
            if text is None:
                return None
            self.parse_counts[f"{repo}/{relative}"] += 1
            return parse_hcl(text, f"{repo}/{relative}")

        return self._once(("hcl", repo, relative), parse)

    def tfvars(self, repo: str, env: str) -> tuple[dict[str, Any], dict[str, Unresolvable]] | ParseFailure | None:
        body = self.hcl(repo, f"terraform/environments/{env}.tfvars")
        if body is None or isinstance(body, ParseFailure):
            return body
        return self._once(("tfvars", repo, env), lambda: tfvars_values(body))

    def env_module(self, repo: str, env: str) -> EnvModule:
        def build() -> EnvModule:
            values = self.tfvars(repo, env)
            variables = values[0] if isinstance(values, tuple) else {}
            return with_environment(self.module(repo), env, variables)

        return self._once(("env_module", repo, env), build)

    def yaml(self, repo: str, relative: str) -> dict[str, Any] | YamlFailure | None:
        def parse() -> dict[str, Any] | YamlFailure | None:
            text = self.text(repo, relative)
            if text is None:
                return None
            self.parse_counts[f"{repo}/{relative}"] += 1
            try:
                data = yaml.load(text, Loader=SAFE_LOADER)
            except yaml.YAMLError as error:
                mark = getattr(error, "problem_mark", None)
                return YamlFailure(
                    f"{repo}/{relative}", mark.line + 1 if mark else 0, str(getattr(error, "problem", error))
                )
            if not isinstance(data, dict):
                return YamlFailure(f"{repo}/{relative}", 1, "expected a mapping at the top level")
            if True in data and "on" not in data:
                data["on"] = data.pop(True)  # YAML 1.1 reads the key `on` as a boolean
            return data

        return self._once(("yaml", repo, relative), parse)

    def commit_count(self, repo: str) -> int | str:
        """Commits on HEAD, or why they cannot be counted."""

        return self._once(("git", repo), lambda: self.files.commit_count(repo))


@dataclass(frozen=True)
class RepoView:
    """One repository (and one environment, for per-env criteria) as a check sees it."""

    evidence: FleetEvidence
    name: str
    env: str | None
    function: LambdaFunction | None

    @property
    def platform(self) -> Platform:
        return self.evidence.platform

    @property
    def names(self) -> Names:
        """The env's resource names (a per-env criterion's view only)."""
        assert self.env is not None, "a per-env criterion needs an env"
        return self.platform.names(self.env)

    @property
    def is_infrastructure(self) -> bool:
        return self.function is None

    @cached_property
    def module(self) -> Module:
        return self.evidence.module(self.name)

    @cached_property
    def values(self) -> EnvModule:
        assert self.env is not None, "a per-env criterion needs an env"
        return self.evidence.env_module(self.name, self.env)

    def where(self, relative: str, line: int | None = None) -> str:
        return f"{self.name}/{relative}" + (f":{line}" if line else "")
