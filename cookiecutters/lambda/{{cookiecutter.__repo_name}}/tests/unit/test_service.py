{%- set op = cookiecutter.operation %}
{%- set publishes = op in ['create', 'update', 'delete'] -%}
"""ProductService against moto: the {{ op }} operation's business rules."""

from __future__ import annotations

{%- if op == 'audit' %}

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from src.models.events import ChangeType, ProductChangeEvent, SQSRecord
from src.services.product_service import ProductService, audit_key
from tests.conftest import REGION, sqs_record


@pytest.fixture
def service(audit_bucket: str) -> ProductService:
    return ProductService.from_environment()


def stored_object(bucket: str, key: str) -> dict[str, Any]:
    s3 = boto3.client("s3", region_name=REGION)
    response = s3.get_object(Bucket=bucket, Key=key)
    assert response["ContentType"] == "application/json"
    return json.loads(response["Body"].read())


def test_audit_key_is_dated_by_the_event() -> None:
    occurred = datetime(2025, 3, 7, 23, 30, tzinfo=UTC)

    assert audit_key(occurred, "m-1") == "audit/2025/03/07/m-1.json"


def test_audit_key_uses_utc() -> None:
    naive = datetime(2025, 12, 31, 23, 59)

    assert audit_key(naive, "m-2") == "audit/2025/12/31/m-2.json"


def test_record_change_writes_the_event(service, audit_bucket, product) -> None:
    event = ProductChangeEvent.about(ChangeType.CREATED, product, source="test")
    record = SQSRecord.model_validate(sqs_record(event.model_dump_json(), "m-42", receive_count=2))

    key = service.record_change(event, record)

    assert key == audit_key(event.occurred_at, "m-42")
    document = stored_object(audit_bucket, key)
    assert document["message_id"] == "m-42"
    assert document["receive_count"] == 2
    assert document["sent_at"].startswith("2025-01-01T00:00:00")
    assert document["event_source_arn"] == record.event_source_arn
    assert document["event"]["event_type"] == "created"
    assert document["event"]["product"]["id"] == product.id
    assert ProductChangeEvent.model_validate(document["event"]) == event


def test_redelivery_overwrites_the_same_object(service, audit_bucket, product) -> None:
    event = ProductChangeEvent.about(ChangeType.DELETED, product)
    record = SQSRecord.model_validate(sqs_record(event.model_dump_json(), "m-7"))

    first = service.record_change(event, record)
    second = service.record_change(event, record)

    assert first == second
    listing = boto3.client("s3", region_name=REGION).list_objects_v2(Bucket=audit_bucket)
    assert listing["KeyCount"] == 1


def test_record_without_sent_timestamp(service, audit_bucket, product) -> None:
    event = ProductChangeEvent.about(ChangeType.UPDATED, product)
    raw = sqs_record(event.model_dump_json(), "m-8")
    raw["attributes"] = {}
    record = SQSRecord.model_validate(raw)

    document = stored_object(audit_bucket, service.record_change(event, record))

    assert document["sent_at"] is None
    assert document["receive_count"] == 0
{%- elif op == 'persist' %}

from datetime import timedelta

import pytest

from src.models.events import ChangeType, ProductChangeEvent
from src.repositories.product_repository import ProductRepository
from src.services.product_service import (
    ALREADY_DELETED,
    DELETED,
    SKIPPED_STALE,
    STORED,
    ProductService,
)


@pytest.fixture
def repository(table) -> ProductRepository:
    return ProductRepository(table)


@pytest.fixture
def service(table) -> ProductService:
    return ProductService.from_environment()


def test_created_event_stores_the_product(service, repository, product) -> None:
    outcome = service.apply_change(ProductChangeEvent.about(ChangeType.CREATED, product))

    assert outcome == STORED
    assert repository.get(product.id) == product


def test_redelivered_event_is_harmless(service, repository, product) -> None:
    event = ProductChangeEvent.about(ChangeType.CREATED, product)

    assert service.apply_change(event) == STORED
    assert service.apply_change(event) == STORED
    assert repository.get(product.id) == product


def test_updated_event_replaces_the_product(service, repository, product) -> None:
    repository.create(product)
    newer = product.model_copy(
        update={"name": "Espresso Machine Pro", "updated_at": product.updated_at + timedelta(1)}
    )

    assert service.apply_change(ProductChangeEvent.about(ChangeType.UPDATED, newer)) == STORED
    assert repository.get(product.id).name == "Espresso Machine Pro"


def test_stale_event_keeps_the_newer_product(service, repository, product) -> None:
    newer = product.model_copy(
        update={"name": "Newer name", "updated_at": product.updated_at + timedelta(hours=1)}
    )
    repository.create(newer)

    outcome = service.apply_change(ProductChangeEvent.about(ChangeType.UPDATED, product))

    assert outcome == SKIPPED_STALE
    assert repository.get(product.id).name == "Newer name"


def test_deleted_event_removes_the_product(service, repository, product) -> None:
    repository.create(product)
    event = ProductChangeEvent(event_type=ChangeType.DELETED, product_id=product.id)

    assert service.apply_change(event) == DELETED
    assert repository.get(product.id) is None
    assert service.apply_change(event) == ALREADY_DELETED


def events_of(product):
    """A product's created, updated and deleted events, in the order they happened."""
    updated = product.model_copy(
        update={"name": "Renamed", "updated_at": product.updated_at + timedelta(minutes=1)}
    )
    return (
        ProductChangeEvent.about(ChangeType.CREATED, product),
        ProductChangeEvent.about(ChangeType.UPDATED, updated),
        ProductChangeEvent.about(ChangeType.DELETED, updated),
    )


def test_a_late_update_after_the_delete_does_not_bring_the_product_back(
    service, repository, product
) -> None:
    created, updated, deleted = events_of(product)

    assert service.apply_change(created) == STORED
    assert service.apply_change(deleted) == DELETED
    assert service.apply_change(updated) == SKIPPED_STALE
    assert repository.get(product.id) is None


def test_a_late_create_after_the_delete_does_not_bring_the_product_back(
    service, repository, product
) -> None:
    created, _, deleted = events_of(product)

    assert service.apply_change(deleted) == DELETED
    assert service.apply_change(created) == SKIPPED_STALE
    assert repository.get(product.id) is None


@pytest.mark.parametrize(
    "order",
    [(0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)],
    ids=lambda order: "-".join(("created", "updated", "deleted")[i] for i in order),
)
def test_any_delivery_order_ends_deleted(service, repository, product, order) -> None:
    events = events_of(product)

    for index in order:
        service.apply_change(events[index])

    assert repository.get(product.id) is None


def test_created_then_updated_in_either_order_ends_updated(service, repository, product) -> None:
    created, updated, _ = events_of(product)

    service.apply_change(updated)
    assert service.apply_change(created) == SKIPPED_STALE

    assert repository.get(product.id).name == "Renamed"


def test_every_redelivery_is_harmless(service, repository, product) -> None:
    created, updated, deleted = events_of(product)

    for event in (created, created, updated, updated):
        service.apply_change(event)
    assert repository.get(product.id).name == "Renamed"
    assert [service.apply_change(deleted) for _ in range(2)] == [DELETED, ALREADY_DELETED]
    assert repository.get(product.id) is None
{%- else %}

{%- if op == 'list' %}

from decimal import Decimal
{%- endif %}

import pytest
{% if publishes %}
from src.models.events import EVENT_TYPE_ATTRIBUTE, ChangeType, ProductChangeEvent
{%- endif %}
{%- if op == 'update' %}
from src.models.product import ProductFields
{%- endif %}
{%- if op in ['create', 'list'] %}
from src.repositories.product_repository import ProductRepository
{%- else %}
from src.repositories.product_repository import ProductNotFoundError, ProductRepository
{%- endif %}
{%- if op == 'list' %}
from src.services.product_service import ListQuery, ProductService
from tests.conftest import make_product
{%- elif op == 'create' %}
from src.services.product_service import ChangePublisher, ProductService
from tests.conftest import receive_messages
{%- elif publishes %}
from src.services.product_service import ProductService
from tests.conftest import receive_messages
{%- else %}
from src.services.product_service import ProductService
{%- endif %}


@pytest.fixture
def repository(table) -> ProductRepository:
    return ProductRepository(table)
{%- if publishes %}


@pytest.fixture
def service(table, queue_url) -> ProductService:
    return ProductService.from_environment()


def published_events(queue_url: str) -> list[ProductChangeEvent]:
    messages = receive_messages(queue_url)
    for message in messages:
        event_type = message["MessageAttributes"][EVENT_TYPE_ATTRIBUTE]["StringValue"]
        assert event_type == ProductChangeEvent.model_validate_json(message["Body"]).event_type
    return [ProductChangeEvent.model_validate_json(message["Body"]) for message in messages]
{%- else %}


@pytest.fixture
def service(table) -> ProductService:
    return ProductService.from_environment()
{%- endif %}
{%- if op == 'list' %}


@pytest.fixture
def catalogue(repository):
    products = [
        make_product("Kettle", "350.00"),
        make_product("Toaster", "499.50"),
        make_product("Espresso Machine", "4999.99"),
        make_product("kettle", "120.00"),
    ]
    for product in products:
        repository.create(product)
    return products


def test_lists_by_ascending_price(service, catalogue) -> None:
    page = service.list_products(ListQuery())

    assert [p.price for p in page.items] == sorted(p.price for p in catalogue)
    assert page.next_token is None


def test_price_range(service, catalogue) -> None:
    page = service.list_products(ListQuery(min_price=Decimal(300), max_price=Decimal(500)))

    assert [p.name for p in page.items] == ["Kettle", "Toaster"]


def test_only_min_or_max(service, catalogue) -> None:
    cheap = service.list_products(ListQuery(max_price=Decimal(350)))
    dear = service.list_products(ListQuery(min_price=Decimal("499.50")))

    assert [p.name for p in cheap.items] == ["kettle", "Kettle"]
    assert [p.name for p in dear.items] == ["Toaster", "Espresso Machine"]


def test_name_search_ignores_case(service, catalogue) -> None:
    page = service.list_products(ListQuery(name="KETTLE"))

    assert sorted(p.name for p in page.items) == ["Kettle", "kettle"]


def test_pages_through_everything(service, catalogue) -> None:
    seen = []
    query = ListQuery(limit=3)
    while True:
        page = service.list_products(query)
        seen.extend(page.items)
        if page.next_token is None:
            break
        query = ListQuery(limit=3, next_token=page.next_token)

    assert sorted(p.id for p in seen) == sorted(p.id for p in catalogue)


def test_empty_table(service) -> None:
    assert service.list_products(ListQuery()).items == []
{%- elif op == 'get' %}


def test_get_returns_the_stored_product(service, repository, product) -> None:
    repository.create(product)

    assert service.get_product(product.id) == product


def test_get_unknown_raises(service) -> None:
    with pytest.raises(ProductNotFoundError, match="missing"):
        service.get_product("missing")
{%- elif op == 'create' %}


def test_create_stores_and_publishes(service, repository, queue_url, product_fields) -> None:
    product = service.create_product(product_fields)

    assert repository.get(product.id) == product
    assert product.created_at == product.updated_at
    [event] = published_events(queue_url)
    assert event.event_type is ChangeType.CREATED
    assert event.product == product
    assert event.source


def test_each_create_gets_a_new_id(service, product_fields) -> None:
    first = service.create_product(product_fields)
    second = service.create_product(product_fields)

    assert first.id != second.id


def test_nothing_is_published_when_the_write_fails(repository, queue_url, product_fields) -> None:
    class BrokenRepository(ProductRepository):
        def create(self, product):
            raise RuntimeError("write failed")

    service = ProductService(BrokenRepository(None), ChangePublisher.from_environment())

    with pytest.raises(RuntimeError):
        service.create_product(product_fields)
    assert published_events(queue_url) == []
{%- elif op == 'update' %}


def test_update_replaces_fields_and_publishes(service, repository, queue_url, product) -> None:
    repository.create(product)
    fields = ProductFields(name="Espresso Machine Pro", price="5499.00", currency="USD")

    updated = service.update_product(product.id, fields)

    assert updated.name == "Espresso Machine Pro"
    assert updated.currency == "USD"
    assert updated.description is None
    assert updated.created_at == product.created_at
    assert updated.updated_at >= product.updated_at
    assert repository.get(product.id) == updated
    [event] = published_events(queue_url)
    assert event.event_type is ChangeType.UPDATED
    assert event.product == updated


def test_update_unknown_raises_and_publishes_nothing(service, queue_url, product_fields) -> None:
    with pytest.raises(ProductNotFoundError):
        service.update_product("missing", product_fields)
    assert published_events(queue_url) == []
{%- elif op == 'delete' %}


def test_delete_removes_and_publishes(service, repository, queue_url, product) -> None:
    repository.create(product)

    deleted = service.delete_product(product.id)

    assert deleted == product
    assert repository.get(product.id) is None
    [event] = published_events(queue_url)
    assert event.event_type is ChangeType.DELETED
    assert event.product_id == product.id
    assert event.product == product


def test_delete_unknown_raises_and_publishes_nothing(service, queue_url) -> None:
    with pytest.raises(ProductNotFoundError):
        service.delete_product("missing")
    assert published_events(queue_url) == []
{%- endif %}
{%- endif %}
