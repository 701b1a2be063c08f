"""SQS reads: the change queue, its dead-letter queue and the audit queue, found by name."""

from __future__ import annotations

from typing import Any

from conformance.live.session import LiveEnv, Target

# The audit queue has no criterion of its own yet: the trigger check that reads it reports it.
OWNERS = {"queue": "INF-SQS-QUEUE", "dead_letter": "INF-SQS-DLQ", "audit_queue": "LAMBDA-SQS-TRIGGER"}
WHAT = {"queue": "the change queue", "dead_letter": "the dead-letter queue", "audit_queue": "the audit queue"}


def _target(live: LiveEnv, which: str) -> Target:
    return Target(getattr(live.names, which), WHAT[which], OWNERS[which])


def queue_url(live: LiveEnv, which: str = "queue") -> str:
    """`get_queue_url(QueueName)['QueueUrl']` of `queue` or `dead_letter`."""
    name = getattr(live.names, which)
    return live.call("sqs", "GetQueueUrl", {"QueueName": name}, _target(live, which))["QueueUrl"]


def attributes(live: LiveEnv, which: str = "queue") -> dict[str, str]:
    """`get_queue_attributes(QueueUrl, AttributeNames=['All'])['Attributes']`: every value a string."""
    url = queue_url(live, which)
    params: dict[str, Any] = {"QueueUrl": url, "AttributeNames": ["All"]}
    return live.call("sqs", "GetQueueAttributes", params, _target(live, which)).get("Attributes", {})
