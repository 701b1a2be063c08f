"""SQS: the change queue (retention, redrive to its dead-letter queue, receive count) and both queues' encryption."""

from __future__ import annotations

import json
from typing import Any

from conformance.core import Problem, Stop, describe, expected
from conformance.criteria.base import Criterion, Profile, reads
from conformance.criteria.hcl_checks import named, refers_to, value, where
from conformance.criteria.infrastructure import INFRASTRUCTURE, RESOURCES, TERRAFORM
from conformance.criteria.values import AwsValue, Equals, Exists, HclValue
from conformance.evidence.evaluate import decode_json
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.evidence.module import Instance
from conformance.live import sqs as sqs_live
from conformance.live.session import LiveEnv
from conformance.live.view import LiveView


def main_queue(view: RepoView) -> Instance:
    return named(view, "aws_sqs_queue", view.names.queue)


def dead_letter_queue(view: RepoView) -> Instance:
    return named(view, "aws_sqs_queue", view.names.dead_letter)


def change_queue_url(live: LiveEnv) -> str:
    return sqs_live.queue_url(live, "queue")


def change_queue_attributes(live: LiveEnv) -> dict[str, str]:
    return sqs_live.attributes(live, "queue")


# -- static ------------------------------------------------------------------------------------


def redrive(view: RepoView, queue: Instance) -> tuple[dict, str]:
    raw = value(view, queue, "redrive_policy", None)
    location = where(queue, "redrive_policy")
    if raw is None:
        raise Stop(Problem(where(queue), expected("a redrive_policy", "none")))
    try:
        policy = decode_json(raw)
    except (ValueError, TypeError):
        raise Stop(Problem(location, expected("redrive_policy as JSON", describe(str(raw))))) from None
    if not isinstance(policy, dict):
        raise Stop(Problem(location, expected("a JSON object", describe(policy))))
    return policy, location


def sqs_dead_letter(view: RepoView, _: FleetEvidence) -> list[Problem]:
    dlq = dead_letter_queue(view)
    policy, location = redrive(view, main_queue(view))
    target = policy.get("deadLetterTargetArn")
    if not refers_to(target, dlq):
        return [
            Problem(
                location, f"deadLetterTargetArn: {expected(f'a reference to {dlq.block.address}', describe(target))}"
            )
        ]
    return []


def sqs_receive_count(view: RepoView, _: FleetEvidence) -> list[Problem]:
    wanted = view.platform.infrastructure.queue.dead_letter.max_receive_count
    policy, location = redrive(view, main_queue(view))
    found = policy.get("maxReceiveCount")
    try:
        matches = int(found) == wanted
    except (TypeError, ValueError):
        matches = False
    return [] if matches else [Problem(location, f"maxReceiveCount: {expected(wanted, describe(found))}")]


def sqs_encryption(view: RepoView, _: FleetEvidence) -> list[Problem]:
    problems = []
    for queue in (main_queue(view), dead_letter_queue(view)):
        managed = value(view, queue, "sqs_managed_sse_enabled", None)
        kms = value(view, queue, "kms_master_key_id", None)
        if managed is not True and not kms:
            problems.append(
                Problem(where(queue), expected("sqs_managed_sse_enabled = true or a kms_master_key_id", "neither"))
            )
    return problems


# -- live --------------------------------------------------------------------------------------


def live_redrive(view: LiveView) -> dict[str, Any]:
    """The change queue's RedrivePolicy (a JSON string in the attributes), parsed; Stop when unusable."""
    raw = sqs_live.attributes(view.live, "queue").get("RedrivePolicy")
    call = "get_queue_attributes → RedrivePolicy"
    if not raw:
        raise Stop(Problem.drift(view.names.queue, "a RedrivePolicy", "none", call))
    try:
        policy = json.loads(raw)
    except ValueError:
        policy = None
    if not isinstance(policy, dict):
        raise Stop(Problem.drift(view.names.queue, "a RedrivePolicy as a JSON object", repr(raw), call))
    return policy


def sqs_dead_letter_live(view: LiveView) -> list[Problem]:
    dlq_arn = sqs_live.attributes(view.live, "dead_letter").get("QueueArn")
    target = live_redrive(view).get("deadLetterTargetArn")
    if target != dlq_arn:
        call = "get_queue_attributes → RedrivePolicy.deadLetterTargetArn"
        return [Problem.drift(view.names.queue, dlq_arn, target or "none", call)]
    return []


def sqs_receive_count_live(view: LiveView) -> list[Problem]:
    wanted = view.platform.infrastructure.queue.dead_letter.max_receive_count
    found = live_redrive(view).get("maxReceiveCount")
    try:
        matches = int(found) == wanted  # a string or an int, depending on who wrote it
    except (TypeError, ValueError):
        matches = False
    if not matches:
        call = "get_queue_attributes → RedrivePolicy.maxReceiveCount"
        return [Problem.drift(view.names.queue, wanted, found if found is not None else "none", call)]
    return []


def sqs_encryption_live(view: LiveView) -> list[Problem]:
    problems = []
    for which in ("queue", "dead_letter"):
        attributes = sqs_live.attributes(view.live, which)
        if attributes.get("SqsManagedSseEnabled") != "true" and not attributes.get("KmsMasterKeyId"):
            problems.append(
                Problem.drift(
                    getattr(view.names, which),
                    "SqsManagedSseEnabled true or a KmsMasterKeyId",
                    "neither",
                    "get_queue_attributes → SqsManagedSseEnabled, KmsMasterKeyId",
                )
            )
    return problems


# -- register ----------------------------------------------------------------------------------

QUEUE = ("sqs:GetQueueUrl@queue", "sqs:GetQueueAttributes@queue")
DLQ = ("sqs:GetQueueUrl@dead_letter", "sqs:GetQueueAttributes@dead_letter")
CRITERIA = [
    Criterion(
        id="INF-SQS-QUEUE",
        title="Change queue exists",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=TERRAFORM,
        value=Exists(hcl=main_queue, aws=change_queue_url),
        live_reads=reads("sqs:GetQueueUrl@queue"),
        owns=("queue",),
    ),
    Criterion(
        id="INF-SQS-RETENTION",
        title="Change queue keeps messages 4 days",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=TERRAFORM,
        value=Equals(
            expected=lambda spec: spec.infrastructure.queue.message_retention_seconds,
            hcl=HclValue(main_queue, "message_retention_seconds"),
            aws=AwsValue(
                change_queue_attributes,
                "MessageRetentionPeriod",
                "queue",
                "get_queue_attributes → MessageRetentionPeriod",
            ),
        ),
        live_reads=reads(*QUEUE),
    ),
    Criterion(
        id="INF-SQS-DLQ",
        title="Change queue redrives to its dead-letter queue",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=TERRAFORM,
        static=sqs_dead_letter,
        live=sqs_dead_letter_live,
        live_reads=reads(*QUEUE, *DLQ),
        owns=("dead_letter",),
    ),
    Criterion(
        id="INF-SQS-RECEIVE-COUNT",
        title="Redrive after the spec's max receive count",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=TERRAFORM,
        static=sqs_receive_count,
        live=sqs_receive_count_live,
        live_reads=reads(*QUEUE),
    ),
    Criterion(
        id="INF-SQS-SSE",
        profile=Profile.PLATFORM,
        title="Both queues encrypted",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=TERRAFORM,
        static=sqs_encryption,
        live=sqs_encryption_live,
        live_reads=reads(*QUEUE, *DLQ),
    ),
]
