"""KYC cases and their documents in the app database (per workspace).

None of these functions commits: the caller's transaction holds a case, its documents
and its verdict together. Another workspace's case or document is not found, exactly
like one that does not exist.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from paperclerk.errors import PaperclerkError
from paperclerk.identity.case import Applicant, CaseDocument, json_value
from paperclerk.identity.policy import DEFAULT_POLICY, KycPolicy, kyc_policy_from_dict
from paperclerk.model import Document
from paperclerk.review.schema import retype
from paperclerk.storage.columns import utcnow
from paperclerk.storage.documents import newest_first
from paperclerk.storage.tables import DocumentRow, KycCase, KycCaseDocument

MAX_DOCUMENTS = 50
"""Documents one case may hold: an applicant's papers, not a mailbox."""
MAX_PAGE = 200
_ID = re.compile(r"[0-9a-f]{32}")
KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "identity_document": (
        "document_type", "surname", "given_names", "document_number", "nationality",
        "date_of_birth", "date_of_expiry", "issuing_state",
    ),
    "utility_bill": (
        "provider", "customer_name", "customer_address", "issue_date", "amount_due", "currency",
    ),
    "bank_statement": (
        "bank", "account_holder", "iban", "period_start", "period_end", "opening_balance",
        "closing_balance", "currency",
    ),
    "payslip": (
        "employer", "employee", "period_start", "period_end", "pay_date", "gross_pay",
        "net_pay", "currency",
    ),
}  # fmt: skip
"""The fields a case shows of each document type: those its checks use."""


class CaseNotFoundError(PaperclerkError):
    """No case with this id in the workspace."""

    code = "not_found"
    exit_code = 2
    http_status = 404


class CaseDocumentNotFoundError(PaperclerkError):
    """A document to attach does not exist in the case's workspace."""

    code = "not_found"
    exit_code = 2
    http_status = 404


class CaseFullError(PaperclerkError):
    """The case holds as many documents as a case may."""

    code = "too_many_documents"
    exit_code = 2
    http_status = 422


def _check(kind: str, value: str) -> None:
    """Refuse ids that cannot exist (PostgreSQL rejects a NUL byte with an error, not a miss)."""
    if not _ID.fullmatch(value):
        error = CaseNotFoundError if kind == "case" else CaseDocumentNotFoundError
        raise error(f"no {kind} {value!r}")


def create_case(
    session: Session,
    workspace_id: str,
    applicant: Applicant,
    *,
    reference: str | None = None,
    policy: KycPolicy | None = None,
) -> KycCase:
    """Add a case (no documents yet); its verdict is computed when it is first read."""
    row = KycCase(
        workspace_id=workspace_id,
        reference=reference,
        applicant=applicant.model_dump(mode="json", exclude_none=True),
        policy=policy.model_dump(mode="json", exclude_unset=True) if policy else None,
        status="needs_review",
    )
    session.add(row)
    session.flush()
    return row


def get_case(session: Session, workspace_id: str, case_id: str) -> KycCase:
    """Return a case of the workspace or raise CaseNotFoundError."""
    _check("case", case_id)
    row = session.scalars(
        select(KycCase).where(KycCase.id == case_id, KycCase.workspace_id == workspace_id)
    ).first()
    if row is None:
        raise CaseNotFoundError(f"no case {case_id}")
    return row


def case_policy(row: KycCase) -> KycPolicy:
    """Return the policy a case is judged by: its override, or the defaults."""
    return kyc_policy_from_dict(row.policy) if row.policy else DEFAULT_POLICY


def case_applicant(row: KycCase) -> Applicant:
    """Return what the applicant of a case declared."""
    return Applicant.model_validate(row.applicant or {})


def attach_document(
    session: Session, case: KycCase, document_id: str, role: str | None = None
) -> bool:
    """Attach a document of the case's workspace; False when it was attached already.

    Raise CaseDocumentNotFoundError for a document of another workspace (or none), and
    CaseFullError past `MAX_DOCUMENTS`.
    """
    _check("document", document_id)
    found = session.scalar(
        select(DocumentRow.id).where(
            DocumentRow.id == document_id, DocumentRow.workspace_id == case.workspace_id
        )
    )
    if found is None:
        raise CaseDocumentNotFoundError(f"no document {document_id}")
    if session.get(KycCaseDocument, (case.id, document_id)) is not None:
        return False
    count = session.scalar(
        select(func.count()).select_from(KycCaseDocument).where(KycCaseDocument.case_id == case.id)
    )
    if (count or 0) >= MAX_DOCUMENTS:
        raise CaseFullError(f"a case holds at most {MAX_DOCUMENTS} documents")
    session.add(KycCaseDocument(case_id=case.id, document_id=document_id, role=role))
    case.updated_at = utcnow()
    session.flush()
    return True


@dataclass(frozen=True)
class StoredDocument:
    """A case's document as stored: the link, the row's state and its result."""

    document_id: str
    role: str | None
    status: str
    doc_type: str | None
    filename: str | None
    added_at: Any
    result: Document | None

    def key_fields(self) -> dict[str, Any]:
        """Return the key fields of its type as read (JSON values), in the type's order."""
        if self.result is None:
            return {}
        names = KEY_FIELDS.get(self.result.doc_type.value, ())
        return {n: json_value(self.result.value(n)) for n in names if n in self.result.fields}

    def for_verdict(self) -> CaseDocument:
        """Return the view the verdict computes with."""
        return CaseDocument(self.document_id, self.status, self.doc_type, self.result)


def case_documents(session: Session, case_id: str) -> list[StoredDocument]:
    """Return a case's documents in the order they were attached, with their results."""
    rows = session.execute(
        select(KycCaseDocument, DocumentRow)
        .join(DocumentRow, DocumentRow.id == KycCaseDocument.document_id)
        .where(KycCaseDocument.case_id == case_id)
        .order_by(KycCaseDocument.added_at, KycCaseDocument.document_id)
    )
    out = []
    for link, doc in rows:
        result = retype(Document.model_validate(doc.result)) if doc.result else None
        out.append(
            StoredDocument(
                document_id=doc.id,
                role=link.role,
                status=str(doc.status),
                doc_type=doc.doc_type or doc.doc_type_hint,
                filename=doc.filename,
                added_at=link.added_at,
                result=result,
            )
        )
    return out


@dataclass(frozen=True)
class CasePage:
    """One page of a case listing and the cursor of the next page (None at the end)."""

    items: list[KycCase]
    next_cursor: str | None


def list_cases(
    session: Session,
    workspace_ids: Sequence[str],
    *,
    status: str | None = None,
    reference: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> CasePage:
    """Return cases of some workspaces, newest first, a page at a time (keyset pagination).

    The cursor is the documents listing's (created_at, id), so the two page alike.
    """
    stmt = select(KycCase).where(KycCase.workspace_id.in_(list(workspace_ids)))
    if status is not None:
        stmt = stmt.where(KycCase.status == status)
    if reference is not None:
        stmt = stmt.where(KycCase.reference == reference)
    limit = max(1, min(limit, MAX_PAGE))
    rows, next_cursor = newest_first(session, stmt, KycCase, limit, cursor)
    return CasePage(rows, next_cursor)
