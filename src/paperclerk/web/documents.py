"""`/v1/documents`: upload, status and result, listing, page images, reprocess, delete."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import logging
import re
import time
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, Literal

import cv2
import numpy as np
from fastapi import APIRouter, File, Form, Header, Query, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from paperclerk.engines.registry import get_engine
from paperclerk.ingest import check_bytes, load_page
from paperclerk.intake.split_batch import submit_split_batch
from paperclerk.intake.submit import submit_bytes
from paperclerk.learning.user_types import UserTypes
from paperclerk.model import DocType, Document, type_hint
from paperclerk.model.personal import has_personal_fields, marked_result
from paperclerk.queue.jobs import reprocess, requeue
from paperclerk.queue.memory import MemoryTask, TaskKind, local_handoff
from paperclerk.review.audit import Actor, record_personal_read
from paperclerk.review.decisions import MAX_REASON, reopen_for_api
from paperclerk.settings import get_settings
from paperclerk.storage.columns import DocumentStatus, Lane
from paperclerk.storage.db import while_unavailable
from paperclerk.storage.documents import (
    blob_in_use,
    check_not_purged,
    delete_document,
    get_document,
    list_documents,
)
from paperclerk.storage.tables import DocumentRow
from paperclerk.web.errors import ApiError
from paperclerk.web.queue_limit import check_queue
from paperclerk.web.state import AppState, State, Workspace, api_reader
from paperclerk.web.ui.pages import page_image as shown_page
from paperclerk.web.ui.pages import stored_page

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/documents", tags=["documents"])
MAX_WAIT_S = 120.0
FINISHED = (DocumentStatus.DONE, DocumentStatus.DEAD, DocumentStatus.FAILED)
MAX_METADATA_BYTES = 16 * 1024
MAX_METADATA_DEPTH = 20
MAX_METADATA_KEYS = 500
_READABLE_METADATA_DEPTH = 100  # stored before the bounds: deeper cannot go in a response


class ErrorInfo(BaseModel):
    """Why a document could not be processed."""

    code: str
    message: str


class DocumentStatusOut(BaseModel):
    """A submitted document: its state and, once done, its result."""

    id: str
    status: str = Field(description="queued, processing, done, failed or dead.")
    progress: float
    filename: str | None
    media_type: str | None
    size_bytes: int
    sha256: str = Field(description="sha256 of the original, kept after a purge.")
    doc_type: str | None
    metadata: dict[str, Any]
    created_at: dt.datetime
    completed_at: dt.datetime | None
    purged_at: dt.datetime | None = Field(
        None,
        description="When the original and page images were deleted under the workspace's "
        "retention; the result's personal values are masked since. None while kept.",
    )
    error: ErrorInfo | None = None
    result: Document | None = Field(
        None, description="Each field says whether its value is personal data (`personal`)."
    )


class ReopenIn(BaseModel):
    """Why a decided document needs another review."""

    reason: str = Field(min_length=1, max_length=MAX_REASON, description="Required.")


class DocumentListOut(BaseModel):
    """One page of documents, newest first; pass `next_cursor` as `cursor` for the next."""

    items: list[DocumentStatusOut]
    next_cursor: str | None


def to_out(row: DocumentRow, with_result: bool = True) -> DocumentStatusOut:
    """Turn a stored row into the API's view of it, its fields marked personal or not."""
    error = None
    if row.error_code:
        error = ErrorInfo(code=row.error_code, message=row.error_message or "")
    return DocumentStatusOut(
        id=row.id,
        status=str(row.status),
        progress=row.progress,
        filename=row.filename,
        media_type=row.media_type,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        doc_type=row.doc_type,
        metadata=_stored_metadata(row),
        created_at=row.created_at,
        completed_at=row.completed_at,
        purged_at=row.purged_at,
        error=error,
        result=marked_result(row.result) if with_result and row.result else None,
    )


async def _read_upload(file: UploadFile, limit: int) -> bytes:
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, "limit_exceeded", f"the file is larger than {limit} bytes")
    if not data:
        raise ApiError(422, "empty_input", "the uploaded file is empty")
    return data


def _metadata(raw: str | None) -> dict[str, Any]:
    """Parse the `metadata` form field: a JSON object within the size, depth and key bounds.

    The size and the nesting are checked on the text, before it is parsed, so a deeply
    nested value never reaches the recursive parser (422 `invalid_metadata`).
    """
    if not raw:
        return {}
    if len(raw.encode()) > MAX_METADATA_BYTES:
        raise ApiError(
            422, "invalid_metadata", f"metadata must be at most {MAX_METADATA_BYTES} bytes"
        )
    if _text_depth(raw) > MAX_METADATA_DEPTH:
        raise ApiError(
            422, "invalid_metadata", f"metadata must nest at most {MAX_METADATA_DEPTH} levels"
        )
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):  # ValueError: also an integer of 4300+ digits
        raise ApiError(422, "invalid_request", "metadata must be a JSON object") from None
    if not isinstance(value, dict):
        raise ApiError(422, "invalid_request", "metadata must be a JSON object")
    if "\\u0000" in raw or "\x00" in raw:
        raise ApiError(422, "invalid_request", "metadata must not contain NUL characters")
    if not _answerable(value):
        raise ApiError(
            422, "invalid_metadata", "metadata must not hold NaN, Infinity or lone surrogates"
        )
    if _shape(value)[1] > MAX_METADATA_KEYS:
        raise ApiError(
            422, "invalid_metadata", f"metadata must have at most {MAX_METADATA_KEYS} keys"
        )
    return value


def _text_depth(raw: str) -> int:
    """Return how deep arrays and objects nest in JSON text, brackets in strings ignored."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in raw:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _shape(value: Any, limit: int = _READABLE_METADATA_DEPTH) -> tuple[int, int]:
    """Return the nesting depth (at most `limit` + 1) and the number of object keys of a value.

    Walked without recursion, and not below `limit`, so any stored value can be measured.
    """
    deepest = keys = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, dict | list):
            continue
        deepest = max(deepest, depth + 1)
        if depth >= limit:
            continue
        children = list(item.values()) if isinstance(item, dict) else item
        keys += len(item) if isinstance(item, dict) else 0
        stack.extend((child, depth + 1) for child in children)
    return deepest, keys


def _answerable(value: dict[str, Any]) -> bool:
    """Return whether a (depth-bounded) value can be written in a JSON answer."""
    try:
        json.dumps(value, ensure_ascii=False, allow_nan=False).encode()
    except (ValueError, RecursionError):  # UnicodeEncodeError is a ValueError
        return False
    return True


def _stored_metadata(row: DocumentRow) -> dict[str, Any]:
    """Return a row's metadata, or {} (logged) when it is not an object a response can hold.

    Bounded on the way in; this keeps one row stored before the bounds from breaking every
    listing of its workspace.
    """
    meta = row.meta
    if meta is None:
        return {}
    if isinstance(meta, dict) and _shape(meta)[0] <= _READABLE_METADATA_DEPTH and _answerable(meta):
        return meta
    log.warning("document %s has unreadable metadata; answered as {}", row.id)
    return {}


def _clean_name(name: str | None) -> str | None:
    """Drop control characters from an uploaded file name (databases reject some of them)."""
    if name is None:
        return None
    return "".join(c for c in name if c.isprintable())[:1000] or None


def _check_id(document_id: str) -> None:
    """Answer 404 for ids that cannot exist (PostgreSQL would reject a NUL byte with a 500)."""
    if not re.fullmatch(r"[0-9a-f]{32}", document_id):
        raise ApiError(404, "not_found", f"no document {document_id!r}")


def _status(state: AppState, document_id: str) -> DocumentStatus | None:
    """Return just a document's status: the cheap query a waiting request polls."""
    with state.sessions() as session:
        return session.scalar(select(DocumentRow.status).where(DocumentRow.id == document_id))


def _get(state: AppState, workspace: str, document_id: str) -> DocumentStatusOut:
    _check_id(document_id)
    with state.sessions() as session:
        row = get_document(session, workspace, document_id)
        if row is None:
            raise ApiError(404, "not_found", f"no document {document_id}")
        return to_out(row)


def _type_hint(state: AppState, value: str | None) -> tuple[DocType | None, str | None]:
    """Return the built-in type or the user-defined type's name an upload's hint names.

    An unknown name is refused (422 `unknown_doc_type`), so a typo never queues a document
    that would be read as a type nobody defined.
    """
    if not value:
        return None, None
    if value in DocType._value2member_map_ and value != DocType.CUSTOM:
        return DocType(value), None
    if UserTypes(state.data_dir / "models").spec(value) is not None:
        return None, value
    raise ApiError(
        422,
        "unknown_doc_type",
        f"no document type {value!r}: name a built-in type or one defined at /v1/types",
    )


@router.post(
    "",
    response_model=DocumentStatusOut,
    status_code=202,
    responses={200: {"model": DocumentStatusOut, "description": "finished within `wait`"}},
)
async def submit(
    state: State,
    workspace: Workspace,
    file: Annotated[
        UploadFile, File(description="PDF, JPEG, PNG, TIFF, WebP or an e-invoice XML (UBL, CII).")
    ],
    doc_type: Annotated[
        str | None,
        Form(
            description="Document type hint: a built-in type (receipt, invoice, "
            "identity_document, payslip, bank_statement, utility_bill, other) or the name "
            "of a type defined with `PUT /v1/types/{name}`."
        ),
    ] = None,
    metadata: Annotated[str | None, Form(description="A JSON object kept with it.")] = None,
    wait: Annotated[float, Query(ge=0, le=MAX_WAIT_S, description="Seconds to wait.")] = 0.0,
    retention: Annotated[Literal["store", "none"], Query()] = "store",
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    split: Annotated[
        Literal["invoices"] | None,
        Query(description="`invoices`: a batch PDF is also cut into one document per invoice."),
    ] = None,
) -> Response:
    """Submit a document; with `wait`, answer with the result if it is ready in time.

    The original is stored before anything else happens. With `retention=none` the
    document is handed in memory to a worker of this process (`queue.memory`, ahead of
    every queued job) and nothing about it is stored or logged; the answer is 200 with the
    document, 503 `no_worker` without embedded workers, 504 `worker_timeout` after 120 s.
    While more than `PAPERCLERK_MAX_QUEUE_DEPTH` jobs wait, a stored submission is refused
    with 429 `queue_full` and Retry-After. `metadata` is a JSON object of at most 16 KiB,
    20 levels and 500 keys (422 `invalid_metadata`). With `split=invoices` (stored only) the
    batch is stored and queued, then each invoice found in it becomes its own queued document
    (`intake.split_batch`); the answer (202) is the batch with its `parts` listed. A batch
    with pages that need OCR is split by the worker instead (`split_deferred`: true, no
    parts yet): its parts are then listed in the batch's metadata (`split_parts`).
    """
    meta = _metadata(metadata)
    hint, custom_type = _type_hint(state, doc_type)
    if split is not None and retention == "none":
        raise ApiError(422, "invalid_request", "split=invoices needs retention=store")
    data = await _read_upload(file, state.max_bytes)
    filename = _clean_name(file.filename)
    if retention == "none":
        await run_in_threadpool(check_bytes, data)  # typed input errors before any hand-off
        task = MemoryTask(
            TaskKind.PROCESS,
            workspace,
            data,
            filename=filename,
            doc_type_hint=type_hint(hint, custom_type),
        )
        result = await local_handoff(state.database_url).run(task)
        return JSONResponse(result, status_code=200)
    await run_in_threadpool(while_unavailable, partial(check_queue, state))
    store = partial(
        submit_bytes,
        state,
        workspace,
        data,
        filename,
        doc_type_hint=hint,
        custom_type=custom_type,
        metadata=meta,
        idempotency_key=idempotency_key,
        lane=Lane.INTERACTIVE if wait > 0 else Lane.BULK,
    )
    # With an idempotency key a second try cannot store the document twice, even when the
    # database went away during the first one's commit: only then is a restart waited out.
    retry_s = None if idempotency_key else 0.0  # 0: one try
    if split is not None:
        return await _submit_split(state, workspace, data, filename, hint, meta, idempotency_key)
    submitted = await run_in_threadpool(while_unavailable, store, retry_s)
    document_id = submitted.document_id
    deadline = time.monotonic() + wait
    status = await run_in_threadpool(while_unavailable, partial(_status, state, document_id))
    while status not in FINISHED and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        status = await run_in_threadpool(_status, state, document_id)
    out = await run_in_threadpool(while_unavailable, partial(_get, state, workspace, document_id))
    code = 200 if out.status in FINISHED else 202
    return JSONResponse(out.model_dump(mode="json"), status_code=code)


@router.get("/{document_id}", response_model=DocumentStatusOut)
def read(
    request: Request, state: State, workspace: Workspace, document_id: str
) -> DocumentStatusOut:
    """Return a document's status, progress and, once done, its result.

    Handing out the result of a type with personal fields is recorded in its audit trail
    (`personal.read`, with the API key's id).
    """
    out = _get(state, workspace, document_id)
    if out.result is not None:
        _record_read(state, request, workspace, document_id, out.doc_type, "result")
    return out


def _record_read(
    state: AppState,
    request: Request,
    workspace: str,
    document_id: str,
    doc_type: str | None,
    what: str,
) -> None:
    """Record that an API key was shown a document's personal values, if it has any."""
    if not has_personal_fields(doc_type):
        return
    with state.sessions() as session, session.begin():
        record_personal_read(
            session, document_id, workspace, doc_type, Actor.SYSTEM, api_reader(request), what
        )


@router.get("", response_model=DocumentListOut)
def list_(
    state: State,
    workspace: Workspace,
    status: Annotated[DocumentStatus | None, Query()] = None,
    doc_type: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z_]+$")] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DocumentListOut:
    """List the workspace's documents, newest first, with filters and a cursor."""
    with state.sessions() as session:
        page = list_documents(
            session, workspace, status=status, doc_type=doc_type, limit=limit, cursor=cursor
        )
        return DocumentListOut(
            items=[to_out(r, with_result=False) for r in page.items], next_cursor=page.next_cursor
        )


@router.get("/{document_id}/pages/{n}", responses={200: {"content": {"image/png": {}}}})
def page_image(
    request: Request, state: State, workspace: Workspace, document_id: str, n: int
) -> Response:
    """Return page `n` (from 0) as a PNG.

    Once processed: the page as the review screen shows it, in the pixel space of the
    result's word boxes (cropped, upright, deskewed; at most 1400 px wide, so place words
    with their `norm_box`), from the image the worker kept. Before that: the page of the
    original as uploaded. 410 `purged` once the workspace's retention deleted the pages.
    """
    _check_id(document_id)
    with state.sessions() as session:
        row = get_document(session, workspace, document_id)
        if row is None:
            raise ApiError(404, "not_found", f"no document {document_id}")
        check_not_purged(row)
        sha, result, doc_type = row.sha256, row.result, row.doc_type
    if result:
        page = stored_page(result, n)
        jpeg = shown_page(state.blobs, sha, page) if page is not None else None
        if jpeg is None:
            count = len(result.get("pages") or [])
            raise ApiError(404, "not_found", f"the document has {count} page(s); no page {n}")
        image = cv2.imdecode(np.frombuffer(jpeg, dtype=np.uint8), cv2.IMREAD_COLOR)
    else:
        count, raw = load_page(state.blobs.get(sha), n)
        if raw is None:
            raise ApiError(404, "not_found", f"the document has {count} page(s); no page {n}")
        image = raw.image
    ok, png = cv2.imencode(".png", image) if image is not None else (False, None)
    if not ok or png is None:
        raise ApiError(500, "render_failed", "the page could not be encoded")
    _record_read(state, request, workspace, document_id, doc_type, f"page {n}")
    return Response(png.tobytes(), media_type="image/png")


def _restart(
    state: AppState,
    workspace: str,
    document_id: str,
    action: Callable[..., bool],
    refusal: str,
) -> DocumentStatusOut:
    """Queue a document again with `action`; 409 with `refusal` when its state forbids it.

    410 `purged` when its original is gone: there is nothing left to read again.
    """
    _check_id(document_id)
    with state.sessions() as session, session.begin():
        row = get_document(session, workspace, document_id)
        if row is not None:
            check_not_purged(row)
        queued = action(session, document_id, workspace_id=workspace)
    out = _get(state, workspace, document_id)
    if not queued:
        raise ApiError(409, "conflict", f"the document is {out.status}; {refusal}")
    return out


@router.post("/{document_id}/reprocess", response_model=DocumentStatusOut, status_code=202)
def reprocess_(state: State, workspace: Workspace, document_id: str) -> DocumentStatusOut:
    """Queue a document again, e.g. after a new model went live."""
    return _restart(state, workspace, document_id, reprocess, "it is already queued")


@router.post("/{document_id}/requeue", response_model=DocumentStatusOut, status_code=202)
def requeue_(state: State, workspace: Workspace, document_id: str) -> DocumentStatusOut:
    """Put a dead document back in the queue with fresh attempts."""
    return _restart(state, workspace, document_id, requeue, "only dead ones requeue")


@router.post("/{document_id}/reopen", response_model=DocumentStatusOut)
def reopen_(
    state: State, workspace: Workspace, document_id: str, body: ReopenIn
) -> DocumentStatusOut:
    """Put a decided document back in the review queue, for any reviewer, with a reason.

    Its decision becomes `needs_review` again; the audit records the reopening (actor
    `system`, id `api`), and once a reviewer decides again, `document.decided` is sent
    again (the document's generation goes up by one). 409 when it waits for review
    already or is being processed.
    """
    _check_id(document_id)
    with state.sessions() as session, session.begin():
        if get_document(session, workspace, document_id) is None:
            raise ApiError(404, "not_found", f"no document {document_id}")
        reopen_for_api(session, workspace, document_id, body.reason)
    return _get(state, workspace, document_id)


@router.delete("/{document_id}", status_code=204)
def delete(state: State, workspace: Workspace, document_id: str) -> Response:
    """Erase a document: its row, jobs, deliveries and, if no other document has it, the blob.

    The page images the worker kept go with the original: another document with the same
    bytes has the same pages, so they are kept while the original is.
    """
    _check_id(document_id)
    with state.sessions() as session, session.begin():
        row = get_document(session, workspace, document_id)
        images = _page_image_hashes(row.result) if row is not None else []
        sha = delete_document(session, workspace, document_id)
    if sha is None:
        raise ApiError(404, "not_found", f"no document {document_id}")
    with state.sessions() as session:
        if not blob_in_use(session, sha):
            for blob in [sha, *images]:
                state.blobs.delete(blob)
    return Response(status_code=204)


def _page_image_hashes(result: dict[str, Any] | None) -> list[str]:
    """Return the `image_sha256` of every page of a stored result that has one."""
    pages = (result or {}).get("pages") or []
    return [p["image_sha256"] for p in pages if isinstance(p, dict) and p.get("image_sha256")]


async def _submit_split(
    state: AppState,
    workspace: str,
    data: bytes,
    filename: str | None,
    doc_type: DocType | None,
    meta: dict[str, Any],
    idempotency_key: str | None,
) -> Response:
    """Store the batch, then one document per invoice in it; answer the batch and its parts."""
    settings = get_settings()
    store = partial(
        submit_split_batch,
        state,
        workspace,
        data,
        filename,
        partial(get_engine, settings.ocr_engine, settings.ocr_threads),
        doc_type_hint=doc_type,
        metadata=meta,
        idempotency_key=idempotency_key,
    )
    done = await run_in_threadpool(while_unavailable, store, None if idempotency_key else 0.0)
    out = await run_in_threadpool(
        while_unavailable, partial(_get, state, workspace, done.document_id)
    )
    split = {
        "parts": [dataclasses.asdict(p) for p in done.parts],
        "split_error": done.split_error,
        "split_deferred": done.deferred,
    }
    return JSONResponse(out.model_dump(mode="json") | split, status_code=202)
