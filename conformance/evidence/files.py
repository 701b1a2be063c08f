"""Where repository files are read from: this machine, or another host through testinfra.

Local runs read files directly (no subprocess per file); with `--hosts ssh://runner` the same
checks read a checkout on that host through pytest-testinfra's `host`, one command per read.

Both read only what the repositories hold, and never more than a bounded amount of it: a path
is resolved first, and refused (an `Unreadable`, which names the file and why, never its
content) when it leads out of the repos root through a link, when it is not a regular file (a
FIFO, a socket, a device: never opened, so never blocked on), when it is larger than the limit
per file (5 MB), or when it is not UTF-8. A link inside the root to a file inside it is read.

Over 400 lines as one idea: the one safe way a repository file is read.
"""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

MAX_BYTES = 5 * 1024 * 1024  # per file
# Per HCL file (.tf, .tfvars, ...): python-hcl2 (Lark) parses about 30 KB a second and holds ~300 bytes per
# byte of input (measured: 0.23 MB in 5 s / 90 MB, 0.97 MB in 37 s / 280 MB, 4.98 MB in 77-106 s / 1.3 GB),
# so the 5 MB limit bounded nothing. The largest file of the generated fleet is 15 KB: a quarter of a
# megabyte is seventeen times that, and costs at most a few seconds and under 100 MB.
HCL_MAX_BYTES = 256 * 1024
SKIPPED_FOLDERS = frozenset({".git", ".terraform"})  # never listed: git's and terraform's own, not the repo's
GIT_TIMEOUT = 60

LINK_OUT = "a link leaving the repos root"
LEAVES_ROOT = f"is {LINK_OUT}"
DANGLING = "is a link to nothing"


@dataclass(frozen=True)
class Unreadable:
    """A file the suite refuses to read, and why (`file` is relative to the repos root)."""

    file: str
    reason: str
    line: int = 1  # 0: a folder, or an entry refused without being read

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.6g} MB"


def too_large(limit: int, size: int | None = None) -> str:
    found = f" ({megabytes(size)})" if size is not None else ""
    return f"is larger than the {megabytes(limit)} limit per file{found}"


def not_regular(kind: str) -> str:
    return f"is a {kind}, not a regular file"


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    for test, kind in (
        (stat.S_ISDIR, "folder"),
        (stat.S_ISFIFO, "FIFO"),
        (stat.S_ISSOCK, "socket"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
    ):
        if test(mode):
            return kind
    return "special file"


def decode(data: bytes, limit: int) -> tuple[str | None, str, int]:
    """(text, "", 0), or (None, why not, the line where it fails)."""
    if len(data) > limit:
        return None, too_large(limit), 1
    try:
        return data.decode("utf-8"), "", 0
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return None, f"is not UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start})", line


def read_regular(path: str, limit: int = MAX_BYTES) -> str | tuple[str, int]:
    """A regular file's text, or (why it is refused, line): never opens a FIFO or device, reads at most limit + 1 bytes.

    The file is opened without following a last link and without blocking, and checked again
    once open, so a FIFO or link swapped in after the first look cannot hang the run or lead out.
    """
    try:
        status = os.stat(path)
        if not stat.S_ISREG(status.st_mode):
            return not_regular(kind_of(status.st_mode)), 1
        if status.st_size > limit:
            return too_large(limit, status.st_size), 1
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        descriptor = os.open(path, flags)
    except OSError as error:
        return f"cannot be read: {error.strerror or error}", 1
    try:
        opened = os.fstat(descriptor)
        if not stat.S_ISREG(opened.st_mode):
            return not_regular(kind_of(opened.st_mode)), 1
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0 and (chunk := os.read(descriptor, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as error:
        return f"cannot be read: {error.strerror or error}", 1
    finally:
        os.close(descriptor)
    text, reason, line = decode(b"".join(chunks), limit)
    return text if text is not None else (reason, line)


class RepoFiles(Protocol):
    """The reads the static checks need, relative to the repositories' root folder."""

    where: str

    def read(self, relative: str, limit: int | None = None) -> str | Unreadable | None: ...
    def check(self, relative: str) -> Unreadable | None: ...
    def exists(self, relative: str) -> bool: ...
    def is_file(self, relative: str) -> bool: ...
    def is_dir(self, relative: str) -> bool: ...
    def list(self, folder: str, suffixes: tuple[str, ...] | None, recursive: bool = False) -> list[str]: ...
    def commit_count(self, repo: str) -> int | str: ...
    def local_path(self, relative: str) -> Path | None: ...


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


class LocalFiles:
    def __init__(self, root: Path, limit: int = MAX_BYTES) -> None:
        self.root = root
        self.where = str(root)
        self.limit = limit
        self.real_root = os.path.realpath(root)

    def _inside(self, real: str) -> bool:
        return real == self.real_root or real.startswith(self.real_root.rstrip(os.sep) + os.sep)

    def _lexical(self, relative: str) -> str:
        return os.path.join(self.root, relative) if relative else str(self.root)

    def _locate(self, relative: str) -> tuple[str, str | None]:
        """(the path with every link resolved, why it is refused when it leads out of the root)."""
        real = os.path.realpath(self._lexical(relative))
        if self._inside(real):
            return real, None
        parts = [p for p in relative.split("/") if p]
        for depth in range(1, len(parts) + 1):
            step = "/".join(parts[:depth])
            path = self._lexical(step)
            if os.path.islink(path) and not self._inside(os.path.realpath(path)):
                return real, LEAVES_ROOT if depth == len(parts) else f"lies behind {step}, {LINK_OUT}"
        return real, "is outside the repos root"

    def check(self, relative: str) -> Unreadable | None:
        """Why this entry (a file or a folder) must not be read or handed to a tool, or None (line 0: not read)."""
        real, refused = self._locate(relative)
        if refused:
            return Unreadable(relative, refused, 0)
        try:
            mode = os.stat(real).st_mode
        except (FileNotFoundError, NotADirectoryError):
            return Unreadable(relative, DANGLING, 0) if os.path.islink(self._lexical(relative)) else None
        except OSError as error:
            return Unreadable(relative, f"cannot be read: {error.strerror or error}", 0)
        if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
            return None
        return Unreadable(relative, not_regular(kind_of(mode)), 0)

    def read(self, relative: str, limit: int | None = None) -> str | Unreadable | None:
        """The file's text; None when nothing is there; why it is refused otherwise (`limit`: a lower size limit)."""
        real, refused = self._locate(relative)
        if refused:
            return Unreadable(relative, refused)
        if not os.path.lexists(real):
            return Unreadable(relative, DANGLING) if os.path.islink(self._lexical(relative)) else None
        found = read_regular(real, min(limit or self.limit, self.limit))
        return found if isinstance(found, str) else Unreadable(relative, *found)

    def _mode(self, relative: str) -> int | None:
        real, refused = self._locate(relative)
        if refused:
            return None
        try:
            return os.stat(real).st_mode
        except OSError:
            return None

    def exists(self, relative: str) -> bool:
        """Something by that name is there (a refused link too), in a folder inside the root."""
        lexical = self._lexical(relative)
        if relative and not self._inside(os.path.realpath(os.path.dirname(lexical))):
            return False
        return os.path.lexists(lexical)

    def is_file(self, relative: str) -> bool:
        mode = self._mode(relative)
        return mode is not None and stat.S_ISREG(mode)

    def is_dir(self, relative: str) -> bool:
        mode = self._mode(relative)
        return mode is not None and stat.S_ISDIR(mode)

    def list(self, folder: str, suffixes: tuple[str, ...] | None, recursive: bool = False) -> list[str]:
        """Every entry but folders under `folder` (None: any suffix), links included so that reading them says why not.

        Links to folders are followed only inside the root, each folder once; `.git` and
        `.terraform` are not the repositories' own files and are not listed.
        """
        folder = folder.strip("/")
        real, refused = self._locate(folder)
        if refused or not os.path.isdir(real):
            return []
        found: list[str] = []
        seen = {real}

        def walk(shown: str, directory: str) -> None:
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError:
                return
            for entry in entries:
                relative = _join(shown, entry.name)
                target = entry.path
                if entry.is_symlink():
                    target = os.path.realpath(entry.path)
                    is_folder = self._inside(target) and os.path.isdir(target)
                else:
                    is_folder = entry.is_dir(follow_symlinks=False)
                if is_folder:
                    if recursive and entry.name not in SKIPPED_FOLDERS and target not in seen:
                        seen.add(target)
                        walk(relative, target)
                    continue
                if suffixes is None or os.path.splitext(entry.name)[1] in suffixes:
                    found.append(relative)

        walk(folder, real)
        return sorted(found)

    def git_refusal(self, repo: str) -> str | None:
        """Why git must not be run in `repo` (it or its git folder leads out of the root), or None.

        The rule REPO-GIT applies, and `fleet status|update` before any git command of theirs.
        """
        for relative, what in ((repo, "a repository"), (_join(repo, ".git"), "a .git")):
            _, refused = self._locate(relative)
            if refused:
                return f"{what} that {refused}"
        path = self.root / repo
        if not (path / ".git").exists():
            return "not a git repository"
        if (path / ".git").is_file() and (refused := self._gitdir_refusal(repo)):
            return f"a .git file whose gitdir {refused}"
        return None

    def commit_count(self, repo: str) -> int | str:
        if refused := self.git_refusal(repo):
            return refused
        path = self.root / repo
        try:
            result = subprocess.run(
                ["git", "-c", "core.fsmonitor=false", "rev-list", "--count", "HEAD"],
                cwd=path,
                capture_output=True,
                text=True,
                timeout=GIT_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            return f"no answer from git rev-list within {GIT_TIMEOUT} s"
        return int(result.stdout.strip()) if result.returncode == 0 else "no commit yet"

    def _gitdir_refusal(self, repo: str) -> str | None:
        """A `.git` file (a worktree's, a submodule's) names the real git folder: it must be inside the root too."""
        found = read_regular(os.path.join(self.root, repo, ".git"), 4096)
        if not isinstance(found, str) or not found.startswith("gitdir:"):
            return "cannot be read"
        target = os.path.join(self.root, repo, found.removeprefix("gitdir:").strip())
        return None if self._inside(os.path.realpath(target)) else "is outside the repos root"

    def local_path(self, relative: str) -> Path | None:
        """The path to hand to a tool, or None when it leads out of the root."""
        _, refused = self._locate(relative)
        return None if refused else self.root / relative


# One shell script per read on the remote host: the same refusals as LocalFiles, by exit code.
_INSIDE = 'case "$f" in "$root"|"$root"/*) ;; *) exit 12;; esac'
_LOCATE = f"""root=$1; p=$2
[ -e "$p" ] || [ -L "$p" ] || exit 10
f=$(realpath -m -- "$p" 2>/dev/null) || exit 11
{_INSIDE}
[ -e "$f" ] || exit 11
"""
_READ = (
    _LOCATE
    + """if [ ! -f "$f" ]; then stat -L -c %F -- "$f"; exit 13; fi
size=$(stat -L -c %s -- "$f"); [ "$size" -le "$3" ] || { echo "$size"; exit 14; }
exec head -c "$(($3 + 1))" -- "$f"
"""
)
_CHECK = _LOCATE + 'if [ ! -f "$f" ] && [ ! -d "$f" ]; then stat -L -c %F -- "$f"; exit 13; fi\n'
_TEST = _LOCATE + 'test "$3" "$f"\n'
_EXISTS = """root=$1; p=$2
d=$(realpath -e -- "$(dirname -- "$p")" 2>/dev/null) || exit 1
case "$d" in "$root"|"$root"/*) ;; *) exit 1;; esac
[ -e "$p" ] || [ -L "$p" ]
"""
_LIST = (
    _LOCATE
    + """[ -d "$f" ] || exit 0
shift 2
exec find -H "$p" -mindepth 1 "$@" \\( -name .git -o -name .terraform \\) -prune -o ! -type d -print
"""
)
KINDS = {
    "fifo": "FIFO",
    "directory": "folder",
    "socket": "socket",
    "character special file": "character device",
    "block special file": "block device",
}


class HostFiles:
    """Reads through a testinfra host (`testinfra.get_host("ssh://runner")`), refusing what LocalFiles refuses."""

    def __init__(self, host: Any, root: str, limit: int = MAX_BYTES) -> None:
        self.host = host
        self.root = PurePosixPath(root)
        self.where = f"{host.backend.get_pytest_id()}:{root}"
        self.limit = limit
        self._real_root: str | None = None

    def _path(self, relative: str) -> str:
        return str(self.root / relative) if relative else str(self.root)

    @property
    def real_root(self) -> str:
        if self._real_root is None:
            result = self.host.run(f"realpath -e -- {shlex.quote(str(self.root))}")
            found = result.stdout.strip() if result.rc == 0 else str(self.root)
            self._real_root = "" if found == "/" else found
        return self._real_root

    def _run(self, script: str, relative: str, *args: str) -> Any:
        words = ["sh", "-c", script, "sh", self.real_root, self._path(relative), *args]
        return self.host.run(" ".join(shlex.quote(w) for w in words))

    def _refusal(self, relative: str, result: Any, limit: int | None = None) -> Unreadable | None:
        """The refusal an exit code of the scripts above stands for (None: not a refusal)."""
        if result.rc == 11:
            return Unreadable(relative, DANGLING)
        if result.rc == 12:
            return Unreadable(relative, "resolves outside the repos root through a link")
        if result.rc == 13:
            kind = result.stdout.strip()
            return Unreadable(relative, not_regular(KINDS.get(kind, kind or "special file")))
        if result.rc == 14:
            size = result.stdout.strip()
            return Unreadable(relative, too_large(limit or self.limit, int(size) if size.isdigit() else None))
        return None

    def read(self, relative: str, limit: int | None = None) -> str | Unreadable | None:
        limit = min(limit or self.limit, self.limit)
        result = self._run(_READ, relative, str(limit))
        if result.rc == 10:
            return None
        if refused := self._refusal(relative, result, limit):
            return refused
        if result.rc != 0:
            return Unreadable(relative, f"cannot be read: {(result.stderr.strip().splitlines() or ['error'])[-1]}")
        text, reason, line = decode(result.stdout_bytes, limit)
        return text if text is not None else Unreadable(relative, reason, line)

    def check(self, relative: str) -> Unreadable | None:
        refused = self._refusal(relative, self._run(_CHECK, relative))
        return Unreadable(refused.file, refused.reason, 0) if refused else None

    def exists(self, relative: str) -> bool:
        if not relative:
            return self.host.run(f"test -e {shlex.quote(str(self.root))}").rc == 0
        return self._run(_EXISTS, relative).rc == 0

    def is_file(self, relative: str) -> bool:
        return self._run(_TEST, relative, "-f").rc == 0

    def is_dir(self, relative: str) -> bool:
        return self._run(_TEST, relative, "-d").rc == 0

    def list(self, folder: str, suffixes: tuple[str, ...] | None, recursive: bool = False) -> list[str]:
        depth = [] if recursive else ["-maxdepth", "1"]
        result = self._run(_LIST, folder, *depth)
        if result.rc != 0:
            return []
        found = [PurePosixPath(line) for line in result.stdout.splitlines() if line.strip()]
        return sorted(str(p.relative_to(self.root)) for p in found if suffixes is None or p.suffix in suffixes)

    def commit_count(self, repo: str) -> int | str:
        for relative, what in ((repo, "a repository"), (_join(repo, ".git"), "a .git")):
            if refused := self._refusal(relative, self._run(_CHECK, relative)):
                return f"{what} that {refused.reason}"
        if not self.exists(_join(repo, ".git")):
            return "not a git repository"
        result = self.host.run(f"git -C {shlex.quote(self._path(repo))} -c core.fsmonitor=false rev-list --count HEAD")
        return int(result.stdout.strip()) if result.rc == 0 else "no commit yet"

    def local_path(self, relative: str) -> Path | None:
        return None  # terraform runs only on a local checkout
