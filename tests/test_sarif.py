"""`conformance/sarif.py`: the suite's results as SARIF 2.1.0, validated against the OASIS schema.

A real static run over a broken copy of the generated fleet (PITR off, a Lambda's data.tf without
its remote state) gives the results; each failure becomes a result at its repository, file and line,
under a rule that carries the criterion's title and requirement text.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from conformance.catalogue import ALL_CRITERIA
from conformance.sarif import sarif_log, write_sarif

SCHEMA = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"


def validate(log: dict) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the broken run writes its JSON report and its SARIF log."""
    return tmp_path_factory.mktemp("sarif")


@pytest.fixture(scope="module")
def broken_run(fleet: Path, run_folder: Path) -> list[dict]:
    root = run_folder / "repos"
    shutil.copytree(fleet, root, symlinks=True)
    table = root / "2_1_bbws_product_infrastructure" / "terraform" / "dynamodb.tf"
    text = table.read_text(encoding="utf-8")
    table.write_text(
        text.replace("point_in_time_recovery {\n    enabled = true", "point_in_time_recovery {\n    enabled = false")
    )
    report = root.parent / "static.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--pyargs",
            "conformance",
            "-m",
            "static",
            "-p",
            "no:cacheprovider",
            "-q",
            "--repos-root",
            str(root),
            "--env",
            "dev",
            "--terraform",
            "off",
            "--conformance-json",
            str(report),
            "--conformance-sarif",
            str(root.parent / "static.sarif"),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=root.parent,
        timeout=600,
    )
    assert result.returncode == 1, result.stdout[-2000:]
    data = json.loads(report.read_text(encoding="utf-8"))
    return data["results"] if isinstance(data, dict) else data


def test_a_real_run_validates_and_places_each_failure_at_its_file_and_line(broken_run, tmp_path: Path) -> None:
    path = tmp_path / "out" / "conformance.sarif"
    write_sarif(path, broken_run)
    log = json.loads(path.read_text(encoding="utf-8"))
    validate(log)
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [c.id for c in ALL_CRITERIA]
    pitr = next(c for c in ALL_CRITERIA if c.id == "INF-DDB-PITR")
    rule = rules[[r["id"] for r in rules].index("INF-DDB-PITR")]
    assert rule["shortDescription"]["text"] == pitr.title
    assert rule["fullDescription"]["text"] == pitr.requirement.value
    failures = [r for r in broken_run if r["outcome"] in ("failed", "error")]
    assert failures and len(run["results"]) == sum(len(f["message"].splitlines()) for f in failures)
    (result,) = [r for r in run["results"] if r["ruleId"] == "INF-DDB-PITR"]
    assert result["level"] == "error" and rules[result["ruleIndex"]]["id"] == "INF-DDB-PITR"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {
        "uri": "terraform/dynamodb.tf",
        "uriBaseId": "2_1_bbws_product_infrastructure",
    }
    assert location["region"]["startLine"] == int(result["message"]["text"].split(":")[1])
    assert result["message"]["text"].startswith("2_1_bbws_product_infrastructure/terraform/dynamodb.tf:")
    assert run["originalUriBaseIds"]["2_1_bbws_product_infrastructure"] == {
        "uri": "2_1_bbws_product_infrastructure/",
        "uriBaseId": "SRCROOT",
    }


@pytest.mark.parametrize(
    ("case", "location"),
    [
        (
            {"source": "static", "message": "r1/terraform/a.tf:12: X-ONE: expected a, found b"},
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "terraform/a.tf", "uriBaseId": "r1"},
                    "region": {"startLine": 12},
                }
            },
        ),
        (
            {"source": "static", "message": "r1/.github/workflows/deploy-dev.yml: X-ONE: expected a file, found none"},
            {"physicalLocation": {"artifactLocation": {"uri": ".github/workflows/deploy-dev.yml", "uriBaseId": "r1"}}},
        ),
        (
            {"source": "static", "message": "r1: X-ONE: expected a git repository, found none"},
            {"physicalLocation": {"artifactLocation": {"uri": ".", "uriBaseId": "r1"}}},
        ),
        (
            {"source": "live", "message": "bbws-products-dev: X-ONE: expected ENABLED, found DISABLED (call)"},
            {
                "physicalLocation": {"artifactLocation": {"uri": ".", "uriBaseId": "r1"}},
                "logicalLocations": [{"name": "bbws-products-dev", "kind": "resource"}],
            },
        ),
        (
            {"source": "static", "outcome": "error", "message": "Traceback: something broke"},
            {"physicalLocation": {"artifactLocation": {"uri": ".", "uriBaseId": "r1"}}},
        ),
    ],
    ids=["file-and-line", "file", "repo", "live-resource", "unparsed-error"],
)
def test_each_kind_of_message_gets_its_location(case: dict, location: dict) -> None:
    result = {
        "criterion": "X-ONE",
        "title": "One",
        "repo": "r1",
        "env": "dev",
        "outcome": "failed",
        "profile": "requirement",
        **case,
    }
    passed = {**result, "criterion": "X-TWO", "outcome": "passed", "message": ""}
    log = sarif_log([result, passed], rules={"X-ONE": {"title": "One", "requirement": "Req / one"}})
    validate(log)
    (run,) = log["runs"]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["X-ONE", "X-TWO"]
    (only,) = run["results"]
    assert only["locations"] == [location] and only["message"]["text"] == case["message"]


def test_the_sarif_command_turns_a_json_report_into_sarif(broken_run, tmp_path: Path, capsys) -> None:
    from conformance.__main__ import main

    report = tmp_path / "static.json"
    report.write_text(json.dumps({"complete": True, "summary": {}, "results": broken_run}), encoding="utf-8")
    assert main(["sarif", "--report", str(report), "--output", str(tmp_path / "static.sarif")]) == 0
    log = json.loads((tmp_path / "static.sarif").read_text(encoding="utf-8"))
    validate(log)
    assert any(r["ruleId"] == "INF-DDB-PITR" for r in log["runs"][0]["results"])
    (tmp_path / "bad.json").write_text("[]", encoding="utf-8")
    assert main(["sarif", "--report", str(tmp_path / "bad.json"), "--output", str(tmp_path / "x.sarif")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: {tmp_path / 'bad.json'}: expected the suite's JSON report with a results list, found none"
    )
    assert not (tmp_path / "x.sarif").exists()


def test_the_plugin_writes_the_same_sarif_as_the_command(broken_run, run_folder: Path, tmp_path: Path) -> None:
    """`--conformance-sarif FILE` on the run itself gives the log `python -m conformance sarif` makes of its report."""
    from conformance.__main__ import main

    written = json.loads((run_folder / "static.sarif").read_text(encoding="utf-8"))
    validate(written)
    again = tmp_path / "again.sarif"
    assert main(["sarif", "--report", str(run_folder / "static.json"), "--output", str(again)]) == 0
    assert written == json.loads(again.read_text(encoding="utf-8"))
    assert written["runs"][0]["results"], "the broken run's failures are in the log"
