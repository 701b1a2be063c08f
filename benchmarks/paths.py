"""Where the benchmarks read and write: scratch work lives under .tox/ (already gitignored)."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = PROJECT_ROOT / "benchmarks"
RESULTS_MD = BENCH_DIR / "RESULTS.md"
SPEC = PROJECT_ROOT / "infra" / "platform.yaml"
GENERATE_SCRIPT = PROJECT_ROOT / "scripts" / "generate_repos.py"
PROBE_SCRIPT = BENCH_DIR / "probe_pytest.py"
FLOOR_SCRIPT = BENCH_DIR / "floor.py"
WORK_ENV = "BBWS_BENCH_WORKDIR"
CHECKOV_ENV = "BBWS_BENCH_CHECKOV_VENV"


def work_dir() -> Path:
    """Scratch space: generated fleets (cached by spec hash), pycache prefixes, the sandbox."""
    path = Path(os.environ.get(WORK_ENV) or PROJECT_ROOT / ".tox" / "bench-work")
    path.mkdir(parents=True, exist_ok=True)
    return path


def checkov_venv() -> Path:
    """checkov's own virtualenv: checkov and python-hcl2 both install a top-level `hcl2` module."""
    return Path(os.environ.get(CHECKOV_ENV) or PROJECT_ROOT / ".tox" / "bench-checkov")
