"""Response formatting: API Gateway proxy responses and SQS partial batch responses.

API responses always carry a JSON body (a string, as the Lambda proxy integration expects) and
`Content-Type: application/json`. Errors share one shape:

    {"error": {"code": "BAD_REQUEST", "message": "...", "details": [...]}}

so clients can rely on it, and a 500 never carries internal details.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from http import HTTPStatus
from typing import Any

from pydantic import ValidationError

JSON_HEADERS = {"Content-Type": "application/json"}


def _json_default(value: Any) -> Any:
    """JSON for the types the models use: Decimal as a number, datetimes as ISO 8601."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def to_json(body: Any) -> str:
    return json.dumps(body, default=_json_default)


def build_response(
    status: HTTPStatus | int, body: Any = None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """An API Gateway Lambda proxy response."""
    return {
        "statusCode": int(status),
        "headers": {**JSON_HEADERS, **(headers or {})},
        "body": "" if body is None else to_json(body),
    }


def ok(body: Any) -> dict[str, Any]:
    return build_response(HTTPStatus.OK, body)


def created(body: Any) -> dict[str, Any]:
    return build_response(HTTPStatus.CREATED, body)


def no_content() -> dict[str, Any]:
    return build_response(HTTPStatus.NO_CONTENT)


def error(
    status: HTTPStatus, message: str, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """An error response in the shared error shape."""
    payload: dict[str, Any] = {"code": status.name, "message": message}
    if details:
        payload["details"] = details
    return build_response(status, {"error": payload})


def bad_request(message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return error(HTTPStatus.BAD_REQUEST, message, details)


def not_found(message: str) -> dict[str, Any]:
    return error(HTTPStatus.NOT_FOUND, message)


def conflict(message: str) -> dict[str, Any]:
    return error(HTTPStatus.CONFLICT, message)


def internal_error() -> dict[str, Any]:
    """A 500 that says nothing about the cause: the details are in the logs only."""
    return error(HTTPStatus.INTERNAL_SERVER_ERROR, "Internal server error")


def validation_details(validation_error: ValidationError) -> list[dict[str, Any]]:
    """Pydantic's messages, one per invalid field, without echoing the input back."""
    return [
        {
            "field": ".".join(str(part) for part in item["loc"]) or "body",
            "message": item["msg"],
            "type": item["type"],
        }
        for item in validation_error.errors(include_url=False, include_input=False)
    ]


def batch_response(failed_message_ids: Iterable[str]) -> dict[str, Any]:
    """An SQS partial batch response: only the listed messages return to the queue."""
    return {
        "batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed_message_ids]
    }
