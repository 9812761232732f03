"""The review queue page: filters, counts, the table, and "claim the next document"."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from paperclerk.pipeline.decide import field_label
from paperclerk.review import QueueCounts, QueueFilter, claim_next, list_queue, queue_counts
from paperclerk.review.dashboard import Rate, automation_by_type
from paperclerk.review.display import date_text, money_text
from paperclerk.review.queue import Summary, peek_next, summaries
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
AUTOMATION_DAYS = 30
TYPE_REASONS = 3
AGES = {
    "": "any age",
    "1": "older than 1 hour",
    "24": "older than 1 day",
    "72": "older than 3 days",
}


REASON_LABELS = {
    "doc_type": "unknown document type",
    "doc_type:other": "unknown document type",
    "doc_type:unsure": "unsure document type",
    "no_extractor": "no extractor for this type yet",
    "nothing_read": "nothing could be read",
    "policy:manual": "policy: always reviewed",
    "rule:totals.line_items_sum": "line items do not add up to the total",
    "rule:totals.subtotal_plus_tax": "subtotal plus tax is not the total",
    "rule:dates.not_in_future": "date in the future",
    "rule:totals.paid_minus_change": "cash paid less change is not the total",
    "rule:names.look_alike_digits": "digit inside a word of the name",
    "reopened": "reopened after a decision",
}


def reason_label(code: str) -> str:
    """Return a reason code as a person reads it (`field:total` → `total not sure enough`).

    Every code of `Decision.reason_codes` has a label; `doc_type` is how review rows made
    before those codes marked a document of type `other`. An unknown code is shown as is.
    """
    if code in REASON_LABELS:
        return REASON_LABELS[code]
    kind, _, name = code.partition(":")
    if kind == "field" and name:
        return f"{field_label(name)} not sure enough"
    if kind == "missing" and name:
        return f"{field_label(name)} missing"
    if kind == "rule" and name:
        return f"rule: {name}"
    return code


def type_rows(rates: list[Rate], waiting: QueueCounts) -> list[dict[str, Any]]:
    """Return the per-type table above the queue: automation rate, waiting, top reasons."""
    by_type = {r.label: r for r in rates}
    names = [*by_type, *(t for t in waiting.by_doc_type if t not in by_type)]
    rows = []
    for name in names:
        rate = by_type.get(name)
        reasons = waiting.by_doc_type_reason.get(name, {})
        rows.append(
            {
                "doc_type": name,
                "completed": rate.total if rate else 0,
                "automated": rate.hits if rate else 0,
                "rate": f"{rate.share:.0%}" if rate and rate.total else "—",
                "waiting": waiting.by_doc_type.get(name, 0),
                "reasons": [
                    f"{reason_label(c)} ({n})" for c, n in list(reasons.items())[:TYPE_REASONS]
                ],
            }
        )
    return rows


def summary_texts(summary: Summary | None, supplier: str | None) -> dict[str, str]:
    """Return a queue row's supplier, date (`8 Mar 2014`) and amount (`12.50 MYR`) as text.

    `supplier` is the one the review item was queued with, used when the result has none.
    """
    if summary is None:
        return {"supplier": supplier or "", "date": "", "amount": ""}
    return {
        "supplier": summary.supplier or supplier or "",
        "date": date_text(summary.date) if summary.date else "",
        "amount": (
            money_text(summary.amount, summary.currency) if summary.amount is not None else ""
        ),
    }


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


def _round(request: Request, user: UiUser) -> tuple[QueueFilter, tuple[str, ...]]:
    """Return the session's queue filter and the documents skipped in this round."""
    flt = make_filter(user, request.session.get(FILTER_KEY) or {})
    return flt, tuple(request.session.get(SKIPPED_KEY) or ())


def next_url(state: AppState, request: Request, user: UiUser) -> str:
    """Claim the next document of the session's filter; return its review URL (or the queue).

    Documents the user skipped in this round are passed over until they start again from
    the queue page.
    """
    flt, skipped = _round(request, user)
    with state.sessions() as session, session.begin():
        found = claim_next(session, user.id, flt, exclude=skipped)
    return f"/review/{found}" if found else "/review?empty=1"


def upcoming(state: AppState, request: Request, user: UiUser, current: str) -> str | None:
    """Return the document `next_url` would most likely open after `current`; claim nothing."""
    flt, skipped = _round(request, user)
    with state.sessions() as session:
        return peek_next(session, user.id, flt, exclude=(*skipped, current))


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
        rates = automation_by_type(session, user.workspace_ids, days=AUTOMATION_DAYS, now=now)
        ids = [i.document_id for i in items]
        found = select(DocumentRow.id, DocumentRow.filename).where(DocumentRow.id.in_(ids))
        names = {k: v for k, v in session.execute(found)}
        read = summaries(session, ids)
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
            **summary_texts(read.get(i.document_id), i.supplier),
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
        "types": type_rows(rates, all_counts),
        "automation_days": AUTOMATION_DAYS,
        "empty": bool(empty),
        "active": "queue",
    }
    return render(request, "queue.html", ctx)


@router.post("/review/next", dependencies=[Csrf])
def claim_next_page(request: Request, state: State, user: UserDep) -> Response:
    """Claim the next document (of the current filter) and open it; skipped ones count again."""
    request.session[SKIPPED_KEY] = []
    return RedirectResponse(next_url(state, request, user), status_code=303)
