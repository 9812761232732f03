"""Typed reads of an invoice `Document`'s header fields, extras and line cells for exporters."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from paperclerk.model import Document
from paperclerk.model.fields import ExtractedField, LineItem

CENT = Decimal("0.01")


def _value(cell: ExtractedField | None) -> object:
    return cell.value if cell is not None else None


def raw(doc: Document, name: str) -> object:
    """Return a header field's value, else the same-named `extra` value, else None."""
    cell = doc.fields.get(name) or doc.extra.get(name)
    return _value(cell)


def text(doc: Document, name: str) -> str | None:
    """Return a field as stripped text (None when absent or blank)."""
    return as_text(raw(doc, name))


def as_text(value: object) -> str | None:
    """Return any field value as stripped text; dates in ISO form; None when blank."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    out = str(value).strip()
    return out or None


def as_decimal(value: object) -> Decimal | None:
    """Return a field value as a finite Decimal, or None (text like `1,234.50` is read too)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int | float):
        return as_decimal(Decimal(str(value)))
    if isinstance(value, str):
        cleaned = value.strip().replace(" ", "")
        if "," in cleaned and "." in cleaned:
            cleaned = cleaned.replace(",", "")
        elif "," in cleaned:
            cleaned = cleaned.replace(",", ".")
        try:
            return as_decimal(Decimal(cleaned))
        except InvalidOperation:
            return None
    return None


def decimal(doc: Document, name: str) -> Decimal | None:
    """Return a money/number field as a Decimal, or None."""
    return as_decimal(raw(doc, name))


def date(doc: Document, name: str) -> dt.date | None:
    """Return a date field as a date (ISO text is read too), or None."""
    value = raw(doc, name)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def cell_text(line: LineItem, name: str) -> str | None:
    """Return one line cell as stripped text, or None."""
    return as_text(line.value(name))


def cell_decimal(line: LineItem, name: str) -> Decimal | None:
    """Return one line cell as a Decimal, or None."""
    return as_decimal(line.value(name))


def money(value: Decimal) -> Decimal:
    """Round an amount to cents (half up), as EN 16931 amounts have at most 2 decimals."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_amount(line: LineItem) -> Decimal | None:
    """Return a line's net amount: its `amount` cell, else quantity × unit price."""
    amount = cell_decimal(line, "amount")
    if amount is not None:
        return amount
    quantity, price = cell_decimal(line, "quantity"), cell_decimal(line, "unit_price")
    if quantity is not None and price is not None:
        return money(quantity * price)
    return None
