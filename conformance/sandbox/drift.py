"""Realistic drift, applied to a deployed sandbox through boto3 (the way a person with console or
CLI access would change things behind Terraform's back), so the live checks can be seen to catch it.

Each scenario returns an `AppliedDrift` that says what it changed and can put it back exactly
(`restore()`), so a test can apply them one after another on one deployment. From the command
line a drift stays until `deploy` runs again (Terraform puts the resources back).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from conformance.platform.model import Names, Platform
from conformance.sandbox.emulator import aws_client


class DriftError(RuntimeError):
    """A scenario that cannot be applied (unknown name, or the resource is not deployed)."""


@dataclass
class AppliedDrift:
    """A drift that was applied: what changed, and how to put it back."""

    scenario: str
    changed: str
    restore: Callable[[], None] = field(repr=False)


@dataclass
class Context:
    """The deployed environment a scenario works on: names from the spec, clients for the emulator."""

    platform: Platform
    env: str
    endpoint_url: str
    _clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            region = self.platform.environments[self.env].region
            self._clients[service] = aws_client(service, self.endpoint_url, region)
        return self._clients[service]

    @property
    def names(self) -> Names:
        return self.platform.names(self.env)


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    # The live criterion expected to fail once the drift is applied.
    caught_by: str
    apply: Callable[[Context], AppliedDrift]


def _queue_url(ctx: Context, name: str) -> str:
    try:
        return ctx.client("sqs").get_queue_url(QueueName=name)["QueueUrl"]
    except ClientError as error:
        raise DriftError(f"queue {name} is not deployed ({error.response['Error']['Code']})") from None


def pitr_disabled(ctx: Context) -> AppliedDrift:
    table = ctx.names.table
    dynamodb = ctx.client("dynamodb")

    def set_pitr(enabled: bool) -> None:
        dynamodb.update_continuous_backups(
            TableName=table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": enabled}
        )

    set_pitr(False)
    return AppliedDrift("pitr-disabled", f"{table}: point-in-time recovery ENABLED -> DISABLED", lambda: set_pitr(True))


def dlq_receive_count(ctx: Context) -> AppliedDrift:
    sqs = ctx.client("sqs")
    url = _queue_url(ctx, ctx.names.queue)
    original = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
    policy = json.loads(original)
    before = int(policy["maxReceiveCount"])
    policy["maxReceiveCount"] = before + 7
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": json.dumps(policy, separators=(",", ":"))})
    return AppliedDrift(
        "dlq-receive-count",
        f"{ctx.names.queue}: redrive maxReceiveCount {before} -> {before + 7}",
        lambda: sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": original}),
    )


def retention_changed(ctx: Context) -> AppliedDrift:
    sqs = ctx.client("sqs")
    url = _queue_url(ctx, ctx.names.queue)
    attribute = "MessageRetentionPeriod"
    before = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[attribute])["Attributes"][attribute]
    after = "86400" if before != "86400" else "172800"
    sqs.set_queue_attributes(QueueUrl=url, Attributes={attribute: after})
    return AppliedDrift(
        "retention-changed",
        f"{ctx.names.queue}: message retention {before} -> {after} seconds",
        lambda: sqs.set_queue_attributes(QueueUrl=url, Attributes={attribute: before}),
    )


def lifecycle_removed(ctx: Context) -> AppliedDrift:
    s3 = ctx.client("s3")
    bucket = ctx.names.audit_bucket
    try:
        current = s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    except ClientError as error:
        raise DriftError(f"bucket {bucket} has no lifecycle to remove ({error.response['Error']['Code']})") from None
    rules = current["Rules"]
    s3.delete_bucket_lifecycle(Bucket=bucket)
    return AppliedDrift(
        "lifecycle-removed",
        f"{bucket}: lifecycle configuration ({len(rules)} rule(s)) deleted",
        lambda: s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules}),
    )


def alert_topic_deleted(ctx: Context) -> AppliedDrift:
    sns = ctx.client("sns")
    name = ctx.names.alert_topic
    arns = [t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].rsplit(":", 1)[1] == name]
    if not arns:
        raise DriftError(f"topic {name} is not deployed")
    arn = arns[0]
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    tags = sns.list_tags_for_resource(ResourceArn=arn).get("Tags", [])
    kept = {
        k: attributes[k] for k in ("Policy", "KmsMasterKeyId", "DisplayName", "DeliveryPolicy") if attributes.get(k)
    }
    sns.delete_topic(TopicArn=arn)

    def restore() -> None:
        sns.create_topic(Name=name, Attributes=kept, **({"Tags": tags} if tags else {}))

    return AppliedDrift("alert-topic-deleted", f"{arn}: deleted", restore)


def state_output_removed(ctx: Context) -> AppliedDrift:
    s3 = ctx.client("s3")
    dynamodb = ctx.client("dynamodb")
    bucket, key, lock_table = ctx.names.state_bucket, ctx.names.state_key, ctx.names.lock_table
    try:
        original = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        raise DriftError(f"s3://{bucket}/{key} is not there ({error.response['Error']['Code']})") from None
    state = json.loads(original)
    lambdas = ctx.platform.lambdas
    wanted = [lambdas.remote_state_locals[name] for name in lambdas.required_locals]
    output = next((name for name in wanted if name in state.get("outputs", {})), None)
    if output is None:
        raise DriftError(f"s3://{bucket}/{key} has none of the outputs {', '.join(wanted)}")
    del state["outputs"][output]
    state["serial"] = int(state.get("serial", 0)) + 1
    # The S3 backend keeps the state's MD5 in the lock table: write it as Terraform would, so the
    # drift looks like an apply of code without the output, not like a corrupt state.
    digest_key = {"LockID": {"S": f"{bucket}/{key}-md5"}}
    original_digest = dynamodb.get_item(TableName=lock_table, Key=digest_key).get("Item")

    def write(body: bytes) -> None:
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")
        item = {**digest_key, "Digest": {"S": hashlib.md5(body, usedforsecurity=False).hexdigest()}}
        dynamodb.put_item(TableName=lock_table, Item=item)

    def restore() -> None:
        s3.put_object(Bucket=bucket, Key=key, Body=original, ContentType="application/json")
        if original_digest:
            dynamodb.put_item(TableName=lock_table, Item=original_digest)

    write(json.dumps(state, indent=2).encode() + b"\n")
    return AppliedDrift("state-output-removed", f"s3://{bucket}/{key}: output {output} removed", restore)


def subscription_not_raw(ctx: Context) -> AppliedDrift:
    """The change queue's subscription to the events topic delivers the SNS envelope instead of the event."""
    sns, sqs = ctx.client("sns"), ctx.client("sqs")
    queue = ctx.names.queue
    queue_arn = sqs.get_queue_attributes(QueueUrl=_queue_url(ctx, queue), AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    try:
        subscriptions = sns.list_subscriptions_by_topic(TopicArn=ctx.names.events_topic_arn)["Subscriptions"]
    except ClientError as error:
        raise DriftError(
            f"topic {ctx.names.events_topic} is not deployed ({error.response['Error']['Code']})"
        ) from None
    arn = next((s["SubscriptionArn"] for s in subscriptions if s["Endpoint"] == queue_arn), None)
    if arn is None:
        raise DriftError(f"{queue} is not subscribed to {ctx.names.events_topic}")
    before = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"].get("RawMessageDelivery", "false")

    def set_raw(raw: str) -> None:
        sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="RawMessageDelivery", AttributeValue=raw)

    set_raw("false")
    return AppliedDrift("subscription-not-raw", f"{arn}: RawMessageDelivery {before} -> false", lambda: set_raw(before))


def stage_throttling_raised(ctx: Context) -> AppliedDrift:
    """The stage's burst limit for every method raised tenfold (as someone would for a load test)."""
    apigateway = ctx.client("apigateway")
    name = ctx.names.rest_api
    apis = [a for a in apigateway.get_rest_apis(limit=500).get("items", []) if a.get("name") == name]
    if len(apis) != 1:
        raise DriftError(f"REST API {name}: expected exactly one, found {len(apis)}")
    api_id = apis[0]["id"]
    try:
        stage = apigateway.get_stage(restApiId=api_id, stageName=ctx.env)
    except ClientError as error:
        raise DriftError(f"stage {ctx.env} of {name} is not deployed ({error.response['Error']['Code']})") from None
    before = (stage.get("methodSettings") or {}).get("*/*", {}).get("throttlingBurstLimit")
    if before is None:
        raise DriftError(f"stage {ctx.env} of {name} has no throttling for */* to change")
    after = int(before) * 10

    def set_burst(value: int) -> None:
        operation = {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": str(value)}
        apigateway.update_stage(restApiId=api_id, stageName=ctx.env, patchOperations=[operation])

    set_burst(after)
    return AppliedDrift(
        "stage-throttling-raised", f"{name}/{ctx.env}: */* burst limit {before} -> {after}", lambda: set_burst(before)
    )


SCENARIOS = {
    s.name: s
    for s in (
        Scenario("pitr-disabled", "point-in-time recovery switched off on the table", "INF-DDB-PITR", pitr_disabled),
        Scenario(
            "dlq-receive-count",
            "the change queue's redrive maxReceiveCount raised by 7",
            "INF-SQS-RECEIVE-COUNT",
            dlq_receive_count,
        ),
        Scenario(
            "retention-changed",
            "the change queue's message retention cut to a day (or two)",
            "INF-SQS-RETENTION",
            retention_changed,
        ),
        Scenario(
            "lifecycle-removed",
            "the audit bucket's Glacier lifecycle configuration deleted",
            "INF-S3-GLACIER",
            lifecycle_removed,
        ),
        Scenario("alert-topic-deleted", "the SNS alert topic deleted", "INF-SNS-TOPIC", alert_topic_deleted),
        Scenario(
            "subscription-not-raw",
            "the change queue's subscription to the events topic no longer delivers the raw event",
            "INF-SNS-FAN-OUT",
            subscription_not_raw,
        ),
        Scenario(
            "stage-throttling-raised",
            "the API stage's burst limit for every method raised tenfold",
            "INF-APIGW-STAGE",
            stage_throttling_raised,
        ),
        Scenario(
            "state-output-removed",
            "an output the Lambda repositories read removed from the infrastructure state",
            "INF-STATE-OUTPUTS",
            state_output_removed,
        ),
    )
}


def apply_drift(name: str, platform: Platform, env: str, endpoint_url: str) -> AppliedDrift:
    scenario = SCENARIOS.get(name)
    if scenario is None:
        raise DriftError(f"--scenario: expected one of {', '.join(SCENARIOS)}, found {name!r}")
    return scenario.apply(Context(platform, env, endpoint_url))
