"""The review screen: page viewer with word boxes, typed form, line items, decisions.

Pages are server-rendered; the screen's JSON endpoints (`check`, `approve`, `reject`,
`skip`) are called by `static/review.js` with the session's CSRF token in a header.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from paperclerk.learning.user_types import UserTypes
from paperclerk.model import Document
from paperclerk.model.fields import value_text
from paperclerk.payables.coding_store import learn_approved_codings
from paperclerk.review import (
    BlockingProblemsError,
    Correction,
    Reviewer,
    approve,
    check,
    claim,
    claimable,
    load,
    reject,
    release,
    type_policy,
)
from paperclerk.review.audit import Actor, record_personal_read
from paperclerk.review.corrections import parsed_texts
from paperclerk.review.decisions import reopen
from paperclerk.review.schema import defined_fields, form_fields, item_columns, kind_of
from paperclerk.storage.columns import utcnow
from paperclerk.storage.documents import check_not_purged
from paperclerk.storage.tables import DocumentRow, ReviewItem, User
from paperclerk.web.errors import ApiError
from paperclerk.web.state import AppState, State
from paperclerk.web.ui.auth import Csrf, CsrfBeacon, UiUser
from paperclerk.web.ui.auth import User as UserDep
from paperclerk.web.ui.pages import page_image, stored_page
from paperclerk.web.ui.queue import (
    MAX_SKIPPED,
    SKIPPED_KEY,
    next_url,
    reason_label,
    upcoming,
)
from paperclerk.web.ui.templating import render

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
MAX_SUGGESTIONS = 3
PREFETCH_SECONDS = 120
"""How long a browser may keep a review page it fetched ahead."""


class RejectIn(BaseModel):
    """A rejection and the reason a person gave."""

    reason: str = Field(max_length=1000)


def check_id(document_id: str) -> None:
    """Answer 404 for ids that cannot exist."""
    if not re.fullmatch(r"[0-9a-f]{32}", document_id):
        raise ApiError(404, "not_found", f"no document {document_id!r}")


def reviewer_of(user: UiUser) -> Reviewer:
    """Return the review-flow view of a logged-in user."""
    return Reviewer(user.id, user.email, user.workspace_ids)


def label(name: str) -> str:
    """Return a field name as a form label (`transaction_date` → `Transaction date`)."""
    return name.replace("_", " ").capitalize()


def _words(f: Any) -> list[str]:
    return list(f.provenance.word_ids) if f is not None and f.provenance else []


def form_rows(doc: Document, required: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Return the form's fields: value, kind, confidence, source and top suggestions.

    `required` (the policy's required fields of the type) are always shown.
    """
    rows = []
    # what keeps the document from going through needs a person; a value read with low
    # confidence in a field that does not gate is marked, not listed
    decision = doc.decision
    needs = (
        set(decision.low_confidence_fields) | set(decision.missing_fields) if decision else set()
    )
    needs |= {n for f in doc.findings if not f.passed for n in f.fields}
    unsure = set(decision.unsure_fields) if decision else set()
    for name in form_fields(doc, required):
        f = doc.fields.get(name)
        current = value_text(f.value) if f else ""
        suggestions: list[dict[str, Any]] = []
        for alt in f.alternatives if f else []:
            text = value_text(alt.value)
            if text and text != current and text not in [s["value"] for s in suggestions]:
                words = alt.provenance.word_ids if alt.provenance else []
                suggestions.append({"value": text, "score": round(alt.score, 2), "words": words})
            if len(suggestions) == MAX_SUGGESTIONS:
                break
        rows.append(
            {
                "name": name,
                "label": label(name),
                "kind": kind_of(name).value,
                "value": current,
                "confidence": round(f.confidence, 2) if f else None,
                "source": f.source.value if f else None,
                "words": _words(f),
                "suggestions": suggestions,
                "low": name in needs,
                "unsure": name in unsure and name not in needs,
            }
        )
    return rows


def page_url(document_id: str, index: int) -> str:
    """Return the URL of a page image on the review screen."""
    return f"/review/{document_id}/pages/{index}.jpg"


def viewer_data(document_id: str, doc: Document, fields: list[dict[str, Any]]) -> dict[str, Any]:
    """Return what the page viewer needs: pages with compact word boxes and field words."""
    pages = [
        {
            "index": p.index,
            "width": p.width,
            "height": p.height,
            "src": page_url(document_id, p.index),
            "words": [
                [w.id, w.text, w.norm_box.x0, w.norm_box.y0, w.norm_box.x1, w.norm_box.y1]
                for w in p.words
            ],
        }
        for p in doc.pages
    ]
    return {
        "id": document_id,
        "pages": pages,
        "fields": {f["name"]: f["words"] for f in fields},
        "suggestions": {f["name"]: f["suggestions"] for f in fields},
    }


def item_rows(doc: Document, columns: list[str]) -> list[dict[str, Any]]:
    """Return the line items as rows of cell texts and the words each cell was read from."""
    return [
        {
            "cells": {c: value_text(it.value(c)) for c in columns},
            "words": {c: _words(it.fields.get(c)) for c in columns},
        }
        for it in doc.line_items
    ]


@router.get("/review/{document_id}")
def review_page(request: Request, state: State, user: UserDep, document_id: str) -> Response:
    """Open a document for review, claiming it; read-only while another reviewer holds it.

    A browser prefetch (`Sec-Purpose: prefetch`, sent while the previous document is
    reviewed) claims nothing: it is answered only for a document nobody else holds, and
    kept by the browser for `PREFETCH_SECONDS`. The document is claimed when the reviewer
    gets there — by the approval that names it next, and by the screen as it starts.
    """
    check_id(document_id)
    now = utcnow()
    ahead = "prefetch" in request.headers.get("sec-purpose", "")
    with state.sessions() as session, session.begin():
        item = session.get(ReviewItem, document_id)
        if item is None or item.workspace_id not in user.workspaces:
            return render(request, "not_found.html", {"user": user}, status=404)
        if item.state != "pending":
            return RedirectResponse(f"/documents/{document_id}", status_code=303)
        if ahead:
            if not claimable(session, user.id, document_id, now):
                return Response(status_code=204, headers={"Cache-Control": "no-store"})
            mine = True
        else:
            mine = claim(session, user.id, document_id, user.workspace_ids, now=now)
        holder = None
        if not mine and item.claimed_by:
            other = session.get(User, item.claimed_by)
            holder = other.email if other else "another reviewer"
        doc = load(session, document_id, user.workspace_ids)
        row = session.get(DocumentRow, document_id)
        filename = row.filename if row else None
        reasons = [reason_label(c) for c in item.reason_codes.split()]
        types = UserTypes(state.data_dir / "models")
        policy = type_policy(session, document_id, doc, types)
        shown = "review screen (prefetched)" if ahead else "review screen"
        record_personal_read(session, document_id, doc.workspace, row.doc_type if row else None,
                             Actor.PERSON, user.id, shown)  # fmt: skip
    fields = form_rows(doc, [*policy.required, *defined_fields(doc, types)])
    columns = item_columns(doc)
    problems = check(doc, Correction(), policy).problems
    ctx = {
        "user": user,
        "doc": doc,
        "document_id": document_id,
        "filename": filename or document_id[:8],
        "workspace": user.workspaces.get(doc.workspace, doc.workspace),
        "fields": fields,
        "columns": columns,
        "kinds": {c: kind_of(c).value for c in columns},
        "items": item_rows(doc, columns),
        "reasons": reasons,
        "decision_reasons": doc.decision.reasons if doc.decision else [],
        "problems": [asdict(p) for p in problems],
        "parsed": parsed_texts(doc),
        "viewer": viewer_data(document_id, doc, fields),
        "holder": holder,
        "active": "queue",
    }
    page = render(request, "review.html", ctx)
    if ahead:
        page.headers["Cache-Control"] = f"private, max-age={PREFETCH_SECONDS}"
    return page


@router.get("/review/{document_id}/pages/{n}.jpg")
def review_page_image(state: State, user: UserDep, document_id: str, n: int) -> Response:
    """Return a page image of a document the user may see, matching its word boxes."""
    check_id(document_id)
    with state.sessions() as session:
        row = session.get(DocumentRow, document_id)
        if row is None or row.workspace_id not in user.workspaces or row.result is None:
            raise ApiError(404, "not_found", f"no document {document_id}")
        check_not_purged(row)
        sha, page = row.sha256, stored_page(row.result, n)
    jpeg = page_image(state.blobs, sha, page) if page is not None else None
    if jpeg is None:
        raise ApiError(404, "not_found", f"no page {n}")
    return Response(
        jpeg, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"}
    )


@router.get("/review/{document_id}/upcoming")
def upcoming_route(
    request: Request, state: State, user: UserDep, document_id: str
) -> dict[str, Any]:
    """Say which document comes after this one and its first page image, claiming nothing.

    The screen loads that image ahead, so the next document is painted without waiting.
    """
    check_id(document_id)
    found = upcoming(state, request, user, document_id)
    return {"id": found, "images": [page_url(found, 0)] if found else []}


@router.post("/review/{document_id}/check", dependencies=[Csrf])
def check_route(state: State, user: UserDep, document_id: str, body: Correction) -> dict[str, Any]:
    """Check the form as typed: every invalid value and failing rule, blocking or not."""
    check_id(document_id)
    with state.sessions() as session:
        doc = load(session, document_id, user.workspace_ids)
        policy = type_policy(session, document_id, doc, UserTypes(state.data_dir / "models"))
    checked = check(doc, body, policy)
    return {
        "problems": [asdict(p) for p in checked.problems],
        "blocking": len(checked.blocking),
        "changed": sorted(checked.changed),
        "parsed": checked.parsed,
    }


@router.post("/review/{document_id}/approve", dependencies=[Csrf])
def approve_route(
    request: Request, state: State, user: UserDep, document_id: str, body: Correction
) -> Response:
    """Approve with corrections (which teaches the memory) and answer where the next one is."""
    check_id(document_id)
    try:
        with state.sessions() as session, session.begin():
            approve(session, reviewer_of(user), document_id, body, data_dir=state.data_dir)
            learn_approved_codings(session, document_id, user.email)  # lines' GL accounts
    except BlockingProblemsError as exc:
        return JSONResponse(
            {
                "error": {"code": exc.code, "message": str(exc)},
                "problems": [asdict(p) for p in exc.problems],
            },
            status_code=422,
        )
    return JSONResponse({"status": "approved", "next": next_url(state, request, user)})


@router.post("/review/{document_id}/reject", dependencies=[Csrf])
def reject_route(
    request: Request, state: State, user: UserDep, document_id: str, body: RejectIn
) -> Response:
    """Reject with a reason and answer where the next document is."""
    check_id(document_id)
    with state.sessions() as session, session.begin():
        reject(session, reviewer_of(user), document_id, body.reason)
    return JSONResponse({"status": "rejected", "next": next_url(state, request, user)})


@router.post("/review/{document_id}/renew", dependencies=[Csrf])
def renew_route(state: State, user: UserDep, document_id: str) -> dict[str, bool]:
    """Keep the reviewer's claim alive while the screen is open; say whether it is held."""
    check_id(document_id)
    with state.sessions() as session, session.begin():
        held = claim(session, user.id, document_id, user.workspace_ids)
    return {"held": held}


@router.post("/review/{document_id}/skip", dependencies=[Csrf])
def skip_route(request: Request, state: State, user: UserDep, document_id: str) -> Response:
    """Put the document back for someone else and answer where the next one is."""
    check_id(document_id)
    with state.sessions() as session, session.begin():
        release(session, user.id, document_id)
    skipped = [d for d in request.session.get(SKIPPED_KEY) or [] if d != document_id]
    request.session[SKIPPED_KEY] = [*skipped, document_id][-MAX_SKIPPED:]
    return JSONResponse({"status": "skipped", "next": next_url(state, request, user)})


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MAX_REOPEN_TEXT = 4000
"""Longest reason text taken in; spaces are collapsed, then 1000 characters are allowed."""


async def _reopen_reason(request: Request) -> str:
    """Return the reason of a reopen request: the JSON body's, or the form field `reason`."""
    if request.headers.get("content-type", "").startswith(_FORM_TYPES):
        raw: Any = (await request.form()).get("reason")
    else:
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(422, "invalid_request", 'send {"reason": "…"} as JSON') from None
        raw = body.get("reason") if isinstance(body, dict) else None
    if not isinstance(raw, str) or len(raw) > MAX_REOPEN_TEXT:
        raise ApiError(422, "invalid_request", "give the reason as text of 1000 characters at most")
    return raw


def _reopen_now(state: AppState, user: UiUser, document_id: str, reason: str) -> None:
    """Reopen the document for this reviewer in one transaction."""
    with state.sessions() as session, session.begin():
        reopen(session, reviewer_of(user), document_id, reason)


@router.post("/review/{document_id}/reopen", dependencies=[Csrf])
async def reopen_route(request: Request, state: State, user: UserDep, document_id: str) -> Response:
    """Put a decided document back in the queue, claimed by this reviewer, with a reason.

    Takes JSON `{"reason": "…"}`, answered `{"status": "reopened", "url": "/review/<id>"}`,
    or the document page's form (fields `reason` and `csrf_token`), answered by a redirect
    to the review screen. Errors are JSON: 400 without a reason, 409 when the document
    waits for review already or is being processed again, 404 outside the user's
    workspaces.
    """
    check_id(document_id)
    reason = await _reopen_reason(request)
    await run_in_threadpool(_reopen_now, state, user, document_id, reason)
    url = f"/review/{document_id}"
    if request.headers.get("content-type", "").startswith(_FORM_TYPES):
        return RedirectResponse(url, status_code=303)
    return JSONResponse({"status": "reopened", "url": url})


@router.post("/review/{document_id}/leave", dependencies=[CsrfBeacon])
def leave_route(state: State, user: UserDep, document_id: str) -> dict[str, str]:
    """Release the reviewer's claim as the screen is left; the document is not skipped.

    Meant for `navigator.sendBeacon`, which cannot set headers: the CSRF token may come
    as `?csrf=<token>` (or the header, or a form field `csrf_token`). Answers
    `{"status": "released"}`, also when the user held no claim.
    """
    check_id(document_id)
    with state.sessions() as session, session.begin():
        release(session, user.id, document_id)
    return {"status": "released"}
