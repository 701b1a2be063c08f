"""Read `platform.yaml` into the model, turning every failure into one readable line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from conformance.platform.model import Platform, SpecProblems
from conformance.safe_yaml import BadYaml, read_yaml

# A spec is a few kilobytes; anything near this is not a spec.
MAX_SPEC_BYTES = 1_000_000


class PlatformError(ValueError):
    """A spec that cannot be used; `str()` is one line per problem: file: field: what is wrong."""


def describe_errors(source: str, error: ValidationError) -> str:
    """One line per validation error, naming the field path, the value seen and the rule."""
    lines = []
    for item in error.errors():
        location = [str(part) for part in item["loc"]]
        cause = (item.get("ctx") or {}).get("error")
        if isinstance(cause, SpecProblems):
            for field, message in cause.problems:
                lines.append(f"{source}: {'.'.join([*location, field] if field else location)}: {message}")
            continue
        field = ".".join(location) or "(top level)"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "missing":
            message = "expected a value, found none"
        elif "found" not in message:
            message = message.replace("Input should be", "expected", 1)
            message = f"{message[0].lower()}{message[1:]}, found {_shown(item.get('input'))}"
        lines.append(f"{source}: {field}: {message}")
    return "\n".join(lines)


def _shown(value: Any) -> str:
    """A value as the error line shows it: repr, cut short, on one line."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def parse_platform(data: Any, source: str = "platform") -> Platform:
    """Validate already-loaded data; `source` names it in errors."""
    if not isinstance(data, dict):
        found = "nothing" if data is None else type(data).__name__
        raise PlatformError(f"{source}: expected a mapping at the top level, found {found}")
    try:
        return Platform.model_validate(data)
    except ValidationError as error:
        raise PlatformError(describe_errors(source, error)) from None


def load_platform(path: Path | str) -> Platform:
    """Load and validate the spec file at `path`: no duplicate keys, no YAML aliases, at most 1 MB."""
    try:
        data = read_yaml(path, str(path), max_bytes=MAX_SPEC_BYTES, allow_aliases=False)
    except BadYaml as error:
        raise PlatformError(str(error).replace(": cannot read (", ": cannot read the platform spec (", 1)) from None
    return parse_platform(data, str(path))
