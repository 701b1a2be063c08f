"""Files both templates share, rendered by the post-generation hook.

Cookiecutter renders a file once; the deploy workflows, tfvars and backend settings exist once
per environment, and the environments come from the spec. Keeping these files in one shared
folder means the two templates cannot drift apart in how they deploy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from conformance.paths import TEMPLATES

SHARED = TEMPLATES / "_shared"
COMMON = SHARED / "common"
PER_ENV = SHARED / "per_env"
ENV_TOKEN = "__env__"


def yaml_scalar(value: object) -> str:
    """A string as a YAML scalar that reads back as that very string: plain where YAML would read it
    so (`sit`), double-quoted where it would not (`yes`, `1.10`, `null`, `a #b`)."""
    text = str(value)
    try:
        plain = yaml.safe_load(f"k: {text}") == {"k": text}
    except yaml.YAMLError:
        plain = False
    return text if plain and "\n" not in text else json.dumps(text)


def _jinja() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(str(SHARED)),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["yaml_scalar"] = yaml_scalar
    return environment


def repo_name(context: dict[str, Any]) -> str:
    """The repository being rendered (the hooks have validated the answers it is made of)."""
    platform = context["_platform"]
    if "lambda_name" in context:
        return platform["lambda_repo"].replace("{name}", context["lambda_name"])
    return context["repo_name"]


def environment_values(context: dict[str, Any], env: str) -> dict[str, Any]:
    """One env as the per-env files see it: spec settings plus the region/account answers."""
    platform = context["_platform"]
    settings = dict(platform["environments"][env])
    account_id = str(context[f"{env}_account_id"])
    # The repository's own deploy role in the env's account (created by the account bootstrap).
    role = platform["github"]["repo_deploy_role"].replace("{repo}", repo_name(context)).replace("{env}", env)
    settings.update(
        region=context[f"{env}_region"],
        account_id=account_id,
        deploy_role_arn=f"arn:aws:iam::{account_id}:role/{role}",
        github_environment=settings.get("approval_environment") or settings["name"],
    )
    return settings


def _sources(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def render_shared_files(context: dict[str, Any], project: Path) -> list[Path]:
    """Write the common files and every per-env file into `project`; return what was written."""
    jinja = _jinja()
    repo_kind = "lambda" if "lambda_name" in context else "infrastructure"
    base = {"cookiecutter": context, "repo_kind": repo_kind}
    written = []
    for source in _sources(COMMON):
        relative = source.relative_to(COMMON)
        text = jinja.get_template(source.relative_to(SHARED).as_posix()).render(base)
        written.append(_write(project / relative, text, executable=bool(source.stat().st_mode & 0o111)))
    for env in context["_platform"]["env_names"]:
        values = {**base, "env": environment_values(context, env)}
        for source in _sources(PER_ENV):
            relative = Path(str(source.relative_to(PER_ENV)).replace(ENV_TOKEN, env))
            text = jinja.get_template(source.relative_to(SHARED).as_posix()).render(values)
            written.append(_write(project / relative, text))
    return written


def _write(path: Path, text: str, executable: bool = False) -> Path:
    """Write a rendered file; an executable source (scripts/deploy.sh) stays executable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if executable:
        path.chmod(path.stat().st_mode | 0o111)
    return path
