"""Efficiency: one read per (resource, API) a check needs, shared by every check, and no other."""

from __future__ import annotations

from collections import Counter

from conformance.live.permissions import planned_reads
from conformance.platform import Platform
from conformance.platform.model import Kind
from conformance.runner import live_evidence
from tests.live.conftest import live_cases, run_live
from tests.live.deploy import Deployment


def test_a_full_live_run_makes_exactly_one_call_per_resource_and_api(
    deployment: Deployment, platform: Platform
) -> None:
    evidence = live_evidence(platform)
    results = run_live(platform, evidence)
    assert {o.status for o in results.values()} == {"passed"}

    # Derived from the checks: the distinct (resource, service, operation) their live_reads declare.
    cases = live_cases(platform)
    planned = planned_reads(platform, [(c.criterion, c.env, c.function) for c in cases])
    assert dict(evidence.calls) == dict(Counter(f"{service}:{operation}" for _, service, operation in planned))

    # The same figure counted by hand from the spec, one term per resource.
    functions = platform.lambdas.functions
    by_hand = (
        1  # sts get_caller_identity (the account guard)
        + 2  # the table: describe_table, describe_continuous_backups
        + 2 * 2  # both queues: get_queue_url, get_queue_attributes
        + 2 * sum(f.consumed_queue == "audit_queue" for f in functions)  # the audit queue (its consumer's trigger)
        + 5  # the audit bucket: location, lifecycle, public access block, encryption, versioning
        + 1  # the alert topic: get_topic_attributes
        + 1  # the events topic: list_subscriptions_by_topic (one page)
        + len({f.consumed_queue for f in functions} - {None})  # each consumer queue's subscription: its attributes
        + 2  # the REST API: get_rest_apis (one page), get_resources (one page)
        + 2  # its stage: get_stage, and the deployment it serves: get_deployment
        + len(functions)  # an execution role each: get_role
        + 1  # the DLQ alarm: describe_alarms
        + 2  # the drift check's role: get_role, list_attached_role_policies
        + 1  # the state object: get_object
        + len(functions)  # each function: get_function_configuration
        + sum(f.kind is Kind.SQS for f in functions)  # each event-driven one: list_event_source_mappings
    )
    assert evidence.total_calls == len(planned) == by_hand  # 42 for the spec's dev env and seven Lambdas
    assert evidence.retried == 0


def test_a_partial_run_reads_only_what_its_checks_need(deployment: Deployment, platform: Platform) -> None:
    evidence = live_evidence(platform)
    from conformance.runner import run_live_case

    for case in live_cases(platform):
        if case.criterion.id.startswith("INF-DDB-"):
            assert run_live_case(case, evidence).status == "passed"
    assert dict(evidence.calls) == {
        "sts:GetCallerIdentity": 1,
        "dynamodb:DescribeTable": 1,
        "dynamodb:DescribeContinuousBackups": 1,
    }
