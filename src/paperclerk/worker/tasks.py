"""The tasks a worker runs: a queued document, and the interactive lane's in-memory tasks.

`run_job` reads a queued document's original, runs the pipeline and stores the result.
`run_memory_task` runs a task handed over in memory (`queue.memory`): the pipeline on the
request's bytes, returned without storing anything (`retention=none`), or the pipeline then
the loyalty slice's step on its result (a campaign submission, stored).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from paperclerk.engines.base import OcrEngine
from paperclerk.engines.registry import get_engine
from paperclerk.errors import (
    InputError,
    LimitExceededError,
    PaperclerkError,
    traceback_without_messages,
)
from paperclerk.extract.base import FieldExtractor
from paperclerk.ingest import load_bytes
from paperclerk.intake.split_batch import SPLIT_KEY, split_in_worker
from paperclerk.intake.submit import IntakeResources
from paperclerk.learning.loader import LiveReference, ShadowReader
from paperclerk.learning.user_types import UserTypes
from paperclerk.loyalty import store as loyalty_store
from paperclerk.loyalty.service import decide_submission
from paperclerk.model import DocType, Source, read_type_hint
from paperclerk.monitoring.drift import monitor, monitored_type
from paperclerk.monitoring.shadow import read_in_shadow
from paperclerk.pages.read import timed
from paperclerk.payables.approval_service import on_data_approved
from paperclerk.payables.checks import check_before_storing
from paperclerk.pipeline.run import process_bytes, process_ingested, type_policy_of
from paperclerk.pipeline.split_pdf import read_pages
from paperclerk.queue.jobs import finish_document
from paperclerk.queue.lease import complete, fail
from paperclerk.queue.memory import (
    HandoffPort,
    MemoryTask,
    TaskKind,
    TaskOutcome,
    WorkerTimeoutError,
)
from paperclerk.review.results import on_result_stored
from paperclerk.settings import get_settings
from paperclerk.storage.blobs import Blobs
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


def stored_type_hint(value: str | None) -> tuple[DocType | None, str | None]:
    """Return the type and user type name of a stored `doc_type_hint` (`model.type_hint`).

    (None, None) when there is none; an unknown value raises `StoredValueError`.
    """
    try:
        return read_type_hint(value)
    except ValueError:
        raise StoredValueError(f"unknown doc_type_hint {value!r} in the document row") from None


def out_of_memory() -> LimitExceededError:
    """Return the typed error of a document that needs more memory than a worker may use."""
    return LimitExceededError(
        "Reading the document needs more memory than a worker may use "
        "(PAPERCLERK_WORKER_MEMORY_MB)."
    )


def run_job(
    session_factory: sessionmaker[Session],
    blobs: Blobs,
    job: Job,
    engine: OcrEngine | None = None,
    receipts: FieldExtractor | None = None,
    references: Callable[[str], LiveReference | None] | None = None,
    shadows: Callable[[DocType], ShadowReader | None] | None = None,
    user_types: UserTypes | None = None,
) -> bool:
    """Process the document of a claimed job; return whether a result was stored.

    Bad input is a permanent failure (the document goes dead with the input error's code),
    as is a document that runs out of the worker's memory (`limit_exceeded`), and so is a
    row whose `source` or `doc_type_hint` is no known value (logged as an error); anything
    else is retried with backoff. A document already done (a redelivered job) is not
    processed again. Only ids and codes are logged, never document content.
    `receipts` extracts receipts (the service's, reading with the reviewed memory); the
    decision follows the workspace's policy as it is when the document is processed.
    The original is decoded once, here; each page as the review screen shows it goes to the
    blob store (`Page.image_sha256`), so showing it decodes nothing. The drift monitor sees
    each result before it is stored (`monitoring.drift.monitor`), against the live model's
    training data where `references` has it for the type. A model `shadows` runs in shadow
    for the type reads the document too, before the result is stored, and both readings are
    kept with it (`monitoring.shadow`); the result is the live model's alone. `user_types`
    are the service's user-defined types (`<data_dir>/models`), whose live models read the
    documents hinted or recognised as theirs.
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
        workspace_id = row.workspace_id
        to_split = (row.meta or {}).get(SPLIT_KEY) == "invoices" and not row.meta.get("split_parts")
        policy = effective_policy(session, row.workspace_id)
    try:
        source = stored_source(columns[0])
        hint, custom_type = stored_type_hint(columns[1])
    except StoredValueError as exc:
        log.error("document %s cannot be processed: %s", job.document_id, exc)
        fail(session_factory, job, exc, retryable=False)
        return False
    try:
        data = blobs.get(sha)
        with session_factory() as session, session.begin():
            set_progress(session, job.document_id, 0.1)
        timings: dict[str, float] = {}
        with timed(timings, "ingest"):
            ingested = load_bytes(data)
        pages = None
        if to_split:
            settings = get_settings()
            ocr = partial(get_engine, settings.ocr_engine, settings.ocr_threads)
            engine = engine or (
                ocr() if any(not p.has_text_layer for p in ingested.pages) else None
            )
            pages = read_pages(ingested, lambda: engine or ocr(), keep_image=blobs.put)
            resources = IntakeResources(session_factory, blobs)
            parts = split_in_worker(
                resources, job.document_id, data, pages,
                source=source, doc_type_hint=hint if custom_type is None else None,
                lane=job.lane,
            )  # fmt: skip
            if parts:  # the batch is its parts' container now: no result of its own
                complete(session_factory, job)
                return False
        doc = process_ingested(
            ingested,
            engine=engine,
            filename=filename,
            source=source,
            doc_type_hint=hint,
            extractor=receipts,
            policy=policy,
            keep_image=blobs.put,
            pages=pages,
            custom_type=custom_type,
            user_types=user_types,
        )
        doc.timings = {**timings, **doc.timings}
    except InputError as exc:
        log.info("document %s rejected: %s", job.document_id, exc.code)
        fail(session_factory, job, exc, retryable=False)
        return False
    except MemoryError:
        log.warning("document %s needs more memory than a worker may use", job.document_id)
        fail(session_factory, job, out_of_memory(), retryable=False)
        return False
    except PaperclerkError as exc:
        log.warning("document %s failed: %s", job.document_id, exc.code)
        fail(session_factory, job, exc, retryable=True)
        return False
    except Exception as exc:  # a bug or a resource problem: retry, then dead
        # The message may quote the document (an identity document's name, say): it goes
        # with the job and the document, the log gets the type and the frames only.
        log.error(
            "document %s failed unexpectedly: %s",
            job.document_id,
            traceback_without_messages(exc),
        )
        fail(session_factory, job, exc, retryable=True)
        return False
    doc.id = job.document_id
    shadow = shadows(doc.doc_type) if shadows else None
    reading = read_in_shadow(workspace_id, job.document_id, doc, shadow, policy) if shadow else None
    with session_factory() as session, session.begin():
        row = session.get(DocumentRow, job.document_id)
        if row is not None:
            doc.workspace = row.workspace_id
            type_policy = type_policy_of(doc, policy, user_types)
            check_before_storing(
                session, row.workspace_id, job.document_id, doc, type_policy.advisory_rules
            )
            reference = references(monitored_type(doc)) if references else None
            monitor(session, row.workspace_id, job.document_id, doc, type_policy, reference)
        stored = finish_document(session, job.document_id, doc, job.id)
        if stored and row is not None:
            outcome = doc.decision.outcome.value if doc.decision else None
            record_events(session, job.document_id, row.workspace_id, outcome)
            on_result_stored(session, job.document_id, row.workspace_id, doc)
            on_data_approved(session, job.document_id, row.workspace_id, doc)
            if reading is not None:
                session.add(reading)
        return stored


class _WithdrawnError(PaperclerkError):
    """The request gave up before the result was stored: roll the transaction back."""

    code = "worker_timeout"


def run_memory_task(
    session_factory: sessionmaker[Session],
    blobs: Blobs,
    task: MemoryTask,
    port: HandoffPort,
    engine: OcrEngine | None = None,
    user_types: UserTypes | None = None,
) -> TaskOutcome:
    """Run one task of the in-memory hand-off and return its outcome (never raises).

    `PROCESS` (`retention=none`): the pipeline on the bytes with the workspace's policy; no
    page image, no row, no blob, and only the task id and an error code are ever logged.
    `CAMPAIGN`: decode the receipt (bad bytes end here, before anything is stored), keep
    the original in the blob store, run the pipeline, then the loyalty slice's step on its
    result (`decide_submission`) in one transaction, committed only when the request
    still waits (`port.may_commit`). Both use the default extractors, as the API did.
    """
    try:
        if task.kind is TaskKind.PROCESS:
            return TaskOutcome(result=_process_in_memory(session_factory, task, engine, user_types))
        return TaskOutcome(result=_campaign_submission(session_factory, blobs, task, port, engine))
    except _WithdrawnError:
        log.info("memory task %s withdrawn before its result was stored", task.id)
        return TaskOutcome.failed(WorkerTimeoutError("the request stopped waiting"))
    except PaperclerkError as exc:
        log.info("memory task %s failed: %s", task.id, exc.code)
        return TaskOutcome.failed(exc)
    except MemoryError:
        log.warning("memory task %s needs more memory than a worker may use", task.id)
        return TaskOutcome.failed(out_of_memory())
    except Exception as exc:  # a bug or a resource problem: the request answers 500
        if task.kind is TaskKind.PROCESS:  # retention=none: not even a traceback's message
            log.error("memory task %s failed unexpectedly: %s", task.id, type(exc).__name__)
        else:
            log.exception("memory task %s failed unexpectedly", task.id)
        return TaskOutcome.failed(exc)


def _process_in_memory(
    session_factory: sessionmaker[Session],
    task: MemoryTask,
    engine: OcrEngine | None,
    user_types: UserTypes | None,
) -> dict[str, Any]:
    """Run the pipeline on the task's bytes; return the document as JSON, storing nothing."""
    with session_factory() as session:
        policy = effective_policy(session, task.workspace_id)
    hint, custom_type = stored_type_hint(task.doc_type_hint)
    doc = process_bytes(
        task.data,
        engine=engine,
        filename=task.filename,
        source=Source.API,
        doc_type_hint=hint,
        policy=policy,
        custom_type=custom_type,
        user_types=user_types,
    )
    doc.workspace = task.workspace_id
    return doc.model_dump(mode="json")


def _campaign_submission(
    session_factory: sessionmaker[Session],
    blobs: Blobs,
    task: MemoryTask,
    port: HandoffPort,
    engine: OcrEngine | None,
) -> dict[str, Any]:
    """Read a receipt, then decide and store it as a submission of the task's campaign."""
    if task.campaign_id is None or task.participant_id is None:
        raise StoredValueError("a campaign task needs a campaign and a participant")
    with session_factory() as session:
        campaign = loyalty_store.get_campaign(session, task.workspace_id, task.campaign_id)
        policy = effective_policy(session, task.workspace_id)
    ingested = load_bytes(task.data)
    blobs.put(task.data)  # kept before OCR: a failure in reading never loses the original
    doc = process_ingested(
        ingested,
        engine=engine,
        filename=task.filename,
        doc_type_hint=DocType.RECEIPT,
        policy=policy,
    )
    with session_factory() as session, session.begin():
        result = decide_submission(
            session, task.workspace_id, campaign, task.participant_id, task.data, ingested, doc,
            filename=task.filename, now=task.received_at,
        )  # fmt: skip
        if not port.may_commit(task.id):
            raise _WithdrawnError("the request stopped waiting")
        return result.model_dump(mode="json")
