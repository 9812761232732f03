"""The Approvals page of the review UI: the invoice payment steps waiting for the user.

`/approvals` lists, across the user's workspaces, the pending payment approvals whose
current step the logged-in person may decide: as an approver, or as an approver's active
delegate (the row says for whom). Each row has a form to approve (comment optional) or
reject (reason required), CSRF-protected like every UI form; the decision goes through
`payables.approval_flow` exactly as `POST /v1/approvals/{id}/approve` does, as the
logged-in user's email.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from paperclerk.errors import PaperclerkError
from paperclerk.payables import approval_flow as flow
from paperclerk.payables import approval_store as store
from paperclerk.payables.approval_errors import ApprovalNotFoundError
from paperclerk.storage.columns import utcnow
from paperclerk.web.state import AppState, State
from paperclerk.web.ui.auth import Csrf, UiUser
from paperclerk.web.ui.auth import User as UserDep
from paperclerk.web.ui.templating import render

router = APIRouter(include_in_schema=False)
ApprovalId = Annotated[str, Path(max_length=64)]


def _when(at: dt.datetime | None) -> str:
    """Return a time as the UI writes it (UTC, to the minute), or empty."""
    return at.strftime("%Y-%m-%d %H:%M") if at is not None else ""


def pending_rows(state: AppState, user: UiUser) -> list[dict[str, Any]]:
    """Return the steps waiting for the user (or someone they stand in for), due first."""
    now = utcnow()
    rows = []
    with state.sessions() as session:
        for workspace_id in user.workspace_ids:
            mine = flow.pending_for(session, workspace_id, user.email)
            if not mine:
                continue
            stand_in = store.delegators(session, workspace_id, user.email, now)
            for request in mine:
                step = store.request_steps(session, request.id)[request.current_step or 0]
                approvers = store.unpadded(step.approvers)
                facts = request.facts or {}
                rows.append(
                    {
                        "id": request.id,
                        "document_id": request.document_id,
                        "workspace": user.workspaces.get(workspace_id, workspace_id),
                        "supplier": facts.get("supplier_name") or "",
                        "amount": facts.get("amount") or "",
                        "currency": facts.get("currency") or "",
                        "rule": request.rule_name or "",
                        "step": step.name,
                        "position": step.position,
                        "due": _when(step.due_at),
                        "due_at": step.due_at or now,
                        "overdue": step.due_at is not None and step.due_at < now,
                        "for": "" if user.email in approvers else
                               ", ".join(sorted(stand_in & set(approvers))),
                    }
                )  # fmt: skip
    return sorted(rows, key=lambda r: (r["due_at"], r["id"]))


def _page(
    request: Request, state: State, user: UiUser, error: str | None = None, status: int = 200
) -> Response:
    """Render the list, with a message when a decision was refused."""
    ctx = {"user": user, "rows": pending_rows(state, user), "error": error, "active": "approvals"}
    return render(request, "approvals.html", ctx, status=status)


@router.get("/approvals")
def approvals_page(request: Request, state: State, user: UserDep) -> Response:
    """List the invoice payment steps the logged-in person may approve or reject now."""
    return _page(request, state, user)


def _workspace_of(state: AppState, user: UiUser, approval_id: str) -> str:
    """Return the workspace of an approval in one of the user's workspaces; 404 otherwise."""
    with state.sessions() as session:
        for workspace_id in user.workspace_ids:
            try:
                store.get_request(session, workspace_id, approval_id)
            except ApprovalNotFoundError:
                continue
            return workspace_id
    raise ApprovalNotFoundError("this approval does not exist or is not in your workspaces")


@router.post("/approvals/{approval_id}/decision", dependencies=[Csrf])
def decide(
    request: Request,
    state: State,
    user: UserDep,
    approval_id: ApprovalId,
    outcome: Annotated[str, Form(max_length=16)],
    step: Annotated[int, Form(ge=0, le=100)],
    text: Annotated[str, Form(max_length=flow.MAX_TEXT)] = "",
) -> Response:
    """Approve (`outcome=approved`, text = comment) or reject (text = reason) the step shown.

    Back to the list; a refused decision (decided meanwhile, no reason, not an approver)
    shows the list again with the message.
    """
    try:
        workspace_id = _workspace_of(state, user, approval_id)
        with state.sessions.begin() as session:
            if outcome == "approved":
                flow.approve_step(
                    session, workspace_id, approval_id, user.email, comment=text, step=step
                )
            elif outcome == "rejected":
                flow.reject(session, workspace_id, approval_id, user.email, text, step=step)
            else:
                return _page(request, state, user, "choose approve or reject", 422)
    except PaperclerkError as exc:
        return _page(request, state, user, exc.message, exc.http_status)
    return RedirectResponse("/approvals", status_code=303)
