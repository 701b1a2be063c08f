"""Run the conformance suite against a sandbox: static always, live where the plugin has it.

The live half (marker `live`, option `--endpoint-url`) is detected from `pytest --help`, so the
sandbox starts checking the deployed resources as soon as the plugin offers it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from conformance.sandbox.emulator import client_environment
from conformance.suite_command import suite_command as conformance_command

ENDPOINT_OPTION = "--endpoint-url"


@cache
def live_supported() -> bool:
    """Whether the installed conformance plugin takes `--endpoint-url` (the live half)."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--help", "-p", "no:cacheprovider"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
        check=False,
    )
    return ENDPOINT_OPTION in result.stdout


@dataclass(frozen=True)
class SuiteResult:
    returncode: int
    live: bool
    report: Path
    summary: dict[str, int]
    failures: list[dict[str, str]]
    output: str = ""

    @property
    def passed(self) -> bool:
        return self.returncode == 0

    def describe(self) -> str:
        half = "static + live" if self.live else "static (the plugin has no live half yet)"
        counts = ", ".join(f"{count} {outcome}" for outcome, count in self.summary.items() if count)
        return f"conformance, {half}: {counts or 'nothing ran'}"


def suite_command(
    repos_root: Path,
    env: str,
    endpoint_url: str,
    live: bool,
    report: Path,
    extra: Sequence[str] = (),
    marker: str | None = None,
) -> list[str]:
    """The suite's command line; `marker` narrows it (e.g. "live"), by default static and live where offered."""
    return conformance_command(
        repos_root,
        envs=[env],
        marker=marker or ("static or live" if live else "static"),
        json_report=report,
        endpoint_url=endpoint_url if live else None,
        extra=["-q", "--no-header", "-rfE", *extra],
    )


def run_suite(
    repos_root: Path,
    env: str,
    endpoint_url: str,
    region: str,
    report: Path,
    live: bool | None = None,
    extra: Sequence[str] = (),
    quiet: bool = False,
    base_env: Mapping[str, str] | None = None,
    marker: str | None = None,
) -> SuiteResult:
    """Run the suite in a subprocess (its output goes to ours unless `quiet`); read its JSON report."""
    live = live_supported() if live is None else live
    report.unlink(missing_ok=True)
    environment = {k: v for k, v in (base_env or os.environ).items() if not k.startswith("AWS_")}
    environment.update(client_environment(endpoint_url, region))
    result = subprocess.run(
        suite_command(repos_root, env, endpoint_url, live, report, extra, marker),
        env=environment,
        stdout=subprocess.PIPE if quiet else None,
        stderr=subprocess.STDOUT if quiet else None,
        text=True,
        check=False,
    )
    summary: dict[str, int] = {}
    failures: list[dict[str, str]] = []
    if report.is_file():
        document = json.loads(report.read_text(encoding="utf-8"))
        summary = document.get("summary", {})
        failures = [r for r in document.get("results", []) if r.get("outcome") in ("failed", "error")]
    return SuiteResult(result.returncode, live, report, summary, failures, result.stdout or "")
