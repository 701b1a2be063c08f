"""The issue's targets and the verdict on each: met, not met (with why), or not measured.

Pure functions of the results dictionary, so the logic is tested without measuring anything.
Which figure each target uses:

- static vs floor: in-process times, warm (pytest.main against the floor's import + parse loop);
- checkov vs static: whole-process times, warm (checkov can only be timed as a process);
- scale: in-process times of the serial runs, largest fleet against the 8-repo one;
- live: whole-process time (what a person waits), calls from the plugin's own count;
- sandbox: the sum of the phases of `sandbox.py run`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FLOOR_RATIO_MAX = 1.5
CHECKOV_SPEEDUP_MIN = 20.0
SCALE_BASE_REPOS = 8
LIVE_SECONDS_MAX = 5.0
SANDBOX_SECONDS_MAX = 60.0


@dataclass(frozen=True)
class Verdict:
    name: str
    target: str
    figure: str
    met: bool | None  # None: not measured
    why: str = ""

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


def static_floor(static: dict[str, Any] | None) -> Verdict:
    name, target = "static vs parse floor", f"suite <= {FLOOR_RATIO_MAX}x floor (in-process, warm)"
    if not static:
        return _not_measured(name, target, "section not run")
    suite = static["suite"]["warm_inproc_seconds"]
    floor = static["floor"]["warm_inproc_seconds"]
    value = ratio(suite, floor)
    if value is None:
        return _not_measured(name, target, "no figure")
    figure = f"{value:.2f}x ({suite:.2f} s / {floor:.2f} s)"
    if value <= FLOOR_RATIO_MAX:
        return Verdict(name, target, figure, True)
    tree = static.get("floor_tree", {}).get("warm_inproc_seconds")
    cases = sum(static.get("suite_outcomes", {}).values())
    split = suite_split(static["suite"])
    if split:
        startup, collection, running = split
        parts = [
            f"pytest's start-up (configuration, plugins) takes {startup:.2f} s and collecting {cases} cases"
            f" {collection:.2f} s before any file is read; running them (parse, evaluation, one test item each)"
            f" {running:.2f} s"
        ]
    else:
        parts = [f"beyond the parse the suite runs pytest and {cases} cases"]
    if tree:
        parts.append(
            f"the suite stops HCL at the Lark tree (the parse-tree floor is {tree:.2f} s, "
            f"{suite / tree:.2f}x), so its parse is cheaper than the floor's and the rest is that overhead"
        )
    return Verdict(name, target, figure, False, "; ".join(parts))


def checkov_speedup(static: dict[str, Any] | None) -> Verdict:
    name, target = "static vs checkov", f"suite >= {CHECKOV_SPEEDUP_MIN:.0f}x faster than checkov (whole process, warm)"
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
    if value >= CHECKOV_SPEEDUP_MIN:
        return Verdict(name, target, figure, True)
    floor = static["floor"]["warm_seconds"]
    why = (
        f"checkov needs {checkov['warm_seconds']:.1f} s on this fleet; {CHECKOV_SPEEDUP_MIN:.0f}x would ask the "
        f"suite for {checkov['warm_seconds'] / CHECKOV_SPEEDUP_MIN:.2f} s, less than a fresh process that only "
        f"parses the same files takes ({floor:.2f} s): no static suite that parses the files can meet it here"
    )
    return Verdict(name, target, figure, False, why)


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


def live_calls(live: dict[str, Any] | None, skipped: str | None = None) -> Verdict:
    name, target = "live calls and time", f"calls made = calls needed, < {LIVE_SECONDS_MAX:.0f} s (whole process)"
    if not live:
        return _not_measured(name, target, skipped or "section not run")
    calls = live["calls"]
    figure = (
        f"{calls['made']} made / {calls['needed']} needed; "
        f"{live['seconds']:.2f} s ({live['inproc_seconds']:.2f} s in process)"
    )
    problems = []
    if not live.get("calls_counted", True):
        problems.append("the plugin's call count could not be read")
    elif not (calls["equal"] and live.get("calls_equal_every_run", True)):
        extra = ", ".join(f"{op} {d['made']} made / {d['needed']} needed" for op, d in calls["differences"].items())
        problems.append(f"calls differ: {extra or 'between runs'}")
    if live["seconds"] >= LIVE_SECONDS_MAX:
        problems.append(f"the run takes {live['seconds']:.2f} s")
    return Verdict(name, target, figure, not problems, "; ".join(problems))


def sandbox_total(e2e: dict[str, Any] | None, skipped: str | None = None) -> Verdict:
    name, target = "sandbox end to end", f"< {SANDBOX_SECONDS_MAX:.0f} s"
    if not e2e:
        return _not_measured(name, target, skipped or "section not run")
    if e2e.get("error"):
        return Verdict(name, target, "-", False, e2e["error"])
    total = e2e["total_seconds"]
    phases = e2e["phases"]
    figure = f"{total:.0f} s"
    if total < SANDBOX_SECONDS_MAX:
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
    return [
        static_floor(sections.get("static")),
        checkov_speedup(sections.get("static")),
        scaling(sections.get("scale")),
        live_calls((e2e or {}).get("live"), live_skipped),
        sandbox_total(e2e, skipped),
    ]
