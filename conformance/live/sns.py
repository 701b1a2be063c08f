"""SNS reads: the alert topic, and the events topic's subscriptions, by the ARNs their names, region and
account give (no list of topics)."""

from __future__ import annotations

from typing import Any

from conformance.live.errors import Subject
from conformance.live.session import LiveEnv

KIND = "alert_topic"
EVENTS_KIND = "events_topic"


def arn(live: LiveEnv, service: str, name: str) -> str:
    """The ARN a resource of the env has when it exists: built, not read."""
    return f"arn:{live.partition}:{service}:{live.region}:{live.account}:{name}"


def topic_arn(live: LiveEnv) -> str:
    return arn(live, "sns", live.names.alert_topic)


def attributes(live: LiveEnv) -> dict[str, str]:
    """`get_topic_attributes(TopicArn)['Attributes']`."""
    subject = Subject(live.names.alert_topic, "the alert topic", KIND)
    return live.call("sns", "GetTopicAttributes", {"TopicArn": topic_arn(live)}, subject)["Attributes"]


def events_subscriptions(live: LiveEnv) -> list[dict[str, Any]]:
    """`list_subscriptions_by_topic(TopicArn)` of the events topic, over every page."""
    topic = live.names.events_topic
    subject = Subject(topic, "the events topic", EVENTS_KIND)
    params = {"TopicArn": arn(live, "sns", topic)}
    return live.pages("sns", "ListSubscriptionsByTopic", params, "Subscriptions", subject)


def queue_subscriptions(live: LiveEnv, queue: str) -> list[dict[str, Any]]:
    """The events topic's subscriptions whose endpoint is the queue `queue` (by its ARN)."""
    endpoint = arn(live, "sqs", queue)
    return [s for s in events_subscriptions(live) if s.get("Endpoint") == endpoint]


def subscription_attributes(live: LiveEnv, queue: str) -> dict[str, str] | None:
    """`get_subscription_attributes(SubscriptionArn)['Attributes']` of the queue's subscription to the events
    topic; None when there is none (no call made: the list said so)."""
    found = queue_subscriptions(live, queue)
    if not found:
        return None
    subject = Subject(f"{live.names.events_topic} → {queue}", "the subscription")
    params = {"SubscriptionArn": found[0]["SubscriptionArn"]}
    return live.call("sns", "GetSubscriptionAttributes", params, subject)["Attributes"]
