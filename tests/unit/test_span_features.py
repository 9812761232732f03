"""What the span featurizer says about bracketed lines, the postcode line and end words."""

from __future__ import annotations

from paperclerk.datasets.dataset import TrainingExample
from paperclerk.learning.lexicon import Lexicon
from paperclerk.learning.receipt_model import end_lexicon, learn_lexicons
from paperclerk.learning.span_candidates import SPAN_FEATURES, SpanFeaturizer, span_candidates
from paperclerk.model import DocType
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


def _receipt(n: int, lines: list[str], address: str) -> TrainingExample:
    return TrainingExample(
        id=f"sroie/t{n}",
        doc_type=DocType.RECEIPT,
        pages=[page_from_lines([(20, 30 + 30 * i, text) for i, text in enumerate(lines)])],
        fields={"merchant_name": lines[0], "merchant_address": address, "total": "4.20"},
        source="review",
    )


def _confirmed_addresses() -> list[TrainingExample]:
    out = []
    for n, (street, town) in enumerate(
        [("JALAN MAWAR", "PUCHONG"), ("TAMAN MAWAR", "KLANG"), ("LORONG MAWAR", "SHAH ALAM")]
    ):
        lines = [
            f"SHOP {n} SDN BHD",
            f"NO {n}, {street}",
            f"4717{n} {town}, MALAYSIA",
            "TOTAL 4.20",
        ]
        out.append(_receipt(n, lines, f"NO {n}, {street} 4717{n} {town}, MALAYSIA"))
    return out


def test_the_words_a_value_ends_with_are_learned_from_confirmed_values() -> None:
    ends = learn_lexicons(_confirmed_addresses())[end_lexicon("merchant_address")]
    # MALAYSIA ended every confirmed address; MAWAR ended a line inside each.
    assert ends.weight("MALAYSIA") > 0 > ends.weight("MAWAR")


def test_a_span_running_on_past_a_word_that_ends_values_is_marked() -> None:
    ends = learn_lexicons(_confirmed_addresses())[end_lexicon("merchant_address")]
    lines = ["NEW SHOP SDN BHD", "NO 9, JALAN MAWAR", "40150 KLANG, MALAYSIA", "SUNWAY VELOCITY"]
    page = page_from_lines([(20, 30 + 30 * n, text) for n, text in enumerate(lines)])
    featurize = SpanFeaturizer(page, Lexicon(), Lexicon(), set(), ends)
    spans = {(s.start, s.end): s for s in span_candidates(page, 10, 6, False) if s.variant == 0}

    def row(start: int, end: int) -> dict[str, float]:
        return dict(zip(SPAN_FEATURES, featurize(spans[start, end]), strict=True))

    right, too_long = row(1, 3), row(1, 4)
    assert right["end_last"] > too_long["end_last"]
    assert too_long["end_inner"] > right["end_inner"]
    # A model trained before the end words were learned reads them as 0.
    old = dict(
        zip(
            SPAN_FEATURES,
            SpanFeaturizer(page, Lexicon(), Lexicon(), set())(spans[1, 3]),
            strict=True,
        )
    )
    assert old["end_last"] == old["end_inner"] == 0.0
