"""The read-only guard, closed: no check can reach AWS but through the guarded session, and the
session re-checks the guard before every call.

1. Statically, over every module under conformance/criteria/ and conformance/live/: nothing but
   live/session.py reaches boto3 or botocore's session (import, attribute, importlib,
   `__import__`, `sys.modules`, `getattr` by name), and nothing but session.py touches a client's or
   session's events (`.meta.events`, `register*`, `unregister`) or makes a client (guard.py may only
   register the hook). The scanner is proven on small sources that do each of these things.
2. At run time: a hook taken off a client (as a check might) is noticed before the next call,
   which is refused with one line and never sent; `s3:GetObject` reads only the env's state object.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conformance.live.errors import CallFailed, Subject
from conformance.live.guard import GUARD_GONE, HOOK_ID, ReadOnlyViolation
from conformance.paths import PROJECT_ROOT
from conformance.platform import Platform
from conformance.runner import live_evidence
from tests.live.conftest import ENV, run_live
from tests.live.deploy import Deployment

PACKAGES = ("conformance/criteria", "conformance/live")
SESSION = "conformance/live/session.py"
GUARD = "conformance/live/guard.py"

FORBIDDEN_MODULES = ("boto3", "botocore.session", "botocore.client")
EVENT_ATTRIBUTES = frozenset(
    {"events", "meta", "register", "register_first", "register_last", "unregister", "_unique_id_handlers", "_emitter"}
)
CLIENT_ATTRIBUTES = frozenset({"client", "session", "_session", "_clients", "Session", "get_session", "create_client"})
DYNAMIC_IMPORTS = frozenset({"__import__", "eval", "exec", "__builtins__", "import_module"})


BY_NAME = EVENT_ATTRIBUTES | CLIENT_ATTRIBUTES | DYNAMIC_IMPORTS | {"boto3", "botocore"}


def by_name(call: ast.Call) -> str | None:
    """The attribute a `getattr`/`setattr`/`delattr`/`hasattr` call names as a literal string, if any."""
    if not (isinstance(call.func, ast.Name) and call.func.id in ("getattr", "setattr", "delattr", "hasattr")):
        return None
    name = call.args[1] if len(call.args) > 1 else None
    return name.value if isinstance(name, ast.Constant) and isinstance(name.value, str) else None


def violations(source: str, path: str) -> list[str]:
    """What in one module could reach AWS around the guarded session, as `path:line: what`."""
    tree = ast.parse(source, path)
    found: list[str] = []
    session = path.endswith(SESSION)
    guard = path.endswith(GUARD)

    def flag(node: ast.AST, what: str) -> None:
        found.append(f"{path}:{getattr(node, 'lineno', 0)}: {what}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "importlib" and alias.name != "importlib.resources":
                    flag(node, f"imports {alias.name}")
                if not session and alias.name.startswith(FORBIDDEN_MODULES):
                    flag(node, f"imports {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            names = {alias.name for alias in node.names}
            dynamic = (module == "importlib" and names - {"resources"}) or module.startswith("importlib.")
            if dynamic and module != "importlib.resources":
                flag(node, f"imports from {module}: {', '.join(sorted(names))}")
            if not session and (
                module.startswith(FORBIDDEN_MODULES) or (module == "botocore" and names & {"session", "client"})
            ):
                flag(node, f"imports from {module}")
        elif isinstance(node, ast.Name):
            if node.id in DYNAMIC_IMPORTS:
                flag(node, f"uses {node.id}")
            if node.id == "boto3" and not session:
                flag(node, "uses boto3")
        elif isinstance(node, ast.Attribute):
            if node.attr in DYNAMIC_IMPORTS:
                flag(node, f"uses .{node.attr}")
            if node.attr == "modules" and isinstance(node.value, ast.Name) and node.value.id == "sys":
                flag(node, "uses sys.modules")
            if session:
                continue
            if node.attr in EVENT_ATTRIBUTES and not (guard and node.attr == "register_first"):
                flag(node, f"touches .{node.attr}")
            if node.attr in CLIENT_ATTRIBUTES:
                flag(node, f"touches .{node.attr}")
        elif isinstance(node, ast.Call) and by_name(node) in BY_NAME and not session:
            flag(node, f"{ast.unparse(node.func)}(…, {by_name(node)!r})")
    return found


def modules() -> list[Path]:
    found = [path for package in PACKAGES for path in sorted((PROJECT_ROOT / package).rglob("*.py"))]
    assert len(found) > 20 and any(str(p).endswith(SESSION) for p in found)
    return found


def test_no_module_under_criteria_or_live_reaches_aws_around_the_session() -> None:
    found = [v for path in modules() for v in violations(path.read_text(encoding="utf-8"), str(path))]
    assert found == []


@pytest.mark.parametrize(
    "source",
    [
        "import boto3\n",
        "import boto3.session as s\n",
        "from boto3 import client\n",
        "from boto3.session import Session\n",
        "import botocore.session\n",
        "from botocore import session\n",
        "from botocore.client import BaseClient\n",
        "def f(x):\n    return x.boto3.client('s3')\n",
        "import importlib\nimportlib.import_module('boto3')\n",
        "from importlib import import_module\nimport_module('boto3')\n",
        "from importlib.util import find_spec\n",
        "__import__('boto3').client('s3')\n",
        "eval(\"__import__('boto3')\")\n",
        "import sys\nsys.modules['boto3'].client('s3')\n",
        "def f(view):\n    view.live.evidence.session.client('s3').put_object(Bucket='b', Key='k', Body=b'')\n",
        "def f(client):\n    client.meta.events.unregister('before-parameter-build', unique_id='bbws-read-only')\n",
        "def f(events, hook):\n    events.register_last('before-parameter-build', hook)\n",
        "def f(live):\n    return live.evidence.client('sqs', 'eu-west-1')\n",
        "def f(client):\n    getattr(client, 'meta')\n",
        "def f(x):\n    return getattr(x, 'unregister')('before-call')\n",
    ],
    ids=lambda source: source.strip().splitlines()[-1][:60],
)
def test_the_scanner_sees_each_way_around_the_session(source: str) -> None:
    assert violations(source, "conformance/criteria/sneaky.py"), source
    assert violations(source, "conformance/live/sneaky.py"), source


def test_the_session_and_the_guard_may_do_their_own_work() -> None:
    assert violations("import boto3\nimport botocore.session\n", SESSION) == []
    assert violations("def f(e, h):\n    e.register_first('before-parameter-build', h)\n", GUARD) == []
    assert violations("def f(e, h):\n    e.unregister('before-parameter-build', h)\n", GUARD)
    resources = "from importlib import resources\nimport importlib.resources\n"
    assert violations(resources, "conformance/criteria/x.py") == []


# -- at run time ---------------------------------------------------------------------------------------


def test_a_hook_taken_off_a_client_is_noticed_before_the_next_call_and_nothing_is_sent(
    deployment: Deployment, platform: Platform
) -> None:
    evidence = live_evidence(platform)
    sent: list[str] = []
    evidence.session.events.register_first("before-send", lambda event_name, **_: sent.append(event_name))
    live = evidence.env(ENV)
    live.require_account()
    client = evidence.client("dynamodb", deployment.region)
    client.meta.events.unregister("before-parameter-build", unique_id=HOOK_ID)  # what a check must never do

    subject = Subject(deployment.names.table, "the table", "table")
    with pytest.raises(CallFailed) as refused:
        live.call("dynamodb", "DescribeTable", {"TableName": deployment.names.table}, subject)
    assert refused.value.line == (
        f"read-only guard: refused dynamodb:DescribeTable before it left the process; {GUARD_GONE}"
    )
    assert sent == ["before-send.sts.GetCallerIdentity"]  # the account guard's read, made before the hook went
    # Another client of the same session still has its hook: the run goes on reading there.
    assert live.call("sqs", "GetQueueUrl", {"QueueName": deployment.names.queue}, Subject(deployment.names.queue, "q"))


def test_s3_object_reads_are_the_env_s_state_object_only(deployment: Deployment, platform: Platform) -> None:
    evidence = live_evidence(platform)
    names = deployment.names
    s3 = evidence.client("s3", deployment.region)
    assert s3.get_object(Bucket=names.state_bucket, Key=names.state_key)["Body"].read()  # the one object allowed
    deployment.client("s3").put_object(Bucket=names.audit_bucket, Key="audit/secret.json", Body=b"{}")
    deployment.client("s3").put_object(Bucket=names.state_bucket, Key="other/terraform.tfstate", Body=b"{}")
    for bucket, key in (
        (names.audit_bucket, "audit/secret.json"),
        (names.state_bucket, "other/terraform.tfstate"),
        (names.state_bucket, names.state_key + "x"),
        (names.audit_bucket, names.state_key),
    ):
        with pytest.raises(ReadOnlyViolation, match=rf"refused s3:GetObject .*s3://{bucket}/{key} is not an object"):
            s3.get_object(Bucket=bucket, Key=key)
    # Through the reader, the same refusal is one line.
    with pytest.raises(CallFailed, match="read-only guard: refused s3:GetObject"):
        evidence.env(ENV).call(
            "s3", "GetObject", {"Bucket": names.audit_bucket, "Key": "audit/secret.json"}, Subject("x", "an object")
        )
    assert {o.status for o in run_live(platform).values()} == {"passed"}  # the state is still read as before
