"""Retention of personal data: purge originals of documents decided long enough ago.

A workspace's `retention_days` (None: keep for ever) says how many days after its final
decision a document keeps its original and page images. `purge` deletes them from the blob
store (folder or database alike), keeps the document row with its sha256, status and
decision, masks the personal values of its stored result (`model.personal`), drops the
words read from the pages (a transcript of the original) and sets `purged_at`; the
document's audit entries lose their personal values too, and training examples of types
with personal fields are deleted. Each purge leaves an audit entry (`purge`, actor
`system`). A document counts as decided once its review item is final (`auto`,
`approved`, `rejected`), at its `decided_at` (a person) or `completed_at` (the pipeline).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, func, literal, select, type_coerce, update
from sqlalchemy.orm import Session, sessionmaker

from paperclerk.model import Document
from paperclerk.model.personal import (
    MASK,
    has_personal_fields,
    mask_document,
    personal_fields,
    personal_line_item_fields,
    scrubber,
)
from paperclerk.storage.audit_chain import PURGE_ACTION
from paperclerk.storage.blobs import Blobs
from paperclerk.storage.columns import DocumentStatus, UtcDateTime, utcnow
from paperclerk.storage.documents import blob_in_use
from paperclerk.storage.errors import InvalidRequestError, NotFoundError
from paperclerk.storage.tables import (
    AuditEvent,
    DocumentRow,
    ReviewItem,
    ShadowReadingRow,
    TrainingExampleRow,
    Workspace,
)

MAX_RETENTION_DAYS = 36_500
"""A hundred years: anything longer is a typo for "keep for ever" (`none`)."""
FINAL_STATES = ("auto", "approved", "rejected")
"""Review states of a decided document; `pending` ones wait for a person and are kept."""


@dataclass(frozen=True)
class PurgeCandidate:
    """A decided document whose retention has run out."""

    document_id: str
    workspace_id: str
    workspace: str
    sha256: str
    decided_at: dt.datetime
    retention_days: int


@dataclass
class PurgeReport:
    """What a purge did (or, dry, would do): the documents and how many blobs went."""

    dry_run: bool
    documents: list[PurgeCandidate] = field(default_factory=list)
    blobs_deleted: int = 0


def parse_retention(text: str) -> int | None:
    """Return the days a `set-retention` argument gives (`none`: None, keep for ever).

    Raise `InvalidRequestError` for anything but `none` or a whole number of days from 0
    (purge as soon as decided) to `MAX_RETENTION_DAYS`.
    """
    text = text.strip().lower()
    if text in ("none", "forever", "never"):
        return None
    if not text.isdigit() or int(text) > MAX_RETENTION_DAYS:
        raise InvalidRequestError(
            f"give the days as a whole number from 0 to {MAX_RETENTION_DAYS}, or none"
        )
    return int(text)


def set_retention(session: Session, workspace_id: str, days: int | None) -> None:
    """Set how many days after their decision a workspace's originals are kept (None: ever).

    The next purge applies it to every decided document, those decided before included.
    """
    if days is not None and not 0 <= days <= MAX_RETENTION_DAYS:
        raise InvalidRequestError(f"retention must be 0 to {MAX_RETENTION_DAYS} days, or none")
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        raise NotFoundError(f"no workspace {workspace_id}")
    workspace.retention_days = days
    session.flush()


def due_for_purge(
    session: Session, *, now: dt.datetime | None = None, workspace_id: str | None = None
) -> list[PurgeCandidate]:
    """Return the decided documents of workspaces with a retention that ran out, oldest first.

    Only documents that are done, decided for good and not purged yet are returned; one
    being processed again or back in the review queue waits for its next decision.
    """
    now = now or utcnow()
    workspaces = select(Workspace).where(Workspace.retention_days.is_not(None))
    if workspace_id is not None:
        workspaces = workspaces.where(Workspace.id == workspace_id)
    decided = type_coerce(
        func.coalesce(ReviewItem.decided_at, ReviewItem.completed_at), UtcDateTime
    )
    found: list[PurgeCandidate] = []
    for ws in session.scalars(workspaces.order_by(Workspace.name)):
        days = ws.retention_days
        assert days is not None
        cutoff = literal(now - dt.timedelta(days=days), type_=UtcDateTime)
        stmt = (
            select(DocumentRow.id, DocumentRow.sha256, decided)
            .join(ReviewItem, ReviewItem.document_id == DocumentRow.id)
            .where(
                DocumentRow.workspace_id == ws.id,
                DocumentRow.status == DocumentStatus.DONE,
                DocumentRow.purged_at.is_(None),
                ReviewItem.state.in_(FINAL_STATES),
                decided <= cutoff,
            )
            .order_by(decided, DocumentRow.id)
        )
        for document_id, sha256, at in session.execute(stmt):
            found.append(PurgeCandidate(document_id, ws.id, ws.name, sha256, at, days))
    return found


def purge(
    session_factory: sessionmaker[Session],
    blobs: Blobs,
    *,
    workspace_id: str | None = None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    actor_id: str = "retention",
) -> PurgeReport:
    """Purge every document whose workspace's retention ran out; with `dry_run`, list them.

    Each document is purged in its own transaction (row masked, `purged_at` set, audit
    entry written); its original and page images are deleted from `blobs` after the
    commit, unless another document not purged, or a campaign claim, holds the same bytes.
    A document that changed in between (reopened, reprocessed, purged by another run) is
    left alone. Safe to run again, from several processes at once.
    """
    now = now or utcnow()
    with session_factory() as session:
        candidates = due_for_purge(session, now=now, workspace_id=workspace_id)
    report = PurgeReport(dry_run=dry_run)
    if dry_run:
        report.documents = candidates
        return report
    for candidate in candidates:
        with session_factory() as session, session.begin():
            hashes = purge_document(session, candidate, now=now, actor_id=actor_id)
        if hashes is None:
            continue
        report.documents.append(candidate)
        with session_factory() as session:
            in_use = blob_in_use(session, candidate.sha256)
        if not in_use:
            report.blobs_deleted += sum(1 for sha in hashes if blobs.delete(sha))
    return report


def purge_document(
    session: Session, candidate: PurgeCandidate, *, now: dt.datetime, actor_id: str
) -> list[str] | None:
    """Mask and mark one document purged; return the blobs it held (original first).

    None when the document is gone, not done, or no longer the result it was (another
    run purged it, or it was reopened or reprocessed since it was found). The caller
    commits, then deletes the blobs no other document needs.
    """
    row = session.get(DocumentRow, candidate.document_id)
    if row is None or row.status != DocumentStatus.DONE or row.purged_at is not None:
        return None
    images = _page_images(row.result)
    doc = _stored_document(row.result)
    masked = _purged_result(doc) if doc is not None else _outcome_only(row.result)
    moved = session.execute(
        update(DocumentRow)
        .where(
            DocumentRow.id == row.id,
            DocumentRow.status == DocumentStatus.DONE,
            DocumentRow.purged_at.is_(None),
            DocumentRow.generation == row.generation,
        )
        .values(purged_at=now, result=masked, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        return None
    if doc is not None and has_personal_fields(doc.doc_type):
        _mask_audit(session, doc)
        _mask_review_item(session, doc)
        session.execute(delete(TrainingExampleRow).where(TrainingExampleRow.document_id == row.id))
    # A shadow model's reading repeats the values the purge masks.
    session.execute(delete(ShadowReadingRow).where(ShadowReadingRow.document_id == row.id))
    session.add(
        AuditEvent(
            document_id=row.id,
            workspace_id=row.workspace_id,
            actor_kind="system",
            actor_id=actor_id,
            action=PURGE_ACTION,
            field=None,
            old_value=None,
            new_value={
                "retention_days": candidate.retention_days,
                "decided_at": candidate.decided_at.isoformat(),
                "blobs": len(images) + 1,
            },
            at=now,
        )
    )
    session.flush()
    return [row.sha256, *images]


def _stored_document(result: dict[str, Any] | None) -> Document | None:
    """Return a stored result as a `Document`, None when there is none or it is not one."""
    if not result:
        return None
    try:
        return Document.model_validate(result)
    except ValidationError:
        return None


def _outcome_only(result: dict[str, Any] | None) -> dict[str, Any] | None:
    """Return what a purge keeps of a result that is no `Document`: its type and outcome."""
    if not result:
        return None
    decision = result.get("decision")
    outcome = decision.get("outcome") if isinstance(decision, dict) else None
    return {"doc_type": result.get("doc_type"), "decision": {"outcome": outcome}}


def _purged_result(doc: Document) -> dict[str, Any]:
    """Return the result as kept after a purge: masked, no page words, no page images."""
    masked = mask_document(doc)
    for page in masked.pages:
        page.words, page.lines, page.image_sha256 = [], [], None
    return masked.model_dump(mode="json")


def _page_images(result: dict[str, Any] | None) -> list[str]:
    """Return the `image_sha256` of every page of a stored result that has one."""
    pages = (result or {}).get("pages") or []
    return [p["image_sha256"] for p in pages if isinstance(p, dict) and p.get("image_sha256")]


def _mask_audit(session: Session, doc: Document) -> None:
    """Mask the personal values a document's audit entries recorded (fields, rows, reasons)."""
    names = personal_fields(doc.doc_type)
    cells = personal_line_item_fields(doc.doc_type)
    scrub = scrubber(doc)
    events = session.scalars(select(AuditEvent).where(AuditEvent.document_id == doc.id))
    for event in events:
        if event.field in names:
            old, new = _masked(event.old_value), _masked(event.new_value)
        elif event.field == "line_items":
            old, new = _masked_rows(event.old_value, cells), _masked_rows(event.new_value, cells)
            old, new = _scrubbed(old, scrub), _scrubbed(new, scrub)
        else:
            old, new = _scrubbed(event.old_value, scrub), _scrubbed(event.new_value, scrub)
        if (old, new) != (event.old_value, event.new_value):
            event.old_value, event.new_value = old, new


def _mask_review_item(session: Session, doc: Document) -> None:
    """Mask copies of personal values in the review item's reasons."""
    item = session.get(ReviewItem, doc.id)
    if item is not None:
        scrub = scrubber(doc)
        reasons = [scrub(r) for r in item.reasons or []]
        if reasons != list(item.reasons or []):
            item.reasons = reasons


def _masked(value: Any) -> Any:
    """Return `MASK` for a recorded value, None for none."""
    return None if value in (None, "") else MASK


def _masked_rows(value: Any, cells: frozenset[str]) -> Any:
    """Return recorded line-item rows with their personal cells masked."""
    if not isinstance(value, list):
        return value
    return [
        {k: _masked(v) if k in cells else v for k, v in row.items()}
        if isinstance(row, dict)
        else row
        for row in value
    ]


def _scrubbed(value: Any, scrub: Callable[[str], str]) -> Any:
    """Return a JSON value with every string scrubbed of personal values."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [_scrubbed(v, scrub) for v in value]
    if isinstance(value, dict):
        return {k: _scrubbed(v, scrub) for k, v in value.items()}
    return value
