"""checkov in a virtualenv of its own, run as tox.ini's `checkov` env runs it.

checkov (through bc-python-hcl2) and python-hcl2 both install a top-level `hcl2` module, so they
never share an environment: this one is made with `python -m venv` + `pip install checkov` and
kept for later runs.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from benchmarks.paths import checkov_venv

CHECKOV_ARGS = ("--framework", "terraform,github_actions", "--compact", "--quiet", "--skip-download")
COUNTS = re.compile(r"Passed checks: (\d+), Failed checks: (\d+), Skipped checks: (\d+)")


class CheckovUnavailable(RuntimeError):
    """checkov could not be installed or does not start; the message says why, in one line."""


@dataclass(frozen=True)
class Checkov:
    venv: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def executable(self) -> Path:
        return self.venv / "bin" / "checkov"

    def command(self, directory: Path) -> list[str]:
        return [str(self.executable), "-d", str(directory), *CHECKOV_ARGS]

    def version(self) -> str:
        return _output([str(self.executable), "--version"]).strip().splitlines()[-1]

    def package_version(self, name: str) -> str:
        code = f"from importlib.metadata import version; print(version({name!r}))"
        try:
            return _output([str(self.python), "-c", code]).strip()
        except CheckovUnavailable:
            return "not installed"


def _output(command: list[str], timeout: float = 300) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise CheckovUnavailable(f"{command[0]}: {error}") from None
    if result.returncode != 0:
        said = (result.stderr or result.stdout).strip().splitlines()
        raise CheckovUnavailable(f"{' '.join(command[:3])}: exit {result.returncode}: {said[-1] if said else ''}")
    return result.stdout


def ensure_checkov(venv: Path | None = None) -> Checkov:
    """The checkov virtualenv, created and installed on first use."""
    checkov = Checkov(venv or checkov_venv())
    if checkov.executable.is_file():
        try:
            checkov.version()
            return checkov
        except CheckovUnavailable:
            pass  # a broken or half-made one: make it again
    # The base interpreter, not this virtualenv's: the new one must not see our packages.
    base = getattr(sys, "_base_executable", sys.executable)
    _output([base, "-m", "venv", "--clear", str(checkov.venv)])
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    try:
        result = subprocess.run(
            [str(checkov.python), "-m", "pip", "install", "--quiet", "checkov"],
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
            env=env,
        )
    except subprocess.TimeoutExpired:
        raise CheckovUnavailable("pip install checkov: no answer within 30 min") from None
    if result.returncode != 0:
        said = (result.stderr or result.stdout).strip().splitlines()
        raise CheckovUnavailable(f"pip install checkov: exit {result.returncode}: {said[-1] if said else ''}")
    checkov.version()
    return checkov


def finding_counts(output: str) -> dict[str, int]:
    """Passed / failed / skipped checks summed over checkov's per-framework summaries."""
    totals = {"passed": 0, "failed": 0, "skipped": 0}
    for passed, failed, skipped in COUNTS.findall(output):
        totals["passed"] += int(passed)
        totals["failed"] += int(failed)
        totals["skipped"] += int(skipped)
    return totals
