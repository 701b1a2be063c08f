"""CloudWatch reads: the DLQ alarm, by the spec's name."""

from __future__ import annotations

from typing import Any

from conformance.live.session import LiveEnv, Target

OWNER = "INF-CW-DLQ-ALARM"


def alarms(live: LiveEnv) -> list[dict[str, Any]]:
    """`describe_alarms(AlarmNames=[name])['MetricAlarms']`: empty when there is no such alarm."""
    name = live.names.dlq_alarm
    response = live.call("cloudwatch", "DescribeAlarms", {"AlarmNames": [name]}, Target(name, "the DLQ alarm", OWNER))
    return response.get("MetricAlarms", [])
