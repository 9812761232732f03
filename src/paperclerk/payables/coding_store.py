"""Confirmed line codings of a workspace: kept, suggested from, written into invoices.

The storage half of `payables.coding` (the model): `line_codings` rows are the history a
suggestion votes with; `fill_line_codings` writes confident suggestions into an invoice's
line cells before the worker stores it; `confirm_codings` (the API) and
`learn_approved_codings` (a reviewer's approval) add to the history; `document_coding`
answers `GET /v1/documents/{id}/coding`; `document_cost_centres` feeds the approval rules.
None of these functions commits; they write in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from paperclerk.model import Alternative, DocType, Document, ExtractedField, FieldSource
from paperclerk.payables.coding import (
    FILL_MIN_CONFIDENCE,
    MAX_CODE,
    MAX_WORKSPACE_LINES,
    CodedLine,
    CodingValueError,
    LineSuggestion,
    NotAnInvoiceError,
    NotCodableError,
    Suggestion,
    line_text,
    normalise_text,
    suggest_line,
    supplier_keys,
)
from paperclerk.payables.matching import SupplierMatch, invoice_party, match_party
from paperclerk.payables.store import workspace_suppliers
from paperclerk.review.audit import Actor, record
from paperclerk.review.schema import retype
from paperclerk.storage.columns import utcnow
from paperclerk.storage.documents import check_not_purged
from paperclerk.storage.errors import NotFoundError
from paperclerk.storage.tables import DocumentRow, LineCodingRow


def _coded(row: LineCodingRow) -> CodedLine:
    return CodedLine(row.supplier_key, row.line_text, row.gl_account, row.cost_centre)


def coding_history(
    session: Session, workspace_id: str, keys: Collection[str], exclude_document: str | None
) -> list[CodedLine]:
    """Return the confirmed lines a suggestion votes with: the supplier's, then the rest.

    All of the supplier's own lines (`keys`), and the newest `MAX_WORKSPACE_LINES` of the
    other suppliers'; never those of `exclude_document` (a document does not vote for
    itself).
    """
    base = select(LineCodingRow).where(LineCodingRow.workspace_id == workspace_id)
    if exclude_document is not None:
        base = base.where(LineCodingRow.document_id != exclude_document)
    own = list(session.scalars(base.where(LineCodingRow.supplier_key.in_(list(keys)))))
    others = session.scalars(
        base.where(LineCodingRow.supplier_key.not_in(list(keys)))
        .order_by(LineCodingRow.coded_at.desc(), LineCodingRow.id)
        .limit(MAX_WORKSPACE_LINES)
    )
    return [_coded(r) for r in [*own, *others]]


def has_coding_history(session: Session, workspace_id: str) -> bool:
    """Whether the workspace has any confirmed line coding."""
    found = session.scalar(
        select(LineCodingRow.id).where(LineCodingRow.workspace_id == workspace_id).limit(1)
    )
    return found is not None


def document_keys(
    session: Session, workspace_id: str, doc: Document, match: SupplierMatch | None = None
) -> list[str]:
    """Return the supplier keys of an invoice (matching it to the master data if needed)."""
    party = invoice_party(doc)
    if match is None:
        match = match_party(workspace_suppliers(session, workspace_id), party)
    return supplier_keys(match, party)


def suggest_document(
    session: Session, workspace_id: str, doc: Document, match: SupplierMatch | None = None
) -> list[LineSuggestion | None]:
    """Suggest a coding per line of an invoice from the workspace's history (by index)."""
    keys = document_keys(session, workspace_id, doc, match)
    history = coding_history(session, workspace_id, keys, doc.id or None)
    return [suggest_line(history, keys, line_text(doc, i)) for i in range(len(doc.line_items))]


def _cell(name: str, suggestion: Suggestion) -> ExtractedField:
    return ExtractedField(
        name=name,
        value=suggestion.value,
        raw_text=suggestion.value,
        confidence=suggestion.confidence,
        source=FieldSource.MEMORY,
        alternatives=[
            Alternative(value=a.value, raw_text=a.value, score=a.confidence)
            for a in suggestion.alternatives
        ],
    )


def _human_cell(name: str, value: str) -> ExtractedField:
    return ExtractedField(
        name=name, value=value, raw_text=value, confidence=1.0, source=FieldSource.HUMAN
    )


def fill_line_codings(
    session: Session, workspace_id: str, doc: Document, match: SupplierMatch | None
) -> None:
    """Fill an invoice's line `gl_account`/`cost_centre` cells before the worker stores it.

    A line confirmed before (a reprocessed document) gets its confirmed coding back
    (source `human`); another gets the suggestion (source `memory`, its confidence and
    alternatives) when its confidence reaches `FILL_MIN_CONFIDENCE` and no cell is there
    already — the journal export books to these cells, so a guess stays out of them
    (`GET /v1/documents/{id}/coding` shows every suggestion). Nothing without history; the decision
    is never touched (coding is advisory).
    """
    if doc.doc_type != DocType.INVOICE or not doc.line_items:
        return
    if not has_coding_history(session, workspace_id):
        return
    confirmed = _confirmed_rows(session, workspace_id, doc.id) if doc.id else {}
    suggestions = suggest_document(session, workspace_id, doc, match)
    for index, (item, suggestion) in enumerate(zip(doc.line_items, suggestions, strict=True)):
        row = confirmed.get(index)
        if row is not None and row.line_text == normalise_text(line_text(doc, index)):
            item.fields["gl_account"] = _human_cell("gl_account", row.gl_account)
            if row.cost_centre:
                item.fields["cost_centre"] = _human_cell("cost_centre", row.cost_centre)
            continue
        if suggestion is None:
            continue
        if suggestion.gl_account.confidence >= FILL_MIN_CONFIDENCE:
            item.fields.setdefault("gl_account", _cell("gl_account", suggestion.gl_account))
        centre = suggestion.cost_centre
        if centre is not None and centre.confidence >= FILL_MIN_CONFIDENCE:
            item.fields.setdefault("cost_centre", _cell("cost_centre", centre))


def _confirmed_rows(
    session: Session, workspace_id: str, document_id: str
) -> dict[int, LineCodingRow]:
    rows = session.scalars(
        select(LineCodingRow).where(
            LineCodingRow.workspace_id == workspace_id,
            LineCodingRow.document_id == document_id,
        )
    )
    return {r.line_index: r for r in rows}


def _invoice(
    session: Session, workspace_id: str, document_id: str, *, lock: bool = False
) -> tuple[DocumentRow, Document]:
    """Return a processed invoice's row and result; typed 404/409/410 otherwise.

    `lock` takes the row's write lock (PostgreSQL), so two confirmations of the same
    invoice run one after the other instead of colliding on the history's unique key.
    """
    query = select(DocumentRow).where(
        DocumentRow.id == document_id, DocumentRow.workspace_id == workspace_id
    )
    row = session.scalars(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFoundError(f"no document {document_id}")
    check_not_purged(row)
    if row.result is None:
        raise NotCodableError(f"document {document_id} has no result yet")
    doc = retype(Document.model_validate(row.result))
    if doc.doc_type != DocType.INVOICE:
        raise NotAnInvoiceError(f"document {document_id} is a {doc.doc_type}, not an invoice")
    doc.id = document_id
    return row, doc


class ConfirmedCoding(BaseModel):
    """A line's confirmed coding: account, cost centre, who and when."""

    gl_account: str
    cost_centre: str | None
    coded_by: str
    coded_at: str


class LineCoding(BaseModel):
    """One invoice line: its text, the suggestion from history and the confirmed coding."""

    index: int
    text: str
    suggestion: LineSuggestion | None
    confirmed: ConfirmedCoding | None


class DocumentCoding(BaseModel):
    """The coding of every line of an invoice."""

    document_id: str
    supplier_key: str | None
    lines: list[LineCoding]


@dataclass(frozen=True)
class LineCodingIn:
    """A coding to confirm for one line (by index)."""

    index: int
    gl_account: str
    cost_centre: str | None = None


def document_coding(session: Session, workspace_id: str, document_id: str) -> DocumentCoding:
    """Return the suggested and confirmed coding of each line of a processed invoice.

    Raise NotFoundError (404) for a document outside the workspace, NotCodableError (409)
    before it is processed, NotAnInvoiceError (422) for another document type and
    PurgedError (410) once purged.
    """
    _, doc = _invoice(session, workspace_id, document_id)
    keys = document_keys(session, workspace_id, doc)
    suggestions = suggest_document(session, workspace_id, doc)
    confirmed = _confirmed_rows(session, workspace_id, document_id)
    lines = []
    for index, suggestion in enumerate(suggestions):
        row = confirmed.get(index)
        lines.append(
            LineCoding(
                index=index,
                text=line_text(doc, index),
                suggestion=suggestion,
                confirmed=None
                if row is None
                else ConfirmedCoding(
                    gl_account=row.gl_account,
                    cost_centre=row.cost_centre,
                    coded_by=row.coded_by,
                    coded_at=row.coded_at.isoformat(),
                ),
            )
        )
    return DocumentCoding(
        document_id=document_id, supplier_key=keys[0] if keys else None, lines=lines
    )


def _checked(lines: Sequence[LineCodingIn], count: int) -> list[LineCodingIn]:
    """Return the codings stripped; CodingValueError for a bad index or account."""
    seen: set[int] = set()
    out = []
    for line in lines:
        if not 0 <= line.index < count:
            raise CodingValueError(f"no line {line.index}: the invoice has {count} lines")
        if line.index in seen:
            raise CodingValueError(f"line {line.index} is coded twice")
        seen.add(line.index)
        account = line.gl_account.strip()
        centre = (line.cost_centre or "").strip() or None
        if not account:
            raise CodingValueError(f"line {line.index}: the GL account is empty")
        if len(account) > MAX_CODE or len(centre or "") > MAX_CODE:
            raise CodingValueError(f"line {line.index}: codes are at most {MAX_CODE} characters")
        out.append(LineCodingIn(line.index, account, centre))
    return out


def _store_rows(
    session: Session,
    workspace_id: str,
    doc: Document,
    lines: Iterable[LineCodingIn],
    coded_by: str,
) -> None:
    """Replace the confirmed rows of these lines of `doc` (the history)."""
    lines = list(lines)
    key = (document_keys(session, workspace_id, doc) or ["unknown"])[0]
    session.execute(
        delete(LineCodingRow).where(
            LineCodingRow.document_id == doc.id,
            LineCodingRow.line_index.in_([c.index for c in lines]),
        )
    )
    now = utcnow()
    for c in lines:
        session.add(
            LineCodingRow(
                workspace_id=workspace_id,
                document_id=doc.id,
                line_index=c.index,
                supplier_key=key,
                line_text=normalise_text(line_text(doc, c.index))[:1000],
                gl_account=c.gl_account,
                cost_centre=c.cost_centre,
                coded_by=coded_by[:200],
                coded_at=now,
            )
        )
    session.flush()


def confirm_codings(
    session: Session,
    workspace_id: str,
    document_id: str,
    lines: Sequence[LineCodingIn],
    *,
    coded_by: str,
    actor: Actor = Actor.SYSTEM,
) -> Document:
    """Confirm line codings: keep them as history and write them into the stored result.

    The cells become source `human` (exports book to them); a null cost centre removes
    the line's cost centre. Each changed cell is audited (`code`, old and new value).
    Typed errors as `document_coding`, and CodingValueError (422) for a bad index, an
    empty account or a code longer than `MAX_CODE`. Returns the updated result.
    """
    row, doc = _invoice(session, workspace_id, document_id, lock=True)
    checked = _checked(lines, len(doc.line_items))
    now = utcnow()
    for c in checked:
        item = doc.line_items[c.index]
        for name, new in (("gl_account", c.gl_account), ("cost_centre", c.cost_centre)):
            old_cell = item.fields.get(name)
            old = str(old_cell.value) if old_cell and old_cell.value is not None else None
            if new is None:
                item.fields.pop(name, None)
            else:
                item.fields[name] = _human_cell(name, new)
            if old != new or (old_cell is not None and old_cell.source != FieldSource.HUMAN):
                record(session, document_id, workspace_id, actor, "code", actor_id=coded_by,
                       field=f"line_items[{c.index}].{name}", old=old, new=new, at=now)  # fmt: skip
    _store_rows(session, workspace_id, doc, checked, coded_by)
    row.result = doc.model_dump(mode="json")
    row.updated_at = now
    return doc


def learn_approved_codings(session: Session, document_id: str, coded_by: str) -> int:
    """Keep the line codings of an approved invoice as history; return how many.

    A reviewer approving an invoice confirms the `gl_account` (and `cost_centre`) cells
    its lines carry, suggested or typed. Other documents, or lines without an account,
    teach nothing.
    """
    row = session.get(DocumentRow, document_id)
    if row is None or row.result is None:
        return 0
    doc = Document.model_validate(row.result)
    if doc.doc_type != DocType.INVOICE:
        return 0
    doc.id = document_id
    lines = []
    for index, item in enumerate(doc.line_items):
        account = str(item.value("gl_account") or "").strip()
        centre = str(item.value("cost_centre") or "").strip() or None
        if account and len(account) <= MAX_CODE and len(centre or "") <= MAX_CODE:
            lines.append(LineCodingIn(index, account, centre))
    if lines:
        _store_rows(session, row.workspace_id, doc, lines, coded_by)
    return len(lines)


def document_cost_centres(session: Session, workspace_id: str, document_id: str) -> set[str]:
    """Return the cost centres of an invoice's lines: the confirmed one, else the suggested.

    What approval routing needs (who approves an invoice depends on the cost centres it
    is booked to). Empty for a document outside the workspace, without result, or whose
    lines have no cost centre.
    """
    row = session.scalars(
        select(DocumentRow).where(
            DocumentRow.id == document_id, DocumentRow.workspace_id == workspace_id
        )
    ).first()
    if row is None or row.result is None:
        return set()
    doc = Document.model_validate(row.result)
    doc.id = document_id
    confirmed = _confirmed_rows(session, workspace_id, document_id)
    centres: set[str] = set()
    missing: list[int] = []
    for index, item in enumerate(doc.line_items):
        coded = confirmed.get(index)
        cell = str(item.value("cost_centre") or "").strip()
        if coded is not None and coded.cost_centre:
            centres.add(coded.cost_centre)
        elif cell:
            centres.add(cell)
        elif coded is None:
            missing.append(index)
    if missing and doc.doc_type == DocType.INVOICE:
        suggestions = suggest_document(session, workspace_id, doc)
        for index in missing:
            s = suggestions[index]
            if s is not None and s.cost_centre is not None:
                centres.add(s.cost_centre.value)
    return centres
