"""ProductRepository against a moto table built with the spec's keys and indexes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError

from src.models.product import (
    HASH_KEY,
    NAME_INDEX_HASH_KEY,
    PRICE_INDEX_HASH_KEY,
    PRICE_INDEX_RANGE_KEY,
    RANGE_KEY,
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


def test_put_upserts(repository, product) -> None:
    repository.put(product)
    repository.put(product.model_copy(update={"name": "Grinder"}))

    assert repository.get(product.id).name == "Grinder"


def test_create_refuses_a_taken_id(repository, product) -> None:
    repository.create(product)

    with pytest.raises(ProductAlreadyExistsError):
        repository.create(product)


def test_update_replaces(repository, product) -> None:
    repository.create(product)
    changed = product.model_copy(update={"name": "Grinder", "description": None})

    repository.update(changed)

    stored = repository.get(product.id)
    assert stored.name == "Grinder"
    assert stored.description is None


def test_update_unknown_raises(repository, product) -> None:
    with pytest.raises(ProductNotFoundError) as raised:
        repository.update(product)
    assert raised.value.product_id == product.id


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


@pytest.mark.parametrize("method", ["create", "update", "put_if_newer"])
def test_other_errors_propagate(product, method) -> None:
    repository = ProductRepository(FailingTable("ProvisionedThroughputExceededException"))

    with pytest.raises(ClientError):
        getattr(repository, method)(product)
