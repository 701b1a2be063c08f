"""Stopping a generation cleanly on SIGINT or SIGTERM: one exception, no process left writing.

A render runs cookiecutter's hooks in child processes (which run git). When the generator is told
to stop, those children must be gone before the scratch folder is removed, or a hook still running
would write it back. `stop_children` freezes every process the generation started, then kills them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """Generation stopped by a signal; `written` names the repositories finished before it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.written: list[str] = []

    @property
    def signal_name(self) -> str:
        return signal.Signals(self.signum).name


@contextmanager
def interruptible() -> Iterator[None]:
    """SIGINT and SIGTERM raise Interrupted (once; a second signal while cleaning up is ignored)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    raised = False

    def handler(signum: int, _frame: FrameType | None) -> None:
        nonlocal raised
        if not raised:
            raised = True
            raise Interrupted(signum)

    previous = {signum: signal.signal(signum, handler) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


@contextmanager
def deferred_signals() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back while a few renames must happen together; delivered right after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


def _children_by_parent() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text(encoding="utf-8", errors="replace").rpartition(")")[2].split()
            children.setdefault(int(fields[1]), []).append(int(stat_file.parent.name))
        except (OSError, ValueError, IndexError):
            continue  # gone while reading
    return children


def direct_children() -> set[int]:
    """This process's children now: what `stop_children` spares, taken before generation starts."""
    return set(_children_by_parent().get(os.getpid(), []))


def _started(spared: set[int]) -> list[int]:
    """Every process below this one except the `spared` children and theirs (Linux /proc; elsewhere none)."""
    children = _children_by_parent()
    found: list[int] = []
    stack = [pid for pid in children.get(os.getpid(), []) if pid not in spared]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def _signal(pid: int, signum: int) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signum)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def stop_children(spared: set[int], timeout: float = 5.0) -> None:
    """Stop what this process started since `spared` was taken (hooks and their git): freeze each, so none
    can start another, then kill them all and wait until they are gone."""
    frozen: set[int] = set()
    while new := [pid for pid in _started(spared) if pid not in frozen]:
        for pid in new:
            _signal(pid, signal.SIGSTOP)
        frozen.update(new)
    for pid in frozen:
        _signal(pid, signal.SIGKILL)
    for pid in frozen:
        with suppress(ChildProcessError):  # not a direct child: init reaps it
            os.waitpid(pid, 0)
    deadline = time.monotonic() + timeout
    while any(_alive(pid) for pid in frozen) and time.monotonic() < deadline:
        time.sleep(0.01)


class _HookProcesses:
    """`subprocess` as cookiecutter's hook runner sees it: each hook starts in a process group of its own.

    Ctrl-C goes to the terminal's foreground group: without this a hook (and its git) would get it
    too and print its own traceback, even before its first line runs. Apart, only the generator
    hears it, says so once, and `stop_children` (which follows /proc, not groups) stops the hook.
    """

    def __getattr__(self, name: str) -> object:
        return getattr(subprocess, name)

    @staticmethod
    def Popen(*args: object, **kwargs: object) -> subprocess.Popen[bytes]:
        kwargs.setdefault("process_group", 0)
        return subprocess.Popen(*args, **kwargs)  # type: ignore[call-overload]


def hooks_in_their_own_process_group() -> None:
    """Make cookiecutter start its hooks apart from the terminal's Ctrl-C (idempotent)."""
    from cookiecutter import hooks

    if not isinstance(hooks.subprocess, _HookProcesses):
        hooks.subprocess = _HookProcesses()  # type: ignore[assignment]
