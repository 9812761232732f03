"""A worker's run of a queued campaign submission (`loyalty.submission_jobs`).

The same steps as the in-memory hand-off's (`worker.tasks._campaign_submission`): read the
original from the blob store, run the pipeline, then `loyalty.service.decide_submission` in
one transaction, which here also marks the job and its row done, so one job stores one
submission however often it is delivered. `claim.decided` webhooks are recorded by
`decide_submission` itself; the worker's delivery rounds send them.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session, sessionmaker

from paperclerk.engines.base import OcrEngine
from paperclerk.errors import InputError, PaperclerkError
from paperclerk.ingest import load_bytes
from paperclerk.loyalty import store as loyalty_store
from paperclerk.loyalty.service import decide_submission
from paperclerk.loyalty.submission_jobs import claim_job, record_decided, start_decision
from paperclerk.model import DocType
from paperclerk.pipeline.run import process_ingested
from paperclerk.queue.lease import complete, fail
from paperclerk.storage.blobs import Blobs
from paperclerk.storage.columns import DocumentStatus
from paperclerk.storage.policies import effective_policy
from paperclerk.storage.tables import DocumentRow, Job
from paperclerk.worker.tasks import out_of_memory

log = logging.getLogger(__name__)


def run_claim_job(
    session_factory: sessionmaker[Session],
    blobs: Blobs,
    job: Job,
    engine: OcrEngine | None = None,
) -> bool:
    """Read and decide the campaign submission of a claimed job; return whether it stored one.

    A claim already decided (a redelivered job) is only marked done. Bad input, a campaign
    that no longer exists, a row without its claim and a receipt that needs more memory
    than a worker may use fail the job for good with their codes (typed errors answered
    4xx); anything else is retried with the queue's backoff, then dead. Only ids and
    codes are logged, never what the receipt says.
    """
    with session_factory() as session:
        row = session.get(DocumentRow, job.document_id)
        if row is None or row.status == DocumentStatus.DONE:
            complete(session_factory, job)
            return False
        try:
            claim = claim_job(row)
            campaign = loyalty_store.get_campaign(session, claim.workspace_id, claim.campaign_id)
        except PaperclerkError as exc:
            log.info("claim %s cannot be decided: %s", job.document_id, exc.code)
            fail(session_factory, job, exc, retryable=False)
            return False
        policy = effective_policy(session, claim.workspace_id)
    if claim.submission_id is not None:  # decided before, then queued again
        with session_factory() as session, session.begin():
            start_decision(session, job.id, job.document_id)
        return False
    try:
        data = blobs.get(claim.sha256)
        ingested = load_bytes(data)
        doc = process_ingested(
            ingested,
            engine=engine,
            filename=claim.filename,
            doc_type_hint=DocType.RECEIPT,
            policy=policy,
        )
        with session_factory() as session, session.begin():
            current = start_decision(session, job.id, job.document_id)
            if current is None:
                log.info("claim %s was decided by another worker", job.document_id)
                return False
            result = decide_submission(
                session, current.workspace_id, campaign, current.participant_id, data,
                ingested, doc, filename=current.filename, now=current.received_at,
            )  # fmt: skip
            assert result.submission_id is not None  # decide_submission stored it
            record_decided(session, job.document_id, result.submission_id)
        return True
    except MemoryError:
        log.warning("claim %s needs more memory than a worker may use", job.document_id)
        fail(session_factory, job, out_of_memory(), retryable=False)
    except PaperclerkError as exc:
        permanent = isinstance(exc, InputError) or exc.http_status < 500
        log.info("claim %s failed: %s", job.document_id, exc.code)
        fail(session_factory, job, exc, retryable=not permanent)
    except Exception as exc:  # a bug or a resource problem: retry, then dead
        log.exception("claim %s failed unexpectedly", job.document_id)
        fail(session_factory, job, exc, retryable=True)
    return False
