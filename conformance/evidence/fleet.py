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

from conformance.evidence.evaluate import Unresolvable
from conformance.evidence.files import MAX_BYTES, LocalFiles, RepoFiles, Unreadable
from conformance.evidence.hcl import Body, ParseFailure, parse_hcl
from conformance.evidence.module import EnvModule, Module, read_module, tfvars_values, with_environment
from conformance.platform.model import LambdaFunction, Names, Platform
from conformance.safe_yaml import BadYaml, compose_yaml

TERRAFORM = "terraform"
# What Terraform reads as HCL under terraform/: modules, variable files, partial backend settings.
HCL_SUFFIXES = (".tf", ".tfvars", ".hcl", ".tfbackend")


@dataclass(frozen=True)
class YamlFailure:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: does not parse: {self.reason}"


def workflow_document(text: str, file: str) -> tuple[Any, dict[str, Any]] | YamlFailure:
    """A workflow's node tree (marks kept) and document, read the one strict way (no aliases, no duplicate
    keys); a YamlFailure naming the line when it does not parse or is not a mapping."""
    try:
        node, data = compose_yaml(text, file, max_bytes=MAX_BYTES)
    except BadYaml as refused:
        return YamlFailure(file, refused.line or 1, refused.reason)
    if not isinstance(data, dict):
        return YamlFailure(file, 1, "expected a mapping at the top level")
    if True in data and "on" not in data:
        data["on"] = data.pop(True)  # YAML 1.1 reads the key `on` as a boolean
    return node, data


class FleetEvidence:
    """Cached reads of the repositories under `root`."""

    def __init__(
        self,
        root: Path,
        platform: Platform,
        options: dict[str, Any] | None = None,
        files: RepoFiles | None = None,
        given: frozenset[str] | None = None,
    ) -> None:
        self.root = root
        self.given = given  # a per-repository run: the repositories it was handed (None: the fleet under root)
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
        """The repository on this machine to hand to terraform, or None.

        None when it is read through another host, and when its terraform/ folder holds anything
        the suite refuses to read (criterion TF-PARSE names it): terraform would follow the link
        out of the root and print what it found, or block on the FIFO.
        """
        if self.terraform_refusals(repo):
            return None
        return self.files.local_path(repo)

    def not_given(self, repo: str) -> bool:
        """A repository this run was not handed (a per-repository run), as opposed to one missing from the fleet."""
        return self.given is not None and repo not in self.given

    def exists(self, repo: str, relative: str = "") -> bool:
        return self._once(("exists", repo, relative), lambda: self.files.exists(f"{repo}/{relative}".rstrip("/")))

    def is_file(self, repo: str, relative: str) -> bool:
        return self.files.is_file(f"{repo}/{relative}")

    def list(self, repo: str, folder: str, suffixes: tuple[str, ...] | None, recursive: bool = False) -> list[str]:
        """Files under `repo/folder` with these suffixes (None: any), relative to the repository."""
        found = self.files.list(f"{repo}/{folder}", suffixes, recursive)
        return [path.removeprefix(f"{repo}/") for path in found]

    def read(self, repo: str, relative: str) -> str | Unreadable | None:
        """The file's text, None when nothing is there, or why it is refused (conformance.evidence.files)."""
        return self._once(("read", repo, relative), lambda: self.files.read(f"{repo}/{relative}"))

    def text(self, repo: str, relative: str) -> str | None:
        """The file's text, or None when it does not exist or is refused (then it fails whoever needs it)."""
        found = self.read(repo, relative)
        return found if isinstance(found, str) else None

    def unreadable(self, repo: str, relative: str) -> Unreadable | None:
        """Why the file is refused, or None when it is read (or simply not there)."""
        found = self.read(repo, relative)
        return found if isinstance(found, Unreadable) else None

    def refusal(self, repo: str, relative: str = "") -> Unreadable | None:
        """Why an entry (the repository, a folder, a file) must not be read or handed to a tool, without reading it."""
        return self._once(("refusal", repo, relative), lambda: self.files.check(f"{repo}/{relative}".rstrip("/")))

    def terraform_files(self, repo: str) -> list[str]:
        """Every file under terraform/, at any depth (not .terraform/), relative to the repository."""
        return self._once(("terraform-files", repo), lambda: self.list(repo, TERRAFORM, None, recursive=True))

    def terraform_refusals(self, repo: str) -> list[Unreadable]:
        """What under terraform/ is refused: the folder itself, or files (HCL ones read, others only looked at)."""

        def find() -> list[Unreadable]:
            if folder := self.refusal(repo, TERRAFORM):
                return [folder]
            found = []
            for path in self.terraform_files(repo):
                refused = self.unreadable(repo, path) if path.endswith(HCL_SUFFIXES) else self.refusal(repo, path)
                if refused is not None:
                    found.append(refused)
            return found

        return self._once(("terraform-refusals", repo), find)

    def module(self, repo: str) -> Module:
        def parse() -> Module:
            paths = self.list(repo, TERRAFORM, (".tf",))
            module = read_module([(f"{repo}/{p}", self.text(repo, p)) for p in paths], f"{repo}/{TERRAFORM}")
            refused = {u.file: u for p in paths if (u := self.unreadable(repo, p))}
            module.failures = [
                ParseFailure(f.file, refused[f.file].line, 0, refused[f.file].reason) if f.file in refused else f
                for f in module.failures
            ]
            self.parse_counts.update(f for f in module.files if f not in refused)
            return module

        return self._once(("module", repo), parse)

    def hcl(self, repo: str, relative: str) -> Body | ParseFailure | None:
        """A single HCL file (tfvars, backend settings), or None when missing; a refused file is a failure."""

        def parse() -> Body | ParseFailure | None:
            found = self.read(repo, relative)
            if isinstance(found, Unreadable):
                return ParseFailure(found.file, found.line, 0, found.reason)
            if found is None:
                return None
            self.parse_counts[f"{repo}/{relative}"] += 1
            return parse_hcl(found, f"{repo}/{relative}")

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
        """A workflow's document; a refused file, an alias or a duplicate key is a failure with its line."""

        def parse() -> dict[str, Any] | YamlFailure | None:
            found = self.read(repo, relative)
            if isinstance(found, Unreadable):
                return YamlFailure(found.file, found.line, found.reason)
            if found is None:
                return None
            self.parse_counts[f"{repo}/{relative}"] += 1
            read = workflow_document(found, f"{repo}/{relative}")
            return read if isinstance(read, YamlFailure) else read[1]

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
