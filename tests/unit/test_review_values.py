"""Server-side value checks of the review: totals, decimals, ambiguous dates, display texts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from paperclerk.model import DocType, Document, ExtractedField
from paperclerk.review.display import display_text
from paperclerk.review.hints import Hints, hints_of, order_of_currency
from paperclerk.review.parse import parse_day, parse_field, parse_text
from paperclerk.review.schema import Kind
from paperclerk.web.ui.templating import article, templates
from tests.conftest import page_from_lines

RECEIPT = Hints(doc_type=DocType.RECEIPT)


def doc(lines: list[str], currency: str | None = None) -> Document:
    page = page_from_lines([(20, 20 + 30 * i, t) for i, t in enumerate(lines)])
    fields = {}
    if currency:
        fields["currency"] = ExtractedField(name="currency", value=currency, confidence=1)
    return Document(
        sha256="a" * 64, media_type="image/png", size_bytes=1, pages=[page],
        doc_type=DocType.RECEIPT, fields=fields,
    )  # fmt: skip


@pytest.mark.parametrize("name", ["total", "subtotal", "total_tax", "amount_due"])
def test_a_total_of_a_receipt_or_invoice_cannot_be_negative(name: str) -> None:
    for doc_type in (DocType.RECEIPT, DocType.INVOICE):
        parsed = parse_field(name, "-12.50", Hints(doc_type=doc_type))
        assert parsed.value is None and parsed.error == "a total cannot be negative"
    assert parse_field(name, "-12.50", Hints(doc_type=DocType.BANK_STATEMENT)).value == Decimal(
        "-12.50"
    )
    assert parse_field(name, "0.00", RECEIPT).value == Decimal("0.00")


def test_line_amounts_and_discounts_may_be_negative() -> None:
    assert parse_field("total_price", "-1.00", RECEIPT).value == Decimal("-1.00")
    assert parse_field("discount", "-0.50", RECEIPT).value == Decimal("-0.50")


@pytest.mark.parametrize("text", ["12.505", "0.001", "1,234.5678", "€ 3.999"])
def test_amounts_with_three_or_more_decimals_are_refused(text: str) -> None:
    parsed = parse_field("total", text, RECEIPT)
    assert parsed.value is None and parsed.error is not None
    assert "at most 2 decimals" in parsed.error
    assert parse_text(Kind.MONEY, text).error is not None


def test_three_decimal_currencies_and_unit_prices_may_have_more() -> None:
    assert parse_field("total", "KWD 12.505", RECEIPT).value == Decimal("12.505")
    assert parse_field("total", "12.505", Hints(RECEIPT.doc_type, currency="BHD")).value == (
        Decimal("12.505")
    )
    assert parse_field("unit_price", "1.659", RECEIPT).value == Decimal("1.659")
    assert parse_field("unit_price", "1.65901", RECEIPT).error is not None
    # one separator and three digits is never read silently as a thousands group
    assert "12505" in (parse_field("total", "12.505", RECEIPT).error or "")
    assert parse_field("total", "12505", RECEIPT).value == Decimal("12505")
    assert parse_field("total", "12,505.00", RECEIPT).value == Decimal("12505.00")


def test_an_ambiguous_date_is_refused_with_both_readings() -> None:
    parsed = parse_day("08/03/2014")
    assert parsed.value is None
    assert parsed.error == "ambiguous date: 8 Mar 2014 or 3 Aug 2014? write it as 2014-03-08"
    assert parse_text(Kind.DATE, "8-3-14").error is not None
    assert parse_text(Kind.DATE, "12/03/2025").error is not None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2014-03-08", dt.date(2014, 3, 8)),  # ISO
        ("8 Mar 2014", dt.date(2014, 3, 8)),  # a month name
        ("March 8, 2014", dt.date(2014, 3, 8)),
        ("25/03/2014", dt.date(2014, 3, 25)),  # only one order is a date
        ("03/25/2014", dt.date(2014, 3, 25)),
        ("08/08/2014", dt.date(2014, 8, 8)),  # both orders agree
        ("08.03.2014", dt.date(2014, 3, 8)),  # dots: day first
    ],
)
def test_dates_that_cannot_be_misread_parse(text: str, value: dt.date) -> None:
    parsed = parse_text(Kind.DATE, text)
    assert parsed.error is None and parsed.value == value


def test_the_document_resolves_an_ambiguous_date() -> None:
    european = hints_of(doc(["MARLOW BAKERY", "DATE 25/03/2014"]))
    assert european.day_first is True
    assert parse_text(Kind.DATE, "08/03/2014", european).value == dt.date(2014, 3, 8)
    american = hints_of(doc(["CORNER DELI", "03/25/2014 10:02"]))
    assert american.day_first is False
    assert parse_text(Kind.DATE, "08/03/2014", american).value == dt.date(2014, 8, 3)
    # no date that tells: the currency does (field, else printed), else nothing
    assert hints_of(doc(["SHOP", "DATE 08/03/2014"], currency="EUR")).day_first is True
    assert hints_of(doc(["SHOP", "TOTAL $ 4.00"])).day_first is False
    assert hints_of(doc(["SHOP", "DATE 08/03/2014"])).day_first is None
    assert order_of_currency("JPY") is None
    # a date typed in the same form counts as well
    typed = hints_of(doc(["SHOP"]), {"due_date": "28/03/2014", "invoice_date": "08/03/2014"})
    assert typed.day_first is True


def test_values_are_shown_as_they_will_be_stored() -> None:
    assert display_text(Kind.DATE, dt.date(2014, 3, 8)) == "8 Mar 2014"
    money = parse_field("total", "RM 12.5", RECEIPT)
    assert money.currency == "MYR"
    assert display_text(Kind.MONEY, money.value, money.currency) == "12.50 MYR"
    assert display_text(Kind.MONEY, Decimal("1234.5")) == "1,234.50"
    assert display_text(Kind.MONEY, Decimal("1.659"), "EUR") == "1.659 EUR"
    assert display_text(Kind.TIME, dt.time(14, 5)) == "14:05"
    assert display_text(Kind.IBAN, "DE89370400440532013000") == "DE89 3704 0044 0532 0130 00"
    assert display_text(Kind.TEXT, "  ACME   STORE ") == "ACME STORE"


@pytest.mark.parametrize(
    ("noun", "with_article"),
    [
        ("invoice", "an invoice"),
        ("receipt", "a receipt"),
        ("identity_document", "an identity document"),
        ("utility_bill", "a utility bill"),
        ("payslip", "a payslip"),
        ("hour", "an hour"),
        ("", ""),
    ],
)
def test_nouns_get_the_right_article(noun: str, with_article: str) -> None:
    assert article(noun) == with_article


def test_the_article_is_a_template_filter() -> None:
    page = templates.env.from_string("Not {{ t|with_article }}")
    assert page.render(t="invoice") == "Not an invoice"
    assert page.render(t="receipt") == "Not a receipt"
