"""SNS: the alert topic exists, in the HCL and deployed."""

from __future__ import annotations

from conformance.criteria.base import Criterion, reads
from conformance.criteria.hcl_checks import named
from conformance.criteria.infrastructure import INFRASTRUCTURE, RESOURCES, TERRAFORM
from conformance.criteria.values import Exists
from conformance.evidence.fleet import RepoView
from conformance.evidence.module import Instance
from conformance.live import sns as sns_live


def alert_topic(view: RepoView) -> Instance:
    return named(view, "aws_sns_topic", view.names.alert_topic)


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
]
