"""The pydantic models: Product validation and item mapping, change events, SQS records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pydantic import ValidationError

from src.models.events import ChangeType, ProductChangeEvent, SQSRecord
from src.models.product import (
    HASH_KEY,
    Product,
    ProductFields,
    isoformat_utc,
    name_key,
    price_sort_key,
    product_key,
)


def test_fields_are_normalised() -> None:
    fields = ProductFields(name="  Kettle ", price="350", currency=" zar ")

    assert fields.name == "Kettle"
    assert fields.currency == "ZAR"
    assert fields.price == Decimal(350)
    assert fields.description is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"price": Decimal("-0.01")}, "price"),
        ({"price": Decimal("1.001")}, "price"),
        ({"price": "abc"}, "price"),
        ({"currency": "ZA"}, "currency"),
        ({"currency": 710}, "currency"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_fields(changes, field) -> None:
    data = {"name": "Kettle", "price": "1", "currency": "ZAR", **changes}

    with pytest.raises(ValidationError) as raised:
        ProductFields.model_validate(data)
    assert raised.value.errors()[0]["loc"] == (field,)


def test_new_product_has_id_and_timestamps(product_fields) -> None:
    first = Product.new(product_fields)
    second = Product.new(product_fields)

    assert first.id != second.id
    assert first.created_at == first.updated_at
    assert first.created_at.tzinfo is UTC


def test_revised_keeps_identity(product, product_fields) -> None:
    changed = product_fields.model_copy(update={"name": "Grinder"})

    revised = product.revised(changed)

    assert (revised.id, revised.created_at) == (product.id, product.created_at)
    assert revised.name == "Grinder"
    assert revised.updated_at >= product.updated_at


def test_item_round_trip(product) -> None:
    item = product.to_item()

    assert item[HASH_KEY] == product_key(product.id)[HASH_KEY]
    assert item["entity_type"] == "PRODUCT"
    assert Product.from_item(item) == product


def test_item_without_description(product) -> None:
    bare = product.model_copy(update={"description": None})

    assert "description" not in bare.to_item()
    assert Product.from_item(bare.to_item()) == bare


def test_price_sort_key_sorts_like_numbers() -> None:
    prices = [Decimal(100), Decimal("9.99"), Decimal(0), Decimal("10.5")]

    assert sorted(prices, key=price_sort_key) == sorted(prices)
    assert price_sort_key(Decimal("19.5")).endswith("19.50")


def test_name_key_is_case_insensitive() -> None:
    assert name_key(" Espresso MACHINE ") == name_key("espresso machine")


def test_timestamps_are_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    product = Product(
        name="Kettle",
        price=Decimal(1),
        currency="ZAR",
        created_at=datetime(2025, 1, 1, 12, 0, tzinfo=plus_two),
        updated_at=datetime(2025, 1, 1, 12, 0),
    )

    assert product.created_at == datetime(2025, 1, 1, 10, 0, tzinfo=UTC)
    assert product.updated_at == datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    assert isoformat_utc(product.created_at) == "2025-01-01T10:00:00.000000+00:00"


def test_change_event_round_trip(product) -> None:
    event = ProductChangeEvent.about(ChangeType.UPDATED, product, source="test")

    parsed = ProductChangeEvent.model_validate_json(event.model_dump_json())

    assert parsed == event
    assert parsed.require_product() == product


def test_deleted_event_needs_no_product() -> None:
    event = ProductChangeEvent(event_type="deleted", product_id="p-1")

    assert event.product is None
    with pytest.raises(ValueError, match="carries no product"):
        event.require_product()


@pytest.mark.parametrize("event_type", ["created", "updated"])
def test_created_and_updated_need_the_product(event_type) -> None:
    with pytest.raises(ValidationError, match="must carry the product"):
        ProductChangeEvent(event_type=event_type, product_id="p-1")


def test_product_must_match_product_id(product) -> None:
    with pytest.raises(ValidationError, match="must equal product_id"):
        ProductChangeEvent(event_type="created", product_id="other", product=product)


def test_unknown_event_type() -> None:
    with pytest.raises(ValidationError):
        ProductChangeEvent(event_type="exploded", product_id="p-1")


def raw_record(**changes) -> dict:
    record = {
        "messageId": "m-1",
        "receiptHandle": "AQEBm-1",
        "body": ProductChangeEvent(event_type="deleted", product_id="p-1").model_dump_json(),
        "attributes": {"ApproximateReceiveCount": "3", "SentTimestamp": "1735689600000"},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:region:account:queue",
        "awsRegion": "region",
    }
    record.update(changes)
    return record


def test_sqs_record() -> None:
    record = SQSRecord.model_validate(raw_record())

    assert record.message_id == "m-1"
    assert record.receive_count == 3
    assert record.sent_at == datetime(2025, 1, 1, tzinfo=UTC)
    assert record.change_event().product_id == "p-1"


def test_sqs_record_without_attributes() -> None:
    record = SQSRecord.model_validate(raw_record(attributes={"SentTimestamp": "soon"}))

    assert record.sent_at is None
    assert record.receive_count == 0


def test_sqs_record_needs_a_message_id() -> None:
    with pytest.raises(ValidationError):
        SQSRecord.model_validate(raw_record(messageId=""))


def test_sqs_body_must_be_a_change_event() -> None:
    record = SQSRecord.model_validate(raw_record(body="[]"))

    with pytest.raises(ValidationError):
        record.change_event()
