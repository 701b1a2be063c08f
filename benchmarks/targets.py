"""The targets and the verdict on each: met, not met (with why), or not measured; before and after.

Pure functions of the results dictionary, so the logic is tested without measuring anything.
"Before" is the baseline revision measured in the same run (benchmarks.baseline), "after" this
tree; the verdict is on "after". Issue 16's targets, and which figure each one uses:

- the gate with Terraform, cold: the static suite with `--terraform auto` on the spec's 8 repos,
  whole process, an empty verdict cache: <= 6 s;
- the gate with Terraform, warm: what fmt/validate add to the static suite when nothing changed
  (the warm suite with them minus the warm suite without, whole process): <= 1 s;
- static vs parse floor: whole process, warm: <= 1.3x the floor;
- static vs checkov: whole process, warm, at least 5x faster than checkov on 8 repos and on the
  largest fleet;
- live at real latency: the live suite, whole process, every AWS call 100 ms slower: <= 1.5 s,
  calls made = calls planned;
- sandbox end to end: the sum of the phases of `sandbox.py run`: <= 90 s;

and the earlier ones kept: linear scaling (in-process, serial runs), live calls and time on the
emulator without delay (< 5 s, calls made = calls needed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TERRAFORM_COLD_MAX = 6.0
TERRAFORM_WARM_MAX = 1.0
FLOOR_RATIO_MAX = 1.3
CHECKOV_SPEEDUP_MIN = 5.0
SCALE_BASE_REPOS = 8
LIVE_SECONDS_MAX = 5.0
LIVE_LATENCY_SECONDS_MAX = 1.5
SANDBOX_SECONDS_MAX = 90.0


@dataclass(frozen=True)
class Verdict:
    name: str
    target: str
    figure: str  # after
    met: bool | None  # None: not measured
    why: str = ""
    before: str = "-"

    @property
    def label(self) -> str:
        return {True: "met", False: "NOT met", None: "not measured"}[self.met]


def _not_measured(name: str, target: str, why: str) -> Verdict:
    return Verdict(name, target, "-", None, why)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def suite_split(suite: dict[str, Any]) -> tuple[float, float, float] | None:
    """Warm in-process time as (pytest start-up, collection, running the cases), when the probe saw them."""
    inproc, session, collection = (
        suite.get(k) for k in ("warm_inproc_seconds", "warm_session_seconds", "warm_collection_seconds")
    )
    if inproc is None or session is None or collection is None:
        return None
    return inproc - session, collection, session - collection


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


# -- the gate with Terraform ------------------------------------------------------------------------


def terraform_floor_seconds(static: dict[str, Any], cores: int | None) -> float | None:
    """The least a cold gate can take here: init + validate CPU per repository, times repositories, over cores."""
    floor = (static.get("terraform") or {}).get("floor") or {}
    if not floor.get("ok") or not cores:
        return None
    return (floor["init_cpu_seconds"] + floor["validate_cpu_seconds"]) * static["repos"] / cores


def terraform_cold(static: dict[str, Any] | None, cores: int | None = None) -> Verdict:
    name = "gate with Terraform, cold"
    target = f"static suite with fmt + validate <= {TERRAFORM_COLD_MAX:.0f} s on 8 repos, empty verdict cache (whole)"
    terraform = (static or {}).get("terraform")
    if not terraform:
        return _not_measured(name, target, "not run (--quick, or terraform missing)")
    cold = terraform["cold"]
    before = (terraform.get("before") or {}).get("seconds")
    figure = f"{cold['seconds']:.1f} s ({cold['cpu_seconds']:.0f} s CPU)"
    before_text = "-" if before is None else f"{before:.1f} s ({terraform['before']['cpu_seconds']:.0f} s CPU)"
    if cold.get("exit_code") not in (0, None):
        return Verdict(name, target, figure, False, f"the run failed (exit {cold['exit_code']})", before_text)
    if cold["seconds"] <= TERRAFORM_COLD_MAX:
        return Verdict(name, target, figure, True, before=before_text)
    parts = []
    floor = terraform.get("floor") or {}
    least = terraform_floor_seconds(static or {}, cores)
    if least is not None:
        per_repo = floor["init_cpu_seconds"] + floor["validate_cpu_seconds"]
        parts.append(
            f"terraform itself needs {per_repo:.1f} s of CPU per repository (init {floor['init_cpu_seconds']:.1f} s,"
            f" validate {floor['validate_cpu_seconds']:.1f} s: the AWS provider started twice and its whole schema"
            f" decoded), so {static['repos']} repositories on {cores} cores cannot take less than {least:.1f} s"
        )
    parts.append("a verdict is cached, so this is paid once per change of a repository's Terraform")
    return Verdict(name, target, figure, False, "; ".join(parts), before_text)


def terraform_warm(static: dict[str, Any] | None) -> Verdict:
    name = "gate with Terraform, warm"
    target = f"fmt + validate add <= {TERRAFORM_WARM_MAX:.0f} s when nothing changed (warm suite with - without)"
    terraform = (static or {}).get("terraform")
    if not terraform or static is None:
        return _not_measured(name, target, "not run (--quick, or terraform missing)")
    warm, without = terraform["warm"].get("warm_seconds"), static["suite"]["warm_seconds"]
    if warm is None:
        return _not_measured(name, target, "no warm run")
    added = warm - without
    figure = f"+{added:.2f} s ({warm:.2f} s with, {without:.2f} s without)"
    before = (terraform.get("before") or {}).get("seconds")
    before_without = (static.get("suite_before") or {}).get("warm_seconds")
    before_text = "-"
    if before is not None and before_without is not None:
        before_text = f"+{before - before_without:.1f} s (no cache: every run is cold)"
    if added <= TERRAFORM_WARM_MAX:
        return Verdict(name, target, figure, True, before=before_text)
    return Verdict(name, target, figure, False, "the verdicts come from the cache but still cost this", before_text)


# -- the static suite --------------------------------------------------------------------------------


def static_floor(static: dict[str, Any] | None) -> Verdict:
    name, target = "static vs parse floor", f"suite <= {FLOOR_RATIO_MAX}x floor (whole process, warm)"
    if not static:
        return _not_measured(name, target, "section not run")
    suite = static["suite"]["warm_seconds"]
    floor = static["floor"]["warm_seconds"]
    value = ratio(suite, floor)
    if value is None:
        return _not_measured(name, target, "no figure")
    figure = f"{value:.2f}x ({suite:.2f} s / {floor:.2f} s)"
    before_suite = (static.get("suite_before") or {}).get("warm_seconds")
    before_value = ratio(before_suite, floor)
    before = "-" if before_value is None else f"{before_value:.2f}x ({before_suite:.2f} s)"
    if value <= FLOOR_RATIO_MAX:
        return Verdict(name, target, figure, True, before=before)
    parts = []
    bare = (static.get("pytest_bare") or {}).get("warm_seconds")
    tree = (static.get("floor_tree") or {}).get("warm_seconds")
    cases = sum(static.get("suite_outcomes", {}).values())
    if bare is not None:
        parts.append(
            f"pytest alone, running {cases} empty cases, takes {bare:.2f} s ({bare / floor:.2f}x the floor) before"
            " anything is read"
        )
    if bare is not None and tree is not None:
        least = bare + tree - PYTHON_START_SECONDS
        parts.append(
            f"with the HCL parse the suite needs (to the Lark tree: {tree:.2f} s as a process) that is {least:.2f} s"
            f" ({least / floor:.2f}x) for a suite of one pytest case per check: {FLOOR_RATIO_MAX}x would leave"
            f" {FLOOR_RATIO_MAX * floor - least:.2f} s for the spec, evaluation and {cases} checks"
        )
    split = suite_split(static["suite"])
    if split:
        startup, collection, running = split
        parts.append(
            f"in process the suite spends {startup:.2f} s starting pytest, {collection:.2f} s collecting and"
            f" {running:.2f} s running"
        )
    return Verdict(name, target, figure, False, "; ".join(parts) or "beyond the parse the suite runs pytest", before)


# An interpreter's start and exit, counted once when two process figures are added.
PYTHON_START_SECONDS = 0.03


def checkov_speedup(static: dict[str, Any] | None) -> Verdict:
    name = "static vs checkov, 8 repos"
    target = f"suite >= {CHECKOV_SPEEDUP_MIN:.0f}x faster than checkov (whole process, warm)"
    if not static:
        return _not_measured(name, target, "section not run")
    checkov = static.get("checkov") or {}
    if not checkov.get("available"):
        return _not_measured(name, target, f"checkov unavailable: {checkov.get('why', 'not run')}")
    suite = static["suite"]["warm_seconds"]
    value = ratio(checkov["warm_seconds"], suite)
    if value is None:
        return _not_measured(name, target, "no figure")
    figure = f"{value:.1f}x ({checkov['warm_seconds']:.2f} s / {suite:.2f} s)"
    before_suite = (static.get("suite_before") or {}).get("warm_seconds")
    before_value = ratio(checkov["warm_seconds"], before_suite)
    before = "-" if before_value is None else f"{before_value:.1f}x ({before_suite:.2f} s)"
    if value >= CHECKOV_SPEEDUP_MIN:
        return Verdict(name, target, figure, True, before=before)
    wanted = checkov["warm_seconds"] / CHECKOV_SPEEDUP_MIN
    why = f"{CHECKOV_SPEEDUP_MIN:.0f}x asks the suite for {wanted:.2f} s"
    bare = (static.get("pytest_bare") or {}).get("warm_seconds")
    tree = (static.get("floor_tree") or {}).get("warm_seconds")
    if bare is not None and tree is not None:
        why += (
            f"; pytest alone with as many empty cases ({bare:.2f} s) and the parse the suite needs ({tree:.2f} s)"
            f" already take {bare + tree - PYTHON_START_SECONDS:.2f} s"
        )
    return Verdict(name, target, figure, False, why, before)


def checkov_at_scale(scale: dict[str, Any] | None) -> Verdict:
    name = "static vs checkov, at scale"
    target = f"suite >= {CHECKOV_SPEEDUP_MIN:.0f}x faster than checkov on the largest fleet (whole process)"
    sizes = sorted((scale or {}).get("sizes", []), key=lambda s: s["repos"])
    measured = [s for s in sizes if (s.get("checkov") or {}).get("available")]
    if not measured:
        why = next(((s.get("checkov") or {}).get("why") for s in sizes if s.get("checkov")), None)
        return _not_measured(name, target, f"checkov unavailable: {why}" if why else "not run (--quick)")
    large = measured[-1]
    target = target.replace("the largest fleet", f"{large['repos']} repos")
    checkov = large["checkov"]["seconds"]
    value = ratio(checkov, large["seconds"])
    if value is None:
        return _not_measured(name, target, "no figure")
    figure = f"{value:.1f}x ({checkov:.1f} s / {large['seconds']:.1f} s)"
    before_run = large.get("before") or {}
    before_value = ratio(checkov, before_run.get("seconds"))
    before = "-" if before_value is None else f"{before_value:.1f}x ({before_run['seconds']:.1f} s)"
    if value >= CHECKOV_SPEEDUP_MIN:
        return Verdict(name, target, figure, True, before=before)
    why = (
        f"{CHECKOV_SPEEDUP_MIN:.0f}x asks the suite for {checkov / CHECKOV_SPEEDUP_MIN:.1f} s:"
        f" {1000 * checkov / CHECKOV_SPEEDUP_MIN / large['repos']:.0f} ms per repository, where it takes"
        f" {1000 * large['seconds'] / large['repos']:.0f} ms"
    )
    return Verdict(name, target, figure, False, why, before)


def scaling(scale: dict[str, Any] | None) -> Verdict:
    name = "linear scaling"
    if not scale or not scale.get("sizes"):
        return _not_measured(name, "largest fleet <= (its repos / 8) x the 8-repo run", "section not run")
    sizes = sorted(scale["sizes"], key=lambda s: s["repos"])
    small, large = sizes[0], sizes[-1]
    limit = large["repos"] / small["repos"]
    target = f"{large['repos']} repos <= {limit:g}x the {small['repos']}-repo run (in-process)"
    if len(sizes) < 2:
        return _not_measured(name, target, "one fleet size only")
    value = ratio(large["inproc_seconds"], small["inproc_seconds"])
    if value is None:
        return _not_measured(name, target, "no figure")
    figure = (
        f"{value:.1f}x ({large['inproc_seconds']:.2f} s / {small['inproc_seconds']:.2f} s; "
        f"{1000 * large['inproc_seconds'] / large['repos']:.0f} vs "
        f"{1000 * small['inproc_seconds'] / small['repos']:.0f} ms per repo"
    )
    cpu = ratio(large.get("cpu_seconds"), small.get("cpu_seconds"))
    figure += f"; CPU {cpu:.1f}x)" if cpu is not None else ")"
    if value <= limit:
        return Verdict(name, target, figure, True)
    why = "the cost per repository grows with the fleet: some work is not linear in the number of repositories"
    return Verdict(name, target, figure, False, why)


# -- the live suite ----------------------------------------------------------------------------------


def _call_problems(live: dict[str, Any]) -> list[str]:
    calls = live["calls"]
    if not live.get("calls_counted", True):
        return ["the plugin's call count could not be read"]
    if not (calls["equal"] and live.get("calls_equal_every_run", True)):
        extra = ", ".join(f"{op} {d['made']} made / {d['needed']} needed" for op, d in calls["differences"].items())
        return [f"calls differ: {extra or 'between runs'}"]
    return []


def live_calls(live: dict[str, Any] | None, skipped: str | None = None) -> Verdict:
    name, target = "live calls and time", f"calls made = calls needed, < {LIVE_SECONDS_MAX:.0f} s (whole process)"
    if not live:
        return _not_measured(name, target, skipped or "section not run")
    calls = live["calls"]
    figure = (
        f"{calls['made']} made / {calls['needed']} needed; "
        f"{live['seconds']:.2f} s ({live['inproc_seconds']:.2f} s in process)"
    )
    problems = _call_problems(live)
    if live["seconds"] >= LIVE_SECONDS_MAX:
        problems.append(f"the run takes {live['seconds']:.2f} s")
    return Verdict(name, target, figure, not problems, "; ".join(problems))


def live_latency(
    latency: dict[str, Any] | None, without: dict[str, Any] | None = None, skipped: str | None = None
) -> Verdict:
    """`without`: the same suite on the emulator without delay (to say what the delay adds)."""
    name = "live at real latency"
    milliseconds = (latency or {}).get("latency_ms", 100)
    target = (
        f"full dev live run <= {LIVE_LATENCY_SECONDS_MAX} s at {milliseconds} ms per call (whole process),"
        " calls made = calls planned"
    )
    after = (latency or {}).get("after")
    if not latency or not after:
        return _not_measured(name, target, skipped or "section not run")
    figure = f"{after['seconds']:.2f} s, {after['calls']['made']} calls ({after['inproc_seconds']:.2f} s in process)"
    before_run = latency.get("before")
    before = "-" if not before_run else f"{before_run['seconds']:.2f} s, {before_run['calls']['made']} calls"
    problems = _call_problems(after)
    if after["seconds"] > LIVE_LATENCY_SECONDS_MAX:
        line = f"the run takes {after['seconds']:.2f} s"
        if without:
            added = after["seconds"] - without["seconds"]
            line += (
                f": {without['seconds']:.2f} s without the delay, which adds {added:.2f} s"
                f" ({added / (milliseconds / 1000):.1f} calls' worth, of {after['calls']['made']})"
            )
        problems.append(line)
    return Verdict(name, target, figure, not problems, "; ".join(problems), before)


# -- the sandbox -------------------------------------------------------------------------------------


def sandbox_total(e2e: dict[str, Any] | None, skipped: str | None = None) -> Verdict:
    name, target = "sandbox end to end", f"<= {SANDBOX_SECONDS_MAX:.0f} s"
    if not e2e:
        return _not_measured(name, target, skipped or "section not run")
    if e2e.get("error"):
        return Verdict(name, target, "-", False, e2e["error"])
    total = e2e["total_seconds"]
    phases = e2e["phases"]
    figure = f"{total:.0f} s"
    if total <= SANDBOX_SECONDS_MAX:
        return Verdict(name, target, figure, True)
    cpu = e2e.get("phases_cpu", {})
    biggest = sorted(phases.items(), key=lambda item: -item[1])[:3]
    parts = [
        ", ".join(
            f"{phase} {seconds:.0f} s" + (f" ({cpu[phase]:.0f} s CPU)" if phase in cpu else "")
            for phase, seconds in biggest
        )
    ]
    slow = e2e.get("slowest_resources") or []
    if slow:
        listed = ", ".join(f"{address} {seconds} s" for address, seconds in slow[:4])
        parts.append(f"the infrastructure apply mostly waits on the AWS provider's fixed polling ({listed})")
    lambdas, lambdas_cpu = phases.get("lambdas"), cpu.get("lambdas")
    if lambdas and lambdas_cpu and lambdas_cpu / lambdas >= 1.2:
        parts.append(
            f"the Lambda applies are CPU-bound ({lambdas_cpu / lambdas:.1f} cores busy: a Terraform and an AWS"
            " provider process per repo, side by side)"
        )
    if phases.get("check", 0) >= 10:
        parts.append("`check` runs terraform fmt + validate of every repo again after the apply")
    return Verdict(name, target, figure, False, "; ".join(parts))


def all_verdicts(results: dict[str, Any]) -> list[Verdict]:
    sections = results.get("sections", {})
    skipped = results.get("terraform_missing")
    e2e = sections.get("sandbox")
    live_skipped = skipped or (e2e or {}).get("error")
    static = sections.get("static")
    cores = results.get("machine", {}).get("cores_usable") or results.get("machine", {}).get("cores")
    return [
        terraform_cold(static, cores),
        terraform_warm(static),
        static_floor(static),
        checkov_speedup(static),
        checkov_at_scale(sections.get("scale")),
        scaling(sections.get("scale")),
        live_latency((e2e or {}).get("live_latency"), (e2e or {}).get("live"), live_skipped),
        live_calls((e2e or {}).get("live"), live_skipped),
        sandbox_total(e2e, skipped),
    ]
