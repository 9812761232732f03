"""The review queue page: filters, counts, the table, and "claim the next document"."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from paperclerk.review import QueueFilter, claim_next, list_queue, queue_counts
from paperclerk.storage.columns import utcnow
from paperclerk.storage.tables import DocumentRow, User
from paperclerk.web.state import AppState, State
from paperclerk.web.ui.auth import Csrf, UiUser
from paperclerk.web.ui.auth import User as UserDep
from paperclerk.web.ui.templating import render

router = APIRouter(include_in_schema=False)
FILTER_KEY = "queue_filter"
SKIPPED_KEY = "skipped"
MAX_SKIPPED = 50
AGES = {
    "": "any age",
    "1": "older than 1 hour",
    "24": "older than 1 day",
    "72": "older than 3 days",
}


def reason_label(code: str) -> str:
    """Return a reason code as a person reads it (`field:total` → `low confidence: total`)."""
    kind, _, name = code.partition(":")
    if kind == "field":
        return f"unsure: {name}"
    if kind == "rule":
        return f"rule: {name}"
    return "unknown document type" if code == "doc_type" else code


def age_text(since: dt.datetime, now: dt.datetime) -> str:
    """Return an age as a short text: `4 min`, `3 h`, `2 d`."""
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 3600:
        return f"{max(1, seconds // 60)} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def make_filter(user: UiUser, raw: dict[str, Any]) -> QueueFilter:
    """Build the queue filter from query values, dropping what the user may not see."""
    workspace = raw.get("workspace") or None
    if workspace not in user.workspaces:
        workspace = None
    age = str(raw.get("age") or "")
    return QueueFilter(
        user.workspace_ids,
        workspace=workspace,
        doc_type=(raw.get("doc_type") or None),
        reason=(raw.get("reason") or None),
        min_age_hours=float(age) if age in AGES and age else None,
    )


def filter_values(flt: QueueFilter) -> dict[str, str]:
    """Return a filter as the form values that produce it."""
    age = "" if flt.min_age_hours is None else str(int(flt.min_age_hours))
    return {
        "workspace": flt.workspace or "",
        "doc_type": flt.doc_type or "",
        "reason": flt.reason or "",
        "age": age,
    }


def next_url(state: AppState, request: Request, user: UiUser) -> str:
    """Claim the next document of the session's filter; return its review URL (or the queue).

    Documents the user skipped in this round are passed over until they start again from
    the queue page.
    """
    flt = make_filter(user, request.session.get(FILTER_KEY) or {})
    skipped = tuple(request.session.get(SKIPPED_KEY) or ())
    with state.sessions() as session, session.begin():
        found = claim_next(session, user.id, flt, exclude=skipped)
    return f"/review/{found}" if found else "/review?empty=1"


@router.get("/review")
def queue_page(
    request: Request,
    state: State,
    user: UserDep,
    workspace: Annotated[str | None, Query(max_length=64)] = None,
    doc_type: Annotated[str | None, Query(max_length=64)] = None,
    reason: Annotated[str | None, Query(max_length=200)] = None,
    age: Annotated[str | None, Query(max_length=8)] = None,
    empty: Annotated[int, Query(ge=0, le=1)] = 0,
) -> Response:
    """Show the documents waiting for review, highest priority and oldest first, with counts."""
    raw = {"workspace": workspace, "doc_type": doc_type, "reason": reason, "age": age}
    flt = make_filter(user, raw)
    request.session[FILTER_KEY] = filter_values(flt)
    now = utcnow()
    with state.sessions() as session:
        items = list_queue(session, flt, limit=200, now=now)
        counts = queue_counts(session, flt, now=now)
        all_counts = queue_counts(session, QueueFilter(user.workspace_ids), now=now)
        ids = [i.document_id for i in items]
        found = select(DocumentRow.id, DocumentRow.filename).where(DocumentRow.id.in_(ids))
        names = {k: v for k, v in session.execute(found)}
        holders = {i.claimed_by for i in items if i.claimed_by}
        emails = {
            k: v
            for k, v in session.execute(select(User.id, User.email).where(User.id.in_(holders)))
        }
    rows = [
        {
            "id": i.document_id,
            "filename": names.get(i.document_id) or i.document_id[:8],
            "workspace": user.workspaces.get(i.workspace_id, i.workspace_id),
            "doc_type": i.doc_type or "unknown",
            "priority": i.priority,
            "reasons": [reason_label(c) for c in i.reason_codes.split()],
            "supplier": i.supplier or "",
            "age": age_text(i.submitted_at, now),
            "held_by": (
                emails.get(i.claimed_by, "someone")
                if i.claimed_by and i.claimed_by != user.id and i.claimed_until
                and i.claimed_until > now
                else None
            ),
        }
        for i in items
    ]  # fmt: skip
    ctx = {
        "user": user,
        "rows": rows,
        "counts": counts,
        "all_counts": all_counts,
        "filters": filter_values(flt),
        "ages": AGES,
        "reasons": {c: reason_label(c) for c in all_counts.by_reason},
        "empty": bool(empty),
        "active": "queue",
    }
    return render(request, "queue.html", ctx)


@router.post("/review/next", dependencies=[Csrf])
def claim_next_page(request: Request, state: State, user: UserDep) -> Response:
    """Claim the next document (of the current filter) and open it; skipped ones count again."""
    request.session[SKIPPED_KEY] = []
    return RedirectResponse(next_url(state, request, user), status_code=303)
