"""Lambda reads: a function's configuration and its event source mappings."""

from __future__ import annotations

from typing import Any

from conformance.live.errors import Subject
from conformance.live.session import LiveEnv
from conformance.platform.model import LambdaFunction

KIND = "function"


def _subject(live: LiveEnv, function: LambdaFunction) -> Subject:
    return Subject(live.names.function(function), "the Lambda function", KIND)


def configuration(live: LiveEnv, function: LambdaFunction) -> dict[str, Any]:
    """`get_function_configuration(FunctionName)`."""
    params = {"FunctionName": live.names.function(function)}
    return live.call("lambda", "GetFunctionConfiguration", params, _subject(live, function))


def event_source_mappings(live: LiveEnv, function: LambdaFunction) -> list[dict[str, Any]]:
    """`list_event_source_mappings(FunctionName)` over every page."""
    params = {"FunctionName": live.names.function(function)}
    return live.pages("lambda", "ListEventSourceMappings", params, "EventSourceMappings", _subject(live, function))
