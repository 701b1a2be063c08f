"""Product data access over the products table (boto3 DynamoDB Table resource).

The table name comes from the TABLE_NAME environment variable (Terraform sets it from the
infrastructure repository's outputs). Numbers are Decimal on the way in and out: boto3 refuses
floats and returns every number as Decimal.

A deleted product leaves a tombstone: its item keeps only its key, its id and `deleted_at`, and
drops out of both indexes. Nothing ever writes over a tombstone, so a change event that arrives
after the delete (queues do not keep order) cannot bring the product back; reads treat a
tombstone as no product.

Each method makes exactly one table call, and each function's execution role allows exactly the
calls its function makes (GetItem, Query, PutItem or UpdateItem).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import boto3
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from src.models.product import (
    DELETED_AT,
    HASH_KEY,
    NAME_INDEX,
    NAME_INDEX_HASH_KEY,
    PRICE_INDEX,
    PRICE_INDEX_HASH_KEY,
    PRICE_INDEX_RANGE_KEY,
    PRICE_PARTITION,
    Product,
    ProductFields,
    isoformat_utc,
    name_key,
    price_sort_key,
    product_key,
    tombstone_removals,
    utc_now,
)

TABLE_NAME_VARIABLE = "TABLE_NAME"
CONDITIONAL_CHECK_FAILED = "ConditionalCheckFailedException"


class ProductNotFoundError(LookupError):
    """No product has the given id."""

    def __init__(self, product_id: str) -> None:
        super().__init__(f"Product {product_id} not found")
        self.product_id = product_id


class ProductAlreadyExistsError(ValueError):
    """A product with the given id exists already."""

    def __init__(self, product_id: str) -> None:
        super().__init__(f"Product {product_id} already exists")
        self.product_id = product_id


class InvalidPageTokenError(ValueError):
    """A `next_token` this API did not issue."""


@dataclass(frozen=True)
class ProductPage:
    """One page of products; `next_token` fetches the next page, None on the last."""

    items: list[Product] = field(default_factory=list)
    next_token: str | None = None


def encode_page_token(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    raw = json.dumps(last_key, sort_keys=True, default=str).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii")


def decode_page_token(token: str) -> dict[str, Any]:
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError) as error:
        raise InvalidPageTokenError("next_token is not a valid page token") from error
    if (
        not isinstance(key, dict)
        or not key
        or not all(isinstance(name, str) and isinstance(value, str) for name, value in key.items())
    ):
        raise InvalidPageTokenError("next_token is not a valid page token")
    return key


def _condition_failed(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == CONDITIONAL_CHECK_FAILED


def _live(item: dict[str, Any] | None) -> dict[str, Any] | None:
    """The item when it is a product, None when it is absent or a tombstone."""
    return item if item and DELETED_AT not in item else None


# A product that exists and is not deleted (the condition of updates and deletes).
LIVE_PRODUCT = "attribute_exists(#hash) AND attribute_not_exists(#deleted_at)"
LIVE_PRODUCT_NAMES = {"#hash": HASH_KEY, "#deleted_at": DELETED_AT}


def _tombstone_update(deleted_at: str, only_a_live_product: bool) -> dict[str, Any]:
    """The UpdateItem arguments that turn an item into a tombstone (or create one)."""
    removed = tombstone_removals()
    names = dict(LIVE_PRODUCT_NAMES) if only_a_live_product else {"#deleted_at": DELETED_AT}
    names.update({f"#r{n}": attribute for n, attribute in enumerate(removed)})
    remove = ", ".join(f"#r{n}" for n in range(len(removed)))
    update = {
        # The first deletion time stays: a redelivered or second delete changes nothing.
        "UpdateExpression": f"SET #deleted_at = if_not_exists(#deleted_at, :deleted_at) REMOVE {remove}",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": {":deleted_at": deleted_at},
        "ReturnValues": "ALL_OLD",
    }
    if only_a_live_product:
        update["ConditionExpression"] = LIVE_PRODUCT
    return update


class ProductRepository:
    """Reads and writes products; one item per product (see src/models/product.py)."""

    def __init__(self, table: Any) -> None:
        self._table = table

    @classmethod
    def from_environment(cls) -> ProductRepository:
        table_name = os.environ[TABLE_NAME_VARIABLE]
        return cls(boto3.resource("dynamodb").Table(table_name))

    @property
    def table_name(self) -> str:
        return self._table.name

    def get(self, product_id: str) -> Product | None:
        """The product; None when there is none or it was deleted."""
        response = self._table.get_item(Key=product_key(product_id), ConsistentRead=True)
        item = _live(response.get("Item"))
        return Product.from_item(item) if item else None

    def list_products(
        self,
        limit: int,
        next_token: str | None = None,
        min_price: Decimal | None = None,
        max_price: Decimal | None = None,
    ) -> ProductPage:
        """Products in ascending price order (the price index), optionally within a range."""
        condition = Key(PRICE_INDEX_HASH_KEY).eq(PRICE_PARTITION)
        if PRICE_INDEX_RANGE_KEY:
            price = Key(PRICE_INDEX_RANGE_KEY)
            if min_price is not None and max_price is not None:
                condition &= price.between(price_sort_key(min_price), price_sort_key(max_price))
            elif min_price is not None:
                condition &= price.gte(price_sort_key(min_price))
            elif max_price is not None:
                condition &= price.lte(price_sort_key(max_price))
        return self._query(PRICE_INDEX, condition, limit, next_token)

    def find_by_name(self, name: str, limit: int, next_token: str | None = None) -> ProductPage:
        """Products whose name equals `name`, ignoring case (the name index)."""
        condition = Key(NAME_INDEX_HASH_KEY).eq(name_key(name))
        return self._query(NAME_INDEX, condition, limit, next_token)

    def _query(self, index: str, condition: Any, limit: int, next_token: str | None) -> ProductPage:
        request: dict[str, Any] = {
            "IndexName": index,
            "KeyConditionExpression": condition,
            "Limit": limit,
        }
        if next_token:
            request["ExclusiveStartKey"] = decode_page_token(next_token)
        response = self._table.query(**request)
        return ProductPage(
            items=[Product.from_item(item) for item in response.get("Items", [])],
            next_token=encode_page_token(response.get("LastEvaluatedKey")),
        )

    def create(self, product: Product) -> Product:
        """Store a new product; ProductAlreadyExistsError when its id is taken (or was deleted)."""
        try:
            self._table.put_item(
                Item=product.to_item(), ConditionExpression=Attr(HASH_KEY).not_exists()
            )
        except ClientError as error:
            if _condition_failed(error):
                raise ProductAlreadyExistsError(product.id) from error
            raise
        return product

    def update(self, product_id: str, fields: ProductFields) -> Product:
        """Replace a product's fields and move `updated_at` to now; returns the product as stored.

        ProductNotFoundError when there is no such product or it was deleted.
        """
        product = Product(id=product_id, **fields.model_dump(), updated_at=utc_now())
        item = product.to_item()
        kept = {*product_key(product_id), "id", "created_at"}
        values = {name: value for name, value in item.items() if name not in kept}
        names = {f"#s{n}": name for n, name in enumerate(values)}
        update = "SET " + ", ".join(f"#s{n} = :s{n}" for n in range(len(values)))
        removed = [name for name in ("description",) if name not in values]
        if removed:
            names.update({f"#r{n}": name for n, name in enumerate(removed)})
            update += " REMOVE " + ", ".join(f"#r{n}" for n in range(len(removed)))
        try:
            response = self._table.update_item(
                Key=product_key(product_id),
                UpdateExpression=update,
                ConditionExpression=LIVE_PRODUCT,
                ExpressionAttributeNames={**names, **LIVE_PRODUCT_NAMES},
                ExpressionAttributeValues={f":s{n}": value for n, value in enumerate(values.values())},
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if _condition_failed(error):
                raise ProductNotFoundError(product_id) from error
            raise
        return Product.from_item(response["Attributes"])

    def put_if_newer(self, product: Product) -> bool:
        """Store the product unless a newer copy is stored or it was deleted (queues deliver out of order).

        Returns False when the stored product has a later `updated_at`, or is a tombstone, and was kept.
        """
        condition = Attr(HASH_KEY).not_exists() | (
            Attr(DELETED_AT).not_exists()
            & Attr("updated_at").lte(isoformat_utc(product.updated_at))
        )
        try:
            self._table.put_item(Item=product.to_item(), ConditionExpression=condition)
        except ClientError as error:
            if _condition_failed(error):
                return False
            raise
        return True

    def delete(self, product_id: str, deleted_at: datetime | None = None) -> Product | None:
        """Delete a product, leaving a tombstone; returns its last state, None when there was none."""
        try:
            response = self._table.update_item(
                Key=product_key(product_id),
                **_tombstone_update(isoformat_utc(deleted_at or utc_now()), only_a_live_product=True),
            )
        except ClientError as error:
            if _condition_failed(error):
                return None
            raise
        return Product.from_item(response["Attributes"])

    def tombstone(self, product_id: str, deleted_at: datetime) -> bool:
        """Mark a product deleted whatever is stored, even nothing yet (the delete came first).

        Returns True when it was not a tombstone before. Idempotent: a second call changes nothing.
        """
        response = self._table.update_item(
            Key=product_key(product_id),
            **_tombstone_update(isoformat_utc(deleted_at), only_a_live_product=False),
        )
        return DELETED_AT not in response.get("Attributes", {})
