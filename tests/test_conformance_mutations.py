"""Mutation tests of the conformance suite: each criterion catches its own breakage, and only that.

Every mutation copies the generated fleet, breaks one thing the way a person could (PITR off,
the redrive pointing at the main queue, a workflow pushed instead of dispatched, ...), runs every
case of the catalogue for every env, and asserts that

1. the target criterion fails for the target repo in the expected envs, with a message shaped
   `repo/path[:line]: ID: ...` that says what is wrong;
2. every other (criterion, repo, env) case has the outcome it has on the unmutated fleet,
   except for the few co-failures listed on the mutation itself (with the reason).

Every criterion of the catalogue has at least one mutation; a new criterion without one fails
`test_every_criterion_has_a_mutation`. Each edit asserts that it changed what it meant to change,
so a template change that makes a regex miss fails loudly instead of testing nothing.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.catalogue import CRITERIA, by_id
from conformance.evidence.fleet import FleetEvidence
from conformance.platform import Platform
from conformance.runner import PRESENT, Outcome, plan_cases, run_case
from tests.test_conformance_static import outcomes, run_suite

INFRA = "infrastructure"  # the role of the infrastructure repository; Lambdas go by their name
ENVS = ("dev", "sit", "prod")
ALL_ENVS = list(ENVS)  # every case of the catalogue runs for every env
TERRAFORM_CRITERIA = ("TF-FMT", "TF-VALIDATE")

Edit = Callable[[Path], None]


# -- edits: each one checks that it really changed the copy ----------------------------------------


def sub(relative: str, pattern: str, replacement: str, count: int = 1) -> Edit:
    """Replace `pattern` (multiline regex) in one file; exactly `count` matches are expected."""

    def edit(repo: Path) -> None:
        path = repo / relative
        text = path.read_text(encoding="utf-8")
        changed, found = re.subn(pattern, replacement, text, flags=re.M)
        assert found == count, f"{path}: expected {count} match(es) of {pattern!r}, found {found}"
        assert changed != text, f"{path}: the substitution of {pattern!r} changed nothing"
        path.write_text(changed, encoding="utf-8")

    return edit


def delete(relative: str) -> Edit:
    """Delete a file or a folder (`.git`, or "" for the whole repository)."""

    def edit(repo: Path) -> None:
        path = repo / relative if relative else repo
        assert path.exists(), f"{path}: nothing to delete"
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()

    return edit


def create(relative: str, text: str) -> Edit:
    """Add a file that is not there."""

    def edit(repo: Path) -> None:
        path = repo / relative
        assert not path.exists(), f"{path}: already there"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    return edit


def append(relative: str, text: str) -> Edit:
    def edit(repo: Path) -> None:
        path = repo / relative
        assert path.is_file(), f"{path}: nothing to append to"
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")

    return edit


def write_bytes(relative: str, data: bytes) -> Edit:
    """Add a file with raw bytes (not UTF-8, say)."""

    def edit(repo: Path) -> None:
        path = repo / relative
        assert not path.exists(), f"{path}: already there"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    return edit


def link_outside(relative: str) -> Edit:
    """Replace a file by a link to a file beside the fleet, outside the repos root."""

    def edit(repo: Path) -> None:
        path = repo / relative
        assert path.is_file(), f"{path}: nothing to replace"
        outside = repo.parent.parent / "outside-the-fleet.txt"
        outside.write_text("read outside the fleet\n", encoding="utf-8")
        path.unlink()
        path.symlink_to(outside)

    return edit


def empty(relative: str) -> Edit:
    def edit(repo: Path) -> None:
        path = repo / relative
        assert path.read_text(encoding="utf-8").strip(), f"{path}: already empty"
        path.write_text("", encoding="utf-8")

    return edit


def chain(*edits: Edit) -> Edit:
    """Several edits of one repository, in order."""

    def edit(repo: Path) -> None:
        for each in edits:
            each(repo)

    return edit


def move_to_end(relative: str, pattern: str) -> Edit:
    """Cut the one block matching `pattern` (multiline regex) and put it at the end of the file."""

    def edit(repo: Path) -> None:
        path = repo / relative
        text = path.read_text(encoding="utf-8")
        found = list(re.finditer(pattern, text, flags=re.M))
        assert len(found) == 1, f"{path}: expected one match of {pattern!r}, found {len(found)}"
        block = found[0].group(0)
        path.write_text(text.replace(block, "", 1).rstrip("\n") + "\n\n" + block, encoding="utf-8")

    return edit


# -- the table -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mutation:
    id: str
    criterion: str
    repo: str  # INFRA or a Lambda's name
    edit: Edit
    # What the failure message must contain: one fragment for every env, or one per env;
    # "{env}" stands for the env of the case.
    fragment: str | Mapping[str | None, str]
    envs: tuple[str, ...] = ENVS  # where the failure must show (ignored by criteria that are not per env)
    # Criteria that unavoidably fail with the target, on the same repo and envs (say why where used).
    also: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.id


# The dependent checks of a resource look that resource up by its name first: when it is renamed
# (the mutation for its "exists" criterion), they cannot find it either and fail with the same
# "expected an aws_... named ..." message. These are the only co-failures of the table.
# INF-OUTPUT-VALUES judges each output against its resource: it cannot, and says so, when it is gone.
# INF-SNS-FAN-OUT looks up each consumer's queue by name to find its subscription.
QUEUE_DEPENDENTS = (
    "INF-SQS-RETENTION",
    "INF-SQS-DLQ",
    "INF-SQS-RECEIVE-COUNT",
    "INF-SQS-SSE",
    "INF-OUTPUT-VALUES",
    "INF-SNS-FAN-OUT",
)
BUCKET_DEPENDENTS = ("INF-S3-GLACIER", "INF-S3-PUBLIC-ACCESS", "INF-S3-SSE", "INF-S3-VERSIONING", "INF-OUTPUT-VALUES")

API_FUNCTION = "get_product"
SQS_FUNCTION = "product_creator"
PLAIN_FUNCTION = "audit_logger"  # event-driven, without DynamoDB

DYNAMODB = "terraform/dynamodb.tf"
SQS = "terraform/sqs.tf"
S3 = "terraform/s3.tf"
DATA = "terraform/data.tf"
ROLE = "terraform/conformance_role.tf"


def workflow(env: str) -> str:
    return f".github/workflows/deploy-{env}.yml"


DEPLOY_SCRIPT = "scripts/deploy.sh"
INIT_BACKEND_FILE = r'(-backend-config="environments/\$\{ENV\}\.backend\.hcl")$'
BOOTSTRAP_STATE = "bootstrap/state.tf"
BOOTSTRAP_ROLES = "bootstrap/deploy_roles.tf"
# The deploy roles' subject condition, its test and the subject up to the repository (group 1).
DEPLOY_SUBJECT = (
    r'test     = "StringEquals"(\n      variable = "token\.actions\.githubusercontent\.com:sub"\n'
    r'      values   = \["repo:bbws/\$\{each\.key\}):environment:\$\{local\.github_environment\}"\]'
)

MUTATIONS: list[Mutation] = [
    # Repository files ---------------------------------------------------------------------------
    Mutation("repo-deleted", PRESENT, PLAIN_FUNCTION, delete(""), "expected the repository under"),
    Mutation(
        "inf-validate-script-deleted",
        "INF-FILES",
        INFRA,
        delete("scripts/validate_infrastructure.py"),
        "scripts/validate_infrastructure.py: INF-FILES: expected the file, found none",
        also=("INF-VALIDATE-SCRIPT",),  # its content cannot be read either
    ),
    Mutation(
        "lambda-logger-deleted",
        "LAMBDA-FILES",
        API_FUNCTION,
        delete("src/utils/logger.py"),
        "src/utils/logger.py: LAMBDA-FILES: expected the file, found none",
    ),
    Mutation(
        "lambda-sqs-source-in-api-lambda",
        "LAMBDA-FILES",
        API_FUNCTION,
        create(
            "terraform/sqs_event_source.tf",
            'resource "aws_lambda_event_source_mapping" "this" {\n'
            "  event_source_arn = local.sqs_queue_arn\n"
            "  function_name    = aws_lambda_function.this.arn\n"
            "}\n",
        ),
        "terraform/sqs_event_source.tf: LAMBDA-FILES: expected no such file for a api Lambda, found one",
    ),
    Mutation(
        "lambda-repository-without-dynamodb",
        "LAMBDA-FILES",
        PLAIN_FUNCTION,
        create("src/repositories/product_repository.py", '"""Not for a Lambda that does not use the table."""\n'),
        "expected no such file for a sqs Lambda without DynamoDB, found one",
    ),
    Mutation("git-removed", "REPO-GIT", PLAIN_FUNCTION, delete(".git"), "not a git repository"),
    Mutation(
        "gitignore-without-env",
        "REPO-GITIGNORE",
        SQS_FUNCTION,
        sub(".gitignore", r"^\.env\n", ""),
        ".gitignore: REPO-GITIGNORE: expected .env ignored, found no .env entry",
    ),
    Mutation(
        "gitignore-env-negated",
        "REPO-GITIGNORE",
        "create_product",
        sub(".gitignore", r"^\.env\n", ".env\n!.env\n"),
        ".gitignore: REPO-GITIGNORE: expected .env ignored, found a later !.env un-ignores it",
    ),
    Mutation(
        "readme-emptied",
        "REPO-DOCS",
        INFRA,
        empty("README.md"),
        "README.md: REPO-DOCS: expected a non-empty file, found an empty file",
        also=("INF-README",),  # an empty README holds no deployment instructions
    ),
    Mutation(
        "requirements-without-pydantic",
        "LAMBDA-REQUIREMENTS",
        API_FUNCTION,
        sub("requirements.txt", r"^pydantic[^\n]*\n", ""),
        "requirements.txt: LAMBDA-REQUIREMENTS: expected boto3, pydantic, found no pydantic",
    ),
    Mutation(
        "pytest-ini-section-renamed",
        "LAMBDA-PYTEST-INI",
        PLAIN_FUNCTION,
        sub("pytest.ini", r"^\[pytest\]$", "[tool:pytest]"),
        "expected a [pytest] section, found sections ['tool:pytest']",
        also=("LAMBDA-COVERAGE",),  # pytest reads no addopts outside [pytest]: no coverage gate either
    ),
    # Files the suite cannot read or parse --------------------------------------------------------
    Mutation(
        "tf-nested-module-does-not-parse",
        "TF-PARSE",
        INFRA,
        create("terraform/modules/extra/main.tf", 'resource "aws_sqs_queue" "extra" {\n  name = \n}\n'),
        "terraform/modules/extra/main.tf:2: TF-PARSE: does not parse: Unexpected token",
    ),
    Mutation(
        "tf-backend-settings-not-utf8",
        "TF-PARSE",
        PLAIN_FUNCTION,
        write_bytes("terraform/settings/extra.tfbackend", b'region = "eu-west-1"\nkey = "caf\xe9"\n'),
        "terraform/settings/extra.tfbackend:2: TF-PARSE: cannot be read: is not UTF-8 (byte 0xe9 at offset 31)",
    ),
    # Template drift -------------------------------------------------------------------------------
    Mutation(
        "template-commit-behind-the-kit",
        "FLEET-TEMPLATE-CURRENT",
        "get_product",
        sub(".cruft.json", r'^(  "commit": )"[0-9a-f]{40}"', r'\1"0000000000000000000000000000000000000000"'),
        "2_1_bbws_get_product/.cruft.json:3: FLEET-TEMPLATE-CURRENT: expected the kit's commit ",
    ),
    Mutation(
        "template-record-of-another-kit",
        "FLEET-TEMPLATE-CURRENT",
        "get_product",
        sub(".cruft.json", r'^(  "template": )".*"', r'\1"/tmp/evilkit"'),
        "FLEET-TEMPLATE-CURRENT: template: expected the kit (",  # at its line: tests/test_hostile_fleet.py
    ),
    Mutation(
        "template-directory-leaving-the-kit",
        "FLEET-TEMPLATE-CURRENT",
        INFRA,
        sub(".cruft.json", r'^(  "directory": )".*"', r'\1"../../../../tmp/evil_tmpl"'),
        "FLEET-TEMPLATE-CURRENT: directory: expected one of the kit's templates, cookiecutters/lambda "
        "or cookiecutters/infrastructure, found '../../../../tmp/evil_tmpl'",
    ),
    Mutation(
        "template-record-nested-too-deeply",
        "FLEET-TEMPLATE-CURRENT",
        "get_product",
        sub(".cruft.json", r"\A(?s:.*)\Z", "[" * 100_000),  # the whole record
        "2_1_bbws_get_product/.cruft.json:1: FLEET-TEMPLATE-CURRENT: expected JSON, found arrays or objects nested too "
        "deeply",
    ),
    Mutation(
        "template-record-missing",
        "FLEET-TEMPLATE-CURRENT",
        INFRA,
        delete(".cruft.json"),
        ".cruft.json:1: FLEET-TEMPLATE-CURRENT: expected the kit's answers file, found none (not generated by the kit)",
    ),
    Mutation(
        "readme-linked-outside-the-fleet",
        "REPO-FILES-SAFE",
        INFRA,
        link_outside("README.md"),
        "README.md:1: REPO-FILES-SAFE: cannot be read: is a link leaving the repos root",
        also=("INF-FILES", "REPO-DOCS", "INF-README"),  # they need the file: refused, it is not there for them
    ),
    # DynamoDB ----------------------------------------------------------------------------------
    Mutation(
        "ddb-provisioned",
        "INF-DDB-TABLE",
        INFRA,
        sub(DYNAMODB, r'(billing_mode\s+= )"PAY_PER_REQUEST"', r'\1"PROVISIONED"'),
        "billing_mode: expected 'PAY_PER_REQUEST', found 'PROVISIONED'",
    ),
    Mutation(
        "ddb-pitr-disabled",
        "INF-DDB-PITR",
        INFRA,
        sub(DYNAMODB, r"(point_in_time_recovery \{\n\s+enabled = )true", r"\1false"),
        "expected point_in_time_recovery { enabled = true }, found enabled = False",
    ),
    Mutation(
        "ddb-hash-key-changed",
        "INF-DDB-KEYS",
        INFRA,
        sub(DYNAMODB, r'^(  hash_key\s+= )"PK"', r'\1"ProductId"'),
        "hash_key: expected 'PK', found 'ProductId'",
    ),
    Mutation(
        "ddb-range-key-numeric",
        "INF-DDB-KEYS",
        INFRA,
        sub(DYNAMODB, r'(name = "SK"\n\s+type = )"S"', r'\1"N"'),
        "attribute SK: expected type 'S', found 'N'",
    ),
    Mutation(
        "ddb-gsi-renamed",
        "INF-DDB-GSI",
        INFRA,
        sub(DYNAMODB, r'(name\s+= )"ProductsByNameIndex"', r'\1"ProductsByTitleIndex"'),
        "expected global_secondary_index 'ProductsByNameIndex', found ['ProductsByPriceIndex', 'ProductsByTitleIndex']",
    ),
    Mutation(
        "ddb-gsi-range-key-changed",
        "INF-DDB-GSI",
        INFRA,
        sub(DYNAMODB, r'(range_key\s+= )"GSI1_SK"', r'\1"SK"'),
        "ProductsByPriceIndex range_key: expected 'GSI1_SK', found 'SK'",
    ),
    Mutation(
        "ddb-sse-removed",
        "INF-DDB-SSE",
        INFRA,
        sub(DYNAMODB, r"^  server_side_encryption \{\n(.*\n)*?  \}\n", ""),
        "expected server_side_encryption { enabled = true }, found no server_side_encryption block",
    ),
    # SQS ---------------------------------------------------------------------------------------
    Mutation(
        "sqs-queue-renamed",
        "INF-SQS-QUEUE",
        INFRA,
        sub(SQS, r'(name\s+= )"bbws-product-change-\$', r'\1"bbws-product-changes-$'),
        # (the audit queues come first in the list, in an order that depends on the env's name)
        "bbws-product-change-dlq-{env}, bbws-product-changes-{env}",
        also=QUEUE_DEPENDENTS,  # retention, redrive and encryption are checked on that queue
    ),
    Mutation(
        "sqs-retention-one-day",
        "INF-SQS-RETENTION",
        INFRA,
        sub(SQS, r'(-change-\$\{var\.environment\}"\n\s+message_retention_seconds\s+= )345600$', r"\g<1>86400"),
        "message_retention_seconds: expected 345600, found 86400",
    ),
    Mutation(
        "sqs-redrive-to-main-queue",
        "INF-SQS-DLQ",
        INFRA,
        sub(SQS, r"(deadLetterTargetArn = )aws_sqs_queue\.dead_letter\.arn", r"\1aws_sqs_queue.queue.arn"),
        "deadLetterTargetArn: expected a reference to aws_sqs_queue.dead_letter.arn, found ${aws_sqs_queue.queue.arn}",
    ),
    Mutation(
        "sqs-max-receive-5",
        "INF-SQS-RECEIVE-COUNT",
        INFRA,
        sub(SQS, r"(aws_sqs_queue\.dead_letter\.arn\n\s+maxReceiveCount\s+= )3$", r"\g<1>5"),
        "maxReceiveCount: expected 3, found 5",
    ),
    Mutation(
        "sqs-dlq-unencrypted",
        "INF-SQS-SSE",
        INFRA,
        sub(SQS, r'(-change-dlq-\$\{var\.environment\}"\n.*\n\s+sqs_managed_sse_enabled\s+= )true', r"\1false"),
        "expected sqs_managed_sse_enabled = true or a kms_master_key_id, found neither",
    ),
    # The account bootstrap (platform) ---------------------------------------------------------------
    Mutation(
        "bootstrap-state-bucket-versioning-suspended",
        "INF-BOOTSTRAP-STATE-BUCKET",
        INFRA,
        sub(BOOTSTRAP_STATE, r'^(    status = )"Enabled"$', r'\1"Suspended"'),
        "expected versioning Enabled on the bucket, found status 'Suspended'",
    ),
    Mutation(
        "bootstrap-state-bucket-public-policy-allowed",
        "INF-BOOTSTRAP-STATE-BUCKET",
        INFRA,
        sub(BOOTSTRAP_STATE, r"^(  block_public_policy\s+= )true$", r"\1false"),
        "block_public_policy: expected true, found False",
    ),
    Mutation(
        "bootstrap-state-bucket-plain-http-allowed",
        "INF-BOOTSTRAP-STATE-BUCKET",
        INFRA,
        sub(BOOTSTRAP_STATE, r'^(      values   = )\["false"\]$', r'\1["true"]'),
        "expected a bucket policy denying s3:* to every principal when aws:SecureTransport is false (TLS only), "
        "found no such statement",
    ),
    Mutation(
        "bootstrap-lock-table-without-pitr",
        "INF-BOOTSTRAP-LOCK-TABLE",
        INFRA,
        sub(BOOTSTRAP_STATE, r"(point_in_time_recovery \{\n    enabled = )true", r"\1false"),
        "expected point_in_time_recovery { enabled = true }, found enabled = False",
    ),
    Mutation(
        "bootstrap-lock-table-keyed-otherwise",
        "INF-BOOTSTRAP-LOCK-TABLE",
        INFRA,
        sub(BOOTSTRAP_STATE, r'^(  hash_key\s+= )"LockID"$', r'\1"Id"'),
        "hash_key: expected 'LockID', found 'Id'",
    ),
    Mutation(
        "bootstrap-oidc-other-audience",
        "INF-BOOTSTRAP-OIDC",
        INFRA,
        sub("bootstrap/github_oidc.tf", r'^(  client_id_list = )\["sts\.amazonaws\.com"\]$', r'\1["github"]'),
        "client_id_list: expected ['sts.amazonaws.com'], found ['github']",
    ),
    Mutation(
        "bootstrap-oidc-other-issuer",
        "INF-BOOTSTRAP-OIDC",
        INFRA,
        sub(
            "bootstrap/github_oidc.tf",
            r'^(  url\s+= )"https://token\.actions\.githubusercontent\.com"$',
            r'\1"https://gitlab.com"',
        ),
        "expected an aws_iam_openid_connect_provider with url 'https://token.actions.githubusercontent.com', "
        "found https://gitlab.com",
        also=("INF-BOOTSTRAP-DEPLOY-ROLES",),  # the roles trust the provider by reference: no longer GitHub's
    ),
    Mutation(
        "bootstrap-deploy-role-subject-wildcard",
        "INF-BOOTSTRAP-DEPLOY-ROLES",
        INFRA,
        sub(BOOTSTRAP_ROLES, DEPLOY_SUBJECT, r'test     = "StringLike"\1:*"]'),
        "token.actions.githubusercontent.com:sub: expected StringEquals "
        "['repo:bbws/2_1_bbws_product_infrastructure:environment:{env}'], found StringLike "
        "['repo:bbws/2_1_bbws_product_infrastructure:*']",
    ),
    Mutation(
        "bootstrap-deploy-role-trusts-prod-jobs",
        "INF-BOOTSTRAP-DEPLOY-ROLES",
        INFRA,
        sub(BOOTSTRAP_ROLES, DEPLOY_SUBJECT, r'test     = "StringEquals"\1:environment:prod"]'),
        "token.actions.githubusercontent.com:sub: expected exactly "
        "['repo:bbws/2_1_bbws_product_infrastructure:environment:{env}'], found "
        "['repo:bbws/2_1_bbws_product_infrastructure:environment:prod']",
        envs=("dev", "sit"),
    ),
    # The fan-out and the audit queue (platform) ----------------------------------------------------
    Mutation(
        "sns-audit-queue-unsubscribed",
        "INF-SNS-FAN-OUT",
        INFRA,
        sub("terraform/sns.tf", r"^    audit_queue = aws_sqs_queue\.audit_queue\.arn\n", ""),
        "expected an aws_sns_topic_subscription from aws_sns_topic.events_topic to aws_sqs_queue.audit_queue "
        "(bbws-product-audit-{env}), found none",
    ),
    Mutation(
        "sns-subscriptions-filter-out-deletes",
        "INF-SNS-FAN-OUT",
        INFRA,
        sub(
            "terraform/sns.tf",
            r"^(  raw_message_delivery = true)$",
            r'\1\n  filter_policy        = jsonencode({ event_type = ["created", "updated"] })',
        ),
        "filter_policy: expected every product change event delivered to bbws-product-audit-{env}, found a policy "
        "that drops the deleted events",
    ),
    Mutation(
        "sns-subscription-not-raw",
        "INF-SNS-FAN-OUT",
        INFRA,
        sub("terraform/sns.tf", r"^(  raw_message_delivery = )true$", r"\1false"),
        "raw_message_delivery: expected true, found False",
    ),
    Mutation(
        "sqs-audit-max-receive-5",
        "INF-SQS-AUDIT-QUEUE",
        INFRA,
        sub(SQS, r"(aws_sqs_queue\.audit_dead_letter\.arn\n\s+maxReceiveCount\s+= )3$", r"\g<1>5"),
        "maxReceiveCount: expected 3, found 5",
    ),
    Mutation(
        "sqs-audit-redrive-to-change-dlq",
        "INF-SQS-AUDIT-QUEUE",
        INFRA,
        sub(SQS, r"(deadLetterTargetArn = aws_sqs_queue\.)audit_dead_letter(\.arn)", r"\1dead_letter\2"),
        "deadLetterTargetArn: expected a reference to aws_sqs_queue.audit_dead_letter.arn, "
        "found ${aws_sqs_queue.dead_letter.arn}",
    ),
    # S3 ----------------------------------------------------------------------------------------
    Mutation(
        "s3-bucket-renamed",
        "INF-S3-BUCKET",
        INFRA,
        sub(S3, r'(bucket = )"bbws-product-audit-logs-\$', r'\1"bbws-product-audit-$'),
        "aws_s3_bucket named 'bbws-product-audit-logs-{env}', found bbws-product-audit-{env}",
        also=BUCKET_DEPENDENTS,  # lifecycle, public access, encryption and versioning attach to that bucket
    ),
    Mutation(
        "s3-glacier-after-30-days",
        "INF-S3-GLACIER",
        INFRA,
        sub(S3, r"(  days\s+= )365$", r"\g<1>30"),
        "found GLACIER transitions at [30] days",
    ),
    Mutation(
        "s3-glacier-instant-retrieval",
        "INF-S3-GLACIER",
        INFRA,
        sub(S3, r'(\n      storage_class = )"GLACIER"', r'\1"GLACIER_IR"'),
        "expected an enabled lifecycle rule moving objects to GLACIER after 365 days, found no enabled GLACIER",
    ),
    Mutation(
        "s3-public-policy-allowed",
        "INF-S3-PUBLIC-ACCESS",
        INFRA,
        sub(S3, r"(block_public_policy\s+= )true", r"\1false"),
        "block_public_policy: expected true, found False",
    ),
    Mutation(
        "s3-encryption-deleted",
        "INF-S3-SSE",
        INFRA,
        sub(S3, r'^resource "aws_s3_bucket_server_side_encryption_configuration" "audit_bucket" \{\n(.*\n)*?\}\n', ""),
        "expected default encryption for the bucket, found none",
    ),
    Mutation(
        "s3-versioning-suspended",
        "INF-S3-VERSIONING",
        INFRA,
        sub(S3, r'(versioning_configuration \{\n\s+status = )"Enabled"', r'\1"Suspended"'),
        "expected versioning Enabled on the bucket, found status 'Suspended'",
    ),
    # SNS, API, IAM, alarms, outputs --------------------------------------------------------------
    Mutation(
        "sns-topic-renamed",
        "INF-SNS-TOPIC",
        INFRA,
        sub("terraform/sns.tf", r'(name\s+= )"bbws-product-alerts-\$', r'\1"bbws-product-alarms-$'),
        "aws_sns_topic named 'bbws-product-alerts-{env}', found bbws-product-alarms-{env}",
        # The alarm must notify that topic, the drift role may publish only to it and an output holds its
        # ARN: they look it up by name.
        also=("INF-CW-DLQ-ALARM", "INF-CONFORMANCE-ROLE", "INF-OUTPUT-VALUES"),
    ),
    Mutation(
        "api-renamed",
        "INF-API-REST",
        INFRA,
        sub("terraform/api_gateway.tf", r'(name\s+= )"bbws-product-api-\$', r'\1"bbws-products-api-$'),
        "aws_api_gateway_rest_api named 'bbws-product-api-{env}', found bbws-products-api-{env}",
        also=("INF-OUTPUT-VALUES", "INF-APIGW-STAGE"),  # three outputs are the API's; the stage is found on it
    ),
    Mutation(
        "api-stage-named-v1",
        "INF-APIGW-STAGE",
        INFRA,
        sub("terraform/api_gateway.tf", r"^(  stage_name\s+= )var\.environment$", r'\1"v1"'),
        "expected an aws_api_gateway_stage of aws_api_gateway_rest_api.rest_api named '{env}', found v1",
    ),
    Mutation(
        "api-stage-without-access-logs",
        "INF-APIGW-STAGE",
        INFRA,
        sub("terraform/api_gateway.tf", r"^  access_log_settings \{\n(?:.*\n)*?  \}\n", ""),
        "expected access_log_settings with a destination_arn, found no access_log_settings",
    ),
    Mutation(
        "api-stage-logs-to-the-lambda-log-group",
        "INF-APIGW-STAGE",
        INFRA,
        sub(
            "terraform/api_gateway.tf",
            r"^(    destination_arn = )aws_cloudwatch_log_group\.api_access\.arn$",
            r'\1"${local.lambda_log_groups}/bbws-list-products-${var.environment}"',
        ),
        "access_log_settings.destination_arn: expected aws_cloudwatch_log_group.api_access.arn (the log group "
        "/aws/apigateway/bbws-product-api-access-{env}), found arn:${data.aws_partition.current.partition}:logs:",
    ),
    Mutation(
        "api-stage-burst-1000",
        "INF-APIGW-STAGE",
        INFRA,
        sub("terraform/api_gateway.tf", r"^(    throttling_burst_limit = )100$", r"\g<1>1000"),
        "settings.throttling_burst_limit: expected 100, found 1000",
    ),
    Mutation(
        "iam-trust-ec2",
        "INF-IAM-ROLES",
        INFRA,
        sub("terraform/iam.tf", r'(identifiers = )\["lambda\.amazonaws\.com"\]', r'\1["ec2.amazonaws.com"]'),
        "expected an aws_iam_role trusted by lambda.amazonaws.com (sts:AssumeRole), found none among",
        also=("INF-IAM-ROLE-NAMES",),  # the spec's roles are no longer trusted by Lambda either
    ),
    Mutation(
        "conformance-role-misses-a-read",
        "INF-CONFORMANCE-ROLE",
        INFRA,
        sub(ROLE, r'"dynamodb:DescribeContinuousBackups", ', ""),
        "expected dynamodb:DescribeContinuousBackups (the live suite calls dynamodb:DescribeContinuousBackups), "
        "found no grant",
    ),
    Mutation(
        "conformance-role-grants-a-write",
        "INF-CONFORMANCE-ROLE",
        INFRA,
        sub(ROLE, r'"sqs:GetQueueUrl"\]', '"sqs:GetQueueUrl", "sqs:PurgeQueue"]'),
        "expected only the live suite's reads and sns:Publish, found sqs:PurgeQueue, which the live suite never calls",
    ),
    Mutation(
        "conformance-role-any-environment",
        "INF-CONFORMANCE-ROLE",
        INFRA,
        sub(ROLE, r"environment:\$\{var\.environment\}", "environment:*", count=2),
        {env: f":environment:{env}'], found ['repo:" for env in ENVS},
    ),
    Mutation(
        "conformance-role-publishes-anywhere",
        "INF-CONFORMANCE-ROLE",
        INFRA,
        sub(ROLE, r'(actions   = \["sns:Publish"\]\n    resources = )\[aws_sns_topic\.alert_topic\.arn\]', r'\1["*"]'),
        "expected sns:Publish in a statement of its own, on the alert topic only, "
        "found actions ['sns:Publish'] on ['*']",
    ),
    Mutation(
        "alarm-without-actions",
        "INF-CW-DLQ-ALARM",
        INFRA,
        sub("terraform/cloudwatch.tf", r"^  alarm_actions\s+= \[aws_sns_topic\.alert_topic\.arn\]\n", ""),
        "expected alarm_actions with aws_sns_topic.alert_topic, found []",
    ),
    Mutation(
        "alarm-threshold-raised",
        "INF-CW-DLQ-ALARM",
        INFRA,
        sub("terraform/cloudwatch.tf", r"^(  threshold\s+= )1$", r"\g<1>100"),
        "cloudwatch.tf:11: INF-CW-DLQ-ALARM: threshold: expected an alarm as soon as 1 message is visible "
        "(GreaterThanOrEqualToThreshold 1, or GreaterThanThreshold 0), found GreaterThanOrEqualToThreshold 100: "
        "fires at 100 messages or more",
        also=("INF-CW-DLQ-ALARM-SETTINGS",),  # the spec's own threshold, exactly
    ),
    Mutation(
        "alarm-on-main-queue",
        "INF-CW-DLQ-ALARM",
        INFRA,
        sub(
            "terraform/cloudwatch.tf", r"(QueueName = )aws_sqs_queue\.dead_letter\.name", r"\1aws_sqs_queue.queue.name"
        ),
        "expected a CloudWatch alarm on aws_sqs_queue.dead_letter's visible messages notifying "
        "aws_sns_topic.alert_topic, found none",
    ),
    Mutation(
        "output-removed",
        "INF-OUTPUTS",
        INFRA,
        sub("terraform/outputs.tf", r'^output "sns_topic_arn" \{\n(.*\n)*?\}\n', ""),
        "terraform/outputs.tf: INF-OUTPUTS: expected outputs sns_topic_arn, found none of them",
    ),
    # data.tf -----------------------------------------------------------------------------------
    Mutation(
        "data-bucket-fixed-to-dev",
        "LAMBDA-REMOTE-STATE",
        SQS_FUNCTION,
        sub(DATA, r'(bucket = )"bbws-terraform-state-\$\{var\.environment\}"', r'\1"bbws-terraform-state-dev"'),
        {
            "dev": "expected config.bucket built from var.environment, found a fixed bucket",
            "sit": "config.bucket: expected 'bbws-terraform-state-sit', found 'bbws-terraform-state-dev'",
            "prod": "config.bucket: expected 'bbws-terraform-state-prod', found 'bbws-terraform-state-dev'",
        },
    ),
    Mutation(
        "data-key-of-another-repo",
        "LAMBDA-REMOTE-STATE",
        API_FUNCTION,
        sub(DATA, r'(key\s+= )"2_1_bbws_product_infrastructure/', r'\1"2_1_bbws_list_products/'),
        "config.key: expected '2_1_bbws_product_infrastructure/terraform.tfstate', "
        "found '2_1_bbws_list_products/terraform.tfstate'",
    ),
    Mutation(
        "local-from-wrong-output",
        "LAMBDA-REMOTE-STATE-LOCALS",
        PLAIN_FUNCTION,
        sub(
            DATA,
            r"(s3_audit_bucket\s+= data\.terraform_remote_state\.infrastructure\.outputs\.)s3_audit_bucket_name",
            r"\1sns_topic_arn",
        ),
        "local.s3_audit_bucket: expected data.terraform_remote_state.infrastructure.outputs.s3_audit_bucket_name, "
        "found data.terraform_remote_state.infrastructure.outputs.sns_topic_arn",
    ),
    Mutation(
        "lambda-names-unknown-output",
        "LAMBDA-OUTPUT-CONTRACT",
        API_FUNCTION,
        sub(
            DATA,
            r"(dynamodb_table_arn\s+= data\.terraform_remote_state\.infrastructure\.outputs\.)dynamodb_table_arn",
            r"\1dynamodb_arn",
        ),
        "expected an output of 2_1_bbws_product_infrastructure/terraform/outputs.tf, found dynamodb_arn",
    ),
    # The Lambda's own Terraform ----------------------------------------------------------------
    Mutation(
        "lambda-python39",
        "LAMBDA-FUNCTION",
        API_FUNCTION,
        sub("terraform/lambda.tf", r'(runtime\s+= )"python3\.12"', r'\1"python3.9"'),
        "runtime: expected 'python3.12', found 'python3.9'",
    ),
    Mutation(
        "api-integration-aws",
        "LAMBDA-API-TRIGGER",
        API_FUNCTION,
        sub("terraform/api_gateway_integration.tf", r'(type\s+= )"AWS_PROXY"', r'\1"AWS"'),
        "expected an aws_api_gateway_integration of type AWS_PROXY, found none",
    ),
    Mutation(
        "lambda-write-anonymous",
        "LAMBDA-METHOD-AUTHORIZATION",
        "create_product",
        sub("terraform/api_gateway_integration.tf", r'^(  authorization = )"AWS_IAM"$', r'\1"NONE"'),
        "terraform/api_gateway_integration.tf:19: LAMBDA-METHOD-AUTHORIZATION: authorization: expected 'AWS_IAM', "
        "found 'NONE'",
    ),
    Mutation(
        "event-source-without-partial-batch",
        "LAMBDA-SQS-PARTIAL-BATCH",
        SQS_FUNCTION,
        sub("terraform/sqs_event_source.tf", r'^  function_response_types = \["ReportBatchItemFailures"\]\n', ""),
        'expected function_response_types = ["ReportBatchItemFailures"], found []',
    ),
    # Backend and tfvars ------------------------------------------------------------------------
    Mutation(
        "backend-sit-bucket-of-dev",
        "REPO-BACKEND-S3",
        INFRA,
        sub(
            "terraform/environments/sit.backend.hcl",
            r'(bucket\s+= )"bbws-terraform-state-sit"',
            r'\1"bbws-terraform-state-dev"',
        ),
        "sit.backend.hcl:1: REPO-BACKEND-S3: bucket: expected 'bbws-terraform-state-sit', "
        "found 'bbws-terraform-state-dev'",
        envs=("sit",),
    ),
    Mutation(
        "backend-prod-without-lock",
        "REPO-BACKEND-LOCK",
        INFRA,
        sub("terraform/environments/prod.backend.hcl", r"^dynamodb_table\s+= .*\n", ""),
        "expected dynamodb_table or use_lockfile = true, found no state locking",
        envs=("prod",),
    ),
    Mutation(
        "backend-key-of-another-repo",
        "REPO-BACKEND-KEY",
        API_FUNCTION,
        sub("terraform/backend.tf", r'(key\s+= )"2_1_bbws_get_product/', r'\1"2_1_bbws_list_products/'),
        "key: expected '2_1_bbws_get_product/terraform.tfstate', found '2_1_bbws_list_products/terraform.tfstate'",
    ),
    Mutation(
        "tfvars-prod-region",
        "REPO-TFVARS",
        INFRA,
        sub("terraform/environments/prod.tfvars", r'(aws_region\s+= )"af-south-1"', r'\1"eu-west-1"'),
        "provider region for prod: expected 'af-south-1', found 'eu-west-1'",
        envs=("prod",),
    ),
    Mutation(
        "tfvars-sit-account-of-dev",
        "REPO-TFVARS",
        PLAIN_FUNCTION,
        sub("terraform/environments/sit.tfvars", r'(aws_account_id\s+= )"815856636111"', r'\1"536580886816"'),
        "allowed_account_ids for sit: expected ['815856636111'], found ['536580886816']",
        envs=("sit",),
    ),
    # Workflows ---------------------------------------------------------------------------------
    Mutation(
        "wf-push-instead-of-dispatch",
        "WF-DISPATCH",
        INFRA,
        sub(workflow("dev"), r"^  workflow_dispatch:$", "  push:"),
        "deploy-dev.yml:3: WF-DISPATCH: expected on: workflow_dispatch, found ['push']",
        envs=("dev",),
    ),
    Mutation(
        "wf-dispatch-and-push",
        "WF-DISPATCH",
        "list_products",
        sub(workflow("dev"), r"^  workflow_dispatch:$", "  workflow_dispatch:\n  push:"),
        "deploy-dev.yml:3: WF-DISPATCH: expected manual dispatch only, found also on: push",
        envs=("dev",),
    ),
    Mutation(
        "wf-confirmation-skippable",
        "WF-CONFIRM",
        "delete_product",
        sub(workflow("prod"), r"^(      - name: Check the typed confirmation\n)", r"\1        if: false\n"),
        "WF-CONFIRM: jobs.deploy: expected nothing that deploys to run unless confirm reads 'deploy-prod', "
        "found step 'Deploy' (line 86) runs when it reads ''",
        envs=("prod",),
    ),
    Mutation(
        "wf-without-id-token",
        "WF-OIDC",
        INFRA,
        sub(workflow("sit"), r"^      id-token: write.*\n", ""),
        'jobs.deploy.permissions: expected id-token: write, found {"contents": "read"}',
        envs=("sit",),
    ),
    Mutation(
        "wf-role-in-dev-account",
        "WF-OIDC",
        "create_product",
        sub(workflow("prod"), r"(role-to-assume: arn:aws:iam::)093646564004:", r"\g<1>536580886816:"),
        "jobs.deploy role-to-assume: expected a role in account 093646564004, "
        "found arn:aws:iam::536580886816:role/bbws-deploy-2_1_bbws_create_product-prod",
        envs=("prod",),
        also=("WF-DEPLOY-ROLE",),  # the spec's deploy role is in the env's account: another account is another role
    ),
    Mutation(
        "wf-sit-without-environment",
        "WF-APPROVAL",
        "update_product",
        sub(workflow("sit"), r"^    # A protected GitHub environment.*\n    environment: sit\n", ""),
        "deploy-sit.yml:13: WF-APPROVAL: jobs.deploy.environment: expected 'sit' (on the job or on a job it needs), "
        "found none: step 'Deploy' (line 67) runs without approval",
        envs=("sit",),
    ),
    Mutation(
        "wf-hotfix-workflow-applies-on-push",
        "WF-ONLY-DEPLOY-WORKFLOWS",
        "get_product",
        create(
            ".github/workflows/hotfix.yml",
            "name: hotfix\non: push\npermissions:\n  contents: read\njobs:\n  apply:\n    runs-on: ubuntu-latest\n"
            "    steps:\n      - run: terraform -chdir=terraform apply -auto-approve\n",
        ),
        "hotfix.yml:9: WF-ONLY-DEPLOY-WORKFLOWS: expected only .github/workflows/deploy-dev.yml, "
        ".github/workflows/deploy-prod.yml, .github/workflows/deploy-sit.yml to deploy (their gates: approval, "
        "confirmation), found job apply deploys in step 'terraform -chdir=terraform apply -auto-approve'",
    ),
    Mutation(
        "wf-confirmation-after-apply",
        "WF-CONFIRM",
        INFRA,
        move_to_end(workflow("prod"), r"^      - name: Check the typed confirmation\n(?:.+\n)+\n"),
        "deploy-prod.yml:70: WF-CONFIRM: jobs.deploy: expected nothing that deploys to run unless confirm reads "
        "'deploy-prod', found step 'Deploy' (line 70) runs when it reads ''",
        envs=("prod",),
    ),
    Mutation(
        "wf-confirmation-never-fails",
        "WF-CONFIRM",
        SQS_FUNCTION,
        sub(workflow("prod"), r"^            exit 1\n", ""),
        "deploy-prod.yml:84: WF-CONFIRM: jobs.deploy: expected nothing that deploys to run unless confirm reads "
        "'deploy-prod', found step 'Deploy' (line 84) runs when it reads ''",
        envs=("prod",),
    ),
    Mutation(
        "wf-without-runs-on",
        "WF-SCHEMA",
        "delete_product",
        sub(workflow("dev"), r"^    runs-on: ubuntu-latest\n", ""),
        "deploy-dev.yml:13: WF-SCHEMA: jobs.deploy: 'runs-on' is a required property",
        envs=("dev",),
    ),
    Mutation(
        "wf-permissions-misspelt",
        "WF-SCHEMA",
        INFRA,
        sub(workflow("prod"), r"^permissions: \{\}$", "permission: {}"),
        "deploy-prod.yml:1: WF-SCHEMA: (top): Additional properties are not allowed ('permission' was unexpected)",
        envs=("prod",),
    ),
    Mutation(
        "wf-checkout-by-tag",
        "WF-PINNED",
        "list_products",
        sub(workflow("sit"), r"(- name: Check out\n +uses: actions/checkout@)[0-9a-f]{40} # v4\.2\.2$", r"\1v4"),
        "jobs.deploy: expected an action pinned to a full commit SHA, found actions/checkout@v4",
        envs=("sit",),
    ),
    # Issue 13, workflows, backend and content (req-workflows): each fact of those criteria -------
    Mutation(
        "wf-region-of-dev",
        "WF-OIDC",
        "audit_logger",
        sub(workflow("prod"), r"^(          aws-region: )af-south-1$", r"\1eu-west-1"),
        "deploy-prod.yml:81: WF-OIDC: jobs.deploy aws-region: expected af-south-1, found eu-west-1",
        envs=("prod",),
    ),
    Mutation(
        "wf-role-from-a-secret",
        "WF-OIDC",
        INFRA,
        sub(workflow("dev"), r"^(          role-to-assume: ).*$", r"\1${{ secrets.DEPLOY_ROLE }}"),
        "deploy-dev.yml:58: WF-OIDC: jobs.deploy role-to-assume: cannot resolve ${{ secrets.DEPLOY_ROLE }} "
        "(secrets.DEPLOY_ROLE is not known before the run)",
        envs=("dev",),
        also=("WF-DEPLOY-ROLE",),  # which role it is cannot be told either
    ),
    Mutation(
        "wf-stored-keys",
        "WF-OIDC",
        "list_products",
        sub(
            workflow("sit"),
            r"^(          role-session-name: deploy-sit\n)",
            r"\1          aws-access-key-id: ${{ secrets.KEY }}\n",
        ),
        "deploy-sit.yml:65: WF-OIDC: jobs.deploy: expected OIDC (no stored keys), found aws-access-key-id",
        envs=("sit",),
    ),
    Mutation(
        "wf-role-of-another-name",
        "WF-DEPLOY-ROLE",
        "get_product",
        sub(workflow("dev"), r"(role/)bbws-deploy-2_1_bbws_get_product-dev$", r"\1bbws-deployer"),
        "deploy-dev.yml:63: WF-DEPLOY-ROLE: jobs.deploy role-to-assume: expected "
        "arn:aws:iam::536580886816:role/bbws-deploy-2_1_bbws_get_product-dev, "
        "found arn:aws:iam::536580886816:role/bbws-deployer",
        envs=("dev",),
    ),
    Mutation(
        "wf-sit-environment-renamed",
        "WF-APPROVAL",
        INFRA,
        sub(workflow("sit"), r"^(    environment: )sit$", r"\1staging"),
        "deploy-sit.yml:17: WF-APPROVAL: jobs.deploy.environment: expected 'sit' (on the job or on a job it needs), "
        "found 'staging': step 'Deploy' (line 64) runs without approval",
        envs=("sit",),
    ),
    Mutation(
        "wf-prod-without-environment",
        "WF-APPROVAL-CONFIRMED",
        "product_creator",
        sub(workflow("prod"), r"^    # A protected GitHub environment.*\n    environment: prod\n", ""),
        "WF-APPROVAL-CONFIRMED: jobs.deploy.environment: expected 'prod' (on the job or on a job it needs), found none",
        envs=("prod",),
    ),
    Mutation(
        "wf-confirmation-wrong-word",
        "WF-CONFIRM",
        "update_product",
        sub(workflow("prod"), r"^(          EXPECTED: )deploy-prod$", r"\1deploy-production"),
        "deploy-prod.yml:19: WF-CONFIRM: jobs.deploy: expected the deploy to run when confirm reads 'deploy-prod', "
        "found it never does",
        envs=("prod",),
    ),
    Mutation(
        "wf-confirmation-of-another-input",
        "WF-CONFIRM",
        "list_products",
        sub(workflow("prod"), r"(CONFIRMATION: \$\{\{ )inputs\.confirm( \}\})", r"\1inputs.reason\2"),
        "WF-CONFIRM: jobs.deploy: expected the deploy to run when confirm reads 'deploy-prod', found it never does",
        envs=("prod",),
    ),
    Mutation(
        "wf-confirmation-failure-ignored",
        "WF-CONFIRM",
        "create_product",
        sub(
            workflow("prod"), r"^(      - name: Check the typed confirmation\n)", r"\1        continue-on-error: true\n"
        ),
        "WF-CONFIRM: jobs.deploy: expected nothing that deploys to run unless confirm reads 'deploy-prod', "
        "found step 'Deploy' (line 86) runs when it reads ''",
        envs=("prod",),
    ),
    Mutation(
        "wf-confirmation-input-optional",
        "WF-CONFIRM",
        INFRA,
        sub(workflow("prod"), r"^(        required: )true$", r"\1false"),
        "deploy-prod.yml:4: WF-CONFIRM: expected a required workflow_dispatch input (type string) for the typed "
        "confirmation, found none",
        envs=("prod",),
    ),
    # The deploy's init is in scripts/deploy.sh, which every env's workflow calls: read through the call.
    Mutation(
        "backend-flag-overrides-the-key",
        "REPO-BACKEND-KEY",
        "delete_product",
        sub(DEPLOY_SCRIPT, INIT_BACKEND_FILE, r"\1 -backend-config=key=other/terraform.tfstate"),
        "scripts/deploy.sh:99: REPO-BACKEND-KEY: key: expected '2_1_bbws_delete_product/terraform.tfstate', "
        "found 'other/terraform.tfstate'",
    ),
    Mutation(
        "backend-every-deploy-inits-with-dev-file",
        "REPO-BACKEND-S3",
        "get_product",
        sub(DEPLOY_SCRIPT, INIT_BACKEND_FILE, '-backend-config="environments/dev.backend.hcl"'),  # dev's settings
        "dev.backend.hcl:1: REPO-BACKEND-S3: bucket: expected 'bbws-terraform-state-{env}', "
        "found 'bbws-terraform-state-dev'",
        envs=("sit", "prod"),
    ),
    Mutation(
        "backend-file-missing",
        "REPO-BACKEND-S3",
        INFRA,
        sub(DEPLOY_SCRIPT, INIT_BACKEND_FILE, '-backend-config="environments/qa.backend.hcl"'),  # a file nobody wrote
        "scripts/deploy.sh:94: REPO-BACKEND-S3: -backend-config=environments/qa.backend.hcl: expected the file "
        "terraform/environments/qa.backend.hcl, found none",
        also=("REPO-BACKEND-LOCK", "REPO-BACKEND-KEY"),  # the file holds all three settings
    ),
    Mutation(
        "backend-init-without-the-env-file",
        "REPO-BACKEND-S3",
        "list_products",
        sub(DEPLOY_SCRIPT, INIT_BACKEND_FILE, ""),
        "scripts/deploy.sh:99: REPO-BACKEND-S3: bucket: expected 'bbws-terraform-state-{env}', found none",
        also=("REPO-BACKEND-LOCK",),  # the lock table is in the env's file too
    ),
    Mutation(
        "backend-bucket-from-a-secret",
        "REPO-BACKEND-S3",
        "audit_logger",
        chain(
            sub(DEPLOY_SCRIPT, INIT_BACKEND_FILE, r'\1 -backend-config="bucket=${STATE_BUCKET}"'),
            sub(
                workflow("prod"),
                r"^(          CONFORMANCE_PLATFORM: .*\n)",
                r"\1          STATE_BUCKET: ${{ secrets.STATE_BUCKET }}\n",
            ),
        ),
        {  # only the prod workflow passes the secret on; the others leave the variable unset
            "prod": "scripts/deploy.sh:99: REPO-BACKEND-S3: bucket: cannot resolve -backend-config=bucket=... "
            "(secrets.STATE_BUCKET is not known before the run)",
            **{
                env: "scripts/deploy.sh:99: REPO-BACKEND-S3: bucket: cannot resolve -backend-config=bucket=... "
                "($STATE_BUCKET is not set in the step's env)"
                for env in ("dev", "sit")
            },
        },
    ),
    Mutation(
        "deploy-script-without-apply",
        "WF-TERRAFORM-DEPLOY",
        API_FUNCTION,
        sub(DEPLOY_SCRIPT, r"^terraform -chdir=terraform apply -input=false tfplan\n", ""),
        "WF-TERRAFORM-DEPLOY: expected terraform apply (in a job that deploys, or a repository script it calls), "
        "found none",
    ),
    Mutation(
        "deploy-script-plans-with-dev-variables",
        "WF-TERRAFORM-DEPLOY",
        PLAIN_FUNCTION,
        sub(DEPLOY_SCRIPT, r"environments/\$\{ENV\}\.tfvars", "environments/dev.tfvars", count=2),
        "WF-TERRAFORM-DEPLOY: expected terraform plan or apply with -var-file terraform/environments/{env}.tfvars, "
        "found terraform/environments/dev.tfvars",
        envs=("sit", "prod"),
    ),
    Mutation(
        "backend-lock-table-emptied-by-a-flag",
        "REPO-BACKEND-LOCK",
        "create_product",
        sub(DEPLOY_SCRIPT, INIT_BACKEND_FILE, r"\1 -backend-config=dynamodb_table="),
        "scripts/deploy.sh:99: REPO-BACKEND-LOCK: expected dynamodb_table or use_lockfile = true, "
        "found no state locking ('')",
    ),
    Mutation(
        "lambda-handler-names-no-function",
        "LAMBDA-HANDLER",
        API_FUNCTION,
        sub("terraform/lambda.tf", r'(handler\s+= )"src\.handler\.handler"', r'\1"src.handler.main"'),
        "lambda.tf:13: LAMBDA-HANDLER: handler 'src.handler.main': expected a function main in src/handler.py, "
        "found _handle, _product_id, get_service, handler",
    ),
    Mutation(
        "lambda-handler-module-missing",
        "LAMBDA-HANDLER",
        SQS_FUNCTION,
        sub("terraform/lambda.tf", r'(handler\s+= )"src\.handler\.handler"', r'\1"src.app.handler"'),
        "handler 'src.app.handler': expected a module src.app in src/ (src/app.py or src/src/app.py), found none",
    ),
    Mutation(
        "lambda-handler-takes-one-argument",
        "LAMBDA-HANDLER",
        "update_product",
        sub("src/handler.py", r"^(def handler\(event: dict\[str, Any\]), context: Any\)", r"\1)"),
        "expected handler(event, context) in src/handler.py, found handler(event: dict[str, Any])",
    ),
    Mutation(
        "lambda-source-syntax-error",
        "LAMBDA-HANDLER",
        PLAIN_FUNCTION,
        append("src/utils/logger.py", "\ndef broken(:\n    pass\n"),
        "src/utils/logger.py:110: LAMBDA-HANDLER: does not parse: invalid syntax",
    ),
    Mutation(
        "lambda-log-group-without-retention",
        "LAMBDA-LOG-GROUP",
        API_FUNCTION,
        sub("terraform/cloudwatch.tf", r"^  retention_in_days = var\.log_retention_days\n", ""),
        "cloudwatch.tf:3: LAMBDA-LOG-GROUP: expected retention_in_days (logs that expire), found none",
        also=("LAMBDA-LOG-RETENTION",),  # no retention is not the env's either
    ),
    Mutation(
        "lambda-log-group-of-another-function",
        "LAMBDA-LOG-GROUP",
        "delete_product",
        sub("terraform/cloudwatch.tf", r'(name\s+= "/aws/lambda/)bbws-delete-product-', r"\1bbws-remove-product-"),
        "cloudwatch.tf: LAMBDA-LOG-GROUP: expected an aws_cloudwatch_log_group named "
        "'/aws/lambda/bbws-delete-product-{env}', "
        "found /aws/lambda/bbws-remove-product-{env}",
        also=("LAMBDA-LOG-RETENTION",),  # the retention is judged on the function's group, which is missing
    ),
    Mutation(
        "lambda-log-retention-fixed",
        "LAMBDA-LOG-RETENTION",
        SQS_FUNCTION,
        sub("terraform/cloudwatch.tf", r"(retention_in_days = )var\.log_retention_days", r"\g<1>7"),
        {env: f"retention_in_days: expected {days}, found 7" for env, days in (("dev", 14), ("sit", 30), ("prod", 90))},
    ),
    Mutation(
        "event-source-from-the-dead-letter-queue",
        "LAMBDA-SQS-TRIGGER",
        PLAIN_FUNCTION,
        sub(
            "terraform/sqs_event_source.tf",
            r"(event_source_arn\s+= )local\.sqs_audit_queue_arn",
            r'\1"arn:aws:sqs:eu-west-1:1:bbws-product-change-dlq-dev"',
        ),
        "expected data.terraform_remote_state.infrastructure.outputs.sqs_audit_queue_arn (or the ARN of "
        "bbws-product-audit-{env}), found arn:aws:sqs:eu-west-1:1:bbws-product-change-dlq-dev",
    ),
    Mutation(
        "inf-readme-a-title-only",
        "INF-README",
        INFRA,
        sub("README.md", r"\A[\s\S]*\Z", "# 2_1_bbws_product_infrastructure\n"),
        "README.md: INF-README: expected deployment instructions: (terraform init, the backend config "
        "(-backend-config or the backend file), the env's variables (-var-file or <env>.tfvars), terraform apply) "
        "or (the deploy workflow (deploy-<env>.yml), how it is started (dispatch, Run workflow, gh workflow run)), "
        "found no terraform init; no the backend config (-backend-config or the backend file); no the env's "
        "variables (-var-file or <env>.tfvars); no terraform apply",
    ),
    Mutation(
        "lambda-readme-a-title-only",
        "LAMBDA-README",
        API_FUNCTION,
        sub("README.md", r"\A[\s\S]*\Z", "# get_product\n\nReturns one product.\n"),
        "README.md: LAMBDA-README: expected setup instructions: (installing the requirements (pip install, uv, "
        "poetry, pipenv, conda, make or a setup script)) or (terraform init, the backend config (-backend-config or "
        "the backend file), the env's variables (-var-file or <env>.tfvars), terraform apply), found no installing "
        "the requirements (pip install, uv, poetry, pipenv, conda, make or a setup script)",
    ),
    Mutation(
        "inf-validate-script-without-env",
        "INF-VALIDATE-SCRIPT",
        INFRA,
        sub("scripts/validate_infrastructure.py", r'^        "--env",$', '        "--stage",'),
        "validate_infrastructure.py: INF-VALIDATE-SCRIPT: expected the env to check as --env or --environment "
        "(argparse or click), found none",
    ),
    Mutation(
        "inf-validate-script-choices-without-prod",
        "INF-VALIDATE-SCRIPT",
        INFRA,
        sub(
            "scripts/validate_infrastructure.py",
            r"^(        choices=)sorted\(ENVIRONMENTS\),$",
            r'\1["dev", "sit"],',
        ),
        "validate_infrastructure.py:429: INF-VALIDATE-SCRIPT: --env: expected dev, sit, prod, "
        "found choices ['dev', 'sit']",
    ),
    Mutation(
        "inf-validate-script-env-required",
        "INF-VALIDATE-SCRIPT",
        INFRA,
        sub("scripts/validate_infrastructure.py", r'^        default="dev",$', "        required=True,"),
        "validate_infrastructure.py:429: INF-VALIDATE-SCRIPT: --env default: expected dev or sit or prod, "
        "found required=True (the requirement runs the script bare)",
    ),
    Mutation(
        "inf-validate-script-syntax-error",
        "INF-VALIDATE-SCRIPT",
        INFRA,
        append("scripts/validate_infrastructure.py", "\ndef broken(:\n    pass\n"),
        "validate_infrastructure.py:465: INF-VALIDATE-SCRIPT: does not parse: invalid syntax",
    ),
    Mutation(
        "lambda-coverage-floor-70",
        "LAMBDA-COVERAGE",
        "list_products",
        sub("pytest.ini", r"--cov-fail-under=80", "--cov-fail-under=70"),
        "pytest.ini: LAMBDA-COVERAGE: addopts: expected --cov-fail-under=80 or more, found --cov-fail-under=70",
    ),
    Mutation(
        "lambda-coverage-not-measured",
        "LAMBDA-COVERAGE",
        PLAIN_FUNCTION,
        sub("pytest.ini", r"--cov=src ", ""),
        "pytest.ini: LAMBDA-COVERAGE: addopts: expected --cov (coverage measured on every run), "
        "found --cov-report=term-missing --cov-fail-under=80",
    ),
    Mutation(
        "inf-gitignore-without-terraform-folder",
        "INF-GITIGNORE",
        INFRA,
        sub(".gitignore", r"^\.terraform/\n", ""),
        ".gitignore: INF-GITIGNORE: expected the Terraform entry .terraform/, found none",
    ),
]

# -- Infrastructure: one mutation per fact each INF-* criterion checks (issue 13), and a second resource
# or block configuring the same thing (issue 12: every one is judged, two of them fight) ---------------

CLOUDWATCH = "terraform/cloudwatch.tf"
IAM = "terraform/iam.tf"
OUTPUTS = "terraform/outputs.tf"
TABLE_DEPENDENTS = ("INF-DDB-PITR", "INF-DDB-KEYS", "INF-DDB-GSI", "INF-DDB-SSE", "INF-OUTPUT-VALUES")
PUBLIC_ACCESS_BLOCK = (
    '\nresource "aws_s3_bucket_public_access_block" "again" {{\n'
    "  bucket                  = aws_s3_bucket.audit_bucket.id\n"
    "  block_public_acls       = {flag}\n  block_public_policy     = {flag}\n"
    "  ignore_public_acls      = {flag}\n  restrict_public_buckets = {flag}\n}}\n"
)
REDRIVE = (
    '\nresource "aws_sqs_queue_redrive_policy" "again" {{\n'
    "  queue_url      = aws_sqs_queue.queue.id\n"
    "  redrive_policy = jsonencode({{\n"
    "    deadLetterTargetArn = aws_sqs_queue.dead_letter.arn\n    maxReceiveCount     = {count}\n  }})\n"
    "}}\n"
)

MUTATIONS += [
    # DynamoDB
    Mutation(
        "ddb-billing-mode-left-out",
        "INF-DDB-TABLE",
        INFRA,
        sub(DYNAMODB, r'^  billing_mode\s+= "PAY_PER_REQUEST"\n', ""),
        "billing_mode: expected 'PAY_PER_REQUEST', found 'PROVISIONED'",
    ),
    Mutation(
        "ddb-table-twice",
        "INF-DDB-TABLE",
        INFRA,
        append(
            DYNAMODB,
            '\nresource "aws_dynamodb_table" "again" {\n  name     = "bbws-products-${var.environment}"\n'
            '  hash_key = "PK"\n  attribute {\n    name = "PK"\n    type = "S"\n  }\n}\n',
        ),
        "aws_dynamodb_table 'bbws-products-{env}' configured twice: aws_dynamodb_table.table at",
        also=TABLE_DEPENDENTS,  # each looks the table up by its name first
    ),
    Mutation(
        "ddb-pitr-block-removed",
        "INF-DDB-PITR",
        INFRA,
        sub(DYNAMODB, r"^  point_in_time_recovery \{\n    enabled = true\n  \}\n", ""),
        "expected point_in_time_recovery { enabled = true }, found no point_in_time_recovery block",
    ),
    Mutation(
        "ddb-pitr-twice",
        "INF-DDB-PITR",
        INFRA,
        sub(
            DYNAMODB,
            r"^(  point_in_time_recovery \{\n    enabled = true\n  \}\n)",
            r"\1  point_in_time_recovery {\n    enabled = false\n  }\n",
        ),
        "the point_in_time_recovery of aws_dynamodb_table.table configured twice",
    ),
    Mutation(
        "ddb-range-key-removed",
        "INF-DDB-KEYS",
        INFRA,
        sub(DYNAMODB, r'^  range_key\s+= "SK"\n', ""),
        "range_key: expected 'SK', found None",
    ),
    Mutation(
        "ddb-hash-key-numeric",
        "INF-DDB-KEYS",
        INFRA,
        sub(DYNAMODB, r'(name = "PK"\n\s+type = )"S"', r'\1"N"'),
        "attribute PK: expected type 'S', found 'N'",
    ),
    Mutation(
        "ddb-key-declared-twice",
        "INF-DDB-KEYS",
        INFRA,
        sub(
            DYNAMODB,
            r'^(  attribute \{\n    name = "PK"\n    type = "S"\n  \}\n)',
            r'\1  attribute {\n    name = "PK"\n    type = "N"\n  }\n',
        ),
        "the type of PK in aws_dynamodb_table.table configured twice",
    ),
    Mutation(
        "ddb-price-index-renamed",
        "INF-DDB-GSI",
        INFRA,
        sub(DYNAMODB, r'(name\s+= )"ProductsByPriceIndex"', r'\1"ProductsByCostIndex"'),
        "expected global_secondary_index 'ProductsByPriceIndex', found ['ProductsByCostIndex', 'ProductsByNameIndex']",
    ),
    Mutation(
        "ddb-price-index-hash-key",
        "INF-DDB-GSI",
        INFRA,
        sub(DYNAMODB, r'(hash_key\s+= )"GSI1_PK"', r'\1"PK"'),
        "ProductsByPriceIndex hash_key: expected 'GSI1_PK', found 'PK'",
    ),
    Mutation(
        "ddb-name-index-hash-key",
        "INF-DDB-GSI",
        INFRA,
        sub(DYNAMODB, r'(hash_key\s+= )"GSI2_PK"', r'\1"SK"'),
        "ProductsByNameIndex hash_key: expected 'GSI2_PK', found 'SK'",
    ),
    Mutation(
        "ddb-name-index-range-key-added",
        "INF-DDB-GSI",
        INFRA,
        sub(DYNAMODB, r'(hash_key\s+= "GSI2_PK"\n)', r'\1    range_key       = "GSI1_SK"\n'),
        "ProductsByNameIndex range_key: expected None, found 'GSI1_SK'",
    ),
    Mutation(
        "ddb-index-key-numeric",
        "INF-DDB-GSI",
        INFRA,
        sub(DYNAMODB, r'(name = "GSI1_SK"\n\s+type = )"S"', r'\1"N"'),
        "attribute GSI1_SK: expected type 'S', found 'N'",
    ),
    Mutation(
        "ddb-index-twice",
        "INF-DDB-GSI",
        INFRA,
        sub(
            DYNAMODB,
            r'^(  global_secondary_index \{\n    name\s+= "ProductsByNameIndex"\n(?:.*\n)*?  \}\n)',
            r'\1\n  global_secondary_index {\n    name            = "ProductsByNameIndex"\n'
            r'    hash_key        = "GSI2_PK"\n    projection_type = "KEYS_ONLY"\n  }\n',
        ),
        "global_secondary_index 'ProductsByNameIndex' of aws_dynamodb_table.table configured twice",
    ),
    Mutation(
        "ddb-sse-disabled",
        "INF-DDB-SSE",
        INFRA,
        sub(DYNAMODB, r"(server_side_encryption \{\n\s+enabled\s+= )true", r"\1false"),
        "expected server_side_encryption { enabled = true }, found enabled = False",
    ),
    # SQS
    Mutation(
        "sqs-queue-twice",
        "INF-SQS-QUEUE",
        INFRA,
        append(SQS, '\nresource "aws_sqs_queue" "again" {\n  name = "bbws-product-change-${var.environment}"\n}\n'),
        "aws_sqs_queue 'bbws-product-change-{env}' configured twice: aws_sqs_queue.queue at",
        also=QUEUE_DEPENDENTS,
    ),
    Mutation(
        "sqs-queue-policy-twice",
        "INF-SQS-QUEUE",
        INFRA,
        append(
            SQS,
            '\nresource "aws_sqs_queue_policy" "again" {\n  queue_url = aws_sqs_queue.queue.url\n'
            '  policy    = data.aws_iam_policy_document.queue["queue"].json\n}\n',
        ),
        "the access policy of aws_sqs_queue.queue configured twice: aws_sqs_queue.queue.policy at",
    ),
    Mutation(
        "sqs-redrive-removed",
        "INF-SQS-DLQ",
        INFRA,
        sub(
            SQS,
            r"^\n  redrive_policy = jsonencode\(\{\n"
            r"    deadLetterTargetArn = aws_sqs_queue\.dead_letter\.arn\n(?:.*\n)*?  \}\)\n",
            "",
        ),
        "expected a redrive policy (redrive_policy on the queue, or an aws_sqs_queue_redrive_policy), found none",
        also=("INF-SQS-RECEIVE-COUNT",),  # no policy, no count
    ),
    Mutation(
        "sqs-redrive-to-another-queue",
        "INF-SQS-DLQ",
        INFRA,
        lambda repo: (
            sub(SQS, r"(deadLetterTargetArn = )aws_sqs_queue\.dead_letter\.arn", r"\1aws_sqs_queue.parking.arn")(repo),
            append(SQS, '\nresource "aws_sqs_queue" "parking" {\n  name = "bbws-parking-${var.environment}"\n}\n')(
                repo
            ),
        ),
        "deadLetterTargetArn: expected a reference to aws_sqs_queue.dead_letter.arn, "
        "found ${aws_sqs_queue.parking.arn}",
    ),
    Mutation(
        "sqs-redrive-to-the-dlq-url",
        "INF-SQS-DLQ",
        INFRA,
        sub(SQS, r"(deadLetterTargetArn = aws_sqs_queue\.dead_letter\.)arn", r"\1url"),
        "deadLetterTargetArn: expected a reference to aws_sqs_queue.dead_letter.arn, "
        "found ${aws_sqs_queue.dead_letter.url}",
    ),
    Mutation(
        "sqs-redrive-twice-agreeing",
        "INF-SQS-DLQ",
        INFRA,
        append(SQS, REDRIVE.format(count=3)),
        "the redrive policy of aws_sqs_queue.queue configured twice: aws_sqs_queue.queue.redrive_policy at",
    ),
    Mutation(
        "sqs-redrive-twice-weaker",
        "INF-SQS-RECEIVE-COUNT",
        INFRA,
        append(SQS, REDRIVE.format(count=10)),
        "maxReceiveCount: expected 3, found 10",
        also=("INF-SQS-DLQ",),  # configured twice
    ),
    Mutation(
        "sqs-dlq-denies-all",
        "INF-SQS-DLQ",
        INFRA,
        sub(
            SQS,
            r'(redrivePermission = )"byQueue"(\n    sourceQueueArns   = \[local\.queue_arns\.queue\])',
            r'\1"denyAll"\2',
        ),
        "expected the change queue aws_sqs_queue.queue allowed to move messages into the DLQ, "
        "found redrivePermission 'denyAll'",
    ),
    Mutation(
        "sqs-dlq-allows-another-queue",
        "INF-SQS-DLQ",
        INFRA,
        sub(SQS, r"(sourceQueueArns   = )\[local\.queue_arns\.queue\]", r"\1[aws_sqs_queue.audit_queue.arn]"),
        "allowed to move messages into the DLQ, found redrivePermission 'byQueue' for",
    ),
    Mutation(
        "sqs-queue-unencrypted",
        "INF-SQS-SSE",
        INFRA,
        sub(
            SQS,
            r'(bbws-product-change-\$\{var\.environment\}"\n(?:.*\n){2}\s+sqs_managed_sse_enabled\s+= )true',
            r"\1false",
        ),
        "expected sqs_managed_sse_enabled = true or a kms_master_key_id, found neither",
    ),
    Mutation(
        "sqs-encrypted-twice",
        "INF-SQS-SSE",
        INFRA,
        sub(
            SQS,
            r'(  name                       = "bbws-product-change-\$\{var\.environment\}"\n'
            r"  message_retention_seconds  = 345600\n)",
            r'\1  kms_master_key_id          = "alias/aws/sqs"\n',
        ),
        "the encryption of aws_sqs_queue.queue configured twice",
    ),
    # S3
    Mutation(
        "s3-public-acls-allowed",
        "INF-S3-PUBLIC-ACCESS",
        INFRA,
        sub(S3, r"(block_public_acls\s+= )true", r"\1false"),
        "block_public_acls: expected true, found False",
    ),
    Mutation(
        "s3-public-acls-honoured",
        "INF-S3-PUBLIC-ACCESS",
        INFRA,
        sub(S3, r"(ignore_public_acls\s+= )true", r"\1false"),
        "ignore_public_acls: expected true, found False",
    ),
    Mutation(
        "s3-public-buckets-unrestricted",
        "INF-S3-PUBLIC-ACCESS",
        INFRA,
        sub(S3, r"(restrict_public_buckets\s+= )true", r"\1false"),
        "restrict_public_buckets: expected true, found False",
    ),
    Mutation(
        "s3-public-access-flag-left-out",
        "INF-S3-PUBLIC-ACCESS",
        INFRA,
        sub(S3, r"^  restrict_public_buckets\s+= true\n", ""),
        "restrict_public_buckets: expected true, found None",
    ),
    Mutation(
        "s3-public-access-block-removed",
        "INF-S3-PUBLIC-ACCESS",
        INFRA,
        sub(S3, r'^resource "aws_s3_bucket_public_access_block" "audit_bucket" \{\n(.*\n)*?\}\n', ""),
        "expected an aws_s3_bucket_public_access_block for the bucket, found none",
    ),
    Mutation(
        "s3-public-access-block-twice-open",
        "INF-S3-PUBLIC-ACCESS",
        INFRA,
        append(S3, PUBLIC_ACCESS_BLOCK.format(flag="false")),
        "the public access block of aws_s3_bucket.audit_bucket configured twice: "
        "aws_s3_bucket_public_access_block.audit_bucket at",
    ),
    Mutation(
        "s3-public-access-block-twice-agreeing",
        "INF-S3-PUBLIC-ACCESS",
        INFRA,
        append(S3, PUBLIC_ACCESS_BLOCK.format(flag="true")),
        "and aws_s3_bucket_public_access_block.again at",
    ),
    Mutation(
        "s3-glacier-rule-disabled",
        "INF-S3-GLACIER",
        INFRA,
        sub(S3, r'(id     = "archive-to-glacier"\n    status = )"Enabled"', r'\1"Disabled"'),
        "expected an enabled lifecycle rule moving objects to GLACIER after 365 days, "
        "found no enabled GLACIER transition",
    ),
    Mutation(
        "s3-glacier-rule-on-a-prefix",
        "INF-S3-GLACIER",
        INFRA,
        sub(
            S3,
            r'(status = "Enabled"\n\n    # An empty filter.*\n    filter )\{\}',
            r'\1{\n      prefix = "logs/"\n    }',
        ),
        "found no enabled GLACIER transition",
    ),
    Mutation(
        "s3-glacier-rule-on-a-tag",
        "INF-S3-GLACIER",
        INFRA,
        sub(
            S3,
            r'(status = "Enabled"\n\n    # An empty filter.*\n    filter )\{\}',
            r'\1{\n      tag {\n        key   = "archive"\n        value = "yes"\n      }\n    }',
        ),
        "found no enabled GLACIER transition",
    ),
    Mutation(
        "s3-objects-expire-before-glacier",
        "INF-S3-GLACIER",
        INFRA,
        sub(S3, r"(    abort_incomplete_multipart_upload \{\n)", r"    expiration {\n      days = 30\n    }\n\n\1"),
        "expected objects kept until their GLACIER transition at 365 days, found expired after 30",
    ),
    Mutation(
        "s3-lifecycle-twice",
        "INF-S3-GLACIER",
        INFRA,
        append(
            S3,
            '\nresource "aws_s3_bucket_lifecycle_configuration" "again" {\n'
            "  bucket = aws_s3_bucket.audit_bucket.bucket\n"
            '  rule {\n    id     = "expire"\n    status = "Enabled"\n    filter {}\n    expiration {\n'
            "      days = 400\n    }\n  }\n}\n",
        ),
        "the lifecycle configuration of aws_s3_bucket.audit_bucket configured twice: "
        "aws_s3_bucket_lifecycle_configuration.audit_bucket at",
    ),
    Mutation(
        "s3-lifecycle-inline-and-separate",
        "INF-S3-GLACIER",
        INFRA,
        sub(
            S3,
            r'^(  bucket = "bbws-product-audit-logs-\$\{var\.environment\}"\n)',
            r"\1\n  lifecycle_rule {\n    enabled = true\n    transition {\n      days          = 365\n"
            r'      storage_class = "GLACIER"\n    }\n  }\n',
        ),
        "and aws_s3_bucket.audit_bucket (lifecycle_rule) at",
    ),
    Mutation(
        "s3-encryption-twice",
        "INF-S3-SSE",
        INFRA,
        append(
            S3,
            '\nresource "aws_s3_bucket_server_side_encryption_configuration" "again" {\n'
            "  bucket = aws_s3_bucket.audit_bucket.id\n  rule {\n    apply_server_side_encryption_by_default {\n"
            '      sse_algorithm = "AES256"\n    }\n  }\n}\n',
        ),
        "the default encryption of aws_s3_bucket.audit_bucket configured twice",
    ),
    Mutation(
        "s3-versioning-never-enabled",
        "INF-S3-VERSIONING",
        INFRA,
        sub(S3, r'^resource "aws_s3_bucket_versioning" "audit_bucket" \{\n(.*\n)*?\}\n', ""),
        "expected versioning Enabled on the bucket, found none",
    ),
    Mutation(
        "s3-versioning-twice",
        "INF-S3-VERSIONING",
        INFRA,
        append(
            S3,
            '\nresource "aws_s3_bucket_versioning" "again" {\n  bucket = "bbws-product-audit-logs-${var.environment}"\n'
            '  versioning_configuration {\n    status = "Suspended"\n  }\n}\n',
        ),
        "the versioning of aws_s3_bucket.audit_bucket configured twice",
    ),
    # SNS, API
    Mutation(
        "sns-topic-twice",
        "INF-SNS-TOPIC",
        INFRA,
        append(
            "terraform/sns.tf",
            '\nresource "aws_sns_topic" "again" {\n  name = "bbws-product-alerts-${var.environment}"\n}\n',
        ),
        "aws_sns_topic 'bbws-product-alerts-{env}' configured twice",
        also=("INF-CW-DLQ-ALARM", "INF-CONFORMANCE-ROLE", "INF-OUTPUT-VALUES"),  # they look the topic up by name
    ),
    Mutation(
        "api-twice",
        "INF-API-REST",
        INFRA,
        append(
            "terraform/api_gateway.tf",
            '\nresource "aws_api_gateway_rest_api" "again" {\n  name = "bbws-product-api-${var.environment}"\n}\n',
        ),
        "aws_api_gateway_rest_api 'bbws-product-api-{env}' configured twice",
        also=("INF-OUTPUT-VALUES", "INF-APIGW-STAGE"),
    ),
    # IAM
    Mutation(
        "iam-role-cannot-log",
        "INF-IAM-ROLES",
        INFRA,
        sub(
            IAM,
            r'(actions   = \["logs:CreateLogStream"), "logs:PutLogEvents"'
            r'(\]\n\s+resources = \["\$\{local\.lambda_log_groups\}/bbws-list-products-)',
            r"\1\2",
        ),
        "aws_iam_role.list_products: expected logs:CreateLogStream and logs:PutLogEvents "
        "(e.g. the AWSLambdaBasicExecutionRole managed policy), found not granted",
    ),
    Mutation(
        "iam-role-logging-denied",
        "INF-IAM-ROLES",
        INFRA,
        append(
            IAM,
            '\nresource "aws_iam_role_policy" "no_logs" {\n  role   = aws_iam_role.audit_logger.name\n'
            '  policy = jsonencode({ Statement = [{ Effect = "Deny", Action = "logs:*", Resource = "*" }] })\n}\n',
        ),
        "aws_iam_role.audit_logger: expected logs:CreateLogStream and logs:PutLogEvents",
    ),
    Mutation(
        "iam-inline-policies-twice",
        "INF-IAM-ROLES",
        INFRA,
        sub(
            IAM,
            r'(resource "aws_iam_role" "get_product" \{\n(?:.*\n)*?  assume_role_policy = .*\n)',
            r'\1\n  inline_policy {\n    name   = "logs"\n'
            r"    policy = data.aws_iam_policy_document.get_product.json\n  }\n",
        ),
        "the inline policies of aws_iam_role.get_product configured twice: aws_iam_role.get_product (inline_policy) at",
    ),
    Mutation(
        "iam-role-renamed",
        "INF-IAM-ROLE-NAMES",
        INFRA,
        sub(
            IAM,
            r'(resource "aws_iam_role" "list_products" \{\n  name\s+= )"bbws-list-products-role-\$',
            r'\1"bbws-catalogue-role-$',
        ),
        "expected an aws_iam_role named 'bbws-list-products-role-{env}'",
    ),
    # CloudWatch
    Mutation(
        "alarm-on-messages-in-flight",
        "INF-CW-DLQ-ALARM",
        INFRA,
        sub(
            CLOUDWATCH,
            r'(metric_name\s+= )"ApproximateNumberOfMessagesVisible"',
            r'\1"ApproximateNumberOfMessagesNotVisible"',
        ),
        "metric_name: expected 'ApproximateNumberOfMessagesVisible', found 'ApproximateNumberOfMessagesNotVisible'",
    ),
    Mutation(
        "alarm-counts-datapoints",
        "INF-CW-DLQ-ALARM",
        INFRA,
        sub(CLOUDWATCH, r'(statistic\s+= )"Maximum"', r'\1"SampleCount"'),
        "statistic: expected a statistic of the message count (Maximum, Sum, Average, Minimum or a percentile), "
        "found 'SampleCount'",
    ),
    Mutation(
        "alarm-when-empty",
        "INF-CW-DLQ-ALARM",
        INFRA,
        sub(CLOUDWATCH, r'(comparison_operator = )"GreaterThanOrEqualToThreshold"', r'\1"LessThanThreshold"'),
        "found LessThanThreshold 1: fires when the DLQ is (nearly) empty",
        also=("INF-CW-DLQ-ALARM-SETTINGS",),
    ),
    Mutation(
        "alarm-always",
        "INF-CW-DLQ-ALARM",
        INFRA,
        sub(CLOUDWATCH, r"^(  threshold\s+= )1$", r"\g<1>0"),
        "found GreaterThanOrEqualToThreshold 0: fires when the DLQ is empty too (always in alarm)",
        also=("INF-CW-DLQ-ALARM-SETTINGS",),
    ),
    Mutation(
        "alarm-above-one",
        "INF-CW-DLQ-ALARM",
        INFRA,
        sub(CLOUDWATCH, r'(comparison_operator = )"GreaterThanOrEqualToThreshold"', r'\1"GreaterThanThreshold"'),
        "found GreaterThanThreshold 1: fires above 1 messages only",
        also=("INF-CW-DLQ-ALARM-SETTINGS",),
    ),
    Mutation(
        "alarm-actions-disabled",
        "INF-CW-DLQ-ALARM",
        INFRA,
        sub(CLOUDWATCH, r"^(  ok_actions .*\n)", r"\1  actions_enabled     = false\n"),
        "expected actions_enabled = true, found false",
    ),
    Mutation(
        "alarm-name-twice",
        "INF-CW-DLQ-ALARM",
        INFRA,
        append(
            CLOUDWATCH,
            '\nresource "aws_cloudwatch_metric_alarm" "again" {\n'
            '  alarm_name          = "bbws-product-change-dlq-depth-${var.environment}"\n'
            '  namespace           = "AWS/SQS"\n  metric_name         = "ApproximateAgeOfOldestMessage"\n'
            '  statistic           = "Maximum"\n  period              = 300\n  evaluation_periods  = 1\n'
            '  threshold           = 600\n  comparison_operator = "GreaterThanThreshold"\n'
            "  dimensions = {\n    QueueName = aws_sqs_queue.queue.name\n  }\n}\n",
        ),
        "the alarm 'bbws-product-change-dlq-depth-{env}' configured twice: aws_cloudwatch_metric_alarm.dlq_alarm at",
        also=("INF-CW-DLQ-ALARM-SETTINGS",),  # the spec's alarm name is taken twice
    ),
    Mutation(
        "alarm-period-one-minute",
        "INF-CW-DLQ-ALARM-SETTINGS",
        INFRA,
        sub(CLOUDWATCH, r"^(  period\s+= )300$", r"\g<1>60"),
        "period: expected 300, found 60",
    ),
    Mutation(
        "alarm-above-zero",
        "INF-CW-DLQ-ALARM-SETTINGS",
        INFRA,
        lambda repo: (
            sub(CLOUDWATCH, r"^(  threshold\s+= )1$", r"\g<1>0")(repo),
            sub(CLOUDWATCH, r'(comparison_operator = )"GreaterThanOrEqualToThreshold"', r'\1"GreaterThanThreshold"')(
                repo
            ),
        ),
        "threshold: expected 1, found 0",  # the same alarm (INF-CW-DLQ-ALARM passes), not the spec's literals
    ),
    # Outputs
    Mutation(
        "output-queue-arn-of-the-dlq",
        "INF-OUTPUT-VALUES",
        INFRA,
        sub(OUTPUTS, r"(value\s+= aws_sqs_queue\.)queue(\.arn)", r"\1dead_letter\2"),
        "sqs_queue_arn: expected aws_sqs_queue.queue.arn (the queue's arn), found ${aws_sqs_queue.dead_letter.arn}",
    ),
    Mutation(
        "output-api-id-of-its-root",
        "INF-OUTPUT-VALUES",
        INFRA,
        sub(OUTPUTS, r"(value\s+= aws_api_gateway_rest_api\.rest_api\.)id$", r"\1root_resource_id"),
        "api_gateway_id: expected aws_api_gateway_rest_api.rest_api.id",
    ),
    Mutation(
        "output-bucket-arn-for-its-name",
        "INF-OUTPUT-VALUES",
        INFRA,
        sub(OUTPUTS, r"(value\s+= aws_s3_bucket\.audit_bucket\.)bucket$", r"\1arn"),
        "s3_audit_bucket_name: expected aws_s3_bucket.audit_bucket.bucket (the audit bucket's bucket), "
        "found ${aws_s3_bucket.audit_bucket.arn}",
    ),
]

# Checked by the real terraform (slow): run only for the mutated repo, with --terraform require.
TERRAFORM_MUTATIONS: list[Mutation] = [
    Mutation(
        "tf-misindented-attribute",
        "TF-FMT",
        API_FUNCTION,
        sub("terraform/lambda.tf", r'^  (runtime\s+= "python3\.12")$', r"      \1"),
        "terraform fmt -check: files not formatted: lambda.tf",
    ),
    Mutation(
        "tf-undeclared-resource",
        "TF-VALIDATE",
        PLAIN_FUNCTION,
        sub("terraform/lambda.tf", r"(depends_on = \[aws_cloudwatch_log_group\.)this\]", r"\1logs]"),
        "Reference to undeclared resource",
    ),
]


# -- running a mutation ----------------------------------------------------------------------------


Key = tuple[str, str, str | None]


def repo_of(platform: Platform, role: str) -> str:
    if role == INFRA:
        return platform.infrastructure.repo
    (function,) = [f for f in platform.lambdas.functions if f.name == role]
    return platform.lambda_repo(function)


def mutated_fleet(fleet: Path, tmp_path: Path, platform: Platform, mutation: Mutation) -> Path:
    root = tmp_path / "fleet"
    shutil.copytree(fleet, root, symlinks=True)
    mutation.edit(root / repo_of(platform, mutation.repo))
    return root


def expected_failures(platform: Platform, mutation: Mutation, baseline: Mapping[Key, str]) -> set[Key]:
    """(criterion, repo, env) cases the mutation must fail: the target and its listed co-failures."""
    repo = repo_of(platform, mutation.repo)
    criteria = by_id()
    keys = set()
    for criterion in (mutation.criterion, *mutation.also):
        for env in mutation.envs if criteria[criterion].per_env else (None,):
            key = (criterion, repo, env)
            assert key in baseline, f"{mutation.id}: {key} is not a case of the catalogue"
            keys.add(key)
    return keys


def fragment_for(mutation: Mutation, env: str | None) -> str:
    fragment = mutation.fragment if isinstance(mutation.fragment, str) else mutation.fragment[env]
    return fragment.replace("{env}", env or "")


def assert_useful_failure(outcome: Outcome, mutation: Mutation, repo: str, env: str | None) -> None:
    message = outcome.message
    assert outcome.status == "failed", f"{mutation.id}: expected {mutation.criterion} to fail, found {outcome}"
    assert fragment_for(mutation, env) in message, message
    shape = re.compile(rf"{re.escape(repo)}(/[^:\s]+(:\d+)?)?: {re.escape(mutation.criterion)}: \S")
    assert shape.match(message), f"expected `repo/path[:line]: ID: ...`, found {message!r}"
    problems = [line for line in message.splitlines() if f": {mutation.criterion}: " in line]
    assert all(shape.match(line) for line in problems), message
    assert "Traceback" not in message


@pytest.fixture(scope="module")
def baseline(fleet: Path, platform: Platform) -> dict[Key, str]:
    """Every case's outcome on the unmutated fleet: all passed, terraform skipped (it is off)."""
    results = {key: outcome.status for key, outcome in outcomes(fleet, platform, ALL_ENVS).items()}
    unexpected = {k: s for k, s in results.items() if s != ("skipped" if k[0] in TERRAFORM_CRITERIA else "passed")}
    assert not unexpected, unexpected
    return results


def test_every_criterion_has_a_mutation() -> None:
    covered = {m.criterion for m in MUTATIONS + TERRAFORM_MUTATIONS}
    missing = [c.id for c in CRITERIA if c.id not in covered]
    assert not missing, f"criteria without a mutation in tests/test_conformance_mutations.py: {missing}"
    assert covered <= set(by_id()), covered - set(by_id())


def test_mutation_ids_are_unique_and_the_end_to_end_ones_exist() -> None:
    ids = [m.id for m in MUTATIONS + TERRAFORM_MUTATIONS]
    assert len(ids) == len(set(ids))
    assert set(END_TO_END) <= {m.id for m in MUTATIONS}


@pytest.mark.parametrize("mutation", MUTATIONS, ids=str)
def test_a_mutation_fails_its_criterion_and_nothing_else(
    mutation: Mutation, fleet: Path, platform: Platform, baseline: dict[Key, str], tmp_path: Path
) -> None:
    root = mutated_fleet(fleet, tmp_path, platform, mutation)
    results = outcomes(root, platform, ALL_ENVS)
    assert set(results) == set(baseline)
    repo = repo_of(platform, mutation.repo)
    must_fail = expected_failures(platform, mutation, baseline)
    for key in sorted(must_fail, key=str):
        if key[0] == mutation.criterion:
            assert_useful_failure(results[key], mutation, repo, key[2])
        else:
            assert results[key].status == "failed", f"{mutation.id}: co-failure {key}: {results[key]}"
    if mutation.criterion == PRESENT:
        # A missing repository fails once; its other cases are skipped, with the reason.
        gone = {k for k in baseline if k[1] == repo and k[0] != PRESENT}
        assert all(results[k].status == "skipped" for k in gone)
        assert all("missing (reported once under REPO-PRESENT)" in results[k].message for k in gone)
        must_fail |= {k for k in gone if baseline[k] != "skipped"}
    changed = {key: results[key] for key in baseline if results[key].status != baseline[key]}
    unexpected = {key: outcome for key, outcome in changed.items() if key not in must_fail}
    assert not unexpected, f"{mutation.id} also changed: {unexpected}"
    assert set(changed) == must_fail


@pytest.mark.terraform
@pytest.mark.parametrize("mutation", TERRAFORM_MUTATIONS, ids=str)
def test_a_terraform_mutation_fails_its_check_and_nothing_else(
    mutation: Mutation,
    fleet: Path,
    platform: Platform,
    baseline: dict[Key, str],
    tmp_path: Path,
    terraform_env: dict[str, str],
) -> None:
    root = mutated_fleet(fleet, tmp_path, platform, mutation)
    static = outcomes(root, platform, ALL_ENVS)
    assert {k: o.status for k, o in static.items()} == baseline, "the static checks must not see the mutation"
    repo = repo_of(platform, mutation.repo)
    evidence = FleetEvidence(root, platform, {"terraform": "require"})
    cases = [
        c for c in plan_cases(platform, CRITERIA, ALL_ENVS) if c.repo == repo and c.criterion.id in TERRAFORM_CRITERIA
    ]
    assert sorted(c.criterion.id for c in cases) == sorted(TERRAFORM_CRITERIA)
    for case in cases:
        outcome = run_case(case, evidence)
        if case.criterion.id == mutation.criterion:
            assert_useful_failure(outcome, mutation, repo, None)
        else:
            assert outcome.status == "passed", f"{case.id}: {outcome.message}"


# -- through the real pytest plugin ----------------------------------------------------------------

END_TO_END = ["sqs-redrive-to-main-queue", "data-bucket-fixed-to-dev", "lambda-sqs-source-in-api-lambda"]


@pytest.mark.parametrize("mutation", [m for m in MUTATIONS if m.id in END_TO_END], ids=str)
def test_a_mutation_fails_the_plugin_run(
    mutation: Mutation, fleet: Path, platform: Platform, baseline: dict[Key, str], tmp_path: Path
) -> None:
    root = mutated_fleet(fleet, tmp_path, platform, mutation)
    result, report = run_suite(root, tmp_path, "--env", "all", "--terraform", "off")
    assert result.returncode == 1, result.stdout[-3000:]
    failed = {(r["criterion"], r["repo"], r["env"]): r for r in report["results"] if r["outcome"] == "failed"}
    assert set(failed) == expected_failures(platform, mutation, baseline)
    for (_, _, env), row in failed.items():
        assert fragment_for(mutation, env) in row["message"]
    assert report["summary"]["failed"] == len(failed)
    assert "Traceback" not in result.stdout
