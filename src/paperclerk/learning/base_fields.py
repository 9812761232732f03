"""What the built-in invoice reader makes of a page, as features for a user's own fields.

A user type learns from a handful of examples, which show where its fields sit in the
layouts they share and nothing about a layout they do not. The built-in invoice reader
(`extract.invoice`, rules written for invoices of every layout: parties and their address
blocks, numbers after their labels, dates, amounts) finds business values on pages it has
never seen. Each candidate of a user's field gets, per built-in field, whether it is that
field's value, one of its lines, or a run of words inside one of its lines, and where in
that line it starts and ends. Which built-in field, if any, matches the user's field is
learnt by the ranker from the examples, like any other feature: nothing here knows the
user's field names.
"""

from __future__ import annotations

from functools import cache

from paperclerk.extract.invoice import FIELDS, RuleInvoiceExtractor
from paperclerk.extract.postal_line import address_parts, postal_line
from paperclerk.learning.field_spans import Span, ValueType, fold_text, normalise_value
from paperclerk.model import Page

_ADDRESSES = ("vendor", "customer")
_POSTAL = tuple(f"{party}_{part}" for party in _ADDRESSES for part in ("postcode", "town"))
BASE_FIELDS = FIELDS + _POSTAL
"""The built-in invoice fields, and each party's postcode and town read from its address."""
_KINDS = ("same", "part", "inside", "first_number", "part_end")
BASE_FEATURES = [f"base.{name}.{kind}" for name in BASE_FIELDS for kind in _KINDS]
"""The feature names, per built-in value."""

BaseValues = dict[str, str]
"""The built-in reader's values of one document, as text, per field it found."""


@cache
def _reader() -> RuleInvoiceExtractor:
    return RuleInvoiceExtractor()


def base_values(pages: list[Page]) -> BaseValues:
    """Return the values the built-in invoice reader finds on the pages, as text.

    A party's address also gives its postcode and town (`postal_line`), so a user's
    postcode or town field can match a built-in value whole.
    """
    found = _reader().extract(pages).fields
    values = {name: str(f.value) for name, f in found.items() if f.value is not None}
    for party in _ADDRESSES:
        line = postal_line(values.get(f"{party}_address", ""))
        if line is not None:
            values[f"{party}_postcode"], values[f"{party}_town"] = line.postcode, line.town
    return values


def base_rows(
    values: BaseValues, value_type: ValueType, candidates: list[Span]
) -> list[list[float]]:
    """Return one row of `BASE_FEATURES` per candidate: how it stands to each built-in value.

    A built-in value of several lines (an address) is joined with commas; each line is a
    part, and so is each run between middle dots or bars within one (`address_parts`).
    `same` compares after the user field's value type (amounts to the cent, dates as
    days); the part features compare folded words.
    """
    prepared = {
        name: (normalise_value(value_type, text), _parts(text)) for name, text in values.items()
    }
    rows = []
    for c in candidates:
        own = normalise_value(value_type, c.text)
        tokens = fold_text(c.text).split()
        row: list[float] = []
        for name in BASE_FIELDS:
            if name not in prepared:
                row += [0.0] * len(_KINDS)
                continue
            whole, parts = prepared[name]
            row += [float(own is not None and own == whole), *_in_parts(tokens, parts)]
        rows.append(row)
    return rows


def _parts(text: str) -> list[list[str]]:
    return [words for part in address_parts(text) if (words := fold_text(part).split())]


def _in_parts(tokens: list[str], parts: list[list[str]]) -> tuple[float, float, float, float]:
    """Return where the words stand in the parts, for their best-placed occurrence.

    Whether they are a whole part, inside one, start at its first word with a digit (a
    postcode after a country code, `DE 69876 Frankfurt`), and end it.
    """
    best = (0.0, 0.0, 0.0, 0.0)
    n = len(tokens)
    if not n:
        return best
    for part in parts:
        number = next((i for i, t in enumerate(part) if any(c.isdigit() for c in t)), -1)
        for i in range(len(part) - n + 1):
            if part[i : i + n] == tokens:
                found = (float(n == len(part)), 1.0, float(i == number), float(i + n == len(part)))
                best = max(best, found, key=sum)
    return best
