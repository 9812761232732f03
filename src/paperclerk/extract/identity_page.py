"""The printed page of an identity document (its visual zone) compared with its MRZ.

For each field both zones carry (surname, given names, document number, birth and expiry
dates) the page is searched for the MRZ's value as it would be printed: names folded the
way Doc 9303 part 3 transliterates them into the MRZ, numbers with look-alikes folded,
dates in the printed forms passports use (`12 AUG/AOÛT 74`, `12.08.1974`, `12 08 1974`).
A field is `match` when the page shows that value, `mismatch` when the page shows another
value under the field's label, and `not_found` when the page shows neither legibly.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz

from paperclerk.model import Box, Line, Page
from paperclerk.parsers.dates import month_number
from paperclerk.parsers.mrz import mrz_like

MATCH = "match"
MISMATCH = "mismatch"
NOT_FOUND = "not_found"
NAME_MATCH = 90.0
"""rapidfuzz ratio (0-100) from which a printed name is the MRZ's name."""

_TRANSLITERATION = {
    "Ä": "AE",
    "Ö": "OE",
    "Ü": "UE",
    "ß": "SS",
    "Å": "AA",
    "Æ": "AE",
    "Ø": "OE",
    "Þ": "TH",
    "Ĳ": "IJ",
    "Œ": "OE",
    "Ð": "D",
    "Ł": "L",
}
LABELS = {
    "surname": r"SURNAME|\bNOM\b|\bNAME\b|APELLIDOS|COGNOME|NAZWISKO|ACHTERNAAM|PRIJMENI"
    r"|SOBRENOME|EFTERNAMN|SUKUNIMI|FAMILIENNAME",
    "given_names": r"GIVEN\s*NAMES?|PRENOMS?|VORNAME|\bNOMBRES?\b|\bNOME\b|IMIONA|VOORNAMEN"
    r"|FORNAMN|ETUNIMET",
    "document_number": r"PASSPORT\s*N|DOCUMENT\s*N|CARD\s*N|PASS-?NR|\bN[O°º]\s*DU\s*PASS"
    r"|NUMERO|NUMMER|DOC\.?\s*NO",
    "date_of_birth": r"BIRTH|NAISSANCE|GEBURT|NACIMIENTO|NASCITA|URODZENIA|GEBOORTE",
    "date_of_expiry": r"EXPIR|GULTIG\s*BIS|VALID\s*UNTIL|CADUCIDAD|SCADENZA|VERVAL|WAZNOSCI",
}


@dataclass(frozen=True)
class Comparison:
    """One field of the MRZ compared with the printed page."""

    field: str
    status: str
    mrz_value: str
    page_value: str | None = None
    box: Box | None = None
    page: int = 0

    @property
    def explanation(self) -> str:
        """The comparison in plain words."""
        label = self.field.replace("_", " ")
        if self.status == MATCH:
            return f"{label}: the page shows {self.page_value!r}, as the MRZ"
        if self.status == MISMATCH:
            return f"{label}: the MRZ says {self.mrz_value!r}, the page {self.page_value!r}"
        return f"{label}: not legible on the page"


def fold(text: str) -> str:
    """Upper-case, transliterate as the MRZ does, and drop accents and punctuation."""
    text = "".join(_TRANSLITERATION.get(c, c) for c in text.upper())
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^A-Z0-9]+", " ", text).strip()


def _number_key(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", fold(text)).translate(str.maketrans("OQDIL", "00011"))


def page_lines(pages: list[Page]) -> list[tuple[int, Line]]:
    """Return the printed lines of the pages: every line that is not part of an MRZ."""
    return [(p.index, line) for p in pages for line in p.lines if not mrz_like(line.text)]


def compare_names(value: str, field: str, lines: list[tuple[int, Line]]) -> Comparison:
    """Find a name on the page: a line, or run of words in one, that reads as `value`."""
    if not value:
        return Comparison(field, NOT_FOUND, value)
    best: tuple[float, int, Line] | None = None
    for page, line in lines:
        folded = fold(line.text)
        score = (
            100.0 if re.search(rf"\b{re.escape(value)}\b", folded) else fuzz.ratio(value, folded)
        )
        if len(folded) > len(value):
            score = max(score, fuzz.partial_ratio(value, folded) - 5)
        if best is None or score > best[0]:
            best = (score, page, line)
    if best and best[0] >= NAME_MATCH:
        return Comparison(field, MATCH, value, best[2].text, best[2].box, best[1])
    labelled = _labelled_value(field, lines)
    if labelled is not None:
        page, line = labelled
        return Comparison(field, MISMATCH, value, line.text, line.box, page)
    return Comparison(field, NOT_FOUND, value)


def compare_number(value: str, lines: list[tuple[int, Line]]) -> Comparison:
    """Find the document number on the page, look-alikes (O/0, I/1) folded."""
    field = "document_number"
    key = _number_key(value)
    for page, line in lines:
        for token in [*line.text.split(), line.text]:
            if key and _number_key(token) == key:
                return Comparison(field, MATCH, value, token, line.box, page)
        if key and key in _number_key(line.text):
            return Comparison(field, MATCH, value, line.text, line.box, page)
    labelled = _labelled_value(field, lines)
    if labelled is not None and re.search(r"\d", labelled[1].text):
        page, line = labelled
        return Comparison(field, MISMATCH, value, line.text, line.box, page)
    return Comparison(field, NOT_FOUND, value)


def compare_date(value: dt.date | None, field: str, lines: list[tuple[int, Line]]) -> Comparison:
    """Find a date on the page in any printed form; a different date under its label differs."""
    if value is None:
        return Comparison(field, NOT_FOUND, "")
    shown = value.isoformat()
    for page, line in lines:
        if value in printed_dates(line.text):
            return Comparison(field, MATCH, shown, line.text, line.box, page)
    labelled = _labelled_value(field, lines)
    if labelled is not None:
        page, line = labelled
        others = printed_dates(line.text)
        if others:
            return Comparison(field, MISMATCH, shown, line.text, line.box, page)
    return Comparison(field, NOT_FOUND, shown)


_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})[ ./-]?(\d{1,2})[ ./-]?(\d{4}|\d{2})(?!\d)")
_ISO = re.compile(r"(?<!\d)(\d{4})[ ./-](\d{1,2})[ ./-](\d{1,2})(?!\d)")
_NAMED = re.compile(r"(?<!\d)(\d{1,2})\s*([A-Z]{3,}(?:\s*/\s*[A-Z]{3,})*)\.?\s*(\d{4}|\d{2})(?!\d)")


def printed_dates(text: str) -> set[dt.date]:
    """Return every date a line may print.

    Day-month-year, month-day-year or year-first order, with month names in the
    languages `parsers.dates` knows; a two-digit year stands for both centuries.
    """
    folded = fold(text.replace("/", " / "))
    folded = re.sub(r"\s*/\s*", "/", folded)
    out: set[dt.date] = set()
    for m in _NAMED.finditer(folded):
        month = next(
            (
                n
                for part in m.group(2).split("/")
                if (n := month_number(part.lower()[:3])) is not None
            ),
            None,
        )
        if month:
            out |= _dates(m.group(3), month, int(m.group(1)))
    for m in _NUMERIC.finditer(text):
        a, b = int(m.group(1)), int(m.group(2))
        out |= _dates(m.group(3), b, a) | _dates(m.group(3), a, b)
    for m in _ISO.finditer(text):
        out |= _dates(m.group(1), int(m.group(2)), int(m.group(3)))
    return out


def _dates(year: str, month: int, day: int) -> set[dt.date]:
    years = [int(year)] if len(year) == 4 else [1900 + int(year), 2000 + int(year)]
    out = set()
    for y in years:
        try:
            out.add(dt.date(y, month, day))
        except ValueError:
            continue
    return out


def _labelled_value(field: str, lines: list[tuple[int, Line]]) -> tuple[int, Line] | None:
    """Return the line printed under (or after) the field's label, if the page labels it."""
    pattern = re.compile(LABELS[field])
    for i, (page, line) in enumerate(lines):
        folded = fold(line.text)
        m = pattern.search(folded)
        if m is None:
            continue
        rest = folded[m.end() :].strip()
        if len(rest) >= 2 and not any(re.search(p, rest) for p in LABELS.values()):
            return page, line
        below = [
            (p, other)
            for p, other in lines[i + 1 : i + 4]
            if p == page
            and other.box.y0 >= line.box.cy
            and min(other.box.x1, line.box.x1) - max(other.box.x0, line.box.x0) > 0
            and not any(re.search(pat, fold(other.text)) for pat in LABELS.values())
        ]
        if below:
            return below[0]
    return None
