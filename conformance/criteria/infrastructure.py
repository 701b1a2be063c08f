"""Infrastructure repository / Resources and Outputs: the HCL evaluated for each environment."""

from __future__ import annotations

import json
from typing import Any

from conformance.criteria.base import Criterion, Problem, Requirement, Scope, expected, reads
from conformance.criteria.hcl_checks import (
    Stop,
    check_equal,
    describe,
    instances_of,
    named,
    refers_to,
    truthy,
    value,
    where,
)
from conformance.evidence.evaluate import decode_json
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.evidence.module import Instance
from conformance.live import apigateway as apigateway_live
from conformance.live import cloudwatch as cloudwatch_live
from conformance.live import dynamodb as dynamodb_live
from conformance.live import iam as iam_live
from conformance.live import s3 as s3_live
from conformance.live import sns as sns_live
from conformance.live import sqs as sqs_live
from conformance.live.errors import Missing
from conformance.live.resources import LiveView


def _name(view: RepoView, thing: str) -> str:
    assert view.env is not None
    return view.platform.name(thing, view.env)


def table(view: RepoView) -> Instance:
    return named(view, "aws_dynamodb_table", _name(view, view.platform.infrastructure.table.thing))


def main_queue(view: RepoView) -> Instance:
    return named(view, "aws_sqs_queue", _name(view, view.platform.infrastructure.queue.thing))


def dead_letter_queue(view: RepoView) -> Instance:
    return named(view, "aws_sqs_queue", _name(view, view.platform.infrastructure.queue.dead_letter.thing))


def audit_bucket(view: RepoView) -> Instance:
    return named(view, "aws_s3_bucket", _name(view, view.platform.infrastructure.audit_bucket.thing), "bucket")


def alert_topic(view: RepoView) -> Instance:
    return named(view, "aws_sns_topic", _name(view, view.platform.infrastructure.alert_topic.thing))


def attached(view: RepoView, resource_type: str, target: Instance, via: str = "bucket") -> list[Instance]:
    """Companion resources (lifecycle, encryption, ...) whose `via` refers to `target`."""
    return [i for i in instances_of(view, resource_type) if refers_to(value(view, i, via, None), target)]


# -- DynamoDB ------------------------------------------------------------------------------------


def ddb_table(view: RepoView, _: FleetEvidence) -> list[Problem]:
    return check_equal(view, table(view), "billing_mode", view.platform.infrastructure.table.billing_mode.value)


def enabled_block(view: RepoView, instance: Instance, block_type: str) -> list[Problem]:
    """`block_type { enabled = true }` in the resource (Terraform also takes the string "true")."""
    blocks = instance.nested(block_type)
    enabled = value(view, blocks[0], "enabled", False) if blocks else None
    if truthy(enabled):
        return []
    found = f"no {block_type} block" if not blocks else f"enabled = {describe(enabled)}"
    return [Problem(where(blocks[0] if blocks else instance), expected(f"{block_type} {{ enabled = true }}", found))]


def ddb_pitr(view: RepoView, _: FleetEvidence) -> list[Problem]:
    return enabled_block(view, table(view), "point_in_time_recovery")


def _key_type(view: RepoView, instance: Instance, attribute: str) -> str | None:
    for block in instance.nested("attribute"):
        if value(view, block, "name", None) == attribute:
            return value(view, block, "type", None)
    return None


def ddb_keys(view: RepoView, _: FleetEvidence) -> list[Problem]:
    spec = view.platform.infrastructure.table
    instance = table(view)
    problems = check_equal(view, instance, "hash_key", spec.hash_key.name)
    if spec.range_key:
        problems += check_equal(view, instance, "range_key", spec.range_key.name)
    for key in filter(None, [spec.hash_key, spec.range_key]):
        found = _key_type(view, instance, key.name)
        if found != key.type:
            problems.append(
                Problem(where(instance), f"attribute {key.name}: {expected(f'type {key.type!r}', describe(found))}")
            )
    return problems


def ddb_indexes(view: RepoView, _: FleetEvidence) -> list[Problem]:
    instance = table(view)
    indexes = {value(view, g, "name", None): g for g in instance.nested("global_secondary_index")}
    problems = []
    for spec in view.platform.infrastructure.table.global_secondary_indexes:
        gsi = indexes.get(spec.name)
        if gsi is None:
            problems.append(
                Problem(where(instance), expected(f"global_secondary_index {spec.name!r}", sorted(map(str, indexes))))
            )
            continue
        problems += check_equal(view, gsi, "hash_key", spec.hash_key.name)
        range_key = value(view, gsi, "range_key", None)
        wanted = spec.range_key.name if spec.range_key else None
        if range_key != wanted:
            problems.append(
                Problem(
                    where(gsi, "range_key"), f"{spec.name} range_key: {expected(describe(wanted), describe(range_key))}"
                )
            )
        for key in filter(None, [spec.hash_key, spec.range_key]):
            if _key_type(view, instance, key.name) != key.type:
                problems.append(
                    Problem(where(instance), f"attribute {key.name}: {expected(f'type {key.type!r}', 'none')}")
                )
    return problems


def ddb_encryption(view: RepoView, _: FleetEvidence) -> list[Problem]:
    return enabled_block(view, table(view), "server_side_encryption")


# -- SQS -----------------------------------------------------------------------------------------


def sqs_queue(view: RepoView, _: FleetEvidence) -> list[Problem]:
    main_queue(view)
    return []


def sqs_retention(view: RepoView, _: FleetEvidence) -> list[Problem]:
    wanted = view.platform.infrastructure.queue.message_retention_seconds
    return check_equal(view, main_queue(view), "message_retention_seconds", wanted)


def redrive(view: RepoView, queue: Instance) -> tuple[dict, str]:
    raw = value(view, queue, "redrive_policy", None)
    location = where(queue, "redrive_policy")
    if raw is None:
        raise Stop(Problem(where(queue), expected("a redrive_policy", "none")))
    try:
        policy = decode_json(raw)
    except (ValueError, TypeError):
        raise Stop(Problem(location, expected("redrive_policy as JSON", describe(str(raw))))) from None
    if not isinstance(policy, dict):
        raise Stop(Problem(location, expected("a JSON object", describe(policy))))
    return policy, location


def sqs_dead_letter(view: RepoView, _: FleetEvidence) -> list[Problem]:
    dlq = dead_letter_queue(view)
    policy, location = redrive(view, main_queue(view))
    target = policy.get("deadLetterTargetArn")
    if not refers_to(target, dlq):
        return [
            Problem(
                location, f"deadLetterTargetArn: {expected(f'a reference to {dlq.block.address}', describe(target))}"
            )
        ]
    return []


def sqs_receive_count(view: RepoView, _: FleetEvidence) -> list[Problem]:
    wanted = view.platform.infrastructure.queue.dead_letter.max_receive_count
    policy, location = redrive(view, main_queue(view))
    found = policy.get("maxReceiveCount")
    try:
        matches = int(found) == wanted
    except (TypeError, ValueError):
        matches = False
    return [] if matches else [Problem(location, f"maxReceiveCount: {expected(wanted, describe(found))}")]


def sqs_encryption(view: RepoView, _: FleetEvidence) -> list[Problem]:
    problems = []
    for queue in (main_queue(view), dead_letter_queue(view)):
        managed = value(view, queue, "sqs_managed_sse_enabled", None)
        kms = value(view, queue, "kms_master_key_id", None)
        if managed is not True and not kms:
            problems.append(
                Problem(where(queue), expected("sqs_managed_sse_enabled = true or a kms_master_key_id", "neither"))
            )
    return problems


# -- S3 ------------------------------------------------------------------------------------------


def s3_bucket(view: RepoView, _: FleetEvidence) -> list[Problem]:
    audit_bucket(view)
    return []


def _whole_bucket(view: RepoView, rule: Instance) -> bool:
    """A rule without a prefix (or with an empty one) applies to every object of the bucket."""
    prefixes = [value(view, rule, "prefix", "")] + [value(view, f, "prefix", "") for f in rule.nested("filter")]
    return all(not p for p in prefixes)


def _glacier_days(view: RepoView, rule: Instance) -> list[int]:
    if str(value(view, rule, "status", value(view, rule, "enabled", None))) not in ("Enabled", "True", "true"):
        return []
    if not _whole_bucket(view, rule):
        return []
    return [
        value(view, t, "days", None)
        for t in rule.nested("transition")
        if value(view, t, "storage_class", None) == "GLACIER"
    ]


def s3_glacier(view: RepoView, _: FleetEvidence) -> list[Problem]:
    bucket = audit_bucket(view)
    wanted = view.platform.infrastructure.audit_bucket.glacier_after_days
    rules = [r for c in attached(view, "aws_s3_bucket_lifecycle_configuration", bucket) for r in c.nested("rule")]
    rules += bucket.nested("lifecycle_rule")  # the inline form of older configurations
    days = [d for rule in rules for d in _glacier_days(view, rule)]
    if wanted not in days:
        found = f"GLACIER transitions at {days} days" if days else "no enabled GLACIER transition"
        return [
            Problem(
                where(bucket),
                expected(f"an enabled lifecycle rule moving objects to GLACIER after {wanted} days", found),
            )
        ]
    return []


def s3_public_access(view: RepoView, _: FleetEvidence) -> list[Problem]:
    bucket = audit_bucket(view)
    blocks = attached(view, "aws_s3_bucket_public_access_block", bucket)
    if not blocks:
        return [Problem(where(bucket), expected("an aws_s3_bucket_public_access_block for the bucket", "none"))]
    flags = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    return [
        Problem(where(blocks[0], flag), f"{flag}: {expected('true', describe(value(view, blocks[0], flag, None)))}")
        for flag in flags
        if value(view, blocks[0], flag, None) is not True
    ]


def s3_encryption(view: RepoView, _: FleetEvidence) -> list[Problem]:
    bucket = audit_bucket(view)
    found = attached(view, "aws_s3_bucket_server_side_encryption_configuration", bucket)
    inline = bucket.nested("server_side_encryption_configuration")
    if not found and not inline:
        return [Problem(where(bucket), expected("default encryption for the bucket", "none"))]
    return []


def s3_versioning(view: RepoView, _: FleetEvidence) -> list[Problem]:
    bucket = audit_bucket(view)
    statuses = []
    for versioning in attached(view, "aws_s3_bucket_versioning", bucket):
        configs = versioning.nested("versioning_configuration")
        statuses += [value(view, c, "status", None) for c in configs]
        if "Enabled" in statuses:
            return []
    inline = bucket.nested("versioning")
    if inline and truthy(value(view, inline[0], "enabled", None)):
        return []
    if statuses:
        return [Problem(where(bucket), expected("versioning Enabled on the bucket", f"status {statuses[0]!r}"))]
    return [Problem(where(bucket), expected("versioning Enabled on the bucket", "none"))]


# -- SNS, API, IAM, alarms -----------------------------------------------------------------------


def sns_topic(view: RepoView, _: FleetEvidence) -> list[Problem]:
    alert_topic(view)
    return []


def rest_api(view: RepoView, _: FleetEvidence) -> list[Problem]:
    named(view, "aws_api_gateway_rest_api", _name(view, view.platform.infrastructure.rest_api.thing))
    return []


def _trusts_lambda(view: RepoView, role: Instance) -> bool:
    policy = value(view, role, "assume_role_policy", None)
    if policy is None:
        return False
    try:
        text = json.dumps(decode_json(policy), default=str)
    except (ValueError, TypeError):
        text = str(policy)
    if "lambda.amazonaws.com" in text:
        return True
    # A policy document data source: look for the service principal in it.
    reference = getattr(policy, "target", None)
    document = view.module.resource(reference) if reference else None
    return document is not None and any(
        "lambda.amazonaws.com" in json.dumps(value(view, i, "identifiers", []))
        for statement in view.values.instances(document)
        for s in statement.nested("statement")
        for i in s.nested("principals")
    )


def iam_roles(view: RepoView, _: FleetEvidence) -> list[Problem]:
    problems = []
    for function in view.platform.lambdas.functions:
        role = named(view, "aws_iam_role", _name(view, function.role_thing))
        if not _trusts_lambda(view, role):
            problems.append(
                Problem(where(role, "assume_role_policy"), expected("a trust policy for lambda.amazonaws.com", "none"))
            )
    return problems


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


def outputs(view: RepoView, _: FleetEvidence) -> list[Problem]:
    wanted = set(view.platform.infrastructure.outputs)
    found = set(view.module.outputs)
    problems = []
    if missing := sorted(wanted - found):
        problems.append(
            Problem(f"{view.name}/terraform/outputs.tf", expected(f"outputs {', '.join(missing)}", "none of them"))
        )
    if extra := sorted(found - wanted - set(view.platform.infrastructure.extra_outputs)):
        problems.append(
            Problem(
                f"{view.name}/terraform/outputs.tf", expected("only the required outputs", f"also {', '.join(extra)}")
            )
        )
    return problems


# -- live: the deployed resources ----------------------------------------------------------------
# Each reads through conformance.live (cached, counted, read-only) and reports drift as
# `resource: ID: expected X, found Y (call → field)`.

DESCRIBE_TABLE = "describe_table → Table"


def ddb_table_live(view: LiveView) -> list[Problem]:
    found = dynamodb_live.table(view.live)
    name = view.names.table
    problems = []
    if found.get("TableStatus") != "ACTIVE":
        problems.append(Problem.drift(name, "ACTIVE", found.get("TableStatus"), f"{DESCRIBE_TABLE}.TableStatus"))
    wanted = view.platform.infrastructure.table.billing_mode.value
    # Absent for tables that were always provisioned.
    billing = (found.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")
    if billing != wanted:
        problems.append(Problem.drift(name, wanted, billing, f"{DESCRIBE_TABLE}.BillingModeSummary.BillingMode"))
    return problems


def ddb_pitr_live(view: LiveView) -> list[Problem]:
    # PointInTimeRecoveryStatus, not ContinuousBackupsStatus: that one is ENABLED even with PITR off.
    wanted = "ENABLED" if view.platform.infrastructure.table.point_in_time_recovery else "DISABLED"
    description = dynamodb_live.continuous_backups(view.live).get("PointInTimeRecoveryDescription") or {}
    found = description.get("PointInTimeRecoveryStatus", "none")
    if found != wanted:
        field = "PointInTimeRecoveryDescription.PointInTimeRecoveryStatus"
        return [Problem.drift(view.names.table, wanted, found, f"describe_continuous_backups → {field}")]
    return []


def _keys(schema: list[dict[str, Any]]) -> dict[str, str]:
    return {k.get("KeyType", ""): k.get("AttributeName", "") for k in schema or []}


def _key_problems(
    where_: str, what: str, wanted: dict[str, Any], schema: list[dict[str, Any]], types: dict[str, str], field: str
) -> list[Problem]:
    found = _keys(schema)
    problems = []
    for role, label in (("HASH", "hash key"), ("RANGE", "range key")):
        key = wanted.get(role)
        expected_key = f"{key.name} ({key.type})" if key else "none"
        actual = found.get(role)
        actual_key = f"{actual} ({types.get(actual, '?')})" if actual else "none"
        if expected_key != actual_key:
            problems.append(Problem.drift(where_, f"{what}{label} {expected_key}", actual_key, field))
    return problems


def ddb_keys_live(view: LiveView) -> list[Problem]:
    spec = view.platform.infrastructure.table
    found = dynamodb_live.table(view.live)
    types = {a["AttributeName"]: a["AttributeType"] for a in found.get("AttributeDefinitions", [])}
    wanted = {"HASH": spec.hash_key, "RANGE": spec.range_key}
    field = f"{DESCRIBE_TABLE}.KeySchema, AttributeDefinitions"
    return _key_problems(view.names.table, "", wanted, found.get("KeySchema", []), types, field)


def ddb_indexes_live(view: LiveView) -> list[Problem]:
    found = dynamodb_live.table(view.live)
    name = view.names.table
    types = {a["AttributeName"]: a["AttributeType"] for a in found.get("AttributeDefinitions", [])}
    indexes = {g.get("IndexName"): g for g in found.get("GlobalSecondaryIndexes") or []}
    problems = []
    for spec in view.platform.infrastructure.table.global_secondary_indexes:
        gsi = indexes.get(spec.name)
        field = f"{DESCRIBE_TABLE}.GlobalSecondaryIndexes"
        if gsi is None:
            problems.append(
                Problem.drift(name, f"index {spec.name}", sorted(indexes) or "none", f"{field}[].IndexName")
            )
            continue
        wanted = {"HASH": spec.hash_key, "RANGE": spec.range_key}
        problems += _key_problems(
            name, f"{spec.name} ", wanted, gsi.get("KeySchema", []), types, f"{field}[].KeySchema"
        )
        if gsi.get("IndexStatus", "ACTIVE") != "ACTIVE":
            problems.append(
                Problem.drift(name, f"{spec.name} ACTIVE", gsi.get("IndexStatus"), f"{field}[].IndexStatus")
            )
    return problems


def ddb_encryption_live(view: LiveView) -> list[Problem]:
    description = dynamodb_live.table(view.live).get("SSEDescription") or {}
    found = description.get("Status", "none")
    if found != "ENABLED":
        return [Problem.drift(view.names.table, "ENABLED", found, f"{DESCRIBE_TABLE}.SSEDescription.Status")]
    return []


def sqs_queue_live(view: LiveView) -> list[Problem]:
    sqs_live.queue_url(view.live, "queue")
    return []


def sqs_retention_live(view: LiveView) -> list[Problem]:
    wanted = view.platform.infrastructure.queue.message_retention_seconds
    found = sqs_live.attributes(view.live, "queue").get("MessageRetentionPeriod")
    if str(found) != str(wanted):
        return [Problem.drift(view.names.queue, wanted, found, "get_queue_attributes → MessageRetentionPeriod")]
    return []


def live_redrive(view: LiveView) -> dict[str, Any]:
    """The change queue's RedrivePolicy (a JSON string in the attributes), parsed; Stop when unusable."""
    raw = sqs_live.attributes(view.live, "queue").get("RedrivePolicy")
    call = "get_queue_attributes → RedrivePolicy"
    if not raw:
        raise Stop(Problem.drift(view.names.queue, "a RedrivePolicy", "none", call))
    try:
        policy = json.loads(raw)
    except ValueError:
        policy = None
    if not isinstance(policy, dict):
        raise Stop(Problem.drift(view.names.queue, "a RedrivePolicy as a JSON object", repr(raw), call))
    return policy


def sqs_dead_letter_live(view: LiveView) -> list[Problem]:
    dlq_arn = sqs_live.attributes(view.live, "dead_letter").get("QueueArn")
    target = live_redrive(view).get("deadLetterTargetArn")
    if target != dlq_arn:
        call = "get_queue_attributes → RedrivePolicy.deadLetterTargetArn"
        return [Problem.drift(view.names.queue, dlq_arn, target or "none", call)]
    return []


def sqs_receive_count_live(view: LiveView) -> list[Problem]:
    wanted = view.platform.infrastructure.queue.dead_letter.max_receive_count
    found = live_redrive(view).get("maxReceiveCount")
    try:
        matches = int(found) == wanted  # a string or an int, depending on who wrote it
    except (TypeError, ValueError):
        matches = False
    if not matches:
        call = "get_queue_attributes → RedrivePolicy.maxReceiveCount"
        return [Problem.drift(view.names.queue, wanted, found if found is not None else "none", call)]
    return []


def sqs_encryption_live(view: LiveView) -> list[Problem]:
    problems = []
    for which in ("queue", "dead_letter"):
        attributes = sqs_live.attributes(view.live, which)
        if attributes.get("SqsManagedSseEnabled") != "true" and not attributes.get("KmsMasterKeyId"):
            problems.append(
                Problem.drift(
                    getattr(view.names, which),
                    "SqsManagedSseEnabled true or a KmsMasterKeyId",
                    "neither",
                    "get_queue_attributes → SqsManagedSseEnabled, KmsMasterKeyId",
                )
            )
    return problems


def s3_bucket_live(view: LiveView) -> list[Problem]:
    found = s3_live.region(view.live)
    if found != view.live.region:
        return [
            Problem.drift(view.names.audit_bucket, view.live.region, found, "get_bucket_location → LocationConstraint")
        ]
    return []


def s3_glacier_live(view: LiveView) -> list[Problem]:
    wanted = view.platform.infrastructure.audit_bucket.glacier_after_days
    rules = s3_live.lifecycle_rules(view.live)
    what = f"an enabled lifecycle rule moving objects to GLACIER after {wanted} days"
    if rules is None:
        call = "get_bucket_lifecycle_configuration → NoSuchLifecycleConfiguration"
        return [Problem.drift(view.names.audit_bucket, what, "no lifecycle configuration", call)]
    days = [
        t.get("Days")
        for rule in rules
        if rule.get("Status") == "Enabled"
        for t in rule.get("Transitions") or []
        if t.get("StorageClass") == "GLACIER"
    ]
    if wanted not in days:
        found = f"GLACIER transitions at {days} days" if days else "no enabled GLACIER transition"
        call = "get_bucket_lifecycle_configuration → Rules[].Status, Transitions"
        return [Problem.drift(view.names.audit_bucket, what, found, call)]
    return []


PUBLIC_ACCESS_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def s3_public_access_live(view: LiveView) -> list[Problem]:
    block = s3_live.public_access_block(view.live)
    bucket = view.names.audit_bucket
    if block is None:
        call = "get_public_access_block → NoSuchPublicAccessBlockConfiguration"
        return [Problem.drift(bucket, "a public access block", "none", call)]
    return [
        Problem.drift(
            bucket,
            f"{flag} true",
            block.get(flag, "none"),
            f"get_public_access_block → PublicAccessBlockConfiguration.{flag}",
        )
        for flag in PUBLIC_ACCESS_FLAGS
        if block.get(flag) is not True
    ]


ENCRYPTION_ALGORITHMS = ("AES256", "aws:kms", "aws:kms:dsse")


def s3_encryption_live(view: LiveView) -> list[Problem]:
    rules = s3_live.encryption_rules(view.live)
    bucket = view.names.audit_bucket
    if not rules:
        call = "get_bucket_encryption → ServerSideEncryptionConfigurationNotFoundError"
        return [Problem.drift(bucket, "default encryption", "none", call)]
    algorithm = (rules[0].get("ApplyServerSideEncryptionByDefault") or {}).get("SSEAlgorithm")
    if algorithm not in ENCRYPTION_ALGORITHMS:
        call = "get_bucket_encryption → Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm"
        return [Problem.drift(bucket, " or ".join(ENCRYPTION_ALGORITHMS), algorithm or "none", call)]
    return []


def s3_versioning_live(view: LiveView) -> list[Problem]:
    found = s3_live.versioning(view.live).get("Status")
    if found != "Enabled":
        return [
            Problem.drift(
                view.names.audit_bucket, "Enabled", found or "never enabled", "get_bucket_versioning → Status"
            )
        ]
    return []


def sns_topic_live(view: LiveView) -> list[Problem]:
    sns_live.attributes(view.live)
    return []


def rest_api_live(view: LiveView) -> list[Problem]:
    apigateway_live.rest_api(view.live)
    return []


def _lambda_may_assume(document: Any) -> bool:
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    for statement in statements if isinstance(statements, list) else [statements]:
        services = (statement.get("Principal") or {}).get("Service", [])
        actions = statement.get("Action", [])
        if (
            statement.get("Effect") == "Allow"
            and "lambda.amazonaws.com" in ([services] if isinstance(services, str) else services)
            and "sts:AssumeRole" in ([actions] if isinstance(actions, str) else actions)
        ):
            return True
    return False


def iam_roles_live(view: LiveView) -> list[Problem]:
    problems = []
    for function in view.platform.lambdas.functions:
        name = view.names.role(function)
        try:
            role = iam_live.role(view.live, name)
        except Missing as gone:
            problems.append(gone.problem())
            continue
        document = role.get("AssumeRolePolicyDocument")
        if not _lambda_may_assume(document):
            principals = [s.get("Principal") for s in (document or {}).get("Statement", [])]
            problems.append(
                Problem.drift(
                    name,
                    "a trust policy letting lambda.amazonaws.com sts:AssumeRole",
                    json.dumps(principals),
                    "get_role → Role.AssumeRolePolicyDocument",
                )
            )
    return problems


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


R = Requirement.INFRA_RESOURCES
INFRA = Scope.INFRASTRUCTURE
TF = ("terraform/*.tf", "terraform/environments/{env}.tfvars")

DDB = "dynamodb:DescribeTable@table"
QUEUE = ("sqs:GetQueueUrl@queue", "sqs:GetQueueAttributes@queue")
DLQ = ("sqs:GetQueueUrl@dead_letter", "sqs:GetQueueAttributes@dead_letter")


def _live(check: Any, *texts: str) -> dict[str, Any]:
    return {"live": check, "live_reads": reads(*texts)}


CRITERIA = [
    Criterion(
        "INF-DDB-TABLE", "DynamoDB table exists, on-demand", R, INFRA, TF, ddb_table, **_live(ddb_table_live, DDB)
    ),
    Criterion(
        "INF-DDB-PITR",
        "DynamoDB point-in-time recovery enabled",
        R,
        INFRA,
        TF,
        ddb_pitr,
        **_live(ddb_pitr_live, "dynamodb:DescribeContinuousBackups@table"),
    ),
    Criterion(
        "INF-DDB-KEYS",
        "DynamoDB hash key PK (S), range key SK (S)",
        R,
        INFRA,
        TF,
        ddb_keys,
        **_live(ddb_keys_live, DDB),
    ),
    Criterion(
        "INF-DDB-GSI",
        "Both global secondary indexes with their keys",
        R,
        INFRA,
        TF,
        ddb_indexes,
        **_live(ddb_indexes_live, DDB),
    ),
    Criterion(
        "INF-DDB-SSE",
        "DynamoDB server-side encryption",
        R,
        INFRA,
        TF,
        ddb_encryption,
        **_live(ddb_encryption_live, DDB),
    ),
    Criterion(
        "INF-SQS-QUEUE",
        "Change queue exists",
        R,
        INFRA,
        TF,
        sqs_queue,
        **_live(sqs_queue_live, "sqs:GetQueueUrl@queue"),
    ),
    Criterion(
        "INF-SQS-RETENTION",
        "Change queue keeps messages 4 days",
        R,
        INFRA,
        TF,
        sqs_retention,
        **_live(sqs_retention_live, *QUEUE),
    ),
    Criterion(
        "INF-SQS-DLQ",
        "Change queue redrives to its dead-letter queue",
        R,
        INFRA,
        TF,
        sqs_dead_letter,
        **_live(sqs_dead_letter_live, *QUEUE, *DLQ),
    ),
    Criterion(
        "INF-SQS-RECEIVE-COUNT",
        "Redrive after the spec's max receive count",
        R,
        INFRA,
        TF,
        sqs_receive_count,
        **_live(sqs_receive_count_live, *QUEUE),
    ),
    Criterion(
        "INF-SQS-SSE", "Both queues encrypted", R, INFRA, TF, sqs_encryption, **_live(sqs_encryption_live, *QUEUE, *DLQ)
    ),
    Criterion(
        "INF-S3-BUCKET",
        "Audit bucket exists",
        R,
        INFRA,
        TF,
        s3_bucket,
        **_live(s3_bucket_live, "s3:GetBucketLocation@audit_bucket"),
    ),
    Criterion(
        "INF-S3-GLACIER",
        "Audit objects move to Glacier after a year",
        R,
        INFRA,
        TF,
        s3_glacier,
        **_live(s3_glacier_live, "s3:GetBucketLifecycleConfiguration@audit_bucket"),
    ),
    Criterion(
        "INF-S3-PUBLIC-ACCESS",
        "Audit bucket blocks all public access",
        R,
        INFRA,
        TF,
        s3_public_access,
        **_live(s3_public_access_live, "s3:GetPublicAccessBlock@audit_bucket"),
    ),
    Criterion(
        "INF-S3-SSE",
        "Audit bucket default encryption",
        R,
        INFRA,
        TF,
        s3_encryption,
        **_live(s3_encryption_live, "s3:GetBucketEncryption@audit_bucket"),
    ),
    Criterion(
        "INF-S3-VERSIONING",
        "Audit bucket versioning",
        R,
        INFRA,
        TF,
        s3_versioning,
        **_live(s3_versioning_live, "s3:GetBucketVersioning@audit_bucket"),
    ),
    Criterion(
        "INF-SNS-TOPIC",
        "Alert topic exists",
        R,
        INFRA,
        TF,
        sns_topic,
        **_live(sns_topic_live, "sns:GetTopicAttributes@alert_topic"),
    ),
    Criterion(
        "INF-API-REST",
        "REST API exists",
        R,
        INFRA,
        TF,
        rest_api,
        **_live(rest_api_live, "apigateway:GetRestApis@rest_api"),
    ),
    Criterion(
        "INF-IAM-ROLES",
        "An execution role per Lambda, trusted by Lambda",
        R,
        INFRA,
        TF,
        iam_roles,
        **_live(iam_roles_live, "iam:GetRole@roles"),
    ),
    Criterion(
        "INF-CW-DLQ-ALARM",
        "Alarm on DLQ messages notifies the alert topic",
        R,
        INFRA,
        TF,
        dlq_alarm,
        **_live(dlq_alarm_live, "cloudwatch:DescribeAlarms@dlq_alarm"),
    ),
    Criterion(
        "INF-OUTPUTS",
        "Exactly the outputs the Lambda repos import",
        Requirement.INFRA_OUTPUTS,
        INFRA,
        ("terraform/outputs.tf",),
        outputs,
        per_env=False,
    ),
]
