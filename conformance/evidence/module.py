"""A Terraform module (a repo's terraform/ folder, or a local module it calls) and its values for one environment."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.evidence.evaluate import Evaluator, Links, Ref, Scope, Unresolvable
from conformance.evidence.hcl import Attribute, Block, Body, Location, ParseFailure, parse_hcl


@dataclass
class Module:
    """Every block of every `*.tf` file in one folder, with what failed to parse."""

    folder: str
    blocks: list[Block] = field(default_factory=list)
    failures: list[ParseFailure] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def of_type(self, block_type: str) -> list[Block]:
        return [b for b in self.blocks if b.type == block_type]

    def resources(self, resource_type: str) -> list[Block]:
        return [b for b in self.of_type("resource") if b.labels[0] == resource_type]

    def data_sources(self, data_type: str) -> list[Block]:
        return [b for b in self.of_type("data") if b.labels[0] == data_type]

    def resource(self, address: str) -> Block | None:
        for block in self.of_type("resource") + self.of_type("data"):
            if block.address == address:
                return block
        return None

    @property
    def locals(self) -> dict[str, Attribute]:
        return {name: a for b in self.of_type("locals") for name, a in b.body.attributes.items()}

    @property
    def outputs(self) -> dict[str, Block]:
        return {b.labels[0]: b for b in self.of_type("output")}

    @property
    def variables(self) -> dict[str, Block]:
        return {b.labels[0]: b for b in self.of_type("variable")}

    def backend(self) -> Block | None:
        for terraform in self.of_type("terraform"):
            for block in terraform.body.blocks_of("backend"):
                return block
        return None


def read_module(files: list[tuple[str, str | None]], display: str) -> Module:
    """Parse the module's `*.tf` files, given as (shown name, text) in name order."""
    module = Module(display)
    for shown, text in files:
        module.files.append(shown)
        parsed = parse_hcl(text, shown) if text is not None else ParseFailure(shown, 0, 0, "cannot be read")
        if isinstance(parsed, ParseFailure):
            module.failures.append(parsed)
        else:
            module.blocks.extend(parsed.blocks)
    return module


def tfvars_values(body: Body) -> tuple[dict[str, Any], dict[str, Unresolvable]]:
    """Values of a tfvars file (literals only, as Terraform requires)."""
    values: dict[str, Any] = {}
    errors: dict[str, Unresolvable] = {}
    evaluator = Evaluator(Scope({}, {}))
    for name, attribute in body.attributes.items():
        try:
            values[name] = evaluator.attribute(attribute)
        except Unresolvable as error:
            errors[name] = error
    return values, errors


@dataclass
class EnvModule:
    """A module seen with one environment's variable values: evaluate anything in it.

    `prefix` is the module's place in the configuration ("" for the root module,
    `module.alerts.` inside a module call): the addresses of its resources start with it.
    """

    module: Module
    env: str
    variables: Mapping[str, Any]
    evaluator: Evaluator
    prefix: str = ""

    def value(self, attribute: Attribute, bindings: dict[str, Any] | None = None) -> Any:
        if not bindings:
            return self.evaluator.attribute(attribute)
        return Evaluator(self.evaluator.scope.child(**bindings)).attribute(attribute)

    def instances(self, block: Block) -> list[Instance]:
        """The block's instances: one, or one per `for_each` key / `count` index."""
        for_each = block.body.attributes.get("for_each")
        count = block.body.attributes.get("count")
        if for_each is not None:
            collection = self.value(for_each)
            links = self.evaluator.scope.links
            if isinstance(collection, Ref) and links is not None:
                expanded = links.expand(collection)  # for_each = aws_iam_role.x: one per instance of it
                collection = expanded if expanded is not None else collection
            if isinstance(collection, list):
                collection = {str(item): item for item in collection}
            if not isinstance(collection, dict):
                raise Unresolvable(for_each.text, for_each.location, "for_each is not a map or set")
            return [Instance(self, block, {"each": {"key": k, "value": v}}) for k, v in collection.items()]
        if count is not None:
            number = self.value(count)
            if not isinstance(number, int):
                raise Unresolvable(count.text, count.location, "count is not a number")
            return [Instance(self, block, {"count": {"index": i}}) for i in range(number)]
        return [Instance(self, block, {})]


@dataclass
class Instance:
    """One instance of a resource or block, with its each/count bindings."""

    values: EnvModule
    block: Block
    bindings: dict[str, Any]

    def attribute(self, path: str) -> Attribute | None:
        """The attribute at `path` ("a", "nested.b"; the first nested block of that type)."""
        *nested, name = path.split(".")
        body = self.block.body
        for step in nested:
            found = body.blocks_of(step)
            if not found:
                return None
            body = found[0].body
        return body.attributes.get(name)

    def get(self, path: str) -> Any:
        """The value at `path`; KeyError when absent, Unresolvable when it cannot be computed."""
        attribute = self.attribute(path)
        if attribute is None:
            raise KeyError(path)
        return self.values.value(attribute, self.bindings)

    def nested(self, block_type: str) -> list[Instance]:
        """Nested blocks of a type, e.g. every `global_secondary_index`, `dynamic` ones expanded."""
        found = [Instance(self.values, b, self.bindings) for b in self.block.body.blocks_of(block_type)]
        for dynamic in self.block.body.blocks_of("dynamic"):
            if dynamic.labels != (block_type,):
                continue
            content = dynamic.body.blocks_of("content")
            for_each = dynamic.body.attributes.get("for_each")
            if not content or for_each is None:
                continue
            iterator = dynamic.body.attributes.get("iterator")
            name = iterator.text if iterator is not None else block_type
            collection = self.values.value(for_each, self.bindings)
            pairs = collection.items() if isinstance(collection, dict) else enumerate(collection or [])
            for key, item in pairs:
                bindings = {**self.bindings, name: {"key": key, "value": item}}
                found.append(Instance(self.values, content[0], bindings))
        return found

    @property
    def location(self) -> Location:
        return self.block.location

    @property
    def key(self) -> Any:
        """The instance key: `each.key`, `count.index`, or None for a resource without either."""
        if "each" in self.bindings:
            return self.bindings["each"]["key"]
        if "count" in self.bindings:
            return self.bindings["count"]["index"]
        return None

    @property
    def resource_address(self) -> str:
        """The resource's address in the whole configuration, without the instance key."""
        return self.values.prefix + self.block.address

    @property
    def address(self) -> str:
        """The instance's address: `aws_s3_bucket.audit[0]`, `module.alerts.aws_sns_topic.this`."""
        key = self.key
        return self.resource_address + ("" if key is None else f"[{json.dumps(key)}]")


def defaults(module: Module) -> dict[str, Any]:
    """The variables' defaults that are known without any other value."""
    found: dict[str, Any] = {}
    plain = Evaluator(Scope({}, {}))
    for name, block in module.variables.items():
        default = block.body.attributes.get("default")
        if default is not None:
            with contextlib.suppress(Unresolvable):
                found[name] = plain.attribute(default)
    return found


def with_environment(
    module: Module,
    env: str,
    tfvars: Mapping[str, Any],
    *,
    prefix: str = "",
    links: Links | None = None,
) -> EnvModule:
    """Variable defaults overlaid with the env's tfvars, as `terraform plan -var-file` would.

    For a module call, `tfvars` are its arguments (a mapping evaluated when read) and `prefix`
    its address; `links` let its expressions read other modules' outputs and resources' instances.
    """
    # A module call's arguments already fall back on the defaults (conformance.evidence.modules).
    variables = {**defaults(module), **tfvars} if isinstance(tfvars, dict) else tfvars
    scope = Scope(variables, module.locals, prefix=prefix, links=links)
    return EnvModule(module, env, variables, Evaluator(scope), prefix)
