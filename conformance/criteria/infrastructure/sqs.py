"""SQS: the change queue (retention, redrive to its dead-letter queue, receive count), both queues' encryption,
and the audit queue (its own dead-letter queue and receive count)."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any

from conformance.core import Problem, Stop, describe, expected
from conformance.criteria.base import Criterion, Profile, reads
from conformance.criteria.hcl_checks import (
    arn_of,
    attached,
    configured_twice,
    named,
    none_found,
    number,
    truthy,
    value,
    where,
)
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

QUEUE_URL = ("id", "url")  # an aws_sqs_queue's id is its URL


@dataclass(frozen=True)
class Setting:
    """One place a queue's JSON setting is configured: inline on the queue or a resource of its own."""

    label: str
    location: str
    document: dict[str, Any]


def queue_settings(view: RepoView, queue: Instance, attribute: str, resource_type: str) -> list[Setting]:
    """Every place that configures `attribute` of the queue: its own argument and every `resource_type`."""
    found = []
    owners = [(queue, f"{queue.address}.{attribute}")]
    owners += [(c, c.address) for c in attached(view, resource_type, queue, "queue_url", QUEUE_URL)]
    for owner, label in owners:
        raw = value(view, owner, attribute, None)
        if raw is None or raw == "":
            continue
        location = where(owner, attribute)
        try:
            document = decode_json(raw)
        except (ValueError, TypeError):
            raise Stop(Problem(location, expected(f"{attribute} as JSON", describe(str(raw))))) from None
        if not isinstance(document, dict):
            raise Stop(Problem(location, expected(f"{attribute} as a JSON object", describe(document))))
        found.append(Setting(label, location, document))
    return found


def redrives(view: RepoView, queue: Instance | None = None) -> list[Setting]:
    """A queue's redrive policies (its `redrive_policy` and any aws_sqs_queue_redrive_policy); the change queue's
    by default."""
    queue = queue or main_queue(view)
    found = queue_settings(view, queue, "redrive_policy", "aws_sqs_queue_redrive_policy")
    if not found:
        what = "a redrive policy (redrive_policy on the queue, or an aws_sqs_queue_redrive_policy)"
        raise none_found(view, Problem(where(queue), expected(what, "none")))
    return found


def queue_arn(reference: Any, queue: Instance, name: str) -> bool:
    """A reference to the queue's ARN, or its ARN written out (see `arn_of`)."""
    return arn_of(reference, queue, "sqs", name)


def _allow_problems(queue: Instance, name: str, label: str, allow: Setting) -> list[Problem]:
    """The DLQ's redrive allow policy must let its queue (`name`, called `label`) use it."""
    permission = allow.document.get("redrivePermission")
    sources = allow.document.get("sourceQueueArns") or []
    if permission == "allowAll":
        return []
    if permission == "byQueue" and any(queue_arn(s, queue, name) for s in sources):
        return []
    found = f"redrivePermission {describe(permission)}" + (f" for {describe(sources)}" if sources else "")
    what = f"{label} {queue.address} allowed to move messages into the DLQ"
    return [Problem(allow.location, f"{allow.label}: {expected(what, found)}")]


def dead_letter_problems(
    view: RepoView, queue: Instance, name: str, label: str, dlq: Instance, dlq_name: str
) -> list[Problem]:
    """The queue redrives to its DLQ (once), and the DLQ's allow policy, if any, lets the queue use it."""
    found = redrives(view, queue)
    problems = configured_twice(f"the redrive policy of {queue.address}", ((r.label, r.location) for r in found))
    for redrive in found:
        target = redrive.document.get("deadLetterTargetArn")
        if not queue_arn(target, dlq, dlq_name):
            wanted = f"a reference to {dlq.address}.arn"
            problems.append(Problem(redrive.location, f"deadLetterTargetArn: {expected(wanted, describe(target))}"))
    allows = queue_settings(view, dlq, "redrive_allow_policy", "aws_sqs_queue_redrive_allow_policy")
    problems += configured_twice(f"the redrive allow policy of {dlq.address}", ((a.label, a.location) for a in allows))
    for allow in allows:
        problems += _allow_problems(queue, name, label, allow)
    return problems


def receive_count_problems(found: list[Setting], wanted: int) -> list[Problem]:
    problems = []
    for redrive in found:
        count = redrive.document.get("maxReceiveCount")
        if number(count) != wanted:
            problems.append(Problem(redrive.location, f"maxReceiveCount: {expected(wanted, describe(count))}"))
    return problems


def sqs_dead_letter(view: RepoView, _: FleetEvidence) -> list[Problem]:
    dlq = dead_letter_queue(view)
    names = view.names
    return dead_letter_problems(view, main_queue(view), names.queue, "the change queue", dlq, names.dead_letter)


def sqs_receive_count(view: RepoView, _: FleetEvidence) -> list[Problem]:
    return receive_count_problems(redrives(view), view.platform.infrastructure.queue.dead_letter.max_receive_count)


def audit_queue(view: RepoView) -> Instance:
    return named(view, "aws_sqs_queue", view.names.audit_queue)


def audit_dead_letter_queue(view: RepoView) -> Instance:
    return named(view, "aws_sqs_queue", view.names.audit_dead_letter)


def sqs_audit_queue(view: RepoView, _: FleetEvidence) -> list[Problem]:
    """The audit consumer's own queue: its own DLQ, redriven to after the spec's max receive count."""
    names = view.names
    queue = audit_queue(view)
    dlq = audit_dead_letter_queue(view)
    problems = dead_letter_problems(view, queue, names.audit_queue, "the audit queue", dlq, names.audit_dead_letter)
    wanted = view.platform.infrastructure.audit_queue.dead_letter.max_receive_count
    return problems + receive_count_problems(redrives(view, queue), wanted)


def sqs_queue(view: RepoView, _: FleetEvidence) -> list[Problem]:
    """The change queue exists, and neither queue's access policy is owned by two resources."""
    queues = [main_queue(view)]
    with contextlib.suppress(Stop):  # INF-SQS-DLQ reports a missing dead-letter queue
        queues.append(dead_letter_queue(view))
    problems = []
    for queue in queues:
        places = [(f"{queue.address}.policy", where(queue, "policy"))] if value(view, queue, "policy", None) else []
        places += [(p.address, where(p)) for p in attached(view, "aws_sqs_queue_policy", queue, "queue_url", QUEUE_URL)]
        problems += configured_twice(f"the access policy of {queue.address}", places)
    return problems


def sqs_encryption(view: RepoView, _: FleetEvidence) -> list[Problem]:
    problems = []
    for queue in (main_queue(view), dead_letter_queue(view)):
        managed = value(view, queue, "sqs_managed_sse_enabled", None)
        kms = value(view, queue, "kms_master_key_id", None)
        if truthy(managed) and kms:
            both = ("sqs_managed_sse_enabled", "kms_master_key_id")
            places = [(f"{queue.address}.{a}", where(queue, a)) for a in both]
            problems += configured_twice(f"the encryption of {queue.address}", places)
        elif not truthy(managed) and not kms:
            problems.append(
                Problem(where(queue), expected("sqs_managed_sse_enabled = true or a kms_master_key_id", "neither"))
            )
    return problems


# -- live --------------------------------------------------------------------------------------


def live_redrive(view: LiveView, which: str = "queue") -> dict[str, Any]:
    """A queue's RedrivePolicy (a JSON string in the attributes), parsed; Stop when unusable."""
    name = getattr(view.names, which)
    raw = sqs_live.attributes(view.live, which).get("RedrivePolicy")
    call = "get_queue_attributes → RedrivePolicy"
    if not raw:
        raise Stop(Problem.drift(name, "a RedrivePolicy", "none", call))
    try:
        policy = json.loads(raw)
    except ValueError:
        policy = None
    if not isinstance(policy, dict):
        raise Stop(Problem.drift(name, "a RedrivePolicy as a JSON object", repr(raw), call))
    return policy


def sqs_dead_letter_live(view: LiveView) -> list[Problem]:
    dlq_arn = sqs_live.attributes(view.live, "dead_letter").get("QueueArn")
    target = live_redrive(view).get("deadLetterTargetArn")
    if target != dlq_arn:
        call = "get_queue_attributes → RedrivePolicy.deadLetterTargetArn"
        return [Problem.drift(view.names.queue, dlq_arn, target or "none", call)]
    return []


def receive_count_live(view: LiveView, which: str, wanted: int) -> list[Problem]:
    found = live_redrive(view, which).get("maxReceiveCount")
    try:
        matches = int(found) == wanted  # a string or an int, depending on who wrote it
    except (TypeError, ValueError):
        matches = False
    if not matches:
        call = "get_queue_attributes → RedrivePolicy.maxReceiveCount"
        return [Problem.drift(getattr(view.names, which), wanted, found if found is not None else "none", call)]
    return []


def sqs_receive_count_live(view: LiveView) -> list[Problem]:
    return receive_count_live(view, "queue", view.platform.infrastructure.queue.dead_letter.max_receive_count)


def sqs_audit_queue_live(view: LiveView) -> list[Problem]:
    """The audit queue redrives to its own DLQ (its ARN from the spec's names) after the spec's receive count."""
    names = view.names
    account = view.platform.environments[names.env].account_id
    target = live_redrive(view, "audit_queue").get("deadLetterTargetArn")
    problems = []
    if str(target).split(":")[2:] != ["sqs", names.region, account, names.audit_dead_letter]:
        wanted = f"arn:aws:sqs:{names.region}:{account}:{names.audit_dead_letter}"
        call = "get_queue_attributes → RedrivePolicy.deadLetterTargetArn"
        problems.append(Problem.drift(names.audit_queue, wanted, target or "none", call))
    wanted_count = view.platform.infrastructure.audit_queue.dead_letter.max_receive_count
    return problems + receive_count_live(view, "audit_queue", wanted_count)


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
        static=sqs_queue,
        value=Exists(aws=change_queue_url),
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
            # AWS keeps messages 4 days (345600 s) when the queue does not say.
            hcl=HclValue(main_queue, "message_retention_seconds", default=345600),
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
        id="INF-SQS-AUDIT-QUEUE",
        profile=Profile.PLATFORM,
        title="Audit queue redrives to its own dead-letter queue after the spec's max receive count",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=TERRAFORM,
        static=sqs_audit_queue,
        live=sqs_audit_queue_live,
        live_reads=reads("sqs:GetQueueUrl@audit_queue", "sqs:GetQueueAttributes@audit_queue"),
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
