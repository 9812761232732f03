"""Money amounts in OCR text: ``1.234,56``, ``RM 9.00``, ``(12.50)``, ``9,00€``...

How a number is read (the rule for ``.`` and ``,``):

* When both separators appear, the last one is the decimal separator (``1.234,56``,
  ``1,234.56``); the other one must group digits by three.
* When only one kind appears once and it is followed by one or two digits it is the decimal
  separator (``12,50``, ``9.5``).
* When it is followed by exactly three digits and the part before it is 1-3 digits and not
  ``0`` (``1.234``, ``12,500``) it is read as a thousands separator, i.e. an integer
  (``1.234`` → 1234).  This is the "no other evidence" case; ``0.125`` stays a decimal.
* A separator that appears twice or more (``1.234.567``) is always a thousands separator.
* Indian lakh grouping (``1,20,000.00``) is accepted as well.
* Spaces, no-break spaces and apostrophes group thousands (``1 234,56``, ``1'234.50``); a
  plain space only when every group after it has three digits.

``find_amounts`` returns numbers with decimals, or integers only when a currency symbol or
code is attached, so that quantities, dates, times, phone numbers and ids are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from price_parser import Price

from paperclerk.parsers.currency import CURRENCY_PATTERN, currency_code


@dataclass(frozen=True)
class AmountMatch:
    """One amount found in a line: its value, the text it came from and where."""

    value: Decimal
    raw: str
    start: int
    end: int
    currency: str | None


# A run of digits with separators inside; '/', ':' and '-' between digits are taken in as
# well so that dates, times and ranges form one token that is then thrown away whole.
_NUM = r"\d(?:[\d.,'’/:\u00a0\u202f]|-(?=\d)| (?=\d{3}(?: \d{3})*(?:,\d{1,2})?(?![\d.,])))*\d|\d"
_TOKEN_RE = re.compile(
    # spaces only after "(": a bare leading \s* tried every run of blanks to its end (quadratic)
    rf"(?:(?P<open>\()\s*)?(?P<sign1>[-−–])?"
    rf"(?:(?P<cur1>{CURRENCY_PATTERN})\s?(?P<sign2>[-−])?\s?)?"
    rf"(?P<num>{_NUM})"
    rf"(?:\s?(?P<cur2>{CURRENCY_PATTERN}))?"
    rf"(?P<sign3>-(?!\d))?(?P<close>\))?"
)
_MAX_INT_DIGITS = 10
_LETTER_BEFORE = re.compile(r"[^\W\d_]+$")
_LETTER_AFTER = re.compile(r"^[^\W\d_]+")
# Short tax codes printed right after an amount on receipts (``9.00SR``, ``4.50Z``).
_TAX_CODE = re.compile(r"^(?:[A-Z]{1,2}|SR|ZR|TX)$")


def _group_ok(groups: list[str]) -> bool:
    """Check thousands groups: ``1``-``999`` then 3-digit groups, or Indian ``1,20,000``."""
    if not groups or not 1 <= len(groups[0]) <= 3:
        return False
    if all(len(g) == 3 for g in groups[1:]):
        return True
    return len(groups[-1]) == 3 and all(len(g) == 2 for g in groups[1:-1])


def normalise_number(num: str) -> tuple[Decimal, bool] | None:
    """Read a number token by the rule in the module docstring.

    Returns (value, has_decimals) or None when the token is not a well-formed number.
    """
    if any(c in num for c in "/:-"):
        return None
    s = re.sub(r"[\s'’\u00a0\u202f]", " ", num)
    seps = [c for c in s if c in ".,"]
    decimal_sep: str | None = None
    if seps:
        last = seps[-1]
        tail = s[s.rfind(last) + 1 :]
        if len(set(seps)) == 2:
            if seps.count(last) > 1:
                return None
            decimal_sep = last
        elif len(seps) == 1:
            head = s[: s.rfind(last)].replace(" ", "")
            three = len(tail) == 3 and 1 <= len(head) <= 3 and head != "0" and " " not in s
            if len(tail) in (1, 2) or not three:
                decimal_sep = last
    int_part, frac = s, ""
    if decimal_sep is not None:
        int_part, frac = s[: s.rfind(decimal_sep)], s[s.rfind(decimal_sep) + 1 :]
        if not frac.isdigit() or len(frac) > 3:
            return None
    groups = re.split(r"[ .,]", int_part)
    if len(groups) > 1 and not _group_ok(groups):
        return None
    digits = "".join(groups)
    if not digits.isdigit():
        return None
    try:
        value = Decimal(f"{digits}.{frac}" if frac else digits)
    except InvalidOperation:
        return None
    return value, bool(frac)


def _context_ok(text: str, start: int, end: int, has_currency: bool, has_decimals: bool) -> bool:
    """Reject tokens glued to words (``A12.50``, ``10.30am``) or followed by ``%``."""
    # two characters tell a lone "x" from a word; searching the whole prefix was quadratic
    before = _LETTER_BEFORE.search(text[max(0, start - 2) : start])
    if before and not (before.group(0) in ("x", "X") and len(before.group(0)) == 1):
        return False
    after = _LETTER_AFTER.search(text[end:])
    if after and (
        has_currency
        or not has_decimals
        or not _TAX_CODE.match(after.group(0))
        or after.group(0) in ("AM", "PM")
    ):
        return False
    rest = text[end:].lstrip()
    return not rest.startswith("%")


def _pieces(text: str, start: int, end: int, allow_integers: bool) -> list[AmountMatch]:
    """Scan the space-separated pieces of a number token that is no number as a whole."""
    out: list[AmountMatch] = []
    for piece in re.finditer(r"\S+", text[start:end]):
        at = start + piece.start()
        for a in _scan(piece.group(0), allow_integers):
            out.append(AmountMatch(a.value, a.raw, a.start + at, a.end + at, a.currency))
    return out


def _scan(text: str, allow_integers: bool) -> list[AmountMatch]:
    """Find amount tokens; integers are kept only with a currency unless allowed."""
    out: list[AmountMatch] = []
    for m in _TOKEN_RE.finditer(text):
        parsed = normalise_number(m.group("num"))
        if parsed is None:
            if " " in m.group("num"):  # "71,51 447,88": two amounts, not a spaced thousand
                out += _pieces(text, m.start("num"), m.end("num"), allow_integers)
            continue
        value, has_decimals = parsed
        cur_tok = m.group("cur1") or m.group("cur2")
        currency = currency_code(cur_tok) if cur_tok else None
        if not has_decimals and currency is None and not allow_integers:
            continue
        # digits counted without str(int(...)): Python refuses over 4300 digits
        if not has_decimals and value.adjusted() + 1 > _MAX_INT_DIGITS:
            continue
        start, end = m.start(), m.end()
        start += len(text[start:end]) - len(text[start:end].lstrip())
        if not _context_ok(text, start, end, currency is not None, has_decimals):
            continue
        negative = bool(m.group("sign1") or m.group("sign2") or m.group("sign3"))
        if m.group("open") and m.group("close"):
            negative = True
        elif m.group("open"):
            start = m.start("num") if not m.group("cur1") else m.start("cur1")
        elif m.group("close"):
            end = m.end("num") if not m.group("cur2") else m.end("cur2")
        start += len(text[start:end]) - len(text[start:end].lstrip())
        raw = text[start:end].rstrip()
        out.append(
            AmountMatch(-value if negative else value, raw, start, start + len(raw), currency)
        )
    return out


def find_amounts(text: str) -> list[AmountMatch]:
    """Return every money amount in a line of text, in order.

    Amounts need decimals (``12.50``) or an attached currency (``RM 9``, ``12 €``); dates,
    times, percentages, phone numbers and long ids are not amounts.
    """
    return _scan(text, allow_integers=False)


# An amount whose decimal point OCR read as '-', ':' or ';' ("TOTAL 52-00"), not part of a
# date, time range or longer number.
_MISREAD_POINT = re.compile(r"(?<![\d.,:;/-])(\d{1,6})[-:;](\d{2})(?![\d:;/.,-])")


def find_misread_point_amounts(text: str) -> list[AmountMatch]:
    """Return amounts whose decimal point OCR read as '-', ':' or ';' ("TOTAL 52-00").

    Only where no ordinary amount overlaps; a caller decides how far to trust them, since
    "12-30" may as well be a range or a time.
    """
    found = find_amounts(text)
    out: list[AmountMatch] = []
    for m in _MISREAD_POINT.finditer(text):
        if any(f.start < m.end() and m.start() < f.end for f in found):
            continue
        value = Decimal(f"{m.group(1)}.{m.group(2)}")
        if value > 0:
            out.append(AmountMatch(value, m.group(0), m.start(), m.end(), None))
    return out


_PRICE_PARSER_MAX = 200
"""Longest text handed to price-parser, the last resort (a cell is far shorter)."""
_OCR_DIGIT_FIX = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1"})


def parse_amount(text: str) -> Decimal | None:
    """Parse one amount from a short string (a table cell, the value next to "Total").

    Prefers an amount with decimals or currency, then a plain integer (``1.234`` → 1234),
    then tries OCR letter/digit confusions (``1O.5O``) and finally price-parser.
    """
    fixed = re.sub(
        r"(?<=[\d.,])[OolI]+|[OolI]+(?=[\d.,]*\d)",
        lambda m: m.group(0).translate(_OCR_DIGIT_FIX),
        text,
    )
    for candidate, allow_integers in ((text, False), (fixed, False), (text, True)):
        found = _scan(candidate, allow_integers=allow_integers)
        if found:
            return found[0].value
    if re.search(r"\d[/:]\d|\d-\d", text) or len(text) > _PRICE_PARSER_MAX:
        return None  # price-parser's regexes take quadratic time on long digit runs
    price = Price.fromstring(text)
    amount: Decimal | None = price.amount
    return amount
