"""The `invoice.approved` webhook: what the ERP gets when an invoice becomes payable.

The body names the document and the supplier, the amounts, the approval trail (each step:
who approved, for whom, when) and the export (`export.journal` booking journal and the
per-line rows of `export.lines_csv`), so the ERP can book and pay without asking back.
It is kept with the delivery as recorded: a later change never rewrites what was
announced. Invoices carry no personal data in the sense of `model.personal`; no masking.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy.orm import Session

from paperclerk.export.journal import document_journal
from paperclerk.export.lines_csv import document_to_csv
from paperclerk.export.values import decimal, text
from paperclerk.model import Document
from paperclerk.payables.approval_rules import invoice_amount, invoice_facts
from paperclerk.payables.approval_store import request_steps, unpadded
from paperclerk.storage.tables import ApprovalRequestRow, ApprovalStepRow, DocumentRow
from paperclerk.webhooks.registry import EVENT_INVOICE_WITHDRAWN, record_invoice_event


def _money(doc: Document, name: str) -> str | None:
    """Return a money field as a plain decimal string (None when absent)."""
    value = decimal(doc, name)
    return format(value, "f") if value is not None else None


def step_json(step: ApprovalStepRow) -> dict[str, Any]:
    """Return one step of the trail as JSON: its approvers and who acted (for whom) when."""
    return {
        "position": step.position,
        "name": step.name,
        "approvers": unpadded(step.approvers),
        "status": step.status,
        "due_at": step.due_at.isoformat() if step.due_at else None,
        "acted_by": step.acted_by,
        "acted_for": step.acted_for,
        "acted_at": step.acted_at.isoformat() if step.acted_at else None,
        "comment": step.comment,
    }


def trail_json(session: Session, request: ApprovalRequestRow | None) -> dict[str, Any] | None:
    """Return the approval request and its steps as JSON (None without a request)."""
    if request is None:
        return None
    return {
        "id": request.id,
        "status": request.status,
        "rule": request.rule_name,
        "reason": request.reason,
        "started_at": request.created_at.isoformat(),
        "decided_at": request.decided_at.isoformat() if request.decided_at else None,
        "steps": [step_json(s) for s in request_steps(session, request.id)],
    }


def lines_json(doc: Document) -> list[dict[str, str]]:
    """Return the invoice's lines as the per-line CSV export has them, one object a row."""
    return list(csv.DictReader(io.StringIO(document_to_csv(doc))))


def invoice_body(
    session: Session,
    row: DocumentRow,
    doc: Document,
    request: ApprovalRequestRow | None,
    facts: dict[str, Any] | None,
) -> dict[str, Any]:
    """Return the `invoice.approved` body of a payable invoice (see the module docstring)."""
    facts = facts or {}
    amount = invoice_amount(doc)
    return {
        "document_id": row.id,
        "generation": row.generation,
        "workspace": row.workspace_id,
        "invoice_number": text(doc, "invoice_number"),
        "invoice_date": text(doc, "invoice_date"),
        "supplier": {
            "id": facts.get("supplier_id"),
            "number": facts.get("supplier_number"),
            "name": text(doc, "vendor_name"),
            "vat_id": text(doc, "vendor_tax_id"),
        },
        "amounts": {
            "total": format(amount, "f") if amount is not None else None,
            "net": _money(doc, "subtotal"),
            "tax": _money(doc, "total_tax"),
            "currency": text(doc, "currency"),
        },
        "approval": trail_json(session, request),
        "export": {
            "journal": document_journal(doc).model_dump(mode="json"),
            "lines": lines_json(doc),
        },
    }


def announce_payable(
    session: Session,
    workspace_id: str,
    document_id: str,
    request: ApprovalRequestRow | None,
) -> int:
    """Queue `invoice.approved` for a payable invoice; return how many deliveries were added.

    `request` is its completed approval (None: the workspace has no approval policy).
    Once per generation of the document (a reopened and re-approved invoice is announced
    again); a document without a stored result announces nothing.
    """
    row = session.get(DocumentRow, document_id)
    if row is None or row.result is None or row.workspace_id != workspace_id:
        return 0
    doc = Document.model_validate(row.result)
    if request is not None:
        facts = request.facts
    else:
        facts = invoice_facts(session, workspace_id, document_id, doc).as_json()
    body = invoice_body(session, row, doc, request, facts)
    return record_invoice_event(session, workspace_id, document_id, row.generation, body)


def announce_withdrawn(
    session: Session,
    workspace_id: str,
    document_id: str,
    trail: dict[str, Any] | None,
    reason: str,
) -> int:
    """Queue `invoice.approval_withdrawn` for a payable invoice being reopened.

    Call it before the reopen raises the document's generation: the event names the
    generation that `invoice.approved` announced, so the ERP can match the two and hold
    the payment. `trail` is the withdrawn approval (None: none was needed); `reason` is
    the person's reason for reopening.
    """
    row = session.get(DocumentRow, document_id)
    if row is None or row.result is None or row.workspace_id != workspace_id:
        return 0
    doc = Document.model_validate(row.result)
    amount = invoice_amount(doc)
    body = {
        "document_id": row.id,
        "generation": row.generation,
        "workspace": row.workspace_id,
        "invoice_number": text(doc, "invoice_number"),
        "supplier": {"name": text(doc, "vendor_name"), "vat_id": text(doc, "vendor_tax_id")},
        "amounts": {
            "total": format(amount, "f") if amount is not None else None,
            "currency": text(doc, "currency"),
        },
        "reason": reason,
        "approval": trail,
    }
    return record_invoice_event(
        session, workspace_id, document_id, row.generation, body, EVENT_INVOICE_WITHDRAWN
    )
