"""Typed values read next to invoice labels: amounts, dates, identifiers, free text.

Each reader looks to the right of the label on its row first and then underneath it, and
returns at most one candidate per place, scored by label weight, match quality and place.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from paperclerk.extract.common import DocIndex, LabelHit, Span, drop
from paperclerk.extract.layout import Candidate
from paperclerk.model import FieldValue
from paperclerk.parsers import find_amounts, find_dates, find_vat_ids

RIGHT, BELOW, BELOW_2 = 1.0, 0.8, 0.6

Reader = Callable[[DocIndex, LabelHit, float, bool], list[Candidate]]

_RESIDUE = {"no", "nr", "n", "number", "nummer", "num", "id", "ref", "nr.", "n°", "nº", "#", ":"}
_ID_TOKEN = re.compile(r"[A-Za-z0-9][\w/.\-]*[A-Za-z0-9]|\d")
_YEAR = re.compile(r"(?:19|20)\d\d")


def _cand(span: Span, value: FieldValue, raw: str, score: float, start: int, end: int) -> Candidate:
    ids, box = span.evidence(start, end)
    return Candidate(value, raw, min(score, 1.0), span.page, ids, box)


def _places(index: DocIndex, hit: LabelHit) -> list[tuple[list[Span], float]]:
    below = index.below(hit) or column_value(index, hit)
    places: list[tuple[list[Span], float]] = [(index.right_of(hit), RIGHT)]
    places += [([s], BELOW if i == 0 else BELOW_2) for i, s in enumerate(below)]
    return places


COLUMN_REACH = 4.5
"""How many line heights under a column title its value may sit (a blank line between)."""


def column_value(index: DocIndex, hit: LabelHit) -> list[Span]:
    """Return the first line under a column title (``Fälligkeit`` over ``30.04.2026``).

    Titled columns often leave more room under the title than a label does above its
    value: the words under the title of the nearest line within ``COLUMN_REACH`` line
    heights are taken, unless that line opens with a label of its own.
    """
    page = next(p for p in index.pages if p.index == hit.page)
    box = hit.box
    near = [
        (drop(hit.line.box, line.box), line)
        for line in page.lines
        if line.id != hit.line.id
        and 0.45 < drop(hit.line.box, line.box) <= COLUMN_REACH
        and min(line.box.x1, box.x1) - max(line.box.x0, box.x0) > 0
    ]
    if not near:
        return []
    line = min(near, key=lambda t: t[0])[1]
    if index.starts_with_label(line):
        return []
    words = [w for w in index.line_words(line) if min(w.box.x1, box.x1) - max(w.box.x0, box.x0) > 0]
    return [Span(hit.page, words)] if words else []


def read_money(index: DocIndex, hit: LabelHit, weight: float, dayfirst: bool) -> list[Candidate]:
    """Read the rightmost amount on the label's row, else the first amount below it."""
    for spans, place in _places(index, hit):
        found = [(s, m) for s in spans for m in find_amounts(s.text)]
        if found:
            span, m = found[-1] if place == RIGHT else found[0]
            return [_cand(span, m.value, m.raw, weight * hit.score * place, m.start, m.end)]
    return []


def read_date(index: DocIndex, hit: LabelHit, weight: float, dayfirst: bool) -> list[Candidate]:
    """Read the first date right of the label, else below it."""
    for spans, place in _places(index, hit):
        for span in spans:
            dates = find_dates(span.text, dayfirst)
            if dates:
                d = dates[0]
                return [_cand(span, d.value, d.raw, weight * hit.score * place, d.start, d.end)]
    return []


def id_token(text: str, dayfirst: bool = True) -> tuple[str, int, int] | None:
    """Return the first identifier-like token (has a digit, not a date or amount) and its span.

    A plain word of four or more letters before any such token means the text is prose, not
    an identifier, and gives None.
    """
    dates = find_dates(text, dayfirst)
    for m in _ID_TOKEN.finditer(text):
        tok = m.group(0)
        if any(d.start < m.end() and m.start() < d.end for d in dates):
            continue
        if tok.lower() in _RESIDUE or not any(c.isdigit() for c in tok):
            if re.fullmatch(r"[^\W\d_]{4,}", tok):
                return None
            continue
        if len(tok) < 3 or _YEAR.fullmatch(tok) or any(a.raw == tok for a in find_amounts(tok)):
            continue  # a year alone ("© 2025") is never a document number
        return tok, m.start(), m.end()
    return None


def read_id(index: DocIndex, hit: LabelHit, weight: float, dayfirst: bool) -> list[Candidate]:
    """Read the first identifier token right of the label, else below it."""
    for spans, place in _places(index, hit):
        for span in spans:
            found = id_token(span.text, dayfirst)
            if found:
                tok, start, end = found
                return [_cand(span, tok, tok, weight * hit.score * place, start, end)]
    return []


def read_text(index: DocIndex, hit: LabelHit, weight: float, dayfirst: bool) -> list[Candidate]:
    """Read the text right of the label, else the line below it (payment terms, names)."""
    for spans, place in _places(index, hit):
        for span in spans:
            text = span.text.strip(" :.-")
            if len(text) >= 2:
                start = span.text.find(text)
                return [
                    _cand(span, text, text, weight * hit.score * place, start, start + len(text))
                ]
    return []


def read_tax_id(index: DocIndex, hit: LabelHit, weight: float, dayfirst: bool) -> list[Candidate]:
    """Read a validated VAT id next to the label, else a digit-heavy token (less sure)."""
    for spans, place in _places(index, hit):
        for span in spans:
            vats = find_vat_ids(span.text)
            if vats:
                score = weight * hit.score * place
                return [_cand(span, vats[0], span.text, score, 0, len(span.text))]
            m = re.search(r"[A-Z0-9][A-Z0-9 .\-/]{6,}[A-Z0-9]", span.text)
            if m and sum(c.isdigit() for c in m.group(0)) >= 6:
                value = re.sub(r"[ .\-/]", "", m.group(0))
                score = 0.7 * weight * hit.score * place
                return [_cand(span, value, m.group(0), score, m.start(), m.end())]
    return []


READERS: dict[str, Reader] = {
    "invoice_number": read_id,
    "purchase_order": read_id,
    "invoice_date": read_date,
    "due_date": read_date,
    "total": read_money,
    "amount_due": read_money,
    "prepaid": read_money,
    "subtotal": read_money,
    "total_tax": read_money,
    "payment_terms": read_text,
    "vendor_tax_id": read_tax_id,
}
