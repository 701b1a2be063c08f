"""Structured logging for CloudWatch Logs: one JSON object per line on stdout.

Every line carries `timestamp`, `level`, `message`, `logger`, `function_name` and `request_id`,
plus any fields passed with `extra=`, so CloudWatch Logs Insights can query them directly:

    fields @timestamp, level, message, product_id | filter level = "ERROR"

Usage:

    from src.utils.logger import get_logger

    logger = get_logger(__name__)
    logger.info("Product stored", extra={"product_id": product.id})

The level comes from the LOG_LEVEL environment variable (default INFO).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

SERVICE_NAME = "{{ cookiecutter.lambda_name }}"
DEFAULT_LEVEL = "INFO"

# What the current invocation is: set by the handler from the Lambda context object.
_invocation: ContextVar[dict[str, str | None] | None] = ContextVar("invocation", default=None)

# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """Formats a record as a single-line JSON object."""

    def format(self, record: logging.LogRecord) -> str:
        invocation = _invocation.get() or {}
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "function_name": invocation.get("function_name")
            or os.environ.get("AWS_LAMBDA_FUNCTION_NAME", SERVICE_NAME),
            "request_id": invocation.get("request_id"),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class StdoutHandler(logging.StreamHandler):
    """Writes to whatever `sys.stdout` is when a record is emitted (test runners swap it)."""

    @property
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, _value: Any) -> None:
        """The stream is always the current stdout; assignments are ignored."""


def log_level() -> int:
    """The level named by LOG_LEVEL; INFO when it is unset or not a level name."""
    name = os.environ.get("LOG_LEVEL", DEFAULT_LEVEL).strip().upper()
    level = logging.getLevelName(name)
    return level if isinstance(level, int) else logging.INFO


def _service_logger() -> logging.Logger:
    logger = logging.getLogger(SERVICE_NAME)
    if not any(isinstance(handler, StdoutHandler) for handler in logger.handlers):
        handler = StdoutHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        # The Lambda runtime configures the root logger too: do not log every line twice.
        logger.propagate = False
    logger.setLevel(log_level())
    return logger


def get_logger(name: str | None = None) -> logging.Logger:
    """The function's logger, or a child of it named after a module."""
    base = _service_logger()
    if not name or name == SERVICE_NAME:
        return base
    return base.getChild(name)


def bind_context(context: Any) -> None:
    """Attach the invocation's request id and function name to every following log line."""
    _invocation.set(
        {
            "request_id": getattr(context, "aws_request_id", None),
            "function_name": getattr(context, "function_name", None),
        }
    )
