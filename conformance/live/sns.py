"""SNS reads: the alert topic, by the ARN its name, region and account give (no list call)."""

from __future__ import annotations

from conformance.live.errors import Subject
from conformance.live.session import LiveEnv

KIND = "alert_topic"


def topic_arn(live: LiveEnv) -> str:
    """The ARN the topic has when it exists: built, not read."""
    return f"arn:{live.partition}:sns:{live.region}:{live.account}:{live.names.alert_topic}"


def attributes(live: LiveEnv) -> dict[str, str]:
    """`get_topic_attributes(TopicArn)['Attributes']`."""
    subject = Subject(live.names.alert_topic, "the alert topic", KIND)
    return live.call("sns", "GetTopicAttributes", {"TopicArn": topic_arn(live)}, subject)["Attributes"]
