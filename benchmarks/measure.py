"""Run one command and measure it: wall time, peak memory, exit code, output.

Peak memory comes from `os.wait4` on the child: Linux reports the largest resident set of the
child or of any descendant it waited for (ru_maxrss, KiB), i.e. the biggest single process of
the tree, not their sum. Python's bytecode cache is steered with PYTHONPYCACHEPREFIX: an empty
prefix makes a run "cold" (every module compiled from source, the stdlib's too), the same prefix
again makes it "warm".
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measured:
    """One finished process: what it cost and what it said."""

    command: tuple[str, ...]
    seconds: float
    cpu_seconds: float  # user + system, the child and every descendant it waited for
    max_rss_kib: int
    returncode: int
    output: str

    @property
    def max_rss_mib(self) -> float:
        return self.max_rss_kib / 1024


def run_measured(
    command: Sequence[str],
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 1800,
) -> Measured:
    """Run `command` to the end (output to a temporary file: no pipe can fill) and measure it."""
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(command), stdout=log, stderr=subprocess.STDOUT, env=dict(env) if env else None, cwd=cwd
        )
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.005)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        output = log.read()
    cpu = usage.ru_utime + usage.ru_stime
    return Measured(tuple(command), seconds, cpu, int(usage.ru_maxrss), process.returncode, output)


def python_env(pycache_prefix: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """An environment whose Python reads and writes bytecode under `pycache_prefix` only."""
    env = dict(base if base is not None else os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache_prefix)
    env["CHECKPOINT_DISABLE"] = "1"
    return env


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")
