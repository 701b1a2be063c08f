"""The results as a console table and as benchmarks/RESULTS.md: pure functions of the results dict."""

from __future__ import annotations

import itertools
from typing import Any

from benchmarks.targets import SCALE_BASE_REPOS, Verdict, all_verdicts, ratio, suite_split

SECTION_TITLES = {
    "static": "1. Static suite on the spec's repos, against checkov, the parse floor and pytest alone; with Terraform",
    "scale": "2. Scale: the static suite on fleets of growing size",
    "live": "3. Live suite against the sandbox",
    "sandbox": "4. Sandbox end to end",
}
# (what is held, the test that holds it, how) - the benchmarks do not test these again.
EXISTING_TESTS = (
    (
        "each file is read and parsed once per run",
        "tests/test_conformance_static.py::test_each_file_is_parsed_once_whatever_the_number_of_checks",
        "FleetEvidence.parse_counts at most 1 for every file",
    ),
    (
        "a live run makes exactly the planned reads (calls made = (resource, API) pairs needed)",
        "tests/live/test_live_calls.py::test_a_full_live_run_makes_exactly_one_call_per_resource_and_api",
        "LiveEvidence.calls == planned_reads(...) by operation, and counted by hand",
    ),
    (
        "the same through the plugin, end to end against a moto server",
        "tests/live/test_live_plugin.py",
        "planned_reads against the plugin's `-v` call summary",
    ),
    (
        "retries are not new calls",
        "tests/live/test_live_guards.py",
        "total_calls == len(planned_reads(...)) under injected throttling",
    ),
    (
        "reading ahead concurrently changes no call and no report",
        "tests/live/test_live_concurrency.py",
        "outcomes and calls with and without read_ahead, conformant, drifted, denied, wrong account, unreachable",
    ),
    (
        "a cached Terraform verdict is never stale",
        "tests/test_terraform_cache.py",
        "a miss on every change of a folder's files, the toolchain or the check; corrupted entries ignored",
    ),
)


def seconds(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f} s"


def times(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}x"


def mib(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} MiB"


def outcomes_text(outcomes: dict[str, int] | None) -> str:
    if not outcomes:
        return "-"
    return ", ".join(f"{count} {name}" for name, count in sorted(outcomes.items()) if count)


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return lines


# --- sections ------------------------------------------------------------------------------------


def machine_section(results: dict[str, Any]) -> list[str]:
    machine = results.get("machine", {})
    packages = machine.get("packages", {})
    checkov = (results.get("sections", {}).get("static") or {}).get("checkov") or {}
    checkov_text = (
        f"{checkov['version']} (bc-python-hcl2 {checkov.get('bc_python_hcl2', '?')}, its own virtualenv)"
        if checkov.get("available")
        else "not measured"
    )
    memory = machine.get("memory_gib")
    rows = [
        ["cores", f"{machine.get('cores')} ({machine.get('cores_usable')} usable), {machine.get('cpu', '?')}"],
        ["memory", f"{memory:.1f} GiB" if memory else "?"],
        [
            "load average (1, 5, 15 min) at start / end",
            f"{machine.get('load_average_at_start')} / {results.get('load_average_at_end')}",
        ],
        ["OS", str(machine.get("os"))],
        ["Python", str(machine.get("python"))],
        *[[name, version] for name, version in packages.items()],
        ["checkov", checkov_text],
        ["terraform", f"{machine.get('terraform')} (hashicorp/aws {machine.get('aws_provider')}, offline mirror)"],
    ]
    return ["## Machine", "", *table(["what", "value"], rows)]


def targets_section(verdicts: list[Verdict], results: dict[str, Any] | None = None) -> list[str]:
    rows = [[v.name, v.target, v.before, v.figure, f"**{v.label}**", v.why or "-"] for v in verdicts]
    baseline = (results or {}).get("baseline") or {}
    if baseline.get("commit"):
        said = (
            f"Before: the suite at {baseline['commit'][:12]} (`{baseline['revision']}`, benchmarks/baseline.py),"
            " measured in this same run, on the same fleet and machine; after: this tree."
        )
    else:
        said = f"No before figures: {baseline.get('why', 'no baseline')}."
    return [
        "## Targets",
        "",
        said,
        "",
        *table(["target", "goal", "before", "after", "verdict", "why (when not met)"], rows),
    ]


def split_line(suite: dict[str, Any]) -> list[str]:
    split = suite_split(suite)
    if not split:
        return []
    startup, collection, running = split
    return [
        f"Warm, in process, the suite's {seconds(suite['warm_inproc_seconds'])} are: pytest start-up (configuration,"
        f" plugins) {seconds(startup)}, collection {seconds(collection)}, running the cases {seconds(running)}.",
        "",
    ]


def static_section(static: dict[str, Any]) -> list[str]:
    suite, floor, tree, checkov = static["suite"], static["floor"], static["floor_tree"], static["checkov"]
    rows = [
        [
            "static suite (`--terraform off`)",
            seconds(suite["cold"]["seconds"]),
            seconds(suite["cold"]["inproc_seconds"]),
            seconds(suite["warm_seconds"]),
            seconds(suite["warm_inproc_seconds"]),
            seconds(suite.get("warm_cpu_seconds")),
            mib(suite["warm_max_rss_mib"]),
        ]
    ]
    before = static.get("suite_before")
    if before:
        rows.append(
            [
                "before: the baseline's suite (`--terraform off`)",
                seconds(before["cold"]["seconds"]),
                seconds(before["cold"]["inproc_seconds"]),
                seconds(before["warm_seconds"]),
                seconds(before["warm_inproc_seconds"]),
                seconds(before.get("warm_cpu_seconds")),
                mib(before["warm_max_rss_mib"]),
            ]
        )
    bare = static.get("pytest_bare")
    if bare:
        rows.append(
            [
                f"pytest alone: {bare['cases']} empty parametrised cases",
                seconds(bare["cold"]["seconds"]),
                seconds(bare["cold"]["inproc_seconds"]),
                seconds(bare["warm_seconds"]),
                seconds(bare["warm_inproc_seconds"]),
                seconds(bare.get("warm_cpu_seconds")),
                mib(bare["warm_max_rss_mib"]),
            ]
        )
    for label, data in (
        ("floor: `hcl2.loads` + `yaml.safe_load`", floor),
        ("floor, HCL to the Lark tree only (what the suite calls)", tree),
    ):
        rows.append(
            [
                label,
                seconds(data["cold"]["seconds"]),
                seconds(data["cold"]["inproc_seconds"]),
                seconds(data["warm_seconds"]),
                seconds(data["warm_inproc_seconds"]),
                seconds(data.get("warm_cpu_seconds")),
                mib(data["warm_max_rss_mib"]),
            ]
        )
    if checkov.get("available"):
        rows.append(
            [
                f"checkov {checkov['version']}",
                seconds(checkov["cold"]["seconds"]),
                "-",
                seconds(checkov["warm_seconds"]),
                "-",
                seconds(checkov.get("warm_cpu_seconds")),
                mib(checkov["warm_max_rss_mib"]),
            ]
        )
    else:
        rows.append(["checkov", "-", "-", "-", "-", "-", f"not measured: {checkov.get('why', '')}"])
    ratio_rows = [
        [
            "suite / floor, in process (the target's)",
            times(ratio(suite["cold"]["inproc_seconds"], floor["cold"]["inproc_seconds"])),
            times(ratio(suite["warm_inproc_seconds"], floor["warm_inproc_seconds"])),
        ],
        [
            "suite / floor, whole process",
            times(ratio(suite["cold"]["seconds"], floor["cold"]["seconds"])),
            times(ratio(suite["warm_seconds"], floor["warm_seconds"])),
        ],
        [
            "suite / parse-tree floor, in process",
            times(ratio(suite["cold"]["inproc_seconds"], tree["cold"]["inproc_seconds"])),
            times(ratio(suite["warm_inproc_seconds"], tree["warm_inproc_seconds"])),
        ],
    ]
    if checkov.get("available"):
        ratio_rows.append(
            [
                "checkov / suite, whole process (the target's)",
                times(ratio(checkov["cold"]["seconds"], suite["cold"]["seconds"]), 1),
                times(ratio(checkov["warm_seconds"], suite["warm_seconds"]), 1),
            ]
        )
    if before:
        ratio_rows.append(
            [
                "before: the baseline's suite / floor, whole process",
                times(ratio(before["cold"]["seconds"], floor["cold"]["seconds"])),
                times(ratio(before["warm_seconds"], floor["warm_seconds"])),
            ]
        )
    if bare:
        ratio_rows.append(
            [
                "pytest alone (as many empty cases) / floor, whole process",
                times(ratio(bare["cold"]["seconds"], floor["cold"]["seconds"])),
                times(ratio(bare["warm_seconds"], floor["warm_seconds"])),
            ]
        )
    lines = [
        f"## {SECTION_TITLES['static']}",
        "",
        "`pytest --pyargs conformance -m static --repos-root DIR --env all --terraform off -p no:cacheprovider -q`"
        f" on the spec's {static['repos']} repositories; checkov as tox.ini's `checkov` env runs it"
        " (`checkov -d DIR --framework terraform,github_actions --compact --quiet --skip-download`). The floor"
        f" reads and parses the {static['files_parsed']} files the suite parses"
        f" ({static['bytes_parsed'] / 1024:.0f} KiB"
        " of `.tf`, `.tfvars`, `.hcl` and workflow `.yml`), each once, in a fresh process.",
        "",
        "Cold: the first run, with an empty bytecode cache (PYTHONPYCACHEPREFIX on a new folder, so every"
        f" module, the stdlib's too, is compiled from source). Warm: the median of the {suite['warm_runs']}"
        " run(s) after it. Whole process: from spawning Python to its exit. In process: `pytest.main()` alone"
        " (for the floor: importing the parsers and the parse loop).",
        "",
        *table(
            ["run", "cold, whole", "cold, in process", "warm, whole", "warm, in process", "warm CPU", "peak RSS"], rows
        ),
        "",
        *table(["ratio", "cold", "warm"], ratio_rows),
        "",
        *split_line(suite),
        f"Suite outcomes: {outcomes_text(static.get('suite_outcomes'))}."
        + (
            f" checkov findings (last run): {outcomes_text(checkov['cold'].get('findings'))}."
            if checkov.get("available")
            else ""
        ),
    ]
    if static.get("terraform"):
        lines += ["", *terraform_lines(static)]
    return lines


def terraform_lines(static: dict[str, Any]) -> list[str]:
    """The gate with Terraform: before, after cold and warm, and Terraform's own floor."""
    terraform = static["terraform"]
    rows = []
    for label, run in (
        ("before: the baseline (one repository after another, fresh copies, no cache)", terraform.get("before")),
        ("after, cold: an empty verdict cache", terraform["cold"]),
    ):
        if run:
            rows.append(
                [
                    label,
                    seconds(run["seconds"]),
                    seconds(run["inproc_seconds"]),
                    seconds(run.get("cpu_seconds")),
                    mib(run["max_rss_mib"]),
                    outcomes_text(run.get("outcomes")),
                ]
            )
    warm = terraform["warm"]
    rows.append(
        [
            f"after, warm: nothing changed (median of {warm['warm_runs']})",
            seconds(warm.get("warm_seconds")),
            seconds(warm.get("warm_inproc_seconds")),
            seconds(warm.get("warm_cpu_seconds")),
            mib(warm.get("warm_max_rss_mib")),
            outcomes_text(terraform["cold"].get("outcomes")),
        ]
    )
    floor = terraform.get("floor") or {}
    lines = [
        "The gate with Terraform: the same suite with `--terraform auto` (`terraform fmt -check`, `init"
        " -backend=false` and `validate` of every repository, offline), whole process.",
        "",
        *table(["run", "whole", "in process", "CPU (user + sys)", "peak RSS", "outcomes"], rows),
    ]
    if floor.get("ok"):
        lines += [
            "",
            f"Terraform's own cost, for one repository ({floor['repo']}, the largest), as the gate runs it: `init`"
            f" {seconds(floor['init_seconds'])} ({seconds(floor['init_cpu_seconds'])} CPU), `validate`"
            f" {seconds(floor['validate_seconds'])} ({seconds(floor['validate_cpu_seconds'])} CPU, the AWS"
            " provider and its schema included).",
        ]
    return lines


def checkov_cell(size: dict[str, Any], checkov_8: dict[str, Any] | None) -> str:
    checkov = size.get("checkov") or (checkov_8 if size["repos"] == SCALE_BASE_REPOS else None) or {}
    if not checkov.get("available"):
        return "-"
    taken = checkov.get("seconds", checkov.get("warm_seconds"))
    return f"{taken:.1f} s ({times(ratio(taken, size['seconds']), 1)} the suite)"


def scale_section(scale: dict[str, Any]) -> list[str]:
    rows = []
    for size in scale["sizes"]:
        xdist = size.get("xdist") or {}
        speedup = ratio(size["seconds"], xdist.get("seconds"))
        cases = sum(size["outcomes"].values())
        report = f"{xdist.get('report_results')} of {cases}" if xdist else "-"
        generated = f"{size['generate_seconds']:.0f} s ({size['generate_seconds_per_repo']:.2f} s/repo)"
        rows.append(
            [
                str(size["repos"]),
                generated + (" cached" if size["generate_cached"] else ""),
                str(cases),
                str(size.get("runs", 1)),
                seconds(size["seconds"]),
                seconds(size["inproc_seconds"]),
                f"{1000 * size['inproc_seconds'] / size['repos']:.0f} ms",
                seconds(size.get("cpu_seconds")),
                mib(size["max_rss_mib"]),
                seconds(xdist.get("seconds")),
                seconds(xdist.get("cpu_seconds")),
                times(speedup),
                mib(xdist.get("max_rss_mib")),
                "yes" if xdist.get("same_verdicts") else ("-" if not xdist else "NO"),
                report,
                checkov_cell(size, scale.get("checkov_8")),
                seconds((size.get("before") or {}).get("seconds")),
            ]
        )
    header = [
        "repos",
        "generate",
        "cases",
        "runs",
        "whole",
        "in process",
        "per repo (in process)",
        "CPU (user + sys)",
        "peak RSS",
        "-n 2 whole",
        "-n 2 CPU",
        "-n 2 speedup",
        "-n 2 peak RSS (largest process)",
        "-n 2 same verdicts",
        "-n 2 JSON report results",
        "checkov (whole, warm)",
        "before: the baseline's suite (whole)",
    ]
    sizes = sorted(scale["sizes"], key=lambda s: s["repos"])
    growth = [
        f"{a['repos']} -> {b['repos']} repos: {b['repos'] / a['repos']:.2f}x repos, "
        f"{times(ratio(b['inproc_seconds'], a['inproc_seconds']))} time in process"
        for a, b in itertools.pairwise(sizes)
    ]
    listed = ", ".join(str(s["repos"]) for s in sizes)
    lines = [
        f"## {SECTION_TITLES['scale']}: {listed} repositories",
        "",
        "A fleet of N repos is the infrastructure repo and N - 1 Lambda repos: the spec's seven, then"
        " `extra_0001`... copying the spec's Lambdas in turn (api ones on paths of their own), rendered with"
        " `scripts/generate_repos.py --platform FILE` and checked with `--platform FILE --env all --terraform off"
        " --conformance-json FILE`. Warm runs: the median of `runs` serial runs, then one `-n 2` run. Peak RSS is"
        " the largest single process (ru_maxrss).",
        "",
        *table(header, rows),
        "",
        *[f"- {line}" for line in growth],
    ]
    for size in sizes:
        if (size.get("xdist") or {}).get("note"):
            lines.append(f"- {size['repos']} repos: {size['xdist']['note']}.")
    if not scale.get("xdist_installed"):
        lines.append("- pytest-xdist is not installed here: the `-n 2` columns are empty.")
    return lines


def latency_lines(latency: dict[str, Any]) -> list[str]:
    rows = []
    for label, run in (
        ("before: the baseline (reads one after another)", latency.get("before")),
        ("after", latency["after"]),
    ):
        if run:
            rows.append(
                [
                    label,
                    seconds(run["seconds"]),
                    seconds(run["inproc_seconds"]),
                    f"{run['calls']['made']} made / {run['calls']['needed']} needed",
                    "yes" if run["calls_equal_every_run"] else "NO",
                    outcomes_text(run["outcomes"]),
                ]
            )
    return [
        f"At AWS's latency from afar: the emulator's delay set to {latency['latency_ms']} ms per AWS call"
        f" (`sandbox.py up --latency-ms {latency['latency_ms']}`; conformance/sandbox/latency.py), the same"
        f" suite, median of {latency['after']['runs']} runs each.",
        "",
        *table(["run", "whole", "in process", "calls", "calls equal in every run", "outcomes"], rows),
    ]


def live_section(live: dict[str, Any], latency: dict[str, Any] | None = None) -> list[str]:
    calls = live["calls"]
    rows = [
        [op, str(d["made"]), str(d["needed"]), "" if d["made"] == d["needed"] else "differs"]
        for op, d in calls["by_operation"].items()
    ]
    rows.append(["**total**", f"**{calls['made']}**", f"**{calls['needed']}**", ""])
    return [
        f"## {SECTION_TITLES['live']}",
        "",
        f"`pytest --pyargs conformance -m live --env {live['env']} --endpoint-url URL` against the sandbox's"
        " emulator after the deployment below; median of"
        f" {live['runs']} runs after one unmeasured run. Calls needed: the distinct (resource, service,"
        " operation) the planned live cases declare (`conformance.live.permissions.planned_reads`); calls made:"
        " the plugin's own count (`LiveEvidence.calls`).",
        "",
        *table(
            ["what", "figure"],
            [
                ["wall time, whole process", seconds(live["seconds"])],
                ["wall time, in process (`pytest.main`)", seconds(live["inproc_seconds"])],
                ["peak RSS", mib(live["max_rss_mib"])],
                ["outcomes", outcomes_text(live["outcomes"])],
                ["retries", str(live["retries"])],
                ["calls equal to needed in every run", "yes" if live["calls_equal_every_run"] else "NO"],
            ],
        ),
        "",
        *table(["operation", "made", "needed", ""], rows),
        *(["", *latency_lines(latency)] if latency else []),
    ]


def sandbox_section(e2e: dict[str, Any]) -> list[str]:
    phases = e2e.get("phases", {})
    cpu = e2e.get("phases_cpu", {})
    rows = [[name, seconds(value, 1), seconds(cpu.get(name), 1)] for name, value in phases.items()]
    rows.append(["**total**", f"**{seconds(e2e.get('total_seconds'), 1)}**", seconds(sum(cpu.values()) or None, 1)])
    lines = [
        f"## {SECTION_TITLES['sandbox']}",
        "",
        f"The steps of `python scripts/sandbox.py run --env {e2e['env']}`, called one by one (same functions),"
        " the emulator kept up between `check` and `stop` for section 3 (not counted). `infrastructure` runs from"
        " the deploy's start to the end of the infrastructure apply (the Lambda repos are packaged and"
        " initialised meanwhile); `lambdas` from there to the last Lambda apply. `check` is the suite as the"
        " sandbox runs it: static (with terraform fmt/validate) + live for the env."
        f" Terraform plugin cache warm at start: {'yes' if e2e.get('plugin_cache_warm') else 'no'}.",
        "",
        *table(["phase", "wall time", "CPU (user + sys)"], rows),
        "",
        "CPU is this process's and its finished children's (Terraform, its provider, the suite); the"
        " emulator's is counted when it exits, so `stop` holds the emulator's CPU for the whole run.",
    ]
    if e2e.get("error"):
        lines += ["", f"Stopped: {e2e['error']}"]
    if e2e.get("repos"):
        repo_rows = [
            [
                r["repo"],
                "ok" if r["ok"] else "FAILED",
                ", ".join(f"{k} {v:.1f} s" for k, v in r["steps"].items()),
            ]
            for r in e2e["repos"]
        ]
        lines += ["", *table(["repository", "", "steps"], repo_rows)]
    if e2e.get("slowest_resources"):
        lines += [
            "",
            "Slowest resources of the infrastructure apply (Terraform's own `complete after` figures):",
            "",
            *table(["resource", "took"], [[a, f"{s} s"] for a, s in e2e["slowest_resources"]]),
        ]
    check = e2e.get("check")
    if check:
        live = e2e.get("live") or {}
        lines += [
            "",
            f"`check` outcome: exit {check['returncode']}, {outcomes_text(check.get('summary'))}. Of its"
            f" {seconds(phases.get('check'), 1)}: {seconds(e2e.get('plugin_detection_seconds'), 1)} is"
            " `live_supported()` asking `pytest --help` whether the plugin has a live half, and the live half"
            f" alone takes {seconds(live.get('seconds'), 1)} as a process (section 3); the rest is the static"
            " half, mostly terraform fmt/validate (section 1).",
        ]
    return lines


def skipped_section(key: str, why: str) -> list[str]:
    return [f"## {SECTION_TITLES[key]}", "", f"Not measured: {why}."]


def observations(results: dict[str, Any]) -> list[str]:
    """Facts the figures show about the existing code (suggested fixes are in the engineer's report)."""
    found = []
    sections = results.get("sections", {})
    static = sections.get("static") or {}
    terraform = static.get("terraform") or {}
    if terraform.get("before") and terraform.get("cold"):
        found.append(
            f"`--terraform auto` took {terraform['before']['seconds']:.1f} s before and"
            f" {terraform['cold']['seconds']:.1f} s now with nothing cached"
            f" ({terraform['before']['cpu_seconds']:.0f} s and {terraform['cold']['cpu_seconds']:.0f} s of CPU):"
            " the repositories two at a time, providers linked from the mirror, Go's collector off for the"
            " provider's short life; then nothing until a repository's Terraform changes."
        )
    for size in (sections.get("scale") or {}).get("sizes", []):
        xdist = size.get("xdist")
        if not xdist:
            continue
        cases = sum(size["outcomes"].values())
        if xdist.get("report_results") != cases:
            found.append(
                f"Under `-n 2` the `--conformance-json` report holds {xdist.get('report_results')} results for"
                f" {cases} cases ({size['repos']} repos): the controller has no cases to report."
            )
            break
    slower = [s for s in (sections.get("scale") or {}).get("sizes", []) if (s.get("xdist") or {}).get("seconds")]
    slower = [s for s in slower if s["xdist"]["seconds"] > s["seconds"]]
    if slower:
        listed = ", ".join(
            f"{s['repos']} repos {s['xdist']['seconds']:.1f} s vs {s['seconds']:.1f} s"
            f" ({s['xdist']['cpu_seconds']:.1f} vs {s['cpu_seconds']:.1f} s CPU)"
            for s in slower
        )
        found.append(
            f"`-n 2` is slower than one process and needs about twice its CPU ({listed}): every worker collects"
            " every case and builds its own FleetEvidence, so each parses most of the fleet's files again."
        )
    e2e = sections.get("sandbox") or {}
    if e2e.get("plugin_detection_seconds"):
        found.append(
            f"`sandbox.py check` spends {e2e['plugin_detection_seconds']:.1f} s on `pytest --help` to detect the"
            " live half before running the suite."
        )
    return ["## Observations", "", *[f"- {line}" for line in found]] if found else []


# --- the document --------------------------------------------------------------------------------


def results_markdown(results: dict[str, Any]) -> str:
    sections = results.get("sections", {})
    skipped = results.get("skipped", {})
    lines = [
        "# Benchmarks: speed and scale",
        "",
        f"Written by `{results.get('command', 'python -m benchmarks')}` on {results.get('finished', '?')}"
        f" ({results.get('elapsed_minutes', 0):.1f} min). One run on a shared machine: figures move by"
        " about 10 % between runs. Benchmarks, not tests: nothing fails on a slow machine.",
        "",
        *machine_section(results),
        "",
        *targets_section(all_verdicts(results), results),
        "",
    ]
    static = sections.get("static")
    lines += static_section(static) if static else skipped_section("static", skipped.get("static", "not run"))
    lines.append("")
    scale = sections.get("scale")
    if scale and static and (static.get("checkov") or {}).get("available"):
        scale = {**scale, "checkov_8": static["checkov"]}
    lines += scale_section(scale) if scale else skipped_section("scale", skipped.get("scale", "not run"))
    lines.append("")
    e2e = sections.get("sandbox")
    why = results.get("terraform_missing") or skipped.get("sandbox", "not run")
    live = (e2e or {}).get("live")
    lines += (
        live_section(live, (e2e or {}).get("live_latency"))
        if live
        else skipped_section("live", (e2e or {}).get("error") or why)
    )
    lines.append("")
    lines += sandbox_section(e2e) if e2e else skipped_section("sandbox", why)
    lines.append("")
    lines += ["## Already held by the project's tests", ""]
    lines += [f"- {what}: `{where}` ({how})" for what, where, how in EXISTING_TESTS]
    lines.append("- the deterministic parts of these benchmarks: `tests/test_benchmarks.py`")
    notes = observations(results)
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"


def console_figures(results: dict[str, Any]) -> list[str]:
    """The main figures, one row each (RESULTS.md has them all)."""
    sections = results.get("sections", {})
    rows: list[tuple[str, str]] = []
    static = sections.get("static")
    if static:
        suite, floor = static["suite"], static["floor"]
        rows.append(
            (
                f"static, {static['repos']} repos",
                f"suite cold {seconds(suite['cold']['seconds'])}, warm {seconds(suite['warm_seconds'])}"
                f" ({seconds(suite['warm_inproc_seconds'])} in process); floor warm {seconds(floor['warm_seconds'])}"
                f" ({seconds(floor['warm_inproc_seconds'])} in process)",
            )
        )
        checkov = static.get("checkov") or {}
        if checkov.get("available"):
            rows.append(
                ("checkov", f"cold {seconds(checkov['cold']['seconds'])}, warm {seconds(checkov['warm_seconds'])}")
            )
        terraform = static.get("terraform")
        if terraform:
            before = seconds((terraform.get("before") or {}).get("seconds"))
            rows.append(
                (
                    "static, --terraform auto",
                    f"before {before}; after cold {seconds(terraform['cold']['seconds'])},"
                    f" warm {seconds(terraform['warm'].get('warm_seconds'))}",
                )
            )
    for size in (sections.get("scale") or {}).get("sizes", []):
        xdist = size.get("xdist") or {}
        rows.append(
            (
                f"scale, {size['repos']} repos",
                f"{seconds(size['seconds'])} ({seconds(size['inproc_seconds'])} in process,"
                f" {1000 * size['inproc_seconds'] / size['repos']:.0f} ms/repo, {mib(size['max_rss_mib'])});"
                f" -n 2 {seconds(xdist.get('seconds'))}",
            )
        )
    e2e = sections.get("sandbox") or {}
    if e2e.get("live"):
        live = e2e["live"]
        rows.append(
            (
                "live",
                f"{live['calls']['made']} calls made / {live['calls']['needed']} needed, {seconds(live['seconds'])}",
            )
        )
    latency = e2e.get("live_latency")
    if latency:
        before = seconds((latency.get("before") or {}).get("seconds"))
        rows.append(
            (
                f"live at {latency['latency_ms']} ms",
                f"before {before}; after {seconds(latency['after']['seconds'])}",
            )
        )
    if e2e.get("phases"):
        phases = ", ".join(f"{name} {value:.0f} s" for name, value in e2e["phases"].items())
        rows.append(("sandbox", f"{seconds(e2e.get('total_seconds'), 0)}: {phases}"))
    width = max((len(name) for name, _ in rows), default=0)
    return [f"{name:<{width}}  {text}" for name, text in rows]


def console_table(results: dict[str, Any]) -> str:
    """The main figures, then the verdicts, for the terminal."""
    verdicts = all_verdicts(results)
    width = max(len(v.name) for v in verdicts)
    lines = [*console_figures(results), ""]
    for v in verdicts:
        lines.append(f"{v.name:<{width}}  {v.label:<12}  {v.figure}   [{v.target}]")
        if v.why:
            lines.append(f"{'':<{width}}  why: {v.why}")
    return "\n".join(lines)
