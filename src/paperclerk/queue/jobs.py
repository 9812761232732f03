"""Queue operations inside the caller's transaction: enqueue, requeue, finish, depth.

Each function takes an open `Session` and never commits, so a document row and its job,
or a result and its job's completion, are written together or not at all.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from paperclerk.model import Document
from paperclerk.storage.columns import DocumentStatus, JobStatus, Lane, utcnow
from paperclerk.storage.invoice_keys import index_invoice
from paperclerk.storage.tables import DocumentRow, Job

DEFAULT_MAX_ATTEMPTS = 5
BACKOFF_BASE_S = 2.0
BACKOFF_FACTOR = 2.0
BACKOFF_CAP_S = 300.0
_REQUEUABLE = (DocumentStatus.DEAD, DocumentStatus.FAILED)
_RESTARTABLE = (DocumentStatus.DONE, DocumentStatus.DEAD, DocumentStatus.FAILED)


def enqueue(
    session: Session,
    document_id: str,
    lane: Lane | str = Lane.BULK,
    kind: str = "process",
    *,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    run_after: dt.datetime | None = None,
) -> Job:
    """Add a job for a document to the queue, in the caller's transaction.

    Commit it together with the document row: a crash between the two can then never
    leave a document that no worker will pick up.
    """
    job = Job(
        document_id=document_id,
        kind=kind,
        lane=Lane(lane),
        max_attempts=max_attempts,
        run_after=run_after or utcnow(),
    )
    session.add(job)
    session.flush()
    return job


def backoff_delay(
    attempt: int,
    *,
    base: float = BACKOFF_BASE_S,
    factor: float = BACKOFF_FACTOR,
    cap: float = BACKOFF_CAP_S,
    rng: random.Random | None = None,
) -> float:
    """Return the seconds to wait before retry after failed attempt number `attempt` (1-based).

    Exponential (2 s, 4 s, 8 s … capped at 5 min) with "equal jitter": a random delay
    between half and all of it, so jobs that failed together do not all retry together.
    """
    raw = min(cap, base * factor ** max(0, attempt - 1))
    return raw / 2 + (rng or random).uniform(0, raw / 2)


def finish_document(
    session: Session, document_id: str, result: Document | dict[str, Any], job_id: int
) -> bool:
    """Store a document's result and mark its job done; return whether the result was stored.

    Safe under at-least-once delivery: when the document is already done (another worker
    finished a redelivered copy of the job first) nothing is written but the job's state,
    and False is returned. The caller commits. Rows are locked job first, document second,
    the same order as `claim`, so concurrent workers cannot deadlock on PostgreSQL.
    """
    now = utcnow()
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.document_id == document_id)
        .values(status=JobStatus.DONE, lease_until=None, updated_at=now)
    )
    payload = result.model_dump(mode="json") if isinstance(result, Document) else dict(result)
    doc_type = payload.get("doc_type")
    stored = session.execute(
        update(DocumentRow)
        .where(DocumentRow.id == document_id, DocumentRow.status != DocumentStatus.DONE)
        .values(
            status=DocumentStatus.DONE,
            progress=1.0,
            result=payload,
            doc_type=doc_type if isinstance(doc_type, str) else None,
            error_code=None,
            error_message=None,
            completed_at=now,
            updated_at=now,
        )
    )
    if stored.rowcount != 1:  # type: ignore[attr-defined]
        return False
    index_invoice(session, document_id, payload)
    return True


def requeue(
    session: Session,
    document_id: str,
    *,
    workspace_id: str | None = None,
    lane: Lane | str | None = None,
) -> bool:
    """Put a dead (or failed) document back in the queue with fresh attempts.

    Return False when the document does not exist (in this workspace) or is not dead.
    """
    return _restart(session, document_id, workspace_id, lane, _REQUEUABLE)


def reprocess(
    session: Session,
    document_id: str,
    *,
    workspace_id: str | None = None,
    lane: Lane | str | None = None,
) -> bool:
    """Queue a finished, failed or dead document again (after a model or rule change).

    The old result stays readable until the new one replaces it. Return False when the
    document does not exist (in this workspace) or is already queued or processing.
    """
    return _restart(session, document_id, workspace_id, lane, _RESTARTABLE)


def _restart(
    session: Session,
    document_id: str,
    workspace_id: str | None,
    lane: Lane | str | None,
    allowed: tuple[DocumentStatus, ...],
) -> bool:
    """Reset the document's latest finished job (or add one) and mark the document queued.

    The document's generation goes up by one, so its next result sends webhooks again.
    """
    stmt = select(DocumentRow.status).where(DocumentRow.id == document_id)
    if workspace_id is not None:
        stmt = stmt.where(DocumentRow.workspace_id == workspace_id)
    status = session.scalar(stmt)
    if status is None or status not in allowed:
        return False
    now = utcnow()
    latest = session.scalar(
        select(Job)
        .where(Job.document_id == document_id, Job.status.in_([JobStatus.DEAD, JobStatus.DONE]))
        .order_by(Job.id.desc())
        .limit(1)
    )
    if latest is None:
        enqueue(session, document_id, lane or Lane.BULK)
    else:
        session.execute(
            update(Job)
            .where(Job.id == latest.id)
            .values(
                status=JobStatus.QUEUED,
                lane=Lane(lane) if lane else latest.lane,
                attempts=0,
                run_after=now,
                lease_until=None,
                worker_id=None,
                updated_at=now,
            )
        )
    moved = session.execute(
        update(DocumentRow)
        .where(DocumentRow.id == document_id, DocumentRow.status == status)
        .values(
            status=DocumentStatus.QUEUED,
            progress=0.0,
            generation=DocumentRow.generation + 1,
            error_code=None,
            error_message=None,
            completed_at=None,
            updated_at=now,
        )
    )
    return moved.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def queue_depth(session: Session) -> dict[str, dict[str, int]]:
    """Return the number of jobs per lane and status (zeros included), for /metrics."""
    depth = {lane.value: {status.value: 0 for status in JobStatus} for lane in Lane}
    stmt = select(Job.lane, Job.status, func.count()).group_by(Job.lane, Job.status)
    for lane, status, count in session.execute(stmt):
        depth[Lane(lane).value][JobStatus(status).value] = int(count)
    return depth


def queue_deeper_than(session: Session, bound: int) -> bool:
    """Return whether more than `bound` jobs wait in the queue (counting at most `bound` + 1)."""
    waiting = select(Job.id).where(Job.status == JobStatus.QUEUED).limit(bound + 1).subquery()
    return int(session.scalar(select(func.count()).select_from(waiting)) or 0) > bound
