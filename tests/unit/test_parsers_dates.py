import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperclerk.parsers import find_dates, find_times, parse_date

D = dt.date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25/12/2018", D(2018, 12, 25)),
        ("25-12-18", D(2018, 12, 25)),
        ("25.12.2018", D(2018, 12, 25)),
        ("2018-12-25", D(2018, 12, 25)),
        ("12 Dec 2018", D(2018, 12, 12)),
        ("Dec 12, 2018", D(2018, 12, 12)),
        ("December 3rd, 2019", D(2019, 12, 3)),
        ("25DEC2018", D(2018, 12, 25)),
        ("25-Dec-18", D(2018, 12, 25)),
        ("Date: 12/02/2018 08:30", D(2018, 2, 12)),
        ("12. März 2018", D(2018, 3, 12)),
        ("3 janvier 2019", D(2019, 1, 3)),
        ("1er février 2019", D(2019, 2, 1)),
        ("5 Mei 2018", D(2018, 5, 5)),
        ("5 Ogos 2018", D(2018, 8, 5)),
        ("5 de mayo de 2018", D(2018, 5, 5)),
        ("12 stycznia 2018", D(2018, 1, 12)),
        ("7 maart 2020", D(2020, 3, 7)),
        ("7 settembre 2020", D(2020, 9, 7)),
        ("03/04/2018", D(2018, 4, 3)),
        ("13/04/2018", D(2018, 4, 13)),
        ("04/13/2018", D(2018, 4, 13)),
        ("25 / 12 / 2018", D(2018, 12, 25)),
    ],
)
def test_parse_date(text: str, expected: dt.date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("27/03/2O18 10:22", D(2018, 3, 27)),
        ("27/03/20l8", D(2018, 3, 27)),  # not 27/03/20 of the year 2020
        ("DATE 2O18/O2/22", D(2018, 2, 22)),
        ("27.O3.2018", D(2018, 3, 27)),
        ("05-05~18", D(2018, 5, 5)),
        ("Date:2018-03-1813:18:48", D(2018, 3, 18)),
        ("19-03-201818:08", D(2018, 3, 19)),
        ("ORD #70 -REG #19-18/03/2018 23:02:16", D(2018, 3, 18)),
        ("07/04/2018-18:11:05", D(2018, 4, 7)),
        ("001-2016-07-31 13:48:51", D(2016, 7, 31)),
    ],
)
def test_look_alike_letters_inside_a_date_are_its_digits(text: str, expected: dt.date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["S/O/IS", "ISO/IEC 2/OS", "REF AB/CD/2018"])
def test_letters_without_enough_digits_are_no_date(text: str) -> None:
    assert parse_date(text) is None


def test_monthfirst() -> None:
    assert parse_date("03/04/2018", dayfirst=False) == D(2018, 3, 4)
    assert parse_date("13/04/2018", dayfirst=False) == D(2018, 4, 13)


@pytest.mark.parametrize(
    "text",
    [
        "Total 12.50",
        "1.234,56",
        "08:30:00",
        "12/31/1980",
        "31/02/2018",
        "Qty 12 Dec",
        "1 - 12.18",
        "2018-03-18123",
        "10~20 pcs",
        "5~10~15 pcs",
        "2018-03-1813:184",
        "INV-2018-12-25",
        "Tel 0049-2011-12-10",
    ],
)
def test_no_date(text: str) -> None:
    assert parse_date(text) is None


def test_a_range_joined_by_a_tilde_is_two_dates() -> None:
    found = find_dates("01.01.2018~31.01.2018 and 01/05/2018~30/06/2018")
    assert [d.value for d in found] == [
        D(2018, 1, 1),
        D(2018, 1, 31),
        D(2018, 5, 1),
        D(2018, 6, 30),
    ]


def test_find_dates_positions() -> None:
    text = "Invoice date 2019-03-01 due 31 Mar 2019 at 08:30"
    found = find_dates(text)
    assert [d.value for d in found] == [D(2019, 3, 1), D(2019, 3, 31)]
    for d in found:
        assert text[d.start : d.end] == d.raw


@given(st.dates(min_value=D(1990, 1, 1), max_value=D(2100, 12, 31)))
def test_roundtrip_formats(value: dt.date) -> None:
    for text in (
        value.strftime("%d/%m/%Y"),
        value.strftime("%d.%m.%Y"),
        value.isoformat(),
        value.strftime("%d %b %Y"),
        value.strftime("%B %d, %Y"),
    ):
        assert parse_date(text) == value, text


@given(st.text(max_size=40))
def test_never_crashes(text: str) -> None:
    find_dates(text)
    find_times(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08:30:00", dt.time(8, 30)),
        ("8:30 PM", dt.time(20, 30)),
        ("20:15", dt.time(20, 15)),
        ("10.30am", dt.time(10, 30)),
        ("12:15am", dt.time(0, 15)),
        ("14h30", dt.time(14, 30)),
        ("Date: 12/02/2018 08:30", dt.time(8, 30)),
    ],
)
def test_find_times(text: str, expected: dt.time) -> None:
    assert [t.value for t in find_times(text)] == [expected]


@pytest.mark.parametrize("text", ["Total 10.30", "25:00", "12/02/2018"])
def test_no_time(text: str) -> None:
    assert find_times(text) == []
