"""The logger (JSON lines for CloudWatch) and the response builder."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from decimal import Decimal
from http import HTTPStatus

import pytest
from pydantic import BaseModel, ValidationError

from src.utils import response_builder
from src.utils.logger import (
    SERVICE_NAME,
    StdoutHandler,
    bind_context,
    get_logger,
    log_level,
)
from tests.conftest import FUNCTION_NAME, read_log_lines


def test_log_lines_are_json_with_context(capsys, lambda_context) -> None:
    bind_context(lambda_context)
    logger = get_logger("tests.unit")

    logger.info("Product stored", extra={"product_id": "p-1", "price": Decimal("1.50")})

    [line] = read_log_lines(capsys.readouterr().out)
    assert line["level"] == "INFO"
    assert line["message"] == "Product stored"
    assert line["logger"] == f"{SERVICE_NAME}.tests.unit"
    assert line["function_name"] == FUNCTION_NAME
    assert line["request_id"] == lambda_context.aws_request_id
    assert line["product_id"] == "p-1"
    assert line["price"] == "1.50"
    assert datetime.fromisoformat(line["timestamp"]).tzinfo is not None


def test_exceptions_are_logged_with_traceback(capsys) -> None:
    logger = get_logger()
    try:
        raise ValueError("bad thing")
    except ValueError:
        logger.exception("It failed")

    [line] = read_log_lines(capsys.readouterr().out)
    assert line["level"] == "ERROR"
    assert "ValueError: bad thing" in line["exception"]


def test_one_handler_however_often_asked() -> None:
    get_logger()
    get_logger()

    handlers = logging.getLogger(SERVICE_NAME).handlers
    assert len([handler for handler in handlers if isinstance(handler, StdoutHandler)]) == 1
    assert logging.getLogger(SERVICE_NAME).propagate is False


@pytest.mark.parametrize(
    ("value", "level"),
    [("WARNING", logging.WARNING), ("debug", logging.DEBUG), ("loud", logging.INFO)],
)
def test_level_from_environment(monkeypatch, value, level) -> None:
    monkeypatch.setenv("LOG_LEVEL", value)

    assert log_level() == level
    assert get_logger().level == level


def test_level_filters(monkeypatch, capsys) -> None:
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    logger = get_logger()

    logger.info("hidden")
    logger.warning("shown")

    assert [line["message"] for line in read_log_lines(capsys.readouterr().out)] == ["shown"]


def test_build_response() -> None:
    response = response_builder.build_response(HTTPStatus.OK, {"a": 1}, {"X-Extra": "yes"})

    assert response == {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "X-Extra": "yes"},
        "body": '{"a": 1}',
    }


def test_json_of_model_types() -> None:
    body = {
        "whole": Decimal("19.00"),
        "fraction": Decimal("19.99"),
        "when": datetime(2025, 1, 1, tzinfo=UTC),
    }

    assert json.loads(response_builder.to_json(body)) == {
        "whole": 19,
        "fraction": 19.99,
        "when": "2025-01-01T00:00:00+00:00",
    }
    with pytest.raises(TypeError):
        response_builder.to_json({"unknown": object()})


@pytest.mark.parametrize(
    ("response", "status"),
    [
        (response_builder.ok({}), 200),
        (response_builder.created({}), 201),
        (response_builder.no_content(), 204),
        (response_builder.bad_request("x"), 400),
        (response_builder.not_found("x"), 404),
        (response_builder.conflict("x"), 409),
        (response_builder.internal_error(), 500),
    ],
)
def test_status_codes(response, status) -> None:
    assert response["statusCode"] == status
    assert response["headers"]["Content-Type"] == "application/json"


def test_error_shape() -> None:
    details = [{"field": "price", "message": "too low"}]

    body = json.loads(response_builder.bad_request("Invalid", details)["body"])

    assert body == {"error": {"code": "BAD_REQUEST", "message": "Invalid", "details": details}}


def test_validation_details() -> None:
    class Model(BaseModel):
        count: int

    with pytest.raises(ValidationError) as raised:
        Model.model_validate({"count": "many"})

    [detail] = response_builder.validation_details(raised.value)
    assert detail["field"] == "count"
    assert detail["type"] == "int_parsing"
    assert "many" not in json.dumps(detail)


def test_batch_response() -> None:
    assert response_builder.batch_response(["a", "b"]) == {
        "batchItemFailures": [{"itemIdentifier": "a"}, {"itemIdentifier": "b"}]
    }
    assert response_builder.batch_response([]) == {"batchItemFailures": []}
