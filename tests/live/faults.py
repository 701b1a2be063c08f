"""Injected AWS faults: error responses made in-process, in the wire format of each protocol.

A `before-send` handler registered FIRST on the live run's session answers instead of moto (or
AWS): botocore parses the answer, applies its retry policy and raises, exactly as it would for
a real throttled or denied call.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import botocore.session
from botocore.awsrequest import AWSResponse

SERVICES = ("sts", "dynamodb", "sqs", "s3", "sns", "apigateway", "iam", "cloudwatch", "lambda")
_core = botocore.session.get_session()
# The protocol a client speaks: the first of the model's protocols botocore supports.
PROTOCOLS = {
    model.service_id.hyphenize(): getattr(model, "resolved_protocol", model.protocol)
    for model in map(_core.get_service_model, SERVICES)
}
ATTEMPT = re.compile(r"attempt=(\d+)")


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any):
        yield self.body


def _cbor_text(text: str) -> bytes:
    data = text.encode()
    assert len(data) < 256
    return (bytes([0x60 + len(data)]) if len(data) < 24 else bytes([0x78, len(data)])) + data


def _cbor_map(values: dict[str, str]) -> bytes:
    return bytes([0xA0 + len(values)]) + b"".join(_cbor_text(k) + _cbor_text(v) for k, v in values.items())


def error_response(url: str, protocol: str, status: int, code: str, message: str) -> AWSResponse:
    """An AWS error answer in the protocol's own format."""
    headers = {"x-amzn-RequestId": "injected-fault"}
    if protocol in ("json", "rest-json"):
        headers |= {"x-amzn-ErrorType": code, "Content-Type": "application/x-amz-json-1.0"}
        body = json.dumps({"__type": code, "message": message}).encode()
    elif protocol in ("query", "ec2"):
        headers["Content-Type"] = "text/xml"
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            "<RequestId>injected-fault</RequestId></ErrorResponse>"
        ).encode()
    elif protocol == "rest-xml":
        headers["Content-Type"] = "application/xml"
        body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()
    elif protocol == "smithy-rpc-v2-cbor":
        headers |= {"smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor"}
        body = _cbor_map({"__type": code, "message": message})
    else:
        raise ValueError(f"no fault format for protocol {protocol!r}")
    return AWSResponse(url, status, headers, _Raw(body))


def attempt_of(request: Any) -> int:
    header = request.headers.get("amz-sdk-request", b"")
    match = ATTEMPT.search(header.decode() if isinstance(header, bytes) else str(header))
    return int(match.group(1)) if match else 1


def service_of(event_name: str) -> str:
    return event_name.split(".")[1]


THROTTLING = {"query": "Throttling", "rest-xml": "SlowDown"}  # the others: ThrottlingException


class Throttler:
    """Answers the first call to each of `services` (its first attempt) with throttling, every
    third time with a transient 503 instead, then lets the retry through."""

    def __init__(self, services: tuple[str, ...]) -> None:
        self.services = services
        self.seen: set[str] = set()
        self.injected: list[str] = []

    def __call__(self, request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        service = service_of(event_name)
        if attempt_of(request) != 1 or service in self.seen or service not in self.services:
            return None  # a retry, another service, or one already faulted once: let it through
        self.seen.add(service)
        protocol = PROTOCOLS[service]
        self.injected.append(event_name.removeprefix("before-send."))
        if len(self.injected) % 3 == 0:
            return AWSResponse(request.url, 503, {}, _Raw(b""))  # a transient fault, not throttling
        code = THROTTLING.get(protocol, "ThrottlingException")
        status = 503 if protocol == "rest-xml" else 400
        return error_response(request.url, protocol, status, code, "Rate exceeded")


def deny(operation: str, message: str) -> Callable[..., AWSResponse | None]:
    """Answer every `service.Operation` call with access denied (as a missing IAM permission does)."""
    service, _, name = operation.partition(".")

    def handler(request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        if event_name != f"before-send.{service}.{name}":
            return None
        protocol = PROTOCOLS[service]
        code = "AccessDenied" if protocol in ("rest-xml", "query") else "AccessDeniedException"
        return error_response(request.url, protocol, 403, code, message)

    return handler


def always_throttle(operation: str) -> Callable[..., AWSResponse | None]:
    service, _, name = operation.partition(".")

    def handler(request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        if event_name != f"before-send.{service}.{name}":
            return None
        return error_response(request.url, PROTOCOLS[service], 400, "ThrottlingException", "Rate exceeded")

    return handler
