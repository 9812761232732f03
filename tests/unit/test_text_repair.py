"""Punctuation repair learned from confirmed text."""

from __future__ import annotations

from paperclerk.learning.text_repair import TextRepair

CONFIRMED = [
    f"NO. {n}, JALAN MERANTI {n}, TAMAN {w * 3}, 47400 PETALING JAYA, SELANGOR"
    for n, w in zip(range(1, 16), "ABCDEFGHIJKLMNO", strict=True)
] + ["LOT P. T. 2811, JALAN AIR PANAS. SETAPAK", "JALAN AIR PANAS. SETAPAK"]


def test_a_full_stop_after_a_long_word_is_a_comma_where_people_write_commas() -> None:
    repair = TextRepair()
    repair.comma_after, stops = TextRepair.learn_commas(CONFIRMED)
    repair.stop_words = set(stops)
    assert repair.comma_after == ["D", "L3"]
    assert repair.apply("NO. 5. JALAN MERANTI 5. TAMAN A") == "NO. 5, JALAN MERANTI 5, TAMAN A"
    assert repair.apply("JALAN BOULEVARD. PUCHONG") == "JALAN BOULEVARD, PUCHONG"
    # Short words are abbreviations, and a word people write with a full stop keeps it.
    assert repair.apply("LOT P. T. 2811") == "LOT P. T. 2811"
    assert repair.apply("JALAN AIR PANAS. SETAPAK") == "JALAN AIR PANAS. SETAPAK"
    # The end of the text, or a full stop not followed by a word, is left alone.
    assert repair.apply("47400 PETALING JAYA.") == "47400 PETALING JAYA."
    restored = TextRepair.from_json(repair.to_json())
    assert restored.apply("TAMAN A. SELANGOR") == "TAMAN A. SELANGOR"  # A is one letter
    assert restored.apply("MERANTI 5. TAMAN") == "MERANTI 5, TAMAN"


def test_rules_of_older_models_still_load() -> None:
    old = TextRepair.from_json({"D|.|S|L": ","})
    assert old.context == 1 and old.comma_after == []
    assert old.apply("5. JALAN") == "5, JALAN"


def test_a_code_of_letters_and_digits_is_followed_by_a_comma_where_people_write_one() -> None:
    confirmed = [*CONFIRMED, *(f"LOT {n}A, JALAN U{n}, BLOCK G{n}, TAMAN" for n in range(1, 8))]
    repair = TextRepair()
    repair.comma_after, stops = TextRepair.learn_commas(confirmed)
    repair.stop_words = set(stops)
    assert repair.comma_after == ["D", "L3", "M"]
    # As a two-letter word, `1A` would have counted as an abbreviation like `NO.`.
    assert repair.apply("JALAN MERANTI 1A. BANDAR BARU") == "JALAN MERANTI 1A, BANDAR BARU"
    assert repair.apply("NO. 5") == "NO. 5"
