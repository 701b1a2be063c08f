"""The Lambda repos' own Terraform: the function, and its trigger by kind."""

from __future__ import annotations

import json
from collections.abc import Iterable
from contextlib import suppress

from conformance.core import Problem, Read, expected
from conformance.criteria.base import Criterion, RepoScope, Requirement, reads
from conformance.criteria.hcl_checks import check_equal, instances_of, named, value, where
from conformance.criteria.remote_state import REMOTE_OUTPUTS, output_of
from conformance.evidence.evaluate import Ref
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.live import apigateway as apigateway_live
from conformance.live import lambda_ as lambda_live
from conformance.live import sqs as sqs_live
from conformance.live.errors import Missing
from conformance.live.view import LiveView
from conformance.platform.model import Kind, LambdaFunction, Operation, Platform


def function(view: RepoView, _: FleetEvidence) -> list[Problem]:
    assert view.function is not None
    instance = named(view, "aws_lambda_function", view.names.function(view.function), "function_name")
    return check_equal(view, instance, "runtime", view.platform.lambdas.runtime)


def api_trigger(view: RepoView, _: FleetEvidence) -> list[Problem]:
    assert view.function is not None
    problems = []
    integrations = instances_of(view, "aws_api_gateway_integration")
    if not any(value(view, i, "type", None) == "AWS_PROXY" for i in integrations):
        problems.append(
            Problem(view.where("terraform"), expected("an aws_api_gateway_integration of type AWS_PROXY", "none"))
        )
    methods = [value(view, m, "http_method", None) for m in instances_of(view, "aws_api_gateway_method")]
    if view.function.http_method not in methods:
        problems.append(
            Problem(
                view.where("terraform"),
                expected(f"an aws_api_gateway_method {view.function.http_method}", methods or "none"),
            )
        )
    permissions = instances_of(view, "aws_lambda_permission")
    if not any(value(view, p, "principal", None) == "apigateway.amazonaws.com" for p in permissions):
        problems.append(
            Problem(view.where("terraform"), expected("an aws_lambda_permission for apigateway.amazonaws.com", "none"))
        )
    return problems


def sqs_trigger(view: RepoView, _: FleetEvidence) -> list[Problem]:
    mappings = instances_of(view, "aws_lambda_event_source_mapping")
    if not mappings:
        return [Problem(view.where("terraform"), expected("an aws_lambda_event_source_mapping", "none"))]
    mapping = mappings[0]
    problems = []
    source = value(view, mapping, "event_source_arn", None)
    assert view.function is not None and view.function.consumed_queue is not None
    queue_arn = view.platform.output_for(f"{view.function.consumed_queue}.arn")
    if not (isinstance(source, Ref) and output_of(source) == queue_arn):
        problems.append(Problem(where(mapping, "event_source_arn"), expected(f"{REMOTE_OUTPUTS}.{queue_arn}", source)))
    types = value(view, mapping, "function_response_types", []) or []
    if "ReportBatchItemFailures" not in types:
        problems.append(
            Problem(where(mapping), expected('function_response_types = ["ReportBatchItemFailures"]', types))
        )
    return problems


# -- live: the deployed functions --------------------------------------------------------------

CONFIG = "get_function_configuration"


def function_live(view: LiveView) -> list[Problem]:
    assert view.function is not None
    function = view.function
    name = view.names.function(function)
    config = lambda_live.configuration(view.live, function)
    problems = []
    runtime = view.platform.lambdas.runtime
    if config.get("Runtime") != runtime:
        problems.append(Problem.drift(name, runtime, config.get("Runtime") or "none", f"{CONFIG} → Runtime"))
    role = view.names.role(function)
    if str(config.get("Role", "")).rsplit("/", 1)[-1] != role:
        problems.append(Problem.drift(name, f"the role {role}", config.get("Role") or "none", f"{CONFIG} → Role"))
    variables = (config.get("Environment") or {}).get("Variables") or {}
    wanted = []
    if function.dynamodb:
        wanted.append(("the table name", view.names.table))
    if function.publishes_changes:
        wanted.append(("the events topic", view.names.events_topic_arn))
    if function.consumed_queue is not None:
        with suppress(Missing):  # a missing queue is reported once, under its own criterion
            wanted.append(("its queue's URL", sqs_live.queue_url(view.live, function.consumed_queue)))
    if function.operation is Operation.AUDIT:
        wanted.append(("the audit bucket", view.names.audit_bucket))
    for what, target in wanted:
        if target not in variables.values():
            problems.append(
                Problem.drift(
                    name,
                    f"an environment variable holding {what} {target}",
                    json.dumps(variables, sort_keys=True),
                    f"{CONFIG} → Environment.Variables",
                )
            )
    return problems


def function_reads(_platform: Platform, function: LambdaFunction | None) -> Iterable[Read]:
    yield Read("lambda", "GetFunctionConfiguration", "function")
    if function is not None and function.consumed_queue is not None:
        yield Read("sqs", "GetQueueUrl", function.consumed_queue)


def _integrates(uri: str, function_arn: str) -> bool:
    return f"functions/{function_arn}/" in uri or f"functions/{function_arn}:" in uri


def api_trigger_live(view: LiveView) -> list[Problem]:
    assert view.function is not None and view.function.path and view.function.http_method
    function_arn = lambda_live.configuration(view.live, view.function)["FunctionArn"]
    method, path = view.function.http_method, view.function.path
    api = f"{view.names.rest_api}/{method}{path}"  # as in the execute-api ARN: api/METHOD/path
    resource = next((r for r in apigateway_live.resources(view.live) if r.get("path") == path), None)
    if resource is None:
        return [Problem.drift(api, f"a resource {path}", "none", "get_resources → items[].path")]
    methods = resource.get("resourceMethods") or {}
    if method not in methods:
        return [Problem.drift(api, f"a {method} method", sorted(methods) or "none", "get_resources → resourceMethods")]
    integration = methods[method].get("methodIntegration") or {}
    problems = []
    field = f"get_resources → resourceMethods.{method}.methodIntegration"
    if integration.get("type") != "AWS_PROXY":
        problems.append(
            Problem.drift(api, "an AWS_PROXY integration", integration.get("type") or "none", f"{field}.type")
        )
    uri = str(integration.get("uri") or "")
    if not _integrates(uri, function_arn):
        problems.append(Problem.drift(api, f"an integration invoking {function_arn}", uri or "none", f"{field}.uri"))
    return problems


def sqs_trigger_live(view: LiveView) -> list[Problem]:
    assert view.function is not None
    name = view.names.function(view.function)
    lambda_live.configuration(view.live, view.function)  # the function exists (or Missing, reported once)
    mappings = lambda_live.event_source_mappings(view.live, view.function)
    assert view.function.consumed_queue is not None
    queue_arn = sqs_live.attributes(view.live, view.function.consumed_queue).get("QueueArn")
    call = "list_event_source_mappings → EventSourceMappings[]"
    from_queue = [m for m in mappings if m.get("EventSourceArn") == queue_arn]
    if not from_queue:
        found = [m.get("EventSourceArn") for m in mappings] or "none"
        return [Problem.drift(name, f"an event source mapping from {queue_arn}", found, f"{call}.EventSourceArn")]
    mapping = from_queue[0]
    problems = []
    if mapping.get("State") != "Enabled":
        problems.append(Problem.drift(name, "the mapping Enabled", mapping.get("State") or "none", f"{call}.State"))
    types = mapping.get("FunctionResponseTypes") or []
    if "ReportBatchItemFailures" not in types:
        problems.append(
            Problem.drift(
                name, "FunctionResponseTypes [ReportBatchItemFailures]", types, f"{call}.FunctionResponseTypes"
            )
        )
    return problems


def sqs_trigger_reads(_platform: Platform, function: LambdaFunction | None) -> Iterable[Read]:
    """The function, its mappings, and the queue it reads (its own: the change or the audit queue)."""
    yield Read("lambda", "GetFunctionConfiguration", "function")
    yield Read("lambda", "ListEventSourceMappings", "function")
    queue = function.consumed_queue if function is not None and function.consumed_queue else "queue"
    yield Read("sqs", "GetQueueUrl", queue)
    yield Read("sqs", "GetQueueAttributes", queue)


def is_api(view: RepoView) -> bool:
    return view.function is not None and view.function.kind is Kind.API


def is_sqs(view: RepoView) -> bool:
    return view.function is not None and view.function.kind is Kind.SQS


CRITERIA = [
    Criterion(
        id="LAMBDA-FUNCTION",
        title="The function on the spec's Python runtime",
        requirement=Requirement.LAMBDA_FILES,
        scope=RepoScope.LAMBDA,
        files=("terraform/lambda.tf",),
        static=function,
        live=function_live,
        live_reads=function_reads,
        owns=("function",),
    ),
    Criterion(
        id="LAMBDA-API-TRIGGER",
        title="API Lambdas: method, AWS_PROXY integration, invoke permission",
        requirement=Requirement.LAMBDA_FILES,
        scope=RepoScope.LAMBDA,
        files=("terraform/api_gateway_integration.tf",),
        static=api_trigger,
        applies=is_api,
        live=api_trigger_live,
        live_reads=reads(
            "lambda:GetFunctionConfiguration@function",
            "apigateway:GetRestApis@rest_api",
            "apigateway:GetResources@rest_api",
        ),
    ),
    Criterion(
        id="LAMBDA-SQS-TRIGGER",
        title="Event-driven Lambdas: mapping from the change queue, partial batch responses",
        requirement=Requirement.LAMBDA_FILES,
        scope=RepoScope.LAMBDA,
        files=("terraform/sqs_event_source.tf",),
        static=sqs_trigger,
        applies=is_sqs,
        live=sqs_trigger_live,
        live_reads=sqs_trigger_reads,
        owns=("audit_queue",),  # the audit function's own queue: no infrastructure criterion checks it yet
    ),
]
