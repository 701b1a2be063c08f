"""CloudWatch: the alarm on the dead-letter queue's visible messages, notifying the alert topic."""

from __future__ import annotations

import json

from conformance.core import Problem, describe, expected
from conformance.criteria.base import Criterion, reads
from conformance.criteria.hcl_checks import check_equal, instances_of, refers_to, value, where
from conformance.criteria.infrastructure import INFRASTRUCTURE, RESOURCES, TERRAFORM
from conformance.criteria.infrastructure.sns import alert_topic
from conformance.criteria.infrastructure.sqs import dead_letter_queue
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.live import cloudwatch as cloudwatch_live
from conformance.live import sns as sns_live
from conformance.live.view import LiveView


def dlq_alarm(view: RepoView, _: FleetEvidence) -> list[Problem]:
    """An alarm on the DLQ's visible messages, at the spec's threshold and period, notifying the topic."""
    dlq = dead_letter_queue(view)
    topic = alert_topic(view)
    spec = view.platform.infrastructure.dlq_alarm
    wanted = {
        "metric_name": "ApproximateNumberOfMessagesVisible",
        "threshold": spec.threshold,
        "period": spec.period_seconds,
    }
    problems: list[Problem] = []
    for alarm in instances_of(view, "aws_cloudwatch_metric_alarm"):
        dimensions = value(view, alarm, "dimensions", {}) or {}
        if value(view, alarm, "namespace", None) != "AWS/SQS" or not refers_to(dimensions.get("QueueName"), dlq):
            continue
        found: list[Problem] = []
        for path, number in wanted.items():
            found += check_equal(view, alarm, path, number)
        actions = value(view, alarm, "alarm_actions", []) or []
        if not any(refers_to(a, topic) for a in actions):
            found.append(
                Problem(
                    where(alarm, "alarm_actions"),
                    expected(f"alarm_actions with {topic.block.address}", describe(actions)),
                )
            )
        if not found:
            return []
        problems = problems or found
    return problems or [
        Problem(
            f"{view.name}/terraform", expected(f"a CloudWatch alarm on {dlq.block.address} notifying the topic", "none")
        )
    ]


def dlq_alarm_live(view: LiveView) -> list[Problem]:
    name = view.names.dlq_alarm
    alarms = cloudwatch_live.alarms(view.live)
    wanted = f"a CloudWatch alarm on AWS/SQS QueueName={view.names.dead_letter} notifying the alert topic"
    if not alarms:
        return [Problem.drift(name, wanted, "none", "describe_alarms → MetricAlarms")]
    alarm = alarms[0]
    dimensions = {d.get("Name"): d.get("Value") for d in alarm.get("Dimensions", [])}
    problems = []
    if alarm.get("Namespace") != "AWS/SQS" or dimensions.get("QueueName") != view.names.dead_letter:
        found = f"{alarm.get('Namespace')} {json.dumps(dimensions)}"
        problems.append(Problem.drift(name, wanted, found, "describe_alarms → MetricAlarms[].Namespace, Dimensions"))
    topic = sns_live.topic_arn(view.live)
    actions = alarm.get("AlarmActions", [])
    if topic not in actions or alarm.get("ActionsEnabled") is False:
        found = f"{actions} (ActionsEnabled {alarm.get('ActionsEnabled')})"
        call = "describe_alarms → MetricAlarms[].AlarmActions, ActionsEnabled"
        problems.append(Problem.drift(name, f"enabled AlarmActions with {topic}", found, call))
    return problems


CRITERIA = [
    Criterion(
        id="INF-CW-DLQ-ALARM",
        title="Alarm on DLQ messages notifies the alert topic",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=TERRAFORM,
        static=dlq_alarm,
        live=dlq_alarm_live,
        live_reads=reads("cloudwatch:DescribeAlarms@dlq_alarm"),
        owns=("dlq_alarm",),
    ),
]
