"""MRZ check digits, parsing of every Doc 9303 format, repairs, and their properties."""

from __future__ import annotations

import datetime as dt
import string

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from paperclerk.parsers.mrz import SWAPS, mrz_like, parse_mrz
from paperclerk.parsers.mrz_build import MrzFields, build_mrz
from paperclerk.parsers.mrz_formats import LAYOUTS, MrzFormat, check_digit

# The specimens of ICAO Doc 9303 parts 4 to 7.
TD3 = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
]
TD2 = ["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"]
TD1 = [
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
]
MRVA = [
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L8988901C4XXX4009078F96121096ZE184226B<<<<<<",
]
MRVB = ["V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "L8988901C4XXX4009078F9612109<<<<<<<<"]
TODAY = dt.date(2026, 12, 3)


@pytest.mark.parametrize(
    ("text", "digit"),
    [("L898902C3", "6"), ("740812", "2"), ("120415", "9"), ("ZE184226B<<<<<", "1"),
     ("D23145890", "7"), ("<<<<<<<<<<<<<<", "0")],
)  # fmt: skip
def test_check_digit_of_the_specimens(text: str, digit: str) -> None:
    assert check_digit(text) == digit


@pytest.mark.parametrize(
    ("lines", "fmt", "number"),
    [(TD3, MrzFormat.TD3, "L898902C3"), (TD2, MrzFormat.TD2, "D23145890"),
     (TD1, MrzFormat.TD1, "D23145890"), (MRVA, MrzFormat.MRVA, "L8988901C"),
     (MRVB, MrzFormat.MRVB, "L8988901C")],
)  # fmt: skip
def test_every_format_parses_with_every_check(
    lines: list[str], fmt: MrzFormat, number: str
) -> None:
    mrz = parse_mrz(lines)
    assert mrz is not None
    assert mrz.format == fmt and mrz.valid and mrz.repairs == []
    assert mrz.text == "\n".join(lines)
    assert (mrz.surname, mrz.given_names, mrz.document_number) == ("ERIKSSON", "ANNA MARIA", number)
    assert mrz.sex == "F"
    if fmt in (MrzFormat.TD1, MrzFormat.TD2, MrzFormat.TD3):
        assert mrz.birth_date(TODAY) == dt.date(1974, 8, 12)
        assert mrz.expiry_date(TODAY) == dt.date(2012, 4, 15)
        assert "composite" in {c.name for c in mrz.checks}
    else:
        assert mrz.birth_date(TODAY) == dt.date(1940, 9, 7)
        assert mrz.expiry_date(TODAY) == dt.date(1996, 12, 10)
        assert "composite" not in {c.name for c in mrz.checks}


def test_td3_personal_number_and_its_check() -> None:
    mrz = parse_mrz(TD3)
    assert mrz is not None
    assert mrz.personal_number == "ZE184226B"
    assert {c.name for c in mrz.checks} == {
        "document_number", "birth_date", "expiry_date", "optional_data", "composite",
    }  # fmt: skip


def test_long_document_number_continues_in_the_optional_data() -> None:
    # Doc 9303 part 5: a filler where the check digit would be, the rest of the number
    # and its check digit in the optional data.
    number = "D23145890734"
    line1 = ("I<UTO" + number[:9] + "<" + number[9:] + check_digit(number) + "<" * 30)[:30]
    line2 = "7408122F1204159UTO<<<<<<<<<<<"
    composite = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
    mrz = parse_mrz([line1, line2 + check_digit(composite), TD1[2]])
    assert mrz is not None and mrz.valid
    assert mrz.document_number == number


def test_germany_prints_d_and_fillers() -> None:
    lines = ["IDD<<T220001293<<<<<<<<<<<<<<<", "6408125<2010315D<<<<<<<<<<<<<4",
             "MUSTERMANN<<ERIKA<<<<<<<<<<<<<"]  # fmt: skip
    mrz = parse_mrz(lines)
    assert mrz is not None and mrz.valid
    assert (mrz.issuing_state, mrz.nationality) == ("DEU", "DEU")
    assert mrz.sex == "<"


def test_names_with_fillers_several_given_names_and_none() -> None:
    f = MrzFields("P", "NLD", "VAN DER BERG", "JAN PIETER KLAAS", "XA0000014", "NLD",
                  "800101", "M", "300101")  # fmt: skip
    mrz = parse_mrz(build_mrz(MrzFormat.TD3, f))
    assert mrz is not None
    assert (mrz.surname, mrz.given_names) == ("VAN DER BERG", "JAN PIETER KLAAS")
    single = parse_mrz(build_mrz(MrzFormat.TD3, MrzFields(**{**f.__dict__, "given_names": ""})))
    assert single is not None and (single.surname, single.given_names) == ("VAN DER BERG", "")


def test_two_digit_years_take_the_likely_century() -> None:
    f = MrzFields("P", "NLD", "A", "B", "XA0000014", "NLD", "251231", "F", "991231")
    mrz = parse_mrz(build_mrz(MrzFormat.TD3, f))
    assert mrz is not None
    assert mrz.birth_date(TODAY) == dt.date(2025, 12, 31)
    assert mrz.expiry_date(TODAY) == dt.date(1999, 12, 31)
    assert MrzFields  # the year of birth never lies ahead; expiry at most 50 years ahead
    f2 = MrzFields("P", "NLD", "A", "B", "XA0000014", "NLD", "301231", "F", "351231")
    later = parse_mrz(build_mrz(MrzFormat.TD3, f2))
    assert later is not None
    assert later.birth_date(TODAY) == dt.date(1930, 12, 31)
    assert later.expiry_date(TODAY) == dt.date(2035, 12, 31)


def test_look_alikes_are_put_right_by_position() -> None:
    mrz = parse_mrz(
        [
            "P<UT0ERIKSS0N<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UT07408I22F12O4159ZE184226B<<<<<10",
        ]
    )
    assert mrz is not None and mrz.valid
    assert mrz.text == "\n".join(TD3)
    assert {(r.read, r.fixed) for r in mrz.repairs} == {("0", "O"), ("I", "1")} | {("O", "0")}


def test_a_swap_only_the_check_digit_confirms_is_made_and_reported() -> None:
    read = [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L8989O2C36UTO7408122F1204159ZE184226B<<<<<10",
    ]
    confs = [[1.0] * 44, [1.0] * 5 + [0.6] + [1.0] * 38]
    mrz = parse_mrz(read, confidences=confs)
    assert mrz is not None and mrz.valid and mrz.text == "\n".join(TD3)
    assert [(r.line, r.position, r.read, r.fixed, r.why) for r in mrz.repairs] == [
        (1, 5, "O", "0", "check_digit")
    ]


def test_unknown_state_code_repaired_to_the_only_known_one_near() -> None:
    f = MrzFields("P", "NLD", "MEULENDIJK", "LOES", "XA0000014", "NLD", "711019", "F", "340412")
    lines = build_mrz(MrzFormat.TD3, f)
    mrz = parse_mrz([lines[0].replace("NLD", "NLO"), lines[1]])
    assert mrz is not None and mrz.issuing_state == "NLD"
    assert [r.why for r in mrz.repairs] == ["state_code"]


def test_a_wrong_check_digit_is_never_made_right() -> None:
    broken = [TD3[0], TD3[1][:9] + "7" + TD3[1][10:]]
    mrz = parse_mrz(broken)
    assert mrz is not None and not mrz.valid
    assert "document_number" in mrz.failed_checks()
    assert mrz.lines[1][9] == "7"


def test_a_dropped_or_doubled_filler_is_fitted_back() -> None:
    short = parse_mrz([TD3[0], TD3[1].replace("B<<<<<1", "B<<<<1")])
    long = parse_mrz([TD3[0] + "<", TD3[1].replace("B<<<<<1", "B<<<<<<1")])
    for mrz in (short, long):
        assert mrz is not None and mrz.valid and mrz.text == "\n".join(TD3)


def test_text_that_is_no_mrz() -> None:
    assert parse_mrz(["TOTAL 12.50", "THANK YOU"]) is None
    assert not mrz_like("Machine Readable Zone (MRZ)")
    assert mrz_like(TD3[1]) and mrz_like("VIUSATRAVELER<<HAPPYPERSON<<<<<<<<<<<<<<<<<<")


# --- properties ---------------------------------------------------------------------------

LETTERS = string.ascii_uppercase
name_part = st.text(alphabet=LETTERS, min_size=1, max_size=8)
dates = st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2060, 12, 31))
FORMATS = {MrzFormat.TD1: "I", MrzFormat.TD2: "I", MrzFormat.TD3: "P", MrzFormat.MRVA: "V",
           MrzFormat.MRVB: "V"}  # fmt: skip


@st.composite
def documents(draw: st.DrawFn) -> tuple[MrzFormat, MrzFields]:
    fmt = draw(st.sampled_from(list(FORMATS)))
    state = draw(st.sampled_from(["NLD", "DEU", "FRA", "UTO", "CAN", "JPN"]))
    birth = draw(dates.filter(lambda d: d <= TODAY))
    expiry = draw(dates.filter(lambda d: d.year - TODAY.year < 50))
    number = draw(st.text(alphabet=LETTERS + string.digits, min_size=6, max_size=9))
    optional = draw(st.text(alphabet=LETTERS + string.digits, max_size=7))
    fields = MrzFields(
        document_code=FORMATS[fmt],
        issuing_state=state,
        surname=draw(name_part),
        given_names=" ".join(draw(st.lists(name_part, max_size=2))),
        document_number=number,
        nationality=state,
        birth_date=birth.strftime("%y%m%d"),
        sex=draw(st.sampled_from("MF<")),
        expiry_date=expiry.strftime("%y%m%d"),
        optional_data=optional,
    )
    return fmt, fields


@settings(max_examples=200, deadline=None)
@given(documents())
def test_a_generated_mrz_parses_back_to_its_fields(doc: tuple[MrzFormat, MrzFields]) -> None:
    fmt, f = doc
    lines = build_mrz(fmt, f)
    mrz = parse_mrz(lines)
    assert mrz is not None and mrz.format == fmt and mrz.valid
    assert mrz.lines == lines and mrz.repairs == []
    assert mrz.document_number == f.document_number
    assert mrz.surname == f.surname and mrz.given_names == f.given_names
    assert mrz.fields["birth_date"] == f.birth_date and mrz.fields["expiry_date"] == f.expiry_date
    assert mrz.issuing_state == f.issuing_state and mrz.sex == f.sex


def _value(c: str) -> int:
    return 0 if c == "<" else int(c) if c.isdigit() else ord(c) - 55


def _covered(fmt: MrzFormat) -> list[tuple[int, int]]:
    """Positions a check digit covers: fields with one, the composite, and the digits."""
    layout = LAYOUTS[fmt]
    spots = {(line, pos) for line, pos in layout.check_positions()}
    for spec in layout.fields:
        if spec.check is not None or (
            layout.composite_at and spec.kind.value != "alpha" and spec.name != "sex"
        ):
            spots |= {(spec.line, p) for p in range(spec.start, spec.end)}
    return sorted(spots)


@settings(max_examples=300, deadline=None)
@given(documents(), st.data())
def test_one_corrupted_character_is_caught_or_repaired(
    doc: tuple[MrzFormat, MrzFields], data: st.DataObject
) -> None:
    """OCR misreads one character a check digit covers: the result is flagged or right.

    The character may become any other of the alphabet whose value differs modulo 10
    (Doc 9303's check digits cannot see a change by a multiple of 10, as `0` to `A`),
    and it is the one OCR was unsure of.
    """
    fmt, f = doc
    lines = build_mrz(fmt, f)
    line, pos = data.draw(st.sampled_from(_covered(fmt)))
    original = lines[line][pos]
    new = data.draw(st.sampled_from(string.ascii_uppercase + string.digits + "<"))
    assume(new != original and (_value(new) - _value(original)) % 10 != 0)
    assume(
        all((_value(s) - _value(original)) % 10 != 0 or s == original for s in SWAPS.get(new, ""))
    )
    corrupted = list(lines)
    corrupted[line] = lines[line][:pos] + new + lines[line][pos + 1 :]
    confs = [[1.0] * len(x) for x in lines]
    confs[line][pos] = 0.5
    mrz = parse_mrz(corrupted, confidences=confs)
    assert mrz is not None
    assert (not mrz.valid) or mrz.lines == lines
