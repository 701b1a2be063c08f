"""The Lambda repos' own Terraform: the function, and its trigger by kind.

Over 400 lines as one idea: the Lambda function as its repository declares it (function, trigger,
handler, log group).
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable
from contextlib import suppress
from typing import Any

from conformance.core import Problem, Read, Stop, describe, expected
from conformance.criteria.base import Criterion, Profile, RepoScope, Requirement, reads
from conformance.criteria.hcl_checks import check_equal, instances_of, named, parse_failures, value, where
from conformance.criteria.remote_state import REMOTE_OUTPUTS, output_of
from conformance.evidence.evaluate import Ref, Template
from conformance.evidence.fleet import FleetEvidence, RepoView
from conformance.evidence.module import Instance
from conformance.evidence.python_source import PythonFailure, python_module, takes_event_and_context, top_level_names
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


def method_authorization(view: RepoView, _: FleetEvidence) -> list[Problem]:
    """The method's authorization is the spec's: the function's own, else `lambdas.authorization` by method."""
    assert view.function is not None and view.function.http_method is not None
    wanted = view.platform.authorization(view.function)
    verb = view.function.http_method
    methods = [
        m for m in instances_of(view, "aws_api_gateway_method") if value(view, m, "http_method", None) in (verb, "ANY")
    ]
    if not methods:
        found = [value(view, m, "http_method", None) for m in instances_of(view, "aws_api_gateway_method")]
        return [Problem(view.where("terraform"), expected(f"an aws_api_gateway_method {verb}", found or "none"))]
    problems = []
    for method in methods:
        found = value(view, method, "authorization", None)
        if found != wanted:
            problems.append(
                Problem(where(method, "authorization"), f"authorization: {expected(describe(wanted), describe(found))}")
            )
    return problems


def fed_queues(view: RepoView) -> list[tuple[str, str]]:
    """(output, queue name) of the queues this function may read: the spec's own queue for it, and the
    change queue (the requirement names one queue; a fleet may feed both consumers from it)."""
    assert view.function is not None and view.function.consumed_queue is not None
    kinds = dict.fromkeys([view.function.consumed_queue, "queue"])
    return [
        (
            view.platform.output_for(f"{kind}.arn"),
            view.platform.name(view.platform.infrastructure.queue_spec(kind).thing, view.env or ""),
        )
        for kind in kinds
    ]


def is_fed_queue(view: RepoView, source: Any) -> bool:
    """One of those queues' ARN: the infrastructure output, a `data "aws_sqs_queue"` of its name, or the ARN."""
    for output, name in fed_queues(view):
        if isinstance(source, Ref) and output_of(source) == output:
            return True
        if isinstance(source, Ref) and source.address.startswith("data.aws_sqs_queue.") and source.attribute == "arn":
            block = view.module.resource(source.target)
            lookups = view.values.instances(block) if block is not None else []
            if any(value(view, lookup, "name", None) == name for lookup in lookups):
                return True
        if isinstance(source, str) and source.startswith("arn:aws:sqs:") and source.endswith(f":{name}"):
            return True
    return False


def sqs_mappings(view: RepoView) -> list[Instance]:
    mappings = instances_of(view, "aws_lambda_event_source_mapping")
    if not mappings:
        raise Stop(Problem(view.where("terraform"), expected("an aws_lambda_event_source_mapping", "none")))
    return mappings


def sqs_trigger(view: RepoView, _: FleetEvidence) -> list[Problem]:
    mappings = sqs_mappings(view)
    if any(is_fed_queue(view, value(view, m, "event_source_arn", None)) for m in mappings):
        return []
    found = [value(view, m, "event_source_arn", None) for m in mappings]
    output, name = fed_queues(view)[0]
    wanted = f"{REMOTE_OUTPUTS}.{output} (or the ARN of {name})"
    return [Problem(where(mappings[0], "event_source_arn"), expected(wanted, found[0] if len(found) == 1 else found))]


def partial_batch(view: RepoView, _: FleetEvidence) -> list[Problem]:
    """The kit's convention: the mapping reports failed records one by one (ReportBatchItemFailures)."""
    problems = []
    for mapping in sqs_mappings(view):
        types = value(view, mapping, "function_response_types", []) or []
        if "ReportBatchItemFailures" not in types:
            problems.append(
                Problem(where(mapping), expected('function_response_types = ["ReportBatchItemFailures"]', types))
            )
    return problems


# -- the function's code and log group ---------------------------------------------------------


def functions(view: RepoView) -> list[Instance]:
    found = instances_of(view, "aws_lambda_function")
    if not found:
        if view.module.failures:
            raise Stop(*parse_failures(view))
        raise Stop(Problem(view.where("terraform/lambda.tf"), expected("an aws_lambda_function", "none")))
    return found


def source_failures(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    """Every file under src/ that cannot be read, and every `src/**/*.py` that does not parse, at its line:
    a source tree the suite cannot read cannot be judged (REPO-FILES-SAFE names the same files)."""
    problems = [Problem(u.where, f"cannot be read: {u.reason}") for u in evidence.source_refusals(view.name)]
    for relative in evidence.list(view.name, "src", (".py",), recursive=True):
        module = python_module(evidence, view.name, relative)
        if isinstance(module, PythonFailure):
            problems.append(Problem(f"{module.file}:{module.line}", f"does not parse: {module.reason}"))
    return problems


def handler_problem(view: RepoView, evidence: FleetEvidence, handler: str) -> str | None:
    """Why `module.function` names nothing callable as handler(event, context) in src/ (None: it does)."""
    module_name, _, function_name = handler.rpartition(".")
    if not module_name or not function_name:
        return expected("a handler written module.function", repr(handler))
    path = module_name.replace(".", "/")
    # The zip's root is the repository (handler src.handler.fn) or src/ (handler handler.fn).
    candidates = [f"{root}{path}{suffix}" for root in ("", "src/") for suffix in (".py", "/__init__.py")]
    existing = [c for c in candidates if c.startswith("src/") and evidence.is_file(view.name, c)]
    if not existing:
        return expected(f"a module {module_name} in src/ ({' or '.join(candidates[i] for i in (0, 2))})", "none")
    module = python_module(evidence, view.name, existing[0])
    if not isinstance(module, ast.Module):
        return None  # reported once, as a file that does not parse
    names = top_level_names(module)
    defined = names.get(function_name)
    if defined is None:
        functions_found = sorted(n for n, d in names.items() if isinstance(d, ast.FunctionDef | ast.AsyncFunctionDef))
        return expected(f"a function {function_name} in {existing[0]}", ", ".join(functions_found) or "none")
    if isinstance(defined, ast.FunctionDef | ast.AsyncFunctionDef) and not takes_event_and_context(defined):
        return expected(
            f"{function_name}(event, context) in {existing[0]}", f"{function_name}({ast.unparse(defined.args)})"
        )
    return None


def handler(view: RepoView, evidence: FleetEvidence) -> list[Problem]:
    problems = source_failures(view, evidence)
    for function_ in functions(view):
        if value(view, function_, "package_type", "Zip") == "Image":
            problems.append(Problem(where(function_), expected("a zip package whose handler is in src/", "an image")))
            continue
        found = value(view, function_, "handler", None)
        if not isinstance(found, str):
            problems.append(
                Problem(where(function_, "handler"), f"handler: {expected('module.function', describe(found))}")
            )
            continue
        problem = handler_problem(view, evidence, found)
        if problem:
            problems.append(Problem(where(function_, "handler"), f"handler {found!r}: {problem}"))
    return problems


def function_names(view: RepoView) -> dict[str, str]:
    """Each function's block address -> its evaluated name."""
    names = {}
    for function_ in functions(view):
        name = value(view, function_, "function_name")
        if isinstance(name, str):
            names[function_.block.address] = name
    return names


def log_group_name(found: Any, names: dict[str, str]) -> Any:
    """A log group's name with `aws_lambda_function.x.function_name` put in (the name Terraform would give)."""
    parts = found.parts if isinstance(found, Template) else (found,)
    resolved = []
    for part in parts:
        if isinstance(part, Ref) and part.attribute == "function_name" and part.target in names:
            resolved.append(names[part.target])
        elif isinstance(part, str):
            resolved.append(part)
        else:
            return found
    return "".join(resolved)


def log_groups(view: RepoView) -> list[tuple[str, Instance]]:
    """(the function's name, its log group) for every function; Stop naming the groups when one has none."""
    names = function_names(view)
    groups = [
        (log_group_name(value(view, g, "name", None), names), g) for g in instances_of(view, "aws_cloudwatch_log_group")
    ]
    found = []
    for name in names.values():
        wanted = f"/aws/lambda/{name}"
        match = next((group for group_name, group in groups if group_name == wanted), None)
        if match is None:
            seen = ", ".join(sorted(str(n) for n, _ in groups)) or "none"
            raise Stop(
                Problem(
                    view.where("terraform/cloudwatch.tf"),
                    expected(f"an aws_cloudwatch_log_group named {wanted!r}", seen),
                )
            )
        found.append((name, match))
    return found


def log_group(view: RepoView, _: FleetEvidence) -> list[Problem]:
    problems = []
    for _name, group in log_groups(view):
        days = value(view, group, "retention_in_days", None)
        if days is None:
            problems.append(Problem(where(group), expected("retention_in_days (logs that expire)", "none")))
        elif not isinstance(days, int) or isinstance(days, bool) or days < 1:
            problems.append(
                Problem(
                    where(group, "retention_in_days"),
                    f"retention_in_days: {expected('a number of days', describe(days))}",
                )
            )
    return problems


def log_retention(view: RepoView, _: FleetEvidence) -> list[Problem]:
    """The kit's convention: the env's retention from the spec."""
    wanted = view.platform.environments[view.env or ""].log_retention_days
    problems = []
    for _name, group in log_groups(view):
        problems += check_equal(view, group, "retention_in_days", wanted)
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


def method_authorization_live(view: LiveView) -> list[Problem]:
    assert view.function is not None and view.function.path and view.function.http_method
    method, path = view.function.http_method, view.function.path
    api = f"{view.names.rest_api}/{method}{path}"  # as in the execute-api ARN: api/METHOD/path
    resource = next((r for r in apigateway_live.resources(view.live) if r.get("path") == path), None)
    methods = (resource or {}).get("resourceMethods") or {}
    if method not in methods:
        return [Problem.drift(api, f"a {method} method", sorted(methods) or "none", "get_resources → resourceMethods")]
    wanted = view.platform.authorization(view.function)
    found = methods[method].get("authorizationType")
    if found != wanted:
        call = f"get_resources → resourceMethods.{method}.authorizationType"
        return [Problem.drift(api, wanted, found or "none", call)]
    return []


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
        id="LAMBDA-METHOD-AUTHORIZATION",
        profile=Profile.PLATFORM,
        title="API Lambdas: the method authorised as the spec says (writes never anonymous)",
        requirement=Requirement.LAMBDA_FILES,
        scope=RepoScope.LAMBDA,
        files=("terraform/api_gateway_integration.tf", "terraform/*.tf"),
        static=method_authorization,
        applies=is_api,
        live=method_authorization_live,
        live_reads=reads("apigateway:GetRestApis@rest_api", "apigateway:GetResources@rest_api"),
    ),
    Criterion(
        id="LAMBDA-HANDLER",
        title="The handler in lambda.tf is a function(event, context) in src/, and src/ parses",
        requirement=Requirement.LAMBDA_FILES,
        scope=RepoScope.LAMBDA,
        files=("terraform/lambda.tf", "src/**/*.py"),
        static=handler,
    ),
    Criterion(
        id="LAMBDA-LOG-GROUP",
        title="A log group /aws/lambda/<function> with a retention",
        requirement=Requirement.LAMBDA_FILES,
        scope=RepoScope.LAMBDA,
        files=("terraform/cloudwatch.tf", "terraform/*.tf"),
        static=log_group,
    ),
    Criterion(
        id="LAMBDA-LOG-RETENTION",
        profile=Profile.PLATFORM,
        title="The log group keeps logs for the env's retention in the spec",
        requirement=Requirement.LAMBDA_FILES,
        scope=RepoScope.LAMBDA,
        files=("terraform/cloudwatch.tf", "terraform/environments/{env}.tfvars"),
        static=log_retention,
    ),
    Criterion(
        id="LAMBDA-SQS-TRIGGER",
        title="Event-driven Lambdas: an event source mapping from the change queue",
        requirement=Requirement.LAMBDA_FILES,
        scope=RepoScope.LAMBDA,
        files=("terraform/sqs_event_source.tf",),
        static=sqs_trigger,
        applies=is_sqs,
        live=sqs_trigger_live,
        live_reads=sqs_trigger_reads,
        owns=("audit_queue",),  # the audit function's own queue: no infrastructure criterion checks it yet
    ),
    Criterion(
        id="LAMBDA-SQS-PARTIAL-BATCH",
        profile=Profile.PLATFORM,
        title="Event-driven Lambdas report failed records one by one (ReportBatchItemFailures)",
        requirement=Requirement.LAMBDA_FILES,
        scope=RepoScope.LAMBDA,
        files=("terraform/sqs_event_source.tf",),
        static=partial_batch,
        applies=is_sqs,
    ),
]
