"""What a reviewer types: typed values or a message, never an exception."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperclerk.model import Document
from paperclerk.model.fields import value_text
from paperclerk.review.parse import parse_text
from paperclerk.review.schema import Kind, kind_of, retype


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        (Kind.MONEY, "12.50", Decimal("12.50")),
        (Kind.MONEY, "1,234.00", Decimal("1234.00")),
        (Kind.MONEY, "-3,20", Decimal("-3.20")),
        (Kind.MONEY, "€ 9.99", Decimal("9.99")),
        (Kind.MONEY, "9.99 EUR", Decimal("9.99")),
        (Kind.MONEY, "12", Decimal("12")),
        (Kind.DATE, "2025-03-12", dt.date(2025, 3, 12)),
        (Kind.DATE, "25/03/2025", dt.date(2025, 3, 25)),
        (Kind.TIME, "14:05", dt.time(14, 5)),
        (Kind.NUMBER, "19%", Decimal("19")),
        (Kind.CURRENCY, "eur", "EUR"),
        (Kind.IBAN, "DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
        (Kind.TAX_ID, "DE 136 695 976", "DE136695976"),
        (Kind.TAX_ID, "000800589824", "000800589824"),
        (Kind.TEXT, "  ACME   STORE ", "ACME STORE"),
        (Kind.MONEY, "   ", None),
    ],
)
def test_valid_input_parses(kind: Kind, text: str, value: object) -> None:
    parsed = parse_text(kind, text)
    assert parsed.error is None and parsed.value == value


@pytest.mark.parametrize(
    ("kind", "text", "says"),
    [
        (Kind.MONEY, "12abc", "not an amount"),
        (Kind.MONEY, "1.2.3", "not an amount"),
        (Kind.DATE, "2025-02-30", "not a valid date"),
        (Kind.DATE, "soon", "not a valid date"),
        (Kind.TIME, "25h", "not a time"),
        (Kind.IBAN, "DE89370400440532013001", "check digits"),
        (Kind.TAX_ID, "DE136695977", "check digits"),
        (Kind.CURRENCY, "xx", "not a currency"),
        (Kind.NUMBER, "two", "not a number"),
    ],
)
def test_invalid_input_says_why(kind: Kind, text: str, says: str) -> None:
    parsed = parse_text(kind, text)
    assert parsed.value is None and parsed.error is not None and says in parsed.error


@given(st.sampled_from(list(Kind)), st.text(max_size=40))
def test_any_text_gives_a_value_or_a_message(kind: Kind, text: str) -> None:
    parsed = parse_text(kind, text)
    assert (parsed.error is None) or (parsed.value is None)


def test_values_round_trip_through_json() -> None:
    assert kind_of("total") == Kind.MONEY and kind_of("anything") == Kind.TEXT
    assert value_text(Decimal("3.70")) == "3.70" and value_text(dt.time(9, 5)) == "09:05"
    doc = Document.model_validate(
        {"sha256": "a", "media_type": "image/png", "size_bytes": 1,
         "fields": {"total": {"name": "total", "value": "3.70", "confidence": 1},
                    "transaction_date": {"name": "transaction_date", "value": "2025-03-12",
                                         "confidence": 1},
                    "merchant_name": {"name": "merchant_name", "value": "12", "confidence": 1}}}
    )  # fmt: skip
    assert isinstance(doc.value("total"), str)  # what the model union gives back
    retype(doc)
    assert doc.value("total") == Decimal("3.70")
    assert doc.value("transaction_date") == dt.date(2025, 3, 12)
    assert doc.value("merchant_name") == "12"
