"""The code before a change, measured in the same run: "before" columns that are not remembered figures.

`git archive REV` of the project is unpacked once under the work folder and put first on
PYTHONPATH for the "before" runs, so `pytest --pyargs conformance` (the plugin's entry point is a
module name) imports that revision's suite, with the same interpreter, packages, fleet, machine
and load as the "after" runs beside it. The default revision is the commit issue 16's work started
from; `BBWS_BENCH_BASELINE=REV` measures against another one, `BBWS_BENCH_BASELINE=none` skips it.
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.paths import PROJECT_ROOT

BASELINE_ENV = "BBWS_BENCH_BASELINE"
# The commit before issue 16 (faster gate, static suite and live reads).
DEFAULT_BASELINE = "abf9144c634ad30ddeb5d5213e9515714222f294"


@dataclass(frozen=True)
class Baseline:
    """A revision of the project unpacked in `root`; `pythonpath` makes its suite the one imported."""

    revision: str
    commit: str
    root: Path

    def environment(self, env: dict[str, str]) -> dict[str, str]:
        paths = [str(self.root), *filter(None, [env.get("PYTHONPATH")])]
        return {**env, "PYTHONPATH": os.pathsep.join(paths)}

    @property
    def label(self) -> str:
        return f"{self.revision[:12]}" if self.revision == self.commit else f"{self.revision} ({self.commit[:12]})"


class BaselineUnavailable(RuntimeError):
    """No baseline: turned off, or the revision is not in this clone; the message says which."""


def _git(*args: str) -> bytes:
    try:
        result = subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise BaselineUnavailable(f"git {args[0]}: {error}") from None
    if result.returncode != 0:
        said = result.stderr.decode(errors="replace").strip().splitlines()
        raise BaselineUnavailable(f"git {' '.join(args[:2])}: {said[-1] if said else f'exit {result.returncode}'}")
    return result.stdout


def ensure_baseline(work: Path, revision: str | None = None) -> Baseline:
    """The revision's tree under `work/baseline/<commit>`, unpacked on first use."""
    wanted = (revision or os.environ.get(BASELINE_ENV) or DEFAULT_BASELINE).strip()
    if wanted.lower() == "none":
        raise BaselineUnavailable(f"{BASELINE_ENV}=none")
    commit = _git("rev-parse", "--verify", f"{wanted}^{{commit}}").decode().strip()
    root = work / "baseline" / commit
    marker = root / ".unpacked"
    if not marker.is_file():
        archive = _git("archive", "--format=tar", commit)
        root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(root, filter="data")
        marker.write_text(commit, encoding="utf-8")
    return Baseline(wanted, commit, root)
