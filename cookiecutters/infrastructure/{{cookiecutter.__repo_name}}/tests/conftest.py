"""Fixtures: an emulated AWS account (moto) holding a conformant deployment of one environment.

Everything the fixtures create is derived from the expected values in
scripts/validate_infrastructure.py, so these tests follow the platform spec it was rendered from.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
import validate_infrastructure as vi
from moto import mock_aws

# The environment the tests deploy and check: the first one of the platform.
ENV = next(iter(vi.ENVIRONMENTS))
REGION = vi.ENVIRONMENTS[ENV]["region"]
ACCOUNT_ID = vi.ENVIRONMENTS[ENV]["account_id"]


@pytest.fixture
def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials for moto only: never the ones of the person running the tests."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("MOTO_ACCOUNT_ID", ACCOUNT_ID)


@pytest.fixture
def session(fake_credentials: None) -> Iterator[boto3.session.Session]:
    """An empty emulated account of the environment."""
    with mock_aws():
        yield boto3.session.Session(region_name=REGION)


@pytest.fixture
def deployed(session: boto3.session.Session) -> boto3.session.Session:
    """The emulated account with every resource deployed as specified."""
    deploy(session, ENV)
    return session


def deploy(session: boto3.session.Session, env: str) -> None:
    names = vi.names_for(env)
    deploy_table(session, names["table"])
    deploy_queues(session, names["queue"], names["dead_letter"])
    deploy_bucket(session, names["audit_bucket"])
    topic_arn = session.client("sns").create_topic(Name=names["alert_topic"])["TopicArn"]
    deploy_alarm(session, names["dlq_alarm"], names["dead_letter"], topic_arn)
    deploy_rest_api(session, names["rest_api"])
    iam = session.client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    for pattern in vi.ROLE_NAMES.values():
        iam.create_role(RoleName=pattern.format(env=env), AssumeRolePolicyDocument=json.dumps(trust))


def deploy_table(session: boto3.session.Session, name: str) -> None:
    dynamodb = session.client("dynamodb")
    attributes = {key: value_type for key, _, value_type in vi.TABLE["key_schema"]}
    indexes = []
    for index_name, keys in vi.TABLE["global_secondary_indexes"].items():
        attributes.update({key: value_type for key, _, value_type in keys})
        indexes.append(
            {
                "IndexName": index_name,
                "KeySchema": [{"AttributeName": key, "KeyType": kind} for key, kind, _ in keys],
                "Projection": {"ProjectionType": vi.TABLE["projection_type"]},
            }
        )
    dynamodb.create_table(
        TableName=name,
        BillingMode=vi.TABLE["billing_mode"],
        KeySchema=[{"AttributeName": key, "KeyType": kind} for key, kind, _ in vi.TABLE["key_schema"]],
        AttributeDefinitions=[
            {"AttributeName": key, "AttributeType": value_type} for key, value_type in attributes.items()
        ],
        GlobalSecondaryIndexes=indexes,
        SSESpecification={"Enabled": True},
    )
    dynamodb.update_continuous_backups(
        TableName=name,
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": vi.TABLE["point_in_time_recovery"]},
    )


def deploy_queues(session: boto3.session.Session, name: str, dead_letter_name: str) -> None:
    sqs = session.client("sqs")
    dead_letter_url = sqs.create_queue(
        QueueName=dead_letter_name,
        Attributes={"MessageRetentionPeriod": str(vi.QUEUE["dead_letter_retention_seconds"])},
    )["QueueUrl"]
    dead_letter_arn = sqs.get_queue_attributes(QueueUrl=dead_letter_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = {"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": vi.QUEUE["max_receive_count"]}
    sqs.create_queue(
        QueueName=name,
        Attributes={
            "MessageRetentionPeriod": str(vi.QUEUE["message_retention_seconds"]),
            "VisibilityTimeout": str(vi.QUEUE["visibility_timeout_seconds"]),
            "RedrivePolicy": json.dumps(redrive),
        },
    )


def deploy_bucket(session: boto3.session.Session, name: str) -> None:
    s3 = session.client("s3")
    location = {} if REGION == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": REGION}}
    s3.create_bucket(Bucket=name, **location)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket=name,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "archive-to-glacier",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "Transitions": [{"Days": vi.GLACIER_AFTER_DAYS, "StorageClass": vi.GLACIER}],
                }
            ]
        },
    )


def deploy_alarm(session: boto3.session.Session, name: str, dead_letter_name: str, topic_arn: str) -> None:
    session.client("cloudwatch").put_metric_alarm(
        AlarmName=name,
        Namespace=vi.DLQ_ALARM["namespace"],
        MetricName=vi.DLQ_ALARM["metric_name"],
        Dimensions=[{"Name": "QueueName", "Value": dead_letter_name}],
        Statistic="Maximum",
        Period=vi.DLQ_ALARM["period_seconds"],
        EvaluationPeriods=1,
        Threshold=float(vi.DLQ_ALARM["threshold"]),
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
        AlarmActions=[topic_arn],
        OKActions=[topic_arn],
    )


def deploy_rest_api(session: boto3.session.Session, name: str) -> None:
    apigateway = session.client("apigateway")
    api = apigateway.create_rest_api(name=name, endpointConfiguration={"types": ["REGIONAL"]})
    ids = {"": api["rootResourceId"]}
    for path in sorted(vi.API_PATHS):
        prefix = ""
        for part in path.strip("/").split("/"):
            parent, prefix = prefix, f"{prefix}/{part}"
            if prefix not in ids:
                created = apigateway.create_resource(restApiId=api["id"], parentId=ids[parent], pathPart=part)
                ids[prefix] = created["id"]
