"""A repository's whole Terraform configuration for one env: the root module and the local modules it calls.

A `module "x" { source = "./modules/x" ... }` block is read like Terraform would: the module's
`*.tf` files (read and parsed once per run), its variables bound to the call's arguments
evaluated in the caller's env, its resources addressed `module.x.<type>.<name>`, and a
reference `module.x.<output>` evaluated to what the output holds (a reference to the topic
inside, say). Calls with `count`/`for_each` give one module instance per key.

A module that cannot be read offline (a registry, git or URL source, a folder that is not
there, outside the repository, or nested too deep) is recorded with its file:line and reason:
a check that needs what it would hold says so instead of passing.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.evidence.evaluate import Ref, Unresolvable
from conformance.evidence.fleet import FleetEvidence
from conformance.evidence.hcl import Block, Location, ParseFailure
from conformance.evidence.module import (
    EnvModule,
    Instance,
    Module,
    defaults,
    tfvars_values,
    with_environment,
)
from conformance.evidence.module_source import SourceEscape

META_ARGUMENTS = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})
AUTOMATIC = ("/terraform.tfvars", ".auto.tfvars")  # loaded by Terraform without being named
MAX_DEPTH = 8  # modules calling modules: deeper than this is refused, never followed forever


@dataclass(frozen=True)
class Unreadable:
    """A module call the suite cannot evaluate: where it is and why, in one line."""

    location: Location
    call: str
    reason: str

    def __str__(self) -> str:
        return f"{self.location}: module.{self.call}: {self.reason}"


@dataclass
class _Call:
    """One module call's instances, as seen from the module that makes it."""

    block: Block
    instances: dict[Any, EnvModule] = field(default_factory=dict)  # key (None without count/for_each)
    unreadable: Unreadable | None = None


class Arguments(Mapping[str, Any]):
    """A module instance's variables: the call's arguments (evaluated in the caller when read), else defaults."""

    def __init__(self, call: Instance, declared: Module) -> None:
        self.call = call
        self.defaults = defaults(declared)
        self.declared = set(declared.variables)
        self._values: dict[str, Any] = {}

    def _argument(self, name: str) -> Any:
        attribute = self.call.block.body.attributes.get(name)
        return None if name in META_ARGUMENTS else attribute

    def __getitem__(self, name: str) -> Any:
        if name not in self._values:
            attribute = self._argument(name)
            if attribute is not None:
                self._values[name] = self.call.values.value(attribute, self.call.bindings)
            elif name in self.defaults:
                self._values[name] = self.defaults[name]
            else:
                raise KeyError(name)
        return self._values[name]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (self._argument(name) is not None or name in self.defaults)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(n for n in self.declared if n in self))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def is_local(source: str) -> bool:
    """Terraform reads a module from disk only when its source starts with ./ or ../."""
    return source.startswith(("./", "../"))


class Configuration:
    """The root module and every local module instance it reaches, for one env (`Links` for the evaluator)."""

    def __init__(self, evidence: FleetEvidence, repo: str, env: str, folder: str = "terraform") -> None:
        self.evidence = evidence
        self.repo = repo
        self.env = env
        self.modules: list[EnvModule] = []
        self.unreadable: list[Unreadable] = []
        self.escapes: list[SourceEscape] = []  # module sources leading out of the repository
        self.failures: list[ParseFailure] = []
        self._calls: dict[tuple[str, str], _Call] = {}
        self._blocks: dict[str, tuple[EnvModule, Block]] = {}
        self.memo: dict[tuple[str, ...], Any] = {}  # the checks' lookups, made once per run (see hcl_checks)
        self._folders: dict[str, str] = {}  # module prefix -> its folder in the repository
        root = with_environment(evidence.module(repo, folder), env, self._tfvars(), links=self)
        self.root = root
        self._add(root, folder, 0)

    def _tfvars(self) -> dict[str, Any]:
        """Values as `terraform plan -var-file=environments/<env>.tfvars` sees them.

        Terraform also loads `terraform.tfvars` and `*.auto.tfvars` of the root folder by itself,
        before the files named on the command line.
        """
        values: dict[str, Any] = {}
        automatic = [p for p in self.evidence.list(self.repo, "terraform", (".tfvars",)) if p.endswith(AUTOMATIC)]
        for path in sorted(automatic, key=lambda p: (not p.endswith("/terraform.tfvars"), p)):
            body = self.evidence.hcl(self.repo, path)
            if body is not None and not isinstance(body, ParseFailure):
                values.update(tfvars_values(body)[0])
        named = self.evidence.tfvars(self.repo, self.env)
        values.update(named[0] if isinstance(named, tuple) else {})
        return values

    # -- building ----------------------------------------------------------------------------

    def _add(self, env_module: EnvModule, folder: str, depth: int) -> None:
        self.modules.append(env_module)
        self._folders[env_module.prefix] = folder
        for block in env_module.module.of_type("resource") + env_module.module.of_type("data"):
            self._blocks.setdefault(env_module.prefix + block.address, (env_module, block))
        for block in env_module.module.of_type("module"):
            name = block.labels[0] if block.labels else "?"
            call = _Call(block)
            self._calls[(env_module.prefix, name)] = call
            problem = self._instantiate(env_module, folder, depth, name, call)
            if problem is not None:
                call.unreadable = Unreadable(block.location, name, problem)
                self.unreadable.append(call.unreadable)

    def _instantiate(self, caller: EnvModule, folder: str, depth: int, name: str, call: _Call) -> str | None:
        """Read the called module and make its instances; the reason when it cannot be."""
        source_attribute = call.block.body.attributes.get("source")
        if source_attribute is None:
            return "no source"
        try:
            source = caller.value(source_attribute)
        except Unresolvable as error:
            return str(error)
        if isinstance(source, str) and (why := self.evidence.source_escape(self.repo, folder, source)):
            escape = SourceEscape(source_attribute.location, self.repo, source, why)
            if escape not in self.escapes:
                self.escapes.append(escape)
            return f"{escape.message}: what it declares cannot be evaluated"
        if not isinstance(source, str) or not is_local(source):
            return f"module source {source!r} is not a local path: cannot evaluate"
        if depth >= MAX_DEPTH:
            return f"modules nested deeper than {MAX_DEPTH}: not followed"
        path = posixpath.normpath(posixpath.join(folder, source))
        if path == ".." or path.startswith("../"):
            return f"module source {source!r} is outside the repository: not read"
        module = self._module(path)
        if module is None:
            return f"module source {source!r}: no .tf files in {self.repo}/{path}"
        try:
            instances = caller.instances(call.block)  # one, or one per count index / for_each key
        except Unresolvable as error:
            return str(error)
        for instance in instances:
            key = instance.key
            prefix = f"{caller.prefix}module.{name}" + ("" if key is None else f"[{json.dumps(key)}]") + "."
            child = with_environment(module, self.env, Arguments(instance, module), prefix=prefix, links=self)
            call.instances[key] = child
            self._add(child, path, depth + 1)
        return None

    def _module(self, path: str) -> Module | None:
        """The module in `repo/path`, parsed once per run whatever the env."""
        module = self.evidence.module_at(self.repo, path)
        if module is not None and module.failures:
            self.failures.extend(f for f in module.failures if f not in self.failures)
        return module

    @property
    def folders(self) -> list[str]:
        """Every folder of the repository a module of this configuration is read from (terraform/ first)."""
        return list(dict.fromkeys(self._folders.values()))

    # -- Links -------------------------------------------------------------------------------

    def module_output(self, prefix: str, call: str, key: Any, output: str, at: Location) -> Any:
        found = self._calls.get((prefix, call))
        expression = f"module.{call}" + ("" if key is None else f"[{json.dumps(key)}]") + f".{output}"
        if found is None:
            raise Unresolvable(expression, at, f"no module {call!r} is called")
        if found.unreadable is not None:
            raise Unresolvable(expression, at, f"{found.unreadable.reason} ({found.unreadable.location})")
        child = found.instances.get(key)
        if child is None:
            keys = ", ".join(json.dumps(k) for k in found.instances) or "none"
            raise Unresolvable(expression, at, f"module {call!r} has no instance {json.dumps(key)} (instances: {keys})")
        block = child.module.outputs.get(output)
        value = block.body.attributes.get("value") if block is not None else None
        if value is None:
            raise Unresolvable(expression, at, f"module {call!r} has no output {output!r}")
        return child.value(value)

    def expand(self, ref: Ref) -> dict[str, Any] | list[Any] | None:
        if ref.key is not None or ref.attribute:
            return None
        found = self._blocks.get(ref.target)
        if found is None:
            return None
        env_module, block = found
        attributes = block.body.attributes
        if "for_each" not in attributes and "count" not in attributes:
            return None
        instances = env_module.instances(block)
        if "for_each" in attributes:
            return {str(i.key): ref.step("index", i.key) for i in instances}
        return [ref.step("index", i.key) for i in instances]

    def read_file(self, prefix: str, path: str, at: Location) -> str:
        expression = f"file({path!r})"
        if posixpath.isabs(path):
            raise Unresolvable(expression, at, "an absolute path: only files of the repository are read")
        relative = posixpath.normpath(posixpath.join(self._folders.get(prefix, "terraform"), path))
        if relative == ".." or relative.startswith("../"):
            raise Unresolvable(expression, at, "outside the repository: not read")
        text = self.evidence.text(self.repo, relative)
        if text is None:
            raise Unresolvable(expression, at, f"no file {self.repo}/{relative}")
        return text

    # -- what the checks ask -----------------------------------------------------------------

    def resources(self, resource_type: str) -> list[tuple[EnvModule, Block]]:
        """Every `resource` block of a type in the configuration, with the module instance it is in."""
        return [(m, b) for m in self.modules for b in m.module.resources(resource_type)]

    def block(self, address: str) -> tuple[EnvModule, Block] | None:
        """A resource or data block by its address in the configuration (`module.x.data.y.z`)."""
        return self._blocks.get(address)


def configuration(evidence: FleetEvidence, repo: str, env: str, folder: str = "terraform") -> Configuration:
    """The repository's configuration for one env (of the root in `folder`), built once per run."""
    key = ("configuration", repo, env, folder)
    if key not in evidence.scratch:
        evidence.scratch[key] = Configuration(evidence, repo, env, folder)
    return evidence.scratch[key]
