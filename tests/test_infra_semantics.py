"""The infrastructure criteria judge what the HCL means, whatever its style, and every fact they claim.

- Both fleets written blind from the requirement (tests/fixtures/requirement_fleet_a, _b) pass
  every INF-* criterion of the requirement profile, and so does tests/fixtures/handwritten_fleet;
  the generated fleet passes them all (both profiles).
- Each fact a criterion checks is broken once in each blind fixture (a small text edit of a copy):
  the criterion fails with its message, and no other INF-* verdict changes but the ones listed.
- Conforming styles the templates never use pass: defaults AWS applies, literal names, inline or
  separate resources, metric math, roles of any shape, local modules with count/for_each.
- Two resources (or blocks) configuring one thing fail, naming both (issue 12), and a module the
  suite cannot read offline is named whenever what a criterion needs is not found.

The other criteria (workflows, backend, Lambda repos) are not run here: only the infrastructure
repository's INF-* cases, in process, in well under a second per fleet.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.catalogue import CRITERIA, in_profile
from conformance.evidence.evaluate import Ref, Unresolvable
from conformance.evidence.fleet import FleetEvidence
from conformance.evidence.modules import configuration
from conformance.platform import Platform
from conformance.runner import Outcome, plan_cases, run_case
from tests.test_conformance_mutations import Edit, append, create, delete, sub

FIXTURES = Path(__file__).parent / "fixtures"
ENVS = ("dev", "sit", "prod")
INFRA_CRITERIA = [c for c in CRITERIA if c.id.startswith("INF-")]
REQUIREMENT_IDS = {c.id for c in in_profile(INFRA_CRITERIA, "requirement")}

Key = tuple[str, str | None]  # (criterion, env)


def verdicts(root: Path, platform: Platform, envs: tuple[str, ...] = ENVS) -> dict[Key, Outcome]:
    """Every INF-* case of the infrastructure repository under `root`."""
    evidence = FleetEvidence(root, platform, {"terraform": "off"})
    cases = [c for c in plan_cases(platform, INFRA_CRITERIA, list(envs)) if c.repo == platform.infrastructure.repo]
    return {(c.criterion.id, c.env): run_case(c, evidence) for c in cases}


def infrastructure_copy(source: Path, tmp_path: Path, platform: Platform) -> Path:
    """A fleet root holding a copy of the fixture's infrastructure repository only."""
    root = tmp_path / "fleet"
    shutil.copytree(source / platform.infrastructure.repo, root / platform.infrastructure.repo)
    return root


@pytest.fixture(scope="module")
def generated(fleet: Path, tmp_path_factory: pytest.TempPathFactory, platform: Platform) -> Path:
    return infrastructure_copy(fleet, tmp_path_factory.mktemp("generated"), platform)


SOURCES = {
    "fleet_a": FIXTURES / "requirement_fleet_a",
    "fleet_b": FIXTURES / "requirement_fleet_b",
    "handwritten": FIXTURES / "handwritten_fleet",
}


@pytest.fixture(scope="module")
def baselines(platform: Platform, generated: Path) -> dict[str, dict[Key, Outcome]]:
    found = {name: verdicts(source, platform) for name, source in SOURCES.items()}
    found["generated"] = verdicts(generated, platform)
    return found


# -- conforming fleets pass ---------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_every_fixture_passes_the_requirement_profile(name: str, baselines) -> None:
    failed = {k: o.message for k, o in baselines[name].items() if k[0] in REQUIREMENT_IDS and o.status != "passed"}
    assert failed == {}
    assert {k[0] for k in baselines[name]} >= REQUIREMENT_IDS


def test_the_generated_fleet_passes_both_profiles(baselines) -> None:
    assert {k: o.message for k, o in baselines["generated"].items() if o.status != "passed"} == {}


def test_platform_facts_are_what_the_blind_fixtures_differ_in(baselines) -> None:
    """The kit's conventions (not the requirement) are what a fleet written another way may not follow."""
    failed = {
        name: sorted({k[0] for k, o in baselines[name].items() if o.status == "failed"})
        for name in ("fleet_a", "fleet_b")
    }
    # fleet_a: roles per kind, an alarm of its own name and threshold 0 (>); fleet_b: a 60 s period.
    # Neither has the drift check's read-only role, nor issue 14's fan-out, audit queue and stage, nor its
    # account bootstrap (bootstrap/ is absent: each of its criteria fails finding none of its resources).
    deployable = ["INF-APIGW-STAGE", "INF-SNS-FAN-OUT", "INF-SQS-AUDIT-QUEUE"]
    deployable += ["INF-BOOTSTRAP-STATE-BUCKET", "INF-BOOTSTRAP-LOCK-TABLE", "INF-BOOTSTRAP-OIDC"]
    deployable += ["INF-BOOTSTRAP-DEPLOY-ROLES"]
    assert failed == {
        "fleet_a": sorted(["INF-CONFORMANCE-ROLE", "INF-CW-DLQ-ALARM-SETTINGS", "INF-IAM-ROLE-NAMES", *deployable]),
        "fleet_b": sorted(["INF-CONFORMANCE-ROLE", "INF-CW-DLQ-ALARM-SETTINGS", *deployable]),
    }
    assert all(i not in REQUIREMENT_IDS for ids in failed.values() for i in ids)


# -- each fact broken in each blind fixture ------------------------------------------------------


@dataclass(frozen=True)
class Breakage:
    id: str
    criterion: str
    edit: Edit
    fragment: str  # in the failure of every env ("{env}" stands for it)
    also: tuple[str, ...] = ()  # other INF-* criteria that fail with it (the reason beside each use)

    def __str__(self) -> str:
        return self.id


DDB, SQS, S3, IAM, OUT = (f"terraform/{f}.tf" for f in ("dynamodb", "sqs", "s3", "iam", "outputs"))

FLEET_A = [
    Breakage("provisioned", "INF-DDB-TABLE", sub(DDB, '"PAY_PER_REQUEST"', '"PROVISIONED"'), "found 'PROVISIONED'"),
    Breakage(
        "pitr-off",
        "INF-DDB-PITR",
        sub(DDB, r"(point_in_time_recovery \{\n\s+enabled = )true", r"\1false"),
        "found enabled = False",
    ),
    Breakage("hash-key", "INF-DDB-KEYS", sub(DDB, r'(hash_key\s+= )"PK"', r'\1"ID"'), "hash_key: expected 'PK'"),
    Breakage("range-key", "INF-DDB-KEYS", sub(DDB, r'^  range_key\s+= "SK"\n', ""), "range_key: expected 'SK'"),
    Breakage(
        "key-type", "INF-DDB-KEYS", sub(DDB, r'(name = "SK"\n\s+type = )"S"', r'\1"B"'), "attribute SK: expected type"
    ),
    Breakage(
        "price-index-hash",
        "INF-DDB-GSI",
        sub(DDB, r'(hash_key  = )"GSI1_PK"', r'\1"PK"'),
        "ProductsByPriceIndex hash_key: expected 'GSI1_PK', found 'PK'",
    ),
    Breakage(
        "price-index-range",
        "INF-DDB-GSI",
        sub(DDB, r'(range_key = )"GSI1_SK"', r'\1"SK"'),
        "ProductsByPriceIndex range_key: expected 'GSI1_SK', found 'SK'",
    ),
    Breakage(
        "name-index-range",
        "INF-DDB-GSI",
        sub(DDB, r"(range_key = )null", r'\1"GSI1_SK"'),
        "ProductsByNameIndex range_key: expected None, found 'GSI1_SK'",
    ),
    Breakage(
        "name-index-renamed",
        "INF-DDB-GSI",
        sub(DDB, r"^    ProductsByNameIndex = \{", "    ProductsByTitleIndex = {"),
        "expected global_secondary_index 'ProductsByNameIndex'",
    ),
    Breakage(
        "retention",
        "INF-SQS-RETENTION",
        sub(SQS, r"(message_retention_seconds  = )4 \* 24", r"\g<1>2 * 24"),
        "expected 345600, found 172800",
    ),
    Breakage(
        "receive-count",
        "INF-SQS-RECEIVE-COUNT",
        sub(SQS, r"(maxReceiveCount     = )3", r"\g<1>10"),
        "maxReceiveCount: expected 3, found 10",
    ),
    Breakage(
        "dlq-target-elsewhere",
        "INF-SQS-DLQ",
        sub(SQS, r"(deadLetterTargetArn = aws_sqs_queue\.)product_change_dlq\.arn", r"\1product_change.arn"),
        "deadLetterTargetArn: expected a reference to aws_sqs_queue.product_change_dlq.arn",
    ),
    Breakage(
        "redrive-resource-removed",
        "INF-SQS-DLQ",
        sub(SQS, r'^resource "aws_sqs_queue_redrive_policy" "product_change" \{\n(?:.*\n)*?\}\n', ""),
        "expected a redrive policy (redrive_policy on the queue, or an aws_sqs_queue_redrive_policy), found none",
        also=("INF-SQS-RECEIVE-COUNT",),  # no policy, no count
    ),
    Breakage(
        "redrive-inline-as-well",
        "INF-SQS-DLQ",
        sub(
            SQS,
            r"(  receive_wait_time_seconds  = 20\n)",
            r"\1  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.product_change_dlq.arn, "
            r"maxReceiveCount = 3 })\n",
        ),
        "the redrive policy of aws_sqs_queue.product_change configured twice: "
        "aws_sqs_queue.product_change.redrive_policy at",
    ),
    Breakage(
        "dlq-denies-all",
        "INF-SQS-DLQ",
        sub(SQS, r'"byQueue"', '"denyAll"'),
        "found redrivePermission 'denyAll'",
    ),
    Breakage(
        "dlq-unencrypted",
        "INF-SQS-SSE",
        sub(SQS, r"(allows\n  sqs_managed_sse_enabled   = )true", r"\1false"),
        "expected sqs_managed_sse_enabled = true or a kms_master_key_id, found neither",
    ),
    *(
        Breakage(
            f"public-{flag.replace('_', '-')}",
            "INF-S3-PUBLIC-ACCESS",
            sub(S3, rf"({flag}\s+= )true", r"\1false"),
            f"{flag}: expected true, found False",
        )
        for flag in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    ),
    Breakage(
        "glacier-disabled",
        "INF-S3-GLACIER",
        sub(S3, r'(id     = "archive-to-glacier-after-one-year"\n    status = )"Enabled"', r'\1"Disabled"'),
        "found no enabled GLACIER transition",
    ),
    Breakage(
        "glacier-on-a-prefix",
        "INF-S3-GLACIER",
        sub(S3, r"filter \{\}", 'filter {\n      prefix = "archive/"\n    }'),
        "found no enabled GLACIER transition",
    ),
    Breakage(
        "glacier-instant-retrieval",
        "INF-S3-GLACIER",
        sub(S3, r'(      days          = 365\n      storage_class = )"GLACIER"', r'\1"GLACIER_IR"'),
        "found no enabled GLACIER transition",
    ),
    Breakage(
        "glacier-after-180-days",
        "INF-S3-GLACIER",
        sub(S3, r"(      days          = )365", r"\g<1>180"),
        "found GLACIER transitions at [180] days",
    ),
    Breakage(
        "versioning-suspended",
        "INF-S3-VERSIONING",
        sub(
            S3,
            r'(status = )"Enabled"\n  \}\n\}\n\nresource "aws_s3_bucket_server',
            r'\1"Suspended"\n  }\n}\n\nresource "aws_s3_bucket_server',
        ),
        "expected versioning Enabled on the bucket, found status 'Suspended'",
    ),
    Breakage(
        "encryption-removed",
        "INF-S3-SSE",
        sub(S3, r'^resource "aws_s3_bucket_server_side_encryption_configuration" "audit_logs" \{\n(?:.*\n)*?\}\n', ""),
        "expected default encryption for the bucket, found none",
    ),
    Breakage(
        "topic-renamed-in-the-module-call",
        "INF-SNS-TOPIC",
        sub("terraform/sns.tf", r'"%s-%s-alerts-%s"', '"%s-%s-alarms-%s"'),
        "expected an aws_sns_topic named 'bbws-product-alerts-{env}', found bbws-product-alarms-{env}",
        also=("INF-CW-DLQ-ALARM", "INF-OUTPUT-VALUES"),  # both need the topic, found by its name
    ),
    Breakage(
        "topic-module-from-the-registry",
        "INF-SNS-TOPIC",
        sub("terraform/sns.tf", r'source = "\./modules/messaging"', 'source = "terraform-aws-modules/sns/aws"'),
        "terraform/sns.tf:4: INF-SNS-TOPIC: module.alerts: module source 'terraform-aws-modules/sns/aws' "
        "is not a local path: cannot evaluate",
        also=("INF-CW-DLQ-ALARM", "INF-OUTPUT-VALUES"),
    ),
    Breakage(
        "bucket-renamed",
        "INF-S3-BUCKET",
        sub(S3, r'"%s-%s-audit-logs-%s"', '"%s-%s-audit-%s"'),
        "expected an aws_s3_bucket named 'bbws-product-audit-logs-{env}', found bbws-product-audit-{env}",
        also=("INF-S3-GLACIER", "INF-S3-PUBLIC-ACCESS", "INF-S3-SSE", "INF-S3-VERSIONING", "INF-OUTPUT-VALUES"),
    ),
    Breakage(
        "queue-renamed",
        "INF-SQS-QUEUE",
        sub(SQS, r'(join\("-", \[local\.name_prefix, local\.domain, )"change", var', r'\1"changes", var'),
        "expected an aws_sqs_queue named 'bbws-product-change-{env}'",
        also=("INF-SQS-RETENTION", "INF-SQS-DLQ", "INF-SQS-RECEIVE-COUNT", "INF-SQS-SSE", "INF-OUTPUT-VALUES"),
    ),
    Breakage(
        "api-renamed",
        "INF-API-REST",
        sub("terraform/api_gateway.tf", r'"%s-%s-api-%s"', '"%s-%s-rest-%s"'),
        "expected an aws_api_gateway_rest_api named 'bbws-product-api-{env}'",
        also=("INF-OUTPUT-VALUES",),
    ),
    Breakage(
        "roles-trust-ec2",
        "INF-IAM-ROLES",
        sub(IAM, r'"lambda\.amazonaws\.com"', '"ec2.amazonaws.com"'),
        "expected an aws_iam_role trusted by lambda.amazonaws.com (sts:AssumeRole), found none among",
    ),
    Breakage(
        "roles-cannot-log",
        "INF-IAM-ROLES",
        sub(IAM, r'^resource "aws_iam_role_policy_attachment" "lambda_basic_execution" \{\n(?:.*\n)*?\}\n', ""),
        'aws_iam_role.lambda_base["api"]: expected logs:CreateLogStream and logs:PutLogEvents',
    ),
    Breakage(
        "alarm-when-empty",
        "INF-CW-DLQ-ALARM",
        sub(
            "terraform/cloudwatch.tf",
            r'(threshold           = 0\n  comparison_operator = )"GreaterThanThreshold"',
            r'\1"LessThanOrEqualToThreshold"',
        ),
        "found LessThanOrEqualToThreshold 0: fires when the DLQ is (nearly) empty",
    ),
    Breakage(
        "alarm-at-two",
        "INF-CW-DLQ-ALARM",
        sub("terraform/cloudwatch.tf", r"(threshold           = )0\n", r"\g<1>2\n"),
        "found GreaterThanThreshold 2: fires above 2 messages only",
    ),
    Breakage(
        "alarm-on-another-metric",
        "INF-CW-DLQ-ALARM",
        sub("terraform/cloudwatch.tf", r'"ApproximateNumberOfMessagesVisible"', '"NumberOfMessagesSent"'),
        "metric_name: expected 'ApproximateNumberOfMessagesVisible', found 'NumberOfMessagesSent'",
    ),
    Breakage(
        "alarm-on-the-main-queue",
        "INF-CW-DLQ-ALARM",
        sub(
            "terraform/cloudwatch.tf",
            r"(QueueName = aws_sqs_queue\.)product_change_dlq\.name",
            r"\1product_change.name",
        ),
        "expected a CloudWatch alarm on aws_sqs_queue.product_change_dlq's visible messages notifying "
        "module.alerts.aws_sns_topic.this, found none",
    ),
    Breakage(
        "alarm-notifies-nobody",
        "INF-CW-DLQ-ALARM",
        sub(
            "terraform/cloudwatch.tf",
            r"(product_change_dlq\.name\n(?:.*\n)*?)  alarm_actions = \[module\.alerts\.topic_arn\]\n",
            r"\1",
        ),
        "expected alarm_actions with module.alerts.aws_sns_topic.this, found []",
    ),
    Breakage(
        "output-queue-arn-of-the-dlq",
        "INF-OUTPUT-VALUES",
        sub(OUT, r"(value\s+= aws_sqs_queue\.)product_change(\.arn)", r"\1product_change_dlq\2"),
        "sqs_queue_arn: expected aws_sqs_queue.product_change.arn",
    ),
    Breakage(
        "output-topic-name-for-its-arn",
        "INF-OUTPUT-VALUES",
        sub(OUT, r"module\.alerts\.topic_arn", "module.alerts.topic_name"),
        "sns_topic_arn: expected module.alerts.aws_sns_topic.this.arn (the alert topic's arn), "
        "found ${module.alerts.aws_sns_topic.this.name}",
    ),
    Breakage(
        "output-removed",
        "INF-OUTPUTS",
        sub(OUT, r'^output "dynamodb_table_arn" \{\n(?:.*\n)*?\}\n', ""),
        "expected outputs dynamodb_table_arn, found none of them",
    ),
]

MON = "terraform/monitoring.tf"
VARS = "terraform/variables.tf"
FLEET_B = [
    Breakage(
        "pitr-default-off",
        "INF-DDB-PITR",
        sub(VARS, r"(Enable DynamoDB point-in-time.*\n  type        = bool\n  default     = )true", r"\1false"),
        "found enabled = False",
    ),
    Breakage(
        "billing-provisioned",
        "INF-DDB-TABLE",
        sub(DDB, '"PAY_PER_REQUEST"', '"PROVISIONED"'),
        "billing_mode: expected 'PAY_PER_REQUEST', found 'PROVISIONED'",
    ),
    Breakage("hash-key-type", "INF-DDB-KEYS", sub(DDB, r'(name = "PK"\n\s+type = )"S"', r'\1"N"'), "attribute PK"),
    Breakage(
        "name-index-hash",
        "INF-DDB-GSI",
        sub(DDB, r'(hash_key        = )"GSI2_PK"', r'\1"GSI1_PK"'),
        "ProductsByNameIndex hash_key: expected 'GSI2_PK', found 'GSI1_PK'",
    ),
    Breakage(
        "price-index-removed",
        "INF-DDB-GSI",
        sub(DDB, r'^  global_secondary_index \{\n    name            = "ProductsByPriceIndex"\n(?:.*\n)*?  \}\n\n', ""),
        "expected global_secondary_index 'ProductsByPriceIndex', found ['ProductsByNameIndex']",
    ),
    Breakage(
        "retention-default",
        "INF-SQS-RETENTION",
        sub(
            VARS,
            r"(Retention of the product change queue.*\n  type        = number\n  default     = )345600",
            r"\g<1>86400",
        ),
        "expected 345600, found 86400",
    ),
    Breakage(
        "receive-count-default",
        "INF-SQS-RECEIVE-COUNT",
        sub(VARS, r"(Receives before.*\n  type        = number\n  default     = )3", r"\g<1>5"),
        "maxReceiveCount: expected 3, found 5",
    ),
    Breakage(
        "dlq-target-elsewhere",
        "INF-SQS-DLQ",
        sub(SQS, r"(deadLetterTargetArn = aws_sqs_queue\.)dead_letter\.arn", r"\1change.arn"),
        "deadLetterTargetArn: expected a reference to aws_sqs_queue.dead_letter.arn, found ${aws_sqs_queue.change.arn}",
    ),
    Breakage(
        "redrive-resource-as-well",
        "INF-SQS-DLQ",
        append(
            SQS,
            '\nresource "aws_sqs_queue_redrive_policy" "change" {\n  queue_url = aws_sqs_queue.change.url\n'
            "  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.dead_letter.arn,"
            " maxReceiveCount = 3 })\n}\n",
        ),
        "the redrive policy of aws_sqs_queue.change configured twice",
    ),
    Breakage(
        "queue-unencrypted",
        "INF-SQS-SSE",
        sub(SQS, r'^  kms_master_key_id                 = "alias/aws/sqs"\n', ""),
        "expected sqs_managed_sse_enabled = true or a kms_master_key_id, found neither",
    ),
    *(
        Breakage(
            f"public-{flag.replace('_', '-')}",
            "INF-S3-PUBLIC-ACCESS",
            sub(S3, rf"({flag}\s+= )true", r"\1false"),
            f"{flag}: expected true, found False",
        )
        for flag in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    ),
    Breakage(
        "second-public-access-block",
        "INF-S3-PUBLIC-ACCESS",
        append(
            S3,
            '\nresource "aws_s3_bucket_public_access_block" "open" {\n  bucket = aws_s3_bucket.audit[0].bucket\n'
            "  block_public_acls = false\n}\n",
        ),
        "the public access block of aws_s3_bucket.audit[0] configured twice:"
        " aws_s3_bucket_public_access_block.audit at",
    ),
    Breakage(
        "glacier-disabled",
        "INF-S3-GLACIER",
        sub(S3, r'(id     = "archive-to-glacier-after-one-year"\n    status = )"Enabled"', r'\1"Disabled"'),
        "found no enabled GLACIER transition",
    ),
    Breakage(
        "glacier-on-a-prefix",
        "INF-S3-GLACIER",
        sub(S3, r'(filter \{\n      prefix = )""', r'\1"audit/"'),
        "found no enabled GLACIER transition",
    ),
    Breakage(
        "glacier-deep-archive",
        "INF-S3-GLACIER",
        sub(S3, r'(      days          = 365\n      storage_class = )"GLACIER"', r'\1"DEEP_ARCHIVE"'),
        "found no enabled GLACIER transition",
    ),
    Breakage(
        "glacier-after-two-years",
        "INF-S3-GLACIER",
        sub(S3, r"(      days          = )365", r"\g<1>730"),
        "found GLACIER transitions at [730] days",
    ),
    Breakage(
        "versioning-removed",
        "INF-S3-VERSIONING",
        sub(S3, r'^resource "aws_s3_bucket_versioning" "audit" \{\n(?:.*\n)*?\}\n', ""),
        "expected versioning Enabled on the bucket, found none",
    ),
    Breakage(
        "bucket-renamed",
        "INF-S3-BUCKET",
        sub(S3, r'(bucket = )"\$\{var\.project\}-product-audit-logs-', r'\1"${var.project}-product-audit-'),
        "expected an aws_s3_bucket named 'bbws-product-audit-logs-{env}', found bbws-product-audit-{env}",
        also=("INF-S3-GLACIER", "INF-S3-PUBLIC-ACCESS", "INF-S3-SSE", "INF-S3-VERSIONING", "INF-OUTPUT-VALUES"),
    ),
    Breakage(
        "queue-renamed",
        "INF-SQS-QUEUE",
        sub(SQS, r'"\$\{var\.project\}-product-change-\$', '"${var.project}-product-changes-$'),
        "expected an aws_sqs_queue named 'bbws-product-change-{env}'",
        also=("INF-SQS-RETENTION", "INF-SQS-DLQ", "INF-SQS-RECEIVE-COUNT", "INF-SQS-SSE", "INF-OUTPUT-VALUES"),
    ),
    Breakage(
        "topic-renamed",
        "INF-SNS-TOPIC",
        sub(
            "terraform/sns.tf",
            r'(  name              = )"\$\{var\.project\}-product-alerts-',
            r'\1"${var.project}-alerts-',
        ),
        "expected an aws_sns_topic named 'bbws-product-alerts-{env}', found bbws-alerts-{env}",
        also=("INF-CW-DLQ-ALARM", "INF-OUTPUT-VALUES"),
    ),
    Breakage(
        "api-renamed",
        "INF-API-REST",
        sub("terraform/api_gateway.tf", r"-product-api-", "-catalogue-api-"),
        "expected an aws_api_gateway_rest_api named 'bbws-product-api-{env}', found bbws-catalogue-api-{env}",
        also=("INF-OUTPUT-VALUES",),
    ),
    Breakage(
        "output-removed",
        "INF-OUTPUTS",
        sub(OUT, r'^output "sqs_queue_url" \{\n(?:.*\n)*?\}\n', ""),
        "expected outputs sqs_queue_url, found none of them",
    ),
    Breakage(
        "no-role-may-log",
        "INF-IAM-ROLES",
        sub(IAM, r'"logs:PutLogEvents",\n', ""),
        "expected logs:CreateLogStream and logs:PutLogEvents",
    ),
    Breakage(
        "role-trust-denied",
        "INF-IAM-ROLES",
        sub(
            IAM,
            r"(data \"aws_iam_policy_document\" \"lambda_assume_role\" \{\n)",
            r'\1  statement {\n    effect  = "Deny"\n    actions = ["sts:*"]\n    principals {\n'
            r'      type        = "Service"\n      identifiers = ["lambda.amazonaws.com"]\n    }\n  }\n',
        ),
        "expected an aws_iam_role trusted by lambda.amazonaws.com (sts:AssumeRole), found none among",
        also=("INF-IAM-ROLE-NAMES",),  # the spec's role names are fleet_b's: no longer trusted either
    ),
    Breakage(
        "alarm-counts-datapoints",
        "INF-CW-DLQ-ALARM",
        sub(
            MON,
            r'(statistic           = )"Maximum"\n  period              = 60',
            r'\1"SampleCount"\n  period              = 60',
        ),
        "statistic: expected a statistic of the message count",
    ),
    Breakage(
        "alarm-at-zero",
        "INF-CW-DLQ-ALARM",
        sub(MON, r"(threshold           = )1\n", r"\g<1>0\n"),
        "found GreaterThanOrEqualToThreshold 0: fires when the DLQ is empty too (always in alarm)",
    ),
    Breakage(
        "alarm-notifies-nobody",
        "INF-CW-DLQ-ALARM",
        sub(
            MON,
            r"(alarm_actions = )\[aws_sns_topic\.alerts\.arn\]\n  ok_actions    = \[aws_sns_topic\.alerts\.arn\]"
            r"\n\}\n\nresource \"aws_cloudwatch_metric_alarm\" \"change_queue_age\"",
            r'\1[]\n}\n\nresource "aws_cloudwatch_metric_alarm" "change_queue_age"',
        ),
        "expected alarm_actions with aws_sns_topic.alerts, found []",
    ),
    Breakage(
        "output-bucket-arn",
        "INF-OUTPUT-VALUES",
        sub(OUT, r"aws_s3_bucket\.audit\[0\]\.bucket", "aws_s3_bucket.audit[0].arn"),
        "s3_audit_bucket_name: expected aws_s3_bucket.audit[0].bucket (the audit bucket's bucket)",
    ),
    Breakage(
        "output-table-arn-for-its-name",
        "INF-OUTPUT-VALUES",
        sub(OUT, r"(dynamodb_table_name\" \{\n.*\n  value       = aws_dynamodb_table\.products\.)name", r"\1arn"),
        "dynamodb_table_name: expected aws_dynamodb_table.products.name",
    ),
]

BREAKAGES = {"fleet_a": FLEET_A, "fleet_b": FLEET_B}


def envs_of(criterion: str) -> tuple[str | None, ...]:
    return ENVS if next(c for c in INFRA_CRITERIA if c.id == criterion).per_env else (None,)


def assert_fails_alone(
    name: str, breakage: Breakage, results: Mapping[Key, Outcome], baseline: Mapping[Key, Outcome], repo: str
) -> None:
    for env in envs_of(breakage.criterion):
        outcome = results[(breakage.criterion, env)]
        assert outcome.status == "failed", f"{name}/{breakage.id}: {breakage.criterion} [{env}]: {outcome}"
        assert breakage.fragment.replace("{env}", env or "") in outcome.message, outcome.message
        assert re.match(rf"{re.escape(repo)}(/\S+)?: {breakage.criterion}: ", outcome.message), outcome.message
    changed = {k for k in baseline if results[k].status != baseline[k].status}
    assert changed == {(c, env) for c in (breakage.criterion, *breakage.also) for env in envs_of(c)}, {
        k: results[k].message for k in changed
    }


@pytest.mark.parametrize(
    ("name", "breakage"), [(n, b) for n, table in BREAKAGES.items() for b in table], ids=lambda x: str(x)
)
def test_each_fact_broken_in_a_blind_fixture_fails_its_criterion(
    name: str, breakage: Breakage, baselines, platform: Platform, tmp_path: Path
) -> None:
    root = infrastructure_copy(SOURCES[name], tmp_path, platform)
    breakage.edit(root / platform.infrastructure.repo)
    assert_fails_alone(name, breakage, verdicts(root, platform), baselines[name], platform.infrastructure.repo)


def test_every_requirement_criterion_is_broken_in_each_blind_fixture() -> None:
    for name, table in BREAKAGES.items():
        covered = {b.criterion for b in table}
        # INF-FILES is repo_files'; INF-README and INF-VALIDATE-SCRIPT judge content, broken in each blind
        # fixture by tests/test_conformance_requirement_fleets.py.
        missing = REQUIREMENT_IDS - covered - {"INF-FILES", "INF-README", "INF-VALIDATE-SCRIPT"}
        assert not missing, f"{name}: {sorted(missing)}"


# -- conforming styles the templates never use: the requirement's verdicts stay "passed" -------------


def replace_everywhere(pattern: str, replacement: str) -> Edit:
    """A substitution in every .tf file of the repository's terraform/ folder (at least one match)."""

    def edit(repo: Path) -> None:
        found = 0
        for path in sorted((repo / "terraform").glob("*.tf")):
            text = path.read_text(encoding="utf-8")
            changed, count = re.subn(pattern, replacement, text)
            found += count
            path.write_text(changed, encoding="utf-8")
        assert found, f"no match of {pattern!r}"

    return edit


def edits(*steps: Edit) -> Edit:
    def edit(repo: Path) -> None:
        for step in steps:
            step(repo)

    return edit


@dataclass(frozen=True)
class Style:
    id: str
    edit: Edit
    # "requirement": its INF-* verdicts all pass; "platform": every INF-* verdict passes as well.
    profile: str = "requirement"

    def __str__(self) -> str:
        return self.id


CW = "terraform/cloudwatch.tf"
SNS = "terraform/sns.tf"
ROLE_NAME = "bbws-lambda-role-${var.environment}"
ONE_ROLE = (
    'data "aws_iam_policy_document" "trust" {\n  statement {\n    actions = ["sts:AssumeRole"]\n'
    '    principals {\n      type        = "Service"\n      identifiers = ["lambda.amazonaws.com"]\n    }\n  }\n}\n\n'
    f'resource "aws_iam_role" "shared" {{\n  name               = "{ROLE_NAME}"\n'
    "  assume_role_policy = data.aws_iam_policy_document.trust.json\n"
)
BASIC = '"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"'
LOGS_POLICY = 'jsonencode({ Statement = [{ Effect = "Allow", Action = ["logs:*"], Resource = "*" }] })'


def one_role(extra: str = "", more: str = "") -> Edit:
    """iam.tf replaced by one role shared by every Lambda (the requirement names no roles)."""

    def edit(repo: Path) -> None:
        (repo / IAM).write_text(ONE_ROLE + extra + "}\n" + more, encoding="utf-8")
        if "policies/logs.json.tftpl" in more:  # the policies as files beside the configuration
            policies = repo / "terraform" / "policies"
            policies.mkdir()
            (policies / "logs.json.tftpl").write_text(
                '{"Statement": [{"Effect": "Allow", "Action": ${jsonencode(actions)}, "Resource": "*"}]}\n',
                encoding="utf-8",
            )
            (policies / "trust.json").write_text(
                '{"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",'
                ' "Principal": {"Service": "lambda.amazonaws.com"}}]}\n',
                encoding="utf-8",
            )
            text = (repo / IAM).read_text(encoding="utf-8")
            text = text.replace("data.aws_iam_policy_document.trust.json", 'file("./policies/trust.json")')
            (repo / IAM).write_text(text, encoding="utf-8")

    return edit


METRIC_MATH = (
    '  metric_query {\n    id = "m1"\n    metric {\n      namespace   = "AWS/SQS"\n'
    '      metric_name = "ApproximateNumberOfMessagesVisible"\n      period      = 300\n      stat        = "Maximum"\n'
    "      dimensions = {\n        QueueName = aws_sqs_queue.dead_letter.name\n      }\n    }\n  }\n"
    '  metric_query {\n    id          = "e1"\n    expression  = "{expression}"\n    return_data = true\n  }}\n'
)


def metric_math(expression: str) -> Edit:
    return edits(
        sub(CW, r"^  (namespace|metric_name|statistic|period)\s+= .*\n", "", count=4),
        sub(CW, r"^\n  dimensions = \{\n    QueueName = aws_sqs_queue\.dead_letter\.name\n  \}\n", ""),
        sub(CW, r"^(  ok_actions .*\n)", r"\1" + METRIC_MATH.replace("{expression}", expression).replace("}}", "}")),
    )


STYLES = [
    Style(
        "retention-left-to-the-aws-default",
        sub(
            SQS,
            r'^(  name += "bbws-product-change-\$\{var\.environment\}"\n)  message_retention_seconds  = 345600\n',
            r"\1",
        ),
    ),
    Style(
        "redrive-as-its-own-resource",
        edits(
            sub(
                SQS,
                r"^\n  redrive_policy = jsonencode\(\{\n"
                r"    deadLetterTargetArn = aws_sqs_queue\.dead_letter\.arn\n(?:.*\n)*?  \}\)\n",
                "",
            ),
            append(
                SQS,
                '\nresource "aws_sqs_queue_redrive_policy" "queue" {\n  queue_url = aws_sqs_queue.queue.url\n'
                "  redrive_policy = jsonencode({\n    deadLetterTargetArn = aws_sqs_queue.dead_letter.arn\n"
                '    maxReceiveCount     = "3"\n  })\n}\n',
            ),
        ),
    ),
    Style(
        "dlq-arn-written-out",
        sub(
            SQS,
            r"(deadLetterTargetArn = )aws_sqs_queue\.dead_letter\.arn",
            r'\1"arn:aws:sqs:${var.aws_region}:${var.aws_account_id}:bbws-product-change-dlq-${var.environment}"',
        ),
    ),
    Style(
        "redrive-allowed-to-all",
        sub(
            SQS,
            r'(redrivePermission = )"byQueue"\n    sourceQueueArns   = \[local\.queue_arns\.queue\]',
            r'\1"allowAll"',
        ),
    ),
    Style(
        "alarm-above-zero",
        edits(
            sub(CW, r"^(  threshold\s+= )1$", r"\g<1>0"),
            sub(CW, r'(comparison_operator = )"GreaterThanOrEqualToThreshold"', r'\1"GreaterThanThreshold"'),
        ),
    ),
    Style(
        "alarm-above-a-half-on-the-average",
        edits(
            sub(CW, r"^(  threshold\s+= )1$", r"\g<1>0.5"),
            sub(CW, r'(comparison_operator = )"GreaterThanOrEqualToThreshold"', r'\1"GreaterThanThreshold"'),
            sub(CW, r'(statistic\s+= )"Maximum"', r'\1"Average"'),
        ),
    ),
    Style("alarm-by-metric-math", metric_math("m1"), profile="requirement"),
    Style(
        "alarm-on-the-queue-by-its-literal-name",
        sub(CW, r"(QueueName = )aws_sqs_queue\.dead_letter\.name", r'\1"bbws-product-change-dlq-${var.environment}"'),
        profile="platform",
    ),
    Style(
        "alarm-action-as-a-written-arn",
        sub(
            CW,
            r"^(  alarm_actions\s+= )\[aws_sns_topic\.alert_topic\.arn\]",
            r'\1["arn:aws:sns:${var.aws_region}:${var.aws_account_id}:bbws-product-alerts-${var.environment}"]',
        ),
        profile="platform",
    ),
    Style(
        "lifecycle-inline-on-the-bucket",
        edits(
            sub(S3, r'^resource "aws_s3_bucket_lifecycle_configuration" "audit_bucket" \{\n(?:.*\n)*?\}\n', ""),
            sub(
                S3,
                r'^(  bucket = "bbws-product-audit-logs-\$\{var\.environment\}"\n)',
                r'\1\n  lifecycle_rule {\n    id      = "archive"\n    enabled = true\n    prefix  = ""\n'
                r'    transition {\n      days          = 365\n      storage_class = "GLACIER"\n    }\n  }\n',
            ),
        ),
        profile="platform",
    ),
    Style(
        "versioning-and-encryption-inline-on-the-bucket",
        edits(
            sub(S3, r'^resource "aws_s3_bucket_versioning" "audit_bucket" \{\n(?:.*\n)*?\}\n', ""),
            sub(
                S3,
                r'^resource "aws_s3_bucket_server_side_encryption_configuration" "audit_bucket" \{\n(?:.*\n)*?\}\n',
                "",
            ),
            sub(
                S3,
                r'^(  bucket = "bbws-product-audit-logs-\$\{var\.environment\}"\n)',
                r"\1\n  versioning {\n    enabled = true\n  }\n\n  server_side_encryption_configuration {\n"
                r'    rule {\n      apply_server_side_encryption_by_default {\n        sse_algorithm = "AES256"\n'
                r"      }\n    }\n  }\n",
            ),
        ),
        profile="platform",
    ),
    Style(
        "companions-by-the-bucket-name",
        sub(
            S3,
            r"^  bucket = aws_s3_bucket\.audit_bucket\.id$",
            '  bucket = "bbws-product-audit-logs-${var.environment}"',
            count=6,
        ),
        profile="platform",
    ),
    Style(
        "bucket-with-count-one",
        edits(
            sub(S3, r'^(resource "aws_s3_bucket" "audit_bucket" \{\n)', r"\1  count = 1\n"),
            replace_everywhere(r"aws_s3_bucket\.audit_bucket\.", "aws_s3_bucket.audit_bucket[0]."),
        ),
        profile="platform",
    ),
    Style(
        "pitr-enabled-as-a-string",
        sub(DDB, r"(point_in_time_recovery \{\n    enabled = )true", r'\1"true"'),
        "platform",
    ),
    Style(
        "one-shared-role-with-the-managed-policy",
        one_role(
            more=(
                'resource "aws_iam_role_policy_attachment" "basic" {\n  role       = aws_iam_role.shared.name\n'
                f"  policy_arn = {BASIC}\n}}\n"
            )
        ),
    ),
    Style("one-role-with-managed-policy-arns", one_role(extra=f"  managed_policy_arns = [{BASIC}]\n")),
    Style(
        "one-role-with-an-inline-policy-block",
        one_role(extra=f'  inline_policy {{\n    name   = "logs"\n    policy = {LOGS_POLICY}\n  }}\n'),
    ),
    Style(
        "one-role-with-a-customer-managed-policy",
        one_role(
            more=(
                f'resource "aws_iam_policy" "logs" {{\n  name   = "bbws-logs"\n  policy = {LOGS_POLICY}\n}}\n'
                'resource "aws_iam_policy_attachment" "logs" {\n  name       = "logs"\n'
                f'  roles      = ["{ROLE_NAME}"]\n  policy_arn = aws_iam_policy.logs.arn\n}}\n'
            )
        ),
    ),
    Style(
        "one-role-with-the-managed-policy-from-a-data-source",
        one_role(
            more=(
                'data "aws_iam_policy" "basic" {\n  name = "AWSLambdaBasicExecutionRole"\n}\n'
                'resource "aws_iam_role_policy_attachment" "basic" {\n  role       = aws_iam_role.shared.id\n'
                "  policy_arn = data.aws_iam_policy.basic.arn\n}\n"
            )
        ),
    ),
    Style(
        "one-role-allowed-all-but-iam",
        one_role(
            more=(
                'resource "aws_iam_role_policy" "wide" {\n  role   = aws_iam_role.shared.id\n'
                '  policy = jsonencode({ Statement = [{ Effect = "Allow", NotAction = "iam:*",'
                ' Resource = "*" }] })\n}\n'
            )
        ),
    ),
    Style(
        "outputs-through-locals-and-ids",
        edits(
            sub(OUT, r"aws_sqs_queue\.queue\.url", "aws_sqs_queue.queue.id"),
            sub(OUT, r"aws_s3_bucket\.audit_bucket\.bucket", '"bbws-product-audit-logs-${var.environment}"'),
            sub(OUT, r"aws_sns_topic\.alert_topic\.arn", "aws_sns_topic.alert_topic.id"),
            sub(OUT, r"(value\s+= )aws_dynamodb_table\.table\.name", r"\1local.table_name"),
            append(
                OUT, '\nlocals {\n  table_name = aws_dynamodb_table.table.id\n}\n\noutput "extra" {\n  value = 1\n}\n'
            ),
        ),
        profile="platform",
    ),
    Style(
        "topic-in-a-local-module",
        edits(
            sub(
                SNS,
                r'^resource "aws_sns_topic" "alert_topic" \{\n(?:.*\n)*?\}\n',
                'module "alerts" {\n  source = "./modules/topic"\n  name   = "bbws-product-alerts-${var.environment}"\n'
                "  key    = aws_kms_key.alert_topic.arn\n}\n",
            ),
            replace_everywhere(r"aws_sns_topic\.alert_topic\.arn", "module.alerts.topic_arn"),
            create(
                "terraform/modules/topic/main.tf",
                'variable "name" {}\nvariable "key" {}\n\n'
                'resource "aws_sns_topic" "this" {\n  name              = var.name\n'
                '  kms_master_key_id = var.key\n}\n\noutput "topic_arn" {\n  value = aws_sns_topic.this.arn\n}\n',
            ),
        ),
    ),
    Style("alarm-by-metric-math-with-fill", metric_math("FILL(m1, 0)")),
    Style(
        "policies-from-files",
        one_role(
            extra="",
            more=(
                'resource "aws_iam_role_policy" "logs" {\n  role   = aws_iam_role.shared.id\n'
                '  policy = templatefile("${path.module}/policies/logs.json.tftpl", {\n'
                '    actions = ["logs:CreateLogStream", "logs:PutLogEvents"]\n  })\n}\n'
            ),
        ),
    ),
    Style(
        "values-in-terraform-tfvars",
        edits(
            sub(SQS, r"(maxReceiveCount\s+= )3", r"\1var.max_receive_count", count=2),
            append(SQS, '\nvariable "max_receive_count" {\n  type = number\n}\n'),
            create("terraform/terraform.tfvars", "max_receive_count = 3\n"),
            create("terraform/zz.auto.tfvars", "retention = 345600\n"),
            create("terraform/aa.auto.tfvars", "retention = 1\n"),
            sub(SQS, r"(message_retention_seconds  = )345600", r"\1try(var.retention, 0)", count=2),
            append(SQS, '\nvariable "retention" {\n  default = 7\n}\n'),
        ),
        profile="platform",
    ),
    Style(
        "a-registry-module-beside-what-is-needed",
        append(SNS, '\nmodule "chatbot" {\n  source  = "terraform-aws-modules/chatbot/aws"\n  version = "1.0.0"\n}\n'),
        profile="platform",
    ),
]


@pytest.mark.parametrize("style", STYLES, ids=str)
def test_a_conforming_style_passes(
    style: Style, baselines, platform: Platform, generated: Path, tmp_path: Path
) -> None:
    root = infrastructure_copy(generated, tmp_path, platform)
    style.edit(root / platform.infrastructure.repo)
    results = verdicts(root, platform)
    judged = {k for k in results if style.profile == "platform" or k[0] in REQUIREMENT_IDS}
    assert {k: results[k].message for k in judged if results[k].status != "passed"} == {}


def test_an_unresolved_metric_math_expression_is_named(platform: Platform, generated: Path, tmp_path: Path) -> None:
    root = infrastructure_copy(generated, tmp_path, platform)
    metric_math("m1 * 2")(root / platform.infrastructure.repo)
    outcome = verdicts(root, platform, ("dev",))[("INF-CW-DLQ-ALARM", "dev")]
    assert outcome.status == "failed"
    assert "cloudwatch.tf:" in outcome.message
    assert "cannot resolve the metric math expression 'm1 * 2' to one metric" in outcome.message


# -- two places configuring one thing, beyond the generated fleet's mutation table -----------------------

DUPLICATES = [
    Breakage(
        "redrive-allow-policy-twice",
        "INF-SQS-DLQ",
        append(
            SQS,
            '\nresource "aws_sqs_queue_redrive_allow_policy" "again" {\n  queue_url = aws_sqs_queue.dead_letter.url\n'
            '  redrive_allow_policy = jsonencode({ redrivePermission = "allowAll" })\n}\n',
        ),
        "the redrive allow policy of aws_sqs_queue.dead_letter configured twice: "
        "aws_sqs_queue.dead_letter.redrive_allow_policy at",
    ),
    Breakage(
        "versioning-inline-and-separate",
        "INF-S3-VERSIONING",
        sub(
            S3,
            r'^(  bucket = "bbws-product-audit-logs-\$\{var\.environment\}"\n)',
            r"\1  versioning {\n    enabled = true\n  }\n",
        ),
        "the versioning of aws_s3_bucket.audit_bucket configured twice: aws_s3_bucket.audit_bucket (versioning) at",
    ),
    Breakage(
        "encryption-inline-and-separate",
        "INF-S3-SSE",
        sub(
            S3,
            r'^(  bucket = "bbws-product-audit-logs-\$\{var\.environment\}"\n)',
            r"\1  server_side_encryption_configuration {\n    rule {\n      apply_server_side_encryption_by_default {\n"
            r'        sse_algorithm = "AES256"\n      }\n    }\n  }\n',
        ),
        "the default encryption of aws_s3_bucket.audit_bucket configured twice",
    ),
    Breakage(
        "managed-policies-on-the-role-and-attached",
        "INF-IAM-ROLES",
        edits(
            sub(
                IAM,
                r'(  name               = "bbws-audit-logger-role-\$\{var\.environment\}"\n)',
                rf"\1  managed_policy_arns = [{BASIC}]\n",
            ),
            append(
                IAM,
                '\nresource "aws_iam_role_policy_attachment" "audit_logger_xray" {\n'
                "  role       = aws_iam_role.audit_logger.name\n"
                '  policy_arn = "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"\n}\n',
            ),
        ),
        "the managed policies of aws_iam_role.audit_logger configured twice:"
        " aws_iam_role.audit_logger.managed_policy_arns at",
    ),
    Breakage(
        "role-name-twice",
        "INF-IAM-ROLE-NAMES",
        append(
            IAM,
            '\nresource "aws_iam_role" "again" {\n  name               = "bbws-get-product-role-${var.environment}"\n'
            "  assume_role_policy = data.aws_iam_policy_document.lambda_assume_role.json\n}\n",
        ),
        "aws_iam_role 'bbws-get-product-role-{env}' configured twice: aws_iam_role.get_product at",
        also=("INF-IAM-ROLES",),  # the second role may not write its logs
    ),
    Breakage(
        "dlq-encrypted-twice",
        "INF-SQS-SSE",
        sub(
            SQS,
            r'(name                      = "bbws-product-change-dlq-\$\{var\.environment\}"\n'
            r"  message_retention_seconds = 1209600\n)",
            r'\1  kms_master_key_id         = "alias/aws/sqs"\n',
        ),
        "the encryption of aws_sqs_queue.dead_letter configured twice",
    ),
]


@pytest.mark.parametrize("breakage", DUPLICATES, ids=str)
def test_two_places_configuring_one_thing_fail_naming_both(
    breakage: Breakage, baselines, platform: Platform, generated: Path, tmp_path: Path
) -> None:
    root = infrastructure_copy(generated, tmp_path, platform)
    breakage.edit(root / platform.infrastructure.repo)
    results = verdicts(root, platform)
    assert_fails_alone("generated", breakage, results, baselines["generated"], platform.infrastructure.repo)
    assert re.search(r"\.tf:\d+ and \S+ at \S+\.tf:\d+", results[(breakage.criterion, "dev")].message)


# -- local modules: read as Terraform would -----------------------------------------------------------


def configure(tmp_path: Path, platform: Platform, files: dict[str, str], env: str = "dev"):
    repo = tmp_path / platform.infrastructure.repo
    for relative, text in files.items():
        (repo / relative).parent.mkdir(parents=True, exist_ok=True)
        (repo / relative).write_text(text, encoding="utf-8")
    evidence = FleetEvidence(tmp_path, platform, {"terraform": "off"})
    return evidence, configuration(evidence, platform.infrastructure.repo, env)


def output(config, name: str):
    return config.root.value(config.root.module.outputs[name].body.attributes["value"])


def test_module_outputs_resolve_through_nested_calls_with_count_and_for_each(
    tmp_path: Path, platform: Platform
) -> None:
    evidence, config = configure(
        tmp_path,
        platform,
        {
            "terraform/main.tf": (
                'variable "environment" { default = "dev" }\n'
                'module "one" {\n  source = "./modules/outer"\n  count  = 1\n  prefix = "a-${var.environment}"\n}\n'
                'module "many" {\n  source   = "./modules/outer"\n'
                '  for_each = toset(["x", "y"])\n  prefix   = each.key\n}\n'
                'output "first" { value = module.one[0].topic_arn }\n'
                'output "named" { value = module.many["y"].topic_name }\n'
                'output "names" { value = [for k, m in { x = 1 } : module.many[k].topic_name] }\n'
            ),
            "terraform/modules/outer/main.tf": (
                'variable "prefix" {}\nmodule "inner" {\n  source = "../inner"\n  name   = "${var.prefix}-topic"\n}\n'
                'output "topic_arn" { value = module.inner.arn }\noutput "topic_name" { value = module.inner.name }\n'
            ),
            "terraform/modules/inner/main.tf": (
                'variable "name" {}\nresource "aws_sns_topic" "t" { name = var.name }\n'
                'output "arn" { value = aws_sns_topic.t.arn }\noutput "name" { value = var.name }\n'
            ),
        },
    )
    assert output(config, "first") == Ref("module.one[0].module.inner.aws_sns_topic.t.arn")
    assert output(config, "named") == "y-topic"
    assert output(config, "names") == ["x-topic"]
    topics = sorted(
        (m.prefix + b.address, m.value(b.body.attributes["name"])) for m, b in config.resources("aws_sns_topic")
    )
    assert topics == [
        ('module.many["x"].module.inner.aws_sns_topic.t', "x-topic"),
        ('module.many["y"].module.inner.aws_sns_topic.t', "y-topic"),
        ("module.one[0].module.inner.aws_sns_topic.t", "a-dev-topic"),
    ]
    # Each module's files were parsed once, whatever the number of its instances.
    assert max(evidence.parse_counts.values()) == 1


def test_for_each_over_a_resource_iterates_its_instances(tmp_path: Path, platform: Platform) -> None:
    _, config = configure(
        tmp_path,
        platform,
        {
            "terraform/main.tf": (
                "locals {\n  kinds = { api = 1, event = 2 }\n}\n"
                'resource "aws_iam_role" "r" {\n  for_each = local.kinds\n  name = "role-${each.key}"\n}\n'
                'resource "aws_iam_role_policy_attachment" "a" {\n  for_each = aws_iam_role.r\n'
                "  role = each.value.name\n}\n"
                'resource "aws_s3_bucket" "b" {\n  count  = 2\n  bucket = "b-${count.index}"\n}\n'
                'output "roles" { value = { for k, role in aws_iam_role.r : k => role.arn } }\n'
                'output "buckets" { value = aws_s3_bucket.b[*].id }\n'
            ),
        },
    )
    ((module, block),) = config.resources("aws_iam_role_policy_attachment")
    attachments = module.instances(block)
    assert [(a.key, a.get("role")) for a in attachments] == [
        ("api", Ref('aws_iam_role.r["api"].name')),
        ("event", Ref('aws_iam_role.r["event"].name')),
    ]
    assert output(config, "roles") == {
        "api": Ref('aws_iam_role.r["api"].arn'),
        "event": Ref('aws_iam_role.r["event"].arn'),
    }
    assert output(config, "buckets") == [Ref("aws_s3_bucket.b[0].id"), Ref("aws_s3_bucket.b[1].id")]


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (
            '"terraform-aws-modules/sns/aws"',
            "module source 'terraform-aws-modules/sns/aws' is not a local path: cannot evaluate",
        ),
        ('"git::https://example.com/m.git"', "is not a local path: cannot evaluate"),
        (
            '"./modules/missing"',
            "module source './modules/missing': no .tf files in"
            " 2_1_bbws_product_infrastructure/terraform/modules/missing",
        ),
        (
            '"../../../elsewhere"',
            "module source leaves the repository: expected a path inside 2_1_bbws_product_infrastructure, "
            "found '../../../elsewhere' (a relative path climbing out of it): what it declares cannot be evaluated",
        ),
        (
            '"/srv/elsewhere"',
            "module source leaves the repository: expected a path inside 2_1_bbws_product_infrastructure, "
            "found '/srv/elsewhere' (an absolute path): what it declares cannot be evaluated",
        ),
        ("var.where", "cannot resolve var.where"),
    ],
)
def test_a_module_that_cannot_be_read_is_named_with_its_line(
    source: str, reason: str, tmp_path: Path, platform: Platform
) -> None:
    _, config = configure(
        tmp_path,
        platform,
        {
            "terraform/main.tf": (
                f'variable "where" {{}}\n\nmodule "alerts" {{\n  source = {source}\n}}\n\n'
                'output "topic" { value = module.alerts.arn }\n'
            )
        },
    )
    (unreadable,) = config.unreadable
    assert str(unreadable.location) == "2_1_bbws_product_infrastructure/terraform/main.tf:3"
    assert reason in unreadable.reason
    with pytest.raises(Unresolvable) as caught:
        output(config, "topic")
    assert reason in str(caught.value) and "main.tf:7" in str(caught.value)


def test_a_module_calling_itself_stops(tmp_path: Path, platform: Platform) -> None:
    _, config = configure(tmp_path, platform, {"terraform/main.tf": 'module "me" {\n  source = "./"\n}\n'})
    assert [u.reason for u in config.unreadable] == ["modules nested deeper than 8: not followed"]


def test_a_criterion_names_the_unreadable_module_where_its_resource_might_be(
    platform: Platform, generated: Path, tmp_path: Path
) -> None:
    root = infrastructure_copy(generated, tmp_path, platform)
    repo = root / platform.infrastructure.repo
    sub(
        SNS,
        r'^resource "aws_sns_topic" "alert_topic" \{\n(?:.*\n)*?\}\n',
        'module "alerts" {\n  source = "app.terraform.io/bbws/alerts/aws"\n}\n',
    )(repo)
    message = verdicts(root, platform, ("dev",))[("INF-SNS-TOPIC", "dev")].message
    assert message.splitlines() == [
        "2_1_bbws_product_infrastructure/terraform: INF-SNS-TOPIC: expected an aws_sns_topic named "
        "'bbws-product-alerts-dev', found bbws-product-events-dev",
        "2_1_bbws_product_infrastructure/terraform/sns.tf:3: INF-SNS-TOPIC: module.alerts: module source "
        "'app.terraform.io/bbws/alerts/aws' is not a local path: cannot evaluate",
    ]


def test_a_module_file_that_does_not_parse_is_named(platform: Platform, generated: Path, tmp_path: Path) -> None:
    root = infrastructure_copy(generated, tmp_path, platform)
    repo = root / platform.infrastructure.repo
    sub(
        SNS,
        r'^resource "aws_sns_topic" "alert_topic" \{\n(?:.*\n)*?\}\n',
        'module "alerts" {\n  source = "./modules/t"\n}\n',
    )(repo)
    create("terraform/modules/t/main.tf", 'resource "aws_sns_topic" "t" {\n  name = \n}\n')(repo)
    message = verdicts(root, platform, ("dev",))[("INF-SNS-TOPIC", "dev")].message
    assert "terraform/modules/t/main.tf:2: INF-SNS-TOPIC: does not parse" in message


def test_tables_are_sound() -> None:
    for table in (*BREAKAGES.values(), DUPLICATES):
        ids = [b.id for b in table]
        assert len(ids) == len(set(ids))
    assert len({s.id for s in STYLES}) == len(STYLES)
    assert delete  # the shared edit helpers are the mutation table's


def test_files_try_and_can_are_read_next_to_the_module(tmp_path: Path, platform: Platform) -> None:
    _, config = configure(
        tmp_path,
        platform,
        {
            "terraform/main.tf": (
                'module "m" {\n  source = "./modules/m"\n}\n'
                'output "text" { value = file("${path.module}/notes.txt") }\n'
                'output "rendered" { value = module.m.rendered }\n'
                'output "fallback" { value = try(var.missing, local.nothing, "third") }\n'
                'output "checks" { value = [can(var.missing), can(aws_s3_bucket.b.id)] }\n'
                'output "outside" { value = file("../../../etc/passwd") }\n'
                'output "absent" { value = file("nothing.txt") }\n'
            ),
            "terraform/notes.txt": "hello\n",
            "terraform/modules/m/main.tf": (
                'output "rendered" { value = templatefile("${path.module}/t.tftpl", { names = ["a", "b"] }) }\n'
            ),
            "terraform/modules/m/t.tftpl": '%{ for n in names }${n};%{ endfor }"${length(names)}"\n',
        },
    )
    assert output(config, "text") == "hello\n"
    assert output(config, "rendered") == 'a;b;"2"\n'
    assert output(config, "fallback") == "third"
    assert output(config, "checks") == [False, True]
    for name, reason in (("outside", "outside the repository: not read"), ("absent", "no file")):
        with pytest.raises(Unresolvable) as caught:
            output(config, name)
        assert reason in str(caught.value) and "main.tf:" in str(caught.value)
