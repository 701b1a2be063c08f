"""The drift workflow's decisions: alert or not, what the issue says, comment instead of duplicate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.__main__ import main
from conformance.ci.drift_alert import issue_action, verdict
from conformance.ci.targets import drift_targets
from conformance.platform import Platform

CALL = "describe_continuous_backups → PointInTimeRecoveryDescription.PointInTimeRecoveryStatus"


def report(tmp_path: Path, *results: dict) -> Path:
    path = tmp_path / "drift-dev.json"
    path.write_text(json.dumps({"complete": True, "summary": {}, "results": list(results)}), encoding="utf-8")
    return path


def result(outcome: str, criterion: str = "INF-DDB-PITR", drift: list | None = None) -> dict:
    return {
        "criterion": criterion,
        "title": "t",
        "repo": "2_1_bbws_product_infrastructure",
        "env": "dev",
        "outcome": outcome,
        "message": "bbws-products-dev: INF-DDB-PITR: expected ENABLED, found DISABLED" if outcome == "failed" else "",
        "source": "live",
        "drift": drift or [],
    }


PITR = {"resource": "bbws-products-dev", "expected": "ENABLED", "found": "DISABLED", "call": CALL}


def test_a_clean_report_raises_no_alert(tmp_path: Path) -> None:
    found = verdict("dev", report(tmp_path, result("passed"), result("skipped")))
    assert not found.alert and found.body == ""
    assert found.headline == "dev: no drift (2 checks passed or skipped)"


def test_a_drift_alerts_with_the_table_naming_criterion_resource_expected_found_and_call(tmp_path: Path) -> None:
    found = verdict("dev", report(tmp_path, result("passed"), result("failed", drift=[PITR])), "https://run/1")
    assert found.alert and found.headline == "dev: 1 failed check(s): INF-DDB-PITR"
    assert f"| `INF-DDB-PITR` | dev | `bbws-products-dev` | ENABLED | DISABLED | `{CALL}` |" in found.body
    assert "- **INF-DDB-PITR** (live) 2_1_bbws_product_infrastructure: `bbws-products-dev: INF-DDB-PITR" in found.body
    assert found.body.rstrip().endswith("Run: https://run/1")


@pytest.mark.parametrize("content", [None, "{not json", '{"summary": {}}'])
def test_no_readable_report_is_an_alert_too(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "drift-dev.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    found = verdict("dev", path)
    assert found.alert and found.headline.startswith("dev: cannot tell, the drift check produced no readable report")


def test_an_open_issue_of_the_env_is_commented_on_never_duplicated() -> None:
    dev = {"number": 12, "title": "Conformance drift in dev", "labels": [{"name": "drift-dev"}]}
    older = {"number": 7, "title": "something else", "labels": [{"name": "drift-dev"}]}
    sit = {"number": 3, "title": "Conformance drift in sit", "labels": [{"name": "drift-sit"}]}
    assert issue_action("dev", [dev, sit]) == ("comment", 12)
    assert issue_action("dev", [dev, older, sit]) == ("comment", 7)  # the oldest open one
    assert issue_action("dev", [sit]) == ("create", None)
    assert issue_action("dev", []) == ("create", None)
    unlabelled = {"number": 20, "title": "Conformance drift in dev", "labels": []}
    assert issue_action("dev", [unlabelled]) == ("comment", 20)


def test_the_decide_command_writes_github_outputs_and_the_body(tmp_path: Path, capsys) -> None:
    path = report(tmp_path, result("failed", drift=[PITR]))
    issues = tmp_path / "open-issues.json"
    issues.write_text(json.dumps([{"number": 5, "title": "x", "labels": [{"name": "drift-dev"}]}]), encoding="utf-8")
    body = tmp_path / "body.md"
    args = ["drift-alert", "--env", "dev", "--report", str(path), "--open-issues", str(issues), "--body", str(body)]
    assert main(args) == 0
    outputs = dict(line.split("=", 1) for line in capsys.readouterr().out.splitlines())
    assert outputs == {
        "alert": "true",
        "headline": "dev: 1 failed check(s): INF-DDB-PITR",
        "action": "comment",
        "issue": "5",
        "label": "drift-dev",
        "title": "Conformance drift in dev",
    }
    assert "| `INF-DDB-PITR` | dev |" in body.read_text(encoding="utf-8")


def test_the_targets_come_from_the_spec(platform: Platform, capsys) -> None:
    targets = drift_targets(platform)
    assert [t["env"] for t in targets] == list(platform.environments)
    for target in targets:
        env = platform.environments[target["env"]]
        assert target["region"] == env.region and target["account"] == env.account_id
        assert target["role_arn"] == platform.conformance_role_arn(target["env"])
        topic = platform.name(platform.infrastructure.alert_topic.thing, target["env"])
        assert target["topic_arn"] == f"arn:aws:sns:{env.region}:{env.account_id}:{topic}"
    assert main(["drift-targets", "--env", "sit"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert json.loads(lines[0].removeprefix("matrix=")) == [t for t in targets if t["env"] == "sit"]
    assert lines[1:] == [
        f"owner={platform.github.organisation}",
        "repositories=" + json.dumps(platform.repo_names, separators=(",", ":")),
        f"python_version={platform.github.python_version}",
        f"terraform_version={platform.github.terraform_version}",
    ]
    assert main(["drift-targets", "--env", "qa"]) == 2
    assert "error: --env: expected one of all, dev, sit, prod, found 'qa'" in capsys.readouterr().err
