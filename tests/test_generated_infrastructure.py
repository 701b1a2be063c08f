"""The infrastructure repo holds every resource and default the requirement and a platform engineer expect."""

from __future__ import annotations

import json
import re
from pathlib import Path

import hcl2
import pytest

OPTIONS = hcl2.SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)


@pytest.fixture(scope="module")
def hcl(fleet: Path, platform) -> dict[str, list]:
    """All top-level blocks of the infrastructure repo's terraform/*.tf, merged by block type."""
    merged: dict[str, list] = {}
    for path in sorted((fleet / platform.infrastructure.repo / "terraform").glob("*.tf")):
        for block_type, blocks in hcl2.loads(path.read_text(encoding="utf-8"), serialization_options=OPTIONS).items():
            merged.setdefault(block_type, []).extend(blocks)
    return merged


def resources(hcl: dict[str, list], resource_type: str) -> list[dict]:
    return [body for block in hcl.get("resource", []) for name, body in block.get(resource_type, {}).items()]


REQUIRED = [
    "aws_dynamodb_table",
    "aws_sqs_queue",
    "aws_s3_bucket",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_policy",
    "aws_sns_topic",
    "aws_api_gateway_rest_api",
    "aws_iam_role",
    "aws_cloudwatch_metric_alarm",
]


@pytest.mark.parametrize("resource_type", REQUIRED)
def test_resource_is_declared(hcl, resource_type: str) -> None:
    assert resources(hcl, resource_type), f"no {resource_type}"


def test_table_has_pitr_encryption_and_both_indexes(hcl, platform) -> None:
    (table,) = resources(hcl, "aws_dynamodb_table")
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert table["point_in_time_recovery"][0]["enabled"] is True
    assert table["server_side_encryption"][0]["enabled"] is True
    names = sorted(g["name"] for g in table["global_secondary_index"])
    assert names == sorted(g.name for g in platform.infrastructure.table.global_secondary_indexes)


def test_queues_are_encrypted_and_redriven(hcl, platform) -> None:
    queues = resources(hcl, "aws_sqs_queue")
    assert len(queues) == 4  # each consumer's queue and its dead-letter queue
    assert all(q.get("sqs_managed_sse_enabled") is True or q.get("kms_master_key_id") for q in queues)
    consumers = {q["name"]: q for q in queues if "redrive_policy" in q}
    infra = platform.infrastructure
    for spec in (infra.queue, infra.audit_queue):
        queue = consumers[platform.name(spec.thing, "${var.environment}")]
        assert queue["message_retention_seconds"] == spec.message_retention_seconds
        assert f"maxReceiveCount = {spec.dead_letter.max_receive_count}" in queue["redrive_policy"]
        assert "policy" in queue  # its policy set with the queue: TLS only, and the events topic may send


def test_every_consumer_queue_is_subscribed_raw_to_the_events_topic(hcl, platform) -> None:
    (topic,) = [t for t in resources(hcl, "aws_sns_topic") if "events" in t["name"]]
    assert topic["name"] == platform.name(platform.infrastructure.events_topic.thing, "${var.environment}")
    (subscriptions,) = resources(hcl, "aws_sns_topic_subscription")
    assert subscriptions["protocol"] == "sqs" and subscriptions["raw_message_delivery"] is True
    consumed = {f.consumed_queue for f in platform.lambdas.functions if f.consumed_queue}
    assert set(subscriptions["for_each"]) == consumed


def test_bucket_blocks_public_access_and_moves_to_glacier(hcl, platform) -> None:
    (block,) = resources(hcl, "aws_s3_bucket_public_access_block")
    assert all(
        block[k] is True
        for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )
    (lifecycle,) = resources(hcl, "aws_s3_bucket_lifecycle_configuration")
    transitions = [t for rule in lifecycle["rule"] if rule["status"] == "Enabled" for t in rule.get("transition", [])]
    assert {"days": platform.infrastructure.audit_bucket.glacier_after_days, "storage_class": "GLACIER"} in [
        {k: t[k] for k in ("days", "storage_class")} for t in transitions
    ]


def test_dlq_alarm_notifies_the_topic(hcl) -> None:
    alarms = resources(hcl, "aws_cloudwatch_metric_alarm")
    assert any("aws_sns_topic." in json.dumps(a.get("alarm_actions")) for a in alarms)


def test_outputs_are_exactly_the_nine_and_the_extra_ones(hcl, platform) -> None:
    names = sorted(name for block in hcl["output"] for name in block)
    assert names == sorted([*platform.infrastructure.outputs, *platform.infrastructure.extra_outputs])


def test_one_execution_role_per_lambda(hcl, platform) -> None:
    role_names = sorted(r["name"] for r in resources(hcl, "aws_iam_role"))
    expected = [platform.name(f.role_thing, "${var.environment}") for f in platform.lambdas.functions]
    assert set(expected) <= set(role_names)


def test_iam_is_least_privilege(fleet: Path, platform) -> None:
    text = (fleet / platform.infrastructure.repo / "terraform" / "iam.tf").read_text(encoding="utf-8")
    wildcard_actions = re.findall(r'actions\s*=\s*\[[^\]]*"(\w+:\*|\*)"', text)
    assert wildcard_actions == []


def test_provider_pins_the_account_and_versions(fleet: Path, platform) -> None:
    main = hcl2.loads(
        (fleet / platform.infrastructure.repo / "terraform" / "main.tf").read_text(encoding="utf-8"),
        serialization_options=OPTIONS,
    )
    (provider,) = main["provider"]
    assert provider["aws"]["allowed_account_ids"] == ["${var.aws_account_id}"]
    assert main["terraform"][0]["required_version"].startswith(">=")
