"""The one process supervisor (conformance.tooling.processes): what it starts, it stops."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from conformance.tooling.processes import Children, stop

IGNORES_SIGTERM = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(60)"
)


def test_stop_terminates_then_kills_what_ignores_it() -> None:
    polite = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    stubborn = subprocess.Popen([sys.executable, "-c", IGNORES_SIGTERM], stdout=subprocess.PIPE, text=True)
    assert stubborn.stdout is not None and stubborn.stdout.readline().strip() == "ready"
    started = time.monotonic()
    stop([polite, stubborn], grace=1.0)
    assert polite.returncode is not None and polite.returncode < 0  # ended by SIGTERM
    assert stubborn.returncode is not None and stubborn.returncode < 0  # killed after the grace
    assert time.monotonic() - started < 10
    stubborn.stdout.close()


def test_children_run_captures_output_and_stop_all_ends_the_running_ones(tmp_path: Path) -> None:
    children = Children()
    assert children.run(
        [sys.executable, "-c", "print('out', flush=True); import sys; print('err', file=sys.stderr)"], tmp_path, {}, 30
    ) == (
        0,
        "out\nerr\n",
    )
    result: list[tuple[int, str]] = []
    runner = threading.Thread(
        target=lambda: result.append(
            children.run([sys.executable, "-c", "import time; time.sleep(60)"], tmp_path, {}, 60)
        )
    )
    runner.start()
    deadline = time.monotonic() + 10
    while not children._running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert children._running
    children.stop_all(grace=5)
    runner.join(10)
    assert result and result[0][0] < 0 and not children._running
    assert children.run([sys.executable, "-c", "pass"], tmp_path, {}, 30) == (130, "stopped before it started\n")
