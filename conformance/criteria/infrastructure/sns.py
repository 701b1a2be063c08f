"""SNS: the alert topic exists, in the HCL and deployed; the events topic fans out to every consumer's queue
(subscribed, raw, no filter that drops a change event), in the HCL and deployed."""

from __future__ import annotations

import json
from typing import Any

from conformance.core import Problem, Stop, describe, expected
from conformance.criteria.base import Criterion, Profile, reads
from conformance.criteria.hcl_checks import arn_of, configured_twice, instances_of, named, truthy, value, where
from conformance.criteria.infrastructure import INFRASTRUCTURE, RESOURCES, TERRAFORM
from conformance.criteria.sns_filter import Unjudgeable, what_it_drops
from conformance.criteria.values import Exists
from conformance.evidence.evaluate import decode_json
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.evidence.module import Instance
from conformance.live import sns as sns_live
from conformance.live.view import LiveView

TOPIC_ARN = ("arn", "id")  # an aws_sns_topic's id is its ARN


def alert_topic(view: RepoView) -> Instance:
    return named(view, "aws_sns_topic", view.names.alert_topic)


def events_topic(view: RepoView) -> Instance:
    return named(view, "aws_sns_topic", view.names.events_topic)


def consumed_queues(view: RepoView) -> list[str]:
    """The names of the queues the spec's event-driven Lambdas read, in CONSUMABLE_QUEUES order."""
    return view.names.consumed_queues


def filter_problem(policy: Any, scope: Any, queue: str) -> tuple[str, str] | None:
    """(expected, found) when a subscription's filter policy keeps some change event from `queue`; None when
    it keeps none."""
    try:
        dropped = what_it_drops(policy, scope)
    except Unjudgeable as error:
        return f"a filter policy the suite can judge (every change event to {queue})", f"{error}"
    if dropped is None:
        return None
    return f"every product change event delivered to {queue}", f"a policy that drops {dropped}"


def static_filter_problems(view: RepoView, subscription: Instance, queue: str) -> list[Problem]:
    raw = value(view, subscription, "filter_policy", None)
    if raw is None or raw == "":
        return []
    location = where(subscription, "filter_policy")
    try:
        policy = decode_json(raw)
    except (ValueError, TypeError):
        raise Stop(Problem(location, f"filter_policy: {expected('JSON', describe(str(raw)))}")) from None
    scope = value(view, subscription, "filter_policy_scope", None)
    problem = filter_problem(policy, scope, queue)
    return [Problem(location, f"filter_policy: {expected(*problem)}")] if problem else []


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
        problems += static_filter_problems(view, subscription, name)
    return problems


def sns_fan_out(view: RepoView, _: FleetEvidence) -> list[Problem]:
    topic = events_topic(view)
    problems = []
    for name in consumed_queues(view):
        problems += subscription_problems(view, topic, named(view, "aws_sqs_queue", name), name)
    return problems


# -- live --------------------------------------------------------------------------------------

ENDPOINTS_CALL = "list_subscriptions_by_topic → Subscriptions[].Endpoint"


def sns_fan_out_live(view: LiveView) -> list[Problem]:
    """Each consumer's queue subscribed to the events topic: protocol sqs, raw, no filter that drops an event."""
    names, live = view.names, view.live
    topic = names.events_topic
    problems = []
    for queue in names.consumed_queues:
        subscription = f"{topic}→{queue}"
        attributes = sns_live.subscription_attributes(live, queue)
        if attributes is None:
            endpoints = sorted(str(s.get("Endpoint")).rsplit(":", 1)[-1] for s in sns_live.events_subscriptions(live))
            found = ", ".join(endpoints) or "none"
            problems.append(Problem.drift(topic, f"a subscription of {queue}", found, ENDPOINTS_CALL))
            continue
        for listed in sns_live.queue_subscriptions(live, queue):
            if listed.get("Protocol") != "sqs":
                call = "list_subscriptions_by_topic → Subscriptions[].Protocol"
                problems.append(Problem.drift(subscription, "sqs", listed.get("Protocol") or "none", call))
        raw = attributes.get("RawMessageDelivery")
        if raw != "true":
            call = "get_subscription_attributes → RawMessageDelivery"
            problems.append(Problem.drift(subscription, "true", raw or "none", call))
        policy = attributes.get("FilterPolicy")
        if policy:
            try:
                decoded: Any = json.loads(policy)
            except ValueError:
                decoded = policy
            scope = attributes.get("FilterPolicyScope")
            dropped = filter_problem(decoded, scope, queue)
            if dropped:
                wanted, found = dropped
                call = "get_subscription_attributes → FilterPolicy"
                problems.append(Problem.drift(subscription, wanted, f"{found}: {policy}", call))
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
        live=sns_fan_out_live,
        live_reads=reads("sns:ListSubscriptionsByTopic@events_topic", "sns:GetSubscriptionAttributes@subscriptions"),
        owns=("events_topic", "subscriptions"),  # a queue without its subscription: reported by the check
    ),
]
