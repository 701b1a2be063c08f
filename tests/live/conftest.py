"""Fixtures of the live half's tests: moto in-process as the dev account, a conformant deployment.

The deployment is made from the spec (tests/live/deploy.py); `MOTO_ACCOUNT_ID` is set to the
env's account from the spec BEFORE `mock_aws` starts, so ARNs and STS answer as that account.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from conformance.catalogue import LIVE_CRITERIA
from conformance.live.session import LiveEvidence
from conformance.platform import Platform
from conformance.runner import Case, Outcome, live_evidence, plan_live_cases, run_live_case
from conformance.sandbox import corrections
from tests.live.deploy import Deployment, deploy

ENV = "dev"
AWS_VARIABLES = (
    "AWS_ENDPOINT_URL",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)

Key = tuple[str, str, str | None]


def isolate_from_real_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """No credentials, profile, endpoint or instance metadata of this machine leaks into a test."""
    for name in AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def moto_as(monkeypatch: pytest.MonkeyPatch):
    """`with moto_as(account):` moto in-process, answering as `account` (None: moto's default)."""

    def start(account: str | None):
        isolate_from_real_aws(monkeypatch)
        if account is None:
            monkeypatch.delenv("MOTO_ACCOUNT_ID", raising=False)
        else:
            monkeypatch.setenv("MOTO_ACCOUNT_ID", account)
        return mock_aws()

    return start


@pytest.fixture
def aws(moto_as, platform: Platform) -> Iterator[None]:
    """moto in-process as the dev account of the spec, answering as AWS where the sandbox corrects it: a
    deployment records the methods it serves (GetDeployment embed=apisummary), a redeployed stage keeps its
    settings (conformance.sandbox.corrections)."""
    corrections.patch_create_deployment()
    corrections.patch_get_deployment_summary()
    with moto_as(platform.environments[ENV].account_id):
        yield


@pytest.fixture
def deployment(aws: None, platform: Platform) -> Deployment:
    """A conformant dev deployment (a writer session of its own, not the guarded one)."""
    return deploy(platform, ENV, boto3.session.Session())


def live_cases(platform: Platform, envs: tuple[str, ...] = (ENV,)) -> list[Case]:
    return plan_live_cases(platform, LIVE_CRITERIA, list(envs))


def run_live(platform: Platform, evidence: LiveEvidence | None = None) -> dict[Key, Outcome]:
    """Every live case of dev, in plan order, with one shared evidence (as a pytest session would)."""
    evidence = evidence or live_evidence(platform)
    return {(c.criterion.id, c.repo, c.env): run_live_case(c, evidence) for c in live_cases(platform)}
