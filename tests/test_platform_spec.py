"""The platform spec: the shipped one is valid, bad ones fail with one line naming the field."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from conformance.paths import DEFAULT_PLATFORM
from conformance.platform import PlatformError, load_platform, parse_platform


@pytest.fixture()
def raw() -> dict:
    return yaml.safe_load(DEFAULT_PLATFORM.read_text(encoding="utf-8"))


def test_shipped_spec_matches_the_requirement(platform) -> None:
    """The requirement's own table and names, read back from the spec."""
    envs = {name: (e.region, e.account_id) for name, e in platform.environments.items()}
    assert envs == {
        "dev": ("eu-west-1", "536580886816"),
        "sit": ("eu-west-1", "815856636111"),
        "prod": ("af-south-1", "093646564004"),
    }
    assert platform.name(platform.infrastructure.table.thing, "dev") == "bbws-products-dev"
    assert platform.state_bucket("sit") == "bbws-terraform-state-sit"
    assert platform.state_key("2_1_bbws_get_product") == "2_1_bbws_get_product/terraform.tfstate"
    assert platform.infrastructure.queue.message_retention_seconds == 345600
    assert platform.infrastructure.queue.dead_letter.max_receive_count == 3
    assert platform.infrastructure.audit_bucket.glacier_after_days == 365
    assert len(platform.repo_names) == 8
    assert sorted(platform.infrastructure.outputs) == sorted(
        [
            "api_gateway_id",
            "api_gateway_execution_arn",
            "api_gateway_root_resource_id",
            "dynamodb_table_name",
            "dynamodb_table_arn",
            "sqs_queue_url",
            "sqs_queue_arn",
            "s3_audit_bucket_name",
            "sns_topic_arn",
        ]
    )


def _error(data: dict) -> str:
    with pytest.raises(PlatformError) as caught:
        parse_platform(data, "platform.yaml")
    return str(caught.value)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["environments"]["dev"].update(account_id="53658088681"),
            "platform.yaml: environments.dev.account_id: expected a 12-digit AWS account id, found '53658088681'",
        ),
        (
            lambda d: d["environments"]["prod"].update(region="africa"),
            "platform.yaml: environments.prod.region: expected an AWS region like eu-west-1, found 'africa'",
        ),
        (
            lambda d: d["lambdas"]["functions"][0].update(name="List-Products"),
            "platform.yaml: lambdas.functions.0.name: expected a snake_case Lambda name like get_product, "
            "found 'List-Products'",
        ),
        (
            lambda d: d["lambdas"]["functions"][1].update(kind="cron"),
            "platform.yaml: lambdas.functions.1.kind: expected 'api' or 'sqs', found 'cron'",
        ),
        (
            lambda d: d["lambdas"]["functions"][2].update(name="list_products"),
            "platform.yaml: (top level): expected unique repository names, found '2_1_bbws_list_products' twice",
        ),
        (
            lambda d: d["infrastructure"]["queue"]["dead_letter"].update(thing="product-change"),
            "platform.yaml: (top level): expected unique resource names, found 'product-change' twice",
        ),
        (
            lambda d: d["infrastructure"]["outputs"].update(sqs_queue_url="queue.name"),
            "platform.yaml: infrastructure.outputs: output sqs_queue_url: expected one of",
        ),
        (
            lambda d: d["infrastructure"]["table"].pop("billing_mode"),
            "platform.yaml: infrastructure.table.billing_mode: expected a value, found none",
        ),
        (
            lambda d: d["infrastructure"]["table"].update(pitr=True),
            "platform.yaml: infrastructure.table.pitr: extra inputs are not permitted, found True",
        ),
    ],
    ids=[
        "11-digit-account",
        "bad-region",
        "lambda-not-snake",
        "unknown-kind",
        "duplicate-repo",
        "duplicate-resource",
        "unknown-output-source",
        "missing-field",
        "unknown-key",
    ],
)
def test_bad_spec_gives_one_line_naming_field_and_value(raw: dict, mutate, expected: str) -> None:
    data = copy.deepcopy(raw)
    mutate(data)
    message = _error(data)
    assert message.startswith(expected), message
    assert "\n" not in message


def test_unreadable_and_malformed_files_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(PlatformError, match=r"missing\.yaml: cannot read the platform spec"):
        load_platform(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("project: bbws\nenvironments: [dev\n", encoding="utf-8")
    with pytest.raises(PlatformError, match=r"broken\.yaml:\d+: not valid YAML"):
        load_platform(broken)
