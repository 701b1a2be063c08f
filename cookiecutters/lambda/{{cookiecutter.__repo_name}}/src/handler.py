{%- set op = cookiecutter.operation %}
{%- set is_api = cookiecutter.kind == 'api' %}
{%- set method = cookiecutter.http_method | upper %}
{%- set ns = namespace(params=[]) %}
{%- for segment in cookiecutter.path.split('/') %}
{%- if segment.startswith('{') and segment.endswith('}') %}
{%- set ns.params = ns.params + [segment[1:-1]] %}
{%- endif %}
{%- endfor %}
{%- set id_parameter = ns.params[0] if ns.params else 'id' -%}
{%- if is_api -%}
"""Lambda entry point of {{ cookiecutter.lambda_name }}: {{ method }} {{ cookiecutter.path }} on the REST API.

API Gateway invokes `handler` through the Lambda proxy integration. Every response goes through
src.utils.response_builder: 2xx with the result, 400 for an invalid request (with pydantic's
messages), 404 when the product does not exist, 500 for anything unexpected (logged, never
explained to the caller).
"""

from __future__ import annotations
{% if op in ['create', 'update'] %}
import base64
import binascii
import json
from decimal import Decimal
{%- endif %}
from functools import lru_cache
from typing import Any
{%- if op in ['list', 'create', 'update'] %}

from pydantic import ValidationError
{%- endif %}
{% if op in ['create', 'update'] %}
from src.models.product import ProductFields
{%- endif %}
{%- if op == 'list' %}
from src.repositories.product_repository import InvalidPageTokenError
from src.services.product_service import ListQuery, ProductService
{%- elif op == 'create' %}
from src.repositories.product_repository import ProductAlreadyExistsError
from src.services.product_service import ProductService
{%- else %}
from src.repositories.product_repository import ProductNotFoundError
from src.services.product_service import ProductService
{%- endif %}
from src.utils import response_builder
from src.utils.logger import bind_context, get_logger

logger = get_logger(__name__)
{%- if op in ['get', 'update', 'delete'] %}

# The path parameter holding the product id: {{ cookiecutter.path }}
ID_PARAMETER = "{{ id_parameter }}"
{%- endif %}


class RequestError(Exception):
    """The request is invalid: answered with 400 and the given details."""

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


@lru_cache(maxsize=1)
def get_service() -> ProductService:
    """Built on first use, then reused while the execution environment stays warm."""
    return ProductService.from_environment()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    bind_context(context)
    request_context = event.get("requestContext") or {}
    logger.info(
        "Request received",
        extra={
            "http_method": event.get("httpMethod"),
            "path": event.get("path"),
            "api_request_id": request_context.get("requestId"),
        },
    )
    try:
        response = _handle(event)
    except RequestError as error:
        logger.info("Request rejected", extra={"reason": error.message, "details": error.details})
        response = response_builder.bad_request(error.message, error.details)
{%- if op == 'create' %}
    except ProductAlreadyExistsError as error:
        response = response_builder.conflict(str(error))
{%- elif op != 'list' %}
    except ProductNotFoundError as error:
        logger.info("Product not found", extra={"product_id": error.product_id})
        response = response_builder.not_found(str(error))
{%- endif %}
    except Exception:
        logger.exception("Request failed")
        response = response_builder.internal_error()
    logger.info("Response sent", extra={"status_code": response["statusCode"]})
    return response


def _handle(event: dict[str, Any]) -> dict[str, Any]:
{%- if op == 'list' %}
    query = _parse(ListQuery, event.get("queryStringParameters") or {})
    try:
        page = get_service().list_products(query)
    except InvalidPageTokenError as error:
        raise RequestError(str(error)) from error
    return response_builder.ok(
        {
            "items": [product.model_dump() for product in page.items],
            "count": len(page.items),
            "next_token": page.next_token,
        }
    )
{%- elif op == 'get' %}
    product = get_service().get_product(_product_id(event))
    return response_builder.ok(product.model_dump())
{%- elif op == 'create' %}
    fields = _parse(ProductFields, _json_body(event))
    product = get_service().create_product(fields)
    return response_builder.created(product.model_dump())
{%- elif op == 'update' %}
    product_id = _product_id(event)
    fields = _parse(ProductFields, _json_body(event))
    product = get_service().update_product(product_id, fields)
    return response_builder.ok(product.model_dump())
{%- elif op == 'delete' %}
    get_service().delete_product(_product_id(event))
    return response_builder.no_content()
{%- endif %}
{%- if op in ['list', 'create', 'update'] %}


def _parse(model: Any, data: Any) -> Any:
    """Validate request data with a pydantic model; RequestError with its messages if invalid."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        details = response_builder.validation_details(error)
        raise RequestError("Request validation failed", details) from error
{%- endif %}
{%- if op in ['get', 'update', 'delete'] %}


def _product_id(event: dict[str, Any]) -> str:
    product_id = ((event.get("pathParameters") or {}).get(ID_PARAMETER) or "").strip()
    if not product_id:
        raise RequestError(f"Path parameter '{ID_PARAMETER}' is required")
    return product_id
{%- endif %}
{%- if op in ['create', 'update'] %}


def _json_body(event: dict[str, Any]) -> Any:
    """The request body as JSON; numbers with a fraction become Decimal (exact prices)."""
    body = event.get("body")
    if body is None or body == "":
        raise RequestError("Request body is required")
    try:
        if event.get("isBase64Encoded"):
            body = base64.b64decode(body, validate=True).decode("utf-8")
        return json.loads(body, parse_float=Decimal)
    except (ValueError, binascii.Error) as error:
        raise RequestError("Request body must be valid JSON") from error
{%- endif %}
{%- else -%}
"""Lambda entry point of {{ cookiecutter.lambda_name }}: consumes the product change queue.

The SQS event source mapping invokes `handler` with a batch of records and
ReportBatchItemFailures enabled: each record is parsed and processed on its own, and only the
messages that failed are returned in `batchItemFailures`, so SQS retries just those (and moves
them to the dead-letter queue after the redrive limit). A malformed message is a failure too:
it ends in the dead-letter queue, where the alarm makes someone look at it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from src.models.events import SQSRecord
from src.services.product_service import ProductService
from src.utils import response_builder
from src.utils.logger import bind_context, get_logger

logger = get_logger(__name__)


@lru_cache(maxsize=1)
def get_service() -> ProductService:
    """Built on first use, then reused while the execution environment stays warm."""
    return ProductService.from_environment()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    bind_context(context)
    records = event.get("Records") or []
    failed: list[str] = []
    for raw in records:
        message_id = str(raw.get("messageId", "")) if isinstance(raw, dict) else ""
        try:
            _process(SQSRecord.model_validate(raw))
        except ValidationError as error:
            logger.warning(
                "Malformed message",
                extra={
                    "message_id": message_id,
                    "errors": error.errors(
                        include_url=False, include_input=False, include_context=False
                    ),
                },
            )
            failed.append(message_id)
        except Exception:
            logger.exception("Message processing failed", extra={"message_id": message_id})
            failed.append(message_id)
    logger.info("Batch processed", extra={"received": len(records), "failed": len(failed)})
    return response_builder.batch_response(failed)


def _process(record: SQSRecord) -> None:
    event = record.change_event()
{%- if op == 'audit' %}
    get_service().record_change(event, record)
{%- else %}
    get_service().apply_change(event)
{%- endif %}
    logger.debug(
        "Message processed",
        extra={"message_id": record.message_id, "receive_count": record.receive_count},
    )
{%- endif %}
