"""API Gateway: the REST API exists, in the HCL and deployed (exactly one of its name); its stage logs and throttles,
in the HCL and deployed."""

from __future__ import annotations

from typing import Any

from conformance.core import Problem, Stop, describe, expected
from conformance.criteria.base import Criterion, Profile, reads
from conformance.criteria.hcl_checks import (
    arn_of,
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
from conformance.live.view import LiveView
from conformance.platform.model import Kind, LambdaFunction

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


def method_path(function: LambdaFunction) -> str:
    """An API Lambda's method as a method settings' method_path names it: `products/{id}/GET`."""
    return f"{(function.path or '').lstrip('/')}/{function.http_method}"


def access_log_problems(view: RepoView, stage: Instance) -> list[Problem]:
    """The stage's access log goes to the spec's log group (a reference to it, or its ARN written out)."""
    logs = stage.nested("access_log_settings")
    destination: Any = value(view, logs[0], "destination_arn", None) if logs else None
    if not destination:
        found = "no access_log_settings" if not logs else f"destination_arn {describe(destination)}"
        return [Problem(where(stage), expected("access_log_settings with a destination_arn", found))]
    group = view.names.api_access_log_group
    try:
        log_group = named(view, "aws_cloudwatch_log_group", group)
    except Stop as stop:
        return list(stop.problems)
    if arn_of(destination, log_group, "logs", f"log-group:{group}"):
        return []
    path = "access_log_settings.destination_arn"
    wanted = f"{log_group.address}.arn (the log group {group})"
    return [Problem(where(logs[0], "destination_arn"), f"{path}: {expected(wanted, describe(destination))}")]


def throttling_problems(view: RepoView, settings: Instance) -> list[Problem]:
    if not settings.nested("settings"):
        return [Problem(where(settings), expected("a settings block with the throttling", "none"))]
    spec = view.platform.infrastructure.api_stage
    problems = []
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


def stage_problems(view: RepoView, _: FleetEvidence) -> list[Problem]:
    """Access logs to the spec's log group; every API Lambda's method throttled as the spec says, by the
    settings of every method (`*/*`) or of its own method path (which AWS applies instead)."""
    stage = env_stage(view)
    problems = access_log_problems(view, stage)
    api = rest_api(view)
    by_path: dict[str, list[Instance]] = {}
    for settings in instances_of(view, "aws_api_gateway_method_settings"):
        if of_api(view, settings, api) and of_stage(view, settings, stage):
            by_path.setdefault(str(value(view, settings, "method_path", None)), []).append(settings)
    for path, found in sorted(by_path.items()):
        places = ((s.address, where(s)) for s in found)
        problems += configured_twice(f"the settings of {path!r} on {stage.address}", places)
    used: dict[str, Instance] = {}
    uncovered = []
    for function in view.platform.lambdas.functions:
        if function.kind is not Kind.API:
            continue
        applied = by_path.get(method_path(function)) or by_path.get(EVERY_METHOD)
        if applied:
            used.setdefault(applied[0].address, applied[0])
        else:
            uncovered.append(method_path(function))
    if uncovered:
        what = (
            f"an aws_api_gateway_method_settings of {stage.address} for {EVERY_METHOD!r} or for each method "
            "(its throttling)"
        )
        problems.append(Problem(where(stage), expected(what, f"none for {', '.join(uncovered)}")))
    for settings in used.values():
        problems += throttling_problems(view, settings)
    return problems


# -- live --------------------------------------------------------------------------------------

LIVE_EVERY_METHOD = "*/*"
THROTTLING = (("throttlingBurstLimit", "throttling_burst_limit"), ("throttlingRateLimit", "throttling_rate_limit"))


def live_method_settings(stage: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The stage's methodSettings by method path as Terraform writes it (`products/{id}/GET`): AWS escapes a
    path's slashes as `~1`."""
    found = stage.get("methodSettings") or {}
    return {key.replace("~1", "/").lstrip("/"): settings for key, settings in found.items()}


def stage_live(view: LiveView) -> list[Problem]:
    """The env's stage exists, serves every API Lambda's method the run covers (its deployment was made after
    the method: a per-repository run of the infrastructure, before the Lambdas deploy, covers none),
    logs to the spec's log group and throttles every API Lambda's method as the spec says (`*/*` or the
    method's own settings, which AWS applies instead)."""
    names, live = view.names, view.live
    stage = apigateway_live.stage(live)
    resource = names.api_stage
    problems = []
    arn = f"arn:{live.partition}:logs:{live.region}:{live.account}:log-group:{names.api_access_log_group}"
    destination = (stage.get("accessLogSettings") or {}).get("destinationArn")
    if destination not in (arn, f"{arn}:*"):
        call = "get_stage → accessLogSettings.destinationArn"
        problems.append(Problem.drift(resource, arn, destination or "none", call))
    deployment = apigateway_live.served(live)
    summary = deployment.get("apiSummary") or {}
    for function in view.platform.lambdas.functions:
        if not live.evidence.covers(view.platform.lambda_repo(function)):
            continue  # a per-repository run of the infrastructure: that Lambda deploys its method later
        if function.kind is Kind.API and (function.http_method or "") not in summary.get(function.path or "", {}):
            what = f"{function.http_method} {function.path} served (a deployment made after the method)"
            found = f"the stage's deployment {stage.get('deploymentId')} without it"
            problems.append(Problem.drift(resource, what, found, "get_deployment → apiSummary"))
    settings = live_method_settings(stage)
    spec = view.platform.infrastructure.api_stage
    judged: set[str] = set()
    for function in view.platform.lambdas.functions:
        if function.kind is not Kind.API:
            continue
        path = method_path(function) if method_path(function) in settings else LIVE_EVERY_METHOD
        if path not in settings:
            what = f"the throttling of {function.http_method} {function.path} ({LIVE_EVERY_METHOD!r} or its own)"
            problems.append(Problem.drift(resource, what, sorted(settings) or "none", "get_stage → methodSettings"))
            continue
        if path in judged:
            continue
        judged.add(path)
        for key, field in THROTTLING:
            wanted, found = getattr(spec, field), settings[path].get(key)
            if number(found) != number(wanted):
                call = f"get_stage → methodSettings.{path}.{key}"
                problems.append(Problem.drift(resource, number(wanted), "none" if found is None else found, call))
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
        live=stage_live,
        live_reads=reads(
            "apigateway:GetRestApis@rest_api", "apigateway:GetStage@api_stage", "apigateway:GetDeployment@api_stage"
        ),
        owns=("api_stage",),
    ),
]
