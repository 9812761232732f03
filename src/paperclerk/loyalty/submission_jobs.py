"""Campaign submissions through the durable queue: enqueue, decide once, read the state.

An asynchronous submission (`POST /v1/campaigns/{id}/submissions?mode=async`) is stored like
a document: its original in the blob store first, then in one transaction a document row
(the claim's campaign, participant and time of receipt in its `metadata`, under
`CLAIM_KEY`) and a job of kind `CLAIM_JOB_KIND` in the interactive lane. Any worker, in the
API's process or on another machine (`paperclerk worker`), claims it under the queue's
lease rules, reads the receipt and decides it (`worker.submission_jobs`). The job's id for
the client is the document row's id.

Decided once per job, whatever happens to workers: the decision's transaction first marks
the job and its row done (`start_decision`: locks the job, then the row, the order of
`queue.lease.claim`; a row already done means another worker decided it) and records the
submission's id in the row (`record_decided`) before it commits; a row that already names
a submission (one put back in the queue by `reprocess`) is not decided again. A worker
that dies before the commit leaves nothing, and the job comes back when its lease runs out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from paperclerk.errors import PaperclerkError
from paperclerk.model import DocType, Source
from paperclerk.queue.jobs import enqueue
from paperclerk.storage.columns import DocumentStatus, JobStatus, Lane, utcnow
from paperclerk.storage.documents import create_document, get_document
from paperclerk.storage.tables import DocumentRow, Job

CLAIM_JOB_KIND = "campaign_submission"
"""`jobs.kind` of a queued campaign submission."""
CLAIM_KEY = "campaign_submission"
"""Key of the document row's `metadata` holding the claim (campaign, participant, …)."""


class ClaimJobError(PaperclerkError):
    """A queued claim's row does not say which campaign and participant it is for."""

    code = "invalid_claim_job"
    http_status = 422


@dataclass(frozen=True)
class ClaimJob:
    """What a queued claim is: whose, for which campaign, received when, decided as what."""

    document_id: str
    workspace_id: str
    campaign_id: str
    participant_id: str
    received_at: dt.datetime
    sha256: str
    filename: str | None
    submission_id: int | None = None


@dataclass(frozen=True)
class ClaimJobState:
    """A queued claim as its client sees it: queued, running, done or failed."""

    job_id: str
    status: str  # queued, running, done, failed
    submission_id: int | None = None
    error_code: str | None = None
    error_message: str | None = None


def enqueue_claim(
    session: Session,
    workspace_id: str,
    campaign_id: str,
    participant_id: str,
    *,
    sha256: str,
    size_bytes: int,
    media_type: str | None,
    filename: str | None,
    received_at: dt.datetime,
) -> str:
    """Add a queued claim (its row and its job) to the caller's transaction; return its id.

    Store the original in the blob store before (under `sha256`) and commit the two rows
    together, so a worker never claims a job whose row or original is missing.
    """
    claim = {
        "campaign_id": campaign_id,
        "participant_id": participant_id,
        "received_at": received_at.isoformat(),
    }
    row, _ = create_document(
        session,
        workspace_id,
        sha256=sha256,
        size_bytes=size_bytes,
        filename=filename,
        media_type=media_type,
        source=Source.API,
        doc_type_hint=DocType.RECEIPT,
        metadata={CLAIM_KEY: claim},
    )
    enqueue(session, row.id, Lane.INTERACTIVE, CLAIM_JOB_KIND)
    return row.id


def claim_job(row: DocumentRow) -> ClaimJob:
    """Read the claim of a queued submission's row; raise `ClaimJobError` when it has none."""
    meta: Any = row.meta
    claim = meta.get(CLAIM_KEY) if isinstance(meta, dict) else None
    if not isinstance(claim, dict):
        raise ClaimJobError(f"document {row.id} is not a queued campaign submission")
    campaign_id, participant_id = claim.get("campaign_id"), claim.get("participant_id")
    submission_id, stamp = claim.get("submission_id"), claim.get("received_at")
    try:
        received_at = dt.datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except ValueError:
        received_at = None
    if (
        not isinstance(campaign_id, str)
        or not isinstance(participant_id, str)
        or received_at is None
        or not (submission_id is None or isinstance(submission_id, int))
    ):
        raise ClaimJobError(f"document {row.id} holds no valid campaign submission")
    return ClaimJob(
        document_id=row.id,
        workspace_id=row.workspace_id,
        campaign_id=campaign_id,
        participant_id=participant_id,
        received_at=received_at,
        sha256=row.sha256,
        filename=row.filename,
        submission_id=submission_id,
    )


def start_decision(session: Session, job_id: int, document_id: str) -> ClaimJob | None:
    """Mark a claim's job and row done in the caller's transaction, and return the claim.

    None when there is nothing to decide: the row is gone or already done (another worker
    decided a redelivered copy of the job first), or it names its submission already (a
    done claim queued again). The job is marked done either way. On PostgreSQL the job's
    and the row's locks are held until the caller commits, so a second worker deciding the
    same claim waits here and then finds it done. The caller decides, calls
    `record_decided` and commits; a rollback undoes all of it.
    """
    now = utcnow()
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.document_id == document_id)
        .values(status=JobStatus.DONE, lease_until=None, updated_at=now)
    )
    moved = session.execute(
        update(DocumentRow)
        .where(DocumentRow.id == document_id, DocumentRow.status != DocumentStatus.DONE)
        .values(
            status=DocumentStatus.DONE,
            progress=1.0,
            error_code=None,
            error_message=None,
            completed_at=now,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        return None
    row = session.get(DocumentRow, document_id, populate_existing=True)
    if row is None:
        return None
    job = claim_job(row)
    return None if job.submission_id is not None else job


def record_decided(session: Session, document_id: str, submission_id: int) -> None:
    """Name the submission a claim's row was decided as (its idempotency key and answer)."""
    row = session.get(DocumentRow, document_id)
    if row is None:
        return
    meta = dict(row.meta or {})
    meta[CLAIM_KEY] = {**meta.get(CLAIM_KEY, {}), "submission_id": submission_id}
    row.meta = meta
    session.flush()


_STATES = {
    DocumentStatus.QUEUED: "queued",
    DocumentStatus.PROCESSING: "running",
    DocumentStatus.DONE: "done",
    DocumentStatus.DEAD: "failed",
    DocumentStatus.FAILED: "failed",
}


def claim_job_state(
    session: Session, workspace_id: str, campaign_id: str, job_id: str
) -> ClaimJobState | None:
    """Return the state of a queued claim of this workspace and campaign, or None.

    None as well for ids of documents that are no claim, or a claim of another campaign.
    A failed claim carries its error's code and message (the message without the code
    the queue prefixes it with).
    """
    row = get_document(session, workspace_id, job_id)
    if row is None:
        return None
    try:
        job = claim_job(row)
    except ClaimJobError:
        return None
    if job.campaign_id != campaign_id:
        return None
    status = _STATES[DocumentStatus(row.status)]
    if status == "done" and job.submission_id is None:
        status = "running"  # cannot last: the id is written in the transaction marking it done
    if status != "failed":
        return ClaimJobState(job_id=row.id, status=status, submission_id=job.submission_id)
    code = row.error_code or "internal_error"
    message = row.error_message or ""
    return ClaimJobState(
        job_id=row.id,
        status=status,
        error_code=code,
        error_message=message.removeprefix(f"{code}: "),
    )
