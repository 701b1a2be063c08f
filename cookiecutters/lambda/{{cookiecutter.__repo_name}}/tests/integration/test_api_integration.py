{%- set op = cookiecutter.operation %}
{%- set is_api = cookiecutter.kind == 'api' -%}
{%- if is_api -%}
"""End to end: a realistic API Gateway proxy event for {{ cookiecutter.http_method | upper }} {{ cookiecutter.path }} through
the real handler, service and repository, against moto (table{% if op in ['create', 'update', 'delete'] %} and queue{% endif %})."""

from __future__ import annotations
{%- if op != 'delete' %}

import json
{%- endif %}
{%- if op == 'list' %}
from decimal import Decimal
{%- endif %}

from src.handler import {% if op in ['get', 'update', 'delete'] %}ID_PARAMETER, {% endif %}handler
{%- if op in ['create', 'update', 'delete'] %}
from src.models.events import ProductChangeEvent
{%- endif %}
from src.repositories.product_repository import ProductRepository
{%- if op == 'list' %}
from tests.conftest import make_product
{%- elif op in ['create', 'update', 'delete'] %}
from tests.conftest import receive_messages
{%- endif %}
{%- if op == 'list' %}


def test_lists_products_by_price_page_by_page(table, api_event, lambda_context) -> None:
    repository = ProductRepository(table)
    for name, price in [("Toaster", "499.50"), ("Kettle", "350.00"), ("Grinder", "1299.00")]:
        repository.create(make_product(name, price))

    first = handler(api_event(query={"limit": "2"}), lambda_context)
    body = json.loads(first["body"])
    second = handler(
        api_event(query={"limit": "2", "next_token": body["next_token"]}), lambda_context
    )

    assert first["statusCode"] == second["statusCode"] == 200
    assert first["headers"]["Content-Type"] == "application/json"
    assert [item["name"] for item in body["items"]] == ["Kettle", "Toaster"]
    assert body["items"][1]["price"] == 499.5
    assert [item["name"] for item in json.loads(second["body"])["items"]] == ["Grinder"]
    assert json.loads(second["body"])["next_token"] is None


def test_filters_by_name_and_price(table, api_event, lambda_context) -> None:
    repository = ProductRepository(table)
    repository.create(make_product("Kettle", "350.00"))
    repository.create(make_product("Toaster", "499.50"))

    by_name = json.loads(handler(api_event(query={"name": "kettle"}), lambda_context)["body"])
    by_price = json.loads(
        handler(api_event(query={"min_price": "400", "max_price": "500"}), lambda_context)["body"]
    )

    assert [item["name"] for item in by_name["items"]] == ["Kettle"]
    assert [Decimal(str(item["price"])) for item in by_price["items"]] == [Decimal("499.5")]


def test_tampered_page_token_is_400(table, api_event, lambda_context) -> None:
    response = handler(api_event(query={"next_token": "not-a-token"}), lambda_context)

    assert response["statusCode"] == 400
{%- elif op == 'get' %}


def test_get_existing_product(table, api_event, lambda_context, product) -> None:
    ProductRepository(table).create(product)

    response = handler(api_event(path_parameters={ID_PARAMETER: product.id}), lambda_context)

    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"] == "application/json"
    body = json.loads(response["body"])
    assert body == {
        "id": product.id,
        "name": product.name,
        "price": float(product.price),
        "currency": product.currency,
        "description": product.description,
        "created_at": product.created_at.isoformat(),
        "updated_at": product.updated_at.isoformat(),
    }


def test_get_missing_product_is_404(table, api_event, lambda_context) -> None:
    response = handler(api_event(path_parameters={ID_PARAMETER: "does-not-exist"}), lambda_context)

    assert response["statusCode"] == 404
    assert json.loads(response["body"])["error"]["code"] == "NOT_FOUND"
{%- elif op == 'create' %}


def test_create_stores_and_announces(table, queue_url, api_event, lambda_context) -> None:
    request = {"name": "Kettle", "price": 350.00, "currency": "ZAR", "description": "1.7 l"}

    response = handler(api_event(body=request), lambda_context)

    assert response["statusCode"] == 201
    body = json.loads(response["body"])
    stored = ProductRepository(table).get(body["id"])
    assert stored is not None and stored.name == "Kettle"
    [message] = receive_messages(queue_url)
    event = ProductChangeEvent.model_validate_json(message["Body"])
    assert (event.event_type.value, event.product_id) == ("created", body["id"])


def test_invalid_product_is_400_and_nothing_happens(
    table, queue_url, api_event, lambda_context
) -> None:
    response = handler(api_event(body={"name": "Kettle", "price": -5}), lambda_context)

    assert response["statusCode"] == 400
    fields = {detail["field"] for detail in json.loads(response["body"])["error"]["details"]}
    assert fields == {"price", "currency"}
    assert table.scan()["Count"] == 0
    assert receive_messages(queue_url) == []
{%- elif op == 'update' %}


def test_update_stores_and_announces(table, queue_url, api_event, lambda_context, product) -> None:
    ProductRepository(table).create(product)
    request = {"name": "Espresso Machine Pro", "price": 5499, "currency": "ZAR"}

    response = handler(
        api_event(path_parameters={ID_PARAMETER: product.id}, body=request), lambda_context
    )

    assert response["statusCode"] == 200
    assert json.loads(response["body"])["name"] == "Espresso Machine Pro"
    assert ProductRepository(table).get(product.id).name == "Espresso Machine Pro"
    [message] = receive_messages(queue_url)
    event = ProductChangeEvent.model_validate_json(message["Body"])
    assert (event.event_type.value, event.product_id) == ("updated", product.id)


def test_update_missing_product_is_404(table, queue_url, api_event, lambda_context) -> None:
    request = {"name": "Kettle", "price": 1, "currency": "ZAR"}

    response = handler(
        api_event(path_parameters={ID_PARAMETER: "does-not-exist"}, body=request), lambda_context
    )

    assert response["statusCode"] == 404
    assert receive_messages(queue_url) == []
{%- elif op == 'delete' %}


def test_delete_removes_and_announces(table, queue_url, api_event, lambda_context, product) -> None:
    ProductRepository(table).create(product)

    response = handler(api_event(path_parameters={ID_PARAMETER: product.id}), lambda_context)

    assert response["statusCode"] == 204
    assert ProductRepository(table).get(product.id) is None
    [message] = receive_messages(queue_url)
    event = ProductChangeEvent.model_validate_json(message["Body"])
    assert (event.event_type.value, event.product_id) == ("deleted", product.id)


def test_delete_missing_product_is_404(table, queue_url, api_event, lambda_context) -> None:
    response = handler(api_event(path_parameters={ID_PARAMETER: "does-not-exist"}), lambda_context)

    assert response["statusCode"] == 404
    assert receive_messages(queue_url) == []
{%- endif %}
{%- else -%}
"""End to end: a realistic SQS batch through the real handler and service, against moto.

One message of the batch is malformed: only that one is reported in batchItemFailures, the
others are {% if op == 'audit' %}archived in the audit bucket{% else %}applied to the products table{% endif %}.
"""

from __future__ import annotations
{%- if op == 'audit' %}

import json

import boto3
{%- endif %}

from src.handler import handler
from src.models.events import ChangeType, ProductChangeEvent
{%- if op == 'persist' %}
from src.repositories.product_repository import ProductRepository
from tests.conftest import make_product, sqs_event, sqs_record
{%- else %}
from src.services.product_service import audit_key
from tests.conftest import REGION, make_product, sqs_event, sqs_record
{%- endif %}


def test_batch_with_one_bad_message({% if op == 'audit' %}audit_bucket{% else %}table{% endif %}, lambda_context) -> None:
    kettle = make_product("Kettle", "350.00")
    toaster = make_product("Toaster", "499.50")
    created = ProductChangeEvent.about(ChangeType.CREATED, kettle, source="create_product")
    updated = ProductChangeEvent.about(ChangeType.UPDATED, toaster, source="update_product")
    event = sqs_event(
        sqs_record(created.model_dump_json(), "msg-created"),
        sqs_record('{"event_type": "created", "product_id": ', "msg-broken"),
        sqs_record(updated.model_dump_json(), "msg-updated"),
    )

    response = handler(event, lambda_context)

    assert response == {"batchItemFailures": [{"itemIdentifier": "msg-broken"}]}
{%- if op == 'audit' %}
    s3 = boto3.client("s3", region_name=REGION)
    listing = s3.list_objects_v2(Bucket=audit_bucket, Prefix="audit/")
    assert sorted(item["Key"] for item in listing["Contents"]) == sorted(
        [
            audit_key(created.occurred_at, "msg-created"),
            audit_key(updated.occurred_at, "msg-updated"),
        ]
    )
    key = audit_key(created.occurred_at, "msg-created")
    document = json.loads(s3.get_object(Bucket=audit_bucket, Key=key)["Body"].read())
    assert document["event"]["product"]["name"] == "Kettle"


def test_unavailable_bucket_fails_every_message(aws, lambda_context) -> None:
    kettle = make_product("Kettle", "350.00")
    body = ProductChangeEvent.about(ChangeType.CREATED, kettle).model_dump_json()

    response = handler(sqs_event(sqs_record(body, "m-1"), sqs_record(body, "m-2")), lambda_context)

    assert response == {"batchItemFailures": [{"itemIdentifier": "m-1"}, {"itemIdentifier": "m-2"}]}
{%- else %}
    repository = ProductRepository(table)
    assert repository.get(kettle.id) == kettle
    assert repository.get(toaster.id) == toaster


def test_deleted_event_removes_the_product(table, lambda_context) -> None:
    kettle = make_product("Kettle", "350.00")
    repository = ProductRepository(table)
    repository.create(kettle)
    deleted = ProductChangeEvent(event_type=ChangeType.DELETED, product_id=kettle.id)

    response = handler(sqs_event(sqs_record(deleted.model_dump_json(), "m-1")), lambda_context)

    assert response == {"batchItemFailures": []}
    assert repository.get(kettle.id) is None


def test_unavailable_table_fails_every_message(aws, lambda_context) -> None:
    kettle = make_product("Kettle", "350.00")
    body = ProductChangeEvent.about(ChangeType.CREATED, kettle).model_dump_json()

    response = handler(sqs_event(sqs_record(body, "m-1"), sqs_record(body, "m-2")), lambda_context)

    assert response == {"batchItemFailures": [{"itemIdentifier": "m-1"}, {"itemIdentifier": "m-2"}]}
{%- endif %}
{%- endif %}
