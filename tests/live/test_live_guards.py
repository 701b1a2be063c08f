"""The guards of a live run: read-only enforced, the env's account only, one line per cause,
throttling ridden out."""

from __future__ import annotations

import socket

import boto3
import pytest

from conformance.live.errors import CallFailed, Subject
from conformance.live.guard import ReadOnlyViolation
from conformance.live.permissions import planned_reads
from conformance.platform import Platform
from conformance.runner import Outcome, live_evidence
from tests.live import faults
from tests.live.conftest import ENV, Key, isolate_from_real_aws, live_cases, run_live
from tests.live.deploy import Deployment, deploy

PITR_OFF = {"PointInTimeRecoveryEnabled": False}


def account_case(platform: Platform) -> Key:
    return ("LIVE-ACCOUNT", platform.infrastructure.repo, ENV)


def assert_stopped_with_one_line(platform: Platform, results: dict[Key, Outcome], line: str) -> None:
    """The account case fails with exactly `line`; every other live case skips, pointing at it."""
    failed = {k: o.message for k, o in results.items() if o.status == "failed"}
    assert failed == {account_case(platform): line}
    assert "\n" not in line and "Traceback" not in line
    others = {k: o for k, o in results.items() if k != account_case(platform)}
    assert {o.status for o in others.values()} == {"skipped"}
    reference = f"(reported once under LIVE-ACCOUNT[{platform.infrastructure.repo}-{ENV}])"
    assert all(o.message.endswith(reference) for o in others.values()), others


# -- read-only -------------------------------------------------------------------------------------


def test_a_write_is_refused_before_it_leaves_the_process_and_nothing_changes(
    deployment: Deployment, platform: Platform
) -> None:
    evidence = live_evidence(platform)
    sent: list[str] = []
    evidence.session.events.register_first("before-send", lambda event_name, **_: sent.append(event_name))
    region, names = deployment.region, deployment.names
    ddb, sqs = evidence.client("dynamodb", region), evidence.client("sqs", region)
    queue_url = deployment.values["queue.url"]

    with pytest.raises(ReadOnlyViolation, match=r"refused dynamodb:UpdateContinuousBackups before it left"):
        ddb.update_continuous_backups(TableName=names.table, PointInTimeRecoverySpecification=PITR_OFF)
    with pytest.raises(ReadOnlyViolation, match="refused sqs:DeleteQueue"):
        sqs.delete_queue(QueueUrl=queue_url)
    with pytest.raises(ReadOnlyViolation, match="refused dynamodb:Scan"):  # reads data: not an allowed read
        ddb.scan(TableName=names.table)
    with pytest.raises(ReadOnlyViolation, match="refused s3:DeleteBucket"):
        evidence.session.resource("s3", region_name=region).Bucket(names.audit_bucket).delete()
    # A read, but not one the live checks declare: the role would not grant it, so the guard refuses it.
    with pytest.raises(ReadOnlyViolation, match=r"refused dynamodb:ListTables .*not one of the reads the live checks"):
        ddb.list_tables()
    with pytest.raises(ReadOnlyViolation, match="refused lambda:Invoke"):
        evidence.client("lambda", region).invoke(FunctionName=names.function(platform.lambdas.functions[0]))
    # Through the reader, a write is one line too, never a traceback.
    with pytest.raises(CallFailed, match="read-only guard: refused sqs:DeleteQueue"):
        evidence.env(ENV).call("sqs", "DeleteQueue", {"QueueUrl": queue_url}, Subject(names.queue, "the queue"))

    # Nothing was sent but the account guard's one read (made by the reader call above).
    assert sent == ["before-send.sts.GetCallerIdentity"] and dict(evidence.calls) == {"sts:GetCallerIdentity": 1}
    writer = deployment.session
    backups = writer.client("dynamodb", region_name=region).describe_continuous_backups(TableName=names.table)
    pitr = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]
    assert pitr == "ENABLED"
    assert writer.client("sqs", region_name=region).get_queue_url(QueueName=names.queue)["QueueUrl"] == queue_url
    assert writer.client("s3", region_name=region).head_bucket(Bucket=names.audit_bucket)
    assert {o.status for o in run_live(platform).values()} == {"passed"}


def test_the_guard_covers_clients_of_the_run_session_only_after_it_is_installed(platform: Platform) -> None:
    evidence = live_evidence(platform)
    events = evidence.session.events
    assert events is evidence.session.events  # one session per run, made once
    client = evidence.client("sqs", "eu-west-1")
    assert client is evidence.client("sqs", "eu-west-1")  # one client per service and region
    with pytest.raises(ReadOnlyViolation):
        client.create_queue(QueueName="never-sent")


# -- the account guard and the one-line causes ---------------------------------------------------------


def test_the_wrong_account_stops_the_live_part_with_one_line(moto_as, platform: Platform) -> None:
    with moto_as(None):  # moto's default account, 123456789012, is not the spec's dev account
        deploy(platform, ENV, boto3.session.Session())  # a full deployment, in the wrong account
        evidence = live_evidence(platform)
        results = run_live(platform, evidence)
    wanted = platform.environments[ENV].account_id
    line = (
        f"{ENV}: LIVE-ACCOUNT: expected account {wanted} ({ENV}), found 123456789012 "
        f"(get_caller_identity → Account, as arn:aws:sts::123456789012:user/moto); no live check ran for {ENV}"
    )
    assert_stopped_with_one_line(platform, results, line)
    assert dict(evidence.calls) == {"sts:GetCallerIdentity": 1}  # nothing read in the wrong account


def test_without_credentials_the_live_part_stops_with_one_line(monkeypatch, platform: Platform) -> None:
    isolate_from_real_aws(monkeypatch)
    evidence = live_evidence(platform)
    results = run_live(platform, evidence)
    line = (
        f"{ENV}: LIVE-ACCOUNT: no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
        "or give --endpoint-url for an emulator; no live check ran"
    )
    assert_stopped_with_one_line(platform, results, line)
    assert evidence.total_calls <= 1


def test_an_unreachable_endpoint_stops_the_live_part_with_one_line(monkeypatch, platform: Platform) -> None:
    isolate_from_real_aws(monkeypatch)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    evidence = live_evidence(platform, url, retries={"mode": "adaptive", "total_max_attempts": 2})
    results = run_live(platform, evidence)
    message = results[account_case(platform)].message
    assert message.startswith(f"{ENV}: LIVE-ACCOUNT: cannot reach {url} (get_caller_identity: Could not connect to")
    assert_stopped_with_one_line(platform, results, message)


@pytest.mark.parametrize(
    "operation,aws_message,criterion,permission,users",
    [
        (
            "dynamodb.DescribeTable",
            "User: arn:aws:sts::{account}:assumed-role/bbws-conformance/ci is not authorized to perform: "
            "dynamodb:DescribeTable on resource: {table} because no identity-based policy allows it",
            "INF-DDB-TABLE",
            "dynamodb:DescribeTable",
            ("INF-DDB-KEYS", "INF-DDB-GSI", "INF-DDB-SSE", "INF-STATE-OUTPUTS"),
        ),
        (  # S3 says only "Access Denied": the permission is derived (its IAM name differs from the API's)
            "s3.GetBucketLifecycleConfiguration",
            "Access Denied",
            "INF-S3-GLACIER",
            "s3:GetLifecycleConfiguration",
            (),
        ),
    ],
)
def test_access_denied_names_the_missing_permission_once(
    deployment: Deployment,
    platform: Platform,
    operation: str,
    aws_message: str,
    criterion: str,
    permission: str,
    users: tuple[str, ...],
) -> None:
    evidence = live_evidence(platform)
    account = platform.environments[ENV].account_id
    text = aws_message.format(account=account, table=deployment.values["table.arn"])
    evidence.session.events.register_first("before-send", faults.deny(operation, text))
    results = run_live(platform, evidence)

    repo = platform.infrastructure.repo
    failed = {k: o.message for k, o in results.items() if o.status == "failed"}
    service, _, name = operation.partition(".")
    call = name[0].lower() + "".join(f"_{c.lower()}" if c.isupper() else c for c in name[1:])
    code = "AccessDenied" if service == "s3" else "AccessDeniedException"
    resource = deployment.names.table if service == "dynamodb" else deployment.names.audit_bucket
    line = f"{resource}: {criterion}: access denied: missing permission {permission} ({call} → {code})"
    assert failed == {(criterion, repo, ENV): line}
    skipped = {k: o.message for k, o in results.items() if o.status == "skipped"}
    assert set(skipped) == {(c, repo, ENV) for c in users}
    assert all(m.endswith(f"(reported once under {criterion}[{repo}-{ENV}])") for m in skipped.values())
    assert evidence.calls[f"{service}:{name}"] == 1  # not retried, not asked again


# -- throttling --------------------------------------------------------------------------------------


def test_throttling_and_transient_faults_are_ridden_out_and_verdicts_stay_right(
    deployment: Deployment, platform: Platform
) -> None:
    deployment.client("dynamodb").update_continuous_backups(
        TableName=deployment.names.table, PointInTimeRecoverySpecification=PITR_OFF
    )  # one drift, so the verdicts are not all "passed"
    calm = run_live(platform)

    evidence = live_evidence(platform)
    # One service per protocol (query, json, rest-xml, rest-json), STS (the account guard's read) and
    # DynamoDB (the drifted table's) among them. Each is faulted once: adaptive mode then also
    # slows that client down, which is real time, so the faults are kept to these.
    throttler = faults.Throttler(("sts", "dynamodb", "cloudwatch", "s3", "api-gateway"))
    evidence.session.events.register_first("before-send", throttler)
    stormy = run_live(platform, evidence)

    assert {k: (o.status, o.message) for k, o in stormy.items()} == {k: (o.status, o.message) for k, o in calm.items()}
    assert [k for k, o in stormy.items() if o.status == "failed"] == [
        ("INF-DDB-PITR", platform.infrastructure.repo, ENV)
    ]
    protocols = {faults.PROTOCOLS[e.split(".")[0]] for e in throttler.injected}
    assert protocols == set(faults.PROTOCOLS.values()) and len(throttler.injected) == 5, throttler.injected
    assert evidence.retried == len(throttler.injected)
    cases = [(c.criterion, c.env, c.function) for c in live_cases(platform)]
    assert evidence.total_calls == len(planned_reads(platform, cases))  # retries are not new calls


def test_throttling_that_never_ends_is_one_line_reported_once(deployment: Deployment, platform: Platform) -> None:
    evidence = live_evidence(platform, retries={"mode": "adaptive", "total_max_attempts": 2})
    evidence.session.events.register_first("before-send", faults.always_throttle("dynamodb.DescribeTable"))
    results = run_live(platform, evidence)
    repo = platform.infrastructure.repo
    failed = {k: o.message for k, o in results.items() if o.status == "failed"}
    assert failed == {
        ("INF-DDB-TABLE", repo, ENV): (
            f"{deployment.names.table}: INF-DDB-TABLE: AWS kept throttling describe_table (ThrottlingException) "
            "for 2 attempts"
        )
    }
    assert {k[0] for k, o in results.items() if o.status == "skipped"} == {
        "INF-DDB-KEYS",
        "INF-DDB-GSI",
        "INF-DDB-SSE",
        "INF-STATE-OUTPUTS",
    }
    assert evidence.retried == 1
