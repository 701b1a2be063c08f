"""CloudWatch: an alarm on the messages in the dead-letter queue, notifying the alert topic.

The requirement says "messages in the DLQ, alerting the SNS topic": the alarm must fire as soon
as one message is visible in the DLQ. That is judged as a condition, not as literals:
`>= 1` and `> 0` (or `> 0.5`) are the same alarm on a count of messages; `>= 5` waits for five,
`>= 0` always fires and `<` fires when the queue is empty. A metric-math alarm is read when its
returned series is one of its metrics; any other expression is "cannot resolve". The period,
the alarm's name and the spec's exact threshold are this kit's conventions (platform profile,
INF-CW-DLQ-ALARM-SETTINGS).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from conformance.core import Problem, SkipCase, describe, expected
from conformance.criteria.base import Criterion, Profile, reads
from conformance.criteria.hcl_checks import (
    check_equal,
    configured_twice,
    instances_of,
    named,
    none_found,
    number,
    points_at,
    truthy,
    value,
    where,
)
from conformance.criteria.infrastructure import INFRASTRUCTURE, RESOURCES, TERRAFORM
from conformance.criteria.infrastructure.sns import alert_topic
from conformance.criteria.infrastructure.sqs import dead_letter_queue
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.evidence.module import Instance
from conformance.live import cloudwatch as cloudwatch_live
from conformance.live import sns as sns_live
from conformance.live.view import LiveView

NAMESPACE = "AWS/SQS"
METRIC = "ApproximateNumberOfMessagesVisible"  # the messages waiting in the queue: what "in the DLQ" means
# A count of messages is judged by its statistic over the period; SampleCount counts datapoints instead.
COUNTING_STATISTICS = ("Maximum", "Sum", "Average", "Minimum")
FIRES_AT_ONE = "an alarm as soon as 1 message is visible (GreaterThanOrEqualToThreshold 1, or GreaterThanThreshold 0)"


def fires_at_one(comparison: Any, threshold: Any) -> str | None:
    """None when `metric <comparison> threshold` holds exactly when a message is visible; else why not.

    The metric counts messages, so only whole numbers matter: `>= t` fires at 1 for 0 < t <= 1,
    `> t` for 0 <= t < 1.
    """
    t = number(threshold)
    if t is None:
        return f"threshold {describe(threshold)} is not a number"
    if comparison == "GreaterThanOrEqualToThreshold":
        if 0 < t <= 1:
            return None
        return "fires when the DLQ is empty too (always in alarm)" if t <= 0 else f"fires at {t} messages or more"
    if comparison == "GreaterThanThreshold":
        if 0 <= t < 1:
            return None
        return "fires when the DLQ is empty too (always in alarm)" if t < 0 else f"fires above {t} messages only"
    if comparison in ("LessThanThreshold", "LessThanOrEqualToThreshold"):
        return f"fires when the DLQ is (nearly) empty: {comparison} {t}"
    return f"{comparison} is not a fixed threshold on the count"


# `m1`, or `FILL(m1, 0)` (a missing datapoint as 0 messages): the same series for this alarm.
SAME_SERIES = re.compile(r"^\s*(?:(\w+)|FILL\(\s*(\w+)\s*,\s*0\s*\))\s*$")


def same_series(expression: str) -> str:
    """The id of the metric a metric-math expression returns unchanged ("" when it computes something else)."""
    match = SAME_SERIES.match(expression)
    return (match.group(1) or match.group(2)) if match else ""


@dataclass(frozen=True)
class Metric:
    """What an alarm watches: its namespace, metric, dimensions and statistic (read from where it is written)."""

    namespace: Any
    name: Any
    dimensions: dict[str, Any]
    statistic: Any
    location: str


def _metric(view: RepoView, alarm: Instance) -> Metric | Problem | None:
    """The alarm's metric; a Problem when it is a metric-math expression not resolved to one metric."""
    queries = alarm.nested("metric_query")
    if not queries:
        statistic = value(view, alarm, "statistic", None) or value(view, alarm, "extended_statistic", None)
        return Metric(
            value(view, alarm, "namespace", None),
            value(view, alarm, "metric_name", None),
            value(view, alarm, "dimensions", {}) or {},
            statistic,
            where(alarm, "metric_name"),
        )
    by_id = {value(view, q, "id", None): q for q in queries}
    returned = [q for q in queries if truthy(value(view, q, "return_data", None))] or queries[-1:]
    query = returned[0]
    expression = value(view, query, "expression", None)
    if expression is not None:
        resolved = by_id.get(same_series(str(expression)))
        if resolved is None or not resolved.nested("metric"):
            what = any(_queue_of(view, q) for q in queries)
            reason = f"cannot resolve the metric math expression {expression!r} to one metric"
            return Problem(where(query, "expression"), reason) if what else None
        query = resolved
    metrics = query.nested("metric")
    if not metrics:
        return None
    metric = metrics[0]
    return Metric(
        value(view, metric, "namespace", None),
        value(view, metric, "metric_name", None),
        value(view, metric, "dimensions", {}) or {},
        value(view, metric, "stat", None),
        where(metric, "metric_name"),
    )


def _queue_of(view: RepoView, query: Instance) -> bool:
    """Whether a metric query watches some SQS queue (so an unresolved expression is worth naming)."""
    return any(
        value(view, m, "namespace", None) == NAMESPACE and "QueueName" in (value(view, m, "dimensions", {}) or {})
        for m in query.nested("metric")
    )


def _condition_problems(view: RepoView, alarm: Instance, metric: Metric) -> list[Problem]:
    problems = []
    if metric.name != METRIC:
        problems.append(Problem(metric.location, f"metric_name: {expected(repr(METRIC), describe(metric.name))}"))
    statistic = metric.statistic
    if statistic not in COUNTING_STATISTICS and not (isinstance(statistic, str) and statistic.startswith("p")):
        wanted = f"a statistic of the message count ({', '.join(COUNTING_STATISTICS)} or a percentile)"
        problems.append(Problem(where(alarm, "statistic"), f"statistic: {expected(wanted, describe(statistic))}"))
    if value(view, alarm, "threshold_metric_id", None) is not None:
        problems.append(Problem(where(alarm, "threshold_metric_id"), expected(FIRES_AT_ONE, "an anomaly band")))
        return problems
    comparison = value(view, alarm, "comparison_operator", None)
    threshold = value(view, alarm, "threshold", None)
    why = fires_at_one(comparison, threshold)
    if why is not None:
        found = f"{comparison} {describe(threshold)}: {why}"
        problems.append(Problem(where(alarm, "threshold"), f"threshold: {expected(FIRES_AT_ONE, found)}"))
    return problems


def _action_problems(view: RepoView, alarm: Instance, topic: Instance) -> list[Problem]:
    actions = value(view, alarm, "alarm_actions", []) or []
    topic_name = view.names.alert_topic
    if not any(points_at(a, topic, ("arn", "id")) or _topic_arn(a, topic_name) for a in actions):
        return [
            Problem(where(alarm, "alarm_actions"), expected(f"alarm_actions with {topic.address}", describe(actions)))
        ]
    if not truthy(value(view, alarm, "actions_enabled", True)):
        return [Problem(where(alarm, "actions_enabled"), expected("actions_enabled = true", "false"))]
    return []


def _topic_arn(action: Any, name: str) -> bool:
    return (
        isinstance(action, str)
        and action.startswith("arn:")
        and action.split(":")[2:3] == ["sns"]
        and (action.endswith(f":{name}"))
    )


def dlq_alarm(view: RepoView, _: FleetEvidence) -> list[Problem]:
    """An alarm that fires at the DLQ's first visible message and notifies the alert topic."""
    dlq = dead_letter_queue(view)
    topic = alert_topic(view)
    alarms = instances_of(view, "aws_cloudwatch_metric_alarm")
    candidates: list[tuple[Instance, list[Problem]]] = []
    for alarm in alarms:
        metric = _metric(view, alarm)
        if isinstance(metric, Problem):
            candidates.append((alarm, [metric]))
            continue
        if metric is None or metric.namespace != NAMESPACE:
            continue
        queue = metric.dimensions.get("QueueName")
        if not points_at(queue, dlq, ("name",), literal=view.names.dead_letter):
            continue
        candidates.append((alarm, _condition_problems(view, alarm, metric) + _action_problems(view, alarm, topic)))
    if not candidates:
        what = f"a CloudWatch alarm on {dlq.address}'s visible messages notifying {topic.address}"
        raise none_found(view, Problem(f"{view.name}/terraform", expected(what, "none")))
    clashes = []
    for alarm, _ in candidates:
        name = value(view, alarm, "alarm_name", None)
        same = [a for a in alarms if value(view, a, "alarm_name", None) == name]
        clashes += configured_twice(f"the alarm {name!r}", ((a.address, where(a)) for a in same))
    if any(not problems for _, problems in candidates):
        return clashes
    return clashes + [p for _, problems in candidates for p in problems]


# -- platform: the spec's own settings ----------------------------------------------------------


def dlq_alarm_settings(view: RepoView, _: FleetEvidence) -> list[Problem]:
    """The kit's convention: the alarm named by the spec, its period, `>= threshold` exactly."""
    spec = view.platform.infrastructure.dlq_alarm
    alarm = named(view, "aws_cloudwatch_metric_alarm", view.names.dlq_alarm, "alarm_name")
    return (
        check_equal(view, alarm, "period", spec.period_seconds)
        + check_equal(view, alarm, "threshold", spec.threshold)
        + check_equal(view, alarm, "comparison_operator", "GreaterThanOrEqualToThreshold")
    )


# -- live --------------------------------------------------------------------------------------

CALL = "describe_alarms → MetricAlarms[]"


def _live_metric(alarm: dict[str, Any]) -> tuple[Any, Any, dict[str, Any], Any] | None:
    """(namespace, metric, dimensions, statistic) of a plain or metric-math alarm; None if math hides it."""
    if "Metrics" not in alarm or not alarm.get("Metrics"):
        dimensions = {d.get("Name"): d.get("Value") for d in alarm.get("Dimensions", [])}
        statistic = alarm.get("Statistic") or alarm.get("ExtendedStatistic")
        return alarm.get("Namespace"), alarm.get("MetricName"), dimensions, statistic
    queries = alarm["Metrics"]
    by_id = {q.get("Id"): q for q in queries}
    query = next((q for q in queries if q.get("ReturnData")), queries[-1])
    if query.get("Expression") is not None:
        query = by_id.get(same_series(str(query["Expression"])), {})
    stat = query.get("MetricStat")
    if not stat:
        return None
    metric = stat.get("Metric", {})
    dimensions = {d.get("Name"): d.get("Value") for d in metric.get("Dimensions", [])}
    return metric.get("Namespace"), metric.get("MetricName"), dimensions, stat.get("Stat")


def dlq_alarm_live(view: LiveView) -> list[Problem]:
    name = view.names.dlq_alarm
    alarms = cloudwatch_live.alarms(view.live)
    wanted = f"a CloudWatch alarm on AWS/SQS QueueName={view.names.dead_letter} notifying the alert topic"
    if not alarms:
        return [Problem.drift(name, wanted, "none", "describe_alarms → MetricAlarms")]
    alarm = alarms[0]
    metric = _live_metric(alarm)
    if metric is None:
        return [Problem.drift(name, f"{METRIC} of the DLQ", "a metric math expression", f"{CALL}.Metrics")]
    namespace, metric_name, dimensions, statistic = metric
    problems = []
    if namespace != NAMESPACE or dimensions.get("QueueName") != view.names.dead_letter:
        found = f"{namespace} {json.dumps(dimensions)}"
        problems.append(Problem.drift(name, wanted, found, f"{CALL}.Namespace, Dimensions"))
    if metric_name != METRIC:
        problems.append(Problem.drift(name, METRIC, metric_name or "none", f"{CALL}.MetricName"))
    if statistic not in COUNTING_STATISTICS and not str(statistic).startswith("p"):
        problems.append(Problem.drift(name, " or ".join(COUNTING_STATISTICS), statistic, f"{CALL}.Statistic"))
    why = fires_at_one(alarm.get("ComparisonOperator"), alarm.get("Threshold"))
    if why is not None:
        found = f"{alarm.get('ComparisonOperator')} {number(alarm.get('Threshold'))}: {why}"
        problems.append(Problem.drift(name, FIRES_AT_ONE, found, f"{CALL}.ComparisonOperator, Threshold"))
    topic = sns_live.topic_arn(view.live)
    actions = alarm.get("AlarmActions", [])
    if topic not in actions or alarm.get("ActionsEnabled") is False:
        found = f"{actions} (ActionsEnabled {alarm.get('ActionsEnabled')})"
        call = "describe_alarms → MetricAlarms[].AlarmActions, ActionsEnabled"
        problems.append(Problem.drift(name, f"enabled AlarmActions with {topic}", found, call))
    return problems


def dlq_alarm_settings_live(view: LiveView) -> list[Problem]:
    spec = view.platform.infrastructure.dlq_alarm
    alarms = cloudwatch_live.alarms(view.live)
    name = view.names.dlq_alarm
    if not alarms:
        raise SkipCase(f"the alarm {name} is missing (reported once under INF-CW-DLQ-ALARM)")
    alarm = alarms[0]
    problems = []
    if alarm.get("Period") != spec.period_seconds:
        problems.append(Problem.drift(name, spec.period_seconds, alarm.get("Period"), f"{CALL}.Period"))
    found = (alarm.get("ComparisonOperator"), number(alarm.get("Threshold")))
    if found != ("GreaterThanOrEqualToThreshold", spec.threshold):
        wanted = f"GreaterThanOrEqualToThreshold {spec.threshold}"
        call = f"{CALL}.ComparisonOperator, Threshold"
        problems.append(Problem.drift(name, wanted, f"{found[0]} {found[1]}", call))
    return problems


CRITERIA = [
    Criterion(
        id="INF-CW-DLQ-ALARM",
        title="An alarm on messages in the DLQ notifies the alert topic",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=TERRAFORM,
        static=dlq_alarm,
        live=dlq_alarm_live,
        live_reads=reads("cloudwatch:DescribeAlarms@dlq_alarm"),
        owns=("dlq_alarm",),
    ),
    Criterion(
        id="INF-CW-DLQ-ALARM-SETTINGS",
        profile=Profile.PLATFORM,
        title="The DLQ alarm as the spec sets it: its name, period and threshold",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=TERRAFORM,
        static=dlq_alarm_settings,
        live=dlq_alarm_settings_live,
        live_reads=reads("cloudwatch:DescribeAlarms@dlq_alarm"),
    ),
]
