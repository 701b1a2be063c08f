"""API Gateway: the REST API exists, in the HCL and deployed (exactly one of its name); its stage logs and throttles."""

from __future__ import annotations

from typing import Any

from conformance.core import Problem, Stop, describe, expected
from conformance.criteria.base import Criterion, Profile, reads
from conformance.criteria.hcl_checks import (
    configured_twice,
    instances_of,
    named,
    none_found,
    number,
    refers_to,
    value,
    where,
)
from conformance.criteria.infrastructure import INFRASTRUCTURE, RESOURCES, TERRAFORM
from conformance.criteria.values import Exists
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.evidence.module import Instance
from conformance.live import apigateway as apigateway_live

EVERY_METHOD = "*/*"  # an aws_api_gateway_method_settings' method_path for every method of the stage


def rest_api(view: RepoView) -> Instance:
    return named(view, "aws_api_gateway_rest_api", view.names.rest_api)


def of_api(view: RepoView, instance: Instance, api: Instance) -> bool:
    return refers_to(value(view, instance, "rest_api_id", None), api, ("id",))


def env_stage(view: RepoView) -> Instance:
    """The REST API's one aws_api_gateway_stage named after the env; Stop when there is none or two."""
    api = rest_api(view)
    stages = [s for s in instances_of(view, "aws_api_gateway_stage") if of_api(view, s, api)]
    matches = [s for s in stages if value(view, s, "stage_name", None) == view.env]
    if len(matches) > 1:
        raise Stop(
            *configured_twice(f"the stage {view.env!r} of {api.address}", ((s.address, where(s)) for s in matches))
        )
    if not matches:
        found = ", ".join(sorted(str(value(view, s, "stage_name", None)) for s in stages)) or "none"
        what = f"an aws_api_gateway_stage of {api.address} named {view.env!r}"
        raise none_found(view, Problem(where(api), expected(what, found)))
    return matches[0]


def of_stage(view: RepoView, settings: Instance, stage: Instance) -> bool:
    """Method settings on the stage: its stage_name refers to the stage's, or is the same name."""
    name = value(view, settings, "stage_name", None)
    return refers_to(name, stage, ("stage_name",)) or name == view.env


def stage_problems(view: RepoView, _: FleetEvidence) -> list[Problem]:
    stage = env_stage(view)
    problems = []
    logs = stage.nested("access_log_settings")
    destination: Any = value(view, logs[0], "destination_arn", None) if logs else None
    if not destination:
        found = "no access_log_settings" if not logs else f"destination_arn {describe(destination)}"
        problems.append(Problem(where(stage), expected("access_log_settings with a destination_arn", found)))
    api = rest_api(view)
    every = [
        s
        for s in instances_of(view, "aws_api_gateway_method_settings")
        if of_api(view, s, api) and of_stage(view, s, stage) and value(view, s, "method_path", None) == EVERY_METHOD
    ]
    if not every:
        what = f"an aws_api_gateway_method_settings of {stage.address} for {EVERY_METHOD!r} (its throttling)"
        return [*problems, Problem(where(stage), expected(what, "none"))]
    places = ((s.address, where(s)) for s in every)
    problems += configured_twice(f"the settings of every method of {stage.address}", places)
    spec = view.platform.infrastructure.api_stage
    for settings in every:
        if not settings.nested("settings"):
            problems.append(Problem(where(settings), expected("a settings block with the throttling", "none")))
            continue
        for key, wanted in (
            ("throttling_burst_limit", spec.throttling_burst_limit),
            ("throttling_rate_limit", spec.throttling_rate_limit),
        ):
            path = f"settings.{key}"
            found = value(view, settings, path, None)
            if number(found) != number(wanted):
                shown = "none (the account's limit)" if found is None else describe(found)
                problems.append(Problem(where(settings, path), f"{path}: {expected(describe(number(wanted)), shown)}"))
    return problems


CRITERIA = [
    Criterion(
        id="INF-API-REST",
        title="REST API exists",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=TERRAFORM,
        value=Exists(hcl=rest_api, aws=apigateway_live.rest_api),
        live_reads=reads("apigateway:GetRestApis@rest_api"),
        owns=("rest_api",),
    ),
    Criterion(
        id="INF-APIGW-STAGE",
        profile=Profile.PLATFORM,
        title="The API's stage named after the env, with access logs and the spec's throttling for every method",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=TERRAFORM,
        static=stage_problems,
    ),
]
