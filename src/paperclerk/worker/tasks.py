"""The task a worker runs for a queued document: read the original, run the pipeline, store."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session, sessionmaker

from paperclerk.engines.base import OcrEngine
from paperclerk.errors import InputError, PaperclerkError
from paperclerk.extract.base import FieldExtractor
from paperclerk.model import DocType, Source
from paperclerk.pipeline.run import process_bytes
from paperclerk.queue.jobs import finish_document
from paperclerk.queue.lease import complete, fail
from paperclerk.review.results import on_result_stored
from paperclerk.storage.blobs import BlobStore
from paperclerk.storage.columns import DocumentStatus
from paperclerk.storage.documents import set_progress
from paperclerk.storage.policies import effective_policy
from paperclerk.storage.tables import DocumentRow, Job
from paperclerk.webhooks.registry import record_events

log = logging.getLogger(__name__)


class StoredValueError(PaperclerkError):
    """A document row holds a value its enum does not know (a bug or a hand-edited row).

    Processing it again cannot help, so the job fails for good with this code.
    """

    code = "invalid_stored_value"


def stored_source(value: str) -> Source:
    """Return the `Source` of a stored `source` column (older aliases accepted).

    An unknown value raises `StoredValueError` instead of being taken for another source.
    """
    try:
        return Source(value)
    except ValueError:
        raise StoredValueError(f"unknown source {value!r} in the document row") from None


def stored_doc_type_hint(value: str | None) -> DocType | None:
    """Return the `DocType` of a stored `doc_type_hint` column, None when there is none.

    An unknown value raises `StoredValueError`.
    """
    if not value:
        return None
    try:
        return DocType(value)
    except ValueError:
        raise StoredValueError(f"unknown doc_type_hint {value!r} in the document row") from None


def run_job(
    session_factory: sessionmaker[Session],
    blobs: BlobStore,
    job: Job,
    engine: OcrEngine | None = None,
    receipts: FieldExtractor | None = None,
) -> bool:
    """Process the document of a claimed job; return whether a result was stored.

    Bad input is a permanent failure (the document goes dead with the input error's code),
    and so is a row whose `source` or `doc_type_hint` is no known value (logged as an
    error); anything else is retried with backoff. A document already done (a redelivered job) is
    not processed again. Only ids and codes are logged, never document content.
    `receipts` extracts receipts (the service's, reading with the reviewed memory); the
    decision follows the workspace's policy as it is when the document is processed.
    The original is decoded once, here; each page as the review screen shows it goes to the
    blob store (`Page.image_sha256`), so showing it decodes nothing.
    """
    with session_factory() as session:
        row = session.get(DocumentRow, job.document_id)
        if row is None:
            complete(session_factory, job)
            return False
        if row.status == DocumentStatus.DONE:
            complete(session_factory, job)
            return False
        sha, filename, columns = row.sha256, row.filename, (row.source, row.doc_type_hint)
        policy = effective_policy(session, row.workspace_id)
    try:
        source, hint = stored_source(columns[0]), stored_doc_type_hint(columns[1])
    except StoredValueError as exc:
        log.error("document %s cannot be processed: %s", job.document_id, exc)
        fail(session_factory, job, exc, retryable=False)
        return False
    try:
        data = blobs.get(sha)
        with session_factory() as session, session.begin():
            set_progress(session, job.document_id, 0.1)
        doc = process_bytes(
            data,
            engine=engine,
            filename=filename,
            source=source,
            doc_type_hint=hint,
            extractor=receipts,
            policy=policy,
            keep_image=blobs.put,
        )
    except InputError as exc:
        log.info("document %s rejected: %s", job.document_id, exc.code)
        fail(session_factory, job, exc, retryable=False)
        return False
    except PaperclerkError as exc:
        log.warning("document %s failed: %s", job.document_id, exc.code)
        fail(session_factory, job, exc, retryable=True)
        return False
    except Exception as exc:  # a bug or a resource problem: retry, then dead
        log.exception("document %s failed unexpectedly", job.document_id)
        fail(session_factory, job, exc, retryable=True)
        return False
    doc.id = job.document_id
    with session_factory() as session, session.begin():
        row = session.get(DocumentRow, job.document_id)
        if row is not None:
            doc.workspace = row.workspace_id
        stored = finish_document(session, job.document_id, doc, job.id)
        if stored and row is not None:
            outcome = doc.decision.outcome.value if doc.decision else None
            record_events(session, job.document_id, row.workspace_id, outcome)
            on_result_stored(session, job.document_id, row.workspace_id, doc)
        return stored
