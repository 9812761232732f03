"""Payment checks of an invoice against the supplier master data and earlier invoices.

- `payables.bank_details_changed` (error): the invoice asks to be paid to an IBAN that is
  not one of the matched supplier's known IBANs — the classic invoice-redirection fraud.
- `payables.unknown_supplier` (warning): no supplier matches. A warning, not info: an
  invoice from a company the ERP does not know cannot be booked to a vendor account, and
  fake invoices from made-up suppliers are a fraud pattern of their own, so a person looks
  before it is paid; it is not an error of the document, though, hence not `error`.
- `payables.duplicate_invoice` (error): another document of the workspace has the same
  supplier and invoice number, or the same supplier, total and invoice date.

Each rule gives one finding, passed or not; a failed one that is not info blocks automatic
approval (`pipeline.decide`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel
from rapidfuzz import utils
from sqlalchemy import select
from sqlalchemy.orm import Session

from paperclerk.errors import PaperclerkError
from paperclerk.model import DocType, Document, Finding, Severity
from paperclerk.payables.coding_store import fill_line_codings
from paperclerk.payables.matching import InvoiceParty, SupplierMatch, match_party
from paperclerk.payables.orders import has_purchase_orders
from paperclerk.payables.po_match import match_invoice_to_po
from paperclerk.payables.store import workspace_suppliers
from paperclerk.payables.supplier import mask_iban, normalise_iban, normalise_vat_id
from paperclerk.pipeline.decide import hold_for_findings
from paperclerk.review.schema import retype
from paperclerk.storage.invoice_keys import InvoiceKeys, normalise_total, same_number_or_amount
from paperclerk.storage.tables import DocumentRow, SupplierRow

BANK_DETAILS_CHANGED = "payables.bank_details_changed"
UNKNOWN_SUPPLIER = "payables.unknown_supplier"
DUPLICATE_INVOICE = "payables.duplicate_invoice"


class InvoiceNotFoundError(PaperclerkError):
    """No document with this id in the workspace."""

    code = "not_found"
    exit_code = 2
    http_status = 404


class InvoiceNotReadError(PaperclerkError):
    """The document has no result yet (queued, processing or failed)."""

    code = "not_processed"
    exit_code = 2
    http_status = 409


class SupplierCheck(BaseModel):
    """What the payables checks found for one invoice: its supplier and the findings."""

    document_id: str
    match: SupplierMatch | None
    findings: list[Finding]


@dataclass(frozen=True)
class _Key:
    """What the duplicate check compares of an invoice."""

    document_id: str
    party: InvoiceParty
    number: str | None
    total: Decimal | None
    date: str | None


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def _number(value: Any) -> str | None:
    text = _text(value)
    return "".join(text.split()).upper() if text else None


def _total(value: Any) -> Decimal | None:
    text = _text(value)
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def _date(value: Any) -> str | None:
    if isinstance(value, dt.date):
        return value.isoformat()
    return _text(value)


def _key_of_fields(document_id: str, fields: dict[str, Any]) -> _Key:
    """Return the duplicate key of a stored result's `fields` (JSON as stored)."""

    def value(name: str) -> Any:
        field = fields.get(name)
        return field.get("value") if isinstance(field, dict) else None

    party = InvoiceParty(
        tax_id=normalise_vat_id(_text(value("vendor_tax_id"))),
        iban=normalise_iban(_text(value("vendor_iban"))),
        name=_text(value("vendor_name")),
        address=_text(value("vendor_address")),
    )
    return _Key(
        document_id,
        party,
        _number(value("invoice_number")),
        _total(value("total")),
        _date(value("invoice_date")),
    )


def _same_supplier(
    a: _Key, a_match: SupplierMatch | None, b: _Key, b_match: SupplierMatch | None
) -> bool:
    """Whether two invoices come from the same supplier.

    The matched supplier when both matched one, else the same VAT id when both have one,
    else the same normalised vendor name.
    """
    if a_match is not None and b_match is not None:
        return a_match.supplier_id == b_match.supplier_id
    if a.party.tax_id and b.party.tax_id:
        return a.party.tax_id == b.party.tax_id
    names = [utils.default_process(n) for n in (a.party.name, b.party.name) if n]
    return len(names) == 2 and bool(names[0]) and names[0] == names[1]


def bank_details_finding(
    match: SupplierMatch | None, supplier: SupplierRow | None, iban: str | None
) -> Finding:
    """Return the bank-detail change finding.

    Failed when the invoice's IBAN is not one of the matched supplier's known IBANs;
    passed when it is, or when there is no supplier or no IBAN to compare.
    """
    known = list(supplier.ibans or []) if supplier is not None else []
    if match is None or supplier is None or iban is None or iban in known:
        message = (
            "the IBAN of the invoice is a known one of the supplier"
            if match is not None and iban is not None
            else "no supplier or no IBAN to compare"
        )
        return Finding(
            id="payables-bank-1",
            rule_id=BANK_DETAILS_CHANGED,
            severity=Severity.ERROR,
            passed=True,
            message=message,
            fields=["vendor_iban"],
        )
    on_file = ", ".join(mask_iban(i) for i in known) or "none on file"
    return Finding(
        id="payables-bank-1",
        rule_id=BANK_DETAILS_CHANGED,
        severity=Severity.ERROR,
        passed=False,
        message=(
            f"bank details changed: the invoice asks for payment to {iban}, which is not a "
            f"known IBAN of supplier {supplier.name} ({supplier.supplier_number}); known: "
            f"{on_file}. Confirm the change with the supplier by phone before paying."
        ),
        fields=["vendor_iban"],
    )


def unknown_supplier_finding(match: SupplierMatch | None, party: InvoiceParty) -> Finding:
    """Return the unknown-supplier finding (a warning: see the module's docstring)."""
    if match is not None:
        message = f"supplier {match.name} ({match.supplier_number}) matched by {match.method}"
    else:
        who = party.name or party.tax_id or "the vendor"
        message = f"{who} is not in the supplier master data (no VAT id, IBAN or name match)"
    return Finding(
        id="payables-supplier-1",
        rule_id=UNKNOWN_SUPPLIER,
        severity=Severity.WARNING,
        passed=match is not None,
        message=message,
        fields=["vendor_name", "vendor_tax_id", "vendor_iban"],
    )


def duplicate_finding(key: _Key, duplicate: tuple[str, str] | None) -> Finding:
    """Return the duplicate-invoice finding; `duplicate` is (other document id, why)."""
    if duplicate is None:
        return Finding(
            id="payables-duplicate-1",
            rule_id=DUPLICATE_INVOICE,
            severity=Severity.ERROR,
            passed=True,
            message="no other invoice of the supplier with this number, or this total and date",
            fields=["invoice_number", "total", "invoice_date"],
        )
    other, why = duplicate
    return Finding(
        id="payables-duplicate-1",
        rule_id=DUPLICATE_INVOICE,
        severity=Severity.ERROR,
        passed=False,
        message=f"possible duplicate of document {other}: same supplier and {why}",
        fields=["invoice_number"] if why.startswith("invoice") else ["total", "invoice_date"],
    )


def find_duplicate(
    session: Session,
    workspace: str,
    key: _Key,
    match: SupplierMatch | None,
    suppliers: list[SupplierRow],
) -> tuple[str, str] | None:
    """Return (id, why) of another document of the workspace this invoice duplicates.

    A duplicate has the same supplier and invoice number, or the same supplier, total and
    invoice date; the oldest such document is named. None when there is none.
    """
    if key.number is None and (key.total is None or key.date is None):
        return None
    keys = InvoiceKeys(
        invoice_number=key.number,
        total=normalise_total(key.total),
        invoice_date=key.date,
        purchase_order=None,
    )
    for other_id, result in same_number_or_amount(session, workspace, key.document_id, keys):
        fields = result.get("fields") if isinstance(result, dict) else None
        if not isinstance(fields, dict):
            continue
        other = _key_of_fields(other_id, fields)
        same_number = key.number is not None and other.number == key.number
        same_amount = (
            key.total is not None
            and key.date is not None
            and other.total == key.total
            and other.date == key.date
        )
        if not (same_number or same_amount):
            continue
        if not _same_supplier(key, match, other, match_party(suppliers, other.party)):
            continue
        if same_number:
            return other_id, f"invoice number {key.number}"
        return other_id, f"total {key.total} and invoice date {key.date}"
    return None


def check_document(session: Session, workspace: str, document_id: str) -> SupplierCheck:
    """Match a stored invoice to its supplier and run the payables checks on it.

    Raise InvoiceNotFoundError for a document of another workspace (or none), and
    InvoiceNotReadError when it has no result yet.
    """
    row = session.scalars(
        select(DocumentRow).where(
            DocumentRow.id == document_id, DocumentRow.workspace_id == workspace
        )
    ).first()
    if row is None:
        raise InvoiceNotFoundError(f"no document {document_id}")
    if row.result is None:
        raise InvoiceNotReadError(f"document {document_id} has no result yet")
    doc = retype(Document.model_validate(row.result))
    return check_result(session, workspace, document_id, doc)


def check_result(
    session: Session, workspace: str, document_id: str, doc: Document
) -> SupplierCheck:
    """Run the payables checks on a document's result (stored or about to be stored).

    This is the hook a worker calls in the transaction that stores the result.
    """
    suppliers = workspace_suppliers(session, workspace)
    fields = doc.model_dump(mode="json", include={"fields"}).get("fields", {})
    key = _key_of_fields(document_id, fields)
    match = match_party(suppliers, key.party)
    supplier = next((s for s in suppliers if match and s.id == match.supplier_id), None)
    findings = [
        unknown_supplier_finding(match, key.party),
        bank_details_finding(match, supplier, key.party.iban),
        duplicate_finding(key, find_duplicate(session, workspace, key, match, suppliers)),
    ]
    return SupplierCheck(document_id=document_id, match=match, findings=findings)


def check_invoice(session: Session, workspace: str, document_id: str) -> list[Finding]:
    """Return the payables findings of a stored invoice (see `check_document`)."""
    return check_document(session, workspace, document_id).findings


def check_before_storing(
    session: Session,
    workspace: str,
    document_id: str,
    doc: Document,
    advisory: Collection[str] = (),
) -> None:
    """Run the payables checks on an invoice's result before the worker stores it.

    Without supplier master data in the workspace only the duplicate check runs (an
    unknown supplier or a changed IBAN means nothing there); with it, all three. When the
    workspace has purchase orders, an invoice naming one is matched to it too
    (`payables.po_match`). A failed check sends an automatically approved invoice to a
    person (`hold_for_findings`). Then the lines get their GL account / cost centre
    suggestions from the workspace's coding history (`payables.coding`; advisory).
    """
    if doc.doc_type != DocType.INVOICE:
        return
    has_master_data = bool(workspace_suppliers(session, workspace))
    check = check_result(session, workspace, document_id, doc)
    findings = [f for f in check.findings if has_master_data or f.rule_id == DUPLICATE_INVOICE]
    if has_purchase_orders(session, workspace):
        findings += match_invoice_to_po(session, workspace, doc, document_id)
    hold_for_findings(doc, findings, advisory)
    fill_line_codings(session, workspace, doc, check.match)  # advisory: after the decision
