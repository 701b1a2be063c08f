"""CloudWatch reads: the DLQ alarm, by the spec's name."""

from __future__ import annotations

from typing import Any

from conformance.live.errors import Subject
from conformance.live.session import LiveEnv

KIND = "dlq_alarm"


def alarms(live: LiveEnv) -> list[dict[str, Any]]:
    """`describe_alarms(AlarmNames=[name])['MetricAlarms']`: empty when there is no such alarm."""
    name = live.names.dlq_alarm
    response = live.call("cloudwatch", "DescribeAlarms", {"AlarmNames": [name]}, Subject(name, "the DLQ alarm", KIND))
    return response.get("MetricAlarms", [])
