"""`python -m benchmarks [--only static,scale,live,sandbox] [--quick]`: measure, print, write RESULTS.md.

A full run writes benchmarks/RESULTS.md; a partial or quick one writes RESULTS-partial.md in the
work folder instead (unless --output says where), so a development run never replaces the
figures of a full one. A section that breaks is reported as not measured, with the error, and
the others still run: the exit code is 0 unless the arguments are wrong.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import machine
from benchmarks.paths import RESULTS_MD, work_dir
from benchmarks.report import console_table, results_markdown

SECTIONS = ("static", "scale", "live", "sandbox")
FULL_SIZES = (50, 200)  # beside the spec's own fleet
QUICK_SIZES = (20,)


def say(message: str) -> None:
    print(message, flush=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help=f"comma-separated sections (default: all of {','.join(SECTIONS)})"
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer repeats, fleets up to 20 repos, no terraform-on static run"
    )
    parser.add_argument("--output", type=Path, help="where to write the Markdown (default: see above)")
    args = parser.parse_args(argv)
    args.sections = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in args.sections if s not in SECTIONS]
    if unknown:
        parser.error(f"--only: expected some of {', '.join(SECTIONS)}, found {unknown[0]!r}")
    return args


def base_repos() -> int:
    """The size of the spec's own fleet: its infrastructure repo and its Lambdas."""
    from benchmarks.fleets import load_base

    return len(load_base()["lambdas"]["functions"]) + 1


def baseline_for(work: Path, results: dict[str, Any]) -> Any:
    """The revision the "before" figures are measured from, or None (and why, in the results)."""
    from benchmarks.baseline import BaselineUnavailable, ensure_baseline

    try:
        baseline = ensure_baseline(work)
    except BaselineUnavailable as missing:
        results["baseline"] = {"why": str(missing)}
        say(f"baseline: none ({missing}): no before figures")
        return None
    results["baseline"] = {"revision": baseline.revision, "commit": baseline.commit}
    say(f"baseline: {baseline.label}, unpacked in {baseline.root}")
    return baseline


def run_sections(args: argparse.Namespace, work: Path, results: dict[str, Any]) -> None:
    from benchmarks.e2e import run_e2e, terraform_missing
    from benchmarks.fleets import ensure_fleet
    from benchmarks.scale import run_scale
    from benchmarks.static import run_static

    sections, skipped = results["sections"], results["skipped"]
    missing = terraform_missing()
    results["terraform_missing"] = missing
    warm_runs = 1 if args.quick else 3
    base = base_repos()
    baseline = baseline_for(work, results)

    def guarded(name: str, job: Any) -> None:
        try:
            sections[name] = job()
        except Exception as error:  # a benchmark that breaks is reported, the others still run
            traceback.print_exc()
            skipped[name] = f"it failed: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
            say(f"{name}: FAILED ({skipped[name]})")

    if "static" in args.sections:
        guarded(
            "static",
            lambda: run_static(
                ensure_fleet(work, base),
                work,
                say,
                warm_runs,
                with_terraform=not args.quick and not missing,
                baseline=baseline,
            ),
        )
    if "scale" in args.sections:
        sizes = (base, *(s for s in (QUICK_SIZES if args.quick else FULL_SIZES) if s > base))
        guarded("scale", lambda: run_scale(work, say, sizes, checkov=not args.quick, baseline=baseline))
    if "live" in args.sections or "sandbox" in args.sections:
        if missing:
            say(f"live, sandbox: skipped: {missing}")
            skipped["sandbox"] = skipped["live"] = missing
        else:
            guarded("sandbox", lambda: run_e2e(work, say, live_runs=1 if args.quick else 3, baseline=baseline))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    work = work_dir()
    full = set(args.sections) == set(SECTIONS) and not args.quick
    output = args.output or (RESULTS_MD if full else work / "RESULTS-partial.md")
    started = time.perf_counter()
    results: dict[str, Any] = {
        "command": "tox -e bench"
        if full
        else "python -m benchmarks " + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": machine.describe(),
        "sections": {},
        "skipped": {},
    }
    say(f"benchmarks: {', '.join(args.sections)}{' (quick)' if args.quick else ''}; work folder {work}")
    run_sections(args, work, results)
    results["finished"] = time.strftime("%Y-%m-%d %H:%M %Z")
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["elapsed_minutes"] = (time.perf_counter() - started) / 60
    (work / "results.json").write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    output.write_text(results_markdown(results), encoding="utf-8")
    say("")
    say(console_table(results))
    say(f"\nwritten: {output} (raw figures: {work / 'results.json'})")
    return 0
