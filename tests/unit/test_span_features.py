"""What the span featurizer says about bracketed lines and an address's postcode line."""

from __future__ import annotations

from paperclerk.learning.lexicon import Lexicon
from paperclerk.learning.span_candidates import SPAN_FEATURES, SpanFeaturizer, span_candidates
from tests.conftest import page_from_lines

LINES = [
    "MR SHOP (JOHOR) SDN BHD",
    "(CO. NO. 193573-M)",
    "LOT 12, JALAN KENARI 5,",
    "47170 PUCHONG, SELANGOR",
    "(MR SHOP TESCO BRANCH)",
]


def _features(start: int, end: int) -> dict[str, float]:
    page = page_from_lines([(20, 30 + 30 * n, text) for n, text in enumerate(LINES)])
    spans = span_candidates(page, 10, 6, False)
    span = next(s for s in spans if (s.start, s.end, s.variant) == (start, end, 0))
    row = SpanFeaturizer(page, Lexicon(), Lexicon(), set())(span)
    assert len(row) == len(SPAN_FEATURES)
    return dict(zip(SPAN_FEATURES, row, strict=True))


def test_a_line_wholly_in_brackets_is_marked_whole_first_and_last() -> None:
    branch = _features(4, 5)
    assert branch["enclosed"] == branch["first_enclosed"] == branch["last_enclosed"] == 1.0
    name = _features(0, 1)  # brackets inside the name do not enclose it
    assert name["enclosed"] == name["first_enclosed"] == 0.0
    address = _features(1, 4)  # a registration number before the address
    assert address["first_enclosed"] == 1.0 and address["enclosed"] == 0.0


def test_an_address_ending_on_its_postcode_and_place_is_told_from_one_stopping_short() -> None:
    whole = _features(2, 4)
    assert whole["postcode_place"] == whole["last_postcode_place"] == 1.0
    assert whole["next_postcode_place"] == 0.0
    short = _features(2, 3)
    assert short["postcode_place"] == 0.0 and short["next_postcode_place"] == 1.0
