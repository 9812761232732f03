"""Personal data: which fields of each document type identify a person, and masking them.

The source of truth for what is personal: `PERSONAL_FIELDS` names the fields per document
type, `PERSONAL_LINE_ITEM_FIELDS` the line-item cells. `mark_personal` sets
`ExtractedField.personal` from it, so every result says which of its values are personal;
`mask_document` returns a copy in which those values, their raw text and alternatives are
replaced by `MASK` (the field, its confidence and its box stay), and with them the page
words they were read from and any copy of them in findings and decision reasons. Logs,
webhooks (unless a webhook asks for personal data) and purged documents carry the masked
form only.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from paperclerk.model.document import DocType, Document
from paperclerk.model.fields import Alternative, ExtractedField, FieldValue, LineItem
from paperclerk.model.page import Page

MASK = "•••"
"""What a personal value, its raw text and the words it was read from are replaced with."""

IDENTITY_PERSONAL_FIELDS = frozenset(
    {
        "document_number",
        "surname",
        "given_names",
        "date_of_birth",
        "sex",
        "personal_number",
        "mrz",
        "nationality",
    }
)
"""Fields of an identity document that identify its holder."""

PERSONAL_FIELDS: Mapping[str, frozenset[str]] = {
    DocType.IDENTITY_DOCUMENT: IDENTITY_PERSONAL_FIELDS,
    DocType.PAYSLIP: frozenset({"employee", "gross_pay", "net_pay"}),
    DocType.BANK_STATEMENT: frozenset(
        {"account_holder", "iban", "opening_balance", "closing_balance"}
    ),
    DocType.UTILITY_BILL: frozenset({"customer_name", "customer_address"}),
}
"""Document type → the fields (in `fields` or `extra`) that are personal data."""

PERSONAL_LINE_ITEM_FIELDS: Mapping[str, frozenset[str]] = {
    DocType.BANK_STATEMENT: frozenset({"description", "balance"}),
}
"""Document type → the line-item cells that are personal data.

A statement's transaction descriptions name counterparties and purposes; its running
balances give away the opening and closing balances, which are personal themselves.
"""

_DATE_FORMATS = ("%d.%m.%Y", "%d/%m/%Y", "%m/%d/%Y", "%d-%m-%Y", "%d %b %Y", "%d %B %Y", "%y%m%d")
"""Spellings of a personal date that findings or page words may hold besides ISO."""
_MIN_TOKEN = 2
"""Shorter pieces of a personal value (a sex code, an initial) are not searched for in text."""
_MIN_NUMBER = 4
"""Pieces of a value that are shorter numbers (a house number, a day) are not searched either."""
_SPLIT = re.compile(r"[\s<,;:/]+")


def personal_fields(doc_type: str) -> frozenset[str]:
    """Return the names of the personal fields of a document type (none for most types).

    Callers that only know a type's name (a stored row's `doc_type`) can ask too.
    """
    return PERSONAL_FIELDS.get(str(doc_type), frozenset())


def personal_line_item_fields(doc_type: str) -> frozenset[str]:
    """Return the names of the personal line-item cells of a document type."""
    return PERSONAL_LINE_ITEM_FIELDS.get(str(doc_type), frozenset())


def has_personal_fields(doc_type: str | None) -> bool:
    """Tell whether documents of this type can carry personal data in their fields."""
    if doc_type is None:
        return False
    return bool(personal_fields(doc_type) or personal_line_item_fields(doc_type))


def mark_personal(doc: Document) -> Document:
    """Set `personal` on every field and line-item cell of the document from its type; return it.

    In place: the pipeline calls it on each result, and readers of stored results call it
    again, so results stored before the flag existed (or edited by a reviewer) say it too.
    """
    names = personal_fields(doc.doc_type)
    for group in (doc.fields, doc.extra):
        for name, field in group.items():
            field.personal = name in names
    cells = personal_line_item_fields(doc.doc_type)
    for item in doc.line_items:
        for name, cell in item.fields.items():
            cell.personal = name in cells
    return doc


def mask_document(doc: Document) -> Document:
    """Return a copy of the document with every personal value replaced by `MASK`.

    The personal fields stay (name, confidence, provenance with its box, source, the
    number of alternatives) but their value, raw text and the alternatives' values and
    raw text become `MASK`, dates included. Page words the personal values were read from
    (or that spell one of them) become `MASK`, the lines holding them are written again,
    and copies of the values in findings and decision reasons are masked too. Nothing else
    changes: non-personal fields keep their values. The document given is left as it is.
    """
    masked = mark_personal(doc.model_copy(deep=True))
    personal = list(_personal_fields_of(masked))
    if not personal:
        return masked
    secrets = _secret_texts(personal)
    pattern = _pattern(secrets)
    word_ids: set[str] = set()
    for field in personal:
        word_ids.update(_word_ids(field))
        _mask_field(field)
    for page in masked.pages:
        _mask_page(page, word_ids, pattern)
    for finding in masked.findings:
        finding.message = scrub(finding.message, pattern)
    if masked.decision is not None:
        masked.decision.reasons = [scrub(r, pattern) for r in masked.decision.reasons]
    return masked


def mask_result(result: Mapping[str, Any]) -> dict[str, Any]:
    """Return a stored result (a `Document` as JSON) with its personal values masked, as JSON.

    The form stored results, webhook bodies and log lines take (see `mask_document`).
    """
    return mask_document(Document.model_validate(result)).model_dump(mode="json")


def marked_result(result: Mapping[str, Any]) -> Document:
    """Return a stored result as a `Document` whose fields say whether they are personal."""
    return mark_personal(Document.model_validate(result))


def scrubber(doc: Document) -> Callable[[str], str]:
    """Return a function masking the document's personal values wherever a text holds them.

    For copies of the values kept apart from the result (audit entries, review reasons).
    """
    marked = mark_personal(doc.model_copy(deep=True))
    pattern = _pattern(_secret_texts(_personal_fields_of(marked)))
    return lambda text: scrub(text, pattern)


def scrub(text: str, pattern: re.Pattern[str] | None) -> str:
    """Return the text with every occurrence of a personal value (the pattern) masked."""
    if pattern is None or not text:
        return text
    return pattern.sub(MASK, text)


def _personal_fields_of(doc: Document) -> Iterator[ExtractedField]:
    """Yield the document's fields and line-item cells marked personal."""
    for group in (doc.fields, doc.extra):
        yield from (f for f in group.values() if f.personal)
    for item in doc.line_items:
        yield from _personal_cells(item)


def _personal_cells(item: LineItem) -> Iterator[ExtractedField]:
    yield from (cell for cell in item.fields.values() if cell.personal)


def _word_ids(field: ExtractedField) -> set[str]:
    """Return the ids of the page words a field and its alternatives were read from."""
    ids = set(field.provenance.word_ids) if field.provenance else set()
    for alt in field.alternatives:
        if alt.provenance is not None:
            ids.update(alt.provenance.word_ids)
    return ids


def _mask_field(field: ExtractedField) -> None:
    """Replace a field's value, raw text and alternatives' values and raw text by `MASK`."""
    field.value = MASK if field.value not in (None, "") else field.value
    field.raw_text = MASK if field.raw_text else ""
    field.alternatives = [
        Alternative(value=MASK, raw_text=MASK, score=a.score, provenance=a.provenance)
        for a in field.alternatives
    ]


def _mask_page(page: Page, word_ids: set[str], pattern: re.Pattern[str] | None) -> None:
    """Mask the page's words that personal values came from or spell, and their lines."""
    changed: set[str] = set()
    for word in page.words:
        if word.id in word_ids or scrub(word.text, pattern) != word.text:
            word.text = MASK
            word.char_confidences = None
            changed.add(word.id)
    texts = {w.id: w.text for w in page.words}
    for line in page.lines:
        if changed.intersection(line.word_ids) and all(i in texts for i in line.word_ids):
            line.text = " ".join(texts[i] for i in line.word_ids)
        else:
            line.text = scrub(line.text, pattern)


def _secret_texts(fields: Iterable[ExtractedField]) -> set[str]:
    """Return the texts that spell the personal values: whole, word by word, and as written."""
    texts: set[str] = set()
    for field in fields:
        values: list[FieldValue] = [field.value, *(a.value for a in field.alternatives)]
        raws = [field.raw_text, *(a.raw_text for a in field.alternatives)]
        for value in values:
            texts.update(_spellings(value))
        for raw in raws:
            texts.update(_spellings(raw))
    texts.discard(MASK)
    return {t for t in texts if len(t) >= _MIN_TOKEN}


def _spellings(value: FieldValue) -> set[str]:
    """Return the ways a value may be written in text: itself, its words, common formats."""
    if value is None:
        return set()
    if isinstance(value, dt.date):
        return {value.isoformat(), *(value.strftime(f) for f in _DATE_FORMATS)}
    if isinstance(value, Decimal):
        grouped = f"{value:,.2f}"
        european = grouped.translate(str.maketrans(",.", ".,"))
        return {str(value), f"{value:.2f}", grouped, european}
    text = str(value).strip()
    if not text:
        return set()
    parts = {p for p in _SPLIT.split(text) if p and not _short_number(p)}
    folded = {_fold(p) for p in parts}
    return {text, _fold(text), *parts, *folded}


def _short_number(part: str) -> bool:
    """Tell whether a piece of a value is a number too short to search for (a house number)."""
    return part.isdigit() and len(part) < _MIN_NUMBER


def _fold(text: str) -> str:
    """Return the text without accents (`MÜLLER` → `MULLER`), as rules compare names."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _pattern(secrets: set[str]) -> re.Pattern[str] | None:
    """Return a case-insensitive pattern matching any of the texts as a whole word, or None."""
    if not secrets:
        return None
    alternatives = "|".join(re.escape(s) for s in sorted(secrets, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
