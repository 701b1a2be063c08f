{%- set op = cookiecutter.operation %}
{%- set is_api = cookiecutter.kind == 'api' %}
{%- set uses_table = cookiecutter.dynamodb == 'yes' %}
{%- set publishes = op in ['create', 'update', 'delete'] %}
{%- set table = cookiecutter._platform.table %}
{%- set names = cookiecutter._platform.names %}
{%- set deploy_names = cookiecutter._platform.deploy.names %}
{%- set function = cookiecutter._platform.functions | selectattr('name', 'equalto', cookiecutter.lambda_name) | first | default(none) %}
{%- set own_queue = deploy_names.audit_queue if function and function.queue == 'audit_queue' else names.queue -%}
"""Shared fixtures: AWS is mocked with moto; names, region and keys come from the platform spec.

The table is created the way the infrastructure repository creates it (same keys and indexes),
so the repository code is tested against the real key schema.
"""

from __future__ import annotations

import json
{%- if is_api %}
from collections.abc import Callable, Iterator
{%- else %}
from collections.abc import Iterator
{%- endif %}
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID

from src.handler import get_service
from src.models.product import Product, ProductFields
from src.utils.logger import get_logger

# Test names: the deployed names with "test" as the environment.
TEST_ENVIRONMENT = "test"
REGION = "{{ cookiecutter.dev_region }}"
FUNCTION_NAME = "{{ cookiecutter.__function_name.replace('${var.environment}', 'test') }}"
TABLE_NAME = "{{ names.table.replace('${var.environment}', 'test') }}"
# The queue this function reads (event-driven) or one like it, subscribed to the events topic.
QUEUE_NAME = "{{ own_queue.replace('${var.environment}', 'test') }}"
TOPIC_NAME = "{{ deploy_names.events_topic.replace('${var.environment}', 'test') }}"
AUDIT_BUCKET = "{{ names.audit_bucket.replace('${var.environment}', 'test') }}"
{%- if uses_table %}

# The products table as infra/platform.yaml describes it.
KEY_SCHEMA = [
    {"AttributeName": "{{ table.hash_key.name }}", "KeyType": "HASH"},
{%- if table.range_key %}
    {"AttributeName": "{{ table.range_key.name }}", "KeyType": "RANGE"},
{%- endif %}
]
ATTRIBUTE_DEFINITIONS = [
{%- for attribute in table.attributes %}
    {"AttributeName": "{{ attribute.name }}", "AttributeType": "{{ attribute.type }}"},
{%- endfor %}
]
GLOBAL_SECONDARY_INDEXES = [
{%- for index in table.global_secondary_indexes %}
    {
        "IndexName": "{{ index.name }}",
        "KeySchema": [
            {"AttributeName": "{{ index.hash_key.name }}", "KeyType": "HASH"},
{%- if index.range_key %}
            {"AttributeName": "{{ index.range_key.name }}", "KeyType": "RANGE"},
{%- endif %}
        ],
        "Projection": {"ProjectionType": "ALL"},
    },
{%- endfor %}
]
{%- endif %}


@dataclass
class FakeLambdaContext:
    """The attributes of the Lambda context object this code reads."""

    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    function_name: str = FUNCTION_NAME
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = {{ cookiecutter._platform.lambdas.memory_mb }}
    invoked_function_arn: str = (
        f"arn:aws:lambda:{REGION}:{DEFAULT_ACCOUNT_ID}:function:{FUNCTION_NAME}"
    )

    def get_remaining_time_in_millis(self) -> int:
        return {{ cookiecutter._platform.lambdas.timeout_seconds }} * 1000


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials and the variables Terraform sets on the function; no real AWS call."""
    variables = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME,
        "ENVIRONMENT": TEST_ENVIRONMENT,
        "LOG_LEVEL": "DEBUG",
        "TABLE_NAME": TABLE_NAME,
        "AUDIT_BUCKET": AUDIT_BUCKET,
    }
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    get_logger()  # the level follows LOG_LEVEL again, whatever a previous test set
    get_service.cache_clear()
    yield
    get_service.cache_clear()


@pytest.fixture
def aws() -> Iterator[None]:
    """Every boto3 call inside the test goes to moto."""
    with mock_aws():
        yield
{%- if uses_table %}


@pytest.fixture
def table(aws: None) -> Any:
    """The products table (boto3 Table resource), empty."""
    dynamodb = boto3.resource("dynamodb", region_name=REGION)
    return dynamodb.create_table(
        TableName=TABLE_NAME,
        KeySchema=KEY_SCHEMA,
        AttributeDefinitions=ATTRIBUTE_DEFINITIONS,
        GlobalSecondaryIndexes=GLOBAL_SECONDARY_INDEXES,
        # On-demand in tests whatever the deployed billing mode: no capacity to configure.
        BillingMode="PAY_PER_REQUEST",
    )
{%- endif %}


@pytest.fixture
def queue_url(aws: None, monkeypatch: pytest.MonkeyPatch) -> str:
    """A queue subscribed to the product events topic with raw message delivery, as each
    consumer's queue is: what the function publishes arrives here. TOPIC_ARN points at the topic,
    QUEUE_URL at the queue."""
    sqs = boto3.client("sqs", region_name=REGION)
    sns = boto3.client("sns", region_name=REGION)
    url = sqs.create_queue(QueueName=QUEUE_NAME)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    topic_arn = sns.create_topic(Name=TOPIC_NAME)["TopicArn"]
    sns.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=arn["QueueArn"],
        Attributes={"RawMessageDelivery": "true"},
    )
    monkeypatch.setenv("TOPIC_ARN", topic_arn)
    monkeypatch.setenv("QUEUE_URL", url)
    return url


def receive_messages(url: str) -> list[dict[str, Any]]:
    """Every message waiting in the queue (with message attributes)."""
    sqs = boto3.client("sqs", region_name=REGION)
    messages: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages", [])
        if not batch:
            return messages
        messages.extend(batch)
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
def audit_bucket(aws: None) -> str:
    """The audit bucket, empty."""
    s3 = boto3.client("s3", region_name=REGION)
    try:
        s3.create_bucket(
            Bucket=AUDIT_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
    except s3.exceptions.ClientError:
        # S3's original region refuses a LocationConstraint naming itself.
        s3.create_bucket(Bucket=AUDIT_BUCKET)
    return AUDIT_BUCKET


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture
def product_fields() -> ProductFields:
    return ProductFields(
        name="Espresso Machine",
        price=Decimal("4999.99"),
        currency="ZAR",
        description="15-bar pump, stainless steel",
    )


@pytest.fixture
def product(product_fields: ProductFields) -> Product:
    return Product.new(product_fields)


def make_product(name: str, price: str, currency: str = "ZAR") -> Product:
    return Product.new(ProductFields(name=name, price=Decimal(price), currency=currency))


def read_log_lines(captured: str) -> list[dict[str, Any]]:
    """The JSON log lines written to stdout (each line one object)."""
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]
{%- if is_api %}


@pytest.fixture
def api_event() -> Callable[..., dict[str, Any]]:
    """A factory of API Gateway REST (v1) proxy events for {{ cookiecutter.http_method | upper }} {{ cookiecutter.path }}."""

    def make(
        path_parameters: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        body: Any = None,
        raw_body: str | None = None,
    ) -> dict[str, Any]:
        path = "{{ cookiecutter.path }}"
        for name, value in (path_parameters or {}).items():
            path = path.replace("{" + name + "}", value)
        if raw_body is None and body is not None:
            raw_body = json.dumps(body)
        return {
            "resource": "{{ cookiecutter.path }}",
            "path": path,
            "httpMethod": "{{ cookiecutter.http_method | upper }}",
            "headers": {
                "Accept": "application/json",
                "Content-Type": "application/json",
                "Host": "abc123.execute-api.{{ cookiecutter.dev_region }}.amazonaws.com",
                "User-Agent": "pytest",
                "X-Forwarded-For": "198.51.100.7",
                "X-Forwarded-Proto": "https",
            },
            "multiValueHeaders": {},
            "queryStringParameters": query,
            "multiValueQueryStringParameters": (
                {name: [value] for name, value in query.items()} if query else None
            ),
            "pathParameters": path_parameters,
            "stageVariables": None,
            "requestContext": {
                "resourcePath": "{{ cookiecutter.path }}",
                "httpMethod": "{{ cookiecutter.http_method | upper }}",
                "path": f"/{TEST_ENVIRONMENT}{path}",
                "stage": TEST_ENVIRONMENT,
                "requestId": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
                "identity": {"sourceIp": "198.51.100.7", "userAgent": "pytest"},
            },
            "body": raw_body,
            "isBase64Encoded": False,
        }

    return make
{%- else %}


def sqs_record(body: str, message_id: str = "msg-1", receive_count: int = 1) -> dict[str, Any]:
    """One SQS record as the Lambda event source mapping delivers it."""
    return {
        "messageId": message_id,
        "receiptHandle": f"AQEB{message_id}",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": "1735689600000",
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": "1735689600500",
        },
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:{DEFAULT_ACCOUNT_ID}:{QUEUE_NAME}",
        "awsRegion": REGION,
    }


def sqs_event(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}
{%- endif %}
