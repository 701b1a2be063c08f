"""Product data access over the products table (boto3 DynamoDB Table resource).

The table name comes from the TABLE_NAME environment variable (Terraform sets it from the
infrastructure repository's outputs). Numbers are Decimal on the way in and out: boto3 refuses
floats and returns every number as Decimal.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import boto3
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from src.models.product import (
    HASH_KEY,
    NAME_INDEX,
    NAME_INDEX_HASH_KEY,
    PRICE_INDEX,
    PRICE_INDEX_HASH_KEY,
    PRICE_INDEX_RANGE_KEY,
    PRICE_PARTITION,
    Product,
    isoformat_utc,
    name_key,
    price_sort_key,
    product_key,
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
        response = self._table.get_item(Key=product_key(product_id), ConsistentRead=True)
        item = response.get("Item")
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

    def put(self, product: Product) -> Product:
        """Store a product whether or not it exists (unconditional upsert)."""
        self._table.put_item(Item=product.to_item())
        return product

    def create(self, product: Product) -> Product:
        """Store a new product; ProductAlreadyExistsError when its id is taken."""
        try:
            self._table.put_item(
                Item=product.to_item(), ConditionExpression=Attr(HASH_KEY).not_exists()
            )
        except ClientError as error:
            if _condition_failed(error):
                raise ProductAlreadyExistsError(product.id) from error
            raise
        return product

    def update(self, product: Product) -> Product:
        """Replace an existing product; ProductNotFoundError when there is none."""
        try:
            self._table.put_item(
                Item=product.to_item(), ConditionExpression=Attr(HASH_KEY).exists()
            )
        except ClientError as error:
            if _condition_failed(error):
                raise ProductNotFoundError(product.id) from error
            raise
        return product

    def put_if_newer(self, product: Product) -> bool:
        """Upsert unless the stored copy is newer (queues deliver out of order).

        Returns False when the stored product has a later `updated_at` and was kept.
        """
        condition = Attr(HASH_KEY).not_exists() | Attr("updated_at").lte(
            isoformat_utc(product.updated_at)
        )
        try:
            self._table.put_item(Item=product.to_item(), ConditionExpression=condition)
        except ClientError as error:
            if _condition_failed(error):
                return False
            raise
        return True

    def delete(self, product_id: str) -> Product | None:
        """Delete a product; returns what was deleted, None when there was nothing."""
        response = self._table.delete_item(Key=product_key(product_id), ReturnValues="ALL_OLD")
        item = response.get("Attributes")
        return Product.from_item(item) if item else None
