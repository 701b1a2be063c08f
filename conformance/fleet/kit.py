"""The kit at any commit: one clone per git URL, and a tree checked out per commit rendered.

A repository is compared with what its recorded commit renders and updated to what a newer one
renders, so both renders come from the kit's history, never from a working copy that may hold
uncommitted changes. Clones and trees live in a scratch folder the caller owns.

Every git command runs with the configuration's command-running settings off (`git_env`): a
repository's `.git/config` may name programs (an fsmonitor, hooks, filters, a pager, a signing
program) that git would otherwise run for us. Only the kit's own URLs are ever cloned (`kit_sources`).
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
from pathlib import Path

from conformance.evidence.files import LocalFiles
from conformance.generate.behind import kit_urls
from conformance.generate.git_repo import origin_url
from conformance.generate.record import RECORD, Record, RecordError, read_record, require_kit


class FleetError(RuntimeError):
    """A kit or repository the fleet commands cannot work with; one line naming it."""


# Set whatever a repository's config says: no fsmonitor, no hooks, no signing program.
FIXED_CONFIG = (
    ("core.fsmonitor", "false"),
    ("core.hooksPath", "/dev/null"),
    ("commit.gpgSign", "false"),
    ("tag.gpgSign", "false"),
    ("core.sshCommand", ""),
    ("core.pager", "cat"),
)
# Config keys that name a program git may run: each one the configuration has is set empty (none).
RUNS_A_PROGRAM = re.compile(
    r"core\.(fsmonitor|hookspath|sshcommand|pager|editor|askpass|gitproxy|alternaterefscommand)"
    r"|filter\..+\.(clean|smudge|process|required)|diff\.external|diff\..+\.(textconv|command)"
    r"|merge\..+\.driver|gpg\.(.+\.)?program|credential\.(.+\.)?helper|sequence\.editor",
    re.IGNORECASE,
)
FIXED_OPTIONS = tuple(a for key, value in FIXED_CONFIG for a in ("-c", f"{key}={value}"))
GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}


def _clean_environment() -> dict[str, str]:
    """This environment without git's own variables (a GIT_DIR or config of the caller's would redirect us)."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("GIT_CONFIG", "GIT_DIR", "GIT_WORK_TREE"))}


@functools.cache
def _disarm(folder: str) -> tuple[tuple[str, str], ...]:
    """Config entries that switch off every program the configuration seen in `folder` could make git run.

    Given to git as GIT_CONFIG_KEY_n/GIT_CONFIG_VALUE_n (like `-c`, but a key is never split at an `=`).
    """
    listed = subprocess.run(
        ["git", *FIXED_OPTIONS, "config", "--list", "--name-only", "-z"],
        cwd=folder,
        capture_output=True,
        check=False,
        env={**_clean_environment(), **GIT_ENV},
    )
    fixed = {key.lower() for key, _ in FIXED_CONFIG}
    named = {k for k in listed.stdout.decode(errors="replace").split("\0") if RUNS_A_PROGRAM.fullmatch(k)}
    blank = [
        (key, "false" if key.lower().endswith((".required", ".fsmonitor")) else "")
        for key in sorted(named)
        if key.lower() not in fixed
    ]
    return (*FIXED_CONFIG, *blank)


def git_env(folder: Path | None = None, **extra: str) -> dict[str, str]:
    """The environment git runs in: no system config, never a prompt, every program the configuration
    seen in `folder` names switched off; the user's own (global) config stays (their identity)."""
    entries = _disarm(str(folder)) if folder is not None else FIXED_CONFIG
    config = {"GIT_CONFIG_COUNT": str(len(entries))}
    for number, (key, value) in enumerate(entries):
        config |= {f"GIT_CONFIG_KEY_{number}": key, f"GIT_CONFIG_VALUE_{number}": value}
    return {**_clean_environment(), **GIT_ENV, **config, **extra}


def git_command(*args: str) -> list[str]:
    """`git ARGS` with the fixed settings on its command line too (they win over any config file)."""
    return ["git", *FIXED_OPTIONS, *args]


def git(folder: Path, *args: str, check: bool = True) -> str:
    result = subprocess.run(
        git_command(*args), cwd=folder, capture_output=True, text=True, check=False, env=git_env(folder)
    )
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
            ["git", *FIXED_OPTIONS, "clone", "--quiet", "--no-checkout", "--", url, str(self.clone)],
            capture_output=True,
            text=True,
            check=False,
            env=git_env(),
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


def kit_sources(source: str | None) -> tuple[str, ...]:
    """The URLs and folders a record's `template` may name: the kit running this, and `--kit` (and its origin)."""
    given: tuple[str, ...] = ()
    if source:
        folder = Path(source).expanduser()
        given = (source, origin_url(folder.resolve())) if folder.is_dir() else (source,)
    return (*kit_urls(), *given)


class Kits:
    """The kits of a fleet, one clone per URL; `source` (a folder or URL) replaces every recorded URL."""

    def __init__(self, scratch: Path, source: str | None = None) -> None:
        self.scratch = scratch
        self.source = source
        self.sources = kit_sources(source)
        self._kits: dict[str, Kit] = {}

    def record(self, repos_root: Path, repo: Path) -> Record:
        """`repo`'s record, once git may run in it and its `.cruft.json` names the kit and one of its templates.

        The repository and its `.git` must stay inside `repos_root` (REPO-GIT's rule); the record is
        read as the suite reads a file (regular, inside the root, bounded).
        """
        files = LocalFiles(repos_root)
        if refused := files.git_refusal(repo.name):
            raise FleetError(f"{repo / '.git'}: expected a git repository inside {repos_root}, found {refused}")
        text = files.read(f"{repo.name}/{RECORD}")
        if text is not None and not isinstance(text, str):
            raise RecordError(f"{repo / RECORD}: {text.reason}")
        record = read_record(repo, text)
        require_kit(record, self.sources)
        return record

    def get(self, url: str) -> Kit:
        where = self.source or url
        if where not in self._kits:
            self._kits[where] = Kit(where, self.scratch)
        return self._kits[where]
