"""The amount paid by card confirms a receipt's total, as cash less change does."""

from __future__ import annotations

from decimal import Decimal

from paperclerk.extract.layout import Row, rows_of
from paperclerk.extract.receipt_amounts import card_payment
from paperclerk.learning.receipt_model import evidence
from paperclerk.learning.value_candidates import amount_candidates
from tests.conftest import page_from_lines


def _rows(*texts: str) -> list[Row]:
    return rows_of(page_from_lines([(20, 30 + 30 * n, t) for n, t in enumerate(texts)]))


def test_a_card_pays_the_exact_total() -> None:
    assert card_payment(_rows("TOTAL EV: 2.10", "PAID BY:CC:7186:RM78.30")) == Decimal("78.30")
    assert card_payment(_rows("TOTAL 99.80", "MASTERCARD -99.80")) == Decimal("99.80")


def test_no_card_row_or_change_given_confirms_nothing() -> None:
    assert card_payment(_rows("TOTAL 12.00", "CASH 20.00")) is None
    # Change given back: the payment row is cash handed over, not the total.
    assert card_payment(_rows("TOTAL 12.00", "CARD 20.00", "CHANGE 8.00")) is None


def test_the_card_amount_is_confirming_evidence_for_the_total() -> None:
    texts = ("TOTAL EV: 2.10", "AMT PAID INCL. GST: RM78.30", "PAID BY:CC:7186:RM78.30")
    page = page_from_lines([(20, 30 + 30 * n, t) for n, t in enumerate(texts)])
    cands = amount_candidates(rows_of(page))
    confirmed = evidence("total", cands, [[] for _ in cands], [page])
    assert {c.value for c, e in zip(cands, confirmed, strict=True) if e} == {Decimal("78.30")}
