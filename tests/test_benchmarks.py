"""The deterministic parts of benchmarks/: the scaled spec, the floor, the verdicts, the report.

Nothing here times anything against a limit: benchmarks must never fail CI on a slow machine.
What "each file is parsed once per run" and "live calls == planned reads" are held by other
tests (see benchmarks.report.EXISTING_TESTS), not repeated here.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from benchmarks import fleets, floor, targets
from benchmarks.checkov import finding_counts
from benchmarks.e2e import duration, slowest_resources
from benchmarks.live import compare_calls
from benchmarks.measure import run_measured
from benchmarks.report import console_table, results_markdown
from benchmarks.run import parse_args
from conformance.catalogue import CRITERIA
from conformance.evidence.fleet import FleetEvidence
from conformance.platform.load import parse_platform
from conformance.platform.model import Kind
from conformance.runner import plan_cases, run_case

# --- the scaled spec -----------------------------------------------------------------------------


@pytest.mark.parametrize("repos", [50, 200])
def test_a_scaled_spec_is_a_valid_platform_with_that_many_repos(repos: int) -> None:
    base = fleets.load_base()
    platform = parse_platform(fleets.scaled_spec(base, repos), "scaled")
    functions = platform.lambdas.functions
    assert len(platform.repo_names) == repos == len(functions) + 1
    names = [f.name for f in functions]
    assert len(set(names)) == len(names)
    routes = [(f.http_method, f.path) for f in functions if f.kind is Kind.API]
    assert len(set(routes)) == len(routes)
    extra_paths = [f.path for f in functions[len(base["lambdas"]["functions"]) :] if f.path]
    assert extra_paths and len(set(extra_paths)) == len(extra_paths)  # each extra api Lambda on a path of its own
    # The spec's own Lambdas first and unchanged, then extra api ones: each event-driven Lambda
    # reads a queue of its own, and the spec has one per consumer.
    assert [f.model_dump() for f in functions[: len(base["lambdas"]["functions"])]] == [
        f.model_dump() for f in parse_platform(base, "base").lambdas.functions
    ]
    kinds = Counter(f.kind for f in functions)
    base_kinds = Counter(f["kind"] for f in base["lambdas"]["functions"])
    assert kinds[Kind.SQS] == base_kinds["sqs"] and kinds[Kind.API] == len(functions) - base_kinds["sqs"]


def test_the_scaled_spec_leaves_the_base_alone_and_refuses_a_smaller_fleet() -> None:
    base = fleets.load_base()
    before = json.dumps(base, sort_keys=True)
    own = len(base["lambdas"]["functions"]) + 1
    assert fleets.scaled_spec(base, own)["lambdas"]["functions"] == base["lambdas"]["functions"]
    fleets.scaled_spec(base, own + 10)
    assert json.dumps(base, sort_keys=True) == before
    with pytest.raises(ValueError, match="smaller than the spec's own"):
        fleets.scaled_spec(base, own - 1)


def test_a_cached_fleet_is_reused_and_its_key_follows_spec_and_templates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert fleets.fleet_key("a", "x") != fleets.fleet_key("b", "x") != fleets.fleet_key("a", "y")
    base = fleets.load_base()
    own = len(base["lambdas"]["functions"]) + 1
    text = fleets.spec_text(fleets.scaled_spec(base, own))
    folder = tmp_path / "fleets" / f"{own:04d}-{fleets.fleet_key(text, fleets.render_inputs_digest())}"
    folder.mkdir(parents=True)
    (folder / fleets.META).write_text(json.dumps({"seconds": 4.0, "at": "then", "repos": own}), encoding="utf-8")

    def no_render(*_: Any, **__: Any) -> None:
        raise AssertionError("a cached fleet was rendered again")

    monkeypatch.setattr(fleets.subprocess, "run", no_render)
    fleet = fleets.ensure_fleet(tmp_path, own, base)
    assert fleet.cached and fleet.root == folder / "repos" and fleet.generate_seconds_per_repo == 4.0 / own


def test_a_new_render_replaces_older_renders_of_that_size_and_is_then_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = fleets.load_base()
    own = len(base["lambdas"]["functions"]) + 1
    stale = tmp_path / "fleets" / f"{own:04d}-0123456789abcdef"
    other_size = tmp_path / "fleets" / f"{own + 1:04d}-0123456789abcdef"
    for folder in (stale, other_size):
        (folder / "repos").mkdir(parents=True)
    renders: list[list[str]] = []

    def fake_render(command: list[str], **_: Any) -> Any:
        renders.append(command)
        Path(command[command.index("--output") + 1]).mkdir(parents=True)
        return type("Done", (), {"returncode": 0, "stdout": "", "stderr": ""})()

    monkeypatch.setattr(fleets.subprocess, "run", fake_render)
    first = fleets.ensure_fleet(tmp_path, own, base)
    assert not first.cached and first.root.is_dir() and not stale.exists() and other_size.exists()
    assert renders[0][-5:] == ["--output", str(first.root), "--platform", str(first.spec), "--force"]
    assert parse_platform(fleets.load_base(first.spec), "render").lambdas.functions  # the spec it rendered
    second = fleets.ensure_fleet(tmp_path, own, base)
    assert second.cached and second.root == first.root and len(renders) == 1


# --- the floor -----------------------------------------------------------------------------------


def test_the_floor_parses_each_hcl_and_yaml_file_once_and_nothing_else(tmp_path: Path) -> None:
    files = {
        "a/terraform/main.tf": "hcl",
        "a/terraform/environments/dev.tfvars": "hcl",
        "a/terraform/environments/dev.backend.hcl": "hcl",
        "a/.github/workflows/deploy-dev.yml": "yaml",
        "b/config.yaml": "yaml",
        "a/README.md": None,
        "a/src/handler.py": None,
        "a/.git/hooks/x.tf": None,  # git's folder is not the repository's files
    }
    for relative in files:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(relative, encoding="utf-8")
    parsed: list[tuple[str, str]] = []
    reads, size = floor.parse_fleet(
        tmp_path, lambda text: parsed.append(("hcl", text)), lambda text: parsed.append(("yaml", text))
    )
    expected = {path: kind for path, kind in files.items() if kind}
    assert dict(reads) == dict.fromkeys(expected, 1)
    assert sorted(parsed) == sorted((kind, path) for path, kind in expected.items())
    assert size == sum(len(path) for path in expected)


def test_the_floor_parses_exactly_the_files_the_suite_parses(fleet: Path, platform, tmp_path: Path) -> None:
    evidence = FleetEvidence(fleet, platform, {"terraform": "off"})
    for case in plan_cases(platform, CRITERIA, list(platform.environments)):
        run_case(case, evidence)
    out = tmp_path / "floor.json"
    assert floor.main([str(fleet), str(out)]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert {str(p.relative_to(fleet)) for p in floor.fleet_files(fleet)} == set(evidence.parse_counts)
    assert result["files"] == len(evidence.parse_counts) and result["max_reads_per_file"] == 1


def test_the_floor_refuses_an_unknown_mode() -> None:
    with pytest.raises(ValueError, match="mode"):
        floor.parsers("fast")


# --- measuring -----------------------------------------------------------------------------------


def test_a_measured_process_reports_its_exit_code_output_and_peak_memory() -> None:
    code = "import sys; block = bytearray(64 * 1024 * 1024); print('done'); sys.exit(3)"
    measured = run_measured([sys.executable, "-c", code])
    assert measured.returncode == 3
    assert measured.output.strip() == "done"
    assert measured.max_rss_mib >= 64
    assert measured.seconds > 0 and measured.cpu_seconds > 0


def test_parsers_of_tool_output() -> None:
    assert finding_counts(
        "terraform scan results:\nPassed checks: 10, Failed checks: 1, Skipped checks: 2\n"
        "github_actions scan results:\nPassed checks: 5, Failed checks: 0, Skipped checks: 3\n"
    ) == {"passed": 15, "failed": 1, "skipped": 5}
    assert duration("1m5s") == 65 and duration("25s") == 25
    log = (
        "aws_kms_key.logs: Creation complete after 12s [id=abc]\n"
        "aws_sqs_queue.dead_letter: Still creating... [20s elapsed]\n"
        "aws_s3_bucket_lifecycle_configuration.audit: Creation complete after 1m5s [id=b]\n"
        "aws_sqs_queue.dead_letter: Creation complete after 25s [id=q]\n"
    )
    assert slowest_resources(log, 2) == [
        ("aws_s3_bucket_lifecycle_configuration.audit", 65),
        ("aws_sqs_queue.dead_letter", 25),
    ]


def test_calls_made_are_compared_with_calls_needed_by_operation() -> None:
    needed = Counter({"sts:GetCallerIdentity": 1, "iam:GetRole": 7})
    assert compare_calls({"sts:GetCallerIdentity": 1, "iam:GetRole": 7}, needed)["equal"]
    more = compare_calls({"sts:GetCallerIdentity": 2, "iam:GetRole": 7}, needed)
    assert not more["equal"] and more["differences"] == {"sts:GetCallerIdentity": {"made": 2, "needed": 1}}
    missing = compare_calls({"sts:GetCallerIdentity": 1}, needed)
    assert not missing["equal"] and (missing["made"], missing["needed"]) == (1, 8)
    assert not compare_calls(None, needed)["equal"]


def test_the_command_line_refuses_an_unknown_section() -> None:
    assert parse_args(["--only", "static,live"]).sections == ["static", "live"]
    with pytest.raises(SystemExit):
        parse_args(["--only", "static,speed"])


# --- verdicts ------------------------------------------------------------------------------------


def terraform_results(cold: float = 5.0, warm: float = 1.5) -> dict[str, Any]:
    def run(seconds: float) -> dict[str, Any]:
        return {"seconds": seconds, "inproc_seconds": seconds - 0.3, "cpu_seconds": seconds * 2, "max_rss_mib": 80.0}

    return {
        "repos": 8,
        "before": run(24.0),
        "cold": {**run(cold), "exit_code": 0, "outcomes": {"passed": 436}},
        "warm": {"warm_runs": 3, "warm_seconds": warm, "warm_inproc_seconds": warm - 0.3, "warm_cpu_seconds": warm},
        "floor": {
            "repo": "infra",
            "ok": True,
            "init_seconds": 1.0,
            "init_cpu_seconds": 0.7,
            "validate_seconds": 3.0,
            "validate_cpu_seconds": 2.3,
        },
    }


def static_results(suite: float = 1.0, floor_s: float = 0.8, checkov: float | None = 30.0) -> dict[str, Any]:
    def summary(warm: float, inproc: float) -> dict[str, Any]:
        cold = {"seconds": warm * 2, "inproc_seconds": inproc * 2, "max_rss_mib": 70.0, "files": 149, "bytes": 9000}
        return {
            "cold": cold,
            "warm_runs": 3,
            "warm_seconds": warm,
            "warm_inproc_seconds": inproc,
            "warm_cpu_seconds": warm,
            "warm_max_rss_mib": 70.0,
            "warm_session_seconds": inproc * 0.75,
            "warm_collection_seconds": inproc * 0.25,
        }

    checkov_data: dict[str, Any] = {"available": False, "why": "no network"}
    if checkov is not None:
        checkov_data = {"available": True, "version": "3.3", **summary(checkov, checkov)}
        checkov_data["cold"]["findings"] = {"passed": 10}
    return {
        "repos": 8,
        "files_parsed": 149,
        "bytes_parsed": 9000,
        "suite": summary(suite + 0.3, suite),
        "suite_outcomes": {"passed": 420, "skipped": 16},
        "floor": summary(floor_s + 0.1, floor_s),
        "floor_tree": summary(floor_s * 0.7 + 0.1, floor_s * 0.7),
        "checkov": checkov_data,
        "suite_before": summary(suite + 0.6, suite + 0.3),
        "pytest_bare": {"cases": 436, **summary(0.5, 0.4)},
        "terraform": terraform_results(),
    }


def scale_results(small: float, large: float, large_repos: int = 200, checkov: float | None = None) -> dict[str, Any]:
    def size(repos: int, seconds: float) -> dict[str, Any]:
        found: dict[str, Any] = {
            "repos": repos,
            "generate_seconds": repos * 0.6,
            "generate_seconds_per_repo": 0.6,
            "generate_cached": True,
            "generated_at": "then",
            "runs": 3,
            "seconds": seconds + 0.4,
            "inproc_seconds": seconds,
            "cpu_seconds": seconds,
            "max_rss_mib": 80.0,
            "outcomes": {"passed": repos * 50},
            "report_results": repos * 50,
            "xdist": {
                "seconds": seconds * 1.2,
                "cpu_seconds": seconds * 2,
                "max_rss_mib": 70.0,
                "report_results": 0,
                "same_verdicts": True,
            },
        }
        if repos > 8 and checkov is not None:
            found["checkov"] = {"available": True, "seconds": checkov, "cpu_seconds": checkov, "max_rss_mib": 300.0}
            found["before"] = {"seconds": seconds * 1.5 + 0.4}
        return found

    return {"sizes": [size(8, small), size(large_repos, large)], "xdist_installed": True}


def live_results(made: dict[str, int], seconds: float = 2.0) -> dict[str, Any]:
    return {
        "env": "dev",
        "runs": 3,
        "seconds": seconds,
        "inproc_seconds": seconds - 0.8,
        "max_rss_mib": 90.0,
        "outcomes": {"passed": 60},
        "retries": 0,
        "calls": compare_calls(made, Counter({"sts:GetCallerIdentity": 1, "iam:GetRole": 7})),
        "calls_equal_every_run": True,
        "calls_counted": True,
    }


def e2e_results(total_phases: dict[str, float], live: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "env": "dev",
        "phases": total_phases,
        "total_seconds": sum(total_phases.values()),
        "plugin_cache_warm": True,
        "repos": [{"repo": "infra", "ok": True, "seconds": 80.0, "steps": {"init": 2.0, "apply": 78.0}}],
        "slowest_resources": [("aws_s3_bucket_lifecycle_configuration.audit", 55), ("aws_kms_key.logs", 12)],
        "check": {"returncode": 0, "summary": {"passed": 100}, "live": True},
        "plugin_detection_seconds": 1.5,
        "live": live,
    }


@pytest.mark.parametrize(("suite", "floor_s", "met"), [(1.0, 0.9, True), (1.01, 0.9, False), (None, 0.8, None)])
def test_the_floor_target_is_met_at_1_3_times_the_floor_whole_process(suite, floor_s, met) -> None:
    static = static_results(suite if suite is not None else 1.0, floor_s)  # whole: suite + 0.3, floor + 0.1
    if suite is None:
        static = None
    verdict = targets.static_floor(static)
    assert verdict.met is met
    assert bool(verdict.why) is (met is not True)
    if met is not None:
        assert verdict.before == f"{(suite + 0.6) / (floor_s + 0.1):.2f}x ({suite + 0.6:.2f} s)"
    if met is False:  # pytest alone 0.5 s, the parse to the tree 0.73 s, an interpreter's start counted once
        assert "pytest alone, running 436 empty cases, takes 0.50 s (0.50x the floor)" in verdict.why
        assert "that is 1.20 s (1.20x) for a suite of one pytest case per check" in verdict.why


@pytest.mark.parametrize(("checkov", "met"), [(6.5, True), (6.4, False), (None, None)])
def test_the_checkov_target_wants_five_times(checkov, met) -> None:
    verdict = targets.checkov_speedup(static_results(suite=1.0, checkov=checkov))  # the suite's whole process: 1.3 s
    assert verdict.met is met
    if met is None:
        assert "no network" in verdict.why
    if met is False:
        assert verdict.why.startswith("5x asks the suite for 1.28 s; pytest alone") and verdict.before.endswith(
            "(1.60 s)"
        )


@pytest.mark.parametrize(("checkov", "met"), [(100.2, True), (100.1, False)])
def test_the_checkov_target_at_scale_wants_five_times_on_the_largest_fleet(checkov, met) -> None:
    verdict = targets.checkov_at_scale(scale_results(1.0, 19.64, checkov=checkov))  # the suite's whole: 20.04 s
    assert verdict.met is met and "200 repos" in verdict.target
    assert verdict.before == f"{checkov / (19.64 * 1.5 + 0.4):.1f}x (29.9 s)"
    assert targets.checkov_at_scale(scale_results(1.0, 20.0)).met is None  # checkov not run


@pytest.mark.parametrize(("large", "repos", "met"), [(25.0, 200, True), (25.1, 200, False), (6.0, 50, True)])
def test_linear_scaling_allows_the_ratio_of_the_fleet_sizes(large, repos, met) -> None:
    verdict = targets.scaling(scale_results(1.0, large, repos))
    assert verdict.met is met
    assert f"{repos} repos <= {repos / 8:g}x" in verdict.target


def test_the_terraform_targets_are_six_seconds_cold_and_one_second_added_warm() -> None:
    static = static_results(suite=1.0)  # the warm suite without terraform: 1.3 s whole
    assert targets.terraform_cold(static, 2).met is True  # 5.0 s
    warm = targets.terraform_warm(static)  # 1.5 s with, 1.3 s without
    assert warm.met is True and warm.figure == "+0.20 s (1.50 s with, 1.30 s without)"
    assert warm.before == "+22.4 s (no cache: every run is cold)"  # 24 s with, 1.6 s without
    static["terraform"] = terraform_results(cold=6.5, warm=2.4)
    cold = targets.terraform_cold(static, 2)
    assert cold.met is False and cold.before == "24.0 s (48 s CPU)"
    assert "3.0 s of CPU per repository" in cold.why and "cannot take less than 12.0 s" in cold.why
    warm = targets.terraform_warm(static)
    assert warm.met is False and warm.figure.startswith("+1.10 s")
    assert (
        targets.terraform_cold(None).met is None and targets.terraform_warm({**static, "terraform": None}).met is None
    )


def test_the_live_latency_target_is_one_and_a_half_seconds_with_the_planned_calls() -> None:
    exact = {"sts:GetCallerIdentity": 1, "iam:GetRole": 7}
    latency = {"latency_ms": 100, "after": live_results(exact, 1.5), "before": live_results(exact, 4.3)}
    verdict = targets.live_latency(latency, live_results(exact, 1.0))
    assert verdict.met is True and verdict.before == "4.30 s, 8 calls"
    slow = targets.live_latency({**latency, "after": live_results(exact, 1.51)}, live_results(exact, 1.0))
    assert slow.met is False and "1.00 s without the delay, which adds 0.51 s (5.1 calls' worth, of 8)" in slow.why
    extra = targets.live_latency({**latency, "after": live_results({**exact, "iam:GetRole": 8}, 1.2)})
    assert extra.met is False and "iam:GetRole 8 made / 7 needed" in extra.why
    assert targets.live_latency(None, None, "terraform is not on the PATH").met is None


def test_the_live_target_needs_equal_calls_and_under_five_seconds() -> None:
    exact = {"sts:GetCallerIdentity": 1, "iam:GetRole": 7}
    assert targets.live_calls(live_results(exact)).met is True
    extra = targets.live_calls(live_results({**exact, "sts:GetCallerIdentity": 2}))
    assert extra.met is False and "sts:GetCallerIdentity 2 made / 1 needed" in extra.why
    slow = targets.live_calls(live_results(exact, seconds=5.0))
    assert slow.met is False and "5.00 s" in slow.why
    assert targets.live_calls(None, "terraform is not on the PATH").met is None


def test_the_sandbox_target_is_ninety_seconds_and_names_the_slow_part() -> None:
    assert targets.sandbox_total(e2e_results({"generate": 5.0, "infrastructure": 71.0, "check": 14.0})).met is True
    slow = targets.sandbox_total(e2e_results({"generate": 5.0, "infrastructure": 84.0, "lambdas": 33.0}))
    assert slow.met is False and "infrastructure 84 s" in slow.why and "aws_s3_bucket_lifecycle" in slow.why
    failed = targets.sandbox_total({"error": "deploy failed: x", "phases": {}})
    assert failed.met is False and failed.why == "deploy failed: x"


# --- RESULTS.md ----------------------------------------------------------------------------------


def full_results() -> dict[str, Any]:
    live = live_results({"sts:GetCallerIdentity": 1, "iam:GetRole": 7}, seconds=3.0)
    e2e = e2e_results({"generate": 5.0, "infrastructure": 84.0, "lambdas": 33.0}, live)
    e2e["live_latency"] = {
        "latency_ms": 100,
        "after": live_results({"sts:GetCallerIdentity": 1, "iam:GetRole": 7}, seconds=1.4),
        "before": live_results({"sts:GetCallerIdentity": 1, "iam:GetRole": 7}, seconds=4.4),
    }
    return {
        "command": "tox -e bench",
        "finished": "2026-01-01 00:00 UTC",
        "elapsed_minutes": 12.0,
        "machine": {"cores": 2, "cores_usable": 2, "memory_gib": 23.5, "python": "3.11.7", "packages": {"pytest": "9"}},
        "sections": {
            "static": static_results(suite=1.0, floor_s=0.5, checkov=5.0),
            "scale": scale_results(1.0, 20.0, checkov=90.0),
            "sandbox": e2e,
        },
        "skipped": {},
        "baseline": {"revision": "abf9144", "commit": "abf9144c634ad30ddeb5d5213e9515714222f294"},
    }


def test_results_md_has_the_machine_every_section_and_every_verdict() -> None:
    text = results_markdown(full_results())
    for heading in ("## Machine", "## Targets", "## 1. ", "## 2. ", "## 3. ", "## 4. "):
        assert text.count(heading) == 1, heading
    assert "| cores | 2 (2 usable)" in text and "| memory | 23.5 GiB |" in text and "| pytest | 9 |" in text
    rows = {line.split("|")[1].strip(): line for line in text.splitlines() if line.startswith("| ")}
    assert "**NOT met**" in rows["static vs parse floor"]  # 1.3 / 0.6 = 2.2x
    assert "**NOT met**" in rows["static vs checkov, 8 repos"]  # 5 / 1.3 = 3.8x
    assert "**NOT met**" in rows["static vs checkov, at scale"]  # 90 / 20.4 = 4.4x
    assert "**met**" in rows["linear scaling"]  # 20x for 25x the repos
    assert "**met**" in rows["live calls and time"]
    assert (
        "**met**" in rows["live at real latency"]
        and "| 4.40 s, 8 calls | 1.40 s, 8 calls" in rows["live at real latency"]
    )
    assert (
        "**met**" in rows["gate with Terraform, cold"]
        and "| 24.0 s (48 s CPU) | 5.0 s" in rows["gate with Terraform, cold"]
    )
    assert "**NOT met**" in rows["sandbox end to end"]  # 122 s
    assert "Before: the suite at abf9144c634a (`abf9144`" in text
    assert "| before: the baseline's suite (`--terraform off`) |" in text
    assert "| pytest alone: 436 empty parametrised cases |" in text
    assert "| after, warm: nothing changed (median of 3) | 1.50 s |" in text
    assert "At AWS's latency from afar: the emulator's delay set to 100 ms" in text
    assert "| 90.0 s (4.4x the suite) |" in text
    assert "tests/live/test_live_calls.py" in text and "parse_counts" in text
    assert "tests/test_terraform_cache.py" in text and "tests/live/test_live_concurrency.py" in text


def test_results_md_says_why_a_section_was_not_measured() -> None:
    results = full_results()
    results["sections"] = {"static": results["sections"]["static"]}
    results["terraform_missing"] = "terraform is not on the PATH: install Terraform >= 1.10 to run this"
    text = results_markdown(results)
    assert text.count("Not measured: terraform is not on the PATH") == 2  # sections 3 and 4
    assert "Not measured: not run." in text  # section 2
    assert "**not measured**" in text


def test_the_console_table_shows_the_figures_and_every_verdict() -> None:
    text = console_table(full_results())
    assert "scale, 200 repos" in text and "8 calls made / 8 needed" in text
    for name in ("static vs parse floor", "static vs checkov", "linear scaling", "live calls and time", "live at real"):
        assert name in text
    assert re.search(r"^live at 100 ms +before 4.40 s; after 1.40 s$", text, re.MULTILINE)
    assert re.search(r"^static, --terraform auto +before 24.00 s; after cold 5.00 s, warm 1.50 s$", text, re.MULTILINE)
    assert re.search(r"^sandbox end to end +NOT met ", text, re.MULTILINE)
