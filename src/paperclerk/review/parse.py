"""Parse what a reviewer typed into a typed value, or say in words why it is not valid.

Typed input is held to a stricter standard than OCR text: an amount must look like an
amount, an IBAN or EU VAT id must pass its check digits, a date must be a real date.
The same functions serve the live checks while typing and the final check on approval.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from schwifty import IBAN
from stdnum import vatin

from paperclerk.model import FieldValue
from paperclerk.parsers import find_times, parse_amount, parse_date
from paperclerk.parsers.currency import currency_code
from paperclerk.review.schema import Kind

_AMOUNT = re.compile(r"^[+-]?(?:\d{1,3}(?:[.,' ]\d{3})+|\d+)(?:[.,]\d{1,4})?$")
_MONEY_PARTS = re.compile(r"\s*([^\d+-]*?)\s*([+-]?[\d.,' ]*\d)\s*(\D*?)\s*")
_VAT_PREFIX = re.compile(
    r"^(AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|XI|GB)"
)
_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?%?$")


@dataclass(frozen=True)
class Parsed:
    """A parsed value, or the message that says why the text is not valid."""

    value: FieldValue
    error: str | None = None


def parse_money(text: str) -> Parsed:
    """Parse an amount such as `12.50`, `1,234.00`, `-3,20` or `€ 9.99`."""
    parts = _MONEY_PARTS.fullmatch(text)
    affixes_ok = parts is not None and all(
        not a or currency_code(a) is not None for a in (parts.group(1), parts.group(3))
    )
    core = parts.group(2).strip() if parts is not None else ""
    negative = core.startswith("-")
    if not affixes_ok or not _AMOUNT.match(core):
        return Parsed(None, f"“{text}” is not an amount (e.g. 12.50)")
    value = parse_amount(core.lstrip("+-"))
    if value is None and re.fullmatch(r"\d+", core.lstrip("+-")):
        value = Decimal(core.lstrip("+-"))
    if value is None:
        return Parsed(None, f"“{text}” is not an amount (e.g. 12.50)")
    return Parsed(-value if negative else value)


def parse_day(text: str) -> Parsed:
    """Parse a date: ISO `2025-03-12` or as printed (`12/03/2025`, `12 Mar 2025`)."""
    t = text.strip()
    try:
        return Parsed(dt.date.fromisoformat(t))
    except ValueError:
        pass
    value = parse_date(t) if re.search(r"\d", t) else None
    if value is None:
        return Parsed(None, f"“{text}” is not a valid date (e.g. 2025-03-12)")
    return Parsed(value)


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


_PARSERS = {
    Kind.MONEY: parse_money,
    Kind.DATE: parse_day,
    Kind.TIME: parse_clock,
    Kind.NUMBER: parse_number,
    Kind.IBAN: parse_iban,
    Kind.TAX_ID: parse_tax_id,
    Kind.CURRENCY: parse_currency,
}


def parse_text(kind: Kind, text: str) -> Parsed:
    """Parse typed text of a field kind; empty text is the absent value None."""
    if not text.strip():
        return Parsed(None)
    parser = _PARSERS.get(kind)
    if parser is None:
        return Parsed(" ".join(text.split()))
    return parser(text)
