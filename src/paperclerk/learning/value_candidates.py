"""Candidates for typed fields (amounts, dates): every value a parser finds on the page."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from paperclerk.extract.layout import Row, rows_of
from paperclerk.learning.lexicon import Lexicon
from paperclerk.model import Page
from paperclerk.parsers import find_amounts, find_dates, find_misread_point_amounts

_NUMBERS = re.compile(r"[\d.,:/\-]+")


@dataclass
class ValueCandidate:
    """One parsed value at one place: the row it sits in and its character span there."""

    value: Decimal | dt.date
    raw: str
    row: int
    start: int
    end: int
    rows: list[Row]
    repaired: bool = False

    @property
    def at(self) -> Row:
        """The row the value was read from."""
        return self.rows[self.row]


def page_rows(pages: list[Page]) -> list[Row]:
    """Return the visual rows of all pages in reading order."""
    return [row for page in pages for row in rows_of(page)]


def amount_candidates(rows: list[Row]) -> list[ValueCandidate]:
    """Return every positive amount in the rows, plus amounts with a misread decimal point.

    A repaired amount is marked (`repaired`), so the model learns how far to trust it.
    """
    out: list[ValueCandidate] = []
    for i, row in enumerate(rows):
        found = [m for m in find_amounts(row.text) if m.value > 0]
        out.extend(ValueCandidate(m.value, m.raw, i, m.start, m.end, rows) for m in found)
        out.extend(
            ValueCandidate(m.value, m.raw, i, m.start, m.end, rows, True)
            for m in find_misread_point_amounts(row.text)
        )
    return out


# OCR of wide-spaced print puts a space between every character ("1 6 / 0 4 / 2 0 1 8").
_SPACED_DIGITS = re.compile(r"(?<=[\d/.\-]) (?=[\d/.\-])")


def date_candidates(rows: list[Row]) -> list[ValueCandidate]:
    """Return every date in the rows, also where OCR spaced out its digits."""
    out: list[ValueCandidate] = []
    for i, row in enumerate(rows):
        found = find_dates(row.text)
        if not found:
            found = find_dates(_SPACED_DIGITS.sub("", row.text))
        out.extend(ValueCandidate(m.value, m.raw, i, m.start, m.end, rows) for m in found)
    return out


def _words(text: str) -> str:
    return _NUMBERS.sub(" ", text)


def _common(c: ValueCandidate, lex: Lexicon, page_w: float, page_h: float) -> list[float]:
    rows = c.rows
    row = c.at
    prev_text = _words(rows[c.row - 1].text) if c.row > 0 else ""
    next_text = _words(rows[c.row + 1].text) if c.row + 1 < len(rows) else ""
    left = _words(row.text[: c.start])
    mean, low, high = lex.scores(_words(row.text))
    return [
        c.row / max(len(rows), 1),
        float(min(c.row, 40)),
        float(min(len(rows) - 1 - c.row, 40)),
        row.box.cy / page_h,
        row.box.x1 / page_w,
        c.start / max(len(row.text), 1),
        float(c.end >= len(row.text.rstrip()) - 3),
        mean,
        low,
        high,
        lex.scores(left)[0],
        lex.scores(prev_text)[0],
        lex.scores(next_text)[0],
    ]


COMMON_FEATURES = [
    "row_rel", "row", "rows_below", "y_rel", "x1_rel", "start_rel", "at_end", "lex_mean",
    "lex_min", "lex_max", "lex_left", "lex_prev", "lex_next",
]  # fmt: skip
AMOUNT_FEATURES = [
    *COMMON_FEATURES, "log_value", "rank_desc", "is_max", "repeats", "repeats_below",
    "has_decimals", "has_currency", "diff_pair", "sum_pair", "rule_pick", "amounts_in_row",
    "max_below", "repaired", "paid_minus_change", "rounded_sum_pair", "rounds_other",
]  # fmt: skip
DATE_FEATURES = [
    *COMMON_FEATURES, "repeats", "month_name", "four_digit_year", "latest", "earliest",
    "rule_pick", "n_dates",
]  # fmt: skip


def amount_features(
    cands: list[ValueCandidate], lex: Lexicon, rule_value: object, page: Page
) -> list[list[float]]:
    """Describe each amount: place, learned row words, size rank, repeats and arithmetic."""
    values = [c.value for c in cands if isinstance(c.value, Decimal)]
    distinct = sorted(set(values), reverse=True)
    counts = Counter(values)
    diffs = {a - b for a in distinct for b in distinct if a > b}
    sums = {a + b for i, a in enumerate(distinct) for b in distinct[i:]}
    # Sums of two amounts of at least 5 sen: adding a rounding of 0.02 would round back.
    rounded_sums = {
        _round_cash(a + b)
        for i, a in enumerate(distinct)
        for b in distinct[i:]
        if b >= Decimal("0.05")
    }
    out = []
    for c in cands:
        assert isinstance(c.value, Decimal)
        below = [v for d, v in zip(cands, values, strict=True) if d.row > c.row]
        after = [(d.row, v) for d, v in zip(cands, values, strict=True) if d.row > c.row]
        out.append(
            [
                *_common(c, lex, page.width or 1, page.height or 1),
                math.log10(float(c.value) + 1e-3),
                float(distinct.index(c.value)),
                float(c.value == distinct[0]),
                float(counts[c.value]),
                float(sum(1 for v in below if v == c.value)),
                float(bool(re.search(r"[.,]\d{2}\b", c.raw))),
                float(bool(re.search(r"[^\d.,\s-]", c.raw))),
                float(c.value in diffs),
                float(c.value in sums),
                float(rule_value == c.value),
                float(sum(1 for d in cands if d.row == c.row)),
                float(all(v <= c.value for v in below)),
                float(c.repaired),
                float(_paid_minus_change(c.value, after)),
                float(c.value in rounded_sums and c.value not in sums),
                float(_rounds_other(c.value, distinct)),
            ]
        )
    return out


def _round_cash(value: Decimal) -> Decimal:
    """Round to the nearest 5 sen, as tills do where the smallest coin is 5 sen."""
    return (value * 20).quantize(Decimal(1)) / 20


def _rounds_other(value: Decimal, distinct: list[Decimal]) -> bool:
    """Whether the amount is another amount on the page rounded to the nearest 5 sen."""
    return _round_cash(value) == value and any(
        v != value and _round_cash(v) == value for v in distinct
    )


def _paid_minus_change(value: Decimal, after: list[tuple[int, Decimal]]) -> bool:
    """Whether an amount paid below it, less a change amount below that, gives the value.

    The layout of a till's "TOTAL 9.00 / CASH 10.00 / CHANGE 1.00": the total is what was
    tendered less the change given, and both are printed after it.
    """
    for row_paid, paid in after:
        if paid <= value:
            continue
        if any(row > row_paid and paid - change == value for row, change in after):
            return True
    return False


def date_features(
    cands: list[ValueCandidate], lex: Lexicon, rule_value: object, page: Page
) -> list[list[float]]:
    """Describe each date: place, learned row words, repeats, format and order."""
    values = [c.value for c in cands]
    counts = Counter(values)
    out = []
    for c in cands:
        out.append(
            [
                *_common(c, lex, page.width or 1, page.height or 1),
                float(counts[c.value]),
                float(bool(re.search(r"[A-Za-z]{3}", c.raw))),
                float(bool(re.search(r"\d{4}", c.raw))),
                float(c.value == max(values)),
                float(c.value == min(values)),
                float(rule_value == c.value),
                float(len(set(values))),
            ]
        )
    return out
