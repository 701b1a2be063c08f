{%- set p = cookiecutter._platform -%}
{%- set hcl_env = "${var.environment}" -%}
#!/usr/bin/env python3
"""Check, after a deploy, that the {{ cookiecutter.repo_name }} resources of one environment exist as specified.

    python scripts/validate_infrastructure.py [--env {{ p.env_names | join('|') }}] [--endpoint-url URL]

Needs only boto3 and AWS credentials for the environment's account (boto3 also honours
AWS_ENDPOINT_URL, for an emulator). Read-only: it makes Describe, Get, List and Head calls only.

Prints one line per check, `OK  <what>` or `FAIL <what>: expected X, found Y`, and exits with
0 when every check passes, 1 when any fails, and 2 when AWS cannot be asked: no or invalid
credentials, credentials of another account, access denied, or an unreachable endpoint.

The expected values below were rendered from infra/platform.yaml when this repository was
generated; change them there and regenerate, not here.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

# Region and account of each environment.
ENVIRONMENTS: dict[str, dict[str, str]] = {
{%- for env in p.env_names %}
    "{{ env }}": {"region": "{{ cookiecutter[env ~ '_region'] }}", "account_id": "{{ cookiecutter[env ~ '_account_id'] }}"},
{%- endfor %}
}

# Resource names; "{env}" stands for the environment.
NAMES: dict[str, str] = {
{%- for key, name in p.names.items() %}
    "{{ key }}": "{{ name | replace(hcl_env, '{env}') }}",
{%- endfor %}
}

# The base Lambda execution roles, by Lambda.
ROLE_NAMES: dict[str, str] = {
{%- for function in p.functions %}
    "{{ function.name }}": "{{ function.role_name | replace(hcl_env, '{env}') }}",
{%- endfor %}
}

TABLE: dict[str, Any] = {
    "billing_mode": "{{ p.table.billing_mode }}",
    "point_in_time_recovery": {{ "True" if p.table.point_in_time_recovery else "False" }},
    # (attribute, key type, attribute type), hash key first.
    "key_schema": [
        ("{{ p.table.hash_key.name }}", "HASH", "{{ p.table.hash_key.type }}"),
{%- if p.table.range_key %}
        ("{{ p.table.range_key.name }}", "RANGE", "{{ p.table.range_key.type }}"),
{%- endif %}
    ],
    "global_secondary_indexes": {
{%- for index in p.table.global_secondary_indexes %}
        "{{ index.name }}": [
            ("{{ index.hash_key.name }}", "HASH", "{{ index.hash_key.type }}"),
{%- if index.range_key %}
            ("{{ index.range_key.name }}", "RANGE", "{{ index.range_key.type }}"),
{%- endif %}
        ],
{%- endfor %}
    },
    "projection_type": "ALL",
}

QUEUE: dict[str, int] = {
    "message_retention_seconds": {{ p.queue.message_retention_seconds }},
    "visibility_timeout_seconds": {{ p.queue.visibility_timeout_seconds }},
    "max_receive_count": {{ p.queue.dead_letter_max_receive_count }},
    "dead_letter_retention_seconds": {{ p.queue.dead_letter_retention_seconds }},
}

GLACIER_AFTER_DAYS = {{ p.audit_bucket.glacier_after_days }}
GLACIER = "GLACIER"

DLQ_ALARM: dict[str, Any] = {
    "namespace": "AWS/SQS",
    "metric_name": "ApproximateNumberOfMessagesVisible",
    "threshold": {{ p.dlq_alarm.threshold }},
    "period_seconds": {{ p.dlq_alarm.period_seconds }},
}

# The API resources the Lambda repositories attach their methods to.
API_PATHS: list[str] = [
{%- for path in p.api_paths %}
    "{{ path }}",
{%- endfor %}
]

# Error codes that mean "not there" (a failed check), as opposed to "cannot ask" (exit 2).
NOT_FOUND = frozenset(
    {
        "404",
        "NoSuchBucket",
        "NoSuchEntity",
        "NoSuchLifecycleConfiguration",
        "NoSuchPublicAccessBlockConfiguration",
        "NotFound",
        "NotFoundException",
        "QueueDoesNotExist",
        "AWS.SimpleQueueService.NonExistentQueue",
        "ResourceNotFoundException",
        "TableNotFoundException",
    }
)

CLIENT_CONFIG = Config(connect_timeout=10, read_timeout=30, retries={"mode": "standard", "max_attempts": 3})


class CannotAsk(Exception):
    """AWS cannot be asked: credentials, account, permission or endpoint. Exit code 2."""


@dataclass(frozen=True)
class Result:
    what: str
    ok: bool
    expected: Any = None
    found: Any = None

    def line(self) -> str:
        if self.ok:
            return f"OK  {self.what}"
        return f"FAIL {self.what}: expected {_show(self.expected)}, found {_show(self.found)}"


def _show(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in value) + "]" if value else "none"
    return str(value)


def compare(what: str, expected: Any, found: Any) -> Result:
    return Result(what, expected == found, expected, found)


def missing(what: str, expected: Any = "present") -> Result:
    return Result(what, False, expected, "nothing")


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def names_for(env: str) -> dict[str, str]:
    return {key: pattern.format(env=env) for key, pattern in NAMES.items()}


class Aws:
    """The clients of one environment, made on first use."""

    def __init__(self, region: str, endpoint_url: str | None = None, session: boto3.session.Session | None = None):
        self.region = region
        self.endpoint_url = endpoint_url
        self.session = session or boto3.session.Session()
        self._clients: dict[str, Any] = {}

    def __call__(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.client(
                service, region_name=self.region, endpoint_url=self.endpoint_url, config=CLIENT_CONFIG
            )
        return self._clients[service]


def ask(call: Callable[..., Any], /, **kwargs: Any) -> Any:
    """Make one read call; None when the thing is not there; CannotAsk when AWS cannot be asked."""
    try:
        return call(**kwargs)
    except ClientError as error:
        if error_code(error) in NOT_FOUND:
            return None
        operation = error.operation_name
        raise CannotAsk(f"{operation} failed with {error_code(error)}: {error}") from error


# --- the account -------------------------------------------------------------------------------


def caller_account(aws: Aws, env: str) -> tuple[str, str]:
    """The account and partition of the credentials; CannotAsk when they are not the env's account."""
    identity = ask(aws("sts").get_caller_identity)
    account, partition = identity["Account"], identity["Arn"].split(":")[1]
    expected = ENVIRONMENTS[env]["account_id"]
    if account != expected:
        raise CannotAsk(f"the credentials are for account {account}, but {env} lives in account {expected}")
    return account, partition


# --- DynamoDB ----------------------------------------------------------------------------------


def _keys(schema: Iterable[dict[str, str]], definitions: Iterable[dict[str, str]]) -> list[tuple[str, str, str]]:
    """(attribute, key type, attribute type) of a key schema, hash key first."""
    types = {d["AttributeName"]: d["AttributeType"] for d in definitions}
    order = {"HASH": 0, "RANGE": 1}
    keys = [(k["AttributeName"], k["KeyType"], types.get(k["AttributeName"], "?")) for k in schema]
    return sorted(keys, key=lambda k: order.get(k[1], 2))


def _show_keys(keys: Iterable[tuple[str, str, str]]) -> str:
    return ", ".join(f"{name} ({kind}, {value_type})" for name, kind, value_type in keys)


def check_table(aws: Aws, name: str) -> Iterator[Result]:
    what = f"DynamoDB table {name}"
    described = ask(aws("dynamodb").describe_table, TableName=name)
    if described is None:
        yield missing(what, "ACTIVE")
        return
    table = described["Table"]
    yield compare(f"{what} status", "ACTIVE", table.get("TableStatus"))
    billing = table.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
    yield compare(f"{what} billing mode", TABLE["billing_mode"], billing)
    definitions = table.get("AttributeDefinitions", [])
    found_keys = _keys(table.get("KeySchema", []), definitions)
    yield compare(f"{what} key schema", _show_keys(TABLE["key_schema"]), _show_keys(found_keys))
    found = {index["IndexName"]: index for index in table.get("GlobalSecondaryIndexes", [])}
    for index_name, keys in TABLE["global_secondary_indexes"].items():
        expected = f"{_show_keys(keys)}; projection {TABLE['projection_type']}"
        index = found.get(index_name)
        actual = None
        if index is not None:
            projection = index.get("Projection", {}).get("ProjectionType")
            actual = f"{_show_keys(_keys(index['KeySchema'], definitions))}; projection {projection}"
        yield compare(f"{what} index {index_name}", expected, actual)
    backups = ask(aws("dynamodb").describe_continuous_backups, TableName=name)
    status = None
    if backups is not None:
        description = backups["ContinuousBackupsDescription"].get("PointInTimeRecoveryDescription", {})
        status = description.get("PointInTimeRecoveryStatus")
    expected_status = "ENABLED" if TABLE["point_in_time_recovery"] else "DISABLED"
    yield compare(f"{what} point-in-time recovery", expected_status, status)


# --- SQS ---------------------------------------------------------------------------------------


def queue_attributes(aws: Aws, name: str) -> dict[str, str] | None:
    found = ask(aws("sqs").get_queue_url, QueueName=name)
    if found is None:
        return None
    attributes = ask(aws("sqs").get_queue_attributes, QueueUrl=found["QueueUrl"], AttributeNames=["All"])
    return None if attributes is None else attributes.get("Attributes", {})


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def check_queues(aws: Aws, queue_name: str, dead_letter_name: str) -> Iterator[Result]:
    dead_letter = queue_attributes(aws, dead_letter_name)
    what = f"SQS dead-letter queue {dead_letter_name}"
    if dead_letter is None:
        yield missing(what)
    else:
        retention = _int(dead_letter.get("MessageRetentionPeriod"))
        yield compare(f"{what} message retention (s)", QUEUE["dead_letter_retention_seconds"], retention)

    queue = queue_attributes(aws, queue_name)
    what = f"SQS queue {queue_name}"
    if queue is None:
        yield missing(what)
        return
    yield compare(
        f"{what} message retention (s)", QUEUE["message_retention_seconds"], _int(queue.get("MessageRetentionPeriod"))
    )
    yield compare(
        f"{what} visibility timeout (s)", QUEUE["visibility_timeout_seconds"], _int(queue.get("VisibilityTimeout"))
    )
    redrive = json.loads(queue["RedrivePolicy"]) if queue.get("RedrivePolicy") else {}
    expected_target = dead_letter.get("QueueArn") if dead_letter else f"the ARN of {dead_letter_name}"
    yield compare(f"{what} dead-letter target", expected_target, redrive.get("deadLetterTargetArn"))
    yield compare(f"{what} max receive count", QUEUE["max_receive_count"], _int(redrive.get("maxReceiveCount")))


# --- S3 ----------------------------------------------------------------------------------------


def _transitions(rule: dict[str, Any]) -> list[str]:
    return [f"{t.get('StorageClass')} after {t.get('Days')} days" for t in rule.get("Transitions", [])]


def _whole_bucket(rule: dict[str, Any]) -> bool:
    """True when the rule applies to every object (no prefix, tag or size filter)."""
    scope = rule.get("Filter", {"Prefix": rule.get("Prefix", "")})
    return all(not value for value in scope.values())


def check_bucket(aws: Aws, name: str, region: str) -> Iterator[Result]:
    s3 = aws("s3")
    what = f"S3 bucket {name}"
    try:
        s3.head_bucket(Bucket=name)
    except ClientError as error:
        if error_code(error) in NOT_FOUND:
            yield missing(what)
            return
        reason = "the credentials may not read it, or another account owns it"
        raise CannotAsk(f"HeadBucket {name} failed with {error_code(error)}: {reason}") from error
    location = ask(s3.get_bucket_location, Bucket=name) or {}
    yield compare(f"{what} region", region, location.get("LocationConstraint") or "us-east-1")
    versioning = ask(s3.get_bucket_versioning, Bucket=name) or {}
    yield compare(f"{what} versioning", "Enabled", versioning.get("Status"))
    block = (ask(s3.get_public_access_block, Bucket=name) or {}).get("PublicAccessBlockConfiguration", {})
    flags = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
    blocked = [flag for flag in flags if block.get(flag)]
    yield compare(f"{what} public access block", list(flags), blocked)
    lifecycle = ask(s3.get_bucket_lifecycle_configuration, Bucket=name) or {}
    rules = lifecycle.get("Rules", [])
    wanted = f"{GLACIER} after {GLACIER_AFTER_DAYS} days"
    archiving = [
        rule
        for rule in rules
        if rule.get("Status") == "Enabled" and _whole_bucket(rule) and wanted in _transitions(rule)
    ]
    found = [
        f"{rule.get('ID')} ({rule.get('Status')}): {', '.join(_transitions(rule)) or 'no transition'}" for rule in rules
    ]
    yield Result(
        f"{what} lifecycle moves every object to {wanted}",
        bool(archiving),
        f"an Enabled rule for every object, {wanted}",
        found,
    )


# --- SNS, CloudWatch, API Gateway, IAM ----------------------------------------------------------


def topic_arn(partition: str, region: str, account: str, name: str) -> str:
    return f"arn:{partition}:sns:{region}:{account}:{name}"


def check_topic(aws: Aws, arn: str) -> Iterator[Result]:
    what = f"SNS topic {arn.rsplit(':', 1)[1]}"
    found = ask(aws("sns").get_topic_attributes, TopicArn=arn)
    yield Result(what, True) if found is not None else missing(what)


def check_alarm(aws: Aws, name: str, dead_letter_name: str, alert_topic_arn: str) -> Iterator[Result]:
    what = f"CloudWatch alarm {name}"
    alarms = (ask(aws("cloudwatch").describe_alarms, AlarmNames=[name]) or {}).get("MetricAlarms", [])
    if not alarms:
        yield missing(what)
        return
    alarm = alarms[0]
    dimensions = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
    expected_metric = f"{DLQ_ALARM['namespace']} {DLQ_ALARM['metric_name']} of {dead_letter_name}"
    found_metric = f"{alarm.get('Namespace')} {alarm.get('MetricName')} of {dimensions.get('QueueName')}"
    yield compare(f"{what} metric", expected_metric, found_metric)
    yield compare(f"{what} threshold", float(DLQ_ALARM["threshold"]), alarm.get("Threshold"))
    yield compare(f"{what} period (s)", DLQ_ALARM["period_seconds"], alarm.get("Period"))
    actions = alarm.get("AlarmActions", [])
    yield Result(f"{what} alerts {alert_topic_arn}", alert_topic_arn in actions, alert_topic_arn, actions)


def check_rest_api(aws: Aws, name: str) -> Iterator[Result]:
    apigateway = aws("apigateway")
    what = f"REST API {name}"
    try:
        pages = list(apigateway.get_paginator("get_rest_apis").paginate())
    except ClientError as error:
        raise CannotAsk(f"GetRestApis failed with {error_code(error)}: {error}") from error
    matches = [api for page in pages for api in page.get("items", []) if api.get("name") == name]
    yield compare(f"{what} (exactly one by name)", 1, len(matches))
    if len(matches) != 1:
        return
    try:
        resources = [
            item
            for page in apigateway.get_paginator("get_resources").paginate(restApiId=matches[0]["id"])
            for item in page.get("items", [])
        ]
    except ClientError as error:
        raise CannotAsk(f"GetResources failed with {error_code(error)}: {error}") from error
    paths = {resource.get("path") for resource in resources}
    for path in API_PATHS:
        yield Result(f"{what} resource {path}", path in paths, path, sorted(p for p in paths if p))


def check_roles(aws: Aws, env: str) -> Iterator[Result]:
    for pattern in ROLE_NAMES.values():
        name = pattern.format(env=env)
        what = f"IAM role {name}"
        found = ask(aws("iam").get_role, RoleName=name)
        yield Result(what, True) if found is not None else missing(what)


# --- the run -----------------------------------------------------------------------------------


def run_checks(aws: Aws, env: str) -> Iterator[Result]:
    """Every check of one environment, in order; raises CannotAsk when AWS cannot be asked."""
    region = ENVIRONMENTS[env]["region"]
    names = names_for(env)
    account, partition = caller_account(aws, env)
    yield Result(f"account {account} ({env}, {region})", True)
    yield from check_table(aws, names["table"])
    yield from check_queues(aws, names["queue"], names["dead_letter"])
    yield from check_bucket(aws, names["audit_bucket"], region)
    alert_topic_arn = topic_arn(partition, region, account, names["alert_topic"])
    yield from check_topic(aws, alert_topic_arn)
    yield from check_alarm(aws, names["dlq_alarm"], names["dead_letter"], alert_topic_arn)
    yield from check_rest_api(aws, names["rest_api"])
    yield from check_roles(aws, env)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--env",
        default="{{ p.env_names[0] }}",
        choices=sorted(ENVIRONMENTS),
        help="the environment to check (default: {{ p.env_names[0] }}, so the script runs bare)",
    )
    parser.add_argument(
        "--endpoint-url",
        default=None,
        help="send every AWS call to this endpoint (an emulator); AWS_ENDPOINT_URL works too",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    aws = Aws(ENVIRONMENTS[args.env]["region"], args.endpoint_url)
    failed = checked = 0
    try:
        for result in run_checks(aws, args.env):
            print(result.line(), flush=True)
            checked += 1
            failed += not result.ok
    except CannotAsk as error:
        print(f"ERROR cannot check {args.env}: {error}", file=sys.stderr)
        return 2
    except BotoCoreError as error:
        print(f"ERROR cannot check {args.env}: {error}", file=sys.stderr)
        return 2
    print(f"{checked - failed} of {checked} checks passed for {args.env}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
