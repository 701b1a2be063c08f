"""The Lambda repos' own Terraform: the function, and its trigger by kind."""

from __future__ import annotations

from conformance.criteria.base import Criterion, Problem, Requirement, Scope, expected
from conformance.criteria.hcl_checks import check_equal, instances_of, named, value, where
from conformance.criteria.remote_state import REMOTE_OUTPUTS, output_of
from conformance.evidence.evaluate import Ref
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.platform.model import Kind


def function(view: RepoView, _: FleetEvidence) -> list[Problem]:
    assert view.function is not None and view.env is not None
    instance = named(view, "aws_lambda_function", view.platform.name(view.function.dashed, view.env), "function_name")
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
    queue_arn = view.platform.lambdas.remote_state_locals.get("sqs_queue_arn", "sqs_queue_arn")
    if not (isinstance(source, Ref) and output_of(source) == queue_arn):
        problems.append(Problem(where(mapping, "event_source_arn"), expected(f"{REMOTE_OUTPUTS}.{queue_arn}", source)))
    types = value(view, mapping, "function_response_types", []) or []
    if "ReportBatchItemFailures" not in types:
        problems.append(
            Problem(where(mapping), expected('function_response_types = ["ReportBatchItemFailures"]', types))
        )
    return problems


def is_api(view: RepoView) -> bool:
    return view.function is not None and view.function.kind is Kind.API


def is_sqs(view: RepoView) -> bool:
    return view.function is not None and view.function.kind is Kind.SQS


L = Requirement.LAMBDA_FILES
CRITERIA = [
    Criterion(
        "LAMBDA-FUNCTION",
        "The function on the spec's Python runtime",
        L,
        Scope.LAMBDA,
        ("terraform/lambda.tf",),
        function,
    ),
    Criterion(
        "LAMBDA-API-TRIGGER",
        "API Lambdas: method, AWS_PROXY integration, invoke permission",
        L,
        Scope.LAMBDA,
        ("terraform/api_gateway_integration.tf",),
        api_trigger,
        applies=is_api,
    ),
    Criterion(
        "LAMBDA-SQS-TRIGGER",
        "Event-driven Lambdas: mapping from the change queue, partial batch responses",
        L,
        Scope.LAMBDA,
        ("terraform/sqs_event_source.tf",),
        sqs_trigger,
        applies=is_sqs,
    ),
]
