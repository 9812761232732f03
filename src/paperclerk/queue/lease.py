"""Worker side of the lease queue: claim, heartbeat, complete, fail.

A claimed job is `running` with a `lease_until`. A worker that dies stops renewing its
lease; once it has passed, the next `claim` by any worker puts the job back in the queue
(the lost attempt counts) or, when attempts are used up, marks it and its document dead.
Every write by a worker is fenced on (job id, worker id, attempt number), so a worker that
lost its lease cannot change a job another worker now holds.

The same statements run on SQLite (one writer at a time, so a single UPDATE … RETURNING is
atomic) and PostgreSQL (`FOR UPDATE SKIP LOCKED` lets claimers pass each other).
Each function opens its own short transaction from the session factory.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from paperclerk.errors import PaperclerkError
from paperclerk.queue.jobs import backoff_delay
from paperclerk.storage.columns import DocumentStatus, JobStatus, Lane, utcnow
from paperclerk.storage.tables import DocumentRow, Job

LANE_ORDER = (Lane.INTERACTIVE, Lane.BULK)
DEFAULT_LEASE_S = 60.0
_MAX_ERROR_CHARS = 4000


def claim(
    session_factory: sessionmaker[Session],
    worker_id: str,
    lease_seconds: float = DEFAULT_LEASE_S,
    *,
    lanes: Sequence[Lane] = LANE_ORDER,
    now: dt.datetime | None = None,
) -> Job | None:
    """Take the next due job for this worker, or None when nothing is due.

    The interactive lane always goes first, then the oldest `run_after`. The returned job
    is detached and stays readable; pass it to `heartbeat`, `complete` or `fail`.
    """
    now = now or utcnow()
    with session_factory() as session, session.begin():
        _recover_expired(session, now)
        for lane in lanes:
            job = _take(session, worker_id, Lane(lane), now, lease_seconds)
            if job is not None:
                session.execute(
                    update(DocumentRow)
                    .where(
                        DocumentRow.id == job.document_id,
                        DocumentRow.status == DocumentStatus.QUEUED,
                    )
                    .values(status=DocumentStatus.PROCESSING, updated_at=now)
                )
                return job
    return None


def _take(
    session: Session, worker_id: str, lane: Lane, now: dt.datetime, lease_seconds: float
) -> Job | None:
    """Atomically mark the oldest due queued job of a lane as ours; return it or None."""
    candidate = aliased(Job)
    next_id = (
        select(candidate.id)
        .where(
            candidate.status == JobStatus.QUEUED,
            candidate.lane == lane,
            candidate.run_after <= now,
        )
        .order_by(candidate.run_after, candidate.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    stmt = (
        update(Job)
        .where(Job.id == next_id, Job.status == JobStatus.QUEUED)
        .values(
            status=JobStatus.RUNNING,
            attempts=Job.attempts + 1,
            worker_id=worker_id,
            lease_until=now + dt.timedelta(seconds=lease_seconds),
            updated_at=now,
        )
        .returning(Job)
        .execution_options(synchronize_session=False)
    )
    return session.scalars(stmt).first()


def _recover_expired(session: Session, now: dt.datetime) -> None:
    """Requeue running jobs whose lease passed, or mark them dead when attempts are used up."""
    expired = and_(Job.status == JobStatus.RUNNING, Job.lease_until < now)
    rows = session.execute(
        select(Job.id, Job.document_id, Job.attempts, Job.max_attempts)
        .where(expired)
        .order_by(Job.id)
        .with_for_update(skip_locked=True)
    )
    for job_id, document_id, attempts, max_attempts in rows.all():
        fence = and_(expired, Job.id == job_id, Job.attempts == attempts)
        message = f"lease_expired: the worker stopped renewing its lease (attempt {attempts})"
        if attempts >= max_attempts:
            _to_dead(session, fence, job_id, document_id, "lease_expired", message, now)
        else:
            _to_queue(session, fence, document_id, "lease_expired", message, now, now)


def heartbeat(
    session_factory: sessionmaker[Session], job: Job, lease_seconds: float = DEFAULT_LEASE_S
) -> bool:
    """Extend the lease of a job this worker holds; False means the lease was lost.

    A worker that gets False should stop: the job went back to the queue (or was finished
    by another worker) and its result would not be kept.
    """
    now = utcnow()
    until = now + dt.timedelta(seconds=lease_seconds)
    with session_factory() as session, session.begin():
        result = session.execute(
            update(Job).where(_held(job)).values(lease_until=until, updated_at=now)
        )
        held = result.rowcount == 1  # type: ignore[attr-defined]
    if held:
        job.lease_until = until
    return bool(held)


def complete(session_factory: sessionmaker[Session], job: Job) -> bool:
    """Mark a held job done (for jobs that store no document result); False if lease lost.

    Processing jobs finish with `finish_document`, which stores the result and marks the
    job done in one transaction.
    """
    now = utcnow()
    with session_factory() as session, session.begin():
        result = session.execute(
            update(Job)
            .where(_held(job))
            .values(status=JobStatus.DONE, lease_until=None, updated_at=now)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def fail(
    session_factory: sessionmaker[Session],
    job: Job,
    error: BaseException | str,
    retryable: bool,
    *,
    rng: random.Random | None = None,
    now: dt.datetime | None = None,
) -> JobStatus | None:
    """Record a failed attempt: retry later with backoff, or give up (dead).

    Retryable errors wait `backoff_delay(attempt)` and go back to the queue until
    `max_attempts` is reached; permanent errors and exhausted attempts mark the job and its
    document dead with the error's code and message. Return the job's new status, or None
    when this worker no longer held the job (nothing is changed then).
    """
    now = now or utcnow()
    code = error.code if isinstance(error, PaperclerkError) else "internal_error"
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    message = f"{code}: {text}"[:_MAX_ERROR_CHARS]
    with session_factory() as session, session.begin():
        if retryable and job.attempts < job.max_attempts:
            run_after = now + dt.timedelta(seconds=backoff_delay(job.attempts, rng=rng))
            moved = _to_queue(session, _held(job), job.document_id, code, message, run_after, now)
            return JobStatus.QUEUED if moved else None
        moved = _to_dead(session, _held(job), job.id, job.document_id, code, message, now)
        return JobStatus.DEAD if moved else None


def _held(job: Job) -> ColumnElement[bool]:
    """Return the condition that this exact claim of the job is still the live one."""
    return and_(
        Job.id == job.id,
        Job.status == JobStatus.RUNNING,
        Job.worker_id == job.worker_id,
        Job.attempts == job.attempts,
    )


def _to_queue(
    session: Session,
    fence: ColumnElement[bool],
    document_id: str,
    code: str,
    message: str,
    run_after: dt.datetime,
    now: dt.datetime,
) -> bool:
    """Put a job back in the queue, its document back to queued with the last error.

    Return whether the job moved (False when the fence no longer matches).
    """
    result = session.execute(
        update(Job)
        .where(fence)
        .values(
            status=JobStatus.QUEUED,
            run_after=run_after,
            lease_until=None,
            worker_id=None,
            last_error=message,
            updated_at=now,
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.execute(
        update(DocumentRow)
        .where(DocumentRow.id == document_id, DocumentRow.status == DocumentStatus.PROCESSING)
        .values(
            status=DocumentStatus.QUEUED,
            error_code=code[:64],
            error_message=message,
            updated_at=now,
        )
    )
    return True


def _to_dead(
    session: Session,
    fence: ColumnElement[bool],
    job_id: int,
    document_id: str,
    code: str,
    message: str,
    now: dt.datetime,
) -> bool:
    """Mark a job and its (unfinished) document dead with the error; return whether it moved."""
    result = session.execute(
        update(Job)
        .where(fence, Job.id == job_id)
        .values(status=JobStatus.DEAD, lease_until=None, last_error=message, updated_at=now)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.execute(
        update(DocumentRow)
        .where(DocumentRow.id == document_id, DocumentRow.status != DocumentStatus.DONE)
        .values(
            status=DocumentStatus.DEAD,
            error_code=code[:64],
            error_message=message,
            updated_at=now,
        )
    )
    return True
