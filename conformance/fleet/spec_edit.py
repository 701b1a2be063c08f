"""Add a Lambda to `infra/platform.yaml` by inserting one line of text: comments and layout stay as written.

The new entry goes after the last one of `lambdas.functions`, in the list's own style (a flow mapping
per line, or block mappings), and the result is read back: it must hold exactly the old spec plus
the new Lambda, or nothing is written.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from conformance.fleet.kit import FleetError
from conformance.platform.model import LambdaFunction

FIELDS = ("name", "kind", "http_method", "path", "operation", "dynamodb", "authorization", "queue")


def function_entry(function: LambdaFunction) -> dict[str, Any]:
    """The spec entry of a Lambda, in the order the spec writes its fields (no empty trigger fields)."""
    entry = {key: getattr(function, key) for key in FIELDS}
    entry["kind"], entry["operation"] = function.kind.value, function.operation.value
    return {k: v for k, v in entry.items() if v is not None}


def _scalar(value: object, flow: bool) -> str:
    """A value as YAML that reads back as itself: plain where it can be, double-quoted where not."""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    probe = f"{{k: {text}}}" if flow else f"k: {text}"
    try:
        plain = yaml.safe_load(probe) == {"k": text}
    except yaml.YAMLError:
        plain = False
    return text if plain else json.dumps(text)


def _functions_node(text: str, source: str) -> yaml.SequenceNode:
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    node: yaml.Node | None = root
    for key in ("lambdas", "functions"):
        if not isinstance(node, yaml.MappingNode):
            raise FleetError(f"{source}: lambdas.functions: expected a list of Lambdas, found none")
        node = next((v for k, v in node.value if k.value == key), None)
    if not isinstance(node, yaml.SequenceNode) or not node.value or node.flow_style:
        raise FleetError(f"{source}: lambdas.functions: expected a block list of Lambdas, found {node and node.tag}")
    return node


def insert_function(text: str, function: LambdaFunction, source: str) -> str:
    """`text` with `function` added after the last entry of `lambdas.functions`."""
    node = _functions_node(text, source)
    last = node.value[-1]
    lines = text.splitlines(keepends=True)
    block = isinstance(last, yaml.MappingNode) and not last.flow_style and last.value
    tail = last.value[-1][1] if block else last  # a block mapping ends where its last value does, not at the
    end = tail.end_mark.line - (1 if tail.end_mark.column == 0 else 0)  # comments after it
    dash = node.start_mark.column
    entry = function_entry(function)
    if isinstance(last, yaml.MappingNode) and last.flow_style:
        body = ", ".join(f"{k}: {_scalar(v, flow=True)}" for k, v in entry.items())
        new = [f"{' ' * dash}- {{{body}}}\n"]
    else:
        pad = " " * (dash + 2)
        new = [f"{' ' * dash}- " if i == 0 else pad for i in range(len(entry))]
        new = [f"{lead}{k}: {_scalar(v, flow=False)}\n" for lead, (k, v) in zip(new, entry.items(), strict=True)]
    if not lines[end].endswith("\n"):
        lines[end] += "\n"
    result = "".join(lines[: end + 1] + new + lines[end + 1 :])
    before, after = yaml.safe_load(text), yaml.safe_load(result)
    before["lambdas"]["functions"].append(entry)
    if after != before:
        raise FleetError(f"{source}: lambdas.functions: cannot add {function.name} as one line in the list's style")
    return result
