"""Line items of receipts: tax-summary rows are no items, multi-row items are one item."""

from __future__ import annotations

from decimal import Decimal

import pytest

from paperclerk.extract.receipt import RuleReceiptExtractor
from paperclerk.extract.receipt_items import is_tax_summary
from paperclerk.model import LineItem
from tests.conftest import page_from_lines

HEAD = [
    (100, 10, "SANYU STATIONERY SHOP"),
    (120, 35, "GST ID NO: 001531760640 TAX INVOICE"),
    (20, 60, "CASH SALES COUNTER DATE: 22/05/2017"),
]


def items_of(lines: list[tuple[float, float, str]]) -> list[LineItem]:
    return RuleReceiptExtractor().extract([page_from_lines(lines)]).line_items


def described(items: list[LineItem]) -> list[tuple[str, str | None, str]]:
    return [
        (str(i.value("description")), i.value("product_code"), str(i.value("total_price")))
        for i in items
    ]


@pytest.mark.parametrize(
    ("text", "summary"),
    [
        ("SR @ 6%", True),
        ("SR= 6%", True),
        ("ZR @ 0%", True),
        ("ZR/OS/EZ", True),
        ("SR 6%", True),
        ("GST SUMMARY", True),
        ("SR", False),  # a bare code beside an item whose text is on another row
        ("SR: XTRASEAL RTV SILICONE", False),
        ("SRIRACHA SAUCE 6%", False),
    ],
)
def test_tax_summary_text(text: str, summary: bool) -> None:
    assert is_tax_summary(text) is summary


def test_the_tax_summary_below_the_total_is_no_item() -> None:
    """The receipts of one shop printed no column header: its tax summary became the items."""
    items = items_of(
        [
            *HEAD,
            (20, 85, "1. 7002-0014 SONOFAX - EC THERMAL ROLL"),
            (20, 110, "(10ROLL/PKT)"),
            (20, 135, "1 X 35.0000"),
            (300, 135, "35.00 SR"),
            (20, 160, "TOTAL"),
            (300, 160, "35.00"),
            (20, 185, "CASH"),
            (300, 185, "40.00"),
            (20, 210, "GST SUMMARY AMOUNT(RM) TAX(RM)"),
            (20, 235, "SR @ 6%"),
            (200, 235, "33.02"),
            (300, 235, "1.98"),
            (20, 260, "ZR @ 0%"),
            (200, 260, "0.00"),
            (300, 260, "0.00"),
        ]
    )
    assert len(items) == 1
    assert "SONOFAX" in str(items[0].value("description"))
    assert items[0].value("total_price") == Decimal("35.00")


def test_a_tax_table_among_the_items_is_skipped() -> None:
    items = items_of(
        [
            *HEAD,
            (20, 85, "QTY DESCRIPTION AMOUNT"),
            (20, 110, "MILO 3IN1 18X30G"),
            (300, 110, "12.90"),
            (20, 135, "SR 6% 13.58"),
            (300, 135, "0.82"),
            (20, 160, "ZR/OS/EZ"),
            (300, 160, "0.00"),
            (20, 185, "TOTAL"),
            (300, 185, "12.90"),
        ]
    )
    assert described(items) == [("MILO 3IN1 18X30G", None, "12.90")]


def test_description_above_code_and_amounts_below_is_one_item() -> None:
    items = items_of(
        [
            (100, 10, "MR D.I.Y. (M) SDN BHD"),
            (100, 35, "(CO. RFG : 860671-D)"),
            (100, 60, "-INVOICE-"),
            (20, 85, "KILAT AUTO ECO WASH & SHINE ES1000 1L"),
            (20, 110, "WA45 /2A - 12"),
            (20, 135, "9555916500133 1 X 3.11"),
            (300, 135, "3.11"),
            (20, 160, "WD40 MULTI-USE 27ML"),
            (20, 185, "WA43-A - 24"),
            (20, 210, "079567600084 2 X 11.23"),
            (300, 210, "22.46"),
            (20, 235, "ITEM(S) : 2 QTY(S) : 3"),  # an item count, not the table's header
            (20, 260, "TOTAL"),
            (300, 260, "RM 25.57"),
        ]
    )
    assert described(items) == [
        ("KILAT AUTO ECO WASH & SHINE ES1000 1L", "9555916500133", "3.11"),
        ("WD40 MULTI-USE 27ML", "079567600084", "22.46"),
    ]
    assert items[1].value("quantity") == Decimal("2")


def test_barcode_row_first_then_description_then_amounts() -> None:
    items = items_of(
        [
            *HEAD,
            (20, 85, "9556939040116"),
            (20, 110, "KF MODELLING CLAY KIDDY FISH"),
            (20, 135, "1 X 9.00"),
            (300, 135, "9.00"),
            (20, 160, "TOTAL"),
            (300, 160, "9.00"),
        ]
    )
    assert described(items) == [("KF MODELLING CLAY KIDDY FISH", "9556939040116", "9.00")]


def test_amounts_first_then_description_below() -> None:
    """Tills that print 'SR 2 6.10 12.20' and the dish on the row below it."""
    items = items_of(
        [
            *HEAD,
            (20, 85, "TAX QTY CODE/DESC UNIT PRICE TOTAL RM"),
            (20, 110, "SR 2 6.10"),
            (300, 110, "12.20"),
            (20, 135, "07 CREAM OF MUSHROOM SOUP"),
            (20, 160, "SR 1 6.90"),
            (300, 160, "6.90"),
            (20, 185, "99 ICED LEMON TEA"),
            (20, 210, "TOTAL AMOUNT"),
            (300, 210, "19.10"),
        ]
    )
    assert [(d, p) for d, _, p in described(items)] == [
        ("07 CREAM OF MUSHROOM SOUP", "12.20"),
        ("99 ICED LEMON TEA", "6.90"),
    ]
    assert items[0].value("quantity") == Decimal("2")
