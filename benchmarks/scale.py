"""Section 2: the static suite on fleets of 8, 50 and 200 repositories, serially and with xdist -n 2.

Every run is warm (one unmeasured run fills the bytecode prefix first); the median of 5 runs for
the spec's own fleet, 3 up to 50 repos, one run at 200. Each run also writes the
plugin's JSON report, so the xdist run shows whether the report survives being split across
workers: the verdicts are compared with the serial run's, and the report's result count with the
number of cases pytest ran. checkov runs once on each fleet beyond the spec's own (warm; section
1 has it on the spec's), and the baseline's suite once on the largest (the "before" at scale).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.baseline import Baseline
from benchmarks.checkov import CheckovUnavailable, ensure_checkov
from benchmarks.fleets import Fleet, ensure_fleet, load_base
from benchmarks.measure import median, python_env, run_measured
from benchmarks.suite import PytestRun, run_probed, static_args

Say = Callable[[str], None]
SIZES = (8, 50, 200)
QUICK_SIZES = (8, 20)


def report_count(path: Path) -> int | None:
    """How many results the plugin's JSON report holds (None: no report written)."""
    if not path.is_file():
        return None
    return len(json.loads(path.read_text(encoding="utf-8")).get("results", []))


def _one(fleet: Fleet, work: Path, prefix: Path, extra: Sequence[str]) -> tuple[PytestRun, int | None]:
    report = work / f"report-{fleet.repos}-{'xdist' if extra else 'serial'}.json"
    report.unlink(missing_ok=True)
    args = static_args(fleet.root, fleet.spec, extra=[*extra, "--conformance-json", str(report)])
    return run_probed(args, python_env(prefix), work), report_count(report)


def measure_size(fleet: Fleet, work: Path, prefix: Path, repeats: int, xdist: bool) -> dict[str, Any]:
    serial = [_one(fleet, work, prefix, ()) for _ in range(repeats)]
    runs = [run for run, _ in serial]
    result: dict[str, Any] = {
        "repos": fleet.repos,
        "generate_seconds": fleet.generate_seconds,
        "generate_seconds_per_repo": fleet.generate_seconds_per_repo,
        "generate_cached": fleet.cached,
        "generated_at": fleet.generated_at,
        "runs": len(runs),
        "seconds": median([r.seconds for r in runs]),
        "inproc_seconds": median([r.inproc_seconds for r in runs]),
        "cpu_seconds": median([r.cpu_seconds for r in runs]),
        "max_rss_mib": max(r.max_rss_mib for r in runs),
        "outcomes": runs[-1].outcomes,
        "report_results": serial[-1][1],
    }
    if xdist:
        run, count = _one(fleet, work, prefix, ("-n", "2"))
        same, note = run.outcomes == runs[-1].outcomes, ""
        if not same:
            # Another serial run tells a difference xdist makes from code edited while the benchmark ran.
            again, _ = _one(fleet, work, prefix, ())
            if again.outcomes == run.outcomes:
                same, note = True, "the serial verdicts changed between two runs: code or fleet edited meanwhile"
        result["xdist"] = {
            **run.as_dict(),
            "report_results": count,
            "same_verdicts": same,
            "note": note,
            "tail": run.tail if run.exit_code not in (0, 1) else "",
        }
    return result


def xdist_installed() -> bool:
    from importlib.util import find_spec

    return find_spec("xdist") is not None


def measure_checkov(fleet: Fleet, work: Path, say: Say) -> dict[str, Any]:
    """One warm checkov run on the fleet (its bytecode prefix warmed on the spec's fleet if empty)."""
    try:
        checkov = ensure_checkov()
    except CheckovUnavailable as error:
        return {"available": False, "why": str(error)}
    prefix = work / "pycache" / "checkov"
    if not prefix.is_dir() or not any(prefix.iterdir()):
        prefix.mkdir(parents=True, exist_ok=True)
        run_measured(checkov.command(ensure_fleet(work, SIZES[0]).root), env=python_env(prefix), cwd=work)
    say(f"scale: {fleet.repos} repos: checkov")
    measured = run_measured(checkov.command(fleet.root), env=python_env(prefix), cwd=work, timeout=3600)
    return {
        "available": True,
        "seconds": measured.seconds,
        "cpu_seconds": measured.cpu_seconds,
        "max_rss_mib": measured.max_rss_mib,
        "exit_code": measured.returncode,
    }


def measure_before(fleet: Fleet, work: Path, baseline: Baseline) -> dict[str, Any]:
    """The baseline's suite, one warm run (its bytecode prefix filled on the spec's fleet first)."""
    prefix = work / "pycache" / "scale-before"
    prefix.mkdir(parents=True, exist_ok=True)
    env = baseline.environment(python_env(prefix))
    if not any(prefix.iterdir()):
        small = ensure_fleet(work, SIZES[0])
        run_probed(static_args(small.root, small.spec), env, work)
    return run_probed(static_args(fleet.root, fleet.spec), env, work).as_dict()


def run_scale(
    work: Path, say: Say, sizes: Sequence[int] = SIZES, checkov: bool = True, baseline: Baseline | None = None
) -> dict[str, Any]:
    base = load_base()
    prefix = work / "pycache" / "scale"
    prefix.mkdir(parents=True, exist_ok=True)
    xdist = xdist_installed()
    results = []
    warmed = False
    for size in sizes:
        say(f"scale: {size} repos: generating (or reusing the cached render)")
        fleet = ensure_fleet(work, size, base)
        if not warmed:
            run_probed(static_args(fleet.root, fleet.spec), python_env(prefix), work)  # fills the prefix
            warmed = True
        repeats = 5 if size <= 10 else 3 if size <= 50 else 1  # small fleets are quick and the most noisy
        say(f"scale: {size} repos: suite x{repeats}" + (", then -n 2" if xdist else " (pytest-xdist not installed)"))
        results.append(measure_size(fleet, work, prefix, repeats, xdist))
        if checkov and size > sizes[0]:
            results[-1]["checkov"] = measure_checkov(fleet, work, say)
        if baseline is not None and size == max(sizes) and size > sizes[0]:
            say(f"scale: {size} repos: the baseline's suite, once")
            results[-1]["before"] = measure_before(fleet, work, baseline)
    return {"sizes": results, "xdist_installed": xdist}
