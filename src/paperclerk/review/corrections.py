"""A reviewer's corrections: parse them, apply them to a document, check the result.

`check` is what the review screen calls while a person types and what `approve` calls
before it stores anything, so the browser and the server refuse the same things.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from paperclerk.model import (
    Document,
    ExtractedField,
    FieldSource,
    FieldValue,
    LineItem,
    Provenance,
    Severity,
    union_all,
)
from paperclerk.model.fields import value_text
from paperclerk.pipeline.policy import TypePolicy, packaged_policy
from paperclerk.review.display import display_text
from paperclerk.review.hints import Hints, currency_of, hints_of
from paperclerk.review.parse import parse_field
from paperclerk.review.schema import kind_of
from paperclerk.rules.basic import run_rules

MAX_FIELDS = 200
MAX_ITEMS = 500
MAX_TEXT = 2000
MAX_ACK_REASON = 500
MAX_RULES = 50
_WORD_ID = re.compile(r"p(\d+)-w\d+")
RuleId = Annotated[str, StringConstraints(max_length=100)]
AckReason = Annotated[str, StringConstraints(max_length=MAX_ACK_REASON)]


class Correction(BaseModel):
    """What the review form sends: every field's text, the words it was read from, the rows.

    `fields` maps a field name to the text in the form ("" = the field is absent);
    `field_words` the word ids a value was picked from on the page; `line_items` the table
    rows (column → text), or None to keep the rows as they are; `acknowledged` the failing
    business rules the reviewer accepts as they are (rule id → why, at most 500
    characters), instead of inventing data to make them pass.
    """

    fields: dict[str, str] = Field(default_factory=dict, max_length=MAX_FIELDS)
    field_words: dict[str, list[str]] = Field(default_factory=dict, max_length=MAX_FIELDS)
    line_items: list[dict[str, str]] | None = Field(default=None, max_length=MAX_ITEMS)
    acknowledged: dict[RuleId, AckReason] = Field(default_factory=dict, max_length=MAX_RULES)


@dataclass(frozen=True)
class Problem:
    """Something wrong with a value: where (a field, `line_items` or a cell), what, blocking.

    `rule` is the id of the business rule that failed (None for a value that does not
    parse or a required field left empty); only such a rule can be acknowledged.
    """

    field: str
    message: str
    blocking: bool = True
    rule: str | None = None


@dataclass
class Checked:
    """The corrected document, what changed, every problem found, and how values read.

    `parsed` maps each field that has a value (line-item cells as `line_items.<row>.<column>`,
    rows numbered as in the form) to a short text of the value as it will be stored
    (`8 Mar 2014`, `12.50 MYR`); `acknowledged` the failing rules the reviewer accepted,
    with the reason given.
    """

    document: Document
    problems: list[Problem] = field(default_factory=list)
    changed: dict[str, tuple[str, str]] = field(default_factory=dict)
    parsed: dict[str, str] = field(default_factory=dict)
    acknowledged: dict[str, str] = field(default_factory=dict)

    @property
    def blocking(self) -> list[Problem]:
        """The problems that forbid approval."""
        return [p for p in self.problems if p.blocking]


def _provenance(doc: Document, word_ids: list[str]) -> Provenance | None:
    """Return the page and box of the words a value was picked from (None if unknown)."""
    known = {w.id: (p.index, w) for p in doc.pages for w in p.words}
    picked = [known[w] for w in word_ids if w in known]
    if not picked:
        return None
    page = picked[0][0]
    boxes = [w.box for p, w in picked if p == page]
    return Provenance(page=page, box=union_all(boxes), word_ids=[w.id for _, w in picked])


def _human(name: str, value: FieldValue, text: str, prov: Provenance | None) -> ExtractedField:
    """Return a field a person confirmed or typed."""
    return ExtractedField(
        name=name,
        value=value,
        raw_text=text[:MAX_TEXT],
        confidence=1.0,
        provenance=prov,
        source=FieldSource.HUMAN,
    )


def _apply_fields(doc: Document, corr: Correction, out: Checked, hints: Hints) -> None:
    for name, text in corr.fields.items():
        if len(name) > 100 or len(text) > MAX_TEXT:
            out.problems.append(Problem(name[:100], "the value is too long"))
            continue
        parsed = parse_field(name, text, hints)
        if parsed.error:
            out.problems.append(Problem(name, parsed.error))
            continue
        if parsed.value is not None:
            currency = parsed.currency or hints.currency
            out.parsed[name] = display_text(kind_of(name), parsed.value, currency)
        old = doc.fields.get(name)
        old_text = value_text(old.value) if old else ""
        new_text = value_text(parsed.value)
        words = [w for w in corr.field_words.get(name, []) if _WORD_ID.fullmatch(w)]
        if parsed.value is None:
            if old is not None:
                del out.document.fields[name]
        elif old is None or old.value != parsed.value or (words and words != _ids(old)):
            prov = _provenance(doc, words) if words else (old.provenance if old else None)
            out.document.fields[name] = _human(name, parsed.value, text, prov)
        if old_text != new_text:
            out.changed[name] = (old_text, new_text)


def _ids(f: ExtractedField) -> list[str]:
    return f.provenance.word_ids if f.provenance else []


def _apply_items(doc: Document, rows: list[dict[str, str]], out: Checked, hints: Hints) -> None:
    items: list[LineItem] = []
    for i, row in enumerate(rows):
        old = doc.line_items[i] if i < len(doc.line_items) else None
        cells: dict[str, ExtractedField] = {}
        for col, text in row.items():
            key = f"line_items.{i}.{col}"
            if len(col) > 100 or len(text) > MAX_TEXT:
                out.problems.append(Problem(key[:120], "the value is too long"))
                continue
            parsed = parse_field(col, text, hints)
            if parsed.error:
                out.problems.append(Problem(key, parsed.error))
                continue
            if parsed.value is None:
                continue
            currency = parsed.currency or hints.currency
            out.parsed[key] = display_text(kind_of(col), parsed.value, currency)
            before = old.fields.get(col) if old else None
            if before is not None and before.value == parsed.value:
                cells[col] = before
            else:
                prov = before.provenance if before else None
                cells[col] = _human(col, parsed.value, text, prov)
        if cells:
            items.append(LineItem(index=len(items), fields=cells, confidence=1.0))
    old_rows = [_row_texts(it) for it in doc.line_items]
    new_rows = [_row_texts(it) for it in items]
    out.document.line_items = items
    if old_rows != new_rows:
        out.changed["line_items"] = (_rows_text(old_rows), _rows_text(new_rows))


def _row_texts(item: LineItem) -> dict[str, str]:
    return {k: value_text(v.value) for k, v in item.fields.items()}


def _rows_text(rows: list[dict[str, str]]) -> str:
    return "; ".join(" | ".join(f"{k}={v}" for k, v in r.items()) for r in rows)


def _clean(text: str) -> str:
    """Return a reason as one line of printable text (spaces collapsed)."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def parsed_texts(doc: Document) -> dict[str, str]:
    """Return every value of a document as the short text the review screen shows.

    Keys as in `Checked.parsed`; amounts in the document's currency when it has one. The
    review page shows these for the values as read, before anything is typed.
    """
    currency = currency_of(doc)
    texts = {
        name: display_text(kind_of(name), f.value, currency)
        for name, f in doc.fields.items()
        if f.value is not None and f.value != ""
    }
    for i, item in enumerate(doc.line_items):
        for col, cell in item.fields.items():
            if cell.value is not None and cell.value != "":
                texts[f"line_items.{i}.{col}"] = display_text(kind_of(col), cell.value, currency)
    return texts


def check(doc: Document, corr: Correction, policy: TypePolicy | None = None) -> Checked:
    """Apply the corrections to a copy of the document and find every problem.

    Problems are values that do not parse (invalid dates and amounts, failing check
    digits, ambiguous dates the document does not resolve, negative totals), fields the
    type's decision policy requires (`policy`, by default the packaged one) left empty,
    and the business rules that fail on the corrected document (totals that do not add
    up, dates in the future); all of them block approval except rule findings of severity
    `info` and failing rules the reviewer acknowledged with a reason (`corr.acknowledged`).
    Values that do not parse and required fields can never be acknowledged.
    """
    hints = hints_of(doc, corr.fields)
    out = Checked(document=doc.model_copy(deep=True))
    _apply_fields(doc, corr, out, hints)
    if corr.line_items is not None:
        _apply_items(doc, corr.line_items, out, hints)
    bad = {p.field for p in out.problems}
    for key, text in parsed_texts(out.document).items():
        is_cell = key.startswith("line_items.")
        if key not in bad and (not is_cell or corr.line_items is None):
            out.parsed.setdefault(key, text)
    acknowledged = {r: _clean(t) for r, t in corr.acknowledged.items() if _clean(t)}
    required = (policy or packaged_policy().for_type(doc.doc_type)).required
    out.problems += [
        Problem(n, "required")
        for n in required
        if out.document.fields.get(n) is None and n not in bad
    ]
    findings = run_rules(out.document)
    for finding in findings:
        if finding.passed or finding.severity == Severity.INFO:
            continue
        if finding.fields and all(n in bad for n in finding.fields):
            continue  # a value that does not parse is reported once, not again by a rule
        names = finding.fields or ["document"]
        # a rule over single values and the rows (the rows' sum against the total) points
        # at the single value: one value to check first, the rows second
        scalars = [n for n in names if n != "line_items"]
        target = scalars[-1] if scalars else "line_items"
        if target in bad:
            continue  # the value it points at does not parse: that is the problem to fix
        reason = acknowledged.get(finding.rule_id)
        if reason is not None:
            out.acknowledged[finding.rule_id] = reason
        problem = Problem(target, finding.message, reason is None, finding.rule_id)
        out.problems.append(problem)
    out.document.findings = findings
    return out
