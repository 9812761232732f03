"""The second look at a line whose date OCR broke: which lines, and which readings it keeps."""

from __future__ import annotations

import numpy as np
import pytest

from paperclerk.pages.date_look import STRETCHES, broken_date, date_look, mended
from tests.unit.test_second_look import PAGE, FakeLines, line


@pytest.mark.parametrize("text", ["03/0:/2018", "Date 20/03/201", "DD:25/10/20:7", "2018-0:-25"])
def test_a_date_with_one_misread_place_is_broken(text: str) -> None:
    assert broken_date(text)


@pytest.mark.parametrize(
    "text",
    [
        "03/02/2018",  # a date: nothing to mend
        "Date 03/02/2018 Doc 03/0:/2018",  # the line already holds a date
        "TEL 1-300-80-AEON (2366)",
        "CC22-52-62 - 25",
        "Invoice No: SP-nu11-18/06/04-1016956",
        "Total 12.50",
        "1/A-42210-140220",
        "AB/CD/2018",  # too few digits
        "12/34/5678",  # all digits, and no year lost a digit: nothing to mend
        "Ref 2019/13/45",
        "01.01.2018~31.01.2018",
    ],
)
def test_phones_codes_and_dates_are_not_broken_dates(text: str) -> None:
    assert not broken_date(text)


def test_a_reading_that_mends_the_date_keeps_every_digit() -> None:
    assert mended("03/0:/2018", "03/02/2018")
    assert mended("20/03/201", "20/03/2018")
    assert not mended("03/0:/2018", "03/07/2019")  # a digit of the first reading changed
    assert not mended("20/03/201", "20/08/2018")
    assert not mended("03/0:/2018", "03/0:/2018")
    assert not mended("03/0:/2018", "03/0/2018")  # still no date
    assert not mended("03/0:/2018", "03/0:/2018 12/01/2019")  # more than the broken place
    assert not mended("03/0:/2018", "03/10/2018")  # a digit moved to another place
    assert not mended("3/0:/2018", "13/02/2018")
    assert not mended("0:/03/2018", "10/03/2018")
    assert not mended("03/0:/2018 Tbl 1/1/1", "03/0:/2018 Tbl 1/1/18")  # another date
    assert mended("Date:03/0:/2018", "Date: 03/02/2018")


def test_the_mended_line_replaces_the_broken_one_in_place() -> None:
    words = line(0, "Date") + line(1, "03/0:/2018", y=40) + line(2, "Total", "12.50", y=70)
    engine = FakeLines(("03/0:/2018", 0.9), ("03/02/2018", 0.95))
    out = date_look(words, PAGE, engine)
    assert [w.text for w in out] == ["Date", "03/02/2018", "Total", "12.50"]
    assert len(engine.crops) == len(STRETCHES)
    assert out[1].box == words[1].box and out[1].line_key == 1


def test_a_line_read_as_other_words_shares_its_box() -> None:
    words = line(0, "Date:03/0:/2018", y=40)
    engine = FakeLines(("Date: 03/02/2018", 0.95))
    out = date_look(words, PAGE, engine)
    assert [w.text for w in out] == ["Date:", "03/02/2018"]
    assert out[0].box.x0 == words[0].box.x0 and out[1].box.x1 <= words[0].box.x1 + 0.01
    assert all((w.box.y0, w.box.y1, w.line_key) == (40.0, 60.0, 0) for w in out)


def test_a_reading_that_does_not_mend_the_date_leaves_the_words_alone() -> None:
    words = line(0, "Date", "03/0:/2018") + line(1, "Total", "12.50", y=70)
    engine = FakeLines(("Date 08/07/2019", 0.99), ("Date 03/0:/2018", 0.99))
    assert date_look(words, PAGE, engine) == words


def test_pages_without_broken_dates_are_not_read_again() -> None:
    words = line(0, "Date", "03/02/2018") + line(1, "Total", "12.50", y=70)
    engine = FakeLines()
    assert date_look(words, np.array(PAGE), engine) == words
    assert engine.crops == []
