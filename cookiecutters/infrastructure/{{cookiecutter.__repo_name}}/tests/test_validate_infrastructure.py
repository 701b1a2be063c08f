"""scripts/validate_infrastructure.py against an emulated account (moto)."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
import validate_infrastructure as vi
from botocore.exceptions import BotoCoreError
from conftest import ACCOUNT_ID, ENV, REGION

NAMES = vi.names_for(ENV)


def run(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, list[str], str]:
    code = vi.main(["--env", ENV, *extra])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def failures(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("FAIL ")]


def test_a_conformant_environment_passes(deployed: boto3.session.Session, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, err = run(capsys)

    assert failures(lines) == [], "\n".join(lines) + err
    assert code == 0
    assert any(line.startswith(f"OK  DynamoDB table {NAMES['table']}") for line in lines)
    checked = len(lines) - 1
    assert lines[-1] == f"{checked} of {checked} checks passed for {ENV}"


def test_every_resource_is_reported_once_found(
    deployed: boto3.session.Session, capsys: pytest.CaptureFixture[str]
) -> None:
    _, lines, _ = run(capsys)
    report = "\n".join(lines)

    for key in ("table", "queue", "dead_letter", "audit_bucket", "alert_topic", "dlq_alarm", "rest_api"):
        assert f" {NAMES[key]}" in report, key
    for pattern in vi.ROLE_NAMES.values():
        assert f"OK  IAM role {pattern.format(env=ENV)}" in lines
    for path in vi.API_PATHS:
        assert f"OK  REST API {NAMES['rest_api']} resource {path}" in lines


def test_point_in_time_recovery_disabled_fails(
    deployed: boto3.session.Session, capsys: pytest.CaptureFixture[str]
) -> None:
    deployed.client("dynamodb").update_continuous_backups(
        TableName=NAMES["table"], PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False}
    )

    code, lines, _ = run(capsys)

    assert code == 1
    assert failures(lines) == [
        f"FAIL DynamoDB table {NAMES['table']} point-in-time recovery: expected ENABLED, found DISABLED"
    ]


def test_a_wrong_max_receive_count_fails(deployed: boto3.session.Session, capsys: pytest.CaptureFixture[str]) -> None:
    sqs = deployed.client("sqs")
    url = sqs.get_queue_url(QueueName=NAMES["queue"])["QueueUrl"]
    redrive = json.loads(
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
    )
    wrong = vi.QUEUE["max_receive_count"] + 1
    redrive["maxReceiveCount"] = wrong
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": json.dumps(redrive)})

    code, lines, _ = run(capsys)

    assert code == 1
    assert failures(lines) == [
        f"FAIL SQS queue {NAMES['queue']} max receive count: expected {vi.QUEUE['max_receive_count']}, found {wrong}"
    ]


def test_a_missing_table_fails_without_stopping_the_other_checks(
    deployed: boto3.session.Session, capsys: pytest.CaptureFixture[str]
) -> None:
    deployed.client("dynamodb").delete_table(TableName=NAMES["table"])

    code, lines, _ = run(capsys)

    assert code == 1
    assert failures(lines) == [f"FAIL DynamoDB table {NAMES['table']}: expected ACTIVE, found nothing"]
    assert f"OK  SNS topic {NAMES['alert_topic']}" in lines


def test_an_empty_account_fails_every_resource(
    session: boto3.session.Session, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, _ = run(capsys)

    assert code == 1
    assert f"FAIL SQS queue {NAMES['queue']}: expected present, found nothing" in lines
    assert f"FAIL S3 bucket {NAMES['audit_bucket']}: expected present, found nothing" in lines
    assert f"FAIL REST API {NAMES['rest_api']} (exactly one by name): expected 1, found 0" in lines


def test_credentials_of_another_account_exit_2(
    deployed: boto3.session.Session, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    other = str(int(ACCOUNT_ID) + 1).zfill(len(ACCOUNT_ID))
    monkeypatch.setenv("MOTO_ACCOUNT_ID", other)

    code, lines, err = run(capsys)

    assert code == 2
    assert failures(lines) == []
    assert err.startswith("ERROR ") and other in err and ACCOUNT_ID in err


def test_missing_credentials_exit_2(
    fake_credentials: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))

    code, lines, err = run(capsys)

    assert code == 2
    assert lines == []
    assert len(err.strip().splitlines()) == 1 and "credentials" in err


def test_it_only_reads(deployed: boto3.session.Session) -> None:
    class Written(BotoCoreError):
        fmt = "{operation} is not a read"

    def read_only(model, **_: object) -> None:
        if not model.name.startswith(("Describe", "Get", "List", "Head")):
            raise Written(operation=model.name)

    guarded = boto3.session.Session(region_name=REGION)
    guarded.events.register("before-call", read_only)

    results = list(vi.run_checks(vi.Aws(REGION, session=guarded), ENV))

    assert results and all(result.ok for result in results)


def test_an_unknown_environment_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        vi.main(["--env", "no-such-env"])
    assert raised.value.code == 2
