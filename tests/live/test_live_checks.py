"""Every live check against moto: passes on a conformant dev deployment, fails clearly on drift.

A drift is one change made with boto3 to the conformant deployment (as someone would in the
console). It must fail its criterion with the exact message `resource: ID: expected X, found Y
(call → field)`, skip only the cases that need the same broken resource (the cause reported
once), and change nothing else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from conformance.catalogue import LIVE_CRITERIA
from conformance.criteria.base import RepoScope
from conformance.platform import Platform
from conformance.platform.model import Kind
from conformance.runner import live_evidence
from tests.live.conftest import ENV, Key, live_cases, run_live
from tests.live.deploy import LAMBDA_TRUST, Deployment, conformance_trust

SHAPE = re.compile(r"^\S+: [A-Z]+(-[A-Z0-9]+)+: expected .+, found .+ \(\w+ → .+\)$")


@dataclass(frozen=True)
class Drift:
    id: str
    criterion: str
    edit: Callable[[Deployment], None]
    message: Callable[[Deployment], str]  # the whole failure message (or a part of it when not exact)
    repo: str | None = None  # a Lambda's name; None: the infrastructure repository
    also: tuple[str, ...] = ()  # criteria of the same repo that fail too
    skipped: tuple[str, ...] = ()  # `ID` (infrastructure) or `ID@lambda` / `ID@*`: skip, reported once elsewhere
    exact: bool = True

    def __str__(self) -> str:
        return self.id


def spec(d: Deployment) -> Platform:
    return d.platform


def first(d: Deployment, kind: Kind):
    return next(f for f in d.platform.lambdas.functions if f.kind is kind)


def output_of(d: Deployment, source: str) -> str:
    return next(name for name, s in d.platform.infrastructure.outputs.items() if s == source)


def set_queue(d: Deployment, **attributes: str) -> None:
    d.client("sqs").set_queue_attributes(QueueUrl=d.values["queue.url"], Attributes=attributes)


def redrive(d: Deployment, target: str, count: int) -> None:
    set_queue(d, RedrivePolicy=json.dumps({"deadLetterTargetArn": target, "maxReceiveCount": count}))


def recreate_table(d: Deployment, *, sse: bool, hash_key: str | None = None) -> None:
    """Delete the table and create it again as someone would by hand (PITR then off, as on AWS)."""
    ddb = d.client("dynamodb")
    described = ddb.describe_table(TableName=d.names.table)["Table"]
    ddb.delete_table(TableName=d.names.table)
    keys = described["KeySchema"]
    attributes = described["AttributeDefinitions"]
    if hash_key:
        keys = [{"AttributeName": hash_key, "KeyType": "HASH"}]
        used = {k["AttributeName"] for g in described["GlobalSecondaryIndexes"] for k in g["KeySchema"]}
        attributes = [a for a in attributes if a["AttributeName"] in used]
        attributes.append({"AttributeName": hash_key, "AttributeType": "S"})
    ddb.create_table(
        TableName=d.names.table,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=keys,
        AttributeDefinitions=attributes,
        GlobalSecondaryIndexes=[
            {"IndexName": g["IndexName"], "KeySchema": g["KeySchema"], "Projection": g["Projection"]}
            for g in described["GlobalSecondaryIndexes"]
        ],
        **({"SSESpecification": {"Enabled": True}} if sse else {}),
    )
    if hash_key:
        ddb.update_continuous_backups(
            TableName=d.names.table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )


def lifecycle_disabled(d: Deployment) -> None:
    s3 = d.client("s3")
    rules = s3.get_bucket_lifecycle_configuration(Bucket=d.names.audit_bucket)["Rules"]
    s3.put_bucket_lifecycle_configuration(
        Bucket=d.names.audit_bucket,
        LifecycleConfiguration={"Rules": [{**r, "Status": "Disabled"} for r in rules]},
    )


def retarget_dlq(d: Deployment) -> None:
    other = d.client("sqs").create_queue(QueueName=f"{d.names.dead_letter}-other")["QueueUrl"]
    arn = d.client("sqs").get_queue_attributes(QueueUrl=other, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive(d, arn, d.platform.infrastructure.queue.dead_letter.max_receive_count)


def relax_public_access(d: Deployment) -> None:
    flags = {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": False,
        "RestrictPublicBuckets": True,
    }
    d.client("s3").put_public_access_block(Bucket=d.names.audit_bucket, PublicAccessBlockConfiguration=flags)


def trust_ec2(d: Deployment) -> None:
    document = json.loads(json.dumps(LAMBDA_TRUST).replace("lambda.amazonaws.com", "ec2.amazonaws.com"))
    role = d.names.role(d.platform.lambdas.functions[0])
    d.client("iam").update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(document))


def alarm_without_actions(d: Deployment) -> None:
    cloudwatch = d.client("cloudwatch")
    alarm = cloudwatch.describe_alarms(AlarmNames=[d.names.dlq_alarm])["MetricAlarms"][0]
    keep = ("Namespace", "MetricName", "Dimensions", "Statistic", "Period", "EvaluationPeriods", "Threshold")
    cloudwatch.put_metric_alarm(
        AlarmName=d.names.dlq_alarm, ComparisonOperator=alarm["ComparisonOperator"], **{k: alarm[k] for k in keep}
    )


def drop_table_variable(d: Deployment) -> None:
    function = d.platform.lambdas.functions[0]
    lam = d.client("lambda")
    variables = lam.get_function_configuration(FunctionName=d.names.function(function))["Environment"]["Variables"]
    kept = {k: v for k, v in variables.items() if v != d.names.table}
    lam.update_function_configuration(FunctionName=d.names.function(function), Environment={"Variables": kept})


def integrate_other_function(d: Deployment) -> None:
    function = first(d, Kind.API)
    other = next(f for f in d.platform.lambdas.functions if f.kind is Kind.API and f != function)
    region = d.region
    d.client("apigateway").put_integration(
        restApiId=d.values["rest_api.id"],
        resourceId=d.resource_ids[function.path],
        httpMethod=function.http_method,
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{d.function_arns[other.name]}/invocations",
    )


WRITE_FUNCTION = "2"  # create_product (POST): AWS_IAM by the spec's lambdas.authorization


def open_write_method(d: Deployment) -> None:
    """The write method put again anonymous (NONE), its integration as it was."""
    function = d.platform.lambdas.functions[int(WRITE_FUNCTION)]
    assert d.platform.authorization(function) == "AWS_IAM", function
    api = d.client("apigateway")
    ids = {
        "restApiId": d.values["rest_api.id"],
        "resourceId": d.resource_ids[function.path],
        "httpMethod": function.http_method,
    }
    integration = api.get_integration(**ids)
    api.put_method(**ids, authorizationType="NONE")
    api.put_integration(
        **ids, type=integration["type"], integrationHttpMethod=integration["httpMethod"], uri=integration["uri"]
    )


def redrive_audit_queue(d: Deployment, change: Callable[[dict], dict]) -> None:
    """The audit queue's RedrivePolicy changed in place."""
    sqs = d.client("sqs")
    url = sqs.get_queue_url(QueueName=d.names.audit_queue)["QueueUrl"]
    policy = json.loads(
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
    )
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": json.dumps(change(policy))})


def subscription_arn(d: Deployment, queue: str) -> str:
    """The events topic's subscription of `queue`."""
    sns = d.client("sns")
    queue_arn = d.client("sqs").get_queue_attributes(
        QueueUrl=d.client("sqs").get_queue_url(QueueName=queue)["QueueUrl"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=d.names.events_topic_arn)["Subscriptions"]
    return next(s["SubscriptionArn"] for s in subscriptions if s["Endpoint"] == queue_arn)


def set_subscription(d: Deployment, queue: str, name: str, value: str) -> None:
    d.client("sns").set_subscription_attributes(
        SubscriptionArn=subscription_arn(d, queue), AttributeName=name, AttributeValue=value
    )


DROPS_DELETED = '{"event_type": ["created", "updated"]}'


def patch_stage(*operations: tuple[str, str]) -> Callable[[Deployment], None]:
    """The env's stage changed in place (as in the console): `(path, value)` replaced."""

    def edit(d: Deployment) -> None:
        d.client("apigateway").update_stage(
            restApiId=d.values["rest_api.id"],
            stageName=d.env,
            patchOperations=[{"op": "replace", "path": path, "value": value} for path, value in operations],
        )

    return edit


def other_log_group(d: Deployment) -> None:
    d.client("logs").create_log_group(logGroupName="/aws/apigateway/somewhere-else")
    arn = d.values["api_access_log_group.arn"].split(":log-group:")[0] + ":log-group:/aws/apigateway/somewhere-else"
    patch_stage(("/accessLogSettings/destinationArn", arn))(d)


def serve_a_deployment_without(d: Deployment, function_index: int) -> None:
    """The stage redeployed while one method was gone (deleted, deployed, put back): the API's draft has the
    method, the deployment the stage serves does not."""
    function = d.platform.lambdas.functions[function_index]
    api = d.client("apigateway")
    ids = {
        "restApiId": d.values["rest_api.id"],
        "resourceId": d.resource_ids[function.path],
        "httpMethod": function.http_method,
    }
    integration = api.get_integration(**ids)
    method = api.get_method(**ids)
    api.delete_method(**ids)
    api.create_deployment(restApiId=d.values["rest_api.id"], stageName=d.env, description="without the method")
    api.put_method(**ids, authorizationType=method["authorizationType"])
    api.put_integration(
        **ids, type=integration["type"], integrationHttpMethod=integration["httpMethod"], uri=integration["uri"]
    )


def mapping(d: Deployment) -> dict:
    name = d.names.function(first(d, Kind.SQS))
    return d.client("lambda").list_event_source_mappings(FunctionName=name)["EventSourceMappings"][0]


def state_without(d: Deployment, source: str) -> None:
    outputs = {n: d.values[s] for n, s in d.platform.infrastructure.outputs.items() if s != source}
    d.put_state(outputs)


def state_with(d: Deployment, source: str, value: str) -> None:
    outputs = {n: (value if s == source else d.values[s]) for n, s in d.platform.infrastructure.outputs.items()}
    d.put_state(outputs)


def trust_any_repository(d: Deployment) -> None:
    document = conformance_trust(d)
    condition = document["Statement"][0]["Condition"]
    condition["StringEquals"].pop("token.actions.githubusercontent.com:sub")
    condition["StringLike"] = {"token.actions.githubusercontent.com:sub": "repo:*"}
    d.client("iam").update_assume_role_policy(RoleName=d.names.conformance_role, PolicyDocument=json.dumps(document))


def attach_admin(d: Deployment) -> None:
    iam = d.client("iam")
    everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    arn = iam.create_policy(PolicyName="everything", PolicyDocument=json.dumps(everything))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=d.names.conformance_role, PolicyArn=arn)


# -- the infrastructure's drifts, one per fact (issue 13) -------------------------------------------


def public_access_without(flag: str) -> Callable[[Deployment], None]:
    def edit(d: Deployment) -> None:
        flags = {
            f: f != flag for f in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
        }
        d.client("s3").put_public_access_block(Bucket=d.names.audit_bucket, PublicAccessBlockConfiguration=flags)

    return edit


def lifecycle_rule(**changes: object) -> Callable[[Deployment], None]:
    """The Glacier rule put back with some of its fields changed, as someone would in the console."""

    def edit(d: Deployment) -> None:
        s3 = d.client("s3")
        rules = s3.get_bucket_lifecycle_configuration(Bucket=d.names.audit_bucket)["Rules"]
        s3.put_bucket_lifecycle_configuration(
            Bucket=d.names.audit_bucket, LifecycleConfiguration={"Rules": [{**r, **changes} for r in rules]}
        )

    return edit


def glacier_instant_retrieval(d: Deployment) -> None:
    days = d.platform.infrastructure.audit_bucket.glacier_after_days
    lifecycle_rule(Transitions=[{"Days": days, "StorageClass": "GLACIER_IR"}])(d)


def bucket_never_versioned(d: Deployment) -> None:
    """The audit bucket made again with everything but versioning: `get_bucket_versioning` has no Status."""
    s3 = d.client("s3")
    bucket = d.names.audit_bucket
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    encryption = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    s3.delete_bucket(Bucket=bucket)
    region = d.region
    s3.create_bucket(
        Bucket=bucket,
        **({} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}),
    )
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=block)
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=encryption)
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})


def realarm(**changes: object) -> Callable[[Deployment], None]:
    """The DLQ alarm put again with some of its settings changed."""

    def edit(d: Deployment) -> None:
        cloudwatch = d.client("cloudwatch")
        alarm = cloudwatch.describe_alarms(AlarmNames=[d.names.dlq_alarm])["MetricAlarms"][0]
        keep = (
            "Namespace",
            "MetricName",
            "Dimensions",
            "Statistic",
            "Period",
            "EvaluationPeriods",
            "Threshold",
            "ComparisonOperator",
            "AlarmActions",
            "OKActions",
        )
        cloudwatch.put_metric_alarm(AlarmName=d.names.dlq_alarm, **{**{k: alarm[k] for k in keep}, **changes})

    return edit


PITR_CALL = "describe_continuous_backups → PointInTimeRecoveryDescription.PointInTimeRecoveryStatus"
TABLE_USERS = ("INF-DDB-PITR", "INF-DDB-KEYS", "INF-DDB-GSI", "INF-DDB-SSE", "INF-STATE-OUTPUTS")
BUCKET_USERS = ("INF-S3-GLACIER", "INF-S3-PUBLIC-ACCESS", "INF-S3-SSE", "INF-S3-VERSIONING", "INF-STATE-OUTPUTS")
API_USERS = ("LAMBDA-API-TRIGGER@*", "LAMBDA-METHOD-AUTHORIZATION@*", "INF-STATE-OUTPUTS", "INF-APIGW-STAGE")
QUEUE_USERS = (
    "INF-SQS-RETENTION",
    "INF-SQS-DLQ",
    "INF-SQS-RECEIVE-COUNT",
    "INF-SQS-SSE",
    "INF-STATE-OUTPUTS",
    # the first event-driven Lambda reads the change queue (the audit one reads its own queue)
    "LAMBDA-SQS-TRIGGER@sqs",
)

DRIFTS = [
    # DynamoDB
    Drift(
        "pitr-disabled",
        "INF-DDB-PITR",
        lambda d: d.client("dynamodb").update_continuous_backups(
            TableName=d.names.table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False}
        ),
        lambda d: f"{d.names.table}: INF-DDB-PITR: expected ENABLED, found DISABLED ({PITR_CALL})",
    ),
    Drift(
        "table-deleted",
        "INF-DDB-TABLE",
        lambda d: d.client("dynamodb").delete_table(TableName=d.names.table),
        lambda d: (
            f"{d.names.table}: INF-DDB-TABLE: expected the DynamoDB table, found none "
            "(describe_table → ResourceNotFoundException)"
        ),
        skipped=TABLE_USERS,
    ),
    Drift(
        "table-provisioned",
        "INF-DDB-TABLE",
        lambda d: d.client("dynamodb").update_table(
            TableName=d.names.table,
            BillingMode="PROVISIONED",
            ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
        ),
        lambda d: (
            f"{d.names.table}: INF-DDB-TABLE: expected PAY_PER_REQUEST, found PROVISIONED "
            "(describe_table → Table.BillingModeSummary.BillingMode)"
        ),
    ),
    Drift(
        "index-removed",
        "INF-DDB-GSI",
        lambda d: d.client("dynamodb").update_table(
            TableName=d.names.table,
            GlobalSecondaryIndexUpdates=[
                {"Delete": {"IndexName": d.platform.infrastructure.table.global_secondary_indexes[-1].name}}
            ],
        ),
        lambda d: (
            f"{d.names.table}: INF-DDB-GSI: expected index "
            f"{d.platform.infrastructure.table.global_secondary_indexes[-1].name}, found "
            f"{[d.platform.infrastructure.table.global_secondary_indexes[0].name]} "
            "(describe_table → Table.GlobalSecondaryIndexes[].IndexName)"
        ),
    ),
    Drift(
        "table-recreated-with-another-key",
        "INF-DDB-KEYS",
        lambda d: recreate_table(d, sse=True, hash_key="id"),
        lambda d: (
            f"{d.names.table}: INF-DDB-KEYS: expected hash key PK (S), found id (S) "
            "(describe_table → Table.KeySchema, AttributeDefinitions)\n"
            f"{d.names.table}: INF-DDB-KEYS: expected range key SK (S), found none "
            "(describe_table → Table.KeySchema, AttributeDefinitions)"
        ),
    ),
    Drift(
        "table-recreated-without-encryption",
        "INF-DDB-SSE",
        lambda d: recreate_table(d, sse=False),
        lambda d: (
            f"{d.names.table}: INF-DDB-SSE: expected ENABLED, found none (describe_table → Table.SSEDescription.Status)"
        ),
        also=("INF-DDB-PITR",),
    ),
    # SQS
    Drift(
        "receive-count-changed",
        "INF-SQS-RECEIVE-COUNT",
        lambda d: redrive(
            d, d.values["dead_letter.arn"], d.platform.infrastructure.queue.dead_letter.max_receive_count + 2
        ),
        lambda d: (
            f"{d.names.queue}: INF-SQS-RECEIVE-COUNT: "
            f"expected {d.platform.infrastructure.queue.dead_letter.max_receive_count}, "
            f"found {d.platform.infrastructure.queue.dead_letter.max_receive_count + 2} "
            "(get_queue_attributes → RedrivePolicy.maxReceiveCount)"
        ),
    ),
    Drift(
        "retention-changed",
        "INF-SQS-RETENTION",
        lambda d: set_queue(d, MessageRetentionPeriod="86400"),
        lambda d: (
            f"{d.names.queue}: INF-SQS-RETENTION: "
            f"expected {d.platform.infrastructure.queue.message_retention_seconds}, found 86400 "
            "(get_queue_attributes → MessageRetentionPeriod)"
        ),
    ),
    Drift(
        "dlq-retargeted",
        "INF-SQS-DLQ",
        retarget_dlq,
        lambda d: (
            f"{d.names.queue}: INF-SQS-DLQ: expected {d.values['dead_letter.arn']}, found "
            f"{d.values['dead_letter.arn'].replace(d.names.dead_letter, d.names.dead_letter + '-other')} "
            "(get_queue_attributes → RedrivePolicy.deadLetterTargetArn)"
        ),
    ),
    Drift(
        "redrive-removed",
        "INF-SQS-DLQ",
        lambda d: set_queue(d, RedrivePolicy=""),
        lambda d: (
            f"{d.names.queue}: INF-SQS-DLQ: expected a RedrivePolicy, found none (get_queue_attributes → RedrivePolicy)"
        ),
        also=("INF-SQS-RECEIVE-COUNT",),
    ),
    Drift(
        "dlq-deleted",
        "INF-SQS-DLQ",
        lambda d: d.client("sqs").delete_queue(QueueUrl=d.values["dead_letter.url"]),
        lambda d: (
            f"{d.names.dead_letter}: INF-SQS-DLQ: expected the dead-letter queue, found none "
            "(get_queue_url → AWS.SimpleQueueService.NonExistentQueue)"
        ),
        skipped=("INF-SQS-SSE",),
    ),
    Drift(
        "queue-deleted",
        "INF-SQS-QUEUE",
        lambda d: d.client("sqs").delete_queue(QueueUrl=d.values["queue.url"]),
        lambda d: (
            f"{d.names.queue}: INF-SQS-QUEUE: expected the change queue, found none "
            "(get_queue_url → AWS.SimpleQueueService.NonExistentQueue)"
        ),
        skipped=QUEUE_USERS,
    ),
    Drift(
        "queue-unencrypted",
        "INF-SQS-SSE",
        lambda d: set_queue(d, SqsManagedSseEnabled="false"),
        lambda d: (
            f"{d.names.queue}: INF-SQS-SSE: expected SqsManagedSseEnabled true or a KmsMasterKeyId, found neither "
            "(get_queue_attributes → SqsManagedSseEnabled, KmsMasterKeyId)"
        ),
    ),
    # S3
    Drift(
        "lifecycle-removed",
        "INF-S3-GLACIER",
        lambda d: d.client("s3").delete_bucket_lifecycle(Bucket=d.names.audit_bucket),
        lambda d: (
            f"{d.names.audit_bucket}: INF-S3-GLACIER: expected an enabled lifecycle rule moving objects to GLACIER "
            f"after {d.platform.infrastructure.audit_bucket.glacier_after_days} days, found no lifecycle configuration "
            "(get_bucket_lifecycle_configuration → NoSuchLifecycleConfiguration)"
        ),
    ),
    Drift(
        "lifecycle-disabled",
        "INF-S3-GLACIER",
        lifecycle_disabled,
        lambda d: (
            "found no enabled GLACIER transition on the whole bucket "
            "(get_bucket_lifecycle_configuration → Rules[].Status, Filter, Transitions)"
        ),
        exact=False,
    ),
    Drift(
        "public-policy-allowed",
        "INF-S3-PUBLIC-ACCESS",
        relax_public_access,
        lambda d: (
            f"{d.names.audit_bucket}: INF-S3-PUBLIC-ACCESS: expected BlockPublicPolicy true, found False "
            "(get_public_access_block → PublicAccessBlockConfiguration.BlockPublicPolicy)"
        ),
    ),
    Drift(
        "encryption-removed",
        "INF-S3-SSE",
        lambda d: d.client("s3").delete_bucket_encryption(Bucket=d.names.audit_bucket),
        lambda d: (
            f"{d.names.audit_bucket}: INF-S3-SSE: expected default encryption, found none "
            "(get_bucket_encryption → ServerSideEncryptionConfigurationNotFoundError)"
        ),
    ),
    Drift(
        "versioning-suspended",
        "INF-S3-VERSIONING",
        lambda d: d.client("s3").put_bucket_versioning(
            Bucket=d.names.audit_bucket, VersioningConfiguration={"Status": "Suspended"}
        ),
        lambda d: (
            f"{d.names.audit_bucket}: INF-S3-VERSIONING: expected Enabled, found Suspended "
            "(get_bucket_versioning → Status)"
        ),
    ),
    Drift(
        "bucket-deleted",
        "INF-S3-BUCKET",
        lambda d: d.client("s3").delete_bucket(Bucket=d.names.audit_bucket),
        lambda d: (
            f"{d.names.audit_bucket}: INF-S3-BUCKET: expected the audit bucket, found none "
            "(get_bucket_location → NoSuchBucket)"
        ),
        skipped=BUCKET_USERS,
    ),
    # SNS, API Gateway, IAM, CloudWatch
    Drift(
        "alert-topic-deleted",
        "INF-SNS-TOPIC",
        lambda d: d.client("sns").delete_topic(TopicArn=d.values["alert_topic.arn"]),
        lambda d: (
            f"{d.names.alert_topic}: INF-SNS-TOPIC: expected the alert topic, found none "
            "(get_topic_attributes → NotFound)"
        ),
        skipped=("INF-STATE-OUTPUTS",),
    ),
    Drift(
        "rest-api-deleted",
        "INF-API-REST",
        lambda d: d.client("apigateway").delete_rest_api(restApiId=d.values["rest_api.id"]),
        lambda d: (
            f"{d.names.rest_api}: INF-API-REST: expected exactly one REST API named {d.names.rest_api}, found none "
            "(get_rest_apis → items[].name)"
        ),
        skipped=API_USERS,
    ),
    Drift(
        "rest-api-duplicated",
        "INF-API-REST",
        lambda d: d.client("apigateway").create_rest_api(name=d.names.rest_api),
        lambda d: f"expected exactly one REST API named {d.names.rest_api}, found 2 ({d.values['rest_api.id']}, ",
        skipped=API_USERS,
        exact=False,
    ),
    Drift(
        "audit-queue-unsubscribed",
        "INF-SNS-FAN-OUT",
        lambda d: d.client("sns").unsubscribe(SubscriptionArn=subscription_arn(d, d.names.audit_queue)),
        lambda d: (
            f"{d.names.events_topic}: INF-SNS-FAN-OUT: expected a subscription of {d.names.audit_queue}, found "
            f"{d.names.queue} (list_subscriptions_by_topic → Subscriptions[].Endpoint)"
        ),
    ),
    Drift(
        "change-queue-subscription-not-raw",
        "INF-SNS-FAN-OUT",
        lambda d: set_subscription(d, d.names.queue, "RawMessageDelivery", "false"),
        lambda d: (
            f"{d.names.events_topic}→{d.names.queue}: INF-SNS-FAN-OUT: expected true, found false "
            "(get_subscription_attributes → RawMessageDelivery)"
        ),
    ),
    Drift(
        "audit-queue-filters-out-deletes",
        "INF-SNS-FAN-OUT",
        lambda d: set_subscription(d, d.names.audit_queue, "FilterPolicy", DROPS_DELETED),
        lambda d: (
            f"{d.names.events_topic}→{d.names.audit_queue}: INF-SNS-FAN-OUT: expected every product change event "
            f"delivered to {d.names.audit_queue}, found a policy that drops the deleted events: {DROPS_DELETED} "
            "(get_subscription_attributes → FilterPolicy)"
        ),
    ),
    Drift(
        "events-topic-deleted",
        "INF-SNS-FAN-OUT",
        lambda d: d.client("sns").delete_topic(TopicArn=d.names.events_topic_arn),
        lambda d: (
            f"{d.names.events_topic}: INF-SNS-FAN-OUT: expected the events topic, found none "
            "(list_subscriptions_by_topic → NotFound)"
        ),
    ),
    Drift(
        "stage-deleted",
        "INF-APIGW-STAGE",
        lambda d: d.client("apigateway").delete_stage(restApiId=d.values["rest_api.id"], stageName=d.env),
        lambda d: (
            f"{d.names.api_stage}: INF-APIGW-STAGE: expected the stage {d.env} of the REST API, found none "
            "(get_stage → NotFoundException)"
        ),
    ),
    Drift(
        "stage-logs-elsewhere",
        "INF-APIGW-STAGE",
        other_log_group,
        lambda d: (
            f"{d.names.api_stage}: INF-APIGW-STAGE: expected {d.values['api_access_log_group.arn']}, found "
            f"{d.values['api_access_log_group.arn'].split(':log-group:')[0]}:log-group:/aws/apigateway/somewhere-else "
            "(get_stage → accessLogSettings.destinationArn)"
        ),
    ),
    Drift(
        "stage-burst-1000",
        "INF-APIGW-STAGE",
        patch_stage(("/*/*/throttling/burstLimit", "1000")),
        lambda d: (
            f"{d.names.api_stage}: INF-APIGW-STAGE: expected 100, found 1000 "
            "(get_stage → methodSettings.*/*.throttlingBurstLimit)"
        ),
    ),
    Drift(
        "stage-one-method-unthrottled",
        "INF-APIGW-STAGE",
        patch_stage(("/~1products/POST/throttling/rateLimit", "10000")),
        lambda d: (
            f"{d.names.api_stage}: INF-APIGW-STAGE: expected 100, found 2000 "
            "(get_stage → methodSettings.products/POST.throttlingBurstLimit)\n"
            f"{d.names.api_stage}: INF-APIGW-STAGE: expected 50, found 10000.0 "
            "(get_stage → methodSettings.products/POST.throttlingRateLimit)"
        ),
    ),
    Drift(
        "stage-serves-a-deployment-without-post",
        "INF-APIGW-STAGE",
        lambda d: serve_a_deployment_without(d, int(WRITE_FUNCTION)),
        lambda d: (
            f"{d.names.api_stage}: INF-APIGW-STAGE: expected POST /products served (a deployment made after the "
            "method), found the stage's deployment "
        ),
        exact=False,
    ),
    Drift(
        "role-trusts-ec2",
        "INF-IAM-ROLE-NAMES",
        trust_ec2,
        lambda d: (
            f"{d.names.role(d.platform.lambdas.functions[0])}: INF-IAM-ROLE-NAMES: expected a trust policy letting "
            'lambda.amazonaws.com sts:AssumeRole, found [{"Service": "ec2.amazonaws.com"}] '
            "(get_role → Role.AssumeRolePolicyDocument)"
        ),
    ),
    Drift(
        "conformance-role-trusts-any-repository",
        "INF-CONFORMANCE-ROLE",
        trust_any_repository,
        lambda d: (
            f"{d.names.conformance_role}: INF-CONFORMANCE-ROLE: expected token.actions.githubusercontent.com:sub: "
            f"exactly {sorted(d.platform.conformance_subjects(d.env))}, found ['repo:*'] "
            "(get_role → Role.AssumeRolePolicyDocument)"
        ),
    ),
    Drift(
        "conformance-role-admin-attached",
        "INF-CONFORMANCE-ROLE",
        attach_admin,
        lambda d: (
            f"{d.names.conformance_role}: INF-CONFORMANCE-ROLE: expected no managed policy attached (only its "
            f"inline read and notify policies), found ['arn:aws:iam::{d.platform.environments[d.env].account_id}"
            ":policy/everything'] (list_attached_role_policies → AttachedPolicies[].PolicyArn)"
        ),
    ),
    Drift(
        "role-deleted",
        "INF-IAM-ROLE-NAMES",
        lambda d: d.client("iam").delete_role(RoleName=d.names.role(d.platform.lambdas.functions[-1])),
        lambda d: (
            f"{d.names.role(d.platform.lambdas.functions[-1])}: INF-IAM-ROLE-NAMES: expected the execution role, "
            "found none (get_role → NoSuchEntity)"
        ),
    ),
    Drift(
        "alarm-without-actions",
        "INF-CW-DLQ-ALARM",
        alarm_without_actions,
        lambda d: (
            f"{d.names.dlq_alarm}: INF-CW-DLQ-ALARM: expected enabled AlarmActions with {d.values['alert_topic.arn']}, "
            "found [] (ActionsEnabled True) (describe_alarms → MetricAlarms[].AlarmActions, ActionsEnabled)"
        ),
    ),
    Drift(
        "alarm-deleted",
        "INF-CW-DLQ-ALARM",
        lambda d: d.client("cloudwatch").delete_alarms(AlarmNames=[d.names.dlq_alarm]),
        lambda d: (
            f"{d.names.dlq_alarm}: INF-CW-DLQ-ALARM: expected a CloudWatch alarm on AWS/SQS "
            f"QueueName={d.names.dead_letter} notifying the alert topic, found none (describe_alarms → MetricAlarms)"
        ),
        skipped=("INF-CW-DLQ-ALARM-SETTINGS",),
    ),
    # The Terraform state
    Drift(
        "state-output-removed",
        "INF-STATE-OUTPUTS",
        lambda d: state_without(d, "alert_topic.arn"),
        lambda d: (
            f"{d.names.state}: INF-STATE-OUTPUTS: expected output {output_of(d, 'alert_topic.arn')}, found none "
            "(get_object → outputs)"
        ),
    ),
    Drift(
        "state-output-stale",
        "INF-STATE-OUTPUTS",
        lambda d: state_with(d, "table.arn", d.values["table.arn"] + "-old"),
        lambda d: (
            f"{d.names.state}: INF-STATE-OUTPUTS: expected '{d.values['table.arn']}' (the live table.arn), "
            f"found '{d.values['table.arn']}-old' (get_object → outputs.{output_of(d, 'table.arn')}.value)"
        ),
    ),
    Drift(
        "state-object-deleted",
        "INF-STATE-OUTPUTS",
        lambda d: d.client("s3").delete_object(Bucket=d.names.state_bucket, Key=d.names.state_key),
        lambda d: (
            f"{d.names.state}: INF-STATE-OUTPUTS: expected the infrastructure state object, found none "
            "(get_object → NoSuchKey)"
        ),
    ),
    # The Lambda functions
    Drift(
        "runtime-changed",
        "LAMBDA-FUNCTION",
        lambda d: d.client("lambda").update_function_configuration(
            FunctionName=d.names.function(d.platform.lambdas.functions[0]), Runtime="python3.11"
        ),
        lambda d: (
            f"{d.names.function(d.platform.lambdas.functions[0])}: LAMBDA-FUNCTION: expected "
            f"{d.platform.lambdas.runtime}, found python3.11 (get_function_configuration → Runtime)"
        ),
        repo="0",
    ),
    Drift(
        "table-variable-dropped",
        "LAMBDA-FUNCTION",
        drop_table_variable,
        lambda d: f"expected an environment variable holding the table name {d.names.table}, found {{",
        repo="0",
        exact=False,
    ),
    Drift(
        "function-deleted",
        "LAMBDA-FUNCTION",
        lambda d: d.client("lambda").delete_function(FunctionName=d.names.function(first(d, Kind.API))),
        lambda d: (
            f"{d.names.function(first(d, Kind.API))}: LAMBDA-FUNCTION: expected the Lambda function, found none "
            "(get_function_configuration → ResourceNotFoundException)"
        ),
        repo="api",
        skipped=("LAMBDA-API-TRIGGER@api",),
    ),
    Drift(
        "integration-removed",
        "LAMBDA-API-TRIGGER",
        lambda d: d.client("apigateway").delete_integration(
            restApiId=d.values["rest_api.id"],
            resourceId=d.resource_ids[first(d, Kind.API).path],
            httpMethod=first(d, Kind.API).http_method,
        ),
        lambda d: "expected an AWS_PROXY integration, found none (get_resources → resourceMethods.",
        repo="api",
        exact=False,
    ),
    Drift(
        "integration-to-another-function",
        "LAMBDA-API-TRIGGER",
        integrate_other_function,
        lambda d: f"expected an integration invoking {d.function_arns[first(d, Kind.API).name]}, found arn:",
        repo="api",
        exact=False,
    ),
    Drift(
        "write-method-anonymous",
        "LAMBDA-METHOD-AUTHORIZATION",
        open_write_method,
        lambda d: (
            f"{d.names.rest_api}/POST/products: LAMBDA-METHOD-AUTHORIZATION: expected AWS_IAM, found NONE "
            "(get_resources → resourceMethods.POST.authorizationType)"
        ),
        repo=WRITE_FUNCTION,
    ),
    Drift(
        "audit-queue-redrive-after-5",
        "INF-SQS-AUDIT-QUEUE",
        lambda d: redrive_audit_queue(d, lambda policy: {**policy, "maxReceiveCount": 5}),
        lambda d: (
            f"{d.names.audit_queue}: INF-SQS-AUDIT-QUEUE: expected 3, found 5 "
            "(get_queue_attributes → RedrivePolicy.maxReceiveCount)"
        ),
    ),
    Drift(
        "audit-queue-redrive-to-the-change-dlq",
        "INF-SQS-AUDIT-QUEUE",
        lambda d: redrive_audit_queue(d, lambda policy: {**policy, "deadLetterTargetArn": d.values["dead_letter.arn"]}),
        lambda d: (
            f"{d.names.audit_queue}: INF-SQS-AUDIT-QUEUE: expected {d.values['dead_letter.arn'].rsplit(':', 1)[0]}:"
            f"{d.names.audit_dead_letter}, found {d.values['dead_letter.arn']} "
            "(get_queue_attributes → RedrivePolicy.deadLetterTargetArn)"
        ),
    ),
    Drift(
        "mapping-disabled",
        "LAMBDA-SQS-TRIGGER",
        lambda d: d.client("lambda").update_event_source_mapping(UUID=mapping(d)["UUID"], Enabled=False),
        lambda d: (
            f"{d.names.function(first(d, Kind.SQS))}: LAMBDA-SQS-TRIGGER: expected the mapping Enabled, found Disabled "
            "(list_event_source_mappings → EventSourceMappings[].State)"
        ),
        repo="sqs",
    ),
    Drift(
        "mapping-deleted",
        "LAMBDA-SQS-TRIGGER",
        lambda d: d.client("lambda").delete_event_source_mapping(UUID=mapping(d)["UUID"]),
        lambda d: (
            f"{d.names.function(first(d, Kind.SQS))}: LAMBDA-SQS-TRIGGER: expected an event source mapping from "
            f"{d.values['queue.arn']}, found none (list_event_source_mappings → EventSourceMappings[].EventSourceArn)"
        ),
        repo="sqs",
    ),
]


INFRASTRUCTURE_DRIFTS = [
    *(
        Drift(
            f"public-access-without-{flag}",
            "INF-S3-PUBLIC-ACCESS",
            public_access_without(flag),
            lambda d, flag=flag: (
                f"{d.names.audit_bucket}: INF-S3-PUBLIC-ACCESS: expected {flag} true, found False "
                f"(get_public_access_block → PublicAccessBlockConfiguration.{flag})"
            ),
        )
        for flag in ("BlockPublicAcls", "IgnorePublicAcls", "RestrictPublicBuckets")
    ),
    Drift(
        "lifecycle-on-a-prefix",
        "INF-S3-GLACIER",
        lifecycle_rule(Filter={"Prefix": "logs/"}),
        lambda d: (
            f"{d.names.audit_bucket}: INF-S3-GLACIER: expected an enabled lifecycle rule moving objects to GLACIER "
            f"after {d.platform.infrastructure.audit_bucket.glacier_after_days} days, found no enabled GLACIER "
            "transition on the whole bucket (get_bucket_lifecycle_configuration → Rules[].Status, Filter, Transitions)"
        ),
    ),
    Drift(
        "lifecycle-to-glacier-instant-retrieval",
        "INF-S3-GLACIER",
        glacier_instant_retrieval,
        lambda d: "found no enabled GLACIER transition on the whole bucket",
        exact=False,
    ),
    Drift(
        "lifecycle-expires-objects-first",
        "INF-S3-GLACIER",
        lifecycle_rule(Expiration={"Days": 30}),
        lambda d: (
            f"{d.names.audit_bucket}: INF-S3-GLACIER: expected objects kept until their GLACIER transition at "
            f"{d.platform.infrastructure.audit_bucket.glacier_after_days} days, found expired after 30 "
            "(get_bucket_lifecycle_configuration → Rules[].Expiration.Days)"
        ),
    ),
    Drift(
        "versioning-never-enabled",
        "INF-S3-VERSIONING",
        bucket_never_versioned,
        lambda d: (
            f"{d.names.audit_bucket}: INF-S3-VERSIONING: expected Enabled, found never enabled "
            "(get_bucket_versioning → Status)"
        ),
    ),
    Drift(
        "alarm-on-messages-in-flight",
        "INF-CW-DLQ-ALARM",
        realarm(MetricName="ApproximateNumberOfMessagesNotVisible"),
        lambda d: (
            f"{d.names.dlq_alarm}: INF-CW-DLQ-ALARM: expected ApproximateNumberOfMessagesVisible, "
            "found ApproximateNumberOfMessagesNotVisible (describe_alarms → MetricAlarms[].MetricName)"
        ),
    ),
    Drift(
        "alarm-counts-datapoints",
        "INF-CW-DLQ-ALARM",
        realarm(Statistic="SampleCount"),
        lambda d: (
            f"{d.names.dlq_alarm}: INF-CW-DLQ-ALARM: expected Maximum or Sum or Average or Minimum, found SampleCount "
            "(describe_alarms → MetricAlarms[].Statistic)"
        ),
    ),
    Drift(
        "alarm-when-the-dlq-is-empty",
        "INF-CW-DLQ-ALARM",
        realarm(ComparisonOperator="LessThanThreshold"),
        lambda d: (
            f"{d.names.dlq_alarm}: INF-CW-DLQ-ALARM: expected an alarm as soon as 1 message is visible "
            "(GreaterThanOrEqualToThreshold 1, or GreaterThanThreshold 0), found LessThanThreshold 1: fires when "
            "the DLQ is (nearly) empty: LessThanThreshold 1 (describe_alarms → MetricAlarms[].ComparisonOperator, "
            "Threshold)"
        ),
        also=("INF-CW-DLQ-ALARM-SETTINGS",),
    ),
    Drift(
        "alarm-above-zero",
        "INF-CW-DLQ-ALARM-SETTINGS",
        realarm(Threshold=0.0, ComparisonOperator="GreaterThanThreshold"),
        lambda d: (
            f"{d.names.dlq_alarm}: INF-CW-DLQ-ALARM-SETTINGS: expected GreaterThanOrEqualToThreshold 1, "
            "found GreaterThanThreshold 0 (describe_alarms → MetricAlarms[].ComparisonOperator, Threshold)"
        ),  # the same alarm for the requirement (INF-CW-DLQ-ALARM passes), not the spec's literals
    ),
    Drift(
        "alarm-period-one-minute",
        "INF-CW-DLQ-ALARM-SETTINGS",
        realarm(Period=60),
        lambda d: (
            f"{d.names.dlq_alarm}: INF-CW-DLQ-ALARM-SETTINGS: expected "
            f"{d.platform.infrastructure.dlq_alarm.period_seconds}, found 60 (describe_alarms → MetricAlarms[].Period)"
        ),
    ),
]
DRIFTS += INFRASTRUCTURE_DRIFTS


def drift_repo(platform: Platform, marker: str | None) -> str:
    """None: infrastructure; "0": the first Lambda; "api"/"sqs": the first Lambda of that kind."""
    if marker is None:
        return platform.infrastructure.repo
    functions = platform.lambdas.functions
    function = functions[int(marker)] if marker.isdigit() else next(f for f in functions if f.kind.value == marker)
    return platform.lambda_repo(function)


def skipped_keys(platform: Platform, drift: Drift, baseline: set[Key], repo: str) -> set[Key]:
    keys = set()
    for entry in drift.skipped:
        criterion, _, where = entry.partition("@")
        if not where:
            keys.add((criterion, platform.infrastructure.repo, ENV))
        elif where == "*":
            keys |= {k for k in baseline if k[0] == criterion}
        else:
            keys.add((criterion, drift_repo(platform, where), ENV))
    assert keys <= set(baseline), keys - set(baseline)
    return keys


def test_every_live_check_passes_on_the_conformant_deployment(deployment: Deployment, platform: Platform) -> None:
    results = run_live(platform)
    assert {k: o.message for k, o in results.items() if o.status != "passed"} == {}
    assert {k[0] for k in results} == {c.id for c in LIVE_CRITERIA}
    # Each Lambda has its function check and the one trigger check of its kind; an API Lambda its method's
    # authorization too.
    infrastructure = [c for c in LIVE_CRITERIA if c.scope is RepoScope.INFRASTRUCTURE]
    apis = [f for f in platform.lambdas.functions if f.kind is Kind.API]
    assert len(results) == len(infrastructure) + 2 * len(platform.lambdas.functions) + len(apis)


def test_every_live_criterion_has_a_drift() -> None:
    covered = {d.criterion for d in DRIFTS}
    # The account guard is proven in test_live_guards.py (wrong account, no credentials, unreachable).
    missing = [c.id for c in LIVE_CRITERIA if c.id not in covered and c.id != "LIVE-ACCOUNT"]
    assert not missing, f"live criteria without a drift: {missing}"
    assert len({d.id for d in DRIFTS}) == len(DRIFTS)


@pytest.mark.parametrize("drift", DRIFTS, ids=str)
def test_a_drift_fails_its_criterion_clearly_and_nothing_else(
    drift: Drift, deployment: Deployment, platform: Platform
) -> None:
    baseline = {(c.criterion.id, c.repo, c.env) for c in live_cases(platform)}  # all pass: see the first test
    drift.edit(deployment)
    results = run_live(platform)

    repo = drift_repo(platform, drift.repo)
    target = (drift.criterion, repo, ENV)
    outcome = results[target]
    assert outcome.status == "failed", f"{drift.id}: expected {target} to fail, found {outcome}"
    wanted = drift.message(deployment)
    if drift.exact:
        assert outcome.message == wanted
    else:
        assert wanted in outcome.message, outcome.message
    for line in outcome.message.splitlines():
        assert SHAPE.match(line), f"expected `resource: ID: expected X, found Y (call → field)`, found {line!r}"
    assert outcome.problems and all(p.expected and p.found and p.call for p in outcome.problems)
    assert "Traceback" not in outcome.message

    failing = {target} | {(c, repo, ENV) for c in drift.also}
    skipping = skipped_keys(platform, drift, baseline, repo)
    changed = {k: o for k, o in results.items() if o.status != "passed"}
    assert {k for k, o in changed.items() if o.status == "failed"} == failing, changed
    assert {k for k, o in changed.items() if o.status == "skipped"} == skipping, changed
    for key in skipping:
        assert "reported once under" in results[key].message, results[key].message


def test_a_drift_is_data_as_well_as_a_line(deployment: Deployment, platform: Platform) -> None:
    deployment.client("dynamodb").update_continuous_backups(
        TableName=deployment.names.table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False}
    )
    outcome = run_live(platform)[("INF-DDB-PITR", platform.infrastructure.repo, ENV)]
    assert [p.as_drift() for p in outcome.problems] == [
        {"resource": deployment.names.table, "expected": "ENABLED", "found": "DISABLED", "call": PITR_CALL}
    ]


def test_checks_share_one_read_per_resource_and_a_second_run_reads_nothing(
    deployment: Deployment, platform: Platform
) -> None:
    evidence = live_evidence(platform)
    run_live(platform, evidence)
    first_run = dict(evidence.calls)
    # GetFunctionConfiguration one per Lambda, GetRole one per Lambda and the drift check's role.
    assert max(first_run.values()) == first_run["iam:GetRole"] == len(platform.lambdas.functions) + 1
    run_live(platform, evidence)
    assert dict(evidence.calls) == first_run
