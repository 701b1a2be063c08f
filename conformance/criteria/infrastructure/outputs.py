"""Outputs: the outputs the Lambda repos import (outputs.tf), each the right resource's attribute, and
the deployed state holding each of them, equal to the live resource (INF-STATE-OUTPUTS, live only:
where data.tf reads it).

More outputs than the nine are fine: the requirement lists what the Lambda repositories import.
Each required output must hold what the spec's `infrastructure.outputs` says (`rest_api.id`,
`queue.arn`, ...): a reference to that resource's attribute (or one AWS makes equal to it: an
aws_sqs_queue's `id` is its URL), through locals or a local module's output as well; the queue's
ARN from the dead-letter queue is not the change queue's.
"""

from __future__ import annotations

from collections.abc import Callable

from conformance.core import Problem, SkipCase, Stop, describe, expected
from conformance.criteria.base import Criterion, Requirement
from conformance.criteria.hcl_checks import config, points_at, unresolved, value
from conformance.criteria.infrastructure import INFRASTRUCTURE, TERRAFORM
from conformance.criteria.infrastructure.apigateway import rest_api
from conformance.criteria.infrastructure.dynamodb import table
from conformance.criteria.infrastructure.s3 import audit_bucket
from conformance.criteria.infrastructure.sns import alert_topic
from conformance.criteria.infrastructure.sqs import dead_letter_queue, main_queue
from conformance.evidence.evaluate import Unresolvable
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.evidence.module import Instance
from conformance.live import state as state_live
from conformance.live.errors import Missing
from conformance.live.view import LiveView

GET_OBJECT = state_live.GET_OBJECT


# The spec's resource kinds (infrastructure.outputs: `<kind>.<attribute>`) and how to find each in the HCL.
FINDERS: dict[str, Callable[[RepoView], Instance]] = {
    "rest_api": rest_api,
    "table": table,
    "queue": main_queue,
    "dead_letter": dead_letter_queue,
    "audit_bucket": audit_bucket,
    "alert_topic": alert_topic,
}
# Attributes the provider makes equal: a bucket's, table's or role's id is its name, a queue's its URL,
# a topic's its ARN.
SAME_AS = {
    ("aws_s3_bucket", "bucket"): ("bucket", "id"),
    ("aws_dynamodb_table", "name"): ("name", "id"),
    ("aws_sqs_queue", "url"): ("url", "id"),
    ("aws_sns_topic", "arn"): ("arn", "id"),
}


def outputs(view: RepoView, _: FleetEvidence) -> list[Problem]:
    wanted = set(view.platform.infrastructure.outputs)
    found = set(view.module.outputs)
    if missing := sorted(wanted - found):
        return [Problem(f"{view.name}/terraform/outputs.tf", expected(f"outputs {', '.join(missing)}", "none of them"))]
    return []


def output_values(view: RepoView, _: FleetEvidence) -> list[Problem]:
    """Each required output holds the spec's resource attribute (`sqs_queue_arn`: the change queue's ARN)."""
    declared = config(view).root.module.outputs
    problems = []
    for name, source in view.platform.infrastructure.outputs.items():
        block = declared.get(name)
        attribute = block.body.attributes.get("value") if block is not None else None
        if attribute is None:
            continue  # INF-OUTPUTS reports a missing output
        kind, _, wanted = source.partition(".")
        if kind not in FINDERS:
            problems.append(Problem(str(attribute.location), f"{name}: {source} is not a resource this suite can find"))
            continue
        try:
            resource = FINDERS[kind](view)
        except Stop as stop:
            problems += [Problem(p.where, f"{name}: cannot be judged: {p.message}") for p in stop.problems]
            continue
        try:
            held = config(view).root.value(attribute)
        except Unresolvable as error:
            problems.append(unresolved(view, error))
            continue
        same = SAME_AS.get((resource.block.labels[0], wanted), (wanted,))
        literal = value(view, resource, wanted, None) if wanted in ("bucket", "name") else None
        if not points_at(held, resource, same, literal):
            what = f"{resource.address}.{wanted} (the {kind.replace('_', ' ')}'s {wanted})"
            problems.append(Problem(str(attribute.location), f"{name}: {expected(what, describe(held))}"))
    return problems


def state_outputs_live(view: LiveView) -> list[Problem]:
    where = view.names.state
    outputs = state_live.outputs(view.live)
    if isinstance(outputs, Problem):
        return [outputs]
    problems, uncompared = [], []
    for name, source in view.platform.infrastructure.outputs.items():
        if name not in outputs:
            problems.append(Problem.drift(where, f"output {name}", "none", GET_OBJECT))
            continue
        entry = outputs[name]
        found = entry.get("value") if isinstance(entry, dict) else entry
        try:
            wanted = state_live.live_value(view.live, source)
        except Missing as gone:
            owner = view.owner(gone.kind)
            uncompared.append(f"{name} ({gone.resource} is missing, reported once under {owner})")
            continue
        if found != wanted:
            problems.append(
                Problem.drift(
                    where, f"{wanted!r} (the live {source})", repr(found), f"get_object → outputs.{name}.value"
                )
            )
    if not problems and uncompared:
        raise SkipCase(f"cannot compare outputs {', '.join(uncompared)}")
    return problems


CRITERIA = [
    Criterion(
        id="INF-OUTPUTS",
        title="The outputs the Lambda repos import are declared",
        requirement=Requirement.INFRA_OUTPUTS,
        scope=INFRASTRUCTURE,
        files=("terraform/outputs.tf",),
        static=outputs,
        per_env=False,
    ),
    Criterion(
        id="INF-OUTPUT-VALUES",
        title="Each output holds the right resource's attribute (the change queue's ARN, not the DLQ's)",
        requirement=Requirement.INFRA_OUTPUTS,
        scope=INFRASTRUCTURE,
        files=TERRAFORM,
        static=output_values,
    ),
    Criterion(
        id="INF-STATE-OUTPUTS",
        title="The deployed state holds every output, equal to the live resource",
        requirement=Requirement.INFRA_OUTPUTS,
        scope=INFRASTRUCTURE,
        files=("<AWS>",),
        live=state_outputs_live,
        live_reads=state_live.reads,
        owns=("state",),
    ),
]
