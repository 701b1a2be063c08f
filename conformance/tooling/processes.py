"""The one process supervisor: run children with their output captured, and stop them for sure.

The sandbox runs Terraform, packaging scripts and the emulator as child processes; a stop request
(Ctrl-C, SIGTERM, a timeout) must end them, and only them. `stop` asks politely (SIGTERM, which
Terraform honours by finishing its current call), waits, then kills what is left.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

DEFAULT_GRACE_SECONDS = 20.0


def stop(processes: Iterable[subprocess.Popen], grace: float = DEFAULT_GRACE_SECONDS) -> None:
    """Terminate every running process, wait up to `grace` seconds in all, then kill the stragglers."""
    running = [p for p in processes if p.poll() is None]
    for process in running:
        process.terminate()
    deadline = time.monotonic() + grace
    for process in running:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Children:
    """The processes one program is running, so that a stop request can end them (and only them)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[str]] = set()
        self.stopping = False

    def run(self, command: list[str], cwd: Path, env: Mapping[str, str], timeout: float) -> tuple[int, str]:
        """Run `command`, output captured (stdout and stderr together); (exit code, output)."""
        with self._lock:
            if self.stopping:
                return 130, "stopped before it started\n"
            process = subprocess.Popen(
                command, cwd=cwd, env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
            self._running.add(process)
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
            output += f"\n(stopped after {timeout:.0f} s)\n"
        except BaseException:  # interrupted (Ctrl-C, SIGTERM): the child must not outlive us
            stop([process])
            raise
        finally:
            with self._lock:
                self._running.discard(process)
        return process.returncode, output

    def stop_all(self, grace: float = DEFAULT_GRACE_SECONDS) -> None:
        """Ask every running child to stop (Terraform stops gracefully on SIGTERM), then kill stragglers."""
        with self._lock:
            self.stopping = True
            running = list(self._running)
        stop(running, grace)
