"""Parse what a reviewer typed into a typed value, or say in words why it is not valid.

Typed input is held to a stricter standard than OCR text: an amount must look like an
amount with at most two decimals (a total never negative on a receipt or invoice), an IBAN
or EU VAT id must pass its check digits, a date must be a real date and never one read in
a day order the document does not confirm (`08/03/2014`). The same functions serve the
live checks while typing and the final check on approval.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from schwifty import IBAN
from stdnum import vatin

from paperclerk.model import DocType, FieldValue
from paperclerk.parsers import find_dates, find_times, parse_amount
from paperclerk.parsers.currency import currency_code
from paperclerk.review.display import date_text
from paperclerk.review.hints import NUMERIC_DATE, Hints
from paperclerk.review.schema import Kind, kind_of

_AMOUNT = re.compile(r"^[+-]?(?:\d{1,3}(?:[.,' ]\d{3})+|\d+)(?:[.,]\d{1,4})?$")
_MONEY_PARTS = re.compile(r"\s*([^\d+-]*?)\s*([+-]?[\d.,' ]*\d)\s*(\D*?)\s*")
_VAT_PREFIX = re.compile(
    r"^(AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|XI|GB)"
)
_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?%?$")
_LONE_GROUP = re.compile(r"\d{1,3}[.,]\d{3}")
"""One separator and three digits: decimals, or a thousands group (`12.505`)."""
_NO_GROUPS = "write thousands without a separator, e.g. 12505"
MAX_PLACES = 2
"""Decimals an amount may have; more is a typing error (`12.505`), not a price."""
THREE_PLACE_CURRENCIES = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})
"""ISO 4217 currencies whose minor unit has three decimals (fils, baisa, millimes)."""
PRICE_PLACES = 4
"""Decimals a unit price may have (fuel by the litre, goods by the gram)."""
PRICE_FIELDS = frozenset({"unit_price"})
TOTAL_FIELDS = frozenset({"total", "subtotal", "total_tax", "amount_due"})
"""Amounts that cannot be negative on a receipt or an invoice (a credit note is its own
document); line amounts, discounts and rounding can."""
NON_NEGATIVE_TYPES = frozenset({DocType.RECEIPT, DocType.INVOICE})


@dataclass(frozen=True)
class Parsed:
    """A parsed value, or the message that says why the text is not valid.

    `currency` is the ISO code of a currency written with an amount (`RM 12.50` → MYR).
    """

    value: FieldValue
    error: str | None = None
    currency: str | None = None


def _places(value: Decimal) -> int:
    """Return the number of decimals written in a Decimal (`12.50` → 2, `12` → 0)."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def parse_money(text: str, max_places: int = MAX_PLACES) -> Parsed:
    """Parse an amount such as `12.50`, `1,234.00`, `-3,20` or `€ 9.99`.

    More than `max_places` decimals are refused (three for a currency written with it
    that has three, such as KWD), since `12.505` is a slip of the finger, not an amount.
    """
    parts = _MONEY_PARTS.fullmatch(text)
    affixes = (parts.group(1), parts.group(3)) if parts is not None else ()
    codes = [currency_code(a) for a in affixes if a]
    affixes_ok = parts is not None and None not in codes
    core = parts.group(2).strip() if parts is not None else ""
    negative = core.startswith("-")
    if not affixes_ok or not _AMOUNT.match(core):
        return Parsed(None, f"“{text}” is not an amount (e.g. 12.50)")
    currency = next((c for c in codes if c), None)
    if currency in THREE_PLACE_CURRENCIES:
        max_places = max(max_places, 3)
    digits = core.lstrip("+-")
    if _LONE_GROUP.fullmatch(digits):
        # `12.505` is three decimals or twelve thousand: never read silently as thousands
        if max_places < 3:
            return Parsed(None, f"“{text}”: at most {max_places} decimals ({_NO_GROUPS})")
        value: Decimal | None = Decimal(digits.replace(",", "."))
    else:
        value = parse_amount(digits)
    if value is None and re.fullmatch(r"\d+", digits):
        value = Decimal(digits)
    if value is None:
        return Parsed(None, f"“{text}” is not an amount (e.g. 12.50)")
    if _places(value) > max_places:
        return Parsed(None, f"“{text}”: at most {max_places} decimals")
    return Parsed(-value if negative else value, currency=currency)


def parse_day(text: str, day_first: bool | None = None) -> Parsed:
    """Parse a date: ISO `2025-03-12`, with a month name or as printed (`25/03/2025`).

    A numeric date whose day and month are both 12 or less (`08/03/2014`) is read in the
    order `day_first` gives (the document's, see `review.hints`); when it is None such a
    date is refused with both readings. Dates written with dots (`08.03.2014`) are day
    first: no country writes the month first with dots.
    """
    t = text.strip()
    try:
        return Parsed(dt.date.fromisoformat(t))
    except ValueError:
        pass
    found = find_dates(t, dayfirst=day_first is not False) if re.search(r"\d", t) else []
    if not found:
        return Parsed(None, f"“{text}” is not a valid date (e.g. 2025-03-12)")
    layout = NUMERIC_DATE.fullmatch(found[0].raw)
    if layout is not None and layout.group(2) == ".":
        return Parsed(find_dates(found[0].raw, dayfirst=True)[0].value)
    if layout is not None and day_first is None:
        a, b = int(layout.group(1)), int(layout.group(3))
        if a != b and a <= 12 and b <= 12:
            days = find_dates(found[0].raw, dayfirst=True)[0].value
            months = find_dates(found[0].raw, dayfirst=False)[0].value
            return Parsed(
                None,
                f"ambiguous date: {date_text(days)} or {date_text(months)}? "
                f"write it as {days.isoformat()}",
            )
    return Parsed(found[0].value)


def parse_clock(text: str) -> Parsed:
    """Parse a time of day such as `14:05` or `2:05 pm`."""
    found = find_times(text.strip())
    if not found:
        return Parsed(None, f"“{text}” is not a time (e.g. 14:05)")
    return Parsed(found[0].value)


def parse_number(text: str) -> Parsed:
    """Parse a quantity or rate such as `2`, `0.5` or `19%`."""
    t = text.strip().replace(",", ".")
    if not _NUMBER.match(t):
        return Parsed(None, f"“{text}” is not a number")
    try:
        value = Decimal(t.rstrip("%"))
    except InvalidOperation:
        return Parsed(None, f"“{text}” is not a number")
    return Parsed(value)


def parse_iban(text: str) -> Parsed:
    """Parse an IBAN; its check digits and country length must be right."""
    try:
        return Parsed(str(IBAN(text.strip()).compact))
    except ValueError:
        return Parsed(None, f"“{text}” is not a valid IBAN (check digits fail)")


def parse_tax_id(text: str) -> Parsed:
    """Parse a tax id; an EU/UK VAT id (country prefix) must pass its check digits."""
    compact = re.sub(r"[\s.\-]", "", text.strip().upper())
    if _VAT_PREFIX.match(compact) and len(compact) > 4:
        try:
            ok = bool(vatin.is_valid(compact))
        except Exception:  # stdnum raises assorted errors for odd input
            ok = False
        if not ok:
            return Parsed(None, f"“{text}” is not a valid VAT id (check digits fail)")
        return Parsed(compact)
    return Parsed(text.strip())


def parse_currency(text: str) -> Parsed:
    """Parse a currency as an ISO 4217 code (`EUR`) or a symbol (`€`)."""
    code = currency_code(text.strip())
    if code is None:
        return Parsed(None, f"“{text}” is not a currency (e.g. EUR)")
    return Parsed(code)


_PARSERS: dict[Kind, Callable[[str], Parsed]] = {
    Kind.MONEY: parse_money,
    Kind.TIME: parse_clock,
    Kind.NUMBER: parse_number,
    Kind.IBAN: parse_iban,
    Kind.TAX_ID: parse_tax_id,
    Kind.CURRENCY: parse_currency,
}


def parse_text(kind: Kind, text: str, hints: Hints | None = None) -> Parsed:
    """Parse typed text of a field kind; empty text is the absent value None.

    `hints` tell how the document writes dates (see `parse_day`); without them an
    ambiguous numeric date is refused.
    """
    if not text.strip():
        return Parsed(None)
    if kind == Kind.DATE:
        return parse_day(text, hints.day_first if hints else None)
    parser = _PARSERS.get(kind)
    if parser is None:
        # spaces collapse, line breaks stay: a description over two lines is not one line
        lines = (" ".join(line.split()) for line in text.splitlines())
        return Parsed("\n".join(line for line in lines if line))
    return parser(text)


def parse_field(name: str, text: str, hints: Hints | None = None) -> Parsed:
    """Parse the text typed for field (or line-item column) `name` of a document.

    On top of `parse_text`: a unit price may have up to `PRICE_PLACES` decimals, an amount
    in a three-decimal currency (the document's, or the one typed with it) three, and a
    total of a receipt or an invoice (`TOTAL_FIELDS`) cannot be negative.
    """
    kind = kind_of(name)
    if kind != Kind.MONEY or not text.strip():
        return parse_text(kind, text, hints)
    places = PRICE_PLACES if name in PRICE_FIELDS else MAX_PLACES
    if hints is not None and hints.currency in THREE_PLACE_CURRENCIES:
        places = max(places, 3)
    parsed = parse_money(text, places)
    negative = isinstance(parsed.value, Decimal) and parsed.value < 0
    if negative and name in TOTAL_FIELDS and hints and hints.doc_type in NON_NEGATIVE_TYPES:
        return Parsed(None, "a total cannot be negative")
    return parsed
