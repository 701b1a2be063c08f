"""The values an evaluated Terraform expression can have beyond plain Python data.

A reference to a resource, data source or module output stays symbolic (`Ref`) until apply, so a
check can still ask *which* resource a value points at, and *which instance* of it
(`aws_s3_bucket.audit[0]`, `aws_iam_role.lambda["api"]`) and *which attribute* (`.arn`, not
`.id`). A string with references in it stays a `Template`; `jsonencode(...)` keeps its structure
(`Encoded`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

Step = tuple[str, Any]  # ("attr", name) | ("index", key)

_STEP = re.compile(r'\.?([A-Za-z_][\w-]*)|\[(\d+|"(?:[^"\\]|\\.)*")\]')


def address_of(root: str, steps: list[Step]) -> str:
    """Terraform's own spelling: `aws_s3_bucket.audit[0].id`, `aws_iam_role.x["api"].name`."""
    text = root
    for kind, key in steps:
        text += f".{key}" if kind == "attr" else f"[{json.dumps(key)}]"
    return text


def steps_of(address: str) -> list[Step]:
    steps: list[Step] = []
    for match in _STEP.finditer(address):
        name, index = match.groups()
        steps.append(("attr", name) if name is not None else ("index", json.loads(index)))
    return steps


@dataclass(frozen=True)
class Ref:
    """A reference Terraform only knows after apply, e.g. `module.alerts.aws_sns_topic.this.arn`."""

    address: str

    @cached_property
    def _parts(self) -> tuple[str, Any, str]:
        """(resource address without instance key, instance key or None, attribute path)."""
        steps = steps_of(self.address)
        i, module = 0, ""
        while i + 1 < len(steps) and steps[i] == ("attr", "module") and steps[i + 1][0] == "attr":
            module += f"module.{steps[i + 1][1]}"
            i += 2
            if i < len(steps) and steps[i][0] == "index":
                module += f"[{json.dumps(steps[i][1])}]"
                i += 1
            module += "."
        width = 3 if i < len(steps) and steps[i] == ("attr", "data") else 2
        names = steps[i : i + width]
        if len(names) < width or any(kind != "attr" for kind, _ in names):
            # `module.x.output` not resolved to what it holds: the module call is the target.
            return module.rstrip("."), None, address_of("", steps[i:]).lstrip(".")
        target = module + ".".join(str(name) for _, name in names)
        i += width
        key = None
        if i < len(steps) and steps[i][0] == "index":
            key = steps[i][1]
            i += 1
        return target, key, address_of("", steps[i:]).lstrip(".")

    @property
    def target(self) -> str:
        """The referenced resource: `aws_sqs_queue.dlq`, `data.x.y`, `module.m.aws_sns_topic.t`."""
        return self._parts[0]

    @property
    def key(self) -> Any:
        """The instance key (`[0]`, `["api"]`) right after the resource, or None."""
        return self._parts[1]

    @property
    def attribute(self) -> str:
        """What is read of the resource: `arn`, `id`, `outputs.x` ("" for the resource itself)."""
        return self._parts[2]

    def step(self, kind: str, key: Any) -> Ref:
        return Ref(address_of(self.address, [(kind, key)]))

    def __str__(self) -> str:
        return "${" + self.address + "}"


@dataclass(frozen=True)
class Template:
    """A string with references in it: kept as parts so checks can still see the references."""

    parts: tuple[Any, ...]

    def __str__(self) -> str:
        return "".join(str(p) for p in self.parts)


@dataclass(frozen=True)
class Encoded:
    """The result of `jsonencode(value)`: a JSON string, with its structure kept."""

    value: Any

    def __str__(self) -> str:
        return json.dumps(self.value, default=str, separators=(",", ":"))


REF_IN_TEXT = re.compile(r"^\$\{([\w.\-\[\]\"]+)\}$")


def decode_json(value: Any) -> Any:
    """A JSON document from `jsonencode(...)`, a heredoc or a plain string; refs come back as Ref."""
    if isinstance(value, Encoded):
        return value.value
    if isinstance(value, dict | list):
        return value
    document = json.loads(str(value))

    def refs(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: refs(v) for k, v in node.items()}
        if isinstance(node, list):
            return [refs(v) for v in node]
        if isinstance(node, str) and (match := REF_IN_TEXT.match(node)):
            return Ref(match.group(1))
        return node

    return refs(document)


def normalise_number(value: float | int) -> float | int:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def unescape(text: str) -> str:
    escapes = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), text)


def symbolic(value: Any) -> bool:
    """Known only after apply: a reference, or a string built with one."""
    return isinstance(value, Ref | Template)


def join_template(pieces: list[Any]) -> Any:
    """A string when every piece is known, a Template when a reference is inside."""
    if len(pieces) == 1 and not isinstance(pieces[0], str):
        return pieces[0]  # "${x}" is x itself, whatever its type
    if any(symbolic(p) for p in pieces):
        flat: list[Any] = []
        for p in pieces:
            flat.extend(p.parts if isinstance(p, Template) else [p])
        return Template(tuple(flat))
    return "".join(to_string(p) for p in pieces)


def to_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(normalise_number(value))
    if value is None:
        raise ValueError("null in a string template")
    if isinstance(value, dict | list):
        raise ValueError("a collection in a string template")
    return str(value)


def to_bool(value: Any) -> bool:
    """Terraform's conversion to bool: a bool, or the strings "true"/"false"; anything else is an error."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    raise ValueError(f"{value!r} is not a bool")
