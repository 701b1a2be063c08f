"""Issue 14's static criteria (platform profile): the fan-out, the audit queue, the stage, the methods' authorization.

Each criterion passes the generated fleet (tests/test_conformance_static.py) and its mutations break it
(tests/test_conformance_mutations.py); here each one also passes conforming styles the templates never
use, and fails other breakages with its message at the file and line of the fault. Only the repository a
criterion judges is copied and only that criterion runs, in process, for every env.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conformance.catalogue import by_id
from conformance.evidence.fleet import FleetEvidence
from conformance.platform import Platform
from conformance.platform.load import parse_platform
from conformance.runner import Outcome, plan_cases, run_case
from tests.test_conformance_mutations import Edit, append, sub

ENVS = ("dev", "sit", "prod")
SNS, SQS, API = "terraform/sns.tf", "terraform/sqs.tf", "terraform/api_gateway.tf"
METHOD = "terraform/api_gateway_integration.tf"


def repo_name(platform: Platform, role: str) -> str:
    if role == "infrastructure":
        return platform.infrastructure.repo
    return platform.lambda_repo(platform.function(role))


def verdicts(
    fleet: Path, tmp_path: Path, platform: Platform, criterion: str, role: str, *edits: Edit
) -> tuple[Path, dict[str, Outcome]]:
    """The criterion's verdict per env on an edited copy of one repository of the generated fleet."""
    repo = repo_name(platform, role)
    root = tmp_path / "fleet"
    shutil.copytree(fleet / repo, root / repo, symlinks=True)
    for edit in edits:
        edit(root / repo)
    evidence = FleetEvidence(root, platform, {"terraform": "off"})
    cases = [c for c in plan_cases(platform, [by_id()[criterion]], list(ENVS)) if c.repo == repo]
    assert sorted(str(c.env) for c in cases) == sorted(ENVS)
    return root / repo, {str(c.env): run_case(c, evidence) for c in cases}


def line_of(path: Path, pattern: str) -> int:
    """The line (1-based) of the one line matching `pattern` in the file."""
    found = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if re.search(pattern, line)]
    assert len(found) == 1, f"{path}: expected one line matching {pattern!r}, found {found}"
    return found[0]


def assert_passes(results: dict[str, Outcome]) -> None:
    assert {env: (o.status, o.message) for env, o in results.items()} == {env: ("passed", "") for env in ENVS}


def assert_fails(results: dict[str, Outcome], repo: Path, criterion: str, relative: str, line: int, message: str):
    """Every env fails with `repo/relative:line: ID: message` ("{env}" in the message stands for the env)."""
    for env, outcome in results.items():
        wanted = f"{repo.name}/{relative}:{line}: {criterion}: {message.replace('{env}', env)}"
        assert outcome.status == "failed", (env, outcome)
        assert wanted in outcome.message.splitlines(), (wanted, outcome.message)


# -- INF-SNS-FAN-OUT -----------------------------------------------------------------------------

FOR_EACH_SUBSCRIPTION = r'^resource "aws_sns_topic_subscription" "events" \{\n(?:.*\n)*?\}\n'

PER_QUEUE = """
resource "aws_sns_topic_subscription" "change" {
  topic_arn            = aws_sns_topic.events_topic.id
  protocol             = "sqs"
  endpoint             = local.queue_arns.queue
  raw_message_delivery = "true"
}

resource "aws_sns_topic_subscription" "audit" {
  topic_arn            = local.events_topic_arn
  protocol             = "sqs"
  endpoint             = "arn:aws:sqs:${var.aws_region}:${var.aws_account_id}:bbws-product-audit-${var.environment}"
  raw_message_delivery = true
}
"""

BY_COUNT = """
resource "aws_sns_topic_subscription" "by_index" {
  count = length(local.subscribed_queues)

  topic_arn            = aws_sns_topic.events_topic.arn
  protocol             = "sqs"
  endpoint             = [aws_sqs_queue.queue.arn, aws_sqs_queue.audit_queue.arn][count.index]
  raw_message_delivery = true
}
"""


@pytest.mark.parametrize("style", [PER_QUEUE, BY_COUNT], ids=["per-queue-literal-arns", "count"])
def test_fan_out_passes_subscriptions_in_other_styles(style: str, fleet: Path, tmp_path: Path, platform) -> None:
    edits = (sub(SNS, FOR_EACH_SUBSCRIPTION, ""), append(SNS, style))
    _, results = verdicts(fleet, tmp_path, platform, "INF-SNS-FAN-OUT", "infrastructure", *edits)
    assert_passes(results)


def test_fan_out_fails_when_the_audit_queue_s_dlq_is_subscribed_instead(fleet: Path, tmp_path: Path, platform) -> None:
    edit = sub(SNS, r"(audit_queue = aws_sqs_queue\.)audit_queue(\.arn)", r"\1audit_dead_letter\2")
    repo, results = verdicts(fleet, tmp_path, platform, "INF-SNS-FAN-OUT", "infrastructure", edit)
    line = line_of(repo / SNS, r'^resource "aws_sns_topic" "events_topic"')
    message = (
        "expected an aws_sns_topic_subscription from aws_sns_topic.events_topic to aws_sqs_queue.audit_queue "
        "(bbws-product-audit-{env}), found none"
    )
    assert_fails(results, repo, "INF-SNS-FAN-OUT", SNS, line, message)


def test_fan_out_fails_a_subscription_from_the_alert_topic(fleet: Path, tmp_path: Path, platform) -> None:
    edit = sub(SNS, r"(topic_arn\s+= aws_sns_topic\.)events_topic(\.arn)", r"\1alert_topic\2")
    repo, results = verdicts(fleet, tmp_path, platform, "INF-SNS-FAN-OUT", "infrastructure", edit)
    line = line_of(repo / SNS, r'^resource "aws_sns_topic" "events_topic"')
    message = "from aws_sns_topic.events_topic to aws_sqs_queue.queue (bbws-product-change-{env}), found none"
    for outcome in results.values():
        assert outcome.status == "failed" and f"sns.tf:{line}: INF-SNS-FAN-OUT: expected" in outcome.message
    assert all(message.replace("{env}", env) in o.message for env, o in results.items())


def test_fan_out_fails_another_protocol(fleet: Path, tmp_path: Path, platform) -> None:
    edit = sub(SNS, r'^(  protocol\s+= )"sqs"$', r'\1"lambda"')
    repo, results = verdicts(fleet, tmp_path, platform, "INF-SNS-FAN-OUT", "infrastructure", edit)
    line = line_of(repo / SNS, r'^  protocol\s+= "lambda"')
    assert_fails(results, repo, "INF-SNS-FAN-OUT", SNS, line, "protocol: expected 'sqs', found 'lambda'")


def test_fan_out_fails_a_queue_subscribed_twice(fleet: Path, tmp_path: Path, platform) -> None:
    again = (
        '\nresource "aws_sns_topic_subscription" "again" {\n  topic_arn = aws_sns_topic.events_topic.arn\n'
        '  protocol  = "sqs"\n  endpoint  = aws_sqs_queue.queue.arn\n  raw_message_delivery = true\n}\n'
    )
    repo, results = verdicts(fleet, tmp_path, platform, "INF-SNS-FAN-OUT", "infrastructure", append(SNS, again))
    line = line_of(repo / SNS, r'^resource "aws_sns_topic_subscription" "again"')
    message = (
        "the subscription of aws_sqs_queue.queue to aws_sns_topic.events_topic configured twice: "
        'aws_sns_topic_subscription.events["queue"] at'
    )
    for outcome in results.values():
        assert f"sns.tf:{line}: INF-SNS-FAN-OUT: {message}" in outcome.message, outcome.message


RAW = r"^(  raw_message_delivery = true)$"


def with_filter(policy: str, scope: str | None = None) -> Edit:
    """Both subscriptions (the template's for_each) given a filter policy (and its scope)."""
    scoped = f'\n  filter_policy_scope  = "{scope}"' if scope else ""
    return sub(SNS, RAW, rf"\1\n  filter_policy        = {policy}{scoped}")


@pytest.mark.parametrize(
    ("policy", "scope"),
    [
        ('jsonencode({ event_type = ["created", "updated", "deleted"] })', None),
        ('jsonencode({ event_type = [{ "anything-but" = ["sandbox-probe"] }] })', "MessageAttributes"),
        ('jsonencode({ event_type = [{ prefix = "" }], product_id = [{ exists = true }] })', "MessageBody"),
        ('"{\\"source\\": [{\\"exists\\": false}]}"', None),
    ],
    ids=["every-type", "anything-but", "body-scope", "absent-attribute"],
)
def test_fan_out_passes_a_filter_policy_that_keeps_every_change_event(
    policy: str, scope: str | None, fleet: Path, tmp_path: Path, platform
) -> None:
    _, results = verdicts(fleet, tmp_path, platform, "INF-SNS-FAN-OUT", "infrastructure", with_filter(policy, scope))
    assert_passes(results)


@pytest.mark.parametrize(
    ("policy", "scope", "found"),
    [
        (
            'jsonencode({ event_type = ["created", "updated"] })',
            None,
            "a policy that drops the deleted events",
        ),
        (
            'jsonencode({ event_type = [{ "anything-but" = { prefix = "del" } }] })',
            "MessageAttributes",
            "a policy that drops the deleted events",
        ),
        (
            'jsonencode({ product_id = [{ prefix = "a" }] })',
            "MessageBody",
            "a policy that drops events whose product_id does not match (it varies from event to event)",
        ),
        (
            'jsonencode({ kind = ["product"] })',
            None,
            "a policy that drops the created, updated, deleted events",
        ),
    ],
    ids=["two-types", "anything-but-prefix", "by-product", "unknown-attribute"],
)
def test_fan_out_fails_a_filter_policy_that_drops_change_events(
    policy: str, scope: str | None, found: str, fleet: Path, tmp_path: Path, platform
) -> None:
    repo, results = verdicts(fleet, tmp_path, platform, "INF-SNS-FAN-OUT", "infrastructure", with_filter(policy, scope))
    line = line_of(repo / SNS, r"^  filter_policy        = ")
    for queue in ("bbws-product-change-{env}", "bbws-product-audit-{env}"):
        message = f"filter_policy: expected every product change event delivered to {queue}, found {found}"
        assert_fails(results, repo, "INF-SNS-FAN-OUT", SNS, line, message)


def test_fan_out_fails_a_filter_policy_it_cannot_judge(fleet: Path, tmp_path: Path, platform) -> None:
    edit = with_filter('jsonencode({ event_type = [{ numeric = [">", 0] }] })')
    repo, results = verdicts(fleet, tmp_path, platform, "INF-SNS-FAN-OUT", "infrastructure", edit)
    line = line_of(repo / SNS, r"^  filter_policy        = ")
    message = (
        "filter_policy: expected a filter policy the suite can judge (every change event to "
        "bbws-product-audit-{env}), found the operator 'numeric' with ['>', 0]"
    )
    assert_fails(results, repo, "INF-SNS-FAN-OUT", SNS, line, message)


def test_the_change_event_types_are_the_lambda_template_s(platform) -> None:
    """The filter judgement's event types and attribute are the ones the API Lambdas publish."""
    from conformance.criteria.sns_filter import CHANGE_EVENT_TYPES, EVENT_TYPE_FIELD
    from conformance.paths import LAMBDA_TEMPLATE

    events = LAMBDA_TEMPLATE / "{{cookiecutter.__repo_name}}/src/models/events.py"
    text = events.read_text(encoding="utf-8")
    enum = text[text.index("class ChangeType") : text.index("class ProductChangeEvent")]
    assert tuple(re.findall(r'^    [A-Z]+ = "(\w+)"$', enum, flags=re.M)) == CHANGE_EVENT_TYPES
    assert f'EVENT_TYPE_ATTRIBUTE = "{EVENT_TYPE_FIELD}"' in text


# -- INF-SQS-AUDIT-QUEUE ---------------------------------------------------------------------------

AUDIT_REDRIVE = (
    r"^\n  redrive_policy = jsonencode\(\{\n"
    r"    deadLetterTargetArn = aws_sqs_queue\.audit_dead_letter\.arn\n(?:.*\n)*?  \}\)\n"
)
SEPARATE_REDRIVE = """
resource "aws_sqs_queue_redrive_policy" "audit_queue" {
  queue_url = aws_sqs_queue.audit_queue.id
  redrive_policy = jsonencode({
    deadLetterTargetArn = local.queue_arns.audit_dead_letter
    maxReceiveCount     = "3"
  })
}
"""


def test_audit_queue_passes_a_redrive_policy_of_its_own_with_a_literal_arn(fleet: Path, tmp_path: Path, platform):
    edits = (sub(SQS, AUDIT_REDRIVE, ""), append(SQS, SEPARATE_REDRIVE))
    _, results = verdicts(fleet, tmp_path, platform, "INF-SQS-AUDIT-QUEUE", "infrastructure", *edits)
    assert_passes(results)


def test_audit_queue_fails_without_a_redrive_policy(fleet: Path, tmp_path: Path, platform) -> None:
    repo, results = verdicts(
        fleet, tmp_path, platform, "INF-SQS-AUDIT-QUEUE", "infrastructure", sub(SQS, AUDIT_REDRIVE, "")
    )
    line = line_of(repo / SQS, r'^resource "aws_sqs_queue" "audit_queue"')
    message = "expected a redrive policy (redrive_policy on the queue, or an aws_sqs_queue_redrive_policy), found none"
    assert_fails(results, repo, "INF-SQS-AUDIT-QUEUE", SQS, line, message)


def test_audit_queue_fails_when_its_dlq_lets_only_the_change_queue_in(fleet: Path, tmp_path: Path, platform) -> None:
    edit = sub(SQS, r"(sourceQueueArns   = \[local\.queue_arns\.)audit_queue\]", r"\1queue]")
    repo, results = verdicts(fleet, tmp_path, platform, "INF-SQS-AUDIT-QUEUE", "infrastructure", edit)
    text = (repo / SQS).read_text(encoding="utf-8").splitlines()
    audit_dlq = line_of(repo / SQS, r'^resource "aws_sqs_queue" "audit_dead_letter"')
    # two DLQs have an allow policy: the audit one's
    line = next(n for n, t in enumerate(text, 1) if n > audit_dlq and t.startswith("  redrive_allow_policy"))
    message = (
        "aws_sqs_queue.audit_dead_letter.redrive_allow_policy: expected the audit queue aws_sqs_queue.audit_queue "
        "allowed to move messages into the DLQ, found redrivePermission 'byQueue' for"
    )
    for outcome in results.values():
        assert f"sqs.tf:{line}: INF-SQS-AUDIT-QUEUE: {message}" in outcome.message, outcome.message


def test_audit_queue_fails_when_it_is_renamed(fleet: Path, tmp_path: Path, platform) -> None:
    edit = sub(SQS, r'(name\s+= )"bbws-product-audit-\$', r'\1"bbws-product-audits-$')
    repo, results = verdicts(fleet, tmp_path, platform, "INF-SQS-AUDIT-QUEUE", "infrastructure", edit)
    for env, outcome in results.items():
        assert outcome.status == "failed"
        assert (
            f"{repo.name}/terraform: INF-SQS-AUDIT-QUEUE: expected an aws_sqs_queue named 'bbws-product-audit-{env}'"
            in (outcome.message)
        )


# -- INF-APIGW-STAGE -------------------------------------------------------------------------------

METHOD_SETTINGS = r'^resource "aws_api_gateway_method_settings" "all" \{\n(?:.*\n)*?\}\n'
LITERAL_SETTINGS = """
resource "aws_api_gateway_method_settings" "every_method" {
  rest_api_id = aws_api_gateway_rest_api.rest_api.id
  stage_name  = "${var.environment}"
  method_path = "*/*"

  settings {
    throttling_rate_limit  = 50.0
    throttling_burst_limit = "100"
  }

  depends_on = [aws_api_gateway_stage.stage]
}
"""


def test_stage_passes_throttling_set_on_the_stage_by_its_name(fleet: Path, tmp_path: Path, platform) -> None:
    edits = (sub(API, METHOD_SETTINGS, ""), append(API, LITERAL_SETTINGS))
    _, results = verdicts(fleet, tmp_path, platform, "INF-APIGW-STAGE", "infrastructure", *edits)
    assert_passes(results)


def test_stage_fails_throttling_of_one_method_only(fleet: Path, tmp_path: Path, platform) -> None:
    edit = sub(API, r'^(  method_path = )"\*/\*"$', r'\1"products/GET"')
    repo, results = verdicts(fleet, tmp_path, platform, "INF-APIGW-STAGE", "infrastructure", edit)
    line = line_of(repo / API, r'^resource "aws_api_gateway_stage" "stage"')
    message = (
        "expected an aws_api_gateway_method_settings of aws_api_gateway_stage.stage for '*/*' or for each method "
        "(its throttling), found none for products/{id}/GET, products/POST, products/{id}/PUT, products/{id}/DELETE"
    )
    assert_fails(results, repo, "INF-APIGW-STAGE", API, line, message)


PER_METHOD_SETTINGS = """
resource "aws_api_gateway_method_settings" "each_method" {
  for_each = toset(["products/GET", "products/{id}/GET", "products/POST", "products/{id}/PUT", "products/{id}/DELETE"])

  rest_api_id = aws_api_gateway_rest_api.rest_api.id
  stage_name  = aws_api_gateway_stage.stage.stage_name
  method_path = each.key

  settings {
    throttling_burst_limit = 100
    throttling_rate_limit  = 50
  }
}
"""


def test_stage_passes_throttling_set_method_by_method(fleet: Path, tmp_path: Path, platform) -> None:
    edits = (sub(API, METHOD_SETTINGS, ""), append(API, PER_METHOD_SETTINGS))
    _, results = verdicts(fleet, tmp_path, platform, "INF-APIGW-STAGE", "infrastructure", *edits)
    assert_passes(results)


OVERRIDE_POST = """
resource "aws_api_gateway_method_settings" "post" {
  rest_api_id = aws_api_gateway_rest_api.rest_api.id
  stage_name  = aws_api_gateway_stage.stage.stage_name
  method_path = "products/POST"

  settings {
    throttling_burst_limit = 100
    throttling_rate_limit  = 5000
  }
}
"""


def test_stage_fails_a_method_s_own_settings_that_override_every_method_s(fleet, tmp_path: Path, platform) -> None:
    override = OVERRIDE_POST
    repo, results = verdicts(fleet, tmp_path, platform, "INF-APIGW-STAGE", "infrastructure", append(API, override))
    line = line_of(repo / API, r"^    throttling_rate_limit  = 5000")
    assert_fails(results, repo, "INF-APIGW-STAGE", API, line, "settings.throttling_rate_limit: expected 50, found 5000")


def test_stage_passes_logs_to_the_log_group_s_arn_written_out(fleet: Path, tmp_path: Path, platform) -> None:
    edit = sub(
        API,
        r"^(    destination_arn = )aws_cloudwatch_log_group\.api_access\.arn$",
        r'\1"arn:aws:logs:${var.aws_region}:${var.aws_account_id}:log-group:/aws/apigateway/bbws-product-api-access-${var.environment}"',
    )
    _, results = verdicts(fleet, tmp_path, platform, "INF-APIGW-STAGE", "infrastructure", edit)
    assert_passes(results)


def test_stage_fails_logs_to_another_log_group(fleet: Path, tmp_path: Path, platform) -> None:
    other = '"arn:aws:logs:${var.aws_region}:${var.aws_account_id}:log-group:/aws/apigateway/elsewhere"'
    edit = sub(API, r"^(    destination_arn = )aws_cloudwatch_log_group\.api_access\.arn$", rf"\1{other}")
    repo, results = verdicts(fleet, tmp_path, platform, "INF-APIGW-STAGE", "infrastructure", edit)
    line = line_of(repo / API, r"^    destination_arn = ")
    for env, outcome in results.items():
        region = platform.environments[env].region
        account = platform.environments[env].account_id
        message = (
            "access_log_settings.destination_arn: expected aws_cloudwatch_log_group.api_access.arn (the log group "
            f"/aws/apigateway/bbws-product-api-access-{env}), found "
            f"'arn:aws:logs:{region}:{account}:log-group:/aws/apigateway/elsewhere'"
        )
        assert f"{repo.name}/{API}:{line}: INF-APIGW-STAGE: {message}" in outcome.message.splitlines(), outcome.message


def test_stage_fails_without_a_rate_limit(fleet: Path, tmp_path: Path, platform) -> None:
    edit = sub(API, r"^    throttling_rate_limit\s+= 50\.0\n", "")
    repo, results = verdicts(fleet, tmp_path, platform, "INF-APIGW-STAGE", "infrastructure", edit)
    line = line_of(repo / API, r'^resource "aws_api_gateway_method_settings" "all"')
    message = "settings.throttling_rate_limit: expected 50, found none (the account's limit)"
    assert_fails(results, repo, "INF-APIGW-STAGE", API, line, message)


def test_stage_fails_an_empty_log_destination(fleet: Path, tmp_path: Path, platform) -> None:
    edit = sub(API, r"^(    destination_arn = )aws_cloudwatch_log_group\.api_access\.arn$", r'\1""')
    repo, results = verdicts(fleet, tmp_path, platform, "INF-APIGW-STAGE", "infrastructure", edit)
    line = line_of(repo / API, r'^resource "aws_api_gateway_stage" "stage"')
    message = "expected access_log_settings with a destination_arn, found destination_arn ''"
    assert_fails(results, repo, "INF-APIGW-STAGE", API, line, message)


def test_stage_fails_two_stages_of_the_env(fleet: Path, tmp_path: Path, platform) -> None:
    again = (
        '\nresource "aws_api_gateway_stage" "again" {\n  rest_api_id   = aws_api_gateway_rest_api.rest_api.id\n'
        "  stage_name    = var.environment\n  deployment_id = aws_api_gateway_deployment.initial.id\n}\n"
    )
    repo, results = verdicts(fleet, tmp_path, platform, "INF-APIGW-STAGE", "infrastructure", append(API, again))
    line = line_of(repo / API, r'^resource "aws_api_gateway_stage" "again"')
    for env, outcome in results.items():
        message = (
            f"the stage '{env}' of aws_api_gateway_rest_api.rest_api configured twice: aws_api_gateway_stage.stage at"
        )
        assert f"api_gateway.tf:{line}: INF-APIGW-STAGE: {message}" in outcome.message, outcome.message


# -- LAMBDA-METHOD-AUTHORIZATION -------------------------------------------------------------------


def with_authorization(platform: Platform, name: str, authorization: str) -> Platform:
    """The spec with one function's own `authorization:` set."""
    data = platform.model_dump(mode="json", exclude_none=True)
    for function in data["lambdas"]["functions"]:
        if function["name"] == name:
            function["authorization"] = authorization
    return parse_platform(data)


def test_authorization_follows_the_function_s_own_setting(fleet: Path, tmp_path: Path, platform) -> None:
    """A read the spec makes IAM-only for this function: AWS_IAM (from a local) passes; the default NONE fails."""
    signed = with_authorization(platform, "get_product", "AWS_IAM")
    edits = (
        sub(METHOD, r'^(  authorization = )"NONE"$', r"\1local.method_authorization"),
        append(METHOD, '\nlocals {\n  method_authorization = "AWS_IAM"\n}\n'),
    )
    _, results = verdicts(fleet, tmp_path / "signed", signed, "LAMBDA-METHOD-AUTHORIZATION", "get_product", *edits)
    assert_passes(results)
    repo, results = verdicts(fleet, tmp_path / "default", signed, "LAMBDA-METHOD-AUTHORIZATION", "get_product")
    line = line_of(repo / METHOD, r'^  authorization = "NONE"$')
    message = "authorization: expected 'AWS_IAM', found 'NONE'"
    assert_fails(results, repo, "LAMBDA-METHOD-AUTHORIZATION", METHOD, line, message)


def test_authorization_fails_an_any_method_open_to_all(fleet: Path, tmp_path: Path, platform) -> None:
    edits = (
        sub(METHOD, r'^(  http_method   = )"DELETE"$', r'\1"ANY"'),
        sub(METHOD, r'^(  authorization = )"AWS_IAM"$', r'\1"NONE"'),
    )
    repo, results = verdicts(fleet, tmp_path, platform, "LAMBDA-METHOD-AUTHORIZATION", "delete_product", *edits)
    line = line_of(repo / METHOD, r'^  authorization = "NONE"$')
    assert_fails(
        results, repo, "LAMBDA-METHOD-AUTHORIZATION", METHOD, line, "authorization: expected 'AWS_IAM', found 'NONE'"
    )


def test_authorization_fails_without_the_function_s_method(fleet: Path, tmp_path: Path, platform) -> None:
    edit = sub(METHOD, r'^(  http_method   = )"PUT"$', r'\1"PATCH"')
    repo, results = verdicts(fleet, tmp_path, platform, "LAMBDA-METHOD-AUTHORIZATION", "update_product", edit)
    for outcome in results.values():
        assert outcome.status == "failed"
        wanted = (
            f"{repo.name}/terraform: LAMBDA-METHOD-AUTHORIZATION: "
            "expected an aws_api_gateway_method PUT, found ['PATCH']"
        )
        assert wanted in outcome.message, outcome.message


# -- the account bootstrap -------------------------------------------------------------------------

BOOTSTRAP_STATE, BOOTSTRAP_ROLES = "bootstrap/state.tf", "bootstrap/deploy_roles.tf"
STATE_POLICY = r"^  policy = data\.aws_iam_policy_document\.state_bucket\.json$"
JSON_TLS_POLICY = r"""  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = ["arn:aws:s3:::bbws-terraform-state-${var.environment}", "${aws_s3_bucket.state.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })"""
TRUST_DOCUMENT = r"^(  assume_role_policy   = )data\.aws_iam_policy_document\.deploy_trust\[each\.key\]\.json$"
JSON_TRUST = r"""\1jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::${var.aws_account_id}:oidc-provider/token.actions.githubusercontent.com" }
      Condition = {
        StringEquals = {
          "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
          "token.actions.githubusercontent.com:sub" = "repo:bbws/${each.key}:environment:${local.github_environment}"
        }
      }
    }]
  })"""


def test_bootstrap_state_bucket_passes_a_json_tls_policy_with_its_arn_written_out(fleet, tmp_path, platform) -> None:
    edit = sub(BOOTSTRAP_STATE, STATE_POLICY, JSON_TLS_POLICY)
    _, results = verdicts(fleet, tmp_path, platform, "INF-BOOTSTRAP-STATE-BUCKET", "infrastructure", edit)
    assert_passes(results)


def test_bootstrap_state_bucket_fails_a_tls_policy_that_leaves_the_objects_out(fleet, tmp_path, platform) -> None:
    edit = sub(
        BOOTSTRAP_STATE,
        r'^(    resources = \[aws_s3_bucket\.state\.arn), "\$\{aws_s3_bucket\.state\.arn\}/\*"\]$',
        r"\1]",
    )
    repo, results = verdicts(fleet, tmp_path, platform, "INF-BOOTSTRAP-STATE-BUCKET", "infrastructure", edit)
    line = line_of(repo / BOOTSTRAP_STATE, r'^    sid       = "DenyInsecureTransport"$') - 1  # its statement block
    message = (
        "resources: expected the bucket's ARN and its objects (aws_s3_bucket.state.arn and .../*), "
        "found [${aws_s3_bucket.state.arn}]"
    )
    assert_fails(results, repo, "INF-BOOTSTRAP-STATE-BUCKET", BOOTSTRAP_STATE, line, message)


def test_bootstrap_deploy_roles_pass_a_json_trust_naming_the_provider_s_arn(fleet, tmp_path, platform) -> None:
    edit = sub(BOOTSTRAP_ROLES, TRUST_DOCUMENT, JSON_TRUST)
    _, results = verdicts(fleet, tmp_path, platform, "INF-BOOTSTRAP-DEPLOY-ROLES", "infrastructure", edit)
    assert_passes(results)


def test_bootstrap_deploy_roles_fail_a_trust_without_the_audience(fleet, tmp_path, platform) -> None:
    edit = sub(
        BOOTSTRAP_ROLES,
        TRUST_DOCUMENT,
        JSON_TRUST.replace('          "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"\n', ""),
    )
    repo, results = verdicts(fleet, tmp_path, platform, "INF-BOOTSTRAP-DEPLOY-ROLES", "infrastructure", edit)
    line = line_of(repo / BOOTSTRAP_ROLES, r"^  assume_role_policy   = jsonencode")
    for env, outcome in results.items():
        assert outcome.status == "failed"
        wanted = (
            f"{repo.name}/{BOOTSTRAP_ROLES}:{line}: INF-BOOTSTRAP-DEPLOY-ROLES: "
            "token.actions.githubusercontent.com:aud: expected ['sts.amazonaws.com'], "
            "found no StringEquals condition on it"
        )
        # every repository's role fails the same way, at the same line
        assert outcome.message.splitlines().count(wanted) == 1 + len(platform.lambdas.functions), (env, outcome.message)
