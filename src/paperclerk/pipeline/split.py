"""Split a batch of pages (a scanned stack of invoices) into one page range per invoice.

`split_invoices` decides, page by page, whether a page starts a new invoice or continues the
one before, from what the page says, never from who sent it:

- a page marker ("Page 1 of 3", "Seite 2 von 2", a line that is only "1/3"): page 1 starts an
  invoice, page k > 1 continues one, and the page after "k of N" with k < N continues it too;
- an invoice header in the upper part of the page (a title such as "Invoice" / "Rechnung" /
  "Facture" together with an invoice number or date);
- the invoice number changing from the one the current invoice stated (the same number
  again is a repeated header of a continuation page, unless the date beside it changed);
- the party ids (VAT ids, IBANs) changing, and the letterhead (the page's first lines)
  changing;
- a totals block ("Total", "Amount due", "Zahlbetrag"…) on the page before, and a
  carried-forward subtotal ("Übertrag", "brought forward", "continued") that ties pages.

Each signal adds to a log-odds of "a new invoice starts here"; its logistic is the boundary's
score, and every range keeps the reasons that decided it. The first page always starts a
range, a page without words always joins the one before, and the ranges cover every page
once, in order, so splitting never loses or reorders a page.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from paperclerk.model import Page
from paperclerk.parsers import find_dates, find_ibans, find_vat_ids

_TITLE_WORDS = (
    r"invoice|tax\s+invoice|rechnung|handelsrechnung|facture|factuur|factura|fattura|faktura"
    r"|credit\s+note|gutschrift|avoir|creditnota|nota\s+de\s+cr[eé]dito"
)
_TITLE = re.compile(rf"\b(?:{_TITLE_WORDS})\b", re.IGNORECASE)
_TITLE_ROW_WORDS = 6  # a title stands in a short row, not inside a sentence
_TOKEN = r"(?P<num>[A-Z0-9][A-Z0-9/\-_.]*\d[A-Z0-9/\-_]*)(?![,.]?\d)"
_NUMBER_LABEL = re.compile(
    r"\b(?:invoice|inv|\w*rechnung\w*|facture|factuur|factura|fattura|faktura"
    r"|gutschrift|credit\s+note|avoir)"
    r"(?:-?(?:nummer|nr|no|number)\.?)?\)?\s*(?:\(\d+\)\s*)?"
    r"(?:no\.?|nr\.?|number|nummer|n[°º]\.?|num[ée]ro|n[uú]mero|#)?\s*[:.#]?\s*" + _TOKEN,
    re.IGNORECASE,
)
_NUMBER_LABEL_BEFORE = re.compile(
    r"\b(?:n[°º]|no\.?|num[ée]ro|n[uú]mero)\s*(?:de\s+)?(?:la\s+)?(?:facture|factura|fattura)"
    r"\s*[:.#]?\s*" + _TOKEN,
    re.IGNORECASE,
)
_NUMBER_LABEL_LATER = re.compile(
    r"\b(?:invoice|\w*rechnung\w*|facture|factuur|factura|fattura|faktura|gutschrift)\b"
    r"(?P<gap>[^:#]{0,60}?)\b(?:no\.?|nr\.?|number|nummer|n[°º]\.?)\s*[:.#]?\s*" + _TOKEN,
    re.IGNORECASE,
)
# Another document's number between the title and "No." ("Invoice date … Order No. 5").
_OTHER_REFERENCE = re.compile(
    r"\b(?:order|bestell\w*|auftrag\w*|kunden\w*|customer|client|delivery|liefer\w*|po"
    r"|account|konto|date|datum)\b",
    re.IGNORECASE,
)
_DATE_LIKE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
_AMOUNT_LIKE = re.compile(r"^\d{1,3}(?:[.,]\d{3})*[.,]\d{2}$|^(?:19|20)\d\d$")  # or a year
_DATE_LABEL = re.compile(
    r"\b(?:invoice\s+date|date\s+of\s+invoice|rechnungsdatum|date\s+de\s+(?:la\s+)?facture"
    r"|factuurdatum|fecha\s+de\s+factura|data\s+fattura|datum|date)\b",
    re.IGNORECASE,
)
_MARKER = re.compile(
    r"\b(?:page|seite|pagina|p[aá]gina|blatt|blad|sheet|feuille|strona|p\.|pg\.?)\s*"
    r"(?P<n>\d{1,3})\s*(?:/|of|von|de|di|sur|van|z|från|af|aus)\s*(?P<total>\d{1,3})\b",
    re.IGNORECASE,
)
_MARKER_NUMBER = re.compile(
    r"\b(?:page|seite|pagina|p[aá]gina|blatt|blad|feuille|strona)\s*(?:n[°o]\.?\s*)?(?P<n>\d{1,3})"
    r"\b(?!\s*(?:/|of|von|de|di|sur|van|z|från|af|aus)\s*\d)",
    re.IGNORECASE,
)
_MARKER_ALONE = re.compile(r"^\s*-?\s*(?P<n>\d{1,3})\s*/\s*(?P<total>\d{1,3})\s*-?\s*$")
_TOTALS = re.compile(
    r"\b(?:grand\s+total|total\s+due|amount\s+due|balance\s+due|total\s+amount|invoice\s+total"
    r"|total|gesamtbetrag|rechnungsbetrag|bruttosumme|zahlbetrag|endbetrag|gesamtsumme"
    r"|net\s+[àa]\s+payer|montant\s+total|total\s+ttc|totaal|te\s+betalen|importe\s+total"
    r"|totale)\b",
    re.IGNORECASE,
)
_MONEY = re.compile(r"\d[\d.,' ]*[.,]\d{2}\b")
_CARRIED_HERE = re.compile(
    r"\b(?:brought\s+forward|carried\s+forward|balance\s+forward|übertrag|uebertrag|report[ée]?"
    r"\s+de|a\s+reportar|riporto)\b",
    re.IGNORECASE,
)
_CONTINUED = re.compile(
    r"\b(?:continued\s+on|continued\s+overleaf|to\s+be\s+continued|fortsetzung\s+(?:auf|siehe)"
    r"|à\s+reporter|suite\s+(?:page|au\s+verso)|zu\s+übertragen|carried\s+forward)\b",
    re.IGNORECASE,
)
_HEADER_ZONE = 0.4  # a header lies in the upper 40 % of the page
_LETTERHEAD_LINES = 3


@dataclass(frozen=True)
class PageSignals:
    """What one page says about where it belongs in a batch."""

    index: int
    empty: bool
    marker: tuple[int, int | None] | None  # (page n, of total when stated)
    title: bool
    number: str | None
    issued: str | None  # the date on the invoice number's row (ISO), e.g. "Nr. 4711 vom …"
    date_label: bool
    party_ids: frozenset[str]
    letterhead: str
    totals: bool
    carried_here: bool
    continued: bool

    @property
    def header(self) -> bool:
        """Whether the page opens with an invoice header: a number, or a title with a date."""
        return self.number is not None or (self.title and self.date_label)


@dataclass(frozen=True)
class PageRange:
    """Pages `start`..`end - 1` (0-based) of a batch that make one invoice, and why."""

    start: int
    end: int
    score: float
    reasons: tuple[str, ...]

    @property
    def pages(self) -> list[int]:
        """The 0-based page indexes of the range."""
        return list(range(self.start, self.end))

    @property
    def label(self) -> str:
        """The range as a person reads it, 1-based: '3' or '3-4'."""
        first, last = self.start + 1, self.end
        return str(first) if first == last else f"{first}-{last}"

    @property
    def reason(self) -> str:
        """The reasons the range starts where it does, as one line."""
        return "; ".join(self.reasons)


def page_rows(page: Page) -> list[tuple[float, str]]:
    """Return the page's text rows top to bottom: (top as a share of the height, text).

    Lines on one row are joined left to right, so a label and its value read as one text even
    where the reader split them into cells ("Zahlbetrag" | "165,07").
    """
    height = max(page.height, 1)
    rows: list[tuple[float, float, list[tuple[float, str]]]] = []
    for line in sorted(page.lines, key=lambda x: x.box.cy):
        if not line.text.strip():
            continue
        if rows and rows[-1][0] <= line.box.cy <= rows[-1][1]:
            rows[-1][2].append((line.box.x0, line.text))
            continue
        rows.append((line.box.y0, line.box.y1, [(line.box.x0, line.text)]))
    return [(y0 / height, " ".join(t for _, t in sorted(cells))) for y0, _, cells in rows]


def page_signals(page: Page, index: int) -> PageSignals:
    """Read the split signals of one page from its text rows (positions tell header from footer)."""
    rows = page_rows(page)
    texts = [text for _, text in rows]
    top = [text for y, text in rows if y <= _HEADER_ZONE]
    marker = page_marker(texts)
    number, issued = None, None
    for text in top:
        if (number := invoice_number(text)) is not None:
            issued = _first_date(text)
            break
    joined = "\n".join(texts)
    ids = frozenset(find_vat_ids(joined)) | frozenset(find_ibans(joined))
    lower = [text for y, text in rows if y >= 0.3]
    return PageSignals(
        index=index,
        empty=not rows,
        marker=marker,
        title=any(_TITLE.search(t) and len(t.split()) <= _TITLE_ROW_WORDS for t in top),
        number=number,
        issued=issued,
        date_label=any(_DATE_LABEL.search(text) for text in top),
        party_ids=ids,
        letterhead=" ".join(texts[:_LETTERHEAD_LINES]).lower(),
        totals=any(_TOTALS.search(text) and _MONEY.search(text) for text in lower),
        carried_here=any(_CARRIED_HERE.search(text) for text in top),
        continued=any(_CONTINUED.search(text) for text in texts),
    )


def page_marker(texts: list[str]) -> tuple[int, int | None] | None:
    """Return the first page marker of the rows, which tells where a page sits in its invoice.

    (n, total) for "n of total" (a marker past its total is ignored), (n, None) for a lone
    "Page n"; None when no row has one.
    """
    alone = None
    for text in texts:
        found = _MARKER.search(text) or _MARKER_ALONE.match(text)
        if found is not None:
            n, total = int(found.group("n")), int(found.group("total"))
            if 1 <= n <= total:
                return (n, total)
        single = _MARKER_NUMBER.search(text)
        if alone is None and single is not None and int(single.group("n")) >= 1:
            alone = (int(single.group("n")), None)
    return alone


def invoice_number(text: str) -> str | None:
    """Return the invoice number a line states after an invoice label, or None.

    Dates, money amounts and years after the label ("Rechnungsdatum 05.06.2025",
    "Rechnungsbetrag 235,62") are not numbers.
    """
    for regex in (_NUMBER_LABEL, _NUMBER_LABEL_BEFORE, _NUMBER_LABEL_LATER):
        for found in regex.finditer(text):
            token = found.group("num").rstrip(".-/")
            if _DATE_LIKE.match(token) or _AMOUNT_LIKE.match(token):
                continue
            if regex is _NUMBER_LABEL_LATER and _OTHER_REFERENCE.search(found.group("gap")):
                continue
            return token.upper()
    return None


def boundary_logit(
    page: PageSignals, prev: PageSignals, group: list[PageSignals]
) -> tuple[float, list[str]]:
    """Return the log-odds that `page` starts a new invoice, and the reasons for each signal.

    `prev` is the page before it and `group` the pages of the invoice it would continue.
    """
    if page.empty:
        return -10.0, ["blank page joins the previous invoice"]
    logit, why = -1.2, []

    def add(weight: float, reason: str) -> None:
        nonlocal logit
        logit += weight
        why.append(f"{reason} ({weight:+.1f})")

    if page.marker is not None:
        n, total = page.marker
        weight = 4.0 if total is not None else 3.0
        of = f" of {total}" if total is not None else ""
        add(weight if n == 1 else -weight, f"page marker {n}{of}")
    elif prev.marker is not None and (total := prev.marker[1]) is not None:
        n = prev.marker[0]
        add(-1.5 if n < total else 1.5, f"previous page was {n} of {total}")
    numbers = {p.number for p in group if p.number is not None}
    issued = {p.issued for p in group if p.issued is not None}
    if page.number is not None and numbers:
        if page.number in numbers and page.issued is not None and issued - {page.issued}:
            add(2.0, f"same invoice number {page.number} with another date {page.issued}")
        elif page.number in numbers:
            add(-2.0, f"same invoice number {page.number}")
        else:
            add(2.5, f"invoice number {page.number} differs from {sorted(numbers)[0]}")
    if page.header:
        add(1.2, "invoice header (number, or title with date)")
    group_ids = frozenset().union(*(p.party_ids for p in group))
    if page.party_ids and group_ids:
        if page.party_ids & group_ids:
            add(-0.5, "same VAT id / IBAN")
        else:
            add(1.5, "other VAT id / IBAN")
    first = group[0].letterhead
    if page.letterhead and first:
        similar = fuzz.ratio(page.letterhead, first) >= 85
        if not similar and (page.title or page.number is not None):
            add(0.5, "other letterhead")
        elif similar and page.number is None:
            add(-0.5, "same letterhead")
    if page.carried_here or prev.continued:
        add(-2.0, "carried-forward subtotal / continued")
    if prev.totals:
        add(1.0, "totals block on the previous page")
    elif not page.header:
        add(-0.5, "no totals before and no header")
    return logit, why


def split_invoices(pages: list[Page]) -> list[PageRange]:
    """Return one page range per invoice in a batch, each with its score and reasons.

    The ranges are in page order and cover every page exactly once; an empty batch has none.
    """
    signals = [page_signals(page, i) for i, page in enumerate(pages)]
    if not signals:
        return []
    ranges: list[PageRange] = []
    start, score = 0, 1.0
    reasons: tuple[str, ...] = ("first page",)
    group = [signals[0]]
    for i in range(1, len(signals)):
        logit, why = boundary_logit(signals[i], signals[i - 1], group)
        if logit > 0:
            ranges.append(PageRange(start, i, score, reasons))
            start, score, reasons = i, _sigmoid(logit), tuple(why)
            group = [signals[i]]
        else:
            group.append(signals[i])
    ranges.append(PageRange(start, len(signals), score, reasons))
    return ranges


def _first_date(text: str) -> str | None:
    found = find_dates(text)
    return found[0].value.isoformat() if found else None


def _sigmoid(x: float) -> float:
    return round(1.0 / (1.0 + math.exp(-x)), 4)


__all__ = [
    "PageRange",
    "PageSignals",
    "boundary_logit",
    "invoice_number",
    "page_rows",
    "page_signals",
    "split_invoices",
]
