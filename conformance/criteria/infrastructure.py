"""Infrastructure repository / Resources and Outputs: the HCL evaluated for each environment."""

from __future__ import annotations

import json

from conformance.criteria.base import Criterion, Problem, Requirement, Scope, expected
from conformance.criteria.hcl_checks import (
    Stop,
    check_equal,
    describe,
    instances_of,
    named,
    refers_to,
    value,
    where,
)
from conformance.evidence.evaluate import decode_json
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.evidence.module import Instance


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


def ddb_pitr(view: RepoView, _: FleetEvidence) -> list[Problem]:
    instance = table(view)
    blocks = instance.nested("point_in_time_recovery")
    enabled = value(view, blocks[0], "enabled", False) if blocks else False
    if enabled is not True:
        found = "no point_in_time_recovery block" if not blocks else f"enabled = {describe(enabled)}"
        return [
            Problem(
                where(blocks[0] if blocks else instance), expected("point_in_time_recovery { enabled = true }", found)
            )
        ]
    return []


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
    instance = table(view)
    blocks = instance.nested("server_side_encryption")
    if not blocks or value(view, blocks[0], "enabled", False) is not True:
        return [Problem(where(instance), expected("server_side_encryption { enabled = true }", "none"))]
    return []


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


def _glacier_days(view: RepoView, rule: Instance) -> list[int]:
    if str(value(view, rule, "status", value(view, rule, "enabled", None))) not in ("Enabled", "True", "true"):
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
    for versioning in attached(view, "aws_s3_bucket_versioning", bucket):
        configs = versioning.nested("versioning_configuration")
        if configs and value(view, configs[0], "status", None) == "Enabled":
            return []
    inline = bucket.nested("versioning")
    if inline and value(view, inline[0], "enabled", None) is True:
        return []
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
    dlq = dead_letter_queue(view)
    topic = alert_topic(view)
    for alarm in instances_of(view, "aws_cloudwatch_metric_alarm"):
        dimensions = value(view, alarm, "dimensions", {}) or {}
        if value(view, alarm, "namespace", None) != "AWS/SQS" or not refers_to(dimensions.get("QueueName"), dlq):
            continue
        actions = value(view, alarm, "alarm_actions", []) or []
        if any(refers_to(a, topic) for a in actions):
            return []
        return [
            Problem(
                where(alarm, "alarm_actions"), expected(f"alarm_actions with {topic.block.address}", describe(actions))
            )
        ]
    return [
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
    if extra := sorted(found - wanted):
        problems.append(
            Problem(
                f"{view.name}/terraform/outputs.tf", expected("only the required outputs", f"also {', '.join(extra)}")
            )
        )
    return problems


R = Requirement.INFRA_RESOURCES
INFRA = Scope.INFRASTRUCTURE
TF = ("terraform/*.tf", "terraform/environments/{env}.tfvars")

CRITERIA = [
    Criterion("INF-DDB-TABLE", "DynamoDB table exists, on-demand", R, INFRA, TF, ddb_table),
    Criterion("INF-DDB-PITR", "DynamoDB point-in-time recovery enabled", R, INFRA, TF, ddb_pitr),
    Criterion("INF-DDB-KEYS", "DynamoDB hash key PK (S), range key SK (S)", R, INFRA, TF, ddb_keys),
    Criterion("INF-DDB-GSI", "Both global secondary indexes with their keys", R, INFRA, TF, ddb_indexes),
    Criterion("INF-DDB-SSE", "DynamoDB server-side encryption", R, INFRA, TF, ddb_encryption),
    Criterion("INF-SQS-QUEUE", "Change queue exists", R, INFRA, TF, sqs_queue),
    Criterion("INF-SQS-RETENTION", "Change queue keeps messages 4 days", R, INFRA, TF, sqs_retention),
    Criterion("INF-SQS-DLQ", "Change queue redrives to its dead-letter queue", R, INFRA, TF, sqs_dead_letter),
    Criterion("INF-SQS-RECEIVE-COUNT", "Redrive after the spec's max receive count", R, INFRA, TF, sqs_receive_count),
    Criterion("INF-SQS-SSE", "Both queues encrypted", R, INFRA, TF, sqs_encryption),
    Criterion("INF-S3-BUCKET", "Audit bucket exists", R, INFRA, TF, s3_bucket),
    Criterion("INF-S3-GLACIER", "Audit objects move to Glacier after a year", R, INFRA, TF, s3_glacier),
    Criterion("INF-S3-PUBLIC-ACCESS", "Audit bucket blocks all public access", R, INFRA, TF, s3_public_access),
    Criterion("INF-S3-SSE", "Audit bucket default encryption", R, INFRA, TF, s3_encryption),
    Criterion("INF-S3-VERSIONING", "Audit bucket versioning", R, INFRA, TF, s3_versioning),
    Criterion("INF-SNS-TOPIC", "Alert topic exists", R, INFRA, TF, sns_topic),
    Criterion("INF-API-REST", "REST API exists", R, INFRA, TF, rest_api),
    Criterion("INF-IAM-ROLES", "An execution role per Lambda, trusted by Lambda", R, INFRA, TF, iam_roles),
    Criterion("INF-CW-DLQ-ALARM", "Alarm on DLQ messages notifies the alert topic", R, INFRA, TF, dlq_alarm),
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
