"""What a document tells about how to read values typed for it: day order and currency.

`08/03/2014` is 8 March on a European receipt and 3 August on an American one. Typed input
must not be read silently the wrong way, so the review checks look for the answer on the
document itself: numeric dates printed (or typed) on it whose order is certain (`25/03/2014`
can only be day first), else its currency (a dollar receipt writes the month first).
Without either, an ambiguous date is refused with both readings (`review.parse`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from paperclerk.model import DocType, Document
from paperclerk.parsers import detect_currency, find_dates
from paperclerk.parsers.currency import currency_code
from paperclerk.review.schema import Kind, kind_of

NUMERIC_DATE = re.compile(r"(\d{1,2})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})")
"""A date written with numbers, day and month in either order, then the year."""
MONTH_FIRST_CURRENCIES = frozenset({"USD", "PHP"})
"""Currencies of countries that write the month first (the United States, the Philippines)."""
NO_ORDER_CURRENCIES = frozenset({"CAD", "CNY", "HUF", "JPY", "KRW", "TWD"})
"""Currencies whose countries write dates year first or in both orders: no hint."""


@dataclass(frozen=True)
class Hints:
    """How to read values typed for one document.

    `day_first` is True (day/month/year), False (month/day/year) or None when the document
    does not tell; `currency` is the document's currency field (an ISO code), which an
    amount typed without one is shown in.
    """

    doc_type: DocType | None = None
    day_first: bool | None = None
    currency: str | None = None


def numeric_order(raw: str) -> bool | None:
    """Return True for a numeric date that can only be day first, False for month first.

    `25/03/2014` is day first, `03/25/2014` month first; `08/03/2014` (both numbers 12 or
    less) says nothing, nor does a date with a month name or the year first.
    """
    found = NUMERIC_DATE.fullmatch(raw.strip())
    if found is None:
        return None
    a, b = int(found.group(1)), int(found.group(3))
    if a > 12 >= b:
        return True
    if b > 12 >= a:
        return False
    return None


def order_of_dates(texts: Iterable[str]) -> bool | None:
    """Return the day order most unambiguous numeric dates in the texts use (None: a tie)."""
    votes = {True: 0, False: 0}
    for text in texts:
        for found in find_dates(text):
            order = numeric_order(found.raw)
            if order is not None:
                votes[order] += 1
    if votes[True] == votes[False]:
        return None
    return votes[True] > votes[False]


def order_of_currency(code: str | None) -> bool | None:
    """Return the day order the countries of a currency write (None: unknown or mixed)."""
    if code is None or code in NO_ORDER_CURRENCIES:
        return None
    return code not in MONTH_FIRST_CURRENCIES


def hints_of(doc: Document, typed: Mapping[str, str] | None = None) -> Hints:
    """Return the hints for reading what a reviewer typed for `doc`.

    `typed` are the form's texts (field → text): the dates typed there count with the
    dates printed on the pages, and a typed currency replaces the document's. The day
    order comes from those dates; when they do not tell, from the currency (typed, read,
    else the one printed most).
    """
    typed = typed or {}
    page_texts = [line.text for page in doc.pages for line in page.lines]
    typed_dates = [t for n, t in typed.items() if kind_of(n) == Kind.DATE]
    currency = currency_of(doc, typed)
    day_first = order_of_dates([*page_texts, *typed_dates])
    if day_first is None:
        day_first = order_of_currency(currency or detect_currency("\n".join(page_texts)))
    return Hints(doc_type=doc.doc_type, day_first=day_first, currency=currency)


def currency_of(doc: Document, typed: Mapping[str, str] | None = None) -> str | None:
    """Return the currency typed in the form, else the document's currency field (ISO)."""
    typed = typed or {}
    if "currency" in typed:
        return currency_code(typed["currency"]) if typed["currency"].strip() else None
    value = doc.value("currency")
    return currency_code(value) if isinstance(value, str) else None
