"""The postcode and the town of an address, in the forms of European and English-speaking post.

An address block reads as a few lines, one of which carries the postcode and the town:
`10115 Berlin`, `DE-10115 Berlin`, `2402 NR Alphen aan den Rijn`, `456 34 Stockholm`,
`00-950 Warszawa`, `1000-001 Lisboa`, `London SW1A 1AA`, `Springfield, IL 62704`,
`Toronto, ON M5V 2T6`, `Sydney NSW 2000`. Knowing where the code ends and the town begins
is postal knowledge, not a fact about any one sender, so it is written down here once.
Forms not listed (an Irish Eircode, a Brazilian CEP, a three-digit code) give nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CODE_FIRST = re.compile(
    r"^(?:[A-Z]{1,2}[-\s])?"  # a country prefix: DE-10115, D 10115, F-75001
    r"(?P<code>\d{4}\s?[A-Z]{2}(?=\s)"  # NL: 2402 NR
    r"|\d{3}\s\d{2}(?=\s)"  # SE, CZ, SK, GR: 456 34
    r"|\d{2}-\d{3}|\d{4}-\d{3}"  # PL: 00-950, PT: 1000-001
    r"|\d{4,5})"  # DE, FR, IT, ES, AT, CH, BE, DK, NO …
    r"\s+(?P<town>(?:\[|'s-)?[^\W\d_].*)$"  # 's-Hertogenbosch; a template's [Buyer city]
)
_UK = r"[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}"
_CODE_LAST = re.compile(
    r"^(?P<town>[^\W\d_][^\d]*?)[\s,]+"
    r"(?:[A-Z]{2,3}\s)?"  # a state or province before its code: IL 62704, ON M5V, NSW 2000
    rf"(?P<code>{_UK}"  # UK: SW1A 1AA
    r"|\d{5}(?:-\d{4})?"  # US: 62704, 62704-1234
    r"|[A-Z]\d[A-Z]\s?\d[A-Z]\d"  # CA: M5V 2T6
    r"|(?<=[A-Z] )\d{4})$"  # AU: NSW 2000 (four digits only after a state)
)
_ALONE = re.compile(
    r"^[A-Z]{2,3}\s(?P<code>\d{5}(?:-\d{4})?|[A-Z]\d[A-Z]\s?\d[A-Z]\d|\d{4})$"  # IL 62704
    rf"|^(?P<uk>{_UK})$"  # SW1A 1AA
    r"|^(?P<nl>\d{4}\s?[A-Z]{2})$"  # 1012 AB
)
"""A postcode on a line of its own (a US, Canadian or Australian one after its state or
province; a UK or Dutch one alone): the town is the line before."""
_NOT_A_TOWN = re.compile(
    r"\b(street|st\.|avenue|ave\.?|road|rd\.|lane|drive|boulevard|highway|way|suite|"
    r"rue|chemin|allée|place|strasse|straße|str\.|weg|gasse|platz|laan|straat|plein|"
    r"via|viale|calle|avenida|rua|po box|p\.o\. box|postfach|postbus|b\.p\.|apartado)\b",
    re.IGNORECASE,
)
"""Words of a street or a post-office box: a line `1085 Elm Avenue` is no postcode line."""
_SEPARATORS = re.compile(r"\s*[,·|]\s*")


@dataclass(frozen=True)
class PostalLine:
    """The postcode and the town read from one line of an address."""

    postcode: str
    town: str


def address_parts(address: str) -> list[str]:
    """Return an address's lines: the parts between commas, middle dots or bars."""
    return [part for part in _SEPARATORS.split(address) if part]


def postal_line(address: str) -> PostalLine | None:
    """Return the postcode and town of an address (its lines joined), or None without one.

    The last line that reads as a postcode and a town wins, as a country line follows the
    town; a street line that starts with its house number (`1085 Elm Avenue`) or a
    post-office box is not taken for one.
    """
    parts = address_parts(address)
    for i in range(len(parts) - 1, -1, -1):
        found = _read(parts[i], parts[i - 1] if i else None)
        if found is not None and not _NOT_A_TOWN.search(found.town):
            return found
    return None


def _read(part: str, before: str | None) -> PostalLine | None:
    alone = _ALONE.match(part)
    if alone is not None:
        code = alone["code"] or alone["uk"] or alone["nl"]
        return PostalLine(code, before) if before and _word_only(before) else None
    first = _CODE_FIRST.match(part)
    if first is not None:
        return PostalLine(first["code"], first["town"].strip())
    last = _CODE_LAST.match(part)
    if last is not None:
        return PostalLine(last["code"], last["town"].strip())
    return None


def _word_only(text: str) -> bool:
    return not any(c.isdigit() for c in text)
