"""A CONFORMANT deployment of one env, made with boto3 (against moto) from the platform spec.

Every name and number comes from `conformance.platform` (the same `Names` the live checks
use), so the deployment is what the generated Terraform would create, and the Terraform state
object put in the env's state bucket holds every required output with the live value.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

from conformance.platform.model import Kind, LambdaFunction, Names, Operation, Platform

LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def tiny_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("src/handler.py", "def handler(event, context):\n    return {}\n")
    return buffer.getvalue()


@dataclass
class Deployment:
    """What was deployed, for tests that drift it: the writer session and the live values."""

    platform: Platform
    env: str
    session: Any
    endpoint_url: str | None = None
    values: dict[str, str] = field(default_factory=dict)  # output source -> live value
    function_arns: dict[str, str] = field(default_factory=dict)
    resource_ids: dict[str, str] = field(default_factory=dict)  # API path -> resource id

    @property
    def names(self) -> Names:
        return Names(self.platform, self.env)

    @property
    def region(self) -> str:
        return self.platform.environments[self.env].region

    def client(self, service: str) -> Any:
        return self.session.client(service, region_name=self.region, endpoint_url=self.endpoint_url)

    def state_document(self, outputs: dict[str, Any] | None = None) -> dict[str, Any]:
        """A Terraform state v4 as the S3 backend stores it, outputs from the live values."""
        if outputs is None:
            infra = self.platform.infrastructure
            outputs = {name: self.values[source] for name, source in infra.outputs.items()}
        return {
            "version": 4,
            "terraform_version": self.platform.github.terraform_version,
            "serial": 1,
            "lineage": "00000000-0000-0000-0000-000000000000",
            "outputs": {name: {"value": value, "type": "string"} for name, value in outputs.items()},
            "resources": [],
            "check_results": None,
        }

    def put_state(self, outputs: dict[str, Any] | None = None) -> None:
        body = json.dumps(self.state_document(outputs)).encode()
        self.client("s3").put_object(Bucket=self.names.state_bucket, Key=self.names.state_key, Body=body)


def environment_variables(
    platform: Platform, env: str, function: LambdaFunction, queue_urls: dict[str, str]
) -> dict[str, str]:
    """The variables the generated lambda.tf gives the function."""
    names = Names(platform, env)
    variables = {"ENVIRONMENT": env, "LOG_LEVEL": "INFO"}
    if function.dynamodb:
        variables["TABLE_NAME"] = names.table
    if function.publishes_changes:
        variables["TOPIC_ARN"] = names.events_topic_arn
    if function.consumed_queue is not None:
        variables["QUEUE_URL"] = queue_urls[function.consumed_queue]
    if function.operation is Operation.AUDIT:
        variables["AUDIT_BUCKET"] = names.audit_bucket
    return variables


def conformance_trust(d: Deployment) -> dict[str, Any]:
    """The drift role's trust policy for the deployment's env, as the infrastructure template writes it."""
    account = d.platform.environments[d.env].account_id
    github = "token.actions.githubusercontent.com"
    condition = {
        "StringEquals": {f"{github}:aud": "sts.amazonaws.com", f"{github}:sub": d.platform.conformance_subjects(d.env)}
    }
    principal = {"Federated": f"arn:aws:iam::{account}:oidc-provider/{github}"}
    statement = {"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity", "Principal": principal}
    return {"Version": "2012-10-17", "Statement": [{**statement, "Condition": condition}]}


def deploy(platform: Platform, env: str, session: Any, endpoint_url: str | None = None) -> Deployment:
    """Create every resource of `env` as the spec wants it, and the state object."""
    d = Deployment(platform, env, session, endpoint_url)
    names, region, infra = d.names, d.region, platform.infrastructure
    account = d.client("sts").get_caller_identity()["Account"]

    # DynamoDB
    table = infra.table
    attributes = [{"AttributeName": n, "AttributeType": t} for n, t in table.attributes.items()]

    def key_schema(hash_key: Any, range_key: Any) -> list[dict[str, str]]:
        keys = [{"AttributeName": hash_key.name, "KeyType": "HASH"}]
        return keys + ([{"AttributeName": range_key.name, "KeyType": "RANGE"}] if range_key else [])

    ddb = d.client("dynamodb")
    created = ddb.create_table(
        TableName=names.table,
        BillingMode=table.billing_mode.value,
        AttributeDefinitions=attributes,
        KeySchema=key_schema(table.hash_key, table.range_key),
        GlobalSecondaryIndexes=[
            {
                "IndexName": g.name,
                "KeySchema": key_schema(g.hash_key, g.range_key),
                "Projection": {"ProjectionType": "ALL"},
            }
            for g in table.global_secondary_indexes
        ],
        SSESpecification={"Enabled": True, "SSEType": "KMS"},
    )["TableDescription"]
    ddb.update_continuous_backups(
        TableName=names.table,
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": table.point_in_time_recovery},
    )
    d.values["table.name"], d.values["table.arn"] = names.table, created["TableArn"]

    # SQS: each consumer's queue with its dead-letter queue (the change queue and the audit queue)
    sqs = d.client("sqs")
    queue_urls: dict[str, str] = {}
    queue_arns: dict[str, str] = {}
    for key, name, dead_letter_name in (
        ("queue", names.queue, names.dead_letter),
        ("audit_queue", names.audit_queue, platform.name(infra.audit_queue.dead_letter.thing, env)),
    ):
        queue = infra.queue_spec(key)
        dlq_url = sqs.create_queue(
            QueueName=dead_letter_name,
            Attributes={
                "MessageRetentionPeriod": str(queue.dead_letter.message_retention_seconds),
                "SqsManagedSseEnabled": "true",
            },
        )["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        queue_urls[key] = sqs.create_queue(
            QueueName=name,
            Attributes={
                "MessageRetentionPeriod": str(queue.message_retention_seconds),
                "VisibilityTimeout": str(queue.visibility_timeout_seconds),
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": queue.dead_letter.max_receive_count}
                ),
                "SqsManagedSseEnabled": "true",
            },
        )["QueueUrl"]
        queue_arns[key] = sqs.get_queue_attributes(QueueUrl=queue_urls[key], AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        if key == "queue":
            d.values.update({"queue.url": queue_urls[key], "queue.arn": queue_arns[key], "dead_letter.url": dlq_url})
            d.values["dead_letter.arn"] = dlq_arn
    # The events topic, each consumer's queue subscribed (raw delivery)
    sns = d.client("sns")
    events_topic = sns.create_topic(Name=platform.name(infra.events_topic.thing, env))["TopicArn"]
    for arn in queue_arns.values():
        sns.subscribe(TopicArn=events_topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})

    # S3: the audit bucket and the state bucket
    s3 = d.client("s3")
    location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    for bucket in (names.audit_bucket, names.state_bucket):
        s3.create_bucket(Bucket=bucket, **location)
        s3.put_public_access_block(
            Bucket=bucket,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_lifecycle_configuration(
        Bucket=names.audit_bucket,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "archive-to-glacier",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "Transitions": [{"Days": infra.audit_bucket.glacier_after_days, "StorageClass": "GLACIER"}],
                }
            ]
        },
    )
    d.values["audit_bucket.bucket"] = names.audit_bucket
    d.values["audit_bucket.arn"] = f"arn:aws:s3:::{names.audit_bucket}"

    # SNS and the DLQ alarm
    topic_arn = d.client("sns").create_topic(Name=names.alert_topic)["TopicArn"]
    d.values["alert_topic.arn"], d.values["alert_topic.name"] = topic_arn, names.alert_topic
    alarm = infra.dlq_alarm
    d.client("cloudwatch").put_metric_alarm(
        AlarmName=names.dlq_alarm,
        Namespace="AWS/SQS",
        MetricName="ApproximateNumberOfMessagesVisible",
        Dimensions=[{"Name": "QueueName", "Value": names.dead_letter}],
        Statistic="Maximum",
        Period=alarm.period_seconds,
        EvaluationPeriods=1,
        Threshold=float(alarm.threshold),
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
        AlarmActions=[topic_arn],
        OKActions=[topic_arn],
    )

    # IAM roles and the Lambda functions
    iam, lam = d.client("iam"), d.client("lambda")
    code = tiny_zip()
    for function in platform.lambdas.functions:
        role = iam.create_role(RoleName=names.role(function), AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]
        created_function = lam.create_function(
            FunctionName=names.function(function),
            Runtime=platform.lambdas.runtime,
            Role=role["Arn"],
            Handler="src.handler.handler",
            Code={"ZipFile": code},
            MemorySize=platform.lambdas.memory_mb,
            Timeout=platform.lambdas.timeout_seconds,
            Environment={"Variables": environment_variables(platform, env, function, queue_urls)},
        )
        d.function_arns[function.name] = created_function["FunctionArn"]
        if function.kind is Kind.SQS:
            lam.create_event_source_mapping(
                EventSourceArn=queue_arns[function.consumed_queue or "queue"],
                FunctionName=names.function(function),
                BatchSize=platform.lambdas.batch_size,
                FunctionResponseTypes=["ReportBatchItemFailures"],
            )

    # The drift check's role: trusted by the conformance repository's OIDC subjects of this env only
    iam.create_role(RoleName=names.conformance_role, AssumeRolePolicyDocument=json.dumps(conformance_trust(d)))

    # The REST API: a resource per path of the spec, a method and a proxy integration per API Lambda
    api = d.client("apigateway")
    rest_api = api.create_rest_api(name=names.rest_api, endpointConfiguration={"types": ["REGIONAL"]})
    api_id, root_id = rest_api["id"], rest_api["rootResourceId"]
    d.resource_ids["/"] = root_id
    for function in platform.lambdas.functions:
        if function.kind is not Kind.API or function.path is None or function.http_method is None:
            continue
        parent = root_id
        path = ""
        for part in function.path.strip("/").split("/"):
            path += f"/{part}"
            if path not in d.resource_ids:
                d.resource_ids[path] = api.create_resource(restApiId=api_id, parentId=parent, pathPart=part)["id"]
            parent = d.resource_ids[path]
        api.put_method(
            restApiId=api_id,
            resourceId=parent,
            httpMethod=function.http_method,
            authorizationType=platform.authorization(function) or "NONE",
        )
        api.put_integration(
            restApiId=api_id,
            resourceId=parent,
            httpMethod=function.http_method,
            type="AWS_PROXY",
            integrationHttpMethod="POST",
            uri=f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{d.function_arns[function.name]}/invocations",
        )
    d.values["rest_api.id"], d.values["rest_api.root_resource_id"] = api_id, root_id
    # The stage named after the env: a deployment, access logs to the spec's log group, every method throttled
    log_group = names.api_access_log_group
    d.client("logs").create_log_group(logGroupName=log_group)
    d.values["api_access_log_group.arn"] = f"arn:aws:logs:{region}:{account}:log-group:{log_group}"
    deployment_id = api.create_deployment(restApiId=api_id, description="conformant")["id"]
    api.create_stage(restApiId=api_id, stageName=env, deploymentId=deployment_id)
    stage = infra.api_stage
    api.update_stage(
        restApiId=api_id,
        stageName=env,
        patchOperations=[
            {
                "op": "replace",
                "path": "/accessLogSettings/destinationArn",
                "value": d.values["api_access_log_group.arn"],
            },
            {"op": "replace", "path": "/accessLogSettings/format", "value": '{"requestId":"$context.requestId"}'},
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": str(stage.throttling_burst_limit)},
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": str(stage.throttling_rate_limit)},
        ],
    )
    d.values["rest_api.execution_arn"] = f"arn:aws:execute-api:{region}:{account}:{api_id}"

    d.put_state()
    return d
