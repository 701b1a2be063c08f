"""INF-APIGW-STAGE's "serves every API method" is judged for the Lambdas the run covers.

The infrastructure repository deploys first: its own deploy gate (`--repo`, `-m live`) runs before any
Lambda repository has added its method, so a stage serving none of them is right there; a fleet run
(the sandbox's check, the scheduled drift) asks for every method.
"""

from __future__ import annotations

import pytest

from conformance.criteria.infrastructure import apigateway as criterion
from conformance.live.session import LiveEnv
from conformance.live.view import LiveView
from conformance.platform import Platform
from conformance.platform.model import Kind
from conformance.runner import live_evidence

ENV = "dev"


def stage_problems(platform: Platform, monkeypatch: pytest.MonkeyPatch, repos: frozenset[str] | None) -> list[str]:
    """The stage check on a stage that logs and throttles as the spec says but whose deployment has no method."""
    live = LiveEnv(live_evidence(platform, repos=repos), ENV)
    names, spec = live.names, platform.infrastructure.api_stage
    arn = f"arn:aws:logs:{live.region}:{live.account}:log-group:{names.api_access_log_group}"
    throttling = {
        "throttlingBurstLimit": spec.throttling_burst_limit,
        "throttlingRateLimit": spec.throttling_rate_limit,
    }
    stage = {"accessLogSettings": {"destinationArn": arn}, "methodSettings": {"*/*": throttling}, "deploymentId": "d1"}
    monkeypatch.setattr(criterion.apigateway_live, "stage", lambda _: stage)
    monkeypatch.setattr(criterion.apigateway_live, "served", lambda _: {"apiSummary": {}})
    monkeypatch.setattr(LiveEnv, "partition", "aws")  # read from the caller's identity otherwise: no AWS here
    infra = platform.infrastructure.repo
    return [p.render("INF-APIGW-STAGE") for p in criterion.stage_live(LiveView(live, infra, None))]


def test_the_infrastructure_alone_is_not_asked_for_methods_the_lambdas_add_later(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert stage_problems(platform, monkeypatch, frozenset({platform.infrastructure.repo})) == []


def test_a_fleet_run_asks_for_every_api_method(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    problems = stage_problems(platform, monkeypatch, None)
    api = [f for f in platform.lambdas.functions if f.kind is Kind.API]
    assert len(problems) == len(api) and api
    for function, problem in zip(api, problems, strict=True):
        assert f"expected {function.http_method} {function.path} served (a deployment made after the method)" in problem
