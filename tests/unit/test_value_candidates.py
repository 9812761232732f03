"""Candidates and features for typed receipt fields."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from paperclerk.learning.lexicon import Lexicon
from paperclerk.learning.value_candidates import (
    AMOUNT_FEATURES,
    amount_candidates,
    amount_features,
    date_candidates,
    page_rows,
)
from tests.conftest import page_from_lines


def test_a_date_whose_digits_ocr_spaced_out_is_still_a_candidate() -> None:
    page = page_from_lines([(10, 10, "Entry Time 1 6 / 0 4 / 2 0 1 8 (Mon) 8:21")])
    assert [c.value for c in date_candidates(page_rows([page]))] == [dt.date(2018, 4, 16)]


def test_the_total_rounded_to_five_sen_is_marked() -> None:
    page = page_from_lines(
        [(10, 10, "SUBTOTAL 33.00"), (10, 40, "GST 6% 1.98"), (10, 70, "TOTAL 35.00"),
         (10, 100, "ROUNDING 0.02"), (10, 130, "CASH 55.00")]
    )  # fmt: skip
    cands = amount_candidates(page_rows([page]))
    rows = amount_features(cands, Lexicon(), None, page)
    at = {name: AMOUNT_FEATURES.index(name) for name in ("rounded_sum_pair", "rounds_other")}
    by_value = {c.value: row for c, row in zip(cands, rows, strict=True)}
    assert by_value[Decimal("35.00")][at["rounded_sum_pair"]] == 1.0  # 33.00 + 1.98, rounded
    assert by_value[Decimal("33.00")][at["rounded_sum_pair"]] == 0.0
    assert by_value[Decimal("1.98")][at["rounds_other"]] == 0.0
