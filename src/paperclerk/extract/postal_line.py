"""The postcode and the town of an address, in the forms the post of most countries uses.

An address block reads as a few lines, one of which carries the postcode and the town:
`10115 Berlin`, `DE-10115 Berlin`, `2402 NR Alphen aan den Rijn`, `456 34 Stockholm`,
`00-950 Warszawa`, `1000-001 Lisboa`, `London SW1A 1AA`, `Springfield, IL 62704`. Knowing
where the code ends and the town begins is postal knowledge, not a fact about any one
sender, so it is written down here once.
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
    r"\s+(?P<town>\[?[^\W\d_].*)$"  # a template's placeholder town: [Buyer city]
)
_CODE_LAST = re.compile(
    r"^(?P<town>[^\W\d_][^\d]*?)[\s,]+"
    r"(?:[A-Z]{2}\s)?"  # a US state before its ZIP code: IL 62704
    r"(?P<code>[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}"  # UK: SW1A 1AA
    r"|\d{5}(?:-\d{4})?)$"  # US: 62704, 62704-1234
)
_STATE_ZIP = re.compile(r"^[A-Z]{2}\s(?P<code>\d{5}(?:-\d{4})?)$")
"""A US state and ZIP code on a line of their own: the town is the line before."""
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

    The last line that reads as a postcode and a town wins: a street line with a house
    number (`Hauptstraße 12`) reads as neither, and a country line follows the town.
    """
    parts = address_parts(address)
    for i in range(len(parts) - 1, -1, -1):
        found = _read(parts[i], parts[i - 1] if i else None)
        if found is not None:
            return found
    return None


def _read(part: str, before: str | None) -> PostalLine | None:
    first = _CODE_FIRST.match(part)
    if first is not None:
        return PostalLine(first["code"], first["town"].strip())
    state = _STATE_ZIP.match(part)
    if state is not None:
        return PostalLine(state["code"], before) if before and _word_only(before) else None
    last = _CODE_LAST.match(part)
    if last is not None:
        return PostalLine(last["code"], last["town"].strip())
    alone = _CODE_LAST.match(f"{before} {part}") if before and _word_only(before) else None
    if alone is not None:
        return PostalLine(alone["code"], alone["town"].strip())
    return None


def _word_only(text: str) -> bool:
    return not any(c.isdigit() for c in text)
