"""The live run reads ahead, concurrently: the planned calls, the same reports, each read made once, the guard in force.

A run with read-ahead (`conformance.runner.read_ahead`, as the plugin does before the first live
case) is compared with a run without it, case by case, message by message, on a conformant
deployment, on drifted ones, under access-denied faults, in the wrong account and against an
unreachable endpoint. Then the memo that makes a read once whichever thread asks, the read-only
guard in worker threads, and the emulator's latency option that the benchmarks measure this with.
"""

from __future__ import annotations

import io
import json
import socket
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from conformance import runner
from conformance.live.concurrent import ReadAhead
from conformance.live.errors import CallFailed, Subject
from conformance.live.guard import ReadOnlyViolation
from conformance.live.permissions import planned_reads
from conformance.live.session import LiveEvidence
from conformance.platform import Platform
from conformance.runner import live_evidence, read_ahead, run_live_case
from conformance.sandbox import emulator as emulator_module
from conformance.sandbox.latency import CONTROL_PATH, Latency, check_latency, set_latency
from tests.live import faults
from tests.live.conftest import ENV, isolate_from_real_aws, live_cases
from tests.live.deploy import Deployment, deploy

Run = dict[tuple[str, str, str | None], tuple[str, str, tuple]]


def run(platform: Platform, evidence: LiveEvidence, ahead: bool) -> Run:
    """Every live case of dev in plan order on one evidence, after reading ahead or not."""
    cases = live_cases(platform)
    if ahead:
        made = read_ahead(cases, evidence)
        assert made == evidence.total_calls  # everything read so far was read ahead
    found = {}
    for case in cases:
        outcome = run_live_case(case, evidence)
        found[(case.criterion.id, case.repo, case.env)] = (outcome.status, outcome.message, outcome.problems)
    return found


def both_ways(platform: Platform, prepare: Callable[[LiveEvidence], None] = lambda _: None, **options: Any):
    """(serial run, read-ahead run, serial calls, read-ahead calls), each on a fresh evidence."""
    results, calls = [], []
    for ahead in (False, True):
        evidence = live_evidence(platform, **options)
        prepare(evidence)
        results.append(run(platform, evidence, ahead))
        calls.append(Counter(evidence.calls))
    return results[0], results[1], calls[0], calls[1]


def planned_calls(platform: Platform) -> Counter[str]:
    cases = live_cases(platform)
    planned = planned_reads(platform, [(c.criterion, c.env, c.function) for c in cases])
    return Counter(f"{service}:{operation}" for _, service, operation in planned)


# -- same calls, same reports ---------------------------------------------------------------------------


def test_a_conformant_deployment_gives_the_same_reports_and_exactly_the_planned_calls(
    deployment: Deployment, platform: Platform
) -> None:
    serial, ahead, serial_calls, ahead_calls = both_ways(platform)
    assert ahead == serial
    assert {status for status, _, _ in ahead.values()} == {"passed"}
    assert ahead_calls == serial_calls == planned_calls(platform)  # 35 for the spec's dev env


def drift(deployment: Deployment) -> None:
    """Several drifts at once, missing resources among them (each owned by a criterion)."""
    names = deployment.names
    deployment.client("dynamodb").update_continuous_backups(
        TableName=names.table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False}
    )
    deployment.client("sqs").set_queue_attributes(
        QueueUrl=deployment.values["queue.url"], Attributes={"MessageRetentionPeriod": "60"}
    )
    deployment.client("sns").delete_topic(TopicArn=deployment.values["alert_topic.arn"])
    deployment.client("s3").delete_bucket_lifecycle(Bucket=names.audit_bucket)
    role = names.role(deployment.platform.lambdas.functions[0])
    iam = deployment.client("iam")
    for policy in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        iam.delete_role_policy(RoleName=role, PolicyName=policy)
    for attached in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=role, PolicyArn=attached["PolicyArn"])
    iam.delete_role(RoleName=role)


def test_drifted_and_missing_resources_are_reported_alike_once_under_the_same_cases(
    deployment: Deployment, platform: Platform
) -> None:
    drift(deployment)
    serial, ahead, serial_calls, ahead_calls = both_ways(platform)
    assert ahead == serial
    failed = {key[0] for key, (status, _, _) in serial.items() if status == "failed"}
    assert {"INF-DDB-PITR", "INF-SQS-RETENTION", "INF-SNS-TOPIC", "INF-S3-GLACIER"} <= failed
    reported_once = [m for status, m, _ in serial.values() if status == "skipped" and "reported once under" in m]
    assert reported_once  # the missing topic and role: failed once, skipped elsewhere, as before
    assert ahead_calls == serial_calls


@pytest.mark.parametrize("operation", ["dynamodb.DescribeTable", "sqs.GetQueueUrl", "iam.GetRole"])
def test_access_denied_is_reported_once_under_the_same_case(
    deployment: Deployment, platform: Platform, operation: str
) -> None:
    def denied(evidence: LiveEvidence) -> None:
        evidence.session.events.register_first("before-send", faults.deny(operation, "Access Denied"))

    serial, ahead, serial_calls, ahead_calls = both_ways(platform, denied)
    assert ahead == serial
    assert sum(status == "failed" for status, _, _ in serial.values()) >= 1
    # A check stops at its first failed read, so a serial run makes fewer calls; reading ahead makes
    # each planned read (INF-IAM-ROLES's other roles, denied too), still never one that is not planned.
    assert serial_calls <= ahead_calls <= planned_calls(platform)


def test_the_wrong_account_stops_both_runs_after_the_same_one_read(moto_as, platform: Platform) -> None:
    with moto_as(None):  # moto's default account is not the spec's
        deploy(platform, ENV, boto3.session.Session())
        serial, ahead, serial_calls, ahead_calls = both_ways(platform)
    assert ahead == serial
    assert [k[0] for k, (status, _, _) in serial.items() if status == "failed"] == ["LIVE-ACCOUNT"]
    assert ahead_calls == serial_calls == Counter({"sts:GetCallerIdentity": 1})


def test_an_unreachable_endpoint_stops_both_runs_alike(monkeypatch, platform: Platform) -> None:
    isolate_from_real_aws(monkeypatch)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    retries = {"mode": "standard", "total_max_attempts": 1}
    serial, ahead, serial_calls, ahead_calls = both_ways(platform, endpoint_url=url, retries=retries)
    assert ahead == serial
    assert [k[0] for k, (status, _, _) in serial.items() if status == "failed"] == ["LIVE-ACCOUNT"]
    assert ahead_calls == serial_calls == Counter({"sts:GetCallerIdentity": 1})


# -- a read made once, whichever thread asks -----------------------------------------------------------


def test_threads_asking_for_a_read_in_flight_wait_for_it_instead_of_reading_again() -> None:
    memo = ReadAhead()
    started, release = threading.Event(), threading.Event()
    reads: list[int] = []

    def slow_read() -> dict[str, str]:
        reads.append(1)
        started.set()
        assert release.wait(30)
        return {"QueueUrl": "https://queue"}

    first = threading.Thread(target=memo.take, args=("key", slow_read))
    first.start()
    assert started.wait(30)  # the first read is in flight, held
    arrived = threading.Barrier(8)
    answers: list[object] = []

    def ask() -> None:
        arrived.wait(30)
        answers.append(memo.take("key", slow_read))

    askers = [threading.Thread(target=ask) for _ in range(8)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join(0.2)
    assert all(asker.is_alive() for asker in askers)  # waiting for the read in flight
    assert not memo.made("key")
    release.set()
    for thread in (first, *askers):
        thread.join(30)
    assert reads == [1]
    assert len(answers) == 8 and all(answer is answers[0] for answer in answers)
    assert memo.made("key") and len(memo) == 1


def test_a_failed_read_is_the_outcome_of_every_asker_and_is_not_retried() -> None:
    memo = ReadAhead()
    reads: list[int] = []

    def failing() -> None:
        reads.append(1)
        raise ConnectionError("refused")

    def ask(_: int) -> str:
        try:
            memo.take("key", failing)
        except ConnectionError as error:
            return str(error)
        return "no error"

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(ask, range(6))) == ["refused"] * 6
    assert reads == [1]


def test_reads_of_different_keys_overlap() -> None:
    """Each read waits at a barrier that only two reads in flight together can pass."""
    memo = ReadAhead()
    together = threading.Barrier(2, timeout=30)

    def read(value: str) -> Callable[[], str]:
        def held() -> str:
            together.wait()
            return value

        return held

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(memo.take, "a", read("A"))
        second = pool.submit(memo.take, "b", read("B"))
        assert (first.result(), second.result()) == ("A", "B")


# -- the read-only guard in worker threads --------------------------------------------------------------


def test_the_guard_refuses_writes_from_worker_threads_and_the_twin_shares_it(
    deployment: Deployment, platform: Platform
) -> None:
    evidence = live_evidence(platform)
    twin = evidence.twin()
    assert twin.session is evidence.session and twin.ahead is evidence.ahead
    sent: list[str] = []
    evidence.session.events.register_first("before-send", lambda event_name, **_: sent.append(event_name))
    queue_url = deployment.values["queue.url"]
    region = deployment.region

    def write(reader: LiveEvidence) -> str:
        try:
            reader.client("sqs", region).delete_queue(QueueUrl=queue_url)
        except ReadOnlyViolation as refused:
            return str(refused)
        return "sent"

    def write_through_the_reader(reader: LiveEvidence) -> str:
        try:
            reader.env(ENV).call("sqs", "DeleteQueue", {"QueueUrl": queue_url}, Subject(deployment.names.queue, "q"))
        except CallFailed as refused:
            return refused.line
        return "sent"

    with ThreadPoolExecutor(4) as pool:
        direct = list(pool.map(write, [evidence, twin] * 3))
        through = list(pool.map(write_through_the_reader, [twin] * 2))
    assert all(r.startswith("read-only guard: refused sqs:DeleteQueue before it left the process") for r in direct)
    assert all("read-only guard: refused sqs:DeleteQueue" in r for r in through)
    assert set(sent) == {"before-send.sts.GetCallerIdentity"}  # the twin's account guard only
    assert deployment.client("sqs").get_queue_url(QueueName=deployment.names.queue)["QueueUrl"] == queue_url


def test_reading_ahead_leaves_the_run_evidence_as_a_serial_run_would_find_it(
    deployment: Deployment, platform: Platform
) -> None:
    """The twin's conclusions are its own: before the first case, the run's evidence has none."""
    evidence = live_evidence(platform)
    read_ahead(live_cases(platform), evidence)
    assert evidence._cache == {} and evidence._envs == {} and evidence.stopped is None
    assert evidence.total_calls == sum(planned_calls(platform).values())


# -- the emulator's latency -----------------------------------------------------------------------------


def wsgi_call(app: Latency, path: str, method: str = "GET", query: str = "") -> tuple[str, bytes]:
    said: list[str] = []
    body = b"".join(
        app(
            {"PATH_INFO": path, "REQUEST_METHOD": method, "QUERY_STRING": query, "wsgi.input": io.BytesIO()},
            lambda status, headers: said.append(status),
        )
    )
    return said[0], body


def test_the_latency_delays_every_aws_call_and_nothing_else() -> None:
    slept: list[float] = []
    answered: list[str] = []

    def moto(environ, start_response):
        answered.append(environ["PATH_INFO"])
        start_response("200 OK", [])
        return [b"moto"]

    app = Latency(moto, 100, sleep=slept.append)
    assert wsgi_call(app, "/") == ("200 OK", b"moto")
    assert wsgi_call(app, "/bbws-audit-dev/key", "PUT") == ("200 OK", b"moto")
    assert wsgi_call(app, "/moto-api/data.json") == ("200 OK", b"moto")  # the emulator's own: not delayed
    assert slept == [0.1, 0.1] and answered == ["/", "/bbws-audit-dev/key", "/moto-api/data.json"]

    assert wsgi_call(app, CONTROL_PATH) == ("200 OK", b'{"latency_ms": 100}')
    assert wsgi_call(app, CONTROL_PATH, "POST", "ms=250") == ("200 OK", b'{"latency_ms": 250}')
    wsgi_call(app, "/")
    assert slept[-1] == 0.25
    status, body = wsgi_call(app, CONTROL_PATH, "POST", "ms=-1")
    assert status == "400 Bad Request" and "found '-1'" in json.loads(body)["error"]
    assert app.latency_ms == 250
    wsgi_call(app, CONTROL_PATH, "POST", "ms=0")
    wsgi_call(app, "/")
    assert len(slept) == 3  # 0 ms: no sleep at all


@pytest.mark.parametrize("bad", ["-1", "60001", "ten", "1.5"])
def test_a_bad_latency_is_one_line_naming_it(bad: str) -> None:
    with pytest.raises(ValueError, match=rf"latency: expected whole milliseconds from 0 to 60000, found '{bad}'"):
        check_latency(bad)


def test_the_emulator_is_started_with_its_latency_and_reports_it(monkeypatch, platform: Platform) -> None:
    account = platform.environments[ENV].account_id
    with emulator_module.Emulator(account, latency_ms=40) as running:
        assert set_latency(running.url, 40) == 40
        client = emulator_module.aws_client("sqs", running.url, platform.environments[ENV].region)
        assert client.list_queues().get("QueueUrls", []) == []  # answered, through the delay
        assert set_latency(running.url, 0) == 0
    command: list[str] = []

    def recorder(args: list[str], **_: Any) -> None:
        command.extend(args)
        raise OSError("not started: the command is what is checked")

    monkeypatch.setattr(emulator_module.subprocess, "Popen", recorder)
    with pytest.raises(OSError, match="not started"):
        emulator_module.Emulator(account, latency_ms=100).start()
    assert command[-2:] == ["--latency-ms", "100"]


def test_every_declared_read_has_a_reader_that_makes_exactly_the_planned_calls(
    deployment: Deployment, platform: Platform, monkeypatch
) -> None:
    """Read ahead by resource alone (no case rehearsed): every planned call is made, and no other."""
    monkeypatch.setattr(runner, "run_live_case", lambda case, evidence: None)
    evidence = live_evidence(platform)
    read_ahead(live_cases(platform), evidence)
    assert Counter(evidence.calls) == planned_calls(platform)
    declared = {
        (s, o) for _, s, o in planned_reads(platform, [(c.criterion, c.env, c.function) for c in live_cases(platform)])
    }
    assert declared - set(runner.READ_BY_RESOURCE) == {("sts", "GetCallerIdentity")}  # the guard's, made first
