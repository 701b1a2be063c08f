{%- set table = cookiecutter._platform.table %}
{%- set price_index = table.global_secondary_indexes[0] %}
{%- set name_index = table.global_secondary_indexes[1] -%}
"""The Product model and how a product is stored in the products table (single-table design).

One item per product in table {{ cookiecutter._platform.names.table }}:

    {{ table.hash_key.name }}  PRODUCT#<id>
{%- if table.range_key %}
    {{ table.range_key.name }}  METADATA
{%- endif %}
    {{ price_index.hash_key.name }}  PRODUCT                  {{ price_index.name }}: every product, by price
{%- if price_index.range_key %}
    {{ price_index.range_key.name }}  <zero-padded price>
{%- endif %}
    {{ name_index.hash_key.name }}  NAME#<lower-cased name>  {{ name_index.name }}: exact name search
    ...      id, name, price, currency, description, created_at, updated_at

A deleted product's item becomes a tombstone: only its key, `id` and `deleted_at` stay, so it
leaves both indexes and no later write brings the product back (see the repository).

The key attribute and index names below are rendered from the platform spec
(infra/platform.yaml), the same values the infrastructure repository builds the table from:
change them there and regenerate, never here.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

# Key attributes and indexes of the products table (from the platform spec).
HASH_KEY = "{{ table.hash_key.name }}"
RANGE_KEY: str | None = {% if table.range_key %}"{{ table.range_key.name }}"{% else %}None{% endif %}
PRICE_INDEX = "{{ price_index.name }}"
PRICE_INDEX_HASH_KEY = "{{ price_index.hash_key.name }}"
PRICE_INDEX_RANGE_KEY: str | None = {% if price_index.range_key %}"{{ price_index.range_key.name }}"{% else %}None{% endif %}
NAME_INDEX = "{{ name_index.name }}"
NAME_INDEX_HASH_KEY = "{{ name_index.hash_key.name }}"
NAME_INDEX_RANGE_KEY: str | None = {% if name_index.range_key %}"{{ name_index.range_key.name }}"{% else %}None{% endif %}

# The attribute that marks a deleted product's item (a tombstone).
DELETED_AT = "deleted_at"

# Key values: how a product's keys are spelled.
ENTITY_TYPE = "PRODUCT"
KEY_PREFIX = "PRODUCT#"
METADATA = "METADATA"
PRICE_PARTITION = "PRODUCT"
NAME_PREFIX = "NAME#"
# Prices sort as strings in the price index: zero-padded to a fixed width, two decimals.
PRICE_SORT_WIDTH = 16
MAX_PRICE_DIGITS = 12
PRICE_DECIMAL_PLACES = 2


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Timestamps are always timezone-aware UTC; a naive one is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def isoformat_utc(value: datetime) -> str:
    """The stored form of a timestamp: fixed precision, so stored values compare as strings."""
    return as_utc(value).isoformat(timespec="microseconds")


UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]
Price = Annotated[
    Decimal, Field(ge=0, max_digits=MAX_PRICE_DIGITS, decimal_places=PRICE_DECIMAL_PLACES)
]


def product_key(product_id: str) -> dict[str, str]:
    """The primary key of a product's item."""
    key = {HASH_KEY: f"{KEY_PREFIX}{product_id}"}
    if RANGE_KEY:
        key[RANGE_KEY] = METADATA
    return key


def price_sort_key(price: Decimal) -> str:
    """A price as a string that sorts like the number: 19.5 -> '0000000000019.50'."""
    return f"{price:0{PRICE_SORT_WIDTH}.{PRICE_DECIMAL_PLACES}f}"


def name_key(name: str) -> str:
    """The name-index key: case-insensitive exact match on the trimmed name."""
    return f"{NAME_PREFIX}{name.strip().lower()}"


class ProductFields(BaseModel):
    """What a client sets on a product: the body of a create or update request."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    price: Price
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. ZAR")
    description: str | None = Field(default=None, max_length=2000)

    @field_validator("currency", mode="before")
    @classmethod
    def _upper_case_currency(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value


class Product(ProductFields):
    """A product as stored and returned by the API."""

    id: str = Field(default_factory=lambda: str(uuid.uuid4()), min_length=1, max_length=128)
    created_at: UtcDatetime = Field(default_factory=utc_now)
    updated_at: UtcDatetime = Field(default_factory=utc_now)

    @classmethod
    def new(cls, fields: ProductFields) -> Product:
        """A new product with a fresh id and both timestamps set to now."""
        now = utc_now()
        return cls(**fields.model_dump(), created_at=now, updated_at=now)

    def revised(self, fields: ProductFields) -> Product:
        """This product with the client's fields replaced and `updated_at` moved to now."""
        return self.model_copy(update={**fields.model_dump(), "updated_at": utc_now()})

    def to_item(self) -> dict[str, Any]:
        """The DynamoDB item: Decimal stays Decimal (boto3 refuses floats)."""
        item: dict[str, Any] = {
            **product_key(self.id),
            "entity_type": ENTITY_TYPE,
            "id": self.id,
            "name": self.name,
            "price": self.price,
            "currency": self.currency,
            "created_at": isoformat_utc(self.created_at),
            "updated_at": isoformat_utc(self.updated_at),
            PRICE_INDEX_HASH_KEY: PRICE_PARTITION,
            NAME_INDEX_HASH_KEY: name_key(self.name),
        }
        if self.description is not None:
            item["description"] = self.description
        if PRICE_INDEX_RANGE_KEY:
            item[PRICE_INDEX_RANGE_KEY] = price_sort_key(self.price)
        if NAME_INDEX_RANGE_KEY:
            item[NAME_INDEX_RANGE_KEY] = self.id
        return item

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Product:
        """A product from its DynamoDB item; key attributes are ignored."""
        return cls.model_validate(
            {field: item[field] for field in cls.model_fields if field in item}
        )


def tombstone_removals() -> list[str]:
    """The attributes a tombstone drops: every one a product's item has, except its key and id."""
    indexed = [PRICE_INDEX_HASH_KEY, PRICE_INDEX_RANGE_KEY, NAME_INDEX_HASH_KEY, NAME_INDEX_RANGE_KEY]
    fields = ["entity_type", *(f for f in Product.model_fields if f != "id")]
    return fields + [key for key in indexed if key]
