"""Where repository files are read from: this machine, or another host through testinfra.

Local runs read files directly (no subprocess per file); with `--hosts ssh://runner` the same
checks read a checkout on that host through pytest-testinfra's `host`, one command per read.
"""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path, PurePosixPath
from typing import Any, Protocol


class RepoFiles(Protocol):
    """The reads the static checks need, relative to the repositories' root folder."""

    where: str

    def read(self, relative: str) -> str | None: ...
    def exists(self, relative: str) -> bool: ...
    def is_file(self, relative: str) -> bool: ...
    def is_dir(self, relative: str) -> bool: ...
    def list(self, folder: str, suffixes: tuple[str, ...], recursive: bool = False) -> list[str]: ...
    def commit_count(self, repo: str) -> int | str: ...
    def local_path(self, relative: str) -> Path | None: ...


class LocalFiles:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.where = str(root)

    def read(self, relative: str) -> str | None:
        try:
            return (self.root / relative).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def exists(self, relative: str) -> bool:
        return (self.root / relative).exists()

    def is_file(self, relative: str) -> bool:
        return (self.root / relative).is_file()

    def is_dir(self, relative: str) -> bool:
        return (self.root / relative).is_dir()

    def list(self, folder: str, suffixes: tuple[str, ...], recursive: bool = False) -> list[str]:
        base = self.root / folder
        paths = base.rglob("*") if recursive else base.glob("*")
        return sorted(str(p.relative_to(self.root)) for p in paths if p.is_file() and p.suffix in suffixes)

    def commit_count(self, repo: str) -> int | str:
        path = self.root / repo
        if not (path / ".git").exists():
            return "not a git repository"
        result = subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=path, capture_output=True, text=True)
        return int(result.stdout.strip()) if result.returncode == 0 else "no commit yet"

    def local_path(self, relative: str) -> Path | None:
        return self.root / relative


class HostFiles:
    """Reads through a testinfra host (`testinfra.get_host("ssh://runner")`)."""

    def __init__(self, host: Any, root: str) -> None:
        self.host = host
        self.root = PurePosixPath(root)
        self.where = f"{host.backend.get_pytest_id()}:{root}"

    def _path(self, relative: str) -> str:
        return str(self.root / relative) if relative else str(self.root)

    def read(self, relative: str) -> str | None:
        result = self.host.run(f"cat -- {shlex.quote(self._path(relative))}")
        return result.stdout if result.rc == 0 else None

    def exists(self, relative: str) -> bool:
        return self.host.file(self._path(relative)).exists

    def is_file(self, relative: str) -> bool:
        return self.host.file(self._path(relative)).is_file

    def is_dir(self, relative: str) -> bool:
        return self.host.file(self._path(relative)).is_directory

    def list(self, folder: str, suffixes: tuple[str, ...], recursive: bool = False) -> list[str]:
        depth = "" if recursive else "-maxdepth 1 "
        result = self.host.run(f"find {shlex.quote(self._path(folder))} {depth}-type f")
        if result.rc != 0:
            return []
        found = [PurePosixPath(line) for line in result.stdout.splitlines() if line.strip()]
        return sorted(str(p.relative_to(self.root)) for p in found if p.suffix in suffixes)

    def commit_count(self, repo: str) -> int | str:
        if not self.exists(f"{repo}/.git"):
            return "not a git repository"
        result = self.host.run(f"git -C {shlex.quote(self._path(repo))} rev-list --count HEAD")
        return int(result.stdout.strip()) if result.rc == 0 else "no commit yet"

    def local_path(self, relative: str) -> Path | None:
        return None  # terraform runs only on a local checkout
