"""Issue 15 (fuzzing in CI): property tests over every text parser, bounded in time.

tests/unit/test_parsers_*.py and test_review_parse.py already fuzz short random text (40
characters) and round-trip locale amounts and printed dates; this file adds what they do
not cover: longer, OCR-shaped input built from the characters the regexes care about
(digits, separators, currency symbols, month names), a deadline on every example so a
catastrophic backtracking regex fails the run instead of hanging CI, the invariants of
each match (raw text at its offsets, in order, in range), and round trips for times,
currencies, IBANs and every kind of value a reviewer types.

Every test runs at most `EXAMPLES` examples, each within `DEADLINE_MS`; the whole set
stays well under a minute on two cores.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schwifty import IBAN

from paperclerk.model import DocType
from paperclerk.model.fields import value_text
from paperclerk.parsers import (
    CURRENCY_SYMBOLS,
    detect_currency,
    find_amounts,
    find_dates,
    find_ibans,
    find_phones,
    find_times,
    find_vat_ids,
    loose_text,
    parse_amount,
    parse_date,
    same_loose_text,
)
from paperclerk.parsers.currency import ISO_CODES, currency_code
from paperclerk.parsers.dates import _FULL as MONTH_NAMES
from paperclerk.parsers.dates import MAX_YEAR, MIN_YEAR, month_number
from paperclerk.parsers.money import normalise_number
from paperclerk.review.hints import Hints
from paperclerk.review.parse import Parsed, parse_field, parse_text
from paperclerk.review.schema import KINDS, Kind

DEADLINE_MS = 500
EXAMPLES = 150
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=DEADLINE_MS,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=False,
)

CODES = ISO_CODES | frozenset(CURRENCY_SYMBOLS.values())

# Pieces OCR text is made of: what the parsers' regexes branch on, so that random
# concatenations reach deep into them (and into any backtracking).
_PIECES = st.sampled_from(
    [
        *"0123456789",
        *".,'’/:-−–()% \u00a0\u202f\t",
        "00", "12", "2018", "1.234", "1,234.56", "12,50", "9.00", "31", "12:30", "10.30",
        "am", "PM", "h", "x", "O", "l", "I", "SR",
        "€", "$", "RM", "EUR", "S$", "Rs.", "kr", "BHD", "SDN BHD",
        "Dec", "März", "janvier", "de", "1er", "th", "Mei",
        "GST NO:", "SST ID:", "DE", "FR", "GB", "CHE", "TVA", "IBAN", "DE89",
        "Tel", "+", "(0)", "+49 30", "Total",
    ]
)  # fmt: skip
ocr_text = st.one_of(
    st.lists(_PIECES, max_size=60).map("".join),
    st.text(max_size=200),
    # long runs of one shape: the classic trigger of regex blow-ups
    st.tuples(_PIECES, st.integers(1, 600)).map(lambda p: p[0] * p[1]),
)


def _check_spans(text: str, matches: list) -> None:  # type: ignore[type-arg]
    last_end = 0
    for m in matches:
        assert 0 <= m.start <= m.end <= len(text)
        assert text[m.start : m.end] == m.raw
        assert m.start >= last_end  # in order, no overlaps
        last_end = m.end


# ----------------------------------------------------------------------------- money


@FUZZ
@given(ocr_text)
def test_amounts_in_any_text_are_finite_and_where_they_were_read(text: str) -> None:
    found = find_amounts(text)
    for m in found:
        assert isinstance(m.value, Decimal) and m.value.is_finite()
        assert m.currency is None or m.currency in CODES
        assert text[m.start : m.end] == m.raw
    assert [m.start for m in found] == sorted(m.start for m in found)
    value = parse_amount(text)
    assert value is None or (isinstance(value, Decimal) and value.is_finite())


@FUZZ
@given(st.text(alphabet="0123456789.,' \u00a0/:-", max_size=60))
def test_normalise_number_gives_a_finite_value_or_none(token: str) -> None:
    parsed = normalise_number(token)
    if parsed is not None:
        value, has_decimals = parsed
        assert value.is_finite() and value >= 0
        assert isinstance(has_decimals, bool)


_cents = st.decimals(
    min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2, allow_nan=False
)


@FUZZ
@given(_cents, st.sampled_from(["Total", "TOTAL:", "Amount due", "Betrag"]))
def test_formatted_amount_in_a_labelled_line_reads_back(value: Decimal, label: str) -> None:
    for printed in (f"{value:,.2f}", f"{value:.2f}", f"{value:.2f}".replace(".", ",")):
        assert parse_amount(f"{label} {printed}") == value, printed
        found = find_amounts(f"{label} {printed} EUR")
        assert [(m.value, m.currency) for m in found] == [(value, "EUR")], printed


# ----------------------------------------------------------------------- dates, times


@FUZZ
@given(ocr_text, st.booleans())
def test_dates_in_any_text_are_real_dates_in_range(text: str, dayfirst: bool) -> None:
    found = find_dates(text, dayfirst)
    _check_spans(text, found)
    for d in found:
        assert MIN_YEAR <= d.value.year <= MAX_YEAR
    first = parse_date(text, dayfirst)
    assert first == (found[0].value if found else None)


@FUZZ
@given(st.dates(min_value=dt.date(MIN_YEAR, 1, 1), max_value=dt.date(MAX_YEAR, 12, 31)))
def test_an_iso_date_parses_to_itself_in_any_order_and_context(value: dt.date) -> None:
    iso = value.isoformat()
    for dayfirst in (True, False):
        assert parse_date(iso, dayfirst) == value
        assert parse_date(f"Date: {iso} 14:05", dayfirst) == value
    found = find_dates(f"Invoice {iso}")
    assert [(d.value, d.raw) for d in found] == [(value, iso)]


@FUZZ
@given(st.sampled_from(sorted(MONTH_NAMES)))
def test_every_month_name_is_its_month(name: str) -> None:
    month = month_number(name)
    assert month is not None and 1 <= month <= 12
    assert month_number(name.upper()) == month and month_number(name + ".") == month


@FUZZ
@given(ocr_text)
def test_times_in_any_text_are_valid_and_where_they_were_read(text: str) -> None:
    found = find_times(text)
    _check_spans(text, found)
    for t in found:
        assert isinstance(t.value, dt.time)


@FUZZ
@given(st.times().map(lambda t: t.replace(microsecond=0)))
def test_printed_times_read_back(value: dt.time) -> None:
    hm = value.replace(second=0)
    assert [t.value for t in find_times(value.strftime("%H:%M:%S"))] == [value]
    assert [t.value for t in find_times(f"Time {value.strftime('%H:%M')}")] == [hm]
    twelve = f"{hm.hour % 12 or 12}:{hm.minute:02d} {'PM' if hm.hour >= 12 else 'AM'}"
    assert [t.value for t in find_times(twelve)] == [hm], twelve


# ------------------------------------------------------------ currencies, text, ids


@FUZZ
@given(ocr_text)
def test_detected_currency_is_a_known_code(text: str) -> None:
    code = detect_currency(text)
    assert code is None or code in CODES


@FUZZ
@given(st.sampled_from(sorted(ISO_CODES)), st.sampled_from(sorted(CURRENCY_SYMBOLS)))
def test_currency_codes_and_symbols_read_back(code: str, symbol: str) -> None:
    assert currency_code(code) == code and currency_code(code.lower()) == code
    assert currency_code(f" {symbol} ") == CURRENCY_SYMBOLS[symbol]
    assert detect_currency(f"Total {code} 12.00") == code


@FUZZ
@given(st.text(max_size=200), st.text(max_size=50))
def test_loose_text_is_idempotent_and_equal_to_itself(a: str, b: str) -> None:
    assert loose_text(loose_text(a)) == loose_text(a)
    assert same_loose_text(a, a) and same_loose_text(a, b) == same_loose_text(b, a)


@FUZZ
@given(ocr_text)
def test_ids_and_phones_in_any_text(text: str) -> None:
    for iban in find_ibans(text):
        assert iban == iban.upper() and " " not in iban and 15 <= len(iban) <= 34
        assert str(IBAN(iban).compact) == iban
    assert all(isinstance(v, str) and v for v in find_vat_ids(text))
    for phone in find_phones(text):
        assert phone in text


def _german_iban(bban: str) -> str:
    check = 98 - int(bban + "131400") % 97  # D=13, E=14, then "00"
    return f"DE{check:02d}{bban}"


@FUZZ
@given(st.text(alphabet="0123456789", min_size=18, max_size=18), st.sampled_from([" ", "-", ""]))
def test_a_printed_iban_reads_back_compact(bban: str, sep: str) -> None:
    iban = _german_iban(bban)
    grouped = sep.join(iban[i : i + 4] for i in range(0, len(iban), 4))
    assert find_ibans(f"IBAN: {grouped}") == [iban]
    if sep != "-":  # a reviewer types the IBAN as printed on paper: groups of four
        assert parse_text(Kind.IBAN, grouped.lower()).value == iban


# ------------------------------------------------------- values typed by a reviewer

_TYPES: dict[Kind, tuple[type, ...]] = {
    Kind.TEXT: (str,),
    Kind.MONEY: (Decimal,),
    Kind.DATE: (dt.date,),
    Kind.TIME: (dt.time,),
    Kind.NUMBER: (Decimal,),
    Kind.CURRENCY: (str,),
    Kind.IBAN: (str,),
    Kind.TAX_ID: (str,),
}
_hints = st.one_of(
    st.none(),
    st.builds(
        Hints,
        doc_type=st.sampled_from([None, *DocType]),
        day_first=st.sampled_from([None, True, False]),
        currency=st.sampled_from([None, "EUR", "USD", "KWD", "BHD"]),
    ),
)


def _check_parsed(kind: Kind, parsed: Parsed) -> None:
    assert isinstance(parsed, Parsed)
    if parsed.error is not None:
        assert parsed.value is None and isinstance(parsed.error, str) and parsed.error
    elif parsed.value is not None:
        assert isinstance(parsed.value, _TYPES[kind]), (kind, parsed.value)
        if isinstance(parsed.value, Decimal):
            assert parsed.value.is_finite()
    assert parsed.currency is None or parsed.currency in CODES


@FUZZ
@given(st.sampled_from(list(Kind)), ocr_text, _hints)
def test_typed_text_gives_a_typed_value_or_a_message(
    kind: Kind, text: str, hints: Hints | None
) -> None:
    _check_parsed(kind, parse_text(kind, text, hints))


@FUZZ
@given(st.sampled_from(sorted(KINDS)), ocr_text, _hints)
def test_typed_field_gives_a_typed_value_or_a_message(
    name: str, text: str, hints: Hints | None
) -> None:
    _check_parsed(KINDS[name], parse_field(name, text, hints))


@FUZZ
@given(
    st.decimals(min_value=Decimal("-99999999.99"), max_value=Decimal("99999999.99"), places=2),
    st.dates(min_value=dt.date(MIN_YEAR, 1, 1), max_value=dt.date(MAX_YEAR, 12, 31)),
    st.times().map(lambda t: t.replace(microsecond=0)),
    st.sampled_from(sorted(ISO_CODES)),
)
def test_what_the_form_shows_parses_back_to_the_value(
    amount: Decimal, day: dt.date, clock: dt.time, code: str
) -> None:
    # value_text is what the review form shows; typing it back must not change the value
    for kind, value in (
        (Kind.MONEY, amount),
        (Kind.NUMBER, amount),
        (Kind.DATE, day),
        (Kind.TIME, clock),
        (Kind.CURRENCY, code),
    ):
        parsed = parse_text(kind, value_text(value))
        assert parsed.error is None and parsed.value == value, (kind, value_text(value))


# ------------------------------------------------- long lines: linear time, no crash

_ALL_PARSERS: list[Callable[[str], object]] = [
    find_amounts, parse_amount, find_dates, find_times, find_ibans, find_vat_ids,
    find_phones, detect_currency, *(lambda t, k=k: parse_text(k, t) for k in Kind),
]  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "1" * 5000,  # str(int(...)) refuses over 4300 digits: was a ValueError
        "1" * 5000 + ".50",
        "1 " * 4000,  # price-parser fallback and the letter-before search were quadratic
        "a1" * 4000,
        "(0)" * 2500,
        "12 Dec " * 1000,
        "DE89 " * 400,  # every VAT candidate is checked by stdnum: slower per character
        "x1.00 " * 1000,
    ],
    ids=lambda t: f"{t[:6]!r}x{len(t)}",
)
def test_a_long_line_is_parsed_quickly_by_every_parser(text: str) -> None:
    for parse in _ALL_PARSERS:
        start = time.perf_counter()
        parse(text)
        assert time.perf_counter() - start < 2.0, parse
