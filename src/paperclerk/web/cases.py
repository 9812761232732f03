"""`/v1/cases`: KYC cases — one applicant's documents grouped, and one verdict with reasons.

A case is opened with what the applicant declared and, optionally, documents already
submitted; more are attached by id or uploaded into it (a file goes through the same
submission path as `POST /v1/documents`, then joins the case). Reading a case computes
its verdict fresh from its documents' current results (`identity.service`) and stores
it. Every route is scoped to the key's workspace: another workspace's case or document
answers 404, exactly like an id that does not exist.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.datastructures import UploadFile

from paperclerk.identity import store
from paperclerk.identity.case import OUTCOMES, Applicant, Verdict
from paperclerk.identity.policy import KycPolicy, kyc_policy_from_dict
from paperclerk.identity.service import CaseView, evaluate_case
from paperclerk.intake.submit import submit_bytes
from paperclerk.model import DocType
from paperclerk.storage.columns import Lane
from paperclerk.storage.db import while_unavailable
from paperclerk.storage.tables import KycCase
from paperclerk.web.errors import ApiError
from paperclerk.web.queue_limit import check_queue
from paperclerk.web.state import AppState, State, Workspace

router = APIRouter(prefix="/v1/cases", tags=["cases"])
DocumentId = Annotated[str, Field(min_length=1, max_length=64)]
Role = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")]


class CaseIn(BaseModel):
    """A new case: the applicant's reference and declarations, and documents already sent."""

    model_config = ConfigDict(extra="forbid")

    reference: str | None = Field(
        None, min_length=1, max_length=200, pattern=r"^[^\x00]*$", description="Your reference."
    )
    applicant: Applicant = Field(default_factory=Applicant)
    document_ids: list[DocumentId] = Field(default_factory=list, max_length=store.MAX_DOCUMENTS)
    policy: dict[str, Any] | None = Field(
        None,
        description="KYC policy keys to change for this case (proof_of_address_max_age_days, "
        "name_match_min, address_match_min, income_tolerance, ...); 422 when invalid.",
    )


class AttachIn(BaseModel):
    """A document of the workspace to add to a case."""

    model_config = ConfigDict(extra="forbid")

    document_id: DocumentId
    role: Role | None = Field(None, description="Optional label, e.g. `proof_of_address`.")


class CaseDocumentOut(BaseModel):
    """A document of a case: its state, type and the fields the checks use."""

    id: str
    role: str | None
    status: str = Field(description="queued, processing, done, failed or dead.")
    doc_type: str | None
    filename: str | None
    pages: int
    added_at: dt.datetime
    fields: dict[str, Any] = Field(description="Key fields of its type, as read.")


class CaseOut(BaseModel):
    """A case with its documents and its verdict, computed from their current results."""

    id: str
    reference: str | None
    applicant: Applicant
    status: str = Field(description="The verdict's outcome: approved, rejected, needs_review.")
    verdict: Verdict | None
    policy: KycPolicy
    documents: list[CaseDocumentOut]
    created_at: dt.datetime
    updated_at: dt.datetime
    decided_at: dt.datetime | None = Field(description="When an approved/rejected was reached.")


class CaseSummaryOut(BaseModel):
    """A case in a listing (its stored verdict's outcome; read the case for the reasons)."""

    id: str
    reference: str | None
    applicant: Applicant
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime
    decided_at: dt.datetime | None


class CaseListOut(BaseModel):
    """One page of cases, newest first; pass `next_cursor` as `cursor` for the next."""

    items: list[CaseSummaryOut]
    next_cursor: str | None


def case_out(view: CaseView) -> CaseOut:
    """Return the API's view of an evaluated case."""
    row = view.case
    return CaseOut(
        id=row.id,
        reference=row.reference,
        applicant=store.case_applicant(row),
        status=row.status,
        verdict=view.verdict,
        policy=store.case_policy(row),
        documents=[
            CaseDocumentOut(
                id=d.document_id,
                role=d.role,
                status=d.status,
                doc_type=d.doc_type,
                filename=d.filename,
                pages=len(d.result.pages) if d.result else 0,
                added_at=d.added_at,
                fields=d.key_fields(),
            )
            for d in view.documents
        ],
        created_at=row.created_at,
        updated_at=row.updated_at,
        decided_at=row.decided_at,
    )


def _summary(row: KycCase) -> CaseSummaryOut:
    return CaseSummaryOut(
        id=row.id,
        reference=row.reference,
        applicant=store.case_applicant(row),
        status=row.status,
        created_at=row.created_at,
        updated_at=row.updated_at,
        decided_at=row.decided_at,
    )


def _evaluated(state: AppState, workspace: str, case_id: str) -> CaseOut:
    """Evaluate a case in its own transaction and return it."""
    with state.sessions() as session, session.begin():
        return case_out(evaluate_case(session, workspace, case_id))


def _create(state: AppState, workspace: str, body: CaseIn) -> CaseOut:
    """Create a case with its first documents and verdict in one transaction."""
    policy = kyc_policy_from_dict(body.policy) if body.policy is not None else None
    with state.sessions() as session, session.begin():
        row = store.create_case(
            session, workspace, body.applicant, reference=body.reference, policy=policy
        )
        for document_id in dict.fromkeys(body.document_ids):
            store.attach_document(session, row, document_id)
        return case_out(evaluate_case(session, workspace, row.id))


@router.post("", response_model=CaseOut, status_code=201)
def create(state: State, workspace: Workspace, body: CaseIn) -> CaseOut:
    """Open a case for an applicant, with documents of the workspace already submitted.

    `applicant.address` is the address the proof of address must show (an identity
    document's MRZ has none). 404 when a document id is not the workspace's (nothing is
    created then); 422 for a malformed body or policy.
    """
    return _create(state, workspace, body)


def _attach(state: AppState, workspace: str, case_id: str, body: AttachIn) -> tuple[CaseOut, bool]:
    """Attach a document to a case and return the case re-evaluated, and if it is new there."""
    with state.sessions() as session, session.begin():
        row = store.get_case(session, workspace, case_id)
        added = store.attach_document(session, row, body.document_id, body.role)
        return case_out(evaluate_case(session, workspace, case_id)), added


def _exists(state: AppState, workspace: str, case_id: str) -> None:
    """Raise 404 unless the case is the workspace's (checked before an upload is stored)."""
    with state.sessions() as session:
        store.get_case(session, workspace, case_id)


async def _read_body(request: Request) -> AttachIn:
    """Parse the JSON body of an attach request (422 when it is not an `AttachIn`)."""
    raw = await request.body()
    try:
        return AttachIn.model_validate(json.loads(raw))
    except (ValueError, RecursionError) as exc:
        problems = (
            "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
            if isinstance(exc, ValidationError)
            else "the body is not valid JSON"
        )
        raise ApiError(422, "invalid_request", problems or "invalid body") from None


async def _upload(request: Request, state: AppState, workspace: str, case_id: str) -> AttachIn:
    """Store an uploaded file as a new document, as `POST /v1/documents` does; name it."""
    form = await request.form()
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise ApiError(422, "invalid_request", "send the document as a multipart 'file' part")
    doc_type = _form_text(form.get("doc_type"))
    role = _form_text(form.get("role"))
    try:
        hint = DocType(doc_type) if doc_type else None
        AttachIn(document_id="0" * 32, role=role)  # checks the role before anything is stored
    except (ValueError, ValidationError):
        raise ApiError(422, "invalid_request", "unknown doc_type or malformed role") from None
    data = await file.read(state.max_bytes + 1)
    if len(data) > state.max_bytes:
        raise ApiError(413, "limit_exceeded", f"the file is larger than {state.max_bytes} bytes")
    if not data:
        raise ApiError(422, "empty_input", "the uploaded file is empty")
    await run_in_threadpool(while_unavailable, partial(_exists, state, workspace, case_id))
    await run_in_threadpool(while_unavailable, partial(check_queue, state))
    name = "".join(c for c in file.filename or "" if c.isprintable())[:1000] or None
    submitted = await run_in_threadpool(
        partial(
            submit_bytes,
            state,
            workspace,
            data,
            name,
            doc_type_hint=hint,
            metadata={"case_id": case_id},
            lane=Lane.BULK,
        )
    )
    return AttachIn(document_id=submitted.document_id, role=role)


def _form_text(value: object) -> str | None:
    """Return a text form field, or None when absent or not text."""
    return value.strip() or None if isinstance(value, str) else None


_ATTACH_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": AttachIn.model_json_schema()},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "doc_type": {"type": "string", "enum": [t.value for t in DocType]},
                    "role": {"type": "string", "maxLength": 32},
                },
            }
        },
    },
}


@router.post(
    "/{case_id}/documents",
    response_model=CaseOut,
    status_code=201,
    responses={200: {"model": CaseOut, "description": "the document was in the case already"}},
    openapi_extra={"requestBody": _ATTACH_BODY},
)
async def attach(
    request: Request, state: State, workspace: Workspace, case_id: str
) -> JSONResponse:
    """Add a document to a case: JSON `{document_id, role?}`, or a multipart `file` upload.

    An upload (`file`, optional `doc_type` and `role`) is stored and queued like
    `POST /v1/documents` (429 `queue_full` while the queue is full), then attached; the
    case's verdict counts it once it is processed. 201 with the case, 200 when the
    document was in it already; 404 for another workspace's case or document.
    """
    kind = request.headers.get("content-type", "")
    if kind.startswith("multipart/form-data"):
        body = await _upload(request, state, workspace, case_id)
    elif kind.startswith("application/json"):
        body = await _read_body(request)
    else:
        raise ApiError(
            415, "unsupported_media_type", "send JSON {document_id} or a multipart 'file'"
        )
    out, added = await run_in_threadpool(_attach, state, workspace, case_id, body)
    return JSONResponse(out.model_dump(mode="json"), status_code=201 if added else 200)


@router.get("/{case_id}", response_model=CaseOut)
def read(state: State, workspace: Workspace, case_id: str) -> CaseOut:
    """Return a case with its documents and its verdict, computed from their current results.

    The verdict is stored with the case; when its outcome or a reason's status changed, the
    change is recorded in the audit trail of each document of the case.
    """
    return _evaluated(state, workspace, case_id)


@router.get("", response_model=CaseListOut)
def list_(
    state: State,
    workspace: Workspace,
    status: Annotated[str | None, Query(pattern="^(" + "|".join(OUTCOMES) + ")$")] = None,
    reference: Annotated[
        str | None, Query(min_length=1, max_length=200, pattern=r"^[^\x00]*$")
    ] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=store.MAX_PAGE)] = 50,
) -> CaseListOut:
    """List the workspace's cases, newest first, by stored status or reference, with a cursor."""
    with state.sessions() as session:
        page = store.list_cases(
            session, (workspace,), status=status, reference=reference, limit=limit, cursor=cursor
        )
        return CaseListOut(items=[_summary(r) for r in page.items], next_cursor=page.next_cursor)
