"""Each Lambda's execution role grants exactly the AWS calls its own function makes.

The calls are recorded, not written down: each generated Lambda repository's own test suite runs
(under moto, as `tests/test_generated_python.py` runs it) with a small pytest plugin that records
every botocore operation made while the function's handler is on the stack (`src/handler.py`,
`handler`), so the tests' own setup calls are not counted. Each operation is mapped to its IAM
action, and the set must equal the actions the infrastructure repository's Terraform grants that
function's role (read with the suite's own HCL evaluator, for an env of the spec), apart from
what AWS does on the function's behalf with the role, each said below:

- Lambda itself writes the function's log stream and its X-Ray traces;
- the SQS event source mapping polls, deletes and returns the function's own queue's messages;
- DynamoDB, SNS and S3 use the keys of the table, the events topic and the audit bucket
  (statements conditioned on `kms:ViaService`).

Removing any one of the recorded actions from the function's policy, or adding one it does not
call, makes the comparison name that action.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conformance.criteria.hcl_checks import instances_of, named, refers_to, value
from conformance.criteria.iam_policy import Statement, statements
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.live.permissions import iam_action
from conformance.paths import DEFAULT_PLATFORM
from conformance.platform import Platform, load_platform
from conformance.platform.model import Kind, LambdaFunction
from tests.test_generated_python import repo_python, run_pytest

pytestmark = pytest.mark.slow

__all__ = ["repo_python"]  # the shared virtualenv fixture, used here too

SPEC = load_platform(DEFAULT_PLATFORM)
ENV = next(iter(SPEC.environments))
IAM_FILE = "terraform/iam.tf"
# What Lambda does with every function's role: its log stream and its traces.
RUNTIME_ACTIONS = frozenset(
    {"logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTelemetryRecords", "xray:PutTraceSegments"}
)
# What the SQS event source mapping does with an event-driven function's role, on its own queue.
MAPPING_ACTIONS = frozenset(
    {"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"}
)
VIA_SERVICE = ("StringEquals", "kms:ViaService")

RECORDER = '''\
"""pytest plugin: record the AWS operations made while the Lambda handler runs (BBWS_RECORD_CALLS)."""
import json
import os
import sys

import botocore.client

_made = set()
_original = botocore.client.BaseClient._make_api_call


def _in_the_handler():
    frame = sys._getframe(2)
    while frame is not None:
        code = frame.f_code
        if code.co_name == "handler" and code.co_filename.endswith(os.path.join("src", "handler.py")):
            return True
        frame = frame.f_back
    return False


def _recording(self, operation_name, api_params):
    if _in_the_handler():
        _made.add(f"{self.meta.service_model.signing_name}:{operation_name}")
    return _original(self, operation_name, api_params)


botocore.client.BaseClient._make_api_call = _recording


def pytest_sessionfinish(session, exitstatus):
    with open(os.environ["BBWS_RECORD_CALLS"], "w", encoding="utf-8") as out:
        json.dump(sorted(_made), out)
'''


def action_of(call: str) -> str:
    service, _, operation = call.partition(":")
    return iam_action(service, operation)


@pytest.fixture(scope="module")
def recorded(fleet: Path, platform: Platform, repo_python: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Lambda name -> the IAM actions of the calls its handler made in its repository's own tests."""
    plugins = tmp_path_factory.mktemp("recorder")
    (plugins / "bbws_call_recorder.py").write_text(RECORDER, encoding="utf-8")
    found = {}
    for function in platform.lambdas.functions:
        calls = plugins / f"{function.name}.json"
        result = run_pytest(
            repo_python,
            fleet / platform.lambda_repo(function),
            "-p",
            "bbws_call_recorder",
            env={"PYTHONPATH": str(plugins), "BBWS_RECORD_CALLS": str(calls)},
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
        found[function.name] = {action_of(call) for call in json.loads(calls.read_text(encoding="utf-8"))}
    return found


def role_statements(root: Path, platform: Platform, function: LambdaFunction) -> list[Statement]:
    """The allowing statements of the policies the infrastructure repository attaches to the function's role."""
    view = RepoView(FleetEvidence(root, platform), platform.infrastructure.repo, ENV, None)
    role = named(view, "aws_iam_role", platform.name(function.role_thing, ENV))
    return [
        statement
        for policy in instances_of(view, "aws_iam_role_policy")
        if refers_to(value(view, policy, "role", None), role)
        for statement in statements(view, policy, "policy")
        if statement.allows
    ]


def code_actions(function: LambdaFunction, granted: list[Statement]) -> set[str]:
    """The granted actions left for the function's own code: without what AWS does on its behalf."""
    on_behalf = RUNTIME_ACTIONS | (MAPPING_ACTIONS if function.kind is Kind.SQS else frozenset())
    return {
        action
        for statement in granted
        if VIA_SERVICE not in statement.conditions
        for action in statement.actions
        if action not in on_behalf
    }


def differences(function: LambdaFunction, called: set[str], granted: list[Statement]) -> dict[str, list[str]]:
    allowed = code_actions(function, granted)
    return {"missing": sorted(called - allowed), "extra": sorted(allowed - called)}


@pytest.mark.parametrize("name", [f.name for f in SPEC.lambdas.functions])
def test_the_role_grants_exactly_what_the_function_calls(
    name: str, recorded: dict, fleet: Path, platform: Platform
) -> None:
    function = platform.function(name)
    called = recorded[name]
    assert called, f"{name}: no AWS call recorded while its handler ran (is the recorder attached?)"
    granted = role_statements(fleet, platform, function)
    assert differences(function, called, granted) == {"missing": [], "extra": []}
    # What AWS does on the function's behalf is granted too, and only where it applies.
    actions = {a for s in granted for a in s.actions}
    assert actions >= RUNTIME_ACTIONS
    assert (actions >= MAPPING_ACTIONS) is (function.kind is Kind.SQS)


def test_no_function_may_write_what_another_writes(recorded: dict) -> None:
    """The issue this guards against: create, update and delete each had every table write."""
    writes = {name: sorted(a for a in actions if a.startswith("dynamodb:")) for name, actions in recorded.items()}
    assert writes["create_product"] == ["dynamodb:PutItem"]
    assert writes["update_product"] == ["dynamodb:UpdateItem"]
    assert writes["delete_product"] == ["dynamodb:UpdateItem"]  # a tombstone, never DeleteItem
    assert "dynamodb:DeleteItem" not in {a for actions in recorded.values() for a in actions}


def _policy_block(text: str, function: str) -> tuple[int, int]:
    start = text.index(f'data "aws_iam_policy_document" "{function}" {{')
    return start, text.index(f'resource "aws_iam_role_policy" "{function}"', start)


def mutate_policy(fleet: Path, platform: Platform, tmp_path: Path, function: str, change) -> Path:
    """A copy of the infrastructure repository's Terraform with one function's policy text changed."""
    repo = platform.infrastructure.repo
    shutil.copytree(fleet / repo / "terraform", tmp_path / repo / "terraform")
    path = tmp_path / repo / IAM_FILE
    text = path.read_text(encoding="utf-8")
    start, end = _policy_block(text, function)
    path.write_text(text[:start] + change(text[start:end]) + text[end:], encoding="utf-8")
    return tmp_path


def drop(action: str):
    def change(block: str) -> str:
        quoted = re.escape(f'"{action}"')
        changed, count = re.subn(rf"{quoted},\s*|,\s*{quoted}(?=\s*[\],])|{quoted}", "", block, count=1)
        assert count == 1, f"{action} is not in the policy"
        return changed

    return change


CALLED = [
    (function.name, action)
    for function in SPEC.lambdas.functions
    for action in {
        "list": ["dynamodb:Query"],
        "get": ["dynamodb:GetItem"],
        "create": ["dynamodb:PutItem", "sns:Publish"],
        "update": ["dynamodb:UpdateItem", "sns:Publish"],
        "delete": ["dynamodb:UpdateItem", "sns:Publish"],
        "persist": ["dynamodb:PutItem", "dynamodb:UpdateItem"],
        "audit": ["s3:PutObject"],
    }[function.operation.value]
]


@pytest.mark.parametrize(("name", "action"), CALLED)
def test_removing_a_called_action_from_the_role_is_caught(
    name: str, action: str, recorded: dict, fleet: Path, platform: Platform, tmp_path: Path
) -> None:
    function = platform.function(name)
    assert action in recorded[name], f"{name} no longer calls {action}: update CALLED"
    root = mutate_policy(fleet, platform, tmp_path, name, drop(action))

    assert differences(function, recorded[name], role_statements(root, platform, function)) == {
        "missing": [action],
        "extra": [],
    }


def test_granting_an_action_the_function_does_not_call_is_caught(
    recorded: dict, fleet: Path, platform: Platform, tmp_path: Path
) -> None:
    function = platform.function("delete_product")
    root = mutate_policy(
        fleet,
        platform,
        tmp_path,
        function.name,
        lambda block: block.replace('"dynamodb:UpdateItem"', '"dynamodb:DeleteItem", "dynamodb:UpdateItem"', 1),
    )

    assert differences(function, recorded[function.name], role_statements(root, platform, function)) == {
        "missing": [],
        "extra": ["dynamodb:DeleteItem"],
    }
