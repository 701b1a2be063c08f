"""Three-way merge of one file: the base render, the repository's version, the new render (`git merge-file`)."""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Merged:
    """The file's new content (None: removed), or a conflict saying why."""

    path: str
    content: bytes | None
    conflict: str | None = None


def merge_file(path: str, base: bytes | None, ours: bytes | None, theirs: bytes | None) -> Merged | None:
    """What the update does to `path`: None when the repository keeps its own version untouched.

    `base` is what the recorded commit renders, `theirs` what the new commit renders, `ours` the
    repository's file (None where missing). The template's change applies when the repository kept
    the base; a change on both sides is merged line by line, and where they overlap it is a conflict.
    """
    if base == theirs or ours == theirs:
        return None  # the template did not change it, or the repository already has the change
    if ours == base:
        return Merged(path, theirs)
    if ours is None:
        return Merged(path, None, "deleted here, changed in the template")
    if theirs is None:
        return Merged(path, None, "changed here, deleted from the template")
    if base is None:
        return Merged(path, None, "added here and in the template, differently")
    with tempfile.TemporaryDirectory(prefix="merge-") as scratch:
        files = []
        for name, data in (("ours", ours), ("base", base), ("theirs", theirs)):
            file = Path(scratch) / name
            file.write_bytes(data)
            files.append(str(file))
        result = subprocess.run(
            ["git", "merge-file", "-p", "-L", "local", "-L", "base", "-L", "kit", *files],
            capture_output=True,
            check=False,
        )
    if result.returncode == 0:
        return Merged(path, result.stdout)
    if result.returncode > 0:
        return Merged(path, None, f"{result.returncode} overlapping change{'s' * (result.returncode != 1)}")
    return Merged(path, None, f"cannot be merged ({result.stderr.decode(errors='replace').strip()})")
