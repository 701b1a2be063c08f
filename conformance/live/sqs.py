"""SQS reads: the change queue, its dead-letter queue and the audit queue, found by name."""

from __future__ import annotations

from typing import Any

from conformance.live.errors import Subject
from conformance.live.session import LiveEnv

WHAT = {"queue": "the change queue", "dead_letter": "the dead-letter queue", "audit_queue": "the audit queue"}


def _subject(live: LiveEnv, which: str) -> Subject:
    return Subject(getattr(live.names, which), WHAT[which], which)  # the kind: `queue`, `dead_letter` or `audit_queue`


def queue_url(live: LiveEnv, which: str = "queue") -> str:
    """`get_queue_url(QueueName)['QueueUrl']` of `queue` or `dead_letter`."""
    name = getattr(live.names, which)
    return live.call("sqs", "GetQueueUrl", {"QueueName": name}, _subject(live, which))["QueueUrl"]


def attributes(live: LiveEnv, which: str = "queue") -> dict[str, str]:
    """`get_queue_attributes(QueueUrl, AttributeNames=['All'])['Attributes']`: every value a string."""
    url = queue_url(live, which)
    params: dict[str, Any] = {"QueueUrl": url, "AttributeNames": ["All"]}
    return live.call("sqs", "GetQueueAttributes", params, _subject(live, which)).get("Attributes", {})
