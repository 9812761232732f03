"""What payslips, bank statements and utility bills share: labelled values, parties, periods.

Proof documents print most of their fields next to a label (``Net pay``, ``Saldo neu``,
``Montant à payer``), so each extractor collects scored candidates from its label table
(`collect`), then adds what labels do not give: the issuer from the top of the first page
(`header_names`), the person and address from an address block (`address_blocks`), the
currency from the amounts (`currency_candidates`). Nothing here knows any issuer.

Scans are read as they lie: `ProofIndex` follows a page's tilt (`page_slope`) when it looks
right of a label, an address block takes a flat or building line (`unit_line`) as part of
the address, and a legal form OCR split (``Gm bH``) is joined again (`join_legal_form`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from statistics import median

import numpy as np

from paperclerk.extract.common import DocIndex, Label, LabelHit, norm
from paperclerk.extract.invoice_parties import LEGAL_FORM
from paperclerk.extract.invoice_values import READERS, Reader, read_date, read_money, read_text
from paperclerk.extract.layout import Candidate, best_field, candidate_from_lines, merge_repeated
from paperclerk.extract.proof_labels import IGNORE
from paperclerk.model import Box, ExtractedField, FieldValue, Line, Page
from paperclerk.parsers import detect_currency, find_amounts, find_dates
from paperclerk.parsers.dates import month_number

__all__ = [
    "READERS",
    "AddressBlock",
    "ProofIndex",
    "Reader",
    "address_blocks",
    "collect",
    "currency_candidates",
    "header_names",
    "join_legal_form",
    "page_slope",
    "parse_period",
    "person_like",
    "read_date",
    "read_money",
    "read_name",
    "read_period",
    "to_fields",
    "unit_line",
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
    # 10115 Berlin, 1012 AB Amsterdam; 12345 [Buyer city], a template's placeholder town
    r"(?:[A-Z]-?)?\d{4,5}(?:\s?[A-Z]{2})?\s+\[?[^\W\d_][\w\-' .\]]+"
    r"|[A-Z]{1,2}\d[A-Z\d]?\s*\d(?:[A-Z][A-Z0]|0[A-Z])"  # UK: SW1A 1AA (OCR: 7OG as 70G)
    r"|[A-Z]{2}\s+\d{5}(?:-\d{4})?"  # US: NY 10001
    r")(?:$|[\s,])"
)
_UK_INWARD = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?\s\d)([A-Z0]{2})\b")
"""The inward half of a UK postcode (``7OG`` in ``BX9 7OG``): a digit, then two letters."""
_STREET_NUMBER = re.compile(r"\d")
_STREET_WORD = re.compile(
    r"(stra(ss|ß)e|str\.|\b(rue|avenue|av\.|road|rd\.|street|st\.|lane|weg|laan|straat|plein|"
    r"platz|allee|chemin|boulevard|bd|place|gasse|ring|way|close|drive|court|square)\b)",
    re.IGNORECASE,
)
_UNIT_WORDS = frozenset({
    "apt", "apartment", "appt", "app", "appartement", "flat", "suite", "ste", "unit", "floor",
    "fl", "room", "rm", "building", "bldg", "block", "blk", "tower", "house", "haus", "gebaude",
    "gebaeude", "wohnung", "whg", "etage", "stock", "og", "eg", "dg", "batiment", "bat",
    "residence", "escalier", "esc", "porte", "gebouw", "blok", "verdieping", "bus", "toren",
})  # fmt: skip
"""Words that name a flat, floor or building in an address (folded: no accents, no dots)."""
_UNIT_LEAD = frozenset({
    "building", "bldg", "haus", "gebaude", "gebaeude", "batiment", "residence", "gebouw",
})  # fmt: skip
"""Of those, the ones that open an address line whatever follows (``Résidence Les Pins``)."""
_DESIGNATOR = re.compile(r"^(?:#?\d{1,4}[a-z]?|[a-z]|\d{1,2}(?:st|nd|rd|th|e|er|re|eme)?)$")
_PARTICLES = frozenset({
    "van", "de", "der", "den", "von", "vom", "zu", "du", "des", "la", "le", "ten", "ter",
    "da", "di", "del", "dos", "das", "el", "y", "e", "bin", "al",
})  # fmt: skip
"""Lower-case words inside a person's name (``Ilse de Jong``, ``Ludwig van Beethoven``)."""
_DOC_TITLE = re.compile(
    r"\b(payslip|pay slip|pay advice|salary|earnings|statement|bill|invoice|bulletin|fiche|"
    r"paie|relev[eé]|facture|extrait|nota|factuur|your|ihre|votre|uw|account)\b"
    r"|(abrechnung|rechnung|auszug|bescheinigung|übersicht|afschrift|strook|overzicht|"
    r"afrekening|specificatie|jaarnota)",
    re.IGNORECASE,
)


_MAX_SLOPE = 0.045
"""The steepest page tilt looked for (about 2.5 degrees), as rise over run."""


def page_slope(page: Page) -> float:
    """Estimate how much the text rows of a scanned page rise or fall per pixel to the right.

    A phone scan turned by a degree moves a value at the right margin by most of a line
    height against its label at the left, so it no longer sits on the label's row. Every
    pair of lines side by side votes for the tilts that would put them on one row; the tilt
    most pairs agree on wins, a level page where tilting gains nothing gives 0.
    """
    if len(page.lines) < 4:
        return 0.0
    boxes = np.array([(ln.box.x0, ln.box.x1, ln.box.cx, ln.box.cy) for ln in page.lines])
    h = float(median([ln.box.height for ln in page.lines]))
    dx = boxes[None, :, 2] - boxes[:, None, 2]
    dy = boxes[None, :, 3] - boxes[:, None, 3]
    beside = (boxes[None, :, 0] > boxes[:, None, 1]) & (dx >= 4 * h)
    near = np.abs(dy) <= 0.45 * h + _MAX_SLOPE * dx
    dx, dy = dx[beside & near], dy[beside & near]
    if dx.size == 0:
        return 0.0
    steps = 45
    grid = _MAX_SLOPE * (np.arange(2 * steps + 1) - steps) / steps
    misfit = np.abs(dy[None, :] - grid[:, None] * dx[None, :]) / (0.3 * h)
    votes = np.clip(1.0 - misfit, 0.0, None).sum(axis=1)
    best = int(np.argmax(votes - 1e-9 * np.abs(grid)))
    slope = float(grid[best])
    if votes[best] <= votes[steps] * 1.2 or abs(slope) * page.width * 0.75 < 0.2 * h:
        return 0.0
    return slope


class ProofIndex(DocIndex):
    """A `DocIndex` whose rows follow the tilt of a scanned page (`page_slope`).

    Values right of a label are looked for along the tilted row; on a level page nothing
    changes.
    """

    def __post_init__(self) -> None:
        super().__post_init__()
        self.slopes = {p.index: page_slope(p) for p in self.pages}

    def on_row(self, page: int, a: Box, b: Box) -> bool:
        """Whether `b` sits on the row of `a`, the row tilted by the page's slope."""
        slope = self.slopes.get(page, 0.0)
        tolerance = 0.45 * max(min(a.height, b.height), 1.0)
        return abs(b.cy - a.cy - slope * (b.cx - a.cx)) < tolerance


def collect(
    index: DocIndex,
    labels: list[Label],
    readers: dict[str, Reader],
    dayfirst: bool,
    skip_lines: set[str] | None = None,
) -> dict[str, list[Candidate]]:
    """Read every labelled value: each label hit asks its fields' readers for a candidate.

    A label OCR glued to its value (``AbrechnungszeitraumJuni 2025``) is found as well.
    """
    cands: dict[str, list[Candidate]] = defaultdict(list)
    for hit in index.find_labels(labels) + glued_hits(index, labels):
        if skip_lines and hit.line.id in skip_lines:
            continue
        for name, weight in hit.label.fields:
            if name == IGNORE or name not in readers:
                continue
            cands[name].extend(readers[name](index, hit, weight, dayfirst))
    return cands


_CAMEL = re.compile(r"(?<=[^\W\d_]{4})(?=[A-ZÄÖÜÉÈ][a-zäöüéèûô])")


def glued_hits(index: DocIndex, labels: list[Label]) -> list[LabelHit]:
    """Find labels OCR glued to the word after them where a capital starts the value.

    ``AbrechnungszeitraumJuni`` is the label ``Abrechnungszeitraum`` and the value
    ``Juni``; only a head that is a whole label of at least six letters counts, so a name
    such as ``McDonald`` stays one word. (Labels glued to digits the index finds itself.)
    """
    by_key = {lb.key: lb for lb in labels if len(lb.key) >= 6}
    out: list[LabelHit] = []
    for page, line in index.lines():
        words = index.line_words(line)
        for i, w in enumerate(words):
            for m in _CAMEL.finditer(w.text):
                label = by_key.get(norm(w.text[: m.start()]).replace(" ", ""))
                if label is not None and not index.hits_by_line.get(line.id):
                    rest = w.text[m.start() :]
                    out.append(LabelHit(label, page, line, words, i, i + 1, rest, 0.95))
                    break
    return out


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


def unit_line(text: str) -> bool:
    """Whether a line is the flat, floor or building part of an address, not a name.

    It names a unit (``Apt 4B``, ``Suite 200``, ``Bâtiment F``, ``Haus B``, ``2. OG``,
    ``3e verdieping``, ``2nd Floor``) and holds nothing but unit words and short numbers or
    letters, or it opens with a building word (``Résidence Les Pins``).
    """
    tokens = [norm(t) for t in text.replace(",", " ").replace("#", "").split()]
    tokens = [t.replace(" ", "") for t in tokens if t]
    if LEGAL_FORM.search(text) or not 2 <= len(tokens) <= 4:
        return False
    if not any(t in _UNIT_WORDS for t in tokens):
        return False
    if tokens[0] in _UNIT_LEAD:
        return True
    return all(t in _UNIT_WORDS or _DESIGNATOR.match(t) for t in tokens) and any(
        _DESIGNATOR.match(t) for t in tokens
    )


_SPLIT_FORMS = frozenset({
    "GmbH", "gGmbH", "Ltd", "Ltd.", "LTD", "Inc", "Inc.", "LLC", "LLP", "PLC", "plc",
    "Corp.", "B.V.", "N.V.", "S.A.", "S.A.S.", "SARL", "S.à.r.l.", "S.r.l.", "S.p.A.", "KGaA",
    "GbR", "e.V.", "e.K.", "AG", "KG", "OHG", "UG", "BV", "NV", "SAS",
})  # fmt: skip
"""Legal forms that OCR splits into pieces (``Gm bH``, ``L td``, ``B. V.``)."""
_FORM_PIECE = re.compile(r"^[^\W\d_]{1,3}\.?$")


def join_legal_form(text: str) -> str:
    """Rejoin a legal form OCR split in two or three (``Rimar Ullum Gm bH`` → ``... GmbH``).

    Only short pieces after a name are joined, where the joined text is a known form and
    either a piece is lower-case inside (``Gm bH``, ``L td``) or every piece ends in a dot
    (``S. A.``): two capitals alone (``Haus A G``) may be initials, so they stay.
    """
    words = text.split()
    for n in (3, 2):
        for i in range(1, len(words) - n + 1):
            pieces = words[i : i + n]
            after = words[i + n] if i + n < len(words) else None
            if after not in (None, "&", "+") or not all(_FORM_PIECE.match(w) for w in pieces):
                continue
            joined = "".join(pieces)
            dotted = all(w.endswith(".") for w in pieces)
            mixed = any(c.islower() for c in joined) and any(c.isupper() for c in joined)
            if joined.rstrip(",") in _SPLIT_FORMS and (dotted or mixed):
                return " ".join([*words[:i], joined, *words[i + n :]])
    return text


def person_like(text: str, loose: bool = False) -> bool:
    """Whether a line reads like a person's name: 2-5 capitalised words, a title allowed.

    A lower-case particle inside the name (``Ilse de Jong``, ``Jan van der Berg``) is
    allowed; a flat or building line (``Bâtiment F``, see `unit_line`) is no name. A
    `loose` reading, for a line placed where an addressee stands, lets OCR have lost the
    capitals after the first word (``Greta junjunjun``).
    """
    words = [w for w in text.replace(",", " ").split() if not _TITLES.match(w)]
    if not 2 <= len(words) <= 6 or LEGAL_FORM.search(text) or unit_line(text):
        return False
    if any(c.isdigit() for c in text) or ":" in text:
        return False
    inner = [w for w in words[1:-1] if w not in _PARTICLES]
    named = [words[0], *inner, words[-1]]
    if not 2 <= len(named) <= 5:
        return False
    if loose:
        return named[0][:1].isupper() and all(w.replace("-", "").isalpha() for w in named)
    return all(w[:1].isupper() and sum(c.isalpha() for c in w) >= 1 for w in named)


def read_name(index: DocIndex, hit: LabelHit, weight: float, dayfirst: bool) -> list[Candidate]:
    """Read a name right of the label or under it; a value with digits is not a name.

    A legal form OCR split (``Gm bH``) is joined again (`join_legal_form`).
    """
    found = read_text(index, hit, weight, dayfirst)
    out: list[Candidate] = []
    for c in found:
        text = join_legal_form(str(c.value))
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
        """The address lines joined with commas; a UK postcode read ``70G`` says ``7OG``."""
        return ", ".join(_fix_postcode(ln.text.strip(" ,")) for ln in self.address)


def _fix_postcode(text: str) -> str:
    """Read a zero where a UK postcode must have a letter as the letter O."""

    def letters(m: re.Match[str]) -> str:
        tail = m.group(2)
        return m.group(1) + (tail.replace("0", "O") if tail != "00" else tail)

    return _UK_INWARD.sub(letters, text)


def _is_postcode_line(text: str) -> bool:
    return _POSTCODE.search(text) is not None and len(text) <= 60


def _streetish(text: str) -> bool:
    return (
        _STREET_NUMBER.search(text) is not None
        or _STREET_WORD.search(text) is not None
        or unit_line(text)
    )


def address_blocks(pages: list[Page], gap_lines: float = 2.6) -> list[AddressBlock]:
    """Find address blocks: a postcode line, up to two street lines above it, then a name.

    A flat or building line (`unit_line`) counts as a street line, and may be a third. Of
    the blocks of one addressee the longest is kept.

    The lines must be stacked in one column with no wider gap than a blank line (tops
    `gap_lines` median line heights apart); the line above the street lines is the
    addressee.
    """
    blocks: list[AddressBlock] = []
    for page in pages:
        lines = sorted(page.lines, key=lambda ln: (ln.box.y0, ln.box.x0))
        heights = [ln.box.height for ln in lines] or [10.0]
        step = gap_lines * median(heights)
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
                room = len(stack) < 3 or (len(stack) < 4 and unit_line(above.text))
                if room and _streetish(above.text) and not person_like(above.text):
                    stack.insert(0, above)
                    continue
                name = above
                break
            if name is None:
                continue
            blocks.append(AddressBlock(page.index, name, stack))
    return _longest_per_name(blocks)


def _longest_per_name(blocks: list[AddressBlock]) -> list[AddressBlock]:
    """Keep one block per addressee, the one with the most address lines.

    A street line can read like a postcode line (``1085 Elm Avenue`` like ``1012 Amsterdam``),
    which gives the addressee a second, shorter block that stops at the street.
    """
    best: dict[tuple[int, str], AddressBlock] = {}
    for block in blocks:
        key = (block.page, block.name.id)
        if key not in best or len(block.address) > len(best[key].address):
            best[key] = block
    return [b for b in blocks if best[(b.page, b.name.id)] is b]


def header_names(pages: list[Page], labels: list[Label], max_lines: int = 8) -> list[Candidate]:
    """Candidates for the issuer: prominent lines at the top of the first page.

    Higher and taller lines score more; a document title (``Payslip``, ``Kontoauszug``),
    a line with a date or an amount, and a person's name score less; a legal form more.
    A line that is one of the document's labels (``Pay period``) is none. A legal form
    OCR split (``Gm bH``) is joined again.
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
        text = join_legal_form(line.text.strip(" :,"))
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
        elif person_like(text, loose=True):
            score -= 0.1  # a name whose capitals OCR lost (``Greta junjunjun``)
        if len(text.split()) > 7:
            score -= 0.2
        out.append(candidate_from_lines(text, [line], page.index, max(0.05, min(0.9, score))))
    return out


_LETTER_POSTCODE = re.compile(r"\b[1-9]\d{3} ?[A-Z]{2}\s+[A-ZÀ-Ý][a-zà-ÿ]")
"""A Dutch postcode and town (`4715 RM Almere`): its letters are no currency code."""


def currency_candidates(index: DocIndex) -> list[Candidate]:
    """Vote on the currency from the amounts printed with a symbol or code."""
    votes: Counter[str] = Counter()
    where: dict[str, tuple[int, Line]] = {}
    for page, line in index.lines():
        if _LETTER_POSTCODE.search(line.text):
            continue
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
