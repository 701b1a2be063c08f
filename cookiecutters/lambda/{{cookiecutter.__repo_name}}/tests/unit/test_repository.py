"""ProductRepository against a moto table built with the spec's keys and indexes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError

from src.models.product import (
    DELETED_AT,
    HASH_KEY,
    NAME_INDEX_HASH_KEY,
    PRICE_INDEX_HASH_KEY,
    PRICE_INDEX_RANGE_KEY,
    RANGE_KEY,
    ProductFields,
    product_key,
)
from src.repositories.product_repository import (
    InvalidPageTokenError,
    ProductAlreadyExistsError,
    ProductNotFoundError,
    ProductRepository,
    decode_page_token,
    encode_page_token,
)
from tests.conftest import TABLE_NAME, make_product


@pytest.fixture
def repository(table) -> ProductRepository:
    return ProductRepository(table)


class FailingTable:
    """A table whose every write fails with the given DynamoDB error code."""

    name = TABLE_NAME

    def __init__(self, code: str) -> None:
        self.code = code

    def put_item(self, **_: Any) -> None:
        raise ClientError({"Error": {"Code": self.code, "Message": "boom"}}, "PutItem")

    def update_item(self, **_: Any) -> None:
        raise ClientError({"Error": {"Code": self.code, "Message": "boom"}}, "UpdateItem")


def test_from_environment_uses_table_name(table) -> None:
    assert ProductRepository.from_environment().table_name == TABLE_NAME


def test_create_then_get(repository, product) -> None:
    repository.create(product)

    assert repository.get(product.id) == product


def test_item_layout_follows_the_spec(repository, table, product) -> None:
    repository.create(product)

    item = table.get_item(Key=product_key(product.id))["Item"]

    assert item[HASH_KEY] == f"PRODUCT#{product.id}"
    if RANGE_KEY:
        assert item[RANGE_KEY] == "METADATA"
    assert item[PRICE_INDEX_HASH_KEY] == "PRODUCT"
    if PRICE_INDEX_RANGE_KEY:
        assert item[PRICE_INDEX_RANGE_KEY] == "0000000004999.99"
    assert item[NAME_INDEX_HASH_KEY] == "NAME#espresso machine"
    assert item["price"] == Decimal("4999.99")
    assert isinstance(item["price"], Decimal)


def test_get_unknown_is_none(repository) -> None:
    assert repository.get("missing") is None


def test_create_refuses_a_taken_id(repository, product) -> None:
    repository.create(product)

    with pytest.raises(ProductAlreadyExistsError):
        repository.create(product)


def test_update_replaces_the_fields_and_keeps_created_at(repository, table, product) -> None:
    repository.create(product)

    updated = repository.update(product.id, ProductFields(name="Grinder", price="10", currency="USD"))

    stored = repository.get(product.id)
    assert stored == updated
    assert (stored.name, stored.price, stored.currency) == ("Grinder", Decimal(10), "USD")
    assert stored.description is None
    assert stored.created_at == product.created_at
    assert stored.updated_at >= product.updated_at
    item = table.get_item(Key=product_key(product.id))["Item"]
    assert item[NAME_INDEX_HASH_KEY] == "NAME#grinder"
    assert "description" not in item


def test_update_keeps_a_given_description(repository, product) -> None:
    repository.create(product)
    fields = ProductFields(name="Grinder", price="10", currency="USD", description="Burr")

    assert repository.update(product.id, fields).description == "Burr"


def test_update_unknown_raises(repository, product_fields) -> None:
    with pytest.raises(ProductNotFoundError) as raised:
        repository.update("missing", product_fields)
    assert raised.value.product_id == "missing"


def test_update_of_a_deleted_product_raises(repository, product, product_fields) -> None:
    repository.create(product)
    repository.delete(product.id)

    with pytest.raises(ProductNotFoundError):
        repository.update(product.id, product_fields)
    assert repository.get(product.id) is None


def test_put_if_newer(repository, product) -> None:
    assert repository.put_if_newer(product) is True
    older = product.model_copy(
        update={"name": "Old", "updated_at": product.updated_at - timedelta(minutes=5)}
    )
    newer = product.model_copy(
        update={"name": "New", "updated_at": product.updated_at + timedelta(minutes=5)}
    )

    assert repository.put_if_newer(older) is False
    assert repository.put_if_newer(newer) is True
    assert repository.get(product.id).name == "New"


def test_delete_returns_what_was_deleted(repository, product) -> None:
    repository.create(product)

    assert repository.delete(product.id) == product
    assert repository.get(product.id) is None
    assert repository.delete(product.id) is None


def test_delete_leaves_a_tombstone_outside_the_indexes(repository, table, product) -> None:
    repository.create(product)
    deleted_at = datetime(2025, 5, 1, 12, tzinfo=UTC)

    repository.delete(product.id, deleted_at)

    item = table.get_item(Key=product_key(product.id))["Item"]
    assert item[DELETED_AT] == "2025-05-01T12:00:00.000000+00:00"
    assert item["id"] == product.id
    assert PRICE_INDEX_HASH_KEY not in item and NAME_INDEX_HASH_KEY not in item
    assert "name" not in item and "price" not in item
    assert repository.list_products(limit=10).items == []
    assert repository.find_by_name(product.name, limit=10).items == []


def test_a_tombstone_refuses_a_create_with_the_same_id(repository, product) -> None:
    repository.create(product)
    repository.delete(product.id)

    with pytest.raises(ProductAlreadyExistsError):
        repository.create(product)


def test_tombstone_without_a_product_blocks_its_later_create_event(repository, product) -> None:
    assert repository.tombstone(product.id, product.updated_at) is True

    assert repository.put_if_newer(product) is False
    assert repository.get(product.id) is None


def test_tombstone_is_idempotent_and_keeps_the_first_time(repository, table, product) -> None:
    repository.create(product)
    first = datetime(2025, 5, 1, tzinfo=UTC)

    assert repository.tombstone(product.id, first) is True
    assert repository.tombstone(product.id, first + timedelta(days=1)) is False

    item = table.get_item(Key=product_key(product.id))["Item"]
    assert item[DELETED_AT] == "2025-05-01T00:00:00.000000+00:00"


def test_a_newer_product_never_overwrites_a_tombstone(repository, product) -> None:
    repository.create(product)
    repository.delete(product.id)
    later = product.model_copy(update={"updated_at": product.updated_at + timedelta(weeks=60)})

    assert repository.put_if_newer(later) is False
    assert repository.get(product.id) is None


def test_list_by_price_with_pagination(repository) -> None:
    products = [make_product(f"Item {n}", f"{n}.50") for n in (30, 10, 20)]
    for product in products:
        repository.create(product)

    first = repository.list_products(limit=2)
    second = repository.list_products(limit=2, next_token=first.next_token)

    assert [p.name for p in first.items] == ["Item 10", "Item 20"]
    assert [p.name for p in second.items] == ["Item 30"]
    assert second.next_token is None


def test_list_price_bounds(repository) -> None:
    for price in ("5", "10", "15"):
        repository.create(make_product(f"Item {price}", price))

    both = repository.list_products(10, min_price=Decimal(6), max_price=Decimal(15))
    low = repository.list_products(10, min_price=Decimal(10))
    high = repository.list_products(10, max_price=Decimal(10))

    assert [p.price for p in both.items] == [Decimal(10), Decimal(15)]
    assert [p.price for p in low.items] == [Decimal(10), Decimal(15)]
    assert [p.price for p in high.items] == [Decimal(5), Decimal(10)]


def test_find_by_name(repository) -> None:
    repository.create(make_product("Kettle", "1"))
    repository.create(make_product("Toaster", "2"))

    page = repository.find_by_name("  kettle ", limit=10)

    assert [p.name for p in page.items] == ["Kettle"]


@pytest.mark.parametrize("token", ["%%%", "bm90IGpzb24", "WzFd", "e30=", "eyJhIjogMX0="])
def test_invalid_page_tokens(repository, token) -> None:
    with pytest.raises(InvalidPageTokenError):
        repository.list_products(limit=1, next_token=token)


def test_page_token_round_trip() -> None:
    key = {HASH_KEY: "PRODUCT#1", PRICE_INDEX_HASH_KEY: "PRODUCT"}

    assert decode_page_token(encode_page_token(key)) == key
    assert encode_page_token(None) is None
    assert encode_page_token({}) is None


@pytest.mark.parametrize(
    "call",
    [
        lambda repository, product: repository.create(product),
        lambda repository, product: repository.update(
            product.id, ProductFields(name=product.name, price=product.price, currency="ZAR")
        ),
        lambda repository, product: repository.put_if_newer(product),
        lambda repository, product: repository.delete(product.id),
        lambda repository, product: repository.tombstone(product.id, product.updated_at),
    ],
    ids=["create", "update", "put_if_newer", "delete", "tombstone"],
)
def test_other_errors_propagate(product, call) -> None:
    repository = ProductRepository(FailingTable("ProvisionedThroughputExceededException"))

    with pytest.raises(ClientError):
        call(repository, product)
