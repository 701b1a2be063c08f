"""Section 3: the live suite against a deployed sandbox: AWS calls made against calls needed, and time.

Calls needed are derived from the checks, as tests/live/test_live_calls.py does: the distinct
(resource, service, operation) that the planned live cases declare (`planned_reads`). Calls made
are the plugin's own count (`LiveEvidence.calls`), read by the probe at the end of the session.

Then the same at AWS's latency from afar: the emulator's delay per call set to 100 ms
(conformance.sandbox.latency), the live suite measured after and before (the baseline revision,
benchmarks.baseline), and the delay set back to 0.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.baseline import Baseline
from benchmarks.measure import median, python_env
from benchmarks.suite import PytestRun, run_probed
from conformance.suite_command import suite_args

LATENCY_MS = 100


def calls_needed(platform: Any, env: str) -> Counter[str]:
    """AWS calls a full live run of `env` needs, by `service:Operation`."""
    from conformance.catalogue import LIVE_CRITERIA
    from conformance.live.permissions import planned_reads
    from conformance.runner import plan_live_cases

    cases = plan_live_cases(platform, LIVE_CRITERIA, [env])
    planned = planned_reads(platform, [(c.criterion, c.env, c.function) for c in cases])
    return Counter(f"{service}:{operation}" for _, service, operation in planned)


def live_args(repos_root: Path, env: str, endpoint_url: str, platform_file: Path | None = None) -> list[str]:
    return suite_args(
        repos_root, envs=[env], marker="live", platform=platform_file, endpoint_url=endpoint_url, extra=["-q"]
    )


def emulator_environment(endpoint_url: str, region: str) -> dict[str, str]:
    """Our environment without AWS_* settings, plus the emulator's (as the sandbox's suite runs)."""
    from conformance.sandbox.emulator import client_environment

    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(client_environment(endpoint_url, region))
    return env


def compare_calls(made: dict[str, int] | None, needed: Counter[str]) -> dict[str, Any]:
    """Made against needed, in total and by operation (an extra call and a missing one both show)."""
    made = dict(made or {})
    operations = sorted(set(made) | set(needed))
    differences = {op: {"made": made.get(op, 0), "needed": needed.get(op, 0)} for op in operations}
    differences = {op: d for op, d in differences.items() if d["made"] != d["needed"]}
    return {
        "made": sum(made.values()),
        "needed": sum(needed.values()),
        "by_operation": {op: {"made": made.get(op, 0), "needed": needed.get(op, 0)} for op in operations},
        "differences": differences,
        "equal": not differences,
    }


def measure_live(
    platform: Any,
    repos_root: Path,
    env: str,
    endpoint_url: str,
    work: Path,
    runs: int = 3,
    baseline: Baseline | None = None,
) -> dict[str, Any]:
    """One unmeasured run (bytecode, emulator's first answers), then `runs` measured ones."""
    region = platform.environments[env].region
    prefix = work / "pycache" / ("live" if baseline is None else "live-before")
    prefix.mkdir(parents=True, exist_ok=True)
    environment = python_env(prefix, emulator_environment(endpoint_url, region))
    if baseline is not None:
        environment = baseline.environment(environment)
    args = live_args(repos_root, env, endpoint_url)
    run_probed(args, environment, work)
    measured: list[PytestRun] = [run_probed(args, environment, work) for _ in range(runs)]
    needed = calls_needed(platform, env)
    comparisons = [compare_calls(run.aws_calls, needed) for run in measured]
    return {
        "env": env,
        "runs": runs,
        "seconds": median([r.seconds for r in measured]),
        "inproc_seconds": median([r.inproc_seconds for r in measured]),
        "max_rss_mib": max(r.max_rss_mib for r in measured),
        "outcomes": measured[-1].outcomes,
        "retries": max((r.aws_retries or 0) for r in measured),
        "calls": comparisons[-1],
        "calls_equal_every_run": all(c["equal"] for c in comparisons),
        "calls_counted": all(r.aws_calls is not None for r in measured),
    }


def measure_live_latency(
    platform: Any,
    repos_root: Path,
    env: str,
    endpoint_url: str,
    work: Path,
    runs: int = 3,
    baseline: Baseline | None = None,
    latency_ms: int = LATENCY_MS,
) -> dict[str, Any]:
    """The live suite with every AWS call `latency_ms` slower: after, and before when there is a baseline."""
    from conformance.sandbox.latency import set_latency

    set_latency(endpoint_url, latency_ms)
    try:
        after = measure_live(platform, repos_root, env, endpoint_url, work, runs)
        before = measure_live(platform, repos_root, env, endpoint_url, work, runs, baseline) if baseline else None
    finally:
        set_latency(endpoint_url, 0)
    return {"latency_ms": latency_ms, "after": after, "before": before}
