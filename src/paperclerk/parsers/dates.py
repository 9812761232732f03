"""Dates in OCR text: numeric (``25/12/2018``, ``2018-12-25``) and with month names.

Month names are recognised in English, German, French, Spanish, Italian, Dutch, Portuguese,
Polish and Malay, in full or as an unambiguous prefix of at least three letters (``Dec``,
``Mär``, ``janv.``, ``Ogos``).  Two-digit years are read as 19xx from 70 on, else 20xx; only
years 1990..2100 are accepted so that amounts and ids are not taken for dates. Inside a
numeric date's shape, letters OCR reads for digits (`27/03/2O18`, `27/03/20l8`) count as
those digits, a tilde in a dashed date as a dash (`05-05~18`), and a time OCR glued to the
date is no part of it (`2018-03-1813:18:48`, `19-03-201818:08`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class DateMatch:
    """One date found in a line: its value, the text it came from and where."""

    value: dt.date
    raw: str
    start: int
    end: int


MIN_YEAR = 1990
MAX_YEAR = 2100

_MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("january", "januar", "janner", "janvier", "enero", "gennaio", "januari", "janeiro",
        "styczen", "stycznia"),
    2: ("february", "februar", "fevrier", "febrero", "febbraio", "februari", "fevereiro",
        "luty", "lutego"),
    3: ("march", "marz", "maerz", "mars", "marzo", "maart", "marco", "marzec", "marca", "mac",
        "mrt"),
    4: ("april", "avril", "abril", "aprile", "kwiecien", "kwietnia"),
    5: ("may", "mai", "mayo", "maggio", "mei", "maio", "maj", "maja"),
    6: ("june", "juni", "juin", "junio", "giugno", "junho", "czerwiec", "czerwca", "jun"),
    7: ("july", "juli", "juillet", "julio", "luglio", "julho", "lipiec", "lipca", "julai",
        "jul"),
    8: ("august", "aout", "agosto", "augustus", "sierpien", "sierpnia", "ogos"),
    9: ("september", "septembre", "septiembre", "setiembre", "settembre", "setembro",
        "wrzesien", "wrzesnia", "sept"),
    10: ("october", "oktober", "octobre", "octubre", "ottobre", "outubro", "pazdziernik",
         "pazdziernika"),
    11: ("november", "novembre", "noviembre", "novembro", "listopad", "listopada"),
    12: ("december", "dezember", "decembre", "diciembre", "dicembre", "dezembro", "grudzien",
         "grudnia", "disember"),
}  # fmt: skip

_FULL: dict[str, int] = {name: m for m, names in _MONTH_NAMES.items() for name in names}


def _fold(word: str) -> str:
    """Lower-case and strip accents (``März`` → ``marz``, ``août`` → ``aout``)."""
    decomposed = unicodedata.normalize("NFKD", word.lower().replace("ł", "l"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def month_number(word: str) -> int | None:
    """Return 1..12 for a month name or an unambiguous 3+ letter prefix of one, else None."""
    w = _fold(word.rstrip("."))
    if w in _FULL:
        return _FULL[w]
    if len(w) < 3:
        return None
    months = {m for name, m in _FULL.items() if name.startswith(w)}
    return months.pop() if len(months) == 1 else None


_MON = r"(?P<mon>[^\W\d_]{3,13})\.?"
_SEP = r"[\s\-/.,]*"
_YEAR = r"(?P<year>\d{4}|\d{2}(?!\s*,?\s*\d{4}))(?![\d:]|[.,]\d)"
_PATTERNS: tuple[re.Pattern[str], ...] = (
    # 2018-12-25, 2018/12/25, 2018.12.25 (and "2018-03-1813:18:48", a time glued to the day)
    # after a short number and a dash too ("001-2016-07-31"), not after a word's ("INV-2018-…")
    re.compile(r"(?<![\d.,/])(?<![^\W\d_]-)(?<!\d{4}-)"
               r"(?P<year>\d{4})(?P<s>[-/.])(?P<b>\d{1,2})(?P=s)"
               r"(?P<c>\d{1,2}(?=\d{1,2}:\d{2}(?!\d))|\d{1,2}(?![\d]|[.,]\d))"),
    # 25/12/2018, 25-12-18, 25.12.2018, 25/12 2018
    # (a time glued to the year, as OCR reads "19-03-2018 18:08", or after a dash, is allowed)
    re.compile(r"(?<![\d.,/-])(?P<a>\d{1,2})(?P<s>[-/.])(?P<b>\d{1,2})(?P=s)"
               r"(?P<year>\d{4}(?=-?\d{1,2}:\d{2})|(?:\d{4}|\d{2})(?![\d:/]|[.,]\d|-\d))"),
    # #19-18/03/2018: a slashed date after a number and a dash (a till's number, then the date)
    re.compile(r"(?<=\d-)(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<year>\d{4})(?![\d/]|[.,]\d)"),
    # 25 / 12 / 2018 (OCR puts spaces around slashes)
    re.compile(r"(?<![\d.,/-])(?P<a>\d{1,2}) ?/ ?(?P<b>\d{1,2}) ?/ ?"
               r"(?P<year>\d{4}|\d{2})(?![\d:/]|[.,]\d|-\d)"),
    # 12 Dec 2018, 25DEC2018, 25-Dec-18, 12. März 2018, 1er janvier 2019, 5 de mayo de 2018
    re.compile(r"(?<![\d.,])(?P<a>\d{1,2})(?:st|nd|rd|th|er|e)?"
               + _SEP + r"(?:de\s+)?" + _MON + _SEP + r"(?:de\s+)?" + _YEAR,
               re.IGNORECASE),
    # Dec 12, 2018; December 12th 2018
    re.compile(r"(?<![^\W\d_])" + _MON + r"\s*(?P<a>\d{1,2})(?:st|nd|rd|th)?\s*,?\s*"
               r"(?P<year>\d{4})(?!\d)", re.IGNORECASE),
)  # fmt: skip


_LOOK_ALIKE_DIGITS = str.maketrans("OoDQIl|SZB", "0000111528")
_DIGITISH = "[0-9OoDQIl|SZB]"
_NUMERIC_SHAPE = re.compile(
    rf"(?<![\w.,/-]){_DIGITISH}{{1,4}}(?P<s>[-/.]){_DIGITISH}{{1,2}}(?P=s){_DIGITISH}{{2,4}}(?![\w/])"
)
MIN_REAL_DIGITS = 5
"""Digits a date shape must hold before its look-alike letters are read as digits."""


_MIXED_DASHES = re.compile(r"(?<![\d.,/~-])\d{1,2}(?:-\d{1,2}~|~\d{1,2}-)\d{2,4}(?![\d~-])")
"""A day, month and year with a dash and a tilde: OCR read one dash as a tilde (``05-05~18``)."""


def _digits_for_look_alikes(text: str) -> str:
    """Read look-alike letters as digits inside numeric date shapes; lengths stay the same.

    In a dashed date, a tilde is read as the dash OCR took it for.
    """
    text = _MIXED_DASHES.sub(lambda m: m.group(0).replace("~", "-"), text)

    def repair(m: re.Match[str]) -> str:
        shape = m.group(0)
        if sum(ch.isdigit() for ch in shape) < MIN_REAL_DIGITS:
            return shape
        return shape.translate(_LOOK_ALIKE_DIGITS)

    return _NUMERIC_SHAPE.sub(repair, text)


def _year(text: str) -> int:
    y = int(text)
    if len(text) == 2:
        y += 1900 if y >= 70 else 2000
    return y


def _make(y: int, m: int, d: int) -> dt.date | None:
    if not MIN_YEAR <= y <= MAX_YEAR:
        return None
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def search_all(pattern: re.Pattern[str], text: str) -> list[re.Match[str]]:
    """Like ``finditer`` but a failed candidate only skips one character, not its whole span."""
    out: list[re.Match[str]] = []
    pos = 0
    while (m := pattern.search(text, pos)) is not None:
        out.append(m)
        pos = m.start() + 1
    return out


def _value(m: re.Match[str], dayfirst: bool) -> dt.date | None:
    """Turn one regex match into a date, resolving day/month order."""
    groups = m.groupdict()
    y = _year(groups["year"])
    if groups.get("mon"):
        month = month_number(groups["mon"])
        return _make(y, month, int(groups["a"])) if month else None
    if groups.get("c") is not None:
        return _make(y, int(groups["b"]), int(groups["c"]))
    a, b = int(groups["a"]), int(groups["b"])
    day, month = (a, b) if dayfirst else (b, a)
    if month > 12 >= day:
        day, month = month, day
    return _make(y, month, day)


def find_dates(text: str, dayfirst: bool = True) -> list[DateMatch]:
    """Return every valid date in a line of text, in order, without overlaps.

    ``dayfirst`` decides ``03/04/2018`` (3 April when True); a first number above 12 makes
    the order unambiguous either way.  Times and amounts are not dates.
    """
    found: list[DateMatch] = []
    text = _digits_for_look_alikes(text)
    for pattern in _PATTERNS:
        for m in search_all(pattern, text):
            value = _value(m, dayfirst)
            if value is not None:
                raw = m.group(0).rstrip(" ,-/.")
                found.append(DateMatch(value, raw, m.start(), m.start() + len(raw)))
    found.sort(key=lambda d: (d.start, -(d.end - d.start)))
    out: list[DateMatch] = []
    for d in found:
        if out and d.start < out[-1].end:
            continue
        out.append(d)
    return out


def parse_date(text: str, dayfirst: bool = True) -> dt.date | None:
    """Return the first date in the text, or None."""
    found = find_dates(text, dayfirst)
    return found[0].value if found else None
