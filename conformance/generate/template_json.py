"""Keep each template's cookiecutter.json in step with the spec (they are derived, never edited)."""

from __future__ import annotations

import json
from pathlib import Path

from conformance.generate.answers import infrastructure_template_json, lambda_template_json
from conformance.paths import TEMPLATES
from conformance.platform.model import Platform


def expected_template_json(platform: Platform, templates: Path = TEMPLATES) -> dict[Path, str]:
    """cookiecutter.json path -> the text it must hold for this spec (`templates`: a kit's cookiecutters/)."""
    files = {
        templates / "infrastructure" / "cookiecutter.json": infrastructure_template_json(platform),
        templates / "lambda" / "cookiecutter.json": lambda_template_json(platform),
    }
    return {path: json.dumps(data, indent=2) + "\n" for path, data in files.items()}


def stale_template_json(platform: Platform) -> list[Path]:
    """The cookiecutter.json files that do not match the spec."""
    stale = []
    for path, text in expected_template_json(platform).items():
        try:
            if path.read_text(encoding="utf-8") != text:
                stale.append(path)
        except FileNotFoundError:
            stale.append(path)
    return stale


def write_template_json(platform: Platform) -> list[Path]:
    """Rewrite the stale cookiecutter.json files; return the ones written."""
    written = stale_template_json(platform)
    expected = expected_template_json(platform)
    for path in written:
        path.write_text(expected[path], encoding="utf-8")
    return written
