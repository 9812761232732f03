"""Submitting a batch PDF of several invoices as one document per invoice (`split=invoices`).

The design keeps the intake's promise that the original is stored before anything else:

1. the batch is checked and stored like any upload (`submit_bytes`), but not queued yet,
   so whatever happens next it is kept;
2. a born-digital batch's pages are read from their text layer in the request and
   `pipeline.split.split_invoices` finds the invoices. A batch with a page that needs OCR
   is queued instead, marked `split: invoices` in its metadata (`defer`): the worker
   reads it and splits it (`split_in_worker`), so a scanned stack never holds the request
   for its OCR time; the answer then lists no parts and says `split_deferred`;
3. with two or more invoices, each part is cut from the original (`write_parts`, pages
   copied untouched) and submitted as its own queued document whose metadata holds
   `split_from` (the batch's id), `split_pages` (1-based pages of the batch),
   `split_score` and `split_reasons`; the batch's metadata then lists `split_parts` and
   the batch is closed as their container (status `done`, no result): it is never read
   as one invoice, so its parts are not duplicates of it and it never reaches review;
4. with one invoice, or when the pages cannot be read (any error, re-raised after), the
   batch is queued and processed as one document, as any upload.

A process killed between 1 and 3 leaves the batch stored and unqueued; sending the
request again with its Idempotency-Key finishes the job.

Each part's idempotency key is derived from the batch id and its pages, so the same request
sent again with the same Idempotency-Key returns the same batch and the same parts, and a
request that stopped half-way creates only the missing ones. The ranges cover every page of
the batch once, so no page is lost between the parts. A batch holding one invoice gets no
parts: the batch document is that invoice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from paperclerk.engines.base import OcrEngine
from paperclerk.errors import PaperclerkError, UnsupportedMediaTypeError
from paperclerk.ingest import load_bytes, sniff_media_type
from paperclerk.ingest.sniff import PDF
from paperclerk.intake.submit import SubmitResources, submit_bytes
from paperclerk.model import DocType, Page, Source
from paperclerk.pipeline.split import PageRange, split_invoices
from paperclerk.pipeline.split_pdf import read_pages, write_parts
from paperclerk.queue.jobs import enqueue
from paperclerk.storage.columns import DocumentStatus, Lane, utcnow
from paperclerk.storage.errors import ConflictError
from paperclerk.storage.tables import DocumentRow, Job


@dataclass(frozen=True)
class SubmittedPart:
    """One invoice cut from a batch: its document id, 1-based pages, score and reasons."""

    document_id: str
    pages: list[int]
    score: float
    reasons: list[str]


@dataclass(frozen=True)
class SubmittedBatch:
    """A stored batch, whether it is new, and the parts submitted from it."""

    document_id: str
    created: bool
    parts: list[SubmittedPart] = field(default_factory=list)
    split_error: dict[str, str] | None = None
    """Why the batch could not be split (`code`, `message`); it is then one document."""
    deferred: bool = False
    """The batch needs OCR: queued for the worker to read and split (`split_in_worker`)."""


SPLIT_KEY = "split"
"""Metadata key of a batch the worker is to split (value `invoices`)."""


def submit_split_batch(
    resources: SubmitResources,
    workspace_id: str,
    data: bytes,
    filename: str | None,
    engine: Callable[[], OcrEngine],
    *,
    source: Source = Source.API,
    doc_type_hint: DocType | None = None,
    metadata: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
    lane: Lane | str = Lane.BULK,
) -> SubmittedBatch:
    """Store and queue a batch PDF, then one queued document per invoice found in it.

    `engine` is called only when a page has no text layer. Raises
    UnsupportedMediaTypeError before anything is stored when the input is not a PDF, and
    the typed InputErrors of `submit_bytes`. A typed error while reading the pages (a
    damaged page, no OCR engine) comes after the batch is stored: the batch stays one
    document and the error is returned as `split_error`.
    """
    if sniff_media_type(data) != PDF:
        raise UnsupportedMediaTypeError("split=invoices needs a PDF holding the invoices.")
    meta = dict(metadata or {})
    batch = submit_bytes(
        resources,
        workspace_id,
        data,
        filename,
        source=source,
        doc_type_hint=doc_type_hint,
        metadata=meta,
        idempotency_key=idempotency_key,
        lane=lane,
        queue=False,
    )
    try:
        ingested = load_bytes(data)
        if not all(page.has_text_layer for page in ingested.pages):
            _defer(resources, batch.document_id, lane)
            return SubmittedBatch(batch.document_id, batch.created, deferred=True)
        ranges = split_invoices(read_pages(ingested, engine))
    except PaperclerkError as exc:
        _settle(resources, batch.document_id, [], lane)
        error = {"code": exc.code, "message": exc.message}
        return SubmittedBatch(batch.document_id, batch.created, split_error=error)
    except BaseException:
        _settle(resources, batch.document_id, [], lane)
        raise
    if len(ranges) < 2:
        _settle(resources, batch.document_id, [], lane)
        return SubmittedBatch(batch.document_id, batch.created)
    try:
        parts = _submit_parts(
            resources, workspace_id, data, filename, batch.document_id, ranges,
            source=source, doc_type_hint=doc_type_hint, meta=meta, lane=lane,
        )  # fmt: skip
    except BaseException:
        _settle(resources, batch.document_id, [], lane)
        raise
    _settle(resources, batch.document_id, [p.document_id for p in parts], lane)
    return SubmittedBatch(batch.document_id, batch.created, parts)


def split_in_worker(
    resources: SubmitResources,
    batch_id: str,
    data: bytes,
    pages: list[Page],
    *,
    source: Source,
    doc_type_hint: DocType | None,
    lane: Lane | str,
) -> list[SubmittedPart]:
    """Split a deferred batch whose pages the worker has read; return the parts submitted.

    With two or more invoices each is submitted as its own queued document (as in the
    request) and the batch is closed as their container: the caller completes its job and
    stores no result. With one invoice nothing is submitted (an empty list) and the batch
    is processed as one document, from the pages already read. Idempotent like the
    request: a job run again finds the parts by their keys.
    """
    with resources.sessions() as session:
        row = session.get(DocumentRow, batch_id)
        if row is None:
            return []
        workspace_id, filename, meta = row.workspace_id, row.filename, dict(row.meta or {})
    ranges = split_invoices(pages)
    if len(ranges) < 2:
        return []
    own = {k: v for k, v in meta.items() if k not in (SPLIT_KEY, "split_parts")}
    parts = _submit_parts(
        resources, workspace_id, data, filename, batch_id, ranges,
        source=source, doc_type_hint=doc_type_hint, meta=own, lane=lane,
    )  # fmt: skip
    with resources.sessions() as session, session.begin():
        row = session.get(DocumentRow, batch_id, with_for_update=True)
        if row is not None:
            row.meta = {**(row.meta or {}), "split_parts": [p.document_id for p in parts]}
            now = utcnow()
            row.status, row.progress = DocumentStatus.DONE, 1.0
            row.completed_at = row.updated_at = now
    return parts


def _defer(resources: SubmitResources, batch_id: str, lane: Lane | str) -> None:
    """Mark a stored, unqueued batch for the worker to split, and queue it."""
    with resources.sessions() as session, session.begin():
        row = session.get(DocumentRow, batch_id, with_for_update=True)
        if row is None:
            return
        queued = session.scalar(select(Job.id).where(Job.document_id == batch_id).limit(1))
        if row.status != DocumentStatus.QUEUED or queued is not None:
            return  # a repeated request: deferred (or split) already
        row.meta = {**(row.meta or {}), SPLIT_KEY: "invoices"}
        enqueue(session, batch_id, lane)


def _submit_parts(
    resources: SubmitResources,
    workspace_id: str,
    data: bytes,
    filename: str | None,
    batch_id: str,
    ranges: list[PageRange],
    *,
    source: Source,
    doc_type_hint: DocType | None,
    meta: dict[str, Any],
    lane: Lane | str,
) -> list[SubmittedPart]:
    """Cut each range out of the batch and submit it as its own queued document."""
    parts = []
    stem = (filename or "batch.pdf").rsplit(".", 1)[0]
    for n, (r, blob) in enumerate(zip(ranges, write_parts(data, ranges), strict=True), start=1):
        pages = [i + 1 for i in r.pages]
        key = f"split:{batch_id}:{pages[0]}-{pages[-1]}"
        try:
            part_id = submit_bytes(
                resources,
                workspace_id,
                blob,
                f"{stem}-part{n}.pdf",
                source=source,
                doc_type_hint=doc_type_hint,
                metadata=meta | _part_meta(batch_id, pages, r),
                idempotency_key=key,
                lane=lane,
            ).document_id
        except ConflictError:
            # Cut before by another PDFium build (other bytes): the part exists, keep it.
            part_id = _part_by_key(resources, workspace_id, key)
        parts.append(SubmittedPart(part_id, pages, r.score, list(r.reasons)))
    return parts


def _part_meta(batch_id: str, pages: list[int], r: PageRange) -> dict[str, Any]:
    return {
        "split_from": batch_id,
        "split_pages": pages,
        "split_score": r.score,
        "split_reasons": list(r.reasons),
    }


def _part_by_key(resources: SubmitResources, workspace_id: str, key: str) -> str:
    with resources.sessions() as session:
        found = session.scalar(
            select(DocumentRow.id).where(
                DocumentRow.workspace_id == workspace_id, DocumentRow.idempotency_key == key
            )
        )
    if found is None:
        raise ConflictError(f"the part {key} could not be stored")
    return found


def _settle(
    resources: SubmitResources, batch_id: str, part_ids: list[str], lane: Lane | str
) -> None:
    """Close a split batch as its parts' container, or queue it as one document.

    Only a batch still stored and unqueued is changed (a repeated request finds it settled
    already; its parts are recorded all the same).
    """
    with resources.sessions() as session, session.begin():
        row = session.get(DocumentRow, batch_id, with_for_update=True)
        if row is None:
            return
        if part_ids:
            row.meta = {**(row.meta or {}), "split_parts": part_ids}
        queued = session.scalar(select(Job.id).where(Job.document_id == batch_id).limit(1))
        if row.status != DocumentStatus.QUEUED or queued is not None:
            return
        if len(part_ids) < 2:
            enqueue(session, batch_id, lane)
            return
        now = utcnow()
        row.status, row.progress = DocumentStatus.DONE, 1.0
        row.completed_at = row.updated_at = now
