"""SNS: the alert topic exists, in the HCL and deployed; the events topic fans out to every consumer's queue."""

from __future__ import annotations

from conformance.core import Problem, describe, expected
from conformance.criteria.base import Criterion, Profile, reads
from conformance.criteria.hcl_checks import arn_of, configured_twice, instances_of, named, truthy, value, where
from conformance.criteria.infrastructure import INFRASTRUCTURE, RESOURCES, TERRAFORM
from conformance.criteria.values import Exists
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.evidence.module import Instance
from conformance.live import sns as sns_live
from conformance.platform.model import CONSUMABLE_QUEUES

TOPIC_ARN = ("arn", "id")  # an aws_sns_topic's id is its ARN


def alert_topic(view: RepoView) -> Instance:
    return named(view, "aws_sns_topic", view.names.alert_topic)


def events_topic(view: RepoView) -> Instance:
    return named(view, "aws_sns_topic", view.names.events_topic)


def consumed_queues(view: RepoView) -> list[str]:
    """The names of the queues the spec's event-driven Lambdas read, in CONSUMABLE_QUEUES order."""
    read = {f.consumed_queue for f in view.platform.lambdas.functions}
    infrastructure = view.platform.infrastructure
    return [
        view.platform.name(infrastructure.queue_spec(k).thing, view.env or "") for k in CONSUMABLE_QUEUES if k in read
    ]


def subscription_problems(view: RepoView, topic: Instance, queue: Instance, name: str) -> list[Problem]:
    """Exactly one subscription from the topic to the queue, protocol sqs, delivering the raw message."""
    topic_name = view.names.events_topic
    subscriptions = [
        s
        for s in instances_of(view, "aws_sns_topic_subscription")
        if arn_of(value(view, s, "topic_arn", None), topic, "sns", topic_name, TOPIC_ARN)
        and arn_of(value(view, s, "endpoint", None), queue, "sqs", name)
    ]
    if not subscriptions:
        what = f"an aws_sns_topic_subscription from {topic.address} to {queue.address} ({name})"
        return [Problem(where(topic), expected(what, "none"))]
    places = ((s.address, where(s)) for s in subscriptions)
    problems = configured_twice(f"the subscription of {queue.address} to {topic.address}", places)
    for subscription in subscriptions:
        protocol = value(view, subscription, "protocol", None)
        if protocol != "sqs":
            problems.append(
                Problem(where(subscription, "protocol"), f"protocol: {expected(repr('sqs'), describe(protocol))}")
            )
        raw = value(view, subscription, "raw_message_delivery", False)
        if not truthy(raw):
            problems.append(
                Problem(
                    where(subscription, "raw_message_delivery"),
                    f"raw_message_delivery: {expected('true', describe(raw))}",
                )
            )
    return problems


def sns_fan_out(view: RepoView, _: FleetEvidence) -> list[Problem]:
    topic = events_topic(view)
    problems = []
    for name in consumed_queues(view):
        problems += subscription_problems(view, topic, named(view, "aws_sqs_queue", name), name)
    return problems


CRITERIA = [
    Criterion(
        id="INF-SNS-TOPIC",
        title="Alert topic exists",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=TERRAFORM,
        value=Exists(hcl=alert_topic, aws=sns_live.attributes),
        live_reads=reads("sns:GetTopicAttributes@alert_topic"),
        owns=("alert_topic",),
    ),
    Criterion(
        id="INF-SNS-FAN-OUT",
        profile=Profile.PLATFORM,
        title="Events topic delivers every change event, raw, to each consumer's queue",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=TERRAFORM,
        static=sns_fan_out,
    ),
]
