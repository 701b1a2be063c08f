"""`terraform fmt -check` and `validate` over many repositories: in parallel, each verdict cached by its inputs.

Why: one after another in fresh copies, the two checks took 24 s of the static suite on eight
repositories (`validate` starts the AWS provider twice and decodes its whole schema), and they ran
again on every run whether anything had changed or not.

- Inputs: a repository's `terraform/` folder, read once: every file, by name and bytes (`*.tf`,
  `*.tf.json`, tfvars, `.terraform.lock.hcl`, local modules below it, files `file()` reads) but
  `.terraform` folders (init's own output, never copied before either). A symbolic link is
  followed only when its target stays inside the repositories' root; one that leaves it is not
  read, and both checks fail naming it.
- Scratch copy: the very bytes that were hashed are written to a scratch folder of regular files,
  and fmt, init and validate run there: the repository is never written to, and the verdict is the
  verdict of exactly what the key describes.
- Key: the folder's digest, the toolchain (`terraform.toolchain_identity`: the binary, every
  provider in the mirror, the CLI configuration, TF_* variables) and the check's command lines.
  Any change to any of them is another key: never a stale pass. From the registry, a folder without
  a lock file is never kept (the next run may install a newer provider).
- Parallel: a thread per core, each running one terraform process at a time. Providers are linked
  from an unpacked filesystem mirror, nothing copied; from the registry (no mirror here, as on
  GitHub's hosted runners) or a mirror of zips they go through one plugin cache kept in the user's
  cache folder, and the inits take turns (the cache is not safe for concurrent installs).
- Kept: verdicts of terraform runs that ended (exit codes 0 to 3). A timeout, a crash or a stop
  is reported as it is and never kept.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
import weakref
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from conformance.tooling import terraform
from conformance.tooling.processes import Children
from conformance.tooling.verdict_cache import VerdictCache

FMT = "fmt"
VALIDATE = "validate"
CHECKS = (FMT, VALIDATE)
SKIPPED_NAMES = frozenset({".terraform"})
KEPT_EXIT_CODES = frozenset({0, 1, 2, 3})
# What each check runs; part of the key, so a changed command line is a miss.
COMMANDS = {
    FMT: " ".join(terraform.FMT_ARGS),
    VALIDATE: " ".join(terraform.INIT_ARGS) + " && " + " ".join(terraform.VALIDATE_ARGS),
}
# Go's collector tuned for a short-lived process: the AWS provider builds a large schema and
# `validate` starts it twice; without collections until 1 GiB it needs about a quarter less CPU.
GO_TUNING = {"GOGC": "off", "GOMEMLIMIT": "1GiB"}


@dataclass(frozen=True)
class Escape:
    """A path in the folder that is not read: a link leaving the repositories' root, broken, or a loop."""

    relative: str  # inside the terraform folder ("" for the folder itself)
    why: str


@dataclass(frozen=True)
class Snapshot:
    """A terraform folder as read once: its files' bytes, its sub-folders, and what was not read."""

    files: Mapping[str, bytes]
    folders: tuple[str, ...]
    escapes: tuple[Escape, ...]

    @cached_property
    def digest(self) -> str:
        digest = hashlib.sha256()
        for folder in sorted(self.folders):
            digest.update(f"d {folder}\n".encode())
        for relative in sorted(self.files):
            digest.update(f"f {relative} {hashlib.sha256(self.files[relative]).hexdigest()}\n".encode())
        for escape in self.escapes:
            digest.update(f"x {escape.relative} {escape.why}\n".encode())
        return digest.hexdigest()

    def write(self, target: Path) -> None:
        """The folder again under `target`, as regular files and folders only."""
        target.mkdir(parents=True, exist_ok=True)
        for folder in sorted(self.folders):
            (target / folder).mkdir(parents=True, exist_ok=True)
        for relative, data in self.files.items():
            (target / relative).write_bytes(data)


def snapshot(folder: Path, root: Path) -> Snapshot:
    """Read `folder` (a repository's terraform folder under the repositories' `root`)."""
    inside = root.resolve()
    files: dict[str, bytes] = {}
    folders: list[str] = []
    escapes: list[Escape] = []

    def follow(path: Path, relative: str) -> Path | None:
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            escapes.append(Escape(relative, "a symbolic link to nothing"))
            return None
        if not target.is_relative_to(inside):
            escapes.append(Escape(relative, f"a symbolic link to {target}, outside {inside}"))
            return None
        return target

    def walk(directory: Path, prefix: str, seen: frozenset[Path]) -> None:
        with os.scandir(directory) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
        for entry in entries:
            if entry.name in SKIPPED_NAMES:
                continue
            relative = prefix + entry.name
            path = Path(entry.path)
            if entry.is_symlink():
                target = follow(path, relative)
                if target is None:
                    continue
                if target.is_dir():
                    if target in seen:
                        escapes.append(Escape(relative, f"a symbolic link back to {target} (a loop)"))
                        continue
                    folders.append(relative)
                    walk(target, relative + "/", seen | {target})
                elif target.is_file():
                    files[relative] = target.read_bytes()
            elif entry.is_dir(follow_symlinks=False):
                folders.append(relative)
                walk(path, relative + "/", seen | {path.resolve()})
            elif entry.is_file(follow_symlinks=False):
                files[relative] = path.read_bytes()

    start = folder.resolve() if not folder.is_symlink() else follow(folder, "")
    if start is not None:
        walk(start, "", frozenset({start}))
    return Snapshot(files, tuple(folders), tuple(escapes))


def usable_cores() -> int:
    """The cores this process may run on (all of them where the OS does not say)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def verdict_key(check: str, toolchain: str, folder: Snapshot) -> str:
    """The cache key of one check of one folder with one toolchain."""
    text = f"bbws-conformance terraform gate 1\n{check}: {COMMANDS[check]}\n{toolchain}\n{folder.digest}\n"
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Verdict:
    """One check of one folder: terraform's run (None when it could not run) and the paths not read."""

    run: terraform.TerraformRun | None
    escapes: tuple[Escape, ...] = ()
    cached: bool = False


class TerraformGate:
    """The run's terraform checks: started in the background for many folders, asked for one at a time."""

    def __init__(self, root: Path, cache: VerdictCache | None, workers: int | None = None) -> None:
        """Raises terraform.TerraformUnavailable when terraform is missing (or a named mirror is not there)."""
        self.root = root
        self.cache = cache
        self.workers = max(1, workers or usable_cores())
        self.children = Children()
        self._scratch = Path(tempfile.mkdtemp(prefix="conformance-terraform-"))
        weakref.finalize(self, shutil.rmtree, self._scratch, True)  # also when nobody calls close()
        terraform.terraform_binary()
        self._env = terraform.environment(self._scratch)
        for name, value in GO_TUNING.items():
            self._env.setdefault(name, value)  # the user's own setting wins
        self._toolchain: str | None = None
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="terraform")
        self._lock = threading.Lock()
        self._futures: dict[tuple[Path, str], Future[Verdict]] = {}

    @property
    def toolchain(self) -> str:
        with self._lock:
            if self._toolchain is None:
                self._toolchain = terraform.toolchain_identity(self._env)
            return self._toolchain

    def key(self, folder: Snapshot, check: str) -> str:
        return verdict_key(check, self.toolchain, folder)

    def start(self, folders: Iterable[tuple[Path, Iterable[str]]]) -> None:
        """Begin the checks for these (folder, checks), in this order, without waiting for them."""
        for folder, checks in folders:
            wanted = tuple(c for c in CHECKS if c in set(checks))
            if wanted:
                self._submit(folder, wanted)

    def verdict(self, folder: Path, check: str) -> Verdict:
        """The check's verdict for `folder`, from a started job, the cache, or a run now."""
        return self._submit(folder, (check,))[check].result()

    def _submit(self, folder: Path, checks: tuple[str, ...]) -> dict[str, Future[Verdict]]:
        with self._lock:
            missing = tuple(c for c in checks if (folder, c) not in self._futures)
            if missing:
                futures: dict[str, Future[Verdict]] = {c: Future() for c in missing}
                self._futures.update({(folder, c): f for c, f in futures.items()})
                self._pool.submit(self._job, folder, futures)
            return {c: self._futures[(folder, c)] for c in checks}

    def _job(self, folder: Path, futures: dict[str, Future[Verdict]]) -> None:
        try:
            for check, verdict in self._check(folder, tuple(futures)):
                futures[check].set_result(verdict)
        except BaseException as error:  # reported by the case that asks, as it is
            for future in futures.values():
                if not future.done():
                    future.set_exception(error)

    def _check(self, folder: Path, checks: tuple[str, ...]) -> Iterable[tuple[str, Verdict]]:
        files = snapshot(folder, self.root)
        if files.escapes:
            for check in checks:
                yield check, Verdict(None, files.escapes)
            return
        keys = {check: self.key(files, check) for check in checks}
        todo = []
        for check in checks:
            kept = self.cache.get(keys[check]) if self.cache else None
            if _intact(kept):
                yield check, Verdict(terraform.TerraformRun(kept["returncode"], kept["output"]), cached=True)
            else:
                todo.append(check)
        if not todo:
            return
        with tempfile.TemporaryDirectory(prefix="copy-", dir=self._scratch) as scratch:
            copy = Path(scratch) / "terraform"
            files.write(copy)
            for check in todo:
                run = self._run(check, copy)
                if (
                    self.cache is not None
                    and run.returncode in KEPT_EXIT_CODES
                    and not self.children.stopping
                    and (check == FMT or terraform.verdict_is_reproducible(files.files))
                ):
                    self.cache.put(keys[check], {"returncode": run.returncode, "output": run.output})
                yield check, Verdict(run)

    def _run(self, check: str, copy: Path) -> terraform.TerraformRun:
        if check == FMT:
            return terraform.fmt_check(copy, self._env, self.children)
        return terraform.validate(copy, self._env, self.children)

    def close(self) -> None:
        """Stop what is running (a run cut short), wait for the threads, remove the scratch folder."""
        self.children.stop_all(grace=5)
        self._pool.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            for future in self._futures.values():
                future.cancel()
        shutil.rmtree(self._scratch, ignore_errors=True)


def _intact(kept: object) -> bool:
    """A cached payload of the shape this module writes (the cache checked its digest already)."""
    return (
        isinstance(kept, dict)
        and type(kept.get("returncode")) is int
        and kept["returncode"] in KEPT_EXIT_CODES
        and isinstance(kept.get("output"), str)
    )
