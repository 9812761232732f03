"""Matching invoice lines to purchase order lines: price, quantity, receipt, unmatched."""

from __future__ import annotations

from decimal import Decimal

from paperclerk.model import ExtractedField, LineItem
from paperclerk.payables.po_match import (
    PO_LINE_UNMATCHED,
    PO_PRICE_MISMATCH,
    PO_QUANTITY_EXCEEDS_ORDER,
    PO_QUANTITY_EXCEEDS_RECEIPT,
    line_findings,
    match_lines,
    price_within_tolerance,
)
from paperclerk.payables.tolerances import Tolerances
from paperclerk.storage.tables import PurchaseOrderLineRow


def item(index: int, **cells: object) -> LineItem:
    """An invoice line with the given cells."""
    return LineItem(
        index=index,
        fields={
            n: ExtractedField(name=n, value=v, raw_text=str(v), confidence=1.0)  # type: ignore[arg-type]
            for n, v in cells.items()
        },
        confidence=1.0,
    )


def po_line(
    number: int,
    description: str,
    quantity: str,
    price: str,
    received: str = "0",
    code: str | None = None,
) -> PurchaseOrderLineRow:
    """An order line (not stored)."""
    return PurchaseOrderLineRow(
        po_id="p",
        line_number=number,
        product_code=code,
        description=description,
        quantity=Decimal(quantity),
        unit_price=Decimal(price),
        received_quantity=Decimal(received),
    )


def failed(findings: list, rule: str) -> list:  # type: ignore[type-arg]
    return [f for f in findings if f.rule_id == rule and not f.passed]


def test_price_tolerance_is_two_percent_or_a_cent() -> None:
    assert price_within_tolerance(Decimal("101.99"), Decimal("100"))
    assert not price_within_tolerance(Decimal("102.01"), Decimal("100"))
    assert price_within_tolerance(Decimal("0.11"), Decimal("0.10"))
    assert not price_within_tolerance(Decimal("0.12"), Decimal("0.10"))


def test_lines_match_by_code_then_description_then_position() -> None:
    lines = [
        po_line(1, "Copy paper A4", "10", "5", code="P-1"),
        po_line(2, "Blue ballpoint pens box", "2", "3"),
        po_line(3, "Stapler", "1", "9"),
    ]
    items = [
        item(0, description="Pens, ballpoint, blue box", quantity=2, unit_price="3"),
        item(1, description="Paper", product_code="p-1", quantity=10, unit_price="5"),
        item(2, description="Something else", quantity=1, unit_price="9"),
    ]
    got = match_lines(items, lines)
    assert [(m.po_line.line_number if m.po_line else None, m.method) for m in got] == [
        (2, "description"),
        (1, "product_code"),
        (3, "position"),
    ]


def test_workspace_tolerances_widen_price_and_quantity() -> None:
    loose = Tolerances(price_rate=Decimal("0.05"), quantity_rate=Decimal("0.1"))
    assert price_within_tolerance(Decimal("104.9"), Decimal("100"), loose)
    assert not price_within_tolerance(Decimal("105.1"), Decimal("100"), loose)
    lines = [po_line(1, "Screws", "100", "1", received="100")]
    matches = match_lines([item(0, description="Screws", quantity=110, unit_price="1")], lines)
    assert not [f for f in line_findings("PO-1", matches, three_way=True, tolerances=loose)
                if not f.passed]  # fmt: skip
    strict = line_findings("PO-1", matches, three_way=True)
    assert {f.rule_id for f in strict if not f.passed} == {
        PO_QUANTITY_EXCEEDS_ORDER,
        PO_QUANTITY_EXCEEDS_RECEIPT,
    }
    over = match_lines([item(0, description="Screws", quantity=111, unit_price="1")], lines)
    [finding, _] = [
        f for f in line_findings("PO-1", over, three_way=True, tolerances=loose) if not f.passed
    ]
    assert "(+10 % allowed)" in finding.message


def test_price_within_tolerance_passes_and_beyond_fails() -> None:
    lines = [po_line(1, "Consulting", "1", "100")]
    ok = line_findings(
        "PO-1",
        match_lines([item(0, description="Consulting", quantity=1, unit_price="101.50")], lines),
        three_way=False,
    )
    assert not [f for f in ok if not f.passed]
    bad = line_findings(
        "PO-1",
        match_lines([item(0, description="Consulting", quantity=1, unit_price="103")], lines),
        three_way=False,
    )
    [finding] = failed(bad, PO_PRICE_MISMATCH)
    assert "invoice line 1" in finding.message and "PO PO-1 line 1" in finding.message
    assert "103" in finding.message and "100" in finding.message


def test_quantity_over_the_order_fails_two_way() -> None:
    lines = [po_line(1, "Consulting", "5", "100", received="10")]
    got = line_findings(
        "PO-1",
        match_lines([item(0, description="Consulting", quantity=6, unit_price="100")], lines),
        three_way=False,
    )
    [finding] = failed(got, PO_QUANTITY_EXCEEDS_ORDER)
    assert "quantity 6 invoiced" in finding.message and "5" in finding.message
    assert not [f for f in got if f.rule_id == PO_QUANTITY_EXCEEDS_RECEIPT]


def test_quantity_over_the_receipt_fails_three_way() -> None:
    lines = [po_line(1, "Consulting", "5", "100", received="3")]
    got = line_findings(
        "PO-1",
        match_lines([item(0, description="Consulting", quantity=4, unit_price="100")], lines),
        three_way=True,
    )
    assert [f.rule_id for f in got if not f.passed] == [PO_QUANTITY_EXCEEDS_RECEIPT]
    message = failed(got, PO_QUANTITY_EXCEEDS_RECEIPT)[0].message
    assert (
        "invoice line 1 / PO PO-1 line 1 (Consulting): quantity 4 invoiced, 3 received" in message
    )


def test_a_line_no_order_line_matches_is_reported() -> None:
    lines = [po_line(1, "Consulting", "1", "100", code="C-1")]
    items = [
        item(0, description="Consulting", product_code="C-1", quantity=1, unit_price="100"),
        item(1, description="Travel expenses", product_code="T-9", quantity=1, unit_price="50"),
    ]
    got = line_findings("PO-1", match_lines(items, lines), three_way=False)
    [finding] = failed(got, PO_LINE_UNMATCHED)
    assert "invoice line 2 (Travel expenses)" in finding.message
    assert [f.rule_id for f in got if not f.passed] == [PO_LINE_UNMATCHED]


def test_quantities_earlier_invoices_billed_count_against_the_order() -> None:
    line = po_line(1, "Consulting", "5", "100", received="5")
    line.id = "L1"
    matches = match_lines([item(0, description="Consulting", quantity=2, unit_price="100")], [line])
    alone = line_findings("PO-1", matches, three_way=True)
    assert not [f for f in alone if not f.passed]
    after = line_findings("PO-1", matches, three_way=True, invoiced_before={"L1": Decimal(4)})
    assert {f.rule_id for f in after if not f.passed} == {
        PO_QUANTITY_EXCEEDS_ORDER,
        PO_QUANTITY_EXCEEDS_RECEIPT,
    }
    message = failed(after, PO_QUANTITY_EXCEEDS_ORDER)[0].message
    assert "quantity 2 invoiced (+ 4 on earlier invoices), 5 ordered" in message
