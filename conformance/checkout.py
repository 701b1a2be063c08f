"""Which of the spec's repositories a checked-out folder is (`--repo DIR`, `--infra-repo DIR`).

The recorded identity comes first: a generated repository's `.cruft.json` names it (`__repo_name`,
the infrastructure template's `repo_name`, or a Lambda's `lambda_name`), whatever its folder is called
(a clone renamed by its owner). Without a record naming one, the folder's name decides, as a CI
checkout is named after its repository (`$GITHUB_WORKSPACE` ends in the repository's name). A record
naming a repository the spec does not have is refused, as is a folder matching none: one line naming
what was seen and the spec's names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conformance.evidence.files import RepoFiles, Unreadable
from conformance.generate.record import RECORD
from conformance.platform.model import Platform
from conformance.safe_json import loads

# The answers a record names its repository by, in order: the computed name (both templates), the
# infrastructure's answer, a Lambda's answer (whose repository the spec's pattern names).
NAME_ANSWERS = ("__repo_name", "repo_name")
LAMBDA_ANSWER = "lambda_name"


class CheckoutError(ValueError):
    """A folder that is not one of the spec's repositories (one line)."""


def recorded_name(text: str, where: str, platform: Platform) -> str | None:
    """The repository the record names, or None when it names none (a record of another template)."""
    try:
        data: Any = loads(text)  # bounded: a record nested too deeply is one line too
    except ValueError as error:
        found = str(error).removeprefix("expected JSON, found ")
        raise CheckoutError(f"{where}: expected JSON (the kit's answers), found {found}") from None
    context = data.get("context") if isinstance(data, dict) else None
    answers = context.get("cookiecutter") if isinstance(context, dict) else None
    if not isinstance(answers, dict):
        return None
    for key in NAME_ANSWERS:
        if isinstance(answers.get(key), str) and answers[key]:
            return str(answers[key])
    lambda_name = answers.get(LAMBDA_ANSWER)
    for function in platform.lambdas.functions:
        if function.name == lambda_name:
            return platform.lambda_repo(function)
    return f"the Lambda {lambda_name!r}" if isinstance(lambda_name, str) else None


def identify(folder: Path, files: RepoFiles, platform: Platform, option: str = "--repo") -> str:
    """The spec's name for the repository checked out at `folder` (read through `files`, rooted there)."""
    known = platform.repo_names
    names = ", ".join(known)
    record = files.read(RECORD)
    where = f"{folder}/{RECORD}"
    if isinstance(record, Unreadable):
        raise CheckoutError(f"{option}: {where}:{record.line}: {record.reason}")
    try:
        name = recorded_name(record, where, platform) if isinstance(record, str) else None
    except CheckoutError as error:
        raise CheckoutError(f"{option}: {error}") from None
    if name is not None:
        if name in known:
            return name
        raise CheckoutError(f"{option}: {where} records the repository {name}, expected one of the spec's: {names}")
    seen = folder.resolve().name if folder.name in ("", ".", "..") else folder.name
    if seen in known:
        return seen
    what = "no .cruft.json naming it" if record is None else f"a {RECORD} naming no repository"
    raise CheckoutError(
        f"{option}: {folder}: expected one of the spec's repositories ({names}), found a folder named {seen!r} "
        f"with {what}"
    )
