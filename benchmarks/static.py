"""Section 1: the static suite on the spec's eight repos, beside checkov, the parse floor and pytest's own.

Each tool gets a fresh, empty bytecode prefix: its first run is cold (no .pyc anywhere, every
module compiled from source), the runs after it warm (the median is reported). The Lark grammar
cache python-hcl2 keeps in its own package folder is not cleared: it ships warm after the first
parse on any machine.

"Before" is the baseline revision's suite (benchmarks.baseline) on the same fleet, measured the
same way. pytest's own floor is a test file of as many empty parametrised cases as the suite has,
run by the same pytest: what any suite of that many pytest items costs before it checks anything.

With Terraform: the suite with `--terraform auto` before (the baseline: one repository after
another, no cache), after with an empty verdict cache (cold) and again with it filled (warm, the
median of the warm runs); and Terraform's own floor: `init` + `validate` of one repository,
whose CPU time times the repositories over the cores is the least any cold gate can take here.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.baseline import Baseline
from benchmarks.checkov import CheckovUnavailable, ensure_checkov, finding_counts
from benchmarks.fleets import Fleet
from benchmarks.measure import median, python_env, run_measured
from benchmarks.paths import FLOOR_SCRIPT
from benchmarks.suite import PytestRun, run_probed, static_args
from conformance.tooling.verdict_cache import CACHE_ENV

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


def measure_suite(fleet: Fleet, work: Path, warm_runs: int, baseline: Baseline | None = None) -> list[PytestRun]:
    prefix = _fresh_prefix(work, "suite" if baseline is None else "suite-before")
    env = python_env(prefix)
    if baseline is not None:
        env = baseline.environment(env)
    return [run_probed(static_args(fleet.root, fleet.spec), env, work) for _ in range(1 + warm_runs)]


BARE_TESTS = """import pytest


@pytest.mark.parametrize("case", range({cases}))
def test_case(case):
    pass
"""


def measure_bare_pytest(work: Path, cases: int, warm_runs: int) -> dict[str, Any]:
    """pytest alone: `cases` empty parametrised cases, run as the suite is (`-q -p no:cacheprovider`)."""
    folder = work / "bare-pytest"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "test_bare.py").write_text(BARE_TESTS.format(cases=cases), encoding="utf-8")
    prefix = _fresh_prefix(work, "bare-pytest")
    args = [str(folder / "test_bare.py"), "-q", "-p", "no:cacheprovider"]
    runs = [run_probed(args, python_env(prefix), folder).as_dict() for _ in range(1 + warm_runs)]
    return {"cases": cases, **_summary(runs)}


def measure_terraform(fleet: Fleet, work: Path, say: Say, warm_runs: int, baseline: Baseline | None) -> dict[str, Any]:
    """The gate with Terraform: before (one run), after cold and warm, and Terraform's own floor."""
    prefix = work / "pycache" / "suite"  # warm from the suite's runs
    args = static_args(fleet.root, fleet.spec, terraform="auto")
    result: dict[str, Any] = {"repos": fleet.repos}
    if baseline is not None:
        say("static: suite with terraform before (the baseline: one repository after another, no cache)")
        before_env = baseline.environment(python_env(work / "pycache" / "suite-before"))
        result["before"] = run_probed(args, before_env, work).as_dict()
    cache = work / "terraform-verdicts"
    shutil.rmtree(cache, ignore_errors=True)
    env = {**python_env(prefix), CACHE_ENV: str(cache)}
    say("static: suite with terraform after, cold (empty verdict cache), then warm")
    result["cold"] = run_probed(args, env, work).as_dict()
    result["warm"] = _summary([result["cold"], *(run_probed(args, env, work).as_dict() for _ in range(warm_runs))])
    result["floor"] = terraform_floor(fleet, work)
    return result


def terraform_floor(fleet: Fleet, work: Path) -> dict[str, Any]:
    """`terraform init -backend=false` and `validate` of the largest repository, as the gate runs them."""
    from conformance.tooling import terraform
    from conformance.tooling.terraform_gate import GO_TUNING

    repo = max(fleet.root.iterdir(), key=lambda p: sum(f.stat().st_size for f in p.glob("terraform/*.tf")))
    scratch = work / "terraform-floor"
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(repo / "terraform", scratch / "terraform", ignore=shutil.ignore_patterns(".terraform"))
    env = {**terraform.environment(scratch), **GO_TUNING}
    binary = terraform.terraform_binary()
    init = run_measured([binary, *terraform.INIT_ARGS], env=env, cwd=scratch / "terraform")
    validate = run_measured([binary, *terraform.VALIDATE_ARGS], env=env, cwd=scratch / "terraform")
    shutil.rmtree(scratch, ignore_errors=True)
    return {
        "repo": repo.name,
        "ok": init.returncode == 0 and validate.returncode == 0,
        "init_seconds": init.seconds,
        "init_cpu_seconds": init.cpu_seconds,
        "validate_seconds": validate.seconds,
        "validate_cpu_seconds": validate.cpu_seconds,
    }


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


def run_static(
    fleet: Fleet,
    work: Path,
    say: Say,
    warm_runs: int = 3,
    with_terraform: bool = True,
    baseline: Baseline | None = None,
) -> dict[str, Any]:
    say(f"static: suite on {fleet.repos} repos, cold + {warm_runs} warm")
    suite_runs = measure_suite(fleet, work, warm_runs)
    suite = _summary([r.as_dict() for r in suite_runs])
    before = None
    if baseline is not None:
        say(f"static: the baseline's suite ({baseline.label}), cold + {warm_runs} warm")
        before_runs = measure_suite(fleet, work, warm_runs, baseline)
        before = {**_summary([r.as_dict() for r in before_runs]), "outcomes": before_runs[-1].outcomes}
    cases = sum(suite_runs[-1].outcomes.values())
    say(f"static: pytest alone, {cases} empty cases")
    bare = measure_bare_pytest(work, cases, warm_runs)
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
        "suite_before": before,
        "pytest_bare": bare,
        "suite_outcomes": suite_runs[-1].outcomes,
        "floor": floor,
        "floor_tree": floor_tree,
        "checkov": checkov,
    }
    if with_terraform:
        result["terraform"] = measure_terraform(fleet, work, say, warm_runs, baseline)
    return result
