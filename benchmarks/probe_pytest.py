"""Run pytest in this (fresh) process and write what it cost and found as JSON: the in-process figure.

    python benchmarks/probe_pytest.py OUT.json -- PYTEST ARGS...

The whole-process time is measured by the caller; this adds the time of `import pytest` and of
`pytest.main(...)` alone, the outcome of every case, and, for live runs, the AWS calls the
conformance plugin counted (its LiveEvidence, read at session end).

Run by path, so its folder is dropped from sys.path first: nothing here may shadow a real module.
"""

from __future__ import annotations

import sys
import time

if __name__ == "__main__":
    sys.path.pop(0)

import json
from collections import Counter
from pathlib import Path
from typing import Any


class Recorder:
    """A pytest plugin object: outcomes by kind and the live run's AWS calls."""

    def __init__(self) -> None:
        self.outcomes: Counter[str] = Counter()
        self.calls: dict[str, int] | None = None
        self.retried: int | None = None
        self.session_started = 0.0
        self.session_seconds = 0.0
        self.collection_seconds = 0.0

    def pytest_sessionstart(self, session: Any) -> None:
        self.session_started = time.perf_counter()

    def pytest_collection_finish(self, session: Any) -> None:
        self.collection_seconds = time.perf_counter() - self.session_started

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.when == "call" or (report.when == "setup" and not report.passed):
            self.outcomes["error" if report.when == "setup" and report.failed else report.outcome] += 1

    def pytest_sessionfinish(self, session: Any) -> None:
        self.session_seconds = time.perf_counter() - self.session_started
        try:
            from conformance.plugin import LIVE_KEY
        except ImportError:
            return
        evidence = session.config.stash.get(LIVE_KEY, None)
        if evidence is not None:
            self.calls = dict(evidence.calls)
            self.retried = evidence.retried


def main(argv: list[str]) -> int:
    out, separator, *args = argv
    if separator != "--":
        raise SystemExit("usage: probe_pytest.py OUT.json -- PYTEST ARGS...")
    started = time.perf_counter()
    import pytest

    imported = time.perf_counter()
    recorder = Recorder()
    code = pytest.main(args, plugins=[recorder])
    finished = time.perf_counter()
    result = {
        "import_seconds": imported - started,
        "main_seconds": finished - imported,
        "session_seconds": recorder.session_seconds,
        "collection_seconds": recorder.collection_seconds,
        "exit_code": int(code),
        "outcomes": dict(recorder.outcomes),
        "aws_calls": recorder.calls,
        "aws_retries": recorder.retried,
    }
    Path(out).write_text(json.dumps(result), encoding="utf-8")
    return int(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
