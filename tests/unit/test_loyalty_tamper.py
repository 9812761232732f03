"""Tamper evidence from a receipt's own arithmetic (issue 16, defect 1)."""

from __future__ import annotations

from decimal import Decimal

from paperclerk.loyalty import fraud
from paperclerk.loyalty.findings import Effect
from paperclerk.loyalty.tamper import tamper_finding, tax_summary_rows, witnesses
from paperclerk.model import Severity
from tests.conftest import page_from_lines
from tests.unit.loyalty_helpers import receipt

# the receipt: items 13.00 + 1.90, tax 0.84 at 6 %, total 14.90, paid cash
PRINTED = [
    "KEDAI RUNCIT MAJU JAYA SDN BHD",
    "BREAD 13.00",
    "MILK 1.90",
    "TOTAL INCL GST {total}",
    "CASH {cash}",
    "CHANGE {change}",
    "GST SUMMARY AMOUNT TAX",
    "SR @ 6% 14.06 0.84",
]


def _receipt(total: str, cash: str = "20.00", change: str = "5.10", **kw: object):  # type: ignore[no-untyped-def]
    lines = [
        (10.0, 30.0 * n, t.format(total=total, cash=cash, change=change))
        for n, t in enumerate(PRINTED)
    ]
    doc = receipt(total=total, items=[("BREAD", "1", "13.00"), ("MILK", "1", "1.90")], **kw)
    doc.pages = [page_from_lines(lines)]
    return doc


def test_an_honest_receipt_passes_with_its_witnesses_named() -> None:
    f = tamper_finding(_receipt("14.90"))
    assert f.passed, f.message
    assert "tax summary adds up to 14.90" in f.message
    kinds = {w["kind"]: w["agrees"] for w in f.evidence["witnesses"]}
    assert kinds == {"tax_summary": True, "paid_less_change": True, "line_items": True}


def test_an_edited_total_with_a_matching_cash_line_is_caught() -> None:
    # the case: total painted to 44.90 and cash to 50.00; items and tax say 14.90
    f = tamper_finding(_receipt("44.90", cash="50.00"))
    assert not f.passed
    assert f.effect == Effect.REVIEW and f.severity == Severity.ERROR
    assert f.message.startswith("the total may have been changed: the tax summary adds up to 14.90")
    assert "the items add up to 14.90" in f.message
    assert f.message.endswith("but the total says 44.90")


def test_an_edited_total_alone_is_caught_by_cash_less_change() -> None:
    f = tamper_finding(_receipt("44.90"))
    assert not f.passed and "cash 20.00 less change 5.10 is 14.90" in f.message


def test_cash_rounding_is_not_an_edit() -> None:
    assert tamper_finding(_receipt("14.90", cash="20.00", change="5.15")).passed


def test_items_alone_that_miss_a_line_are_not_an_edit() -> None:
    # an item the extractor did not read makes the items add up to less: a reading matter
    doc = receipt(total="30.00", items=[("A", "1", "10.00"), ("B", "1", "10.00")])
    doc.pages = [page_from_lines([(10, 10, "A 10.00"), (10, 40, "B 10.00"), (10, 70, "TOTAL 30")])]
    assert tamper_finding(doc).passed
    assert fraud.fraud_findings(doc, b"", None, receipt().value("transaction_date"))  # runs


def test_items_and_subtotal_that_agree_against_the_total_are_caught() -> None:
    doc = receipt(
        total="30.00",
        items=[("A", "1", "10.00"), ("B", "1", "10.00")],
        subtotal=Decimal("18.87"),
        total_tax=Decimal("1.13"),
    )
    doc.pages = [page_from_lines([(10, 10, "A 10.00"), (10, 40, "B 10.00"), (10, 70, "TOTAL 30")])]
    f = tamper_finding(doc)
    assert not f.passed and f.severity == Severity.ERROR, f.message


def test_tax_summary_rows_need_the_rate_of_the_base() -> None:
    page = page_from_lines(
        [
            (10, 10, "GST @6%: 0.40"),  # the tax alone: no base
            (10, 40, "S = 6% 50.47 3.03"),
            (10, 70, "Z = 0% 23.70 0.00"),
            (10, 100, "10% OFF 5.00 2.00"),  # not a tax: 10 % of 5.00 is not 2.00
        ]
    )
    from paperclerk.extract.layout import rows_of

    rows = tax_summary_rows(rows_of(page))
    assert rows == [
        (Decimal(6), Decimal("50.47"), Decimal("3.03")),
        (Decimal(0), Decimal("23.70"), Decimal("0.00")),
    ]


def test_part_totals_are_not_witnesses() -> None:
    doc = receipt(total="36.36")
    doc.pages = [page_from_lines([(10, 10, "TOTAL 0% SUPPLIES: 23.64"), (10, 40, "TOTAL 36.36")])]
    assert witnesses(doc, Decimal("36.36")) == []


def test_an_unconfirmed_total_is_reviewed_only_when_the_campaign_asks() -> None:
    from paperclerk.loyalty.tamper import confirmation_finding

    bare = receipt(total="44.90")
    bare.pages = [page_from_lines([(10, 10, "SHOP"), (10, 40, "TOTAL 44.90")])]
    checked = [tamper_finding(bare)]
    assert confirmation_finding(checked, required=False).passed
    strict = confirmation_finding(checked, required=True)
    assert not strict.passed and strict.effect == Effect.REVIEW
    assert "nothing else on the receipt" in strict.message
    confirmed = confirmation_finding([tamper_finding(_receipt("14.90"))], required=True)
    assert confirmed.passed and "tax summary" in confirmed.message
