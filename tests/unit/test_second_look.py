"""The second look at OCR lines with long codes: what it reads again and what it takes."""

from __future__ import annotations

import itertools
import math

import numpy as np

from paperclerk.engines.base import LineReading, OcrWord
from paperclerk.model.geometry import Box
from paperclerk.pages.second_look import STRETCH, holds_code, only_repeats_added, second_look


class FakeLines:
    """A line engine that answers each crop with the next prepared reading."""

    name = "fake"
    version = "fake-1"

    def __init__(self, *readings: tuple[str, float]) -> None:
        self.readings = list(readings)
        self.crops: list[np.ndarray] = []

    def read(self, image: np.ndarray) -> list[OcrWord]:
        return []

    def detect_lines(self, image: np.ndarray) -> list[np.ndarray]:
        return []

    def recognise_lines(self, crops: list[np.ndarray]) -> list[LineReading]:
        self.crops += crops
        return [LineReading(t, c, (), ()) for t, c in self.readings[: len(crops)]]


def line(
    key: int, *texts: str, conf: float = 0.9, y: float = 10.0, pitch: float = 6.0
) -> list[OcrWord]:
    """Words of one line, 20 px high, `pitch` px per character, 6 px between words."""
    words, x = [], 10.0
    for text in texts:
        right = x + pitch * len(text)
        words.append(OcrWord(text, Box(x0=x, y0=y, x1=right, y1=y + 20), conf, key))
        x = right + 6
    return words


PAGE = np.full((200, 800, 3), 255, dtype=np.uint8)


def test_long_codes_are_told_from_amounts_dates_and_words() -> None:
    assert holds_code("Rechnungsnummer: 6069999") and holds_code("IBAN DE02 1203 0000 0000")
    assert not holds_code("Total 1.234,56 EUR") and not holds_code("Datum 05.03.2018")
    assert not holds_code("Lieferant GmbH 80333 München")
    assert only_repeats_added("6069999", "6069999999") and not only_repeats_added("606", "607")
    assert not only_repeats_added("6069999", "6069999")


def test_lost_repeats_come_back_and_boxes_stay() -> None:
    words = line(0, "Rechnung", "6069999") + line(1, "Total", "12,50", y=50)
    engine = FakeLines(("Rechnung 6069999999", 0.5))
    out = second_look(words, PAGE, engine)
    assert [w.text for w in out] == ["Rechnung", "6069999999", "Total", "12,50"]
    assert [w.box for w in out] == [w.box for w in words]
    assert len(engine.crops) == 1  # the line without a code is not read again
    assert engine.crops[0].shape[1] > 1.9 * engine.crops[0].shape[0]  # stretched sideways
    assert STRETCH > 1


def test_a_changed_character_is_taken_only_where_characters_were_lost() -> None:
    words = line(0, "Nr", "6069991")
    assert [w.text for w in second_look(words, PAGE, FakeLines(("Nr 60699917", 0.5)))] == [
        "Nr",
        "6069991",
    ]
    surer = second_look(words, PAGE, FakeLines(("Nr 60699917", 0.99)))
    assert [w.text for w in surer] == ["Nr", "60699917"]
    same_length = second_look(words, PAGE, FakeLines(("Nr 6069997", 0.99)))
    assert [w.text for w in same_length] == ["Nr", "6069991"]


def test_an_iban_whose_check_digits_hold_replaces_a_misread_one() -> None:
    words = line(0, "IBAN", "DE02120000002051")
    out = second_look(words, PAGE, FakeLines(("IBAN DE02 1203 0000 0000 2020 51", 0.5)))
    assert " ".join(w.text for w in out) == "IBAN DE02 1203 0000 0000 2020 51"
    assert out[0].box.x0 == words[0].box.x0 and out[-1].box.x1 <= words[-1].box.x1 + 1e-6
    assert all(a.box.x1 <= b.box.x0 for a, b in itertools.pairwise(out))


def test_a_line_with_wide_characters_is_not_read_again() -> None:
    engine = FakeLines(("Rechnung 6069999999", 0.99))
    words = line(0, "Rechnung", "6069999", pitch=12.0)
    assert second_look(words, PAGE, engine) == words
    assert engine.crops == []
    every = second_look(words, PAGE, engine, narrow=math.inf)  # as before the cut-off
    assert [w.text for w in every] == ["Rechnung", "6069999999"]
