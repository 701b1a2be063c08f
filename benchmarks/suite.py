"""The static suite as CI runs it (tox.ini's conformance-static), measured two ways at once.

Whole process: from spawning Python to its exit (interpreter start, `import pytest`, the run).
In process: `pytest.main(...)` alone, timed by benchmarks/probe_pytest.py inside that process.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.measure import Measured, run_measured
from benchmarks.paths import PROBE_SCRIPT
from conformance.suite_command import suite_args


def static_args(
    repos_root: Path,
    platform: Path | None = None,
    terraform: str = "off",
    extra: Sequence[str] = (),
) -> list[str]:
    """`pytest --pyargs conformance -m static --repos-root DIR --env all --terraform off -p no:cacheprovider`."""
    return suite_args(
        repos_root, envs=["all"], marker="static", platform=platform, terraform=terraform, extra=["-q", *extra]
    )


@dataclass(frozen=True)
class PytestRun:
    """One probed pytest process."""

    seconds: float  # whole process
    inproc_seconds: float  # pytest.main(...)
    cpu_seconds: float  # user + system of the whole process tree
    max_rss_kib: int
    exit_code: int
    session_seconds: float | None = None  # from pytest's session start to its end
    collection_seconds: float | None = None  # from the session start to the end of collection
    outcomes: dict[str, int] = field(default_factory=dict)
    aws_calls: dict[str, int] | None = None
    aws_retries: int | None = None
    tail: str = ""

    @property
    def max_rss_mib(self) -> float:
        return self.max_rss_kib / 1024

    def as_dict(self) -> dict[str, Any]:
        return {
            "seconds": self.seconds,
            "inproc_seconds": self.inproc_seconds,
            "cpu_seconds": self.cpu_seconds,
            "max_rss_mib": self.max_rss_mib,
            "session_seconds": self.session_seconds,
            "collection_seconds": self.collection_seconds,
            "exit_code": self.exit_code,
            "outcomes": self.outcomes,
            "aws_calls": self.aws_calls,
            "aws_retries": self.aws_retries,
        }


def run_probed(args: Sequence[str], env: Mapping[str, str], cwd: Path, timeout: float = 3600) -> PytestRun:
    """pytest ARGS in a fresh Python, through the probe; the probe's JSON joined to the outer figures."""
    with tempfile.TemporaryDirectory(prefix="probe-") as scratch:
        out = Path(scratch) / "probe.json"
        measured: Measured = run_measured(
            [sys.executable, str(PROBE_SCRIPT), str(out), "--", *args], env=env, cwd=cwd, timeout=timeout
        )
        probe = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {}
    return PytestRun(
        seconds=measured.seconds,
        inproc_seconds=float(probe.get("main_seconds", float("nan"))),
        cpu_seconds=measured.cpu_seconds,
        max_rss_kib=measured.max_rss_kib,
        session_seconds=probe.get("session_seconds"),
        collection_seconds=probe.get("collection_seconds"),
        exit_code=int(probe.get("exit_code", measured.returncode)),
        outcomes=probe.get("outcomes", {}),
        aws_calls=probe.get("aws_calls"),
        aws_retries=probe.get("aws_retries"),
        tail="\n".join(measured.output.rstrip().splitlines()[-15:]),
    )
