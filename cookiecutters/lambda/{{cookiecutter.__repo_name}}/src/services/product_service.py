{%- set op = cookiecutter.operation %}
{%- set publishes = op in ['create', 'update', 'delete'] %}
{%- set summaries = {
    'list': 'list products a page at a time, by price (optionally within a range) or by name',
    'get': 'fetch one product by id',
    'create': 'create a product, then publish a "created" change event to the events topic',
    'update': 'replace a product\'s fields, then publish an "updated" change event to the events topic',
    'delete': 'delete a product, then publish a "deleted" change event to the events topic',
    'persist': 'apply the product change events from its queue to the products table',
    'audit': 'archive every product change event from its queue in the audit bucket',
} -%}
"""Business logic of {{ cookiecutter.lambda_name }}.

{{ summaries[op] | capitalize }}.
{%- if publishes %}

The change event is published after the table write succeeded. When publishing fails the error
propagates (the API answers 500) although the product was written: a retry of an update or a
delete is harmless, and the consumers treat events idempotently.
{%- endif %}
"""

from __future__ import annotations
{%- if op == 'audit' %}

import json
import os
from datetime import datetime
from typing import Any

import boto3

from src.models.events import ProductChangeEvent, SQSRecord
from src.models.product import as_utc, isoformat_utc, utc_now
from src.utils.logger import get_logger

AUDIT_BUCKET_VARIABLE = "AUDIT_BUCKET"
AUDIT_PREFIX = "audit"

logger = get_logger(__name__)


def audit_key(occurred_at: datetime, message_id: str) -> str:
    """Where an event is archived: audit/<yyyy>/<mm>/<dd>/<message id>.json (UTC date)."""
    day = as_utc(occurred_at).strftime("%Y/%m/%d")
    return f"{AUDIT_PREFIX}/{day}/{message_id}.json"


class ProductService:
    """Writes each change event, with its delivery metadata, as one JSON object to S3."""

    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3 = s3_client
        self._bucket = bucket

    @classmethod
    def from_environment(cls) -> ProductService:
        return cls(boto3.client("s3"), os.environ[AUDIT_BUCKET_VARIABLE])

    def record_change(self, event: ProductChangeEvent, record: SQSRecord) -> str:
        """Archive one event; returns the object key. A redelivery overwrites the same key."""
        key = audit_key(event.occurred_at, record.message_id)
        sent_at = record.sent_at
        document = {
            "message_id": record.message_id,
            "event_source_arn": record.event_source_arn,
            "sent_at": isoformat_utc(sent_at) if sent_at else None,
            "receive_count": record.receive_count,
            "recorded_at": isoformat_utc(utc_now()),
            "event": event.model_dump(mode="json"),
        }
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=json.dumps(document, sort_keys=True).encode("utf-8"),
            ContentType="application/json",
        )
        logger.info(
            "Change event archived",
            extra={"event_id": event.event_id, "product_id": event.product_id, "s3_key": key},
        )
        return key
{%- elif op == 'persist' %}

from src.models.events import ChangeType, ProductChangeEvent
from src.repositories.product_repository import ProductRepository
from src.utils.logger import get_logger

logger = get_logger(__name__)

STORED = "stored"
SKIPPED_STALE = "skipped-stale"
DELETED = "deleted"
ALREADY_DELETED = "already-deleted"


class ProductService:
    """Stores the product of a created/updated event, leaves a tombstone on a deleted event.

    Every step is idempotent, so a redelivered message does no harm. The queue does not keep
    order: an event older than the stored product leaves the newer product in place, and no
    created or updated event, however late, brings back a product that was deleted (its
    tombstone stays, and a delete that arrives before the product's create leaves one too).
    """

    def __init__(self, repository: ProductRepository) -> None:
        self._repository = repository

    @classmethod
    def from_environment(cls) -> ProductService:
        return cls(ProductRepository.from_environment())

    def apply_change(self, event: ProductChangeEvent) -> str:
        """Apply one event; returns what happened (stored, skipped-stale, deleted, ...)."""
        if event.event_type is ChangeType.DELETED:
            first = self._repository.tombstone(event.product_id, event.occurred_at)
            outcome = DELETED if first else ALREADY_DELETED
        else:
            stored = self._repository.put_if_newer(event.require_product())
            outcome = STORED if stored else SKIPPED_STALE
        logger.info(
            "Change event applied",
            extra={
                "event_id": event.event_id,
                "event_type": event.event_type.value,
                "product_id": event.product_id,
                "outcome": outcome,
            },
        )
        return outcome
{%- else %}
{%- if publishes %}

import os
from typing import Any

import boto3

from src.models.events import EVENT_TYPE_ATTRIBUTE, ChangeType, ProductChangeEvent
from src.models.product import Product{% if op != 'delete' %}, ProductFields{% endif %}
{%- if op in ['create', 'update'] %}
from src.repositories.product_repository import ProductRepository
{%- else %}
from src.repositories.product_repository import ProductNotFoundError, ProductRepository
{%- endif %}
from src.utils.logger import SERVICE_NAME, get_logger

TOPIC_ARN_VARIABLE = "TOPIC_ARN"
{%- elif op == 'list' %}

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from src.repositories.product_repository import ProductPage, ProductRepository
from src.utils.logger import get_logger

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
{%- else %}

from src.models.product import Product
from src.repositories.product_repository import ProductNotFoundError, ProductRepository
from src.utils.logger import get_logger
{%- endif %}

logger = get_logger(__name__)
{%- if op == 'list' %}


class ListQuery(BaseModel):
    """The query string: ?limit=&next_token=&name=&min_price=&max_price= (all optional)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    limit: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    next_token: str | None = Field(default=None, min_length=1)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    min_price: Decimal | None = Field(default=None, ge=0)
    max_price: Decimal | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _consistent(self) -> ListQuery:
        both = self.min_price is not None and self.max_price is not None
        if both and self.min_price > self.max_price:
            raise ValueError("min_price must not be greater than max_price")
        if self.name is not None and (self.min_price is not None or self.max_price is not None):
            raise ValueError("name cannot be combined with min_price or max_price")
        return self
{%- endif %}
{%- if publishes %}


class ChangePublisher:
    """Publishes ProductChangeEvents to the product events topic (ARN from TOPIC_ARN).

    The topic delivers each event to every consumer's queue (raw: the message body is the event).
    """

    def __init__(self, sns_client: Any, topic_arn: str) -> None:
        self._sns = sns_client
        self._topic_arn = topic_arn

    @classmethod
    def from_environment(cls) -> ChangePublisher:
        return cls(boto3.client("sns"), os.environ[TOPIC_ARN_VARIABLE])

    def publish(self, event: ProductChangeEvent) -> str:
        """Publish one event; returns the SNS message id."""
        response = self._sns.publish(
            TopicArn=self._topic_arn,
            Message=event.model_dump_json(),
            MessageAttributes={
                EVENT_TYPE_ATTRIBUTE: {"DataType": "String", "StringValue": event.event_type.value}
            },
        )
        logger.info(
            "Change event published",
            extra={
                "event_id": event.event_id,
                "event_type": event.event_type.value,
                "product_id": event.product_id,
                "sns_message_id": response["MessageId"],
            },
        )
        return response["MessageId"]
{%- endif %}


class ProductService:
    """{{ summaries[op][0] | upper }}{{ summaries[op][1:] }}."""
{%- if publishes %}

    def __init__(
        self,
        repository: ProductRepository,
        publisher: ChangePublisher,
        source: str | None = None,
    ) -> None:
        self._repository = repository
        self._publisher = publisher
        self._source = source or os.environ.get("AWS_LAMBDA_FUNCTION_NAME", SERVICE_NAME)

    @classmethod
    def from_environment(cls) -> ProductService:
        return cls(ProductRepository.from_environment(), ChangePublisher.from_environment())
{%- else %}

    def __init__(self, repository: ProductRepository) -> None:
        self._repository = repository

    @classmethod
    def from_environment(cls) -> ProductService:
        return cls(ProductRepository.from_environment())
{%- endif %}
{%- if op == 'list' %}

    def list_products(self, query: ListQuery) -> ProductPage:
        """One page of products: by exact name when `name` is given, else by price."""
        if query.name is not None:
            page = self._repository.find_by_name(query.name, query.limit, query.next_token)
        else:
            page = self._repository.list_products(
                query.limit, query.next_token, query.min_price, query.max_price
            )
        logger.info(
            "Products listed", extra={"count": len(page.items), "more": page.next_token is not None}
        )
        return page
{%- elif op == 'get' %}

    def get_product(self, product_id: str) -> Product:
        """The product; ProductNotFoundError when there is none."""
        product = self._repository.get(product_id)
        if product is None:
            raise ProductNotFoundError(product_id)
        logger.info("Product fetched", extra={"product_id": product_id})
        return product
{%- elif op == 'create' %}

    def create_product(self, fields: ProductFields) -> Product:
        """Store a new product with a fresh id, then announce it."""
        product = self._repository.create(Product.new(fields))
        logger.info("Product created", extra={"product_id": product.id})
        self._publisher.publish(ProductChangeEvent.about(ChangeType.CREATED, product, self._source))
        return product
{%- elif op == 'update' %}

    def update_product(self, product_id: str, fields: ProductFields) -> Product:
        """Replace the client's fields of an existing product, then announce it.

        ProductNotFoundError when there is none (or it was deleted); nothing is published then.
        """
        product = self._repository.update(product_id, fields)
        logger.info("Product updated", extra={"product_id": product_id})
        self._publisher.publish(ProductChangeEvent.about(ChangeType.UPDATED, product, self._source))
        return product
{%- elif op == 'delete' %}

    def delete_product(self, product_id: str) -> Product:
        """Delete a product (a tombstone stays), then announce it with its last state; returns it."""
        deleted = self._repository.delete(product_id)
        if deleted is None:
            raise ProductNotFoundError(product_id)
        logger.info("Product deleted", extra={"product_id": product_id})
        self._publisher.publish(ProductChangeEvent.about(ChangeType.DELETED, deleted, self._source))
        return deleted
{%- endif %}
{%- endif %}
