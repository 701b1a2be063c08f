"""Terraform's built-in functions that the static evaluator computes (the others are "cannot resolve").

Most functions need known values; a few only move values around (`concat`, `element`, `one`,
`merge`, ...) and so work with references inside, as Terraform's would after apply.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from conformance.evidence.terms import Encoded, decode_json, join_template, normalise_number, to_string

VERB = re.compile(r"%[-+ #0-9.]*([sdvqft%])")


def format_template(spec: str, args: list[Any]) -> Any:
    """format() whose arguments include references: a Template with the references in place."""
    pieces: list[Any] = []
    values = iter(args)
    position = 0
    for match in VERB.finditer(spec):
        pieces.append(spec[position : match.start()])
        pieces.append("%" if match.group(1) == "%" else next(values))
        position = match.end()
    pieces.append(spec[position:])
    return join_template([p for p in pieces if p != ""])


def hcl_format(spec: str, *args: Any) -> str:
    values = iter(args)

    def verb(match: re.Match[str]) -> str:
        code = match.group(1)
        if code == "%":
            return "%"
        value = next(values)
        if code == "q":
            return json.dumps(to_string(value))
        if code == "d":
            return str(int(value))
        return to_string(value)

    return VERB.sub(verb, spec)


def _number(value: Any) -> int | float:
    return normalise_number(float(value)) if isinstance(value, str) else value


def _one(items: list[Any]) -> Any:
    if len(items) > 1:
        raise ValueError(f"must have zero or one elements, found {len(items)}")
    return items[0] if items else None


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "format": hcl_format,
    "jsonencode": lambda value: Encoded(value),
    "jsondecode": lambda text: decode_json(text),
    "lower": lambda s: to_string(s).lower(),
    "upper": lambda s: to_string(s).upper(),
    "title": lambda s: to_string(s).title(),
    "trimspace": lambda s: to_string(s).strip(),
    "trimprefix": lambda s, prefix: to_string(s).removeprefix(prefix),
    "trimsuffix": lambda s, suffix: to_string(s).removesuffix(suffix),
    "replace": lambda s, old, new: to_string(s).replace(old, new),
    "join": lambda sep, items: sep.join(to_string(i) for i in items),
    "split": lambda sep, s: to_string(s).split(sep),
    "concat": lambda *lists: [i for lst in lists for i in lst],
    "merge": lambda *maps: {k: v for m in maps for k, v in m.items()},
    "tostring": to_string,
    "tonumber": _number,
    "tobool": lambda v: v if isinstance(v, bool) else {"true": True, "false": False}[v],
    "tolist": list,
    "toset": lambda items: sorted(set(items), key=str),
    "tomap": dict,
    "length": len,
    "lookup": lambda m, k, *default: m[k] if k in m or not default else default[0],
    "element": lambda items, i: items[int(i) % len(items)],
    "one": _one,
    "coalesce": lambda *values: next(v for v in values if v not in (None, "")),
    "compact": lambda items: [i for i in items if i not in (None, "")],
    "max": lambda *values: max(values),
    "min": lambda *values: min(values),
    "abs": abs,
    "contains": lambda items, value: value in items,
    "keys": lambda m: sorted(m),
    "values": lambda m: [m[k] for k in sorted(m)],
    "flatten": lambda items: [i for sub in items for i in (sub if isinstance(sub, list) else [sub])],
    "distinct": lambda items: list(dict.fromkeys(items)),
    "substr": lambda s, offset, length: to_string(s)[int(offset) : int(offset) + int(length)],
}

# Functions that only move values around: references inside their arguments are fine.
STRUCTURAL = frozenset(
    {"jsonencode", "concat", "merge", "tolist", "toset", "tomap", "length", "lookup", "element", "one"}
    | {"compact", "keys", "values", "flatten", "distinct", "coalesce"}
)
