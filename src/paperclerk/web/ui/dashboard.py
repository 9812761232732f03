"""The automation dashboard page: rates, accuracy, queue, turnaround, drop-out reasons.

Above them, a banner per open drift alarm, which an admin acknowledges.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from paperclerk.monitoring.drift import MAX_NOTE, acknowledge, open_alarms
from paperclerk.review.dashboard import dashboard
from paperclerk.web.state import State
from paperclerk.web.ui.auth import Admin, Csrf
from paperclerk.web.ui.auth import User as UserDep
from paperclerk.web.ui.queue import reason_label
from paperclerk.web.ui.templating import render

router = APIRouter(include_in_schema=False)
PERIODS = (7, 30, 90)


def duration_text(seconds: float | None) -> str:
    """Return a duration for people: `45 s`, `12 min`, `3.5 h`, `2.1 d`."""
    if seconds is None:
        return "—"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


@router.get("/dashboard")
def dashboard_page(
    request: Request,
    state: State,
    user: UserDep,
    days: Annotated[int, Query(ge=1, le=365)] = 30,
) -> Response:
    """Show the automation dashboard of the user's workspaces."""
    with state.sessions() as session:
        board = dashboard(session, user.workspace_ids, days=days)
        alarms = open_alarms(session, user.workspace_ids)
    peak = max((r.total for r in board.by_day), default=0)
    ctx = {
        "user": user,
        "board": board,
        "p50": duration_text(board.turnaround_p50_s),
        "p95": duration_text(board.turnaround_p95_s),
        "periods": PERIODS,
        "peak": peak,
        "top_reasons": [(reason_label(c), n) for c, n in board.top_reasons],
        "type_reasons": {
            t: ", ".join(f"{reason_label(c)} ({n})" for c, n in top)
            for t, top in board.top_reasons_by_type.items()
        },
        "active": "dashboard",
        "alarms": alarms,
    }
    return render(request, "dashboard.html", ctx)


@router.post("/dashboard/drift/{alarm_id}/acknowledge", dependencies=[Csrf])
def acknowledge_drift(
    state: State,
    user: Admin,
    alarm_id: str,
    note: Annotated[str, Form(max_length=MAX_NOTE)] = "",
) -> Response:
    """Acknowledge a drift alarm (and the others of its type) as the admin, with a note."""
    with state.sessions.begin() as session:
        acknowledge(session, user.workspace_ids, alarm_id, f"ui:{user.email}", note)
    return RedirectResponse("/dashboard", status_code=303)
