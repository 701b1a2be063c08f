"""Repositories checked out wherever they are: each of the spec's names read from its own folder.

A per-repository run (`--repo DIR`, and `--infra-repo DIR` for the cross-repository contract) hands
the suite folders named anything (a CI checkout, a clone renamed by its owner). The checks address
files as `<repository>/<path>`, as under a repos root; `Checkouts` sends each read to the reader of
that repository's own folder, and names refused files the same way (`<repository>/<path>`). Each
folder is its own root: a link from one checkout into another, or out of it, is refused like a link
leaving the repos root. A repository not given is simply not there.
"""

from __future__ import annotations

from pathlib import Path

from conformance.evidence.files import RepoFiles, Unreadable


def _named(found: Unreadable, repo: str) -> Unreadable:
    return Unreadable(f"{repo}/{found.file}" if found.file else repo, found.reason, found.line)


class Checkouts:
    """A RepoFiles over several folders, one per repository (by the spec's name)."""

    def __init__(self, folders: dict[str, RepoFiles]) -> None:
        self.folders = folders
        self.where = ", ".join(f"{files.where} (as {repo})" for repo, files in folders.items())

    @property
    def repos(self) -> frozenset[str]:
        return frozenset(self.folders)

    def _split(self, relative: str) -> tuple[RepoFiles | None, str, str]:
        repo, _, rest = relative.strip("/").partition("/")
        return self.folders.get(repo), repo, rest

    def read(self, relative: str, limit: int | None = None) -> str | Unreadable | None:
        files, repo, rest = self._split(relative)
        if files is None:
            return None
        found = files.read(rest, limit)
        return _named(found, repo) if isinstance(found, Unreadable) else found

    def check(self, relative: str) -> Unreadable | None:
        files, repo, rest = self._split(relative)
        found = files.check(rest) if files is not None else None
        return _named(found, repo) if found is not None else None

    def exists(self, relative: str) -> bool:
        if not relative.strip("/"):
            return True
        files, _, rest = self._split(relative)
        return files is not None and files.exists(rest)

    def is_file(self, relative: str) -> bool:
        files, _, rest = self._split(relative)
        return files is not None and bool(rest) and files.is_file(rest)

    def is_dir(self, relative: str) -> bool:
        if not relative.strip("/"):
            return True
        files, _, rest = self._split(relative)
        return files is not None and files.is_dir(rest)

    def list(self, folder: str, suffixes: tuple[str, ...] | None, recursive: bool = False) -> list[str]:
        files, repo, rest = self._split(folder)
        if files is None:
            return []
        return [f"{repo}/{path}" for path in files.list(rest, suffixes, recursive)]

    def commit_count(self, repo: str) -> int | str:
        files, _, rest = self._split(repo)
        if files is None:
            return "not given"
        return files.commit_count(rest)

    def local_path(self, relative: str) -> Path | None:
        files, _, rest = self._split(relative)
        return files.local_path(rest) if files is not None else None
