"""Lambda reads: a function's configuration and its event source mappings."""

from __future__ import annotations

from typing import Any

from conformance.live.session import LiveEnv, Target
from conformance.platform.model import LambdaFunction

OWNER = "LAMBDA-FUNCTION"


def _target(live: LiveEnv, function: LambdaFunction) -> Target:
    return Target(live.names.function(function), "the Lambda function", OWNER)


def configuration(live: LiveEnv, function: LambdaFunction) -> dict[str, Any]:
    """`get_function_configuration(FunctionName)`."""
    params = {"FunctionName": live.names.function(function)}
    return live.call("lambda", "GetFunctionConfiguration", params, _target(live, function))


def event_source_mappings(live: LiveEnv, function: LambdaFunction) -> list[dict[str, Any]]:
    """`list_event_source_mappings(FunctionName)` over every page."""
    params = {"FunctionName": live.names.function(function)}
    return live.pages("lambda", "ListEventSourceMappings", params, "EventSourceMappings", _target(live, function))
