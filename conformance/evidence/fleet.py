"""Everything the static checks read from the repositories, each file read and parsed once.

One `FleetEvidence` lives for a whole pytest session: every criterion, repository and
environment asks it for facts, and the caches below make sure a file is opened and parsed
only the first time. `parse_counts` records the parses so a test can hold us to that.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from conformance.evidence.evaluate import Unresolvable
from conformance.evidence.files import HCL_MAX_BYTES, LINK_OUT, MAX_BYTES, LocalFiles, RepoFiles, Unreadable
from conformance.evidence.hcl import Body, ParseFailure, parse_hcl
from conformance.evidence.module import EnvModule, Module, read_module, tfvars_values, with_environment
from conformance.evidence.module_source import SourceEscape, leaves_repository, literal_source
from conformance.platform.model import LambdaFunction, Names, Platform
from conformance.safe_yaml import BadYaml, compose_yaml

TERRAFORM = "terraform"
SOURCE = "src"  # a Lambda's handler and the code it imports
# What Terraform reads as HCL under terraform/: modules, variable files, partial backend settings.
HCL_SUFFIXES = (".tf", ".tfvars", ".hcl", ".tfbackend")
# What Terraform also reads in a module folder that the suite does not: JSON syntax, and override files
# merged into the blocks they name. Criterion TF-PARSE fails naming each, never ignores it.
TF_JSON = ".tf.json"
NOT_READ_JSON = "Terraform JSON configuration is not read by the suite (write it as .tf)"
NOT_MERGED = "override files are not merged by the suite (Terraform merges them into the blocks they name)"


def is_override(path: str) -> bool:
    """`override.tf`, `x_override.tf` (and their `.tf.json` forms): Terraform merges them, last of all."""
    name = path.rsplit("/", 1)[-1]
    stem = name.removesuffix(TF_JSON) if name.endswith(TF_JSON) else name.removesuffix(".tf")
    return stem != name and (stem == "override" or stem.endswith("_override"))


def not_read(path: str) -> str | None:
    """Why Terraform reads this file but the suite does not (None: the suite reads it, or Terraform does not)."""
    if is_override(path):
        return NOT_MERGED
    if path.endswith(TF_JSON):
        return NOT_READ_JSON
    return None


def is_hcl(path: str) -> bool:
    return path.endswith(HCL_SUFFIXES)


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
        the suite refuses to read or a module whose source leads out of the repository (criterion
        TF-PARSE names them): terraform would follow the link or the source out of the root and
        print what it found, or block on the FIFO.
        """
        if self.terraform_refusals(repo) or self.module_escapes(repo):
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
        """The file's text, None when nothing is there, or why it is refused (conformance.evidence.files).

        An HCL file is read with the lower HCL limit (conformance.evidence.files.HCL_MAX_BYTES): parsing is
        what costs, not reading.
        """
        limit = HCL_MAX_BYTES if is_hcl(relative) else None
        return self._once(("read", repo, relative), lambda: self.files.read(f"{repo}/{relative}", limit))

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
                refused = self.unreadable(repo, path) if is_hcl(path) else self.refusal(repo, path)
                if refused is not None:
                    found.append(refused)
            return found

        return self._once(("terraform-refusals", repo), find)

    def source_refusals(self, repo: str) -> list[Unreadable]:
        """What under src/ cannot be read: a Python file the reader refuses (a link out, a special file, over
        the size limit, not UTF-8), any other file that is a link out or a special file (never opened)."""

        def find() -> list[Unreadable]:
            found = []
            for path in self.list(repo, SOURCE, None, recursive=True):
                refused = self.unreadable(repo, path) if path.endswith(".py") else self.refusal(repo, path)
                if refused is not None:
                    found.append(refused)
            return found

        return self._once(("source-refusals", repo), find)

    def module(self, repo: str, folder: str = TERRAFORM) -> Module:
        """The root module in `folder` (terraform/, or another root such as the account bootstrap's): every
        `*.tf` of it (override files are not merged: TF-PARSE names them)."""
        found = self.module_at(repo, folder)
        return found if found is not None else Module(f"{repo}/{folder}")

    def module_at(self, repo: str, folder: str) -> Module | None:
        """The module in `repo/folder` (relative to the repository), parsed once per run; None without `*.tf`."""

        def parse() -> Module | None:
            paths = [p for p in self.list(repo, folder, (".tf",)) if not is_override(p)]
            if not paths and folder != TERRAFORM:
                return None
            module = read_module([(f"{repo}/{p}", self.text(repo, p)) for p in paths], f"{repo}/{folder}")
            refused = {u.file: u for p in paths if (u := self.unreadable(repo, p))}
            module.failures = [
                ParseFailure(f.file, refused[f.file].line, 0, refused[f.file].reason) if f.file in refused else f
                for f in module.failures
            ]
            self.parse_counts.update(f for f in module.files if f not in refused)
            return module

        return self._once(("module", repo, folder), parse)

    def source_escape(self, repo: str, folder: str, source: str) -> str | None:
        """Why a module source, called from `repo/folder`, leads out of the repository (None: it stays in it).

        Beyond the words (conformance.evidence.module_source): a local path is followed through links,
        and must end inside the repository's own folder.
        """
        found = leaves_repository(source, folder)
        if found is not None or not source.startswith(("./", "../")):
            return found
        path = posixpath.normpath(posixpath.join(folder, source))
        if (refused := self.refusal(repo, path)) and LINK_OUT in refused.reason:
            return refused.reason
        local, top = self.files.local_path(f"{repo}/{path}"), self.files.local_path(repo)
        if local is None or top is None or not local.exists():
            return None
        real, real_top = local.resolve(), top.resolve()
        return None if real.is_relative_to(real_top) else f"a link to {real}, outside the repository"

    def module_escapes(self, repo: str) -> list[SourceEscape]:
        """Every `module` block of a `*.tf` under terraform/ whose source leads out of the repository.

        Such a folder is never handed to terraform (it would read and print what is there) and the
        checks cannot see what it declares; TF-PARSE names each with its file and line.
        """

        def find() -> list[SourceEscape]:
            if self.refusal(repo, TERRAFORM):
                return []
            folders = sorted({p.rsplit("/", 1)[0] for p in self.terraform_files(repo) if p.endswith(".tf")})
            found = []
            for folder in folders:
                module = self.module_at(repo, folder)
                for block in module.of_type("module") if module is not None else []:
                    source = block.body.attributes.get("source")
                    text = literal_source(source)
                    if source is not None and text is not None and (why := self.source_escape(repo, folder, text)):
                        found.append(SourceEscape(source.location, repo, text, why))
            return found

        return self._once(("module-escapes", repo), find)

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

    def env_module(self, repo: str, env: str, folder: str = TERRAFORM) -> EnvModule:
        """The root module in `folder` with the env's terraform/environments/<env>.tfvars (the bootstrap reads
        the same file)."""

        def build() -> EnvModule:
            values = self.tfvars(repo, env)
            variables = values[0] if isinstance(values, tuple) else {}
            return with_environment(self.module(repo, folder), env, variables)

        return self._once(("env_module", repo, env, folder), build)

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
    folder: str = TERRAFORM  # the Terraform root judged: terraform/, or the infrastructure repo's bootstrap/

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
        return self.evidence.module(self.name, self.folder)

    @cached_property
    def values(self) -> EnvModule:
        assert self.env is not None, "a per-env criterion needs an env"
        return self.evidence.env_module(self.name, self.env, self.folder)

    def where(self, relative: str, line: int | None = None) -> str:
        return f"{self.name}/{relative}" + (f":{line}" if line else "")
