{%- set op = cookiecutter.operation %}
{%- set is_api = cookiecutter.kind == 'api' -%}
"""The handler alone: the service is replaced by a fake, so only event parsing, error mapping
and response formatting are under test here (tests/integration drives the real thing)."""

from __future__ import annotations
{% if is_api %}
import json
{%- endif %}
from typing import Any

import pytest

from src import handler as handler_module
{%- if op in ['create', 'update'] %}
from src.models.product import ProductFields
{%- endif %}
{%- if op == 'list' %}
from src.repositories.product_repository import InvalidPageTokenError, ProductPage
from src.services.product_service import ListQuery
{%- elif op == 'create' %}
from src.repositories.product_repository import ProductAlreadyExistsError
{%- elif is_api %}
from src.repositories.product_repository import ProductNotFoundError
{%- endif %}
{%- if not is_api %}
from src.models.events import ChangeType, ProductChangeEvent{% if op == 'audit' %}, SQSRecord{% endif %}
from tests.conftest import read_log_lines, sqs_event, sqs_record
{%- else %}
from tests.conftest import read_log_lines
{%- endif %}


class FakeService:
    """Records calls; raises `error` when set, else returns `result`."""

    def __init__(self, result: Any = None, error: Exception | None = None) -> None:
        self.result = result
        self.error = error
        self.calls: list[tuple[Any, ...]] = []

    def _call(self, *args: Any) -> Any:
        self.calls.append(args)
        if self.error is not None:
            raise self.error
        return self.result
{%- if op == 'list' %}

    def list_products(self, query: ListQuery) -> Any:
        return self._call(query)
{%- elif op == 'get' %}

    def get_product(self, product_id: str) -> Any:
        return self._call(product_id)
{%- elif op == 'create' %}

    def create_product(self, fields: ProductFields) -> Any:
        return self._call(fields)
{%- elif op == 'update' %}

    def update_product(self, product_id: str, fields: ProductFields) -> Any:
        return self._call(product_id, fields)
{%- elif op == 'delete' %}

    def delete_product(self, product_id: str) -> Any:
        return self._call(product_id)
{%- elif op == 'persist' %}

    def apply_change(self, event: ProductChangeEvent) -> Any:
        return self._call(event)
{%- elif op == 'audit' %}

    def record_change(self, event: ProductChangeEvent, record: SQSRecord) -> Any:
        return self._call(event, record)
{%- endif %}


@pytest.fixture
def use_service(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Install a FakeService as the handler's service and return it."""

    def install(service: FakeService) -> FakeService:
        monkeypatch.setattr(handler_module, "get_service", lambda: service)
        return service

    return install
{%- if is_api %}


def body_of(response: dict[str, Any]) -> Any:
    assert response["headers"]["Content-Type"] == "application/json"
    return json.loads(response["body"]) if response["body"] else None


def test_unexpected_error_is_500_without_details(
    api_event, lambda_context, use_service, capsys
) -> None:
    use_service(FakeService(error=RuntimeError("database password is hunter2")))
{%- if op == 'list' %}
    event = api_event()
{%- elif op == 'get' or op == 'delete' %}
    event = api_event(path_parameters={handler_module.ID_PARAMETER: "p-1"})
{%- else %}
    event = api_event(
{%- if op == 'update' %}
        path_parameters={handler_module.ID_PARAMETER: "p-1"},
{%- endif %}
        body={"name": "Kettle", "price": 350, "currency": "ZAR"},
    )
{%- endif %}

    response = handler_module.handler(event, lambda_context)

    assert response["statusCode"] == 500
    assert body_of(response) == {
        "error": {"code": "INTERNAL_SERVER_ERROR", "message": "Internal server error"}
    }
    assert "hunter2" not in response["body"]
    logs = read_log_lines(capsys.readouterr().out)
    failure = next(line for line in logs if line["level"] == "ERROR")
    assert "hunter2" in failure["exception"]
    assert failure["request_id"] == lambda_context.aws_request_id
{%- endif %}
{%- if op == 'list' %}


def test_list_returns_a_page(api_event, lambda_context, use_service, product) -> None:
    service = use_service(FakeService(result=ProductPage(items=[product], next_token="tok")))

    response = handler_module.handler(api_event(query={"limit": "5"}), lambda_context)

    assert response["statusCode"] == 200
    body = body_of(response)
    assert body["count"] == 1
    assert body["next_token"] == "tok"
    assert body["items"][0]["id"] == product.id
    assert body["items"][0]["price"] == float(product.price)
    assert service.calls[0][0].limit == 5


def test_list_without_query_uses_defaults(api_event, lambda_context, use_service) -> None:
    service = use_service(FakeService(result=ProductPage()))

    response = handler_module.handler(api_event(), lambda_context)

    assert response["statusCode"] == 200
    assert body_of(response) == {"items": [], "count": 0, "next_token": None}
    assert service.calls[0][0] == ListQuery()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"min_price": "-1"}, "min_price"),
        ({"min_price": "10", "max_price": "5"}, "body"),
        ({"name": "Kettle", "max_price": "5"}, "body"),
    ],
)
def test_invalid_query_is_400(api_event, lambda_context, use_service, query, field) -> None:
    service = use_service(FakeService(result=ProductPage()))

    response = handler_module.handler(api_event(query=query), lambda_context)

    assert response["statusCode"] == 400
    error = body_of(response)["error"]
    assert error["code"] == "BAD_REQUEST"
    assert error["details"][0]["field"] == field
    assert service.calls == []


def test_invalid_page_token_is_400(api_event, lambda_context, use_service) -> None:
    use_service(FakeService(error=InvalidPageTokenError("next_token is not a valid page token")))

    response = handler_module.handler(api_event(query={"next_token": "x"}), lambda_context)

    assert response["statusCode"] == 400
    assert body_of(response)["error"]["message"] == "next_token is not a valid page token"
{%- elif op == 'get' %}


def test_get_returns_the_product(api_event, lambda_context, use_service, product) -> None:
    service = use_service(FakeService(result=product))

    response = handler_module.handler(
        api_event(path_parameters={handler_module.ID_PARAMETER: product.id}), lambda_context
    )

    assert response["statusCode"] == 200
    body = body_of(response)
    assert body["id"] == product.id
    assert body["name"] == product.name
    assert service.calls == [(product.id,)]


def test_unknown_product_is_404(api_event, lambda_context, use_service) -> None:
    use_service(FakeService(error=ProductNotFoundError("nope")))

    response = handler_module.handler(
        api_event(path_parameters={handler_module.ID_PARAMETER: "nope"}), lambda_context
    )

    assert response["statusCode"] == 404
    assert body_of(response)["error"] == {"code": "NOT_FOUND", "message": "Product nope not found"}


@pytest.mark.parametrize("path_parameters", [None, {handler_module.ID_PARAMETER: "  "}])
def test_missing_id_is_400(api_event, lambda_context, use_service, path_parameters) -> None:
    service = use_service(FakeService())

    response = handler_module.handler(api_event(path_parameters=path_parameters), lambda_context)

    assert response["statusCode"] == 400
    assert service.calls == []
{%- elif op == 'create' %}


def test_create_returns_201(api_event, lambda_context, use_service, product) -> None:
    service = use_service(FakeService(result=product))
    body = {"name": product.name, "price": "4999.99", "currency": "zar"}

    response = handler_module.handler(api_event(body=body), lambda_context)

    assert response["statusCode"] == 201
    assert body_of(response)["id"] == product.id
    fields = service.calls[0][0]
    assert fields.currency == "ZAR"
    assert str(fields.price) == "4999.99"


def test_json_numbers_stay_exact(api_event, lambda_context, use_service, product) -> None:
    service = use_service(FakeService(result=product))
    raw = '{"name": "Kettle", "price": 0.1, "currency": "ZAR"}'

    handler_module.handler(api_event(raw_body=raw), lambda_context)

    assert str(service.calls[0][0].price) == "0.1"


def test_base64_body_is_decoded(api_event, lambda_context, use_service, product) -> None:
    import base64

    use_service(FakeService(result=product))
    raw = base64.b64encode(b'{"name": "K", "price": 1, "currency": "ZAR"}').decode()
    event = api_event(raw_body=raw)
    event["isBase64Encoded"] = True

    assert handler_module.handler(event, lambda_context)["statusCode"] == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Kettle", "price": -1, "currency": "ZAR"}, "price"),
        ({"name": "", "price": 1, "currency": "ZAR"}, "name"),
        ({"name": "Kettle", "price": 1, "currency": "RANDS"}, "currency"),
        ({"name": "Kettle", "price": 1.234, "currency": "ZAR"}, "price"),
        ({"name": "Kettle", "price": 1, "currency": "ZAR", "id": "mine"}, "id"),
        ({"price": 1, "currency": "ZAR"}, "name"),
        (["not", "an", "object"], "body"),
    ],
)
def test_invalid_body_is_400_with_pydantic_messages(
    api_event, lambda_context, use_service, body, field
) -> None:
    service = use_service(FakeService())

    response = handler_module.handler(api_event(body=body), lambda_context)

    assert response["statusCode"] == 400
    error = body_of(response)["error"]
    assert error["message"] == "Request validation failed"
    assert error["details"][0]["field"] == field
    assert error["details"][0]["message"]
    assert service.calls == []


@pytest.mark.parametrize("raw_body", [None, "", "{not json", "eyJ"])
def test_missing_or_broken_body_is_400(api_event, lambda_context, use_service, raw_body) -> None:
    use_service(FakeService())

    response = handler_module.handler(api_event(raw_body=raw_body), lambda_context)

    assert response["statusCode"] == 400
    assert body_of(response)["error"]["code"] == "BAD_REQUEST"


def test_duplicate_id_is_409(api_event, lambda_context, use_service) -> None:
    use_service(FakeService(error=ProductAlreadyExistsError("p-1")))
    body = {"name": "Kettle", "price": 1, "currency": "ZAR"}

    response = handler_module.handler(api_event(body=body), lambda_context)

    assert response["statusCode"] == 409
{%- elif op == 'update' %}


def test_update_returns_the_product(api_event, lambda_context, use_service, product) -> None:
    service = use_service(FakeService(result=product))
    body = {"name": "Espresso Machine Pro", "price": 5499, "currency": "ZAR"}

    response = handler_module.handler(
        api_event(path_parameters={handler_module.ID_PARAMETER: product.id}, body=body),
        lambda_context,
    )

    assert response["statusCode"] == 200
    assert body_of(response)["id"] == product.id
    product_id, fields = service.calls[0]
    assert product_id == product.id
    assert fields.name == "Espresso Machine Pro"


def test_unknown_product_is_404(api_event, lambda_context, use_service) -> None:
    use_service(FakeService(error=ProductNotFoundError("nope")))
    body = {"name": "Kettle", "price": 1, "currency": "ZAR"}

    response = handler_module.handler(
        api_event(path_parameters={handler_module.ID_PARAMETER: "nope"}, body=body),
        lambda_context,
    )

    assert response["statusCode"] == 404


def test_invalid_body_is_400(api_event, lambda_context, use_service) -> None:
    service = use_service(FakeService())
    body = {"name": "Kettle", "price": "free", "currency": "ZAR"}

    response = handler_module.handler(
        api_event(path_parameters={handler_module.ID_PARAMETER: "p-1"}, body=body),
        lambda_context,
    )

    assert response["statusCode"] == 400
    assert body_of(response)["error"]["details"][0]["field"] == "price"
    assert service.calls == []


@pytest.mark.parametrize("raw_body", [None, "{not json"])
def test_missing_or_broken_body_is_400(api_event, lambda_context, use_service, raw_body) -> None:
    use_service(FakeService())

    response = handler_module.handler(
        api_event(path_parameters={handler_module.ID_PARAMETER: "p-1"}, raw_body=raw_body),
        lambda_context,
    )

    assert response["statusCode"] == 400


def test_missing_id_is_400(api_event, lambda_context, use_service) -> None:
    service = use_service(FakeService())
    body = {"name": "Kettle", "price": 1, "currency": "ZAR"}

    response = handler_module.handler(api_event(body=body), lambda_context)

    assert response["statusCode"] == 400
    assert service.calls == []
{%- elif op == 'delete' %}


def test_delete_returns_204(api_event, lambda_context, use_service, product) -> None:
    service = use_service(FakeService(result=product))

    response = handler_module.handler(
        api_event(path_parameters={handler_module.ID_PARAMETER: product.id}), lambda_context
    )

    assert response["statusCode"] == 204
    assert response["body"] == ""
    assert service.calls == [(product.id,)]


def test_unknown_product_is_404(api_event, lambda_context, use_service) -> None:
    use_service(FakeService(error=ProductNotFoundError("nope")))

    response = handler_module.handler(
        api_event(path_parameters={handler_module.ID_PARAMETER: "nope"}), lambda_context
    )

    assert response["statusCode"] == 404


def test_missing_id_is_400(api_event, lambda_context, use_service) -> None:
    service = use_service(FakeService())

    response = handler_module.handler(api_event(), lambda_context)

    assert response["statusCode"] == 400
    assert service.calls == []
{%- else %}


def change_body(product: Any, event_type: ChangeType = ChangeType.CREATED) -> str:
    return ProductChangeEvent.about(event_type, product).model_dump_json()


def test_every_message_processed_means_no_failures(lambda_context, use_service, product) -> None:
    service = use_service(FakeService())
    event = sqs_event(
        sqs_record(change_body(product), "m-1"),
        sqs_record(change_body(product, ChangeType.UPDATED), "m-2"),
    )

    assert handler_module.handler(event, lambda_context) == {"batchItemFailures": []}
    assert len(service.calls) == 2
    assert service.calls[0][0].product_id == product.id


def test_malformed_message_is_reported_alone(lambda_context, use_service, product, capsys) -> None:
    service = use_service(FakeService())
    event = sqs_event(
        sqs_record(change_body(product), "good"),
        sqs_record("{not json", "bad-json"),
        sqs_record('{"event_type": "exploded", "product_id": "x"}', "bad-type"),
        sqs_record('{"event_type": "created", "product_id": "x"}', "no-payload"),
    )

    response = handler_module.handler(event, lambda_context)

    assert response == {
        "batchItemFailures": [
            {"itemIdentifier": "bad-json"},
            {"itemIdentifier": "bad-type"},
            {"itemIdentifier": "no-payload"},
        ]
    }
    assert len(service.calls) == 1
    logs = read_log_lines(capsys.readouterr().out)
    warnings = [line for line in logs if line["level"] == "WARNING"]
    assert [line["message_id"] for line in warnings] == ["bad-json", "bad-type", "no-payload"]


def test_service_failure_is_reported(lambda_context, use_service, product) -> None:
    use_service(FakeService(error=RuntimeError("throttled")))
    event = sqs_event(sqs_record(change_body(product), "m-1"))

    assert handler_module.handler(event, lambda_context) == {
        "batchItemFailures": [{"itemIdentifier": "m-1"}]
    }


def test_record_without_message_id_fails_the_batch(lambda_context, use_service) -> None:
    use_service(FakeService())

    response = handler_module.handler({"Records": [{"body": "{}"}, "junk"]}, lambda_context)

    # An empty itemIdentifier makes Lambda retry the whole batch: nothing is lost.
    assert response == {"batchItemFailures": [{"itemIdentifier": ""}, {"itemIdentifier": ""}]}


def test_empty_event(lambda_context, use_service) -> None:
    use_service(FakeService())

    assert handler_module.handler({}, lambda_context) == {"batchItemFailures": []}
{%- endif %}


def test_service_is_built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[object] = []

    def from_environment() -> object:
        built.append(object())
        return built[-1]

    monkeypatch.setattr(handler_module.ProductService, "from_environment", from_environment)

    assert handler_module.get_service() is handler_module.get_service()
    assert len(built) == 1
