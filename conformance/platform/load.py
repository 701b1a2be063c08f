"""Read `platform.yaml` into the model, turning every failure into one readable line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from conformance.platform.model import Platform


class PlatformError(ValueError):
    """A spec that cannot be used; `str()` is one line per problem: file: field: what is wrong."""


def describe_errors(source: str, error: ValidationError) -> str:
    """One line per validation error, naming the field path, the value seen and the rule."""
    lines = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "missing":
            message = "expected a value, found none"
        elif "found" not in message:
            message = message.replace("Input should be", "expected", 1)
            message = f"{message[0].lower()}{message[1:]}, found {item.get('input')!r}"
        lines.append(f"{source}: {field}: {message}")
    return "\n".join(lines)


def parse_platform(data: Any, source: str = "platform") -> Platform:
    """Validate already-loaded data; `source` names it in errors."""
    if not isinstance(data, dict):
        raise PlatformError(f"{source}: expected a mapping at the top level, found {type(data).__name__}")
    try:
        return Platform.model_validate(data)
    except ValidationError as error:
        raise PlatformError(describe_errors(source, error)) from None


def load_platform(path: Path | str) -> Platform:
    """Load and validate the spec file at `path`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PlatformError(f"{path}: cannot read the platform spec ({error.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise PlatformError(f"{where}: not valid YAML ({getattr(error, 'problem', error)})") from None
    return parse_platform(data, str(path))
