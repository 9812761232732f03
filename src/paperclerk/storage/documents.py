"""Document rows: create (idempotent), get, list with cursor pagination, delete, progress.

Every read and delete takes the caller's workspace id, so one tenant can never reach
another's documents through these functions.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, and_, delete, exists, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from paperclerk.model import DocType, Source, type_hint
from paperclerk.storage.audit_chain import erase_entries
from paperclerk.storage.columns import DocumentStatus, new_id, utcnow
from paperclerk.storage.errors import (
    ConflictError,
    InvalidCursorError,
    InvalidRequestError,
    PurgedError,
)
from paperclerk.storage.tables import (
    ApprovalDelegationRow,
    ApprovalRequestRow,
    DocumentRow,
    Job,
    KycCase,
    LoyaltySubmission,
    WebhookDelivery,
)

MAX_PAGE_SIZE = 500
_UPSERT_DIALECTS = ("postgresql", "sqlite")


@dataclass(frozen=True)
class DocumentPage:
    """One page of a document listing and the cursor of the next page (None at the end)."""

    items: list[DocumentRow]
    next_cursor: str | None


def create_document(
    session: Session,
    workspace_id: str,
    *,
    sha256: str,
    size_bytes: int,
    filename: str | None = None,
    media_type: str | None = None,
    source: Source = Source.API,
    doc_type_hint: DocType | None = None,
    metadata: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
    custom_type: str | None = None,
) -> tuple[DocumentRow, bool]:
    """Insert a queued document; return it and whether it is new.

    With an idempotency key already used in this workspace the earlier document is returned
    (created=False) so a retried upload is not processed twice; the same key with different
    content raises `ConflictError`. Two requests racing with one key are settled by the
    database (`INSERT … ON CONFLICT DO NOTHING`) without aborting the caller's transaction.
    Enqueue the job in the same transaction (`queue.enqueue`) and only when created.
    `source` is stored as its enum's value (read back with `Source(...)`), the type hint
    as `model.type_hint` writes it: a built-in type's value, or `custom:<name>` for the
    user-defined type `custom_type` (read back with `model.read_type_hint`).
    """
    values: dict[str, Any] = {
        "id": new_id(),
        "workspace_id": workspace_id,
        "sha256": sha256,
        "size_bytes": size_bytes,
        "filename": filename,
        "media_type": media_type,
        "source": Source(source).value,
        "doc_type_hint": type_hint(doc_type_hint, custom_type),
        "meta": dict(metadata or {}),
        "idempotency_key": idempotency_key,
    }
    dialect = session.get_bind().dialect.name
    if idempotency_key is None or dialect not in _UPSERT_DIALECTS:
        row = DocumentRow(**values)
        session.add(row)
        session.flush()
        return row, True
    found = _by_idempotency_key(session, workspace_id, idempotency_key)
    if found is None:
        if _insert_unless_key_taken(session, dialect, values):
            created = session.get(DocumentRow, values["id"])
            assert created is not None
            return created, True
        found = _by_idempotency_key(session, workspace_id, idempotency_key)
        assert found is not None, "the conflicting row must be visible once it committed"
    if found.sha256 != sha256:
        raise ConflictError("this Idempotency-Key was already used for a different file")
    return found, False


def _insert_unless_key_taken(session: Session, dialect: str, values: dict[str, Any]) -> bool:
    """Insert the row unless its (workspace, idempotency key) exists; return whether it did."""
    keys = ["workspace_id", "idempotency_key"]
    if dialect == "postgresql":
        pg = postgresql.insert(DocumentRow).values(**values)
        stmt = pg.on_conflict_do_nothing(index_elements=keys).returning(DocumentRow.id)
    else:
        lite = sqlite.insert(DocumentRow).values(**values)
        stmt = lite.on_conflict_do_nothing(index_elements=keys).returning(DocumentRow.id)
    return session.execute(stmt).scalar_one_or_none() is not None


def _by_idempotency_key(session: Session, workspace_id: str, key: str) -> DocumentRow | None:
    """Return the document created earlier with this key in this workspace."""
    stmt = select(DocumentRow).where(
        DocumentRow.workspace_id == workspace_id, DocumentRow.idempotency_key == key
    )
    return session.scalars(stmt).first()


def get_document(session: Session, workspace_id: str, document_id: str) -> DocumentRow | None:
    """Return the document when it exists in this workspace, else None."""
    stmt = select(DocumentRow).where(
        DocumentRow.id == document_id, DocumentRow.workspace_id == workspace_id
    )
    return session.scalars(stmt).first()


def encode_cursor(created_at: dt.datetime, document_id: str) -> str:
    """Return an opaque cursor pointing just past this (created_at, id) position."""
    raw = json.dumps([created_at.isoformat(), document_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, str]:
    """Return the (created_at, id) position of a cursor; raise `InvalidCursorError` if bad."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, document_id = json.loads(raw)
        created_at = dt.datetime.fromisoformat(stamp)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidCursorError("the cursor is not valid; start again without one") from None
    if (
        created_at.tzinfo is None
        or not isinstance(document_id, str)
        or not re.fullmatch(r"[0-9a-f]{1,64}", document_id)
    ):
        raise InvalidCursorError("the cursor is not valid; start again without one")
    return created_at, document_id


KeysetRow = TypeVar("KeysetRow", DocumentRow, KycCase, ApprovalRequestRow, ApprovalDelegationRow)


def newest_first(
    session: Session,
    stmt: Select[KeysetRow],
    table: type[KeysetRow],
    limit: int,
    cursor: str | None,
) -> tuple[list[KeysetRow], str | None]:
    """Return one keyset page of `stmt`'s rows, newest first, and the next page's cursor.

    Ordered by (created_at, id), both descending: stable while rows are added, and as fast
    on page 1,000 as on page 1. The documents, KYC cases and approval listings page alike.
    """
    if cursor is not None:
        created_at, row_id = decode_cursor(cursor)
        stmt = stmt.where(
            or_(
                table.created_at < created_at,
                and_(table.created_at == created_at, table.id < row_id),
            )
        )
    stmt = stmt.order_by(table.created_at.desc(), table.id.desc()).limit(limit + 1)
    rows = list(session.scalars(stmt))
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_cursor(last.created_at, last.id)


def list_documents(
    session: Session,
    workspace_id: str,
    *,
    status: DocumentStatus | str | None = None,
    doc_type: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> DocumentPage:
    """Return a workspace's documents, newest first, one page at a time.

    Keyset pagination over (created_at, id): stable while documents are added, and as fast
    on page 1,000 as on page 1.
    """
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidRequestError(f"limit must be between 1 and {MAX_PAGE_SIZE}")
    stmt = select(DocumentRow).where(DocumentRow.workspace_id == workspace_id)
    if status is not None:
        try:
            stmt = stmt.where(DocumentRow.status == DocumentStatus(status))
        except ValueError:
            names = ", ".join(s.value for s in DocumentStatus)
            raise InvalidRequestError(f"unknown status {status!r}; use one of {names}") from None
    if doc_type is not None:
        stmt = stmt.where(DocumentRow.doc_type == doc_type)
    rows, next_cursor = newest_first(session, stmt, DocumentRow, limit, cursor)
    return DocumentPage(rows, next_cursor)


def set_progress(session: Session, document_id: str, progress: float) -> None:
    """Record how far processing is (0..1), for `GET /v1/documents/{id}` to report."""
    value = min(1.0, max(0.0, progress))
    session.execute(
        update(DocumentRow)
        .where(DocumentRow.id == document_id, DocumentRow.status != DocumentStatus.DONE)
        .values(progress=value, updated_at=utcnow())
    )


def delete_document(
    session: Session, workspace_id: str, document_id: str, actor: str = "api"
) -> str | None:
    """Delete a document with its jobs and webhook deliveries; return its sha256 (or None).

    Its audit entries go with it; the workspace's audit chain records which they were
    (`audit_chain.erase_entries`), so the chain stays verifiable. The blob is left to the
    caller: after the commit, delete it from the blob store when `blob_in_use(session,
    sha256)` is False (another document may hold the same bytes).
    """
    row = get_document(session, workspace_id, document_id)
    if row is None:
        return None
    sha256 = row.sha256
    erase_entries(session, workspace_id, document_id, actor)
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.document_id == document_id))
    session.execute(delete(Job).where(Job.document_id == document_id))
    session.execute(delete(DocumentRow).where(DocumentRow.id == document_id))
    session.expunge(row)
    return sha256


def blob_in_use(session: Session, sha256: str) -> bool:
    """Tell whether any document or campaign claim, in any workspace, still refers to these bytes.

    A claim's original lives in the same blob store (an asynchronous claim even has a
    document row of its own), so deleting a document must not take a claim's evidence.
    A purged document (`purged_at`, retention) keeps only the hash of its bytes: it needs
    them no more.
    """
    documents = exists().where(DocumentRow.sha256 == sha256, DocumentRow.purged_at.is_(None))
    claims = exists().where(LoyaltySubmission.sha256 == sha256)
    return bool(session.scalar(select(documents))) or bool(session.scalar(select(claims)))


def check_not_purged(row: DocumentRow) -> None:
    """Raise `PurgedError` (410 `purged`) for a document whose original was deleted.

    Under its workspace's retention (`storage.retention`) only its row is left: status,
    decision, sha256 and masked fields. Its pages cannot be shown, nor the document read,
    reviewed or reopened again.
    """
    if row.purged_at is not None:
        when = row.purged_at.date().isoformat()
        raise PurgedError(
            f"the original of document {row.id} was deleted on {when} under the workspace's"
            " retention; its decision and masked fields remain"
        )
