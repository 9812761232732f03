"""Lines built from a PDF's text layer: rows first, then cut at wide gaps."""

import numpy as np

from paperclerk.ingest import RawPage, TextLayerWord
from paperclerk.model import Box
from paperclerk.pages.read import read_page


class _NoOcr:
    name = version = "none"

    def read(self, image: object) -> list[object]:
        raise AssertionError("a text-layer page is never OCRed")


def _lines(words: list[tuple[str, float, float, float, float]]) -> list[str]:
    layer = [TextLayerWord(t, Box(x0=x0, y0=y0, x1=x1, y1=y1)) for t, x0, y0, x1, y1 in words]
    raw = RawPage(index=0, image=np.full((1200, 1654, 3), 255, np.uint8), text_layer=layer)
    page = read_page(raw, _NoOcr(), {})  # type: ignore[arg-type]
    return [line.text for line in page.lines]


def test_two_columns_on_one_row_stay_two_lines_whichever_is_higher() -> None:
    # The buyer's window (right) is printed 2 px higher than the seller's address (left):
    # it used to start the line the seller's words then joined.
    lines = _lines([
        ("LE", 826, 233, 842, 250), ("CLIENT", 846, 233, 895, 250),
        ("35", 238, 235, 256, 252), ("rue", 260, 235, 283, 252), ("d'ici,", 287, 235, 320, 252),
        ("Seller", 324, 235, 364, 252), ("line", 367, 235, 394, 252), ("2", 397, 235, 406, 252),
    ])  # fmt: skip
    assert lines == ["35 rue d'ici, Seller line 2", "LE CLIENT"]


def test_a_sentence_set_in_two_runs_is_one_line() -> None:
    # The second run sits a pixel higher and comes first in the file: it used to be cut off.
    lines = _lines([
        ("writing", 294, 508, 344, 524), ("to", 348, 508, 362, 524), ("you", 366, 508, 392, 524),
        ("Greetings", 100, 509, 170, 525), ("from", 174, 509, 204, 525),
        ("AWS,", 208, 509, 245, 525), ("we're", 249, 509, 290, 525),
    ])  # fmt: skip
    assert lines == ["Greetings from AWS, we're writing to you"]


def test_a_label_far_from_its_value_is_its_own_line() -> None:
    lines = _lines([
        ("Charges", 165, 650, 250, 668), ("$4.11", 1490, 649, 1555, 667),
        ("Credits", 165, 683, 232, 700), ("$0.00", 1490, 683, 1555, 700),
    ])  # fmt: skip
    assert lines == ["Charges", "$4.11", "Credits", "$0.00"]
