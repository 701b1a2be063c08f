"""Section 1: the static suite on the spec's eight repos, beside checkov and the parse floor.

Each tool gets a fresh, empty bytecode prefix: its first run is cold (no .pyc anywhere, every
module compiled from source), the runs after it warm (the median is reported). The Lark grammar
cache python-hcl2 keeps in its own package folder is not cleared: it ships warm after the first
parse on any machine.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.checkov import CheckovUnavailable, ensure_checkov, finding_counts
from benchmarks.fleets import Fleet
from benchmarks.measure import median, python_env, run_measured
from benchmarks.paths import FLOOR_SCRIPT
from benchmarks.suite import PytestRun, run_probed, static_args

Say = Callable[[str], None]


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Cold = the first run, warm = the median of the others."""
    cold, warm = runs[0], runs[1:]
    summary: dict[str, Any] = {"cold": cold, "warm_runs": len(warm)}
    for key in ("seconds", "inproc_seconds", "cpu_seconds", "max_rss_mib", "session_seconds", "collection_seconds"):
        values = [r[key] for r in warm if r.get(key) is not None]
        summary[f"warm_{key}"] = median(values) if values else None
    return summary


def _fresh_prefix(work: Path, name: str) -> Path:
    prefix = work / "pycache" / name
    shutil.rmtree(prefix, ignore_errors=True)
    prefix.mkdir(parents=True)
    return prefix


def measure_suite(fleet: Fleet, work: Path, warm_runs: int) -> list[PytestRun]:
    prefix = _fresh_prefix(work, "suite")
    return [run_probed(static_args(fleet.root, fleet.spec), python_env(prefix), work) for _ in range(1 + warm_runs)]


def measure_floor(fleet: Fleet, work: Path, warm_runs: int, mode: str) -> list[dict[str, Any]]:
    prefix = _fresh_prefix(work, f"floor-{mode}")
    runs = []
    for _ in range(1 + warm_runs):
        with tempfile.TemporaryDirectory(prefix="floor-") as scratch:
            out = Path(scratch) / "floor.json"
            measured = run_measured(
                [sys.executable, str(FLOOR_SCRIPT), str(fleet.root), str(out), "--mode", mode],
                env=python_env(prefix),
                cwd=work,
            )
            if measured.returncode != 0:
                raise RuntimeError(f"floor ({mode}) failed: {measured.output.strip()[-500:]}")
            probe = json.loads(out.read_text(encoding="utf-8"))
        runs.append(
            {
                "seconds": measured.seconds,
                "cpu_seconds": measured.cpu_seconds,
                "max_rss_mib": measured.max_rss_mib,
                **probe,
            }
        )
    return runs


def measure_checkov(fleet: Fleet, work: Path, warm_runs: int, say: Say) -> dict[str, Any]:
    try:
        checkov = ensure_checkov()
    except CheckovUnavailable as error:
        say(f"checkov: not measured ({error})")
        return {"available": False, "why": str(error)}
    prefix = _fresh_prefix(work, "checkov")
    runs = []
    for _ in range(1 + warm_runs):
        measured = run_measured(checkov.command(fleet.root), env=python_env(prefix), cwd=work)
        runs.append(
            {
                "seconds": measured.seconds,
                "cpu_seconds": measured.cpu_seconds,
                "max_rss_mib": measured.max_rss_mib,
                "exit_code": measured.returncode,
                "findings": finding_counts(measured.output),
            }
        )
    return {
        "available": True,
        "version": checkov.version(),
        "bc_python_hcl2": checkov.package_version("bc-python-hcl2"),
        "venv": str(checkov.venv),
        **_summary(runs),
    }


def run_static(fleet: Fleet, work: Path, say: Say, warm_runs: int = 3, with_terraform: bool = True) -> dict[str, Any]:
    say(f"static: suite on {fleet.repos} repos, cold + {warm_runs} warm")
    suite_runs = measure_suite(fleet, work, warm_runs)
    suite = _summary([r.as_dict() for r in suite_runs])
    say("static: parse floor (hcl2.loads + yaml.safe_load), then the parse-tree-only floor")
    floor = _summary(measure_floor(fleet, work, warm_runs, "loads"))
    floor_tree = _summary(measure_floor(fleet, work, warm_runs, "tree"))
    say("static: checkov")
    checkov = measure_checkov(fleet, work, warm_runs, say)
    result: dict[str, Any] = {
        "repos": fleet.repos,
        "files_parsed": floor["cold"]["files"],
        "bytes_parsed": floor["cold"]["bytes"],
        "suite": suite,
        "suite_outcomes": suite_runs[-1].outcomes,
        "floor": floor,
        "floor_tree": floor_tree,
        "checkov": checkov,
    }
    if with_terraform:
        say("static: suite with terraform fmt/validate (--terraform auto), one warm run")
        warm = python_env(work / "pycache" / "suite")  # filled by the runs above
        run = run_probed(static_args(fleet.root, fleet.spec, terraform="auto"), warm, work)
        result["suite_terraform"] = run.as_dict()
    return result
