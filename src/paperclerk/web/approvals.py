"""`/v1/approval-policy`, `/v1/approvals`, `/v1/delegations`: invoice payment approvals.

An integration (the ERP) holds the workspace's API key and acts for a person named in the
body (`user`), who must be a member of the workspace (422 `unknown_user`, 403
`not_a_member` otherwise). Every route is scoped to the key's workspace: another
workspace's approval answers 404 exactly like an id that does not exist. Errors are
typed: 404 `approval_not_found`, 409 `approval_conflict` (decided already, or not the
current step), 403 `not_approver`, 422 for bad input.

This router also carries the review UI's `/approvals` page (`web.ui.approvals`).
Importing this module registers the payables slice with the review flow
(`review.decisions.on_approved`, `on_reopened`), so a reviewer's approval of an invoice
starts its payment approval in the web process and reopening it withdraws that approval;
the worker calls the slice itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy.orm import Session

from paperclerk.payables import approval_flow as flow
from paperclerk.payables import approval_store as store
from paperclerk.payables.approval_errors import ApprovalNotFoundError
from paperclerk.payables.approval_policy import ApprovalPolicy
from paperclerk.payables.approval_service import on_data_approved, on_data_reopened
from paperclerk.review.decisions import on_approved, on_reopened
from paperclerk.storage.tables import ApprovalDelegationRow, ApprovalRequestRow
from paperclerk.storage.users import normalise_email
from paperclerk.storage.workspaces import parse_key
from paperclerk.web.state import State, Workspace, api_reader
from paperclerk.web.ui.approvals import router as ui_router

on_approved(on_data_approved)
on_reopened(on_data_reopened)

router = APIRouter(tags=["approvals"])
router.include_router(ui_router)  # the review UI's `/approvals` page, through the one router
ApprovalId = Annotated[str, Path(max_length=64)]
Email = Annotated[str, Field(min_length=3, max_length=320, pattern=r"^[^\x00-\x1f\s]+$")]
Cursor = Annotated[str | None, Query(max_length=500)]
Limit = Annotated[int, Query(ge=1, le=store.MAX_PAGE)]


class StepOut(BaseModel):
    """One step: its approvers, state, due time and who acted for whom when."""

    position: int
    name: str
    approvers: list[str]
    due_hours: int
    status: Literal["waiting", "current", "approved", "rejected"]
    due_at: dt.datetime | None
    overdue: bool
    acted_by: str | None
    acted_for: str | None = Field(description="The approver a delegate acted for.")
    acted_at: dt.datetime | None
    comment: str | None


class ApprovalOut(BaseModel):
    """An invoice's payment approval: the rule that applied, why, its state and steps."""

    id: str
    document_id: str
    status: Literal["pending", "approved", "rejected"]
    rule: str | None
    reason: str
    facts: dict[str, Any]
    current_step: int | None
    created_at: dt.datetime
    decided_at: dt.datetime | None
    steps: list[StepOut]


class ApprovalListOut(BaseModel):
    """One page of approvals, newest first; pass `next_cursor` as `cursor` for the next."""

    items: list[ApprovalOut]
    next_cursor: str | None


class ApproveIn(BaseModel):
    """Approve the current step as `user` (an approver or an approver's active delegate)."""

    user: Email
    comment: str | None = Field(None, max_length=1000)
    step: int | None = Field(None, ge=0, le=100, description="Refuse unless this step waits.")


class RejectIn(BaseModel):
    """Reject the current step as `user`, with a reason (required); the approval ends."""

    user: Email
    reason: str = Field(min_length=1, max_length=1000)
    step: int | None = Field(None, ge=0, le=100, description="Refuse unless this step waits.")


class DelegationIn(BaseModel):
    """`from_email` lets `to_email` approve in their place from `starts` until `ends`."""

    from_email: Email
    to_email: Email
    starts: AwareDatetime
    ends: AwareDatetime


class DelegationOut(BaseModel):
    """A stored delegation window."""

    id: str
    from_email: str
    to_email: str
    starts: dt.datetime
    ends: dt.datetime
    active: bool
    created_at: dt.datetime


class DelegationListOut(BaseModel):
    """One page of delegations, newest first."""

    items: list[DelegationOut]
    next_cursor: str | None


class ApprovalPolicyOut(BaseModel):
    """The workspace's approval policy and when and by whom it was set."""

    policy: ApprovalPolicy
    updated_at: dt.datetime
    updated_by: str | None


def approval_out(
    session: Session, request: ApprovalRequestRow, now: dt.datetime | None = None
) -> ApprovalOut:
    """Return a request with its steps as the API shows it."""
    now = now or dt.datetime.now(dt.UTC)
    steps = [
        StepOut(
            position=s.position,
            name=s.name,
            approvers=store.unpadded(s.approvers),
            due_hours=s.due_hours,
            status=s.status,  # type: ignore[arg-type]
            due_at=s.due_at,
            overdue=s.status == store.CURRENT and s.due_at is not None and s.due_at < now,
            acted_by=s.acted_by,
            acted_for=s.acted_for,
            acted_at=s.acted_at,
            comment=s.comment,
        )
        for s in store.request_steps(session, request.id)
    ]
    return ApprovalOut(
        id=request.id,
        document_id=request.document_id,
        status=request.status,  # type: ignore[arg-type]
        rule=request.rule_name,
        reason=request.reason,
        facts=dict(request.facts or {}),
        current_step=request.current_step,
        created_at=request.created_at,
        decided_at=request.decided_at,
        steps=steps,
    )


def _delegation_out(row: ApprovalDelegationRow, now: dt.datetime) -> DelegationOut:
    return DelegationOut(
        id=row.id,
        from_email=row.from_email,
        to_email=row.to_email,
        starts=row.starts,
        ends=row.ends,
        active=row.starts <= now < row.ends,
        created_at=row.created_at,
    )


def _caller(request: Request) -> str | None:
    """Return who set the policy: `api-key:<key id>`."""
    _, _, key = request.headers.get("authorization", "").partition(" ")
    parsed = parse_key(key)
    return f"api-key:{parsed[0]}" if parsed else None


@router.put("/v1/approval-policy", response_model=ApprovalPolicyOut)
def put_policy(
    body: ApprovalPolicy, request: Request, state: State, workspace: Workspace
) -> ApprovalPolicyOut:
    """Set (or replace) the workspace's approval policy; started approvals keep their steps.

    Rules apply in order, the first whose `when` matches an invoice sets its steps; an
    invoice no rule matches is approved without steps (`no_rule`). A bad policy is 422.
    """
    with state.sessions.begin() as session:
        store.save_policy(session, workspace, body, _caller(request))
    return get_policy(state, workspace)


@router.get("/v1/approval-policy", response_model=ApprovalPolicyOut)
def get_policy(state: State, workspace: Workspace) -> ApprovalPolicyOut:
    """Return the workspace's approval policy (404 when it has none)."""
    with state.sessions() as session:
        policy = store.get_policy(session, workspace)
        row = store.policy_row(session, workspace)
        if policy is None or row is None:
            raise ApprovalNotFoundError("this workspace has no approval policy")
        return ApprovalPolicyOut(
            policy=policy, updated_at=row.updated_at, updated_by=row.updated_by
        )


@router.get("/v1/approvals", response_model=ApprovalListOut)
def list_approvals(
    state: State,
    workspace: Workspace,
    status: Literal["pending", "approved", "rejected"] | None = None,
    approver: Annotated[
        str | None, Query(min_length=3, max_length=320, pattern=r"^[^\x00-\x1f\s]+$")
    ] = None,
    overdue: bool = False,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> ApprovalListOut:
    """List the workspace's approvals, newest first, a page at a time.

    `approver`: those with a step naming this person or someone they are an active
    delegate for (for a pending approval, its current step). `overdue=true`: pending ones
    whose current step is past its due time.
    """
    now = dt.datetime.now(dt.UTC)
    with state.sessions() as session:
        people = None
        if approver is not None:
            email = normalise_email(approver)
            people = [email, *sorted(store.delegators(session, workspace, email, now))]
        page = store.list_requests(
            session,
            workspace,
            status=status,
            approvers=people,
            overdue_at=now if overdue else None,
            limit=limit,
            cursor=cursor,
        )
        items = [approval_out(session, r, now) for r in page.items]
        return ApprovalListOut(items=items, next_cursor=page.next_cursor)


@router.get("/v1/approvals/{approval_id}", response_model=ApprovalOut)
def read_approval(approval_id: ApprovalId, state: State, workspace: Workspace) -> ApprovalOut:
    """Return one approval with its steps."""
    with state.sessions() as session:
        return approval_out(session, store.get_request(session, workspace, approval_id))


@router.get("/v1/documents/{document_id}/approval", response_model=ApprovalOut)
def document_approval(
    document_id: Annotated[str, Path(max_length=64)], state: State, workspace: Workspace
) -> ApprovalOut:
    """Return the payment approval of an invoice document (404 when it has none)."""
    with state.sessions() as session:
        found = store.request_for_document(session, workspace, document_id)
        if found is None:
            raise ApprovalNotFoundError(f"document {document_id!r} has no approval")
        return approval_out(session, found)


@router.post("/v1/approvals/{approval_id}/approve", response_model=ApprovalOut)
def approve(
    approval_id: ApprovalId, body: ApproveIn, state: State, workspace: Workspace
) -> ApprovalOut:
    """Approve the current step for `user`; the last step's approval makes the invoice payable.

    Then `invoice.approved` goes to the subscribed webhooks with the trail and the export.
    """
    with state.sessions.begin() as session:
        row = flow.approve_step(
            session, workspace, approval_id, body.user, comment=body.comment, step=body.step
        )
        return approval_out(session, row)


@router.post("/v1/approvals/{approval_id}/reject", response_model=ApprovalOut)
def reject(
    approval_id: ApprovalId, body: RejectIn, state: State, workspace: Workspace
) -> ApprovalOut:
    """Reject the current step for `user` with a reason; the approval ends rejected."""
    with state.sessions.begin() as session:
        row = flow.reject(session, workspace, approval_id, body.user, body.reason, step=body.step)
        return approval_out(session, row)


@router.post("/v1/delegations", response_model=DelegationOut, status_code=201)
def create_delegation(
    request: Request, body: DelegationIn, state: State, workspace: Workspace
) -> DelegationOut:
    """Let one member approve for another from `starts` until `ends` (both members, 422/403).

    Audited as `delegation.added` with the API key that set it up.
    """
    now = dt.datetime.now(dt.UTC)
    with state.sessions.begin() as session:
        row = flow.add_delegation(
            session, workspace, body.from_email, body.to_email, body.starts, body.ends,
            now=now, actor=api_reader(request),
        )  # fmt: skip
        return _delegation_out(row, now)


@router.get("/v1/delegations", response_model=DelegationListOut)
def list_delegations(
    state: State, workspace: Workspace, cursor: Cursor = None, limit: Limit = 50
) -> DelegationListOut:
    """List the workspace's delegations, newest first, a page at a time."""
    now = dt.datetime.now(dt.UTC)
    with state.sessions() as session:
        page = store.list_delegations(session, workspace, limit=limit, cursor=cursor)
        items = [_delegation_out(r, now) for r in page.items]
        return DelegationListOut(items=items, next_cursor=page.next_cursor)
