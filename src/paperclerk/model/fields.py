"""Extracted fields with typed values, confidence, provenance and alternatives."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from paperclerk.model.geometry import Box

FieldValue = Decimal | dt.date | dt.time | str | int | None


def value_text(value: FieldValue | object) -> str:
    """Return a typed value as the text the review form shows and training examples store.

    Amounts in plain notation, dates in ISO form, times to the minute unless seconds were
    read; one form, so values read by different models or typed by a person compare.
    """
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S") if value.second else value.strftime("%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class FieldSource(StrEnum):
    """Where a field value came from."""

    MODEL = "model"
    RULE = "rule"
    MEMORY = "memory"
    HUMAN = "human"
    E_INVOICE = "e-invoice"
    MRZ = "mrz"
    """Read from an identity document's machine readable zone."""


class Provenance(BaseModel):
    """Where on the document a value was read."""

    page: int = Field(ge=0)
    box: Box | None = None
    word_ids: list[str] = Field(default_factory=list)


class Alternative(BaseModel):
    """A ranked candidate value the reviewer may pick instead."""

    value: FieldValue
    raw_text: str
    score: float = Field(ge=0.0, le=1.0)
    provenance: Provenance | None = None


class ExtractedField(BaseModel):
    """One field of a document schema with its typed value and evidence."""

    name: str
    value: FieldValue
    raw_text: str = ""
    confidence: float = Field(ge=0.0, le=1.0)
    provenance: Provenance | None = None
    source: FieldSource = FieldSource.RULE
    alternatives: list[Alternative] = Field(default_factory=list)
    personal: bool = Field(
        False,
        description="Whether the value is personal data (`model.personal`): masked in logs, "
        "in webhooks that did not ask for personal data and once the document is purged.",
    )


class LineItem(BaseModel):
    """A row of a receipt or invoice table; cells are fields keyed by column name."""

    index: int = Field(ge=0)
    fields: dict[str, ExtractedField] = Field(default_factory=dict)
    provenance: Provenance | None = None
    confidence: float = Field(ge=0.0, le=1.0, default=0.0)

    def value(self, name: str) -> Any:
        """Return the typed value of one cell, or None."""
        cell = self.fields.get(name)
        return cell.value if cell else None


VAT_CATEGORIES = frozenset({"S", "Z", "E", "AE", "K", "G", "O", "L", "M"})
"""EN 16931 VAT category codes (UNCL5305 subset): standard, zero, exempt, reverse charge,
intra-community, export, not subject, Canary Islands IGIC, Ceuta and Melilla IPSI."""


class TaxDetail(BaseModel):
    """One VAT/GST rate line of an invoice (an EN 16931 VAT breakdown, BG-23)."""

    rate: Decimal | None = None
    net: Decimal | None = None
    tax: Decimal | None = None
    category: str | None = Field(
        None,
        max_length=2,
        description="VAT category code (BT-118): S, Z, E, AE, K, G, O, L or M; None: unknown.",
    )
    exemption_reason: str | None = Field(
        None, max_length=1000, description="Why no VAT is charged (BT-120), as printed."
    )
    exemption_code: str | None = Field(
        None, max_length=64, description="The exemption reason code (BT-121, VATEX list)."
    )
