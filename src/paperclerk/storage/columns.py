"""Column types and status enums shared by the tables and the migrations."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, Enum, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB


class DocumentStatus(StrEnum):
    """Where a document is in its life: waiting, being worked on, finished or given up."""

    QUEUED = "queued"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"
    DEAD = "dead"


class JobStatus(StrEnum):
    """State of one queued unit of work."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    DEAD = "dead"


class Lane(StrEnum):
    """Queue lane: `interactive` (a caller is waiting) always runs ahead of `bulk`."""

    INTERACTIVE = "interactive"
    BULK = "bulk"


class Role(StrEnum):
    """What a user of the review UI may do."""

    ADMIN = "admin"
    REVIEWER = "reviewer"


class DeliveryStatus(StrEnum):
    """State of one webhook delivery."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    DEAD = "dead"


def utcnow() -> dt.datetime:
    """Return the current time as an aware UTC datetime (the only kind stored)."""
    return dt.datetime.now(dt.UTC)


def new_id() -> str:
    """Return a new random 32-character hex id."""
    return uuid.uuid4().hex


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always read back as an aware UTC datetime.

    PostgreSQL keeps `timestamptz`; SQLite has no time zones, so values are stored as
    naive UTC text in one fixed format, which also makes SQL comparisons on them correct.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        """Convert to UTC; drop the zone for SQLite so every stored value has one format."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        """Return an aware UTC datetime whatever the driver handed back."""
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


JsonColumn = JSON().with_variant(JSONB(), "postgresql")
"""JSON everywhere, JSONB on PostgreSQL (compact and indexable)."""


def enum_column(enum: type[StrEnum], name: str) -> Enum:
    """Return a portable enum column: VARCHAR plus a named CHECK constraint, storing values."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
