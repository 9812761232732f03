"""What payslips, bank statements and utility bills share: labelled values, parties, periods.

Proof documents print most of their fields next to a label (``Net pay``, ``Saldo neu``,
``Montant à payer``), so each extractor collects scored candidates from its label table
(`collect`), then adds what labels do not give: the issuer from the top of the first page
(`header_names`), the person and address from an address block (`address_blocks`), the
currency from the amounts (`currency_candidates`). Nothing here knows any issuer.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from statistics import median

from paperclerk.extract.common import DocIndex, Label, LabelHit, norm
from paperclerk.extract.invoice_parties import LEGAL_FORM
from paperclerk.extract.invoice_values import READERS, Reader, read_date, read_money, read_text
from paperclerk.extract.layout import Candidate, best_field, candidate_from_lines, merge_repeated
from paperclerk.extract.proof_labels import IGNORE
from paperclerk.model import ExtractedField, FieldValue, Line, Page
from paperclerk.parsers import detect_currency, find_amounts, find_dates
from paperclerk.parsers.dates import month_number

__all__ = [
    "READERS",
    "AddressBlock",
    "Reader",
    "address_blocks",
    "collect",
    "currency_candidates",
    "header_names",
    "parse_period",
    "person_like",
    "read_date",
    "read_money",
    "read_name",
    "read_period",
    "to_fields",
]

PERIOD_SEP = "/"
"""Separates the first and last day in a period candidate's value (``2024-03-01/2024-03-31``)."""

_MONTH_YEAR = re.compile(r"(?<![\w])([^\W\d_]{3,}\.?)\s+(\d{4})(?!\d)")
_NUMERIC_MONTH = re.compile(r"(?<![\d/.\-])(\d{1,2})[/.\-](\d{4})(?![\d/.\-])")
_ISO_MONTH = re.compile(r"(?<![\d/.\-])(\d{4})-(\d{2})(?![\d\-])")
_TITLES = re.compile(
    r"^(?:mr|mrs|ms|miss|dr|prof|herr|frau|m|mme|mlle|dhr|mevr|mw|hr|fr)\.?$", re.IGNORECASE
)
_POSTCODE = re.compile(
    r"(?:^|[\s,])(?:"
    r"(?:[A-Z]-?)?\d{4,5}(?:\s?[A-Z]{2})?\s+[^\W\d_][\w\-' .]+"  # 10115 Berlin, 1012 AB Amsterdam
    r"|[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}"  # UK: SW1A 1AA
    r"|[A-Z]{2}\s+\d{5}(?:-\d{4})?"  # US: NY 10001
    r")(?:$|[\s,])"
)
_STREET_NUMBER = re.compile(r"\d")
_STREET_WORD = re.compile(
    r"(stra(ss|ß)e|str\.|\b(rue|avenue|av\.|road|rd\.|street|st\.|lane|weg|laan|straat|plein|"
    r"platz|allee|chemin|boulevard|bd|place|gasse|ring|way|close|drive|court|square)\b)",
    re.IGNORECASE,
)
_DOC_TITLE = re.compile(
    r"\b(payslip|pay slip|pay advice|salary|earnings|statement|bill|invoice|bulletin|fiche|"
    r"paie|relev[eé]|facture|extrait|nota|factuur|your|ihre|votre|uw|account)\b"
    r"|(abrechnung|rechnung|auszug|bescheinigung|übersicht|afschrift|strook|overzicht)",
    re.IGNORECASE,
)


def collect(
    index: DocIndex,
    labels: list[Label],
    readers: dict[str, Reader],
    dayfirst: bool,
    skip_lines: set[str] | None = None,
) -> dict[str, list[Candidate]]:
    """Read every labelled value: each label hit asks its fields' readers for a candidate."""
    cands: dict[str, list[Candidate]] = defaultdict(list)
    for hit in index.find_labels(labels):
        if skip_lines and hit.line.id in skip_lines:
            continue
        for name, weight in hit.label.fields:
            if name == IGNORE or name not in readers:
                continue
            cands[name].extend(readers[name](index, hit, weight, dayfirst))
    return cands


def to_fields(cands: dict[str, list[Candidate]]) -> dict[str, ExtractedField]:
    """Pick each field's best candidate; repeated values reinforce each other."""
    out: dict[str, ExtractedField] = {}
    for name, found in cands.items():
        merged = merge_repeated(found, lambda c: repr(c.value), step=0.05, cap=0.15)
        picked = best_field(name, merged)
        if picked is not None:
            out[name] = picked
    return out


def _month_range(year: int, month: int) -> tuple[dt.date, dt.date]:
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, 1), dt.date(year, month, last)


def parse_period(text: str, dayfirst: bool = True) -> tuple[dt.date, dt.date, int, int] | None:
    """Read a period: two dates (``01.03.2024 - 31.03.2024``) or one month (``March 2024``).

    Returns the first and last day and the character span the period was read from.
    """
    dates = find_dates(text, dayfirst)
    if len(dates) >= 2:
        a, b = dates[0], dates[1]
        first, last = sorted((a.value, b.value))
        return first, last, a.start, b.end

    def inside_date(m: re.Match[str]) -> bool:
        return any(d.start < m.end() and m.start() < d.end for d in dates)

    for m in _MONTH_YEAR.finditer(text):
        if inside_date(m):
            continue
        month = month_number(m.group(1).rstrip("."))
        if month is not None and 1990 <= int(m.group(2)) <= 2100:
            return (*_month_range(int(m.group(2)), month), m.start(), m.end())
    for pattern, year_group, month_group in ((_NUMERIC_MONTH, 2, 1), (_ISO_MONTH, 1, 2)):
        for m in pattern.finditer(text):
            if inside_date(m):
                continue
            year, month = int(m.group(year_group)), int(m.group(month_group))
            if 1 <= month <= 12 and 1990 <= year <= 2100:
                return (*_month_range(year, month), m.start(), m.end())
    return None


def read_period(index: DocIndex, hit: LabelHit, weight: float, dayfirst: bool) -> list[Candidate]:
    """Read a period right of the label, else below it; the value is ``first/last`` ISO days."""
    places = [(index.right_of(hit), 1.0)] + [
        ([s], 0.8 if i == 0 else 0.6) for i, s in enumerate(index.below(hit))
    ]
    for spans, place in places:
        for span in spans:
            found = parse_period(span.text, dayfirst)
            if found is None:
                continue
            first, last, start, end = found
            ids, box = span.evidence(start, end)
            value = f"{first.isoformat()}{PERIOD_SEP}{last.isoformat()}"
            score = min(1.0, weight * hit.score * place)
            return [Candidate(value, span.text[start:end], score, span.page, ids, box)]
    return []


def split_period(
    fields: dict[str, ExtractedField], name: str = "period"
) -> dict[str, ExtractedField]:
    """Replace a ``period`` field by ``period_start`` and ``period_end`` date fields."""
    period = fields.pop(name, None)
    if period is None or not isinstance(period.value, str) or PERIOD_SEP not in period.value:
        return fields
    first, last = (dt.date.fromisoformat(p) for p in period.value.split(PERIOD_SEP))
    for key, value in (("period_start", first), ("period_end", last)):
        fields[key] = period.model_copy(update={"name": key, "value": value, "alternatives": []})
    return fields


def person_like(text: str) -> bool:
    """Whether a line reads like a person's name: 2-5 capitalised words, a title allowed."""
    words = [w for w in text.replace(",", " ").split() if not _TITLES.match(w)]
    if not 2 <= len(words) <= 5 or LEGAL_FORM.search(text):
        return False
    if any(c.isdigit() for c in text) or ":" in text:
        return False
    return all(w[:1].isupper() and sum(c.isalpha() for c in w) >= 1 for w in words)


def read_name(index: DocIndex, hit: LabelHit, weight: float, dayfirst: bool) -> list[Candidate]:
    """Read a name right of the label or under it; a value with digits is not a name."""
    found = read_text(index, hit, weight, dayfirst)
    out: list[Candidate] = []
    for c in found:
        text = str(c.value)
        if sum(ch.isdigit() for ch in text) > 0 or len(text) < 3 or not text[0].isupper():
            continue
        score = c.score * (1.0 if person_like(text) or LEGAL_FORM.search(text) else 0.8)
        out.append(Candidate(text, c.raw_text, score, c.page, c.word_ids, c.box))
    return out


@dataclass(frozen=True)
class AddressBlock:
    """A name line with the address lines under it (street, postcode and town)."""

    page: int
    name: Line
    address: list[Line]

    @property
    def address_text(self) -> str:
        """The address lines joined with commas."""
        return ", ".join(ln.text.strip(" ,") for ln in self.address)


def _is_postcode_line(text: str) -> bool:
    return _POSTCODE.search(text) is not None and len(text) <= 60


def _streetish(text: str) -> bool:
    return _STREET_NUMBER.search(text) is not None or _STREET_WORD.search(text) is not None


def address_blocks(pages: list[Page]) -> list[AddressBlock]:
    """Find address blocks: a postcode line, up to two street lines above it, then a name.

    The lines must be stacked in one column with no wider gap than a blank line; the line
    above the street lines is the addressee.
    """
    blocks: list[AddressBlock] = []
    for page in pages:
        lines = sorted(page.lines, key=lambda ln: (ln.box.y0, ln.box.x0))
        heights = [ln.box.height for ln in lines] or [10.0]
        step = 2.6 * median(heights)
        for i, line in enumerate(lines):
            if not _is_postcode_line(line.text):
                continue
            stack = [line]
            name: Line | None = None
            for above in reversed(lines[:i]):
                top = stack[0]
                if abs(above.box.x0 - top.box.x0) > 1.5 * median(heights):
                    continue
                gap = top.box.y0 - above.box.y0
                if gap <= 0.3 * median(heights):
                    continue
                if gap > step:
                    break
                if _streetish(above.text) and len(stack) < 3 and not person_like(above.text):
                    stack.insert(0, above)
                    continue
                name = above
                break
            if name is None:
                continue
            blocks.append(AddressBlock(page.index, name, stack))
    return blocks


def header_names(pages: list[Page], labels: list[Label], max_lines: int = 8) -> list[Candidate]:
    """Candidates for the issuer: prominent lines at the top of the first page.

    Higher and taller lines score more; a document title (``Payslip``, ``Kontoauszug``),
    a line with a date or an amount, and a person's name score less; a legal form more.
    A line that is one of the document's labels (``Pay period``) is none.
    """
    if not pages:
        return []
    keys = {lb.key for lb in labels}
    page = pages[0]
    lines = sorted(page.lines, key=lambda ln: ln.box.y0)[:max_lines]
    if not lines:
        return []
    base = median([ln.box.height for ln in page.lines])
    out: list[Candidate] = []
    for rank, line in enumerate(lines):
        text = line.text.strip(" :,")
        if norm(text).replace(" ", "") in keys:
            continue
        letters = sum(c.isalpha() for c in text)
        if letters < 3 or letters < 0.5 * len(text.replace(" ", "")):
            continue
        score = 0.6 - 0.05 * rank + 0.1 * min(2.0, line.box.height / max(base, 1.0) - 1.0)
        if _DOC_TITLE.search(text):
            score -= 0.35
        if LEGAL_FORM.search(text):
            score += 0.2
        if _is_postcode_line(text) or (_streetish(text) and _STREET_NUMBER.search(text)):
            score -= 0.4
        if find_dates(text) or find_amounts(text) or ":" in text:
            score -= 0.3
        if line.text.rstrip().endswith(":"):
            score -= 0.3
        if person_like(text) and not LEGAL_FORM.search(text):
            score -= 0.15
        if len(text.split()) > 7:
            score -= 0.2
        out.append(candidate_from_lines(text, [line], page.index, max(0.05, min(0.9, score))))
    return out


def currency_candidates(index: DocIndex) -> list[Candidate]:
    """Vote on the currency from the amounts printed with a symbol or code."""
    votes: Counter[str] = Counter()
    where: dict[str, tuple[int, Line]] = {}
    for page, line in index.lines():
        for m in find_amounts(line.text):
            code = m.currency or (detect_currency(m.raw) if m.raw else None)
            if code:
                votes[code] += 1
                where.setdefault(code, (page, line))
    if not votes:
        for page, line in index.lines():
            code = detect_currency(line.text)
            if code and re.search(r"\b[A-Z]{3}\b|[€£$]", line.text):
                votes[code] += 1
                where.setdefault(code, (page, line))
    total = sum(votes.values())
    out: list[Candidate] = []
    for code, n in votes.most_common(3):
        page, line = where[code]
        score = 0.5 + 0.45 * n / total if total else 0.5
        out.append(candidate_from_lines(code, [line], page, score, raw=line.text))
    return out


def value_text(value: FieldValue) -> str:
    """Return a field value as plain text (dates in ISO form)."""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def fold(text: str) -> str:
    """Fold text for comparing names: accents, case and punctuation dropped."""
    return norm(text)
