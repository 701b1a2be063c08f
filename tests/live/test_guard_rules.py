"""The guards' rules on their own, through botocore's real event emitter and service models, without
an emulator: what the read-only guard lets go and refuses (and why, in its exact words), the S3
object narrowing, the probe, and the account guard for every env of the spec.

These are fast on purpose: they are the test selection of the mutation run (tox -e mutation), which
runs them once per mutant of conformance/live/guard.py."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from botocore.hooks import HierarchicalEmitter

from conformance.live.errors import CallFailed, Stopped, Subject
from conformance.live.guard import (
    HOOK_ID,
    NOT_A_READ,
    NOT_DECLARED,
    GuardIntact,
    ReadOnlyViolation,
    account_mismatch,
    install_read_only,
    is_read,
    object_refusal,
    probe,
    refusal,
)
from conformance.live.session import LiveEnv
from conformance.platform import Platform

BOTOCORE = botocore.session.get_session()
STATE = ("bbws-terraform-state-dev", "dev/terraform.tfstate")


def operation(service: str, name: str) -> Any:
    return BOTOCORE.get_service_model(service).operation_model(name)


def emit(events: HierarchicalEmitter, service: str, name: str, params: Any = None) -> None:
    events.emit(f"before-parameter-build.{service}.{name}", model=operation(service, name), params=params or {})


# -- read-only: the rule -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["DescribeTable", "GetQueueAttributes", "ListTagsForResource", "HeadBucket"])
def test_each_read_prefix_is_a_read(name: str) -> None:
    assert is_read(name)
    assert refusal("any", name, None) is None


@pytest.mark.parametrize("name", ["PutObject", "DeleteQueue", "Scan", "Query", "Invoke", "UpdateTable", "getObject"])
def test_anything_else_is_not_a_read(name: str) -> None:
    assert not is_read(name)
    assert refusal("any", name, None) == NOT_A_READ
    assert refusal("any", name, frozenset({f"any:{name}"})) == NOT_A_READ  # declaring a write does not allow it


def test_the_not_a_read_reason_names_every_read_prefix() -> None:
    assert NOT_A_READ == "the live checks may only call Describe*, Get*, List*, Head*"


def test_a_read_must_be_declared_for_its_service_when_there_is_an_allow_list() -> None:
    allowed = frozenset({"dynamodb:DescribeTable"})
    assert refusal("dynamodb", "DescribeTable", allowed) is None
    assert refusal("dynamodb", "ListTables", allowed) == NOT_DECLARED
    assert refusal("sqs", "DescribeTable", allowed) == NOT_DECLARED  # the same name on another service
    assert refusal("dynamodb", "DescribeTable", frozenset()) == NOT_DECLARED  # nothing declared: nothing goes


# -- read-only: the hook -------------------------------------------------------------------------------


def test_the_hook_refuses_a_write_before_parameters_are_built_in_its_exact_words() -> None:
    events = HierarchicalEmitter()
    install_read_only(events)
    with pytest.raises(ReadOnlyViolation) as caught:
        emit(events, "sqs", "DeleteQueue", {"QueueUrl": "https://q"})
    assert str(caught.value) == (
        "read-only guard: refused sqs:DeleteQueue before it left the process; "
        "the live checks may only call Describe*, Get*, List*, Head*"
    )
    emit(events, "sqs", "GetQueueAttributes", {"QueueUrl": "https://q"})  # a read goes, without an allow-list


def test_the_hook_refuses_an_undeclared_read_and_lets_a_declared_one_go() -> None:
    events = HierarchicalEmitter()
    install_read_only(events, allowed=frozenset({"dynamodb:DescribeTable"}))
    emit(events, "dynamodb", "DescribeTable", {"TableName": "t"})
    with pytest.raises(ReadOnlyViolation) as caught:
        emit(events, "dynamodb", "ListTables")
    assert str(caught.value) == (
        "read-only guard: refused dynamodb:ListTables before it left the process; "
        "it is not one of the reads the live checks declare"
    )


def test_the_hook_is_registered_first_under_its_own_id() -> None:
    events = HierarchicalEmitter()
    seen: list[str] = []
    events.register("before-parameter-build", lambda **_: seen.append("later"))
    install_read_only(events)
    with pytest.raises(ReadOnlyViolation):
        emit(events, "s3", "PutObject", {"Bucket": "b", "Key": "k"})
    assert seen == []  # it ran before the handler registered earlier, and stopped the emission
    install_read_only(events)  # the same unique id: registered once, not twice
    events.unregister("before-parameter-build", unique_id=HOOK_ID)
    emit(events, "s3", "PutObject", {"Bucket": "b", "Key": "k"})  # gone after one unregister
    assert seen == ["later"]


def test_the_probe_is_answered_by_the_hook_only() -> None:
    events = HierarchicalEmitter()
    emit(events, "sts", "GetCallerIdentity", probe())  # no hook: nothing answers
    install_read_only(events, allowed=frozenset())
    with pytest.raises(GuardIntact):
        emit(events, "sqs", "DeleteQueue", probe())  # the probe is answered before any refusal
    forged = {next(iter(probe())): object()}  # the key without the guard's own token is not a probe
    with pytest.raises(ReadOnlyViolation):
        emit(events, "sqs", "DeleteQueue", forged)


# -- read-only: S3 objects -----------------------------------------------------------------------------


def test_only_the_named_s3_objects_may_be_read() -> None:
    objects = frozenset({STATE})
    get = operation("s3", "GetObject")
    assert object_refusal("s3", get, {"Bucket": STATE[0], "Key": STATE[1]}, objects) is None
    assert object_refusal("s3", get, {"Bucket": STATE[0], "Key": "other"}, objects) == (
        f"s3://{STATE[0]}/other is not an object the live checks read (only s3://{STATE[0]}/{STATE[1]})"
    )
    assert object_refusal("s3", get, {"Bucket": "other", "Key": STATE[1]}, objects) == (
        f"s3://other/{STATE[1]} is not an object the live checks read (only s3://{STATE[0]}/{STATE[1]})"
    )
    assert object_refusal("s3", get, None, objects) == (
        f"s3://None/None is not an object the live checks read (only s3://{STATE[0]}/{STATE[1]})"
    )


def test_the_named_objects_are_listed_sorted_or_none() -> None:
    get = operation("s3", "GetObject")
    two = frozenset({("b", "z"), ("a", "y")})
    assert object_refusal("s3", get, {"Bucket": "c", "Key": "k"}, two) == (
        "s3://c/k is not an object the live checks read (only s3://a/y, s3://b/z)"
    )
    assert object_refusal("s3", get, {"Bucket": "c", "Key": "k"}, frozenset()) == (
        "s3://c/k is not an object the live checks read (only none)"
    )


def test_the_object_narrowing_is_for_s3_operations_with_a_key_only() -> None:
    objects = frozenset({STATE})
    assert object_refusal("s3", operation("s3", "GetObject"), {"Bucket": "x", "Key": "y"}, None) is None  # no list
    assert object_refusal("s3", operation("s3", "GetBucketVersioning"), {"Bucket": "x"}, objects) is None  # no Key
    assert object_refusal("s3", operation("s3", "ListBuckets"), {}, objects) is None
    # An operation of another service whose input has a Key member is not narrowed.
    get_item = operation("dynamodb", "GetItem")
    assert "Key" in get_item.input_shape.members
    assert object_refusal("dynamodb", get_item, {"TableName": "t", "Key": {}}, objects) is None
    # An operation without an input shape is not narrowed either.
    assert object_refusal("s3", type("Bare", (), {"input_shape": None})(), {}, objects) is None


def test_the_hook_refuses_another_object_in_its_exact_words() -> None:
    events = HierarchicalEmitter()
    install_read_only(events, objects=frozenset({STATE}))
    emit(events, "s3", "GetObject", {"Bucket": STATE[0], "Key": STATE[1]})
    with pytest.raises(ReadOnlyViolation) as caught:
        emit(events, "s3", "GetObject", {"Bucket": STATE[0], "Key": "prod/terraform.tfstate"})
    assert str(caught.value) == (
        f"read-only guard: refused s3:GetObject before it left the process; s3://{STATE[0]}/prod/terraform.tfstate "
        f"is not an object the live checks read (only s3://{STATE[0]}/{STATE[1]})"
    )


# -- the account guard ---------------------------------------------------------------------------------


def test_the_account_guard_lets_the_env_s_own_account_through() -> None:
    assert account_mismatch("dev", "111111111111", {"Account": "111111111111", "Arn": "arn:x"}) is None


def test_the_account_guard_names_both_accounts_the_caller_and_the_env() -> None:
    line = account_mismatch("sit", "222222222222", {"Account": "111111111111", "Arn": "arn:aws:iam::1:user/a"})
    assert line == (
        "expected account 222222222222 (sit), found 111111111111 (get_caller_identity → Account, as "
        "arn:aws:iam::1:user/a); no live check ran for sit"
    )
    assert account_mismatch("prod", "3", {}) == (
        "expected account 3 (prod), found None (get_caller_identity → Account, as an unknown caller); "
        "no live check ran for prod"
    )


class FakeEvidence:
    """The run's evidence as a LiveEnv sees it: the platform, and the STS answer of the credentials."""

    def __init__(self, platform: Platform, account: str | Exception) -> None:
        self.platform = platform
        self.account = account
        self.calls: list[tuple[str, str, str]] = []

    def call(self, service: str, region: str, operation: str, params: dict, subject: Subject, env: str, post=None):
        self.calls.append((service, operation, env))
        if isinstance(self.account, Exception):
            raise self.account
        if operation == "GetCallerIdentity":
            return {"Account": self.account, "Arn": f"arn:aws:iam::{self.account}:user/ci"}
        return {"read": operation}


def test_the_account_guard_compares_each_env_with_its_own_account(platform: Platform) -> None:
    envs = platform.environments
    assert len({spec.account_id for spec in envs.values()}) == len(envs) > 1, "the spec gives each env its account"
    for env, spec in envs.items():
        own = FakeEvidence(platform, spec.account_id)
        reader = LiveEnv(own, env)
        assert reader.call("sqs", "GetQueueUrl", {}, Subject("q", "the queue")) == {"read": "GetQueueUrl"}
        assert reader.call("sqs", "GetQueueUrl", {}, Subject("q", "the queue")) == {"read": "GetQueueUrl"}
        read = ("sqs", "GetQueueUrl", env)
        assert own.calls == [("sts", "GetCallerIdentity", env), read, read]  # the account is verified once
        for other, other_spec in envs.items():
            if other == env:
                continue
            wrong = FakeEvidence(platform, other_spec.account_id)
            reader = LiveEnv(wrong, env)
            line = (
                f"expected account {spec.account_id} ({env}), found {other_spec.account_id} (get_caller_identity "
                f"→ Account, as arn:aws:iam::{other_spec.account_id}:user/ci); no live check ran for {env}"
            )
            for _ in range(2):  # stopped once, and stays stopped without asking STS again
                with pytest.raises(Stopped) as caught:
                    reader.call("sqs", "GetQueueUrl", {}, Subject("q", "the queue"))
                assert caught.value.line == line and caught.value.where == env
            assert wrong.calls == [("sts", "GetCallerIdentity", env)]


def test_an_account_that_cannot_be_read_stops_the_env_naming_the_cause(platform: Platform) -> None:
    env = next(iter(platform.environments))
    failing = FakeEvidence(platform, CallFailed("sts", "AccessDenied on sts:GetCallerIdentity"))
    reader = LiveEnv(failing, env)
    with pytest.raises(Stopped) as caught:
        reader.call("sqs", "GetQueueUrl", {}, Subject("q", "the queue"))
    assert caught.value.line == (
        f"cannot verify the account: AccessDenied on sts:GetCallerIdentity; no live check ran for {env}"
    )


def test_live_account_is_the_case_that_reports_the_account_guard(platform: Platform) -> None:
    from conformance.criteria.infrastructure.account import account_live
    from conformance.live.view import LiveView

    env = "sit"
    spec = platform.environments[env]
    own = LiveEnv(FakeEvidence(platform, spec.account_id), env)
    assert account_live(LiveView(own, platform.infrastructure.repo, None)) == []
    wrong = LiveEnv(FakeEvidence(platform, "000000000000"), env)
    with pytest.raises(Stopped) as caught:
        account_live(LiveView(wrong, platform.infrastructure.repo, None))
    assert caught.value.line.startswith(f"expected account {spec.account_id} (sit), found 000000000000 ")
