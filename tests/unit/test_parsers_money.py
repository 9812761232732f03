from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperclerk.parsers import CURRENCY_SYMBOLS, detect_currency, find_amounts, parse_amount


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("RM 9.00", "9.00"),
        ("$1,234.56", "1234.56"),
        ("€ 12,50", "12.50"),
        ("12.50-", "-12.50"),
        ("(12.50)", "-12.50"),
        ("-12.50", "-12.50"),
        ("-RM 3.00", "-3.00"),
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56", "1234.56"),
        ("1'234.50", "1234.50"),
        ("9.00 MYR", "9.00"),
        ("1.234", "1234"),
        ("0.125", "0.125"),
        ("12,5", "12.5"),
        ("RM9.00", "9.00"),
        ("9,00€", "9.00"),
        ("S$ 4.50", "4.50"),
        ("Rs. 1,20,000.00", "120000.00"),
        ("1O.5O", "10.50"),
        ("RM 9", "9"),
        ("12", "12"),
    ],
)
def test_parse_amount(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


def test_parse_amount_keeps_two_decimals() -> None:
    assert str(parse_amount("RM 9.00")) == "9.00"


@pytest.mark.parametrize("text", ["", "Total", "abc", "12/02/2018", "08:30:00"])
def test_parse_amount_none(text: str) -> None:
    assert parse_amount(text) is None


def _values(text: str) -> list[Decimal]:
    return [m.value for m in find_amounts(text)]


def test_find_amounts_skips_dates_times_ids() -> None:
    assert _values("Date: 12/02/2018 08:30:00 Total RM 12.50") == [Decimal("12.50")]
    assert _values("2018-02-12 TOTAL 9.00") == [Decimal("9.00")]
    assert _values("GST NO: 000800589824") == []
    assert _values("TEL:07-386 7524") == []
    assert _values("+49 30 1234567") == []
    assert _values("Qty 2 Unit 12.00") == [Decimal("12.00")]
    assert _values("GST 6% 0.54") == [Decimal("0.54")]
    assert _values("10.30am") == []


def test_find_amounts_positions_and_currency() -> None:
    text = "Total: RM 12.50 (RM 3.00) 9,00€"
    found = find_amounts(text)
    assert [m.value for m in found] == [Decimal("12.50"), Decimal("-3.00"), Decimal("9.00")]
    assert [m.currency for m in found] == ["MYR", "MYR", "EUR"]
    for m in found:
        assert text[m.start : m.end] == m.raw


def test_find_amounts_integer_needs_currency() -> None:
    assert _values("Qty 3 items") == []
    assert _values("Total € 1.234") == [Decimal("1234")]
    assert _values("12 EUR") == [Decimal("12")]


def test_find_amounts_tax_code_suffix() -> None:
    assert _values("1 x 3.50 = 3.50SR") == [Decimal("3.50"), Decimal("3.50")]


def test_find_amounts_rejects_glued_words() -> None:
    assert _values("A12.50 FORM 9.00") == [Decimal("9.00")]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Total RM 12.00", "MYR"),
        ("Summe 12,00 €", "EUR"),
        ("£5.00", "GBP"),
        ("$ 3.00", "USD"),
        ("S$ 4.50", "SGD"),
        ("$ 12.00 all prices in SGD", "SGD"),
        ("Rs. 120", "INR"),
        ("₹ 120", "INR"),
        ("CHF 12.00", "CHF"),
        ("¥1200", "JPY"),
        ("12,00 zł", "PLN"),
        ("Total 12.00", None),
        ("FORM RMA", None),
    ],
)
def test_detect_currency(text: str, code: str | None) -> None:
    assert detect_currency(text) == code


def test_currency_symbols_are_iso_codes() -> None:
    assert all(len(c) == 3 and c.isupper() for c in CURRENCY_SYMBOLS.values())


def _format(value: Decimal, style: str) -> str:
    sign = "-" if value < 0 else ""
    whole, frac = f"{abs(value):.2f}".split(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    thousands, dec = {
        "en": (",", "."),
        "de": (".", ","),
        "fr": ("\u00a0", ","),
        "fr-space": (" ", ","),
        "ch": ("'", "."),
        "plain": ("", "."),
    }[style]
    return f"{sign}{thousands.join(groups)}{dec}{frac}"


_money = st.decimals(
    min_value=Decimal("-9999999.99"), max_value=Decimal("9999999.99"), places=2
).filter(lambda d: d.is_finite())


@given(_money, st.sampled_from(["en", "de", "fr", "fr-space", "ch", "plain"]))
def test_roundtrip_locales(value: Decimal, style: str) -> None:
    assert parse_amount(_format(value, style)) == value


@given(_money, st.sampled_from(["RM", "€", "$", "EUR", "£"]), st.booleans())
def test_roundtrip_with_currency(value: Decimal, symbol: str, before: bool) -> None:
    text = _format(abs(value), "en")
    text = f"{symbol} {text}" if before else f"{text} {symbol}"
    found = find_amounts(f"Total {text}")
    assert [m.value for m in found] == [abs(value)]
    assert found[0].currency is not None


@given(st.text(max_size=40))
def test_never_crashes(text: str) -> None:
    parse_amount(text)
    find_amounts(text)


def test_adjacent_amounts_are_not_one_spaced_thousand() -> None:
    # "19,00% MwSt.: 376,37 71,51 447,88": net, VAT and gross side by side
    found = find_amounts("MwSt.: 376,37 71,51 447,88")
    assert [a.value for a in found] == [Decimal("376.37"), Decimal("71.51"), Decimal("447.88")]
    assert [a.value for a in find_amounts("1 234,56 EUR")] == [Decimal("1234.56")]
