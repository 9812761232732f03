"""Small receipts and campaigns for the loyalty tests (no OCR needed)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from paperclerk.loyalty.campaign import Campaign, campaign_from_dict
from paperclerk.model import DocType, Document, ExtractedField, LineItem

TODAY = dt.date(2026, 5, 1)


def field(name: str, value: Any, confidence: float = 0.99) -> ExtractedField:
    return ExtractedField(name=name, value=value, raw_text=str(value), confidence=confidence)


def receipt(
    merchant: str = "KEDAI RUNCIT MAJU JAYA SDN BHD",
    day: dt.date | None = dt.date(2026, 4, 30),
    total: str | None = "27.55",
    items: list[tuple[str, str, str]] | None = None,
    **extra: Any,
) -> Document:
    """A receipt document; items are (description, quantity, total price)."""
    doc = Document(sha256="0" * 64, media_type="image/png", size_bytes=1, doc_type=DocType.RECEIPT)
    doc.fields["merchant_name"] = field("merchant_name", merchant)
    if day is not None:
        doc.fields["transaction_date"] = field("transaction_date", day)
    if total is not None:
        doc.fields["total"] = field("total", Decimal(total))
    for name, value in extra.items():
        doc.fields[name] = field(name, value)
    for i, (desc, qty, price) in enumerate(items or []):
        doc.line_items.append(
            LineItem(
                index=i,
                fields={
                    "description": field("description", desc),
                    "quantity": field("quantity", Decimal(qty)),
                    "total_price": field("total_price", Decimal(price)),
                },
            )
        )
    return doc


def campaign(**overrides: Any) -> Campaign:
    base: dict[str, Any] = {
        "id": "milo-april",
        "starts": "2026-04-01",
        "ends": "2026-04-30",
        "submit_until": "2026-06-30",
        "retailers": [{"name": "Kedai Runcit Maju Jaya", "aliases": ["KRMJ"]}],
        "min_spend": "27.55",
        "products": [
            {
                "id": "milo",
                "name": "Nestle Milo Activ-Go",
                "aliases": ["MILO 3IN1 18X30G"],
                "codes": ["9556001234567"],
            }
        ],
        "reward": {"kind": "percentage", "percent": 10, "cap": "2.00"},
    }
    base.update(overrides)
    return campaign_from_dict(base)
