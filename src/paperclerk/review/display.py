"""Typed values as short texts for people: what a typed value was understood as.

The review screen shows each value as it will be stored next to what was typed
(`08/03/2014 → 8 Mar 2014`, `RM 12.5 → 12.50 MYR`), so a misreading is seen before
approval. Month names are English whatever the server's locale.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from schwifty import IBAN

from paperclerk.model import FieldValue
from paperclerk.review.schema import Kind

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def date_text(day: dt.date) -> str:
    """Return a date as `8 Mar 2014`: the day order cannot be misread."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def money_text(amount: Decimal, currency: str | None = None) -> str:
    """Return an amount with at least two decimals and its currency: `1,234.50 MYR`."""
    exponent = amount.as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    text = format(amount, f",.{places}f")
    return f"{text} {currency}" if currency else text


def iban_text(iban: str) -> str:
    """Return an IBAN in groups of four, as it is printed (`DE89 3704 …`)."""
    try:
        return str(IBAN(iban).formatted)
    except ValueError:
        return iban


def display_text(kind: Kind, value: FieldValue, currency: str | None = None) -> str:
    """Return a typed value of a field kind as a short text; money with `currency`."""
    if value is None:
        return ""
    if kind == Kind.MONEY and isinstance(value, Decimal):
        return money_text(value, currency)
    if isinstance(value, dt.date):
        return date_text(value)
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S" if value.second else "%H:%M")
    if isinstance(value, Decimal):
        return format(value, "f")
    if kind == Kind.IBAN and isinstance(value, str):
        return iban_text(value)
    return " ".join(str(value).split())
