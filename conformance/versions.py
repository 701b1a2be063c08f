"""Terraform version constraints (`>= 1.10.0, < 2.0.0`, `~> 1.11`), checked without Terraform."""

from __future__ import annotations

import re

CONSTRAINT = re.compile(r"^\s*(=|!=|>=|<=|>|<|~>)?\s*v?(\d+(?:\.\d+){0,2})\s*$")


def parse_version(text: str) -> tuple[int, ...]:
    match = re.search(r"(\d+)\.(\d+)\.(\d+)", text)
    if not match:
        raise ValueError(f"expected a version like 1.11.4, found {text!r}")
    return tuple(int(p) for p in match.groups())


def satisfies(version: tuple[int, ...], constraints: str) -> bool:
    """Whether `version` meets every comma-separated constraint, as Terraform reads them."""
    for part in constraints.split(","):
        match = CONSTRAINT.match(part)
        if not match:
            raise ValueError(f"expected a version constraint like >= 1.10, found {part.strip()!r}")
        operator, number = match.group(1) or "=", match.group(2)
        given = [int(p) for p in number.split(".")]
        wanted = tuple(given + [0] * (3 - len(given)))
        if operator == "~>":
            upper = list(given[:-1]) if len(given) > 1 else given
            upper[-1] += 1
            if not (version >= wanted and version[: len(upper)] < tuple(upper)):
                return False
            continue
        checks = {
            "=": version == wanted,
            "!=": version != wanted,
            ">": version > wanted,
            ">=": version >= wanted,
            "<": version < wanted,
            "<=": version <= wanted,
        }
        if not checks[operator]:
            return False
    return True
