"""The invoice look-up index (`invoice_keys`): find earlier invoices without reading them all.

The duplicate check and the purchase order match each need a few earlier invoices of the
workspace: those with the same number, or the same total and date, or naming the same
order. Reading every stored result for that costs time in proportion to the workspace's
invoices (1.2 s per check at 2,000 invoices on SQLite); the index answers from indexed
columns and only the candidates' results are read.

`index_invoice` writes a document's keys in the transaction that stores its result
(`queue.jobs.finish_document`) and again when a reviewer corrects or rejects it
(`review.decisions`); a document that is not an invoice has no row. `keys_of` is the
one normalisation both the index and the checks use.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from paperclerk.model import DocType
from paperclerk.storage.tables import DocumentRow, InvoiceKeyRow


@dataclass(frozen=True)
class InvoiceKeys:
    """The normalised keys of one invoice result."""

    invoice_number: str | None
    total: str | None
    invoice_date: str | None
    purchase_order: str | None


def _value(fields: dict[str, Any], name: str) -> Any:
    field = fields.get(name)
    return field.get("value") if isinstance(field, dict) else None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip() or None


def normalise_number(value: Any) -> str | None:
    """Return an invoice or order number as compared: without spaces, upper case."""
    text = _text(value)
    return "".join(text.split()).upper() or None if text else None


def normalise_total(value: Any) -> str | None:
    """Return an amount as compared: a plain decimal (`1952.99`, `100`), None if not one."""
    text = _text(value)
    if text is None:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    return f"{number.normalize():f}"


def keys_of(result: dict[str, Any]) -> InvoiceKeys:
    """Return the look-up keys of a stored result (`Document` JSON as stored)."""
    fields = result.get("fields")
    fields = fields if isinstance(fields, dict) else {}
    return InvoiceKeys(
        invoice_number=normalise_number(_value(fields, "invoice_number")),
        total=normalise_total(_value(fields, "total")),
        invoice_date=_text(_value(fields, "invoice_date")),
        purchase_order=_text(_value(fields, "purchase_order")),
    )


def _rejected(result: dict[str, Any]) -> bool:
    decision = result.get("decision")
    return isinstance(decision, dict) and decision.get("outcome") == "rejected"


def index_invoice(session: Session, document_id: str, result: dict[str, Any]) -> None:
    """Write (or remove) a stored document's row in the index from its result.

    In the caller's transaction, beside the result itself: an invoice gets its keys,
    anything else (or a document that is not stored) has no row.
    """
    session.execute(delete(InvoiceKeyRow).where(InvoiceKeyRow.document_id == document_id))
    row = session.get(DocumentRow, document_id)
    if row is None or result.get("doc_type") != DocType.INVOICE.value:
        return
    keys = keys_of(result)
    session.add(
        InvoiceKeyRow(
            document_id=document_id,
            workspace_id=row.workspace_id,
            invoice_number=keys.invoice_number,
            total=keys.total,
            invoice_date=keys.invoice_date,
            purchase_order=keys.purchase_order,
            rejected=_rejected(result),
            created_at=row.created_at,
        )
    )


def same_number_or_amount(
    session: Session, workspace_id: str, document_id: str, keys: InvoiceKeys
) -> list[tuple[str, dict[str, Any]]]:
    """Return (id, result) of the duplicate check's candidates, oldest first.

    They are the workspace's other invoices with the same number, or the same total and
    date.
    """
    same: list[Any] = []
    if keys.invoice_number is not None:
        same.append(InvoiceKeyRow.invoice_number == keys.invoice_number)
    if keys.total is not None and keys.invoice_date is not None:
        same.append(
            (InvoiceKeyRow.total == keys.total) & (InvoiceKeyRow.invoice_date == keys.invoice_date)
        )
    if not same:
        return []
    return _results(session, workspace_id, document_id, or_(*same))


def naming_order(
    session: Session, workspace_id: str, document_id: str, po_number: str
) -> list[tuple[str, dict[str, Any]]]:
    """Return (id, result) of the earlier invoices that name order `po_number`.

    Earlier: created before `document_id` (all others when it is not stored yet);
    rejected invoices are left out.
    """
    condition = (InvoiceKeyRow.purchase_order == po_number) & InvoiceKeyRow.rejected.is_(False)
    this = session.get(DocumentRow, document_id)
    if this is not None:
        condition = condition & (InvoiceKeyRow.created_at < this.created_at)
    return _results(session, workspace_id, document_id, condition)


def _results(
    session: Session, workspace_id: str, document_id: str, condition: Any
) -> list[tuple[str, dict[str, Any]]]:
    rows = session.execute(
        select(DocumentRow.id, DocumentRow.result)
        .join(InvoiceKeyRow, InvoiceKeyRow.document_id == DocumentRow.id)
        .where(
            InvoiceKeyRow.workspace_id == workspace_id,
            InvoiceKeyRow.document_id != document_id,
            DocumentRow.result.is_not(None),
            condition,
        )
        .order_by(InvoiceKeyRow.created_at, InvoiceKeyRow.document_id)
    )
    return [(doc_id, result) for doc_id, result in rows if isinstance(result, dict)]
