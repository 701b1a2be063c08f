"""The infrastructure's Terraform state, read as the Lambda repos' data.tf reads it, and the
live value of each output's source (`table.arn`, `queue.url`, ...) to compare it with.

The state object is `s3://<state bucket of the env>/<infrastructure repo's state key>`: the
bucket and key come from the spec, exactly as data.tf's `terraform_remote_state` config does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from conformance.core import Problem, Read
from conformance.live import apigateway, dynamodb, s3, sns, sqs
from conformance.live.errors import Subject
from conformance.live.session import LiveEnv
from conformance.platform.model import LambdaFunction, Platform

KIND = "state"
STATE_READ = Read("s3", "GetObject", "state")
GET_OBJECT = "get_object → outputs"


def document(live: LiveEnv) -> bytes:
    """The state object's bytes (the streamed body is read once, inside the cached call)."""
    names = live.names
    subject = Subject(names.state, "the infrastructure state object", KIND)
    params = {"Bucket": names.state_bucket, "Key": names.state_key}
    return live.call("s3", "GetObject", params, subject, post=lambda response: response["Body"].read())


def outputs(live: LiveEnv) -> dict[str, Any] | Problem:
    """The state's outputs (name -> entry), or the drift saying what the object holds instead."""
    where = live.names.state
    try:
        state = json.loads(document(live))
    except ValueError:
        return Problem.drift(where, "a Terraform state (JSON)", "a body that is not JSON", "get_object → Body")
    found = state.get("outputs") if isinstance(state, dict) else None
    if not isinstance(found, dict):
        return Problem.drift(where, "a Terraform state with outputs", "none", GET_OBJECT)
    return found


def _api_arn(live: LiveEnv) -> str:
    return f"arn:{live.partition}:execute-api:{live.region}:{live.account}:{apigateway.rest_api(live)['id']}"


def _bucket(live: LiveEnv, arn: bool) -> str:
    s3.region(live)  # the bucket exists (or Missing)
    name = live.names.audit_bucket
    return f"arn:{live.partition}:s3:::{name}" if arn else name


def _topic(live: LiveEnv, arn: bool) -> str:
    found = sns.attributes(live)["TopicArn"]
    return found if arn else found.rsplit(":", 1)[-1]


# output source (`resource.attribute` of the spec) -> (live value, the reads it takes)
SOURCES: dict[str, tuple[Callable[[LiveEnv], str], tuple[str, ...]]] = {
    "rest_api.id": (lambda live: apigateway.rest_api(live)["id"], ("apigateway:GetRestApis@rest_api",)),
    "rest_api.root_resource_id": (
        lambda live: apigateway.rest_api(live)["rootResourceId"],
        ("apigateway:GetRestApis@rest_api",),
    ),
    "rest_api.execution_arn": (_api_arn, ("apigateway:GetRestApis@rest_api",)),
    "table.name": (lambda live: dynamodb.table(live)["TableName"], ("dynamodb:DescribeTable@table",)),
    "table.arn": (lambda live: dynamodb.table(live)["TableArn"], ("dynamodb:DescribeTable@table",)),
    "queue.url": (lambda live: sqs.queue_url(live, "queue"), ("sqs:GetQueueUrl@queue",)),
    "queue.arn": (
        lambda live: sqs.attributes(live, "queue")["QueueArn"],
        ("sqs:GetQueueUrl@queue", "sqs:GetQueueAttributes@queue"),
    ),
    "dead_letter.url": (lambda live: sqs.queue_url(live, "dead_letter"), ("sqs:GetQueueUrl@dead_letter",)),
    "dead_letter.arn": (
        lambda live: sqs.attributes(live, "dead_letter")["QueueArn"],
        ("sqs:GetQueueUrl@dead_letter", "sqs:GetQueueAttributes@dead_letter"),
    ),
    "audit_bucket.bucket": (lambda live: _bucket(live, arn=False), ("s3:GetBucketLocation@audit_bucket",)),
    "audit_bucket.arn": (lambda live: _bucket(live, arn=True), ("s3:GetBucketLocation@audit_bucket",)),
    "alert_topic.arn": (lambda live: _topic(live, arn=True), ("sns:GetTopicAttributes@alert_topic",)),
    "alert_topic.name": (lambda live: _topic(live, arn=False), ("sns:GetTopicAttributes@alert_topic",)),
}


def live_value(live: LiveEnv, source: str) -> str:
    return SOURCES[source][0](live)


def reads(platform: Platform, _: LambdaFunction | None) -> Iterable[Read]:
    """The state object, and the reads behind every output the spec requires."""
    yield STATE_READ
    for source in platform.infrastructure.outputs.values():
        yield from (Read.parse(text) for text in SOURCES[source][1])
