"""The kit at any commit: one clone per git URL, and a tree checked out per commit rendered.

A repository is compared with what its recorded commit renders and updated to what a newer one
renders, so both renders come from the kit's history, never from a working copy that may hold
uncommitted changes. Clones and trees live in a scratch folder the caller owns.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


class FleetError(RuntimeError):
    """A kit or repository the fleet commands cannot work with; one line naming it."""


def git(folder: Path, *args: str, check: bool = True) -> str:
    result = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no reason given"])[-1]
        raise FleetError(f"git {' '.join(args)} failed in {folder}: {last}")
    return result.stdout.strip() if result.returncode == 0 else ""


class Kit:
    """One kit repository, cloned once from `url` into `scratch`."""

    def __init__(self, url: str, scratch: Path) -> None:
        self.url = url
        self.scratch = scratch
        self.clone = scratch / f"kit-{len(list(scratch.glob('kit-*')))}"
        result = subprocess.run(
            ["git", "clone", "--quiet", "--no-checkout", url, str(self.clone)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["no reason given"])[-1]
            raise FleetError(f"{url}: cannot clone the kit ({last})")
        self._trees: dict[str, Path] = {}

    def resolve(self, ref: str | None) -> str:
        """The commit `ref` names in the kit (a commit, tag or branch); None: its default branch's head."""
        for candidate in [ref, f"origin/{ref}"] if ref else ["HEAD"]:
            commit = git(self.clone, "rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}", check=False)
            if commit:
                return commit
        if ref is None:
            raise FleetError(f"{self.url}: its default branch (HEAD) names no commit; pass --to REF")
        raise FleetError(f"{self.url}: expected a commit, tag or branch of the kit, found {ref!r}")

    def has(self, commit: str) -> bool:
        return bool(git(self.clone, "rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}", check=False))

    def require(self, record_file: Path, commit: str) -> None:
        """FleetError naming the record when the kit lacks its commit (an unpushed kit commit: `--kit DIR`)."""
        if not self.has(commit):
            raise FleetError(
                f"{record_file}: commit: {commit} is not in the kit at {self.url} (not pushed yet? pass --kit DIR)"
            )

    def behind(self, commit: str, latest: str) -> int:
        """How many kit commits `latest` has that `commit` lacks."""
        return int(git(self.clone, "rev-list", "--count", f"{commit}..{latest}"))

    def tree(self, commit: str) -> Path:
        """The kit's files at `commit`, checked out once (a detached worktree of the clone)."""
        if commit not in self._trees:
            folder = self.scratch / f"tree-{commit[:12]}-{len(self._trees)}"
            git(self.clone, "worktree", "add", "--quiet", "--detach", str(folder), commit)
            self._trees[commit] = folder
        return self._trees[commit]


class Kits:
    """The kits of a fleet, one clone per URL; `source` (a folder or URL) replaces every recorded URL."""

    def __init__(self, scratch: Path, source: str | None = None) -> None:
        self.scratch = scratch
        self.source = source
        self._kits: dict[str, Kit] = {}

    def get(self, url: str) -> Kit:
        where = self.source or url
        if where not in self._kits:
            self._kits[where] = Kit(where, self.scratch)
        return self._kits[where]
