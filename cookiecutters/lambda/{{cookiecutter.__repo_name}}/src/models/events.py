"""The product change events, and the SQS record that carries them.

The API Lambdas that write products publish a ProductChangeEvent to the product events topic;
the topic delivers it, as the raw message body, to each event-driven Lambda's own queue, and the
Lambda receives it inside an SQS record:

    {"messageId": "...", "body": "{\"event_type\": \"created\", \"product_id\": \"...\", ...}",
     "attributes": {"SentTimestamp": "1700000000000", ...}, "eventSource": "aws:sqs", ...}
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from src.models.product import Product, UtcDatetime, utc_now

# The message attribute that repeats the event type, for subscription filters and debugging.
EVENT_TYPE_ATTRIBUTE = "event_type"


class ChangeType(str, Enum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"


class ProductChangeEvent(BaseModel):
    """A product was created, updated or deleted.

    Created and updated events carry the product as it is now; a deleted event may carry the
    product as it was.
    """

    model_config = ConfigDict(extra="forbid")

    event_id: str = Field(default_factory=lambda: str(uuid.uuid4()), min_length=1)
    event_type: ChangeType
    product_id: str = Field(min_length=1)
    product: Product | None = None
    occurred_at: UtcDatetime = Field(default_factory=utc_now)
    source: str | None = None

    @model_validator(mode="after")
    def _payload_matches(self) -> ProductChangeEvent:
        if self.product is None and self.event_type is not ChangeType.DELETED:
            raise ValueError(f"a {self.event_type.value} event must carry the product")
        if self.product is not None and self.product.id != self.product_id:
            raise ValueError("product.id must equal product_id")
        return self

    @classmethod
    def about(
        cls, event_type: ChangeType, product: Product, source: str | None = None
    ) -> ProductChangeEvent:
        """The event for a change to `product`."""
        return cls(event_type=event_type, product_id=product.id, product=product, source=source)

    def require_product(self) -> Product:
        """The product payload; a created or updated event always has one."""
        if self.product is None:
            raise ValueError(f"the {self.event_type.value} event carries no product")
        return self.product


class SQSRecord(BaseModel):
    """One record of an SQS event as Lambda delivers it (only the fields this code reads)."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    message_id: str = Field(alias="messageId", min_length=1)
    receipt_handle: str = Field(default="", alias="receiptHandle")
    body: str
    attributes: dict[str, str] = Field(default_factory=dict)
    message_attributes: dict[str, Any] = Field(default_factory=dict, alias="messageAttributes")
    event_source: str = Field(default="", alias="eventSource")
    event_source_arn: str = Field(default="", alias="eventSourceARN")
    aws_region: str = Field(default="", alias="awsRegion")

    @property
    def sent_at(self) -> datetime | None:
        """When the message was sent, from the SentTimestamp attribute (epoch milliseconds)."""
        stamp = self.attributes.get("SentTimestamp")
        if stamp is None or not stamp.isdigit():
            return None
        return datetime.fromtimestamp(int(stamp) / 1000, tz=UTC)

    @property
    def receive_count(self) -> int:
        count = self.attributes.get("ApproximateReceiveCount", "")
        return int(count) if count.isdigit() else 0

    def change_event(self) -> ProductChangeEvent:
        """The body as a ProductChangeEvent; pydantic.ValidationError when it is not one."""
        return ProductChangeEvent.model_validate_json(self.body)
