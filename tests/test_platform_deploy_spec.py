"""The spec's deployability fields: fan-out, stage, authorisation, deploy roles, bootstrap.

The shipped spec resolves to what the generated repositories use; each rule refuses a bad value
with one line naming the field, the value seen and what was expected.
"""

from __future__ import annotations

import copy

import pytest
import yaml

from conformance.paths import DEFAULT_PLATFORM
from conformance.platform import PlatformError, parse_platform


@pytest.fixture()
def raw() -> dict:
    return yaml.safe_load(DEFAULT_PLATFORM.read_text(encoding="utf-8"))


def test_the_shipped_spec_resolves_the_fan_out_the_stage_and_the_roles(platform) -> None:
    infra = platform.infrastructure
    assert platform.name(infra.events_topic.thing, "dev") == "bbws-product-events-dev"
    assert platform.name(infra.audit_queue.thing, "dev") == "bbws-product-audit-dev"
    assert infra.audit_queue.dead_letter.max_receive_count == 3
    consumers = {f.name: f.consumed_queue for f in platform.lambdas.functions if f.consumed_queue}
    assert consumers == {"product_creator": "queue", "audit_logger": "audit_queue"}
    assert {f.name: platform.authorization(f) for f in platform.lambdas.functions if f.http_method} == {
        "list_products": "NONE",
        "get_product": "NONE",
        "create_product": "AWS_IAM",
        "update_product": "AWS_IAM",
        "delete_product": "AWS_IAM",
    }
    assert platform.output_for("audit_queue.arn") == "sqs_audit_queue_arn"
    assert platform.output_for("queue.arn") == "sqs_queue_arn"
    assert platform.repo_deploy_role_arn("2_1_bbws_get_product", "prod") == (
        "arn:aws:iam::093646564004:role/bbws-deploy-2_1_bbws_get_product-prod"
    )
    assert platform.deploy_subject("2_1_bbws_get_product", "dev") == ("repo:bbws/2_1_bbws_get_product:environment:dev")
    assert [platform.github_environment(env) for env in platform.environments] == ["dev", "sit", "prod"]
    assert platform.bootstrap_state_key == "2_1_bbws_product_infrastructure/bootstrap/terraform.tfstate"
    # The nine outputs stay the nine; the new ones are extra.
    assert len(infra.outputs) == 9 and not set(infra.outputs) & set(infra.extra_outputs)


def _function(data: dict, name: str) -> dict:
    return next(f for f in data["lambdas"]["functions"] if f["name"] == name)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: _function(d, "audit_logger").update(queue="queue"),
            "platform.yaml: (top level): audit_logger: expected a queue of its own, found 'queue' read by "
            "product_creator (two consumers of one queue each miss the other's messages)",
        ),
        (
            lambda d: _function(d, "audit_logger").pop("queue"),
            "platform.yaml: (top level): audit_logger: expected a queue of its own, found 'queue' read by "
            "product_creator",
        ),
        (
            lambda d: _function(d, "audit_logger").update(queue="dead_letter"),
            "platform.yaml: lambdas.functions.6.queue: expected one of queue, audit_queue, found 'dead_letter'",
        ),
        (
            lambda d: _function(d, "create_product").update(queue="audit_queue"),
            "platform.yaml: lambdas.functions.2: create_product: an api Lambda reads no queue",
        ),
        (
            lambda d: _function(d, "delete_product").update(authorization="NONE"),
            "platform.yaml: lambdas.functions.4: delete_product: a DELETE method must not be anonymous, found NONE",
        ),
        (
            lambda d: _function(d, "product_creator").update(authorization="AWS_IAM"),
            "platform.yaml: lambdas.functions.5: product_creator: an sqs Lambda has no API method to authorise",
        ),
        (
            lambda d: d["lambdas"]["authorization"].update(POST="NONE"),
            "platform.yaml: lambdas.authorization: POST: a write method must not be anonymous, found NONE",
        ),
        (
            lambda d: d["lambdas"]["authorization"].update(GET="COGNITO"),
            "platform.yaml: lambdas.authorization: GET: expected one of NONE, AWS_IAM, found 'COGNITO'",
        ),
        (
            lambda d: d["lambdas"]["authorization"].pop("PUT"),
            "platform.yaml: (top level): lambdas.authorization: expected an entry for PUT (update_product)",
        ),
        (
            lambda d: d["infrastructure"]["extra_outputs"].update(sqs_audit_queue_arn="audit_queue.name"),
            "platform.yaml: infrastructure.extra_outputs: output sqs_audit_queue_arn: expected one of",
        ),
        (
            lambda d: d["infrastructure"]["extra_outputs"].update(sqs_queue_arn="queue.arn"),
            "platform.yaml: infrastructure: extra_outputs: expected names not among outputs, found 'sqs_queue_arn'",
        ),
        (
            lambda d: d["lambdas"]["extra_remote_state_locals"].update(topic="sns_topic_arn"),
            "platform.yaml: (top level): lambdas.extra_remote_state_locals.topic: expected an infrastructure "
            "extra output, found 'sns_topic_arn'",
        ),
        (
            lambda d: d["infrastructure"]["audit_queue"].update(thing="product-change"),
            "platform.yaml: (top level): expected unique resource names, found 'product-change' twice",
        ),
        (
            lambda d: d["github"].update(repo_deploy_role="bbws-deploy-{env}"),
            "platform.yaml: github.repo_deploy_role: expected a pattern holding {repo}, found 'bbws-deploy-{env}'",
        ),
        (
            lambda d: d["github"].update(repo_deploy_role="bbws-github-actions-deploy-role-for-{repo}-{env}"),
            "platform.yaml: github.repo_deploy_role: expected an IAM role name in dev (at most 64 characters), "
            "found 'bbws-github-actions-deploy-role-for-2_1_bbws_product_infrastructure-dev'",
        ),
        (
            lambda d: d["infrastructure"]["bootstrap"].update(state_key="bootstrap/terraform.tfstate"),
            "platform.yaml: infrastructure.bootstrap.state_key: expected a pattern holding {repo}",
        ),
    ],
    ids=[
        "two-consumers-on-one-queue",
        "default-queue-taken",
        "unknown-queue",
        "api-lambda-with-a-queue",
        "anonymous-delete",
        "sqs-lambda-authorised",
        "anonymous-write-default",
        "unknown-authorization",
        "method-without-authorization",
        "unknown-extra-output-source",
        "extra-output-among-the-nine",
        "local-of-an-unknown-extra-output",
        "duplicate-resource-name",
        "deploy-role-without-repo",
        "deploy-role-too-long",
        "bootstrap-key-without-repo",
    ],
)
def test_a_bad_deploy_field_gives_one_line_naming_it(raw: dict, mutate, expected: str) -> None:
    data = copy.deepcopy(raw)
    mutate(data)
    with pytest.raises(PlatformError) as caught:
        parse_platform(data, "platform.yaml")
    message = str(caught.value)
    assert message.startswith(expected), message
    assert "\n" not in message
