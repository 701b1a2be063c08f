"""A repository whose template commit is behind the kit's: the check of a platform-profile criterion.

Plain Python, no pytest: `behind_problems(repo, kit_commit)` says, at the `.cruft.json` line that
records the commit, how far behind the kit the repository's render is. With the kit's checkout
it counts the commits; without one it still says which commit it expected.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from conformance.core import Problem
from conformance.generate.git_repo import head_commit, origin_url
from conformance.generate.record import RECORD, RecordError, read_record, require_kit
from conformance.paths import PROJECT_ROOT
from conformance.safe_json import loads

CRITERION = "FLEET-TEMPLATE-CURRENT"
DISTRIBUTION = "bbws-conformance"


def kit_commit() -> tuple[str, Path | None] | None:
    """The commit of the kit this suite is, and its checkout to count commits in (None where there is none).

    A git checkout of the kit (an editable install, this project's own tests) says it; a kit installed
    by pip from git remembers it in its `direct_url.json` (PEP 610). Anything else: not known.
    """
    if (PROJECT_ROOT / ".git").exists() and (commit := head_commit(PROJECT_ROOT)):
        return commit, PROJECT_ROOT
    direct = _direct_url()
    commit = (direct.get("vcs_info") or {}).get("commit_id") if isinstance(direct, dict) else None
    return (commit, None) if isinstance(commit, str) and commit else None


def _direct_url() -> dict:
    """pip's record of where the kit was installed from (PEP 610), or {}."""
    try:
        direct = loads(metadata.distribution(DISTRIBUTION).read_text("direct_url.json") or "{}")
    except (metadata.PackageNotFoundError, ValueError):
        return {}
    return direct if isinstance(direct, dict) else {}


def kit_urls(checkout: Path | None = PROJECT_ROOT) -> tuple[str, ...]:
    """Where the kit is, as a `.cruft.json` names it (`template`): the checkout's folder and its `origin`
    remote, and the URL pip installed the kit from. A record naming anything else is not the kit's."""
    urls: list[str] = []
    if checkout is not None and (checkout / ".git").exists():
        urls += [origin_url(checkout), str(checkout)]
    if checkout == PROJECT_ROOT and isinstance(url := _direct_url().get("url"), str):
        urls.append(url)
    return tuple(dict.fromkeys(urls))


def _line_of(text: str, key: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith(f'"{key}"'):
            return number
    return 1


def _commits_between(kit: Path, old: str, new: str) -> int | None:
    result = subprocess.run(
        ["git", "rev-list", "--count", f"{old}..{new}"], cwd=kit, capture_output=True, text=True, check=False
    )
    return int(result.stdout) if result.returncode == 0 else None


def behind_problems(
    repo: Path, kit_commit: str, kit: Path | None = None, text: str | None = None, kits: Iterable[str] = ()
) -> list[Problem]:
    """[] when `repo` records `kit_commit` of the kit; otherwise one problem at its record's line that says why.

    `text`: the record as the caller read it (the suite reads files its own safe way, locally or
    through another host); without it the file is read here. The record's `template` must be the
    kit: one of `kits`, the URLs of the kit running this or of the checkout `kit`.
    """
    where = f"{repo.name}/{RECORD}"
    if text is None:
        with contextlib.suppress(OSError):  # read once here; when it cannot be, read_record says why
            text = (repo / RECORD).read_text(encoding="utf-8")
    try:
        record = read_record(repo, text)
        require_kit(record, [*kits, *kit_urls(), *(kit_urls(kit) if kit else ())])
    except RecordError as error:
        message = str(error).split(": ", 1)[1]
        field = message.split(":", 1)[0]
        line = _line_of(text, field) if text and field in ("template", "directory", "commit", "context") else 1
        return [Problem(f"{where}:{line}", message)]
    if record.commit == kit_commit:
        return []
    count = _commits_between(kit, record.commit, kit_commit) if kit else None
    behind = f"{count} kit commit{'s' * (count != 1)} behind; " if count else ""
    return [
        Problem(
            f"{where}:{_line_of(text, 'commit')}",
            f"expected the kit's commit {kit_commit[:12]}, found {record.commit[:12]} "
            f"({behind}run `python -m conformance fleet update --repos-root DIR`)",
            kit_commit,
            record.commit,
        )
    ]
