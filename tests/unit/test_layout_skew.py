"""Rows of a receipt scanned askew: a label and its amount at the other edge share a row."""

from __future__ import annotations

from paperclerk.extract.layout import rows_of, skew
from tests.conftest import page_from_lines

ROWS = [("SUBTOTAL", "8.80"), ("ROUNDING", "0.20"), ("TOTAL", "9.00"), ("CASH", "10.00"),
        ("CHANGE", "1.00"), ("GST 6%", "0.51")]  # fmt: skip


def slanted(rise: float) -> list[tuple[float, float, str]]:
    """A receipt whose amounts, 400 px to the right of their labels, stand `rise` px higher."""
    lines = []
    for n, (label, amount) in enumerate(ROWS):
        lines += [(40, 100 + 25 * n, label), (400, 100 + 25 * n - rise, amount)]
    return lines


def pairs(rise: float) -> dict[str, str]:
    rows = rows_of(page_from_lines(slanted(rise)))
    return {row.lines[0].text: row.lines[-1].text for row in rows if len(row.lines) == 2}


def test_a_slanted_receipt_pairs_each_label_with_its_own_amount() -> None:
    assert pairs(17)["TOTAL"] == "9.00"  # level rows would pair TOTAL with CASH's 10.00
    assert pairs(17) == dict(ROWS)
    page = page_from_lines(slanted(17))
    assert -0.06 < skew(page.lines) < -0.03  # 17 px over about 400 px, rising to the right


def test_a_straight_page_keeps_level_rows() -> None:
    page = page_from_lines(slanted(0))
    assert skew(page.lines) == 0.0
    assert pairs(0) == dict(ROWS)
