"""A repository whose template commit is behind the kit's: the check of a platform-profile criterion.

Plain Python, no pytest: `behind_problems(repo, kit_commit)` says, at the `.cruft.json` line that
records the commit, how far behind the kit the repository's render is. With the kit's checkout
it counts the commits; without one it still says which commit it expected.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
from importlib import metadata
from pathlib import Path

from conformance.core import Problem
from conformance.generate.git_repo import head_commit
from conformance.generate.record import RECORD, RecordError, read_record
from conformance.paths import PROJECT_ROOT

CRITERION = "FLEET-TEMPLATE-CURRENT"
DISTRIBUTION = "bbws-conformance"


def kit_commit() -> tuple[str, Path | None] | None:
    """The commit of the kit this suite is, and its checkout to count commits in (None where there is none).

    A git checkout of the kit (an editable install, this project's own tests) says it; a kit installed
    by pip from git remembers it in its `direct_url.json` (PEP 610). Anything else: not known.
    """
    if (PROJECT_ROOT / ".git").exists() and (commit := head_commit(PROJECT_ROOT)):
        return commit, PROJECT_ROOT
    try:
        direct = json.loads(metadata.distribution(DISTRIBUTION).read_text("direct_url.json") or "{}")
    except (metadata.PackageNotFoundError, ValueError):
        return None
    commit = (direct.get("vcs_info") or {}).get("commit_id") if isinstance(direct, dict) else None
    return (commit, None) if isinstance(commit, str) and commit else None


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


def behind_problems(repo: Path, kit_commit: str, kit: Path | None = None, text: str | None = None) -> list[Problem]:
    """[] when `repo` records `kit_commit`; otherwise one problem at its record's commit line.

    `text`: the record as the caller read it (the suite reads files its own safe way, locally or
    through another host); without it the file is read here.
    """
    where = f"{repo.name}/{RECORD}"
    if text is None:
        with contextlib.suppress(OSError):  # read once here; when it cannot be, read_record says why
            text = (repo / RECORD).read_text(encoding="utf-8")
    try:
        record = read_record(repo, text)
    except RecordError as error:
        return [Problem(f"{where}:1", str(error).split(": ", 1)[1])]
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
