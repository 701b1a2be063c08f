"""Section 4 (and the deployment section 3 runs against): the sandbox end to end, phase by phase.

The steps are `sandbox.py run`'s own (conformance.sandbox.cli.cmd_run), called one by one with
the same functions so each phase is timed on its own and the emulator can be kept up for the
live measurement between the suite and the stop. That measurement is not part of the total.
The infrastructure phase is from the deploy's start (the infrastructure repo's init, the Lambda
repos packaged and initialised beside it) to the infrastructure apply's end; the Lambda phase is
from there to the last Lambda apply's end. The slowest resources of the infrastructure apply are
read from Terraform's own "Creation complete after" lines, to say where the time goes.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.baseline import Baseline
from benchmarks.live import LATENCY_MS, measure_live, measure_live_latency
from benchmarks.paths import SPEC
from conformance.tooling.verdict_cache import CACHE_ENV

Say = Callable[[str], None]
PHASES = ("generate", "emulator", "bootstrap", "infrastructure", "lambdas", "check", "stop")
COMPLETE = re.compile(r"^(\S+): (?:Creation|Modifications) complete after ((?:\d+h)?(?:\d+m)?\d+s)", re.MULTILINE)


def terraform_missing() -> str | None:
    """Why sections 3 and 4 cannot run here (None when they can)."""
    from conformance.tooling import terraform

    try:
        terraform.terraform_binary()
        terraform.installation()
    except terraform.TerraformUnavailable as missing:
        return str(missing)
    return None


def duration(text: str) -> int:
    """Terraform's `1m5s` as seconds."""
    total = 0
    for amount, unit in re.findall(r"(\d+)([hms])", text):
        total += int(amount) * {"h": 3600, "m": 60, "s": 1}[unit]
    return total


def slowest_resources(apply_log: str, count: int = 8) -> list[tuple[str, int]]:
    found = [(address, duration(took)) for address, took in COMPLETE.findall(apply_log)]
    return sorted(found, key=lambda item: -item[1])[:count]


def cpu_now() -> float:
    """CPU seconds (user + system) of this process and of every child it has waited for so far."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Phases:
    """Wall and CPU time per phase. A child's CPU counts once it has exited (the emulator's at `stop`)."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._mark = (time.perf_counter(), cpu_now())

    def start(self) -> None:
        self._mark = (time.perf_counter(), cpu_now())

    def end(self, name: str) -> None:
        wall, cpu = self._mark
        self.start()
        self.wall[name] = self._mark[0] - wall
        self.cpu[name] = self._mark[1] - cpu


def time_plugin_detection() -> float:
    """What `sandbox.py check` spends asking `pytest --help` whether the plugin has a live half."""
    from conformance.sandbox.suite import live_supported

    started = time.perf_counter()
    live_supported.__wrapped__()
    return time.perf_counter() - started


def run_e2e(
    work: Path, say: Say, env: str = "dev", live_runs: int = 3, baseline: Baseline | None = None
) -> dict[str, Any]:
    from conformance.generate.fleet import generate_fleet
    from conformance.platform import load_platform
    from conformance.sandbox import bootstrap
    from conformance.sandbox import deploy as deploying
    from conformance.sandbox.cli import uses_managed_policies
    from conformance.sandbox.emulator import Emulator
    from conformance.sandbox.suite import run_suite
    from conformance.sandbox.target import Target

    platform = load_platform(SPEC)
    spec = platform.environments[env]
    root = work / "sandbox"
    repos = root / "repos"
    workdir = root / ".work"
    cache = workdir / "plugin-cache"
    phases = Phases()
    result: dict[str, Any] = {
        "env": env,
        "phases": phases.wall,
        "phases_cpu": phases.cpu,
        "plugin_cache_warm": cache.is_dir() and any(cache.iterdir()),
    }

    say("sandbox: generate")
    phases.start()
    generated = generate_fleet(platform, repos, force=True)
    phases.end("generate")
    failed = [f"{r.name}: {r.error}" for r in generated if r.error]
    if failed:
        result["error"] = f"generate failed: {failed[0]}"
        return result

    say("sandbox: emulator")
    emulator = Emulator(spec.account_id, managed_policies=uses_managed_policies(repos), log_path=root / "emulator.log")
    phases.start()
    url = emulator.start()
    phases.end("emulator")
    try:
        target = Target(url, env, platform, repos, workdir)
        shutil.rmtree(workdir / "logs", ignore_errors=True)
        phases.start()
        first = bootstrap.apply_bootstrap(target)
        phases.end("bootstrap")
        if not first.ok:
            result["error"] = f"bootstrap failed: {first.error}"
            return result

        say("sandbox: deploy (infrastructure, then the Lambda repos)")
        outcomes: list[Any] = []

        def progress(outcome: Any) -> None:
            outcomes.append(outcome)
            if outcome.repo == platform.infrastructure.repo:
                phases.end("infrastructure")

        phases.start()
        deploying.deploy(target, progress=progress)
        phases.end("lambdas" if "infrastructure" in phases.wall else "infrastructure")
        result["repos"] = [
            {"repo": o.repo, "ok": o.ok, "seconds": o.seconds, "steps": {s.name: s.seconds for s in o.steps}}
            for o in outcomes
        ]
        apply_log = target.log_path(platform.infrastructure.repo, "apply")
        if apply_log.is_file():
            result["slowest_resources"] = slowest_resources(apply_log.read_text(encoding="utf-8"))
        if not outcomes or not all(o.ok for o in outcomes):
            bad = next((o for o in outcomes if not o.ok), None)
            result["error"] = f"deploy failed: {bad.error if bad else 'nothing deployed'}"
            return result

        say("sandbox: check (the suite as sandbox.py runs it: static + live, dev)")
        report = workdir / f"conformance-{env}.json"
        # Terraform's verdicts from an empty cache: the check of a first run, not of a run after this one.
        verdicts = root / ".work" / "terraform-verdicts"
        shutil.rmtree(verdicts, ignore_errors=True)
        phases.start()
        base_env = {**os.environ, CACHE_ENV: str(verdicts)}
        suite = run_suite(repos, env, url, spec.region, report, quiet=True, base_env=base_env)
        phases.end("check")
        result["check"] = {"returncode": suite.returncode, "summary": suite.summary, "live": suite.live}
        result["plugin_detection_seconds"] = time_plugin_detection()

        say(f"sandbox: live suite alone, {live_runs} run(s), against the same emulator")
        result["live"] = measure_live(platform, repos, env, url, work, runs=live_runs)
        say(f"sandbox: live suite at {LATENCY_MS} ms per call, after" + (" and before" if baseline else ""))
        result["live_latency"] = measure_live_latency(platform, repos, env, url, work, live_runs, baseline)
    finally:
        phases.start()
        emulator.stop()
        phases.end("stop")
    result["total_seconds"] = sum(phases.wall.get(name, 0.0) for name in PHASES)
    return result
