"""The payment approval of an invoice: start it, approve or reject its steps, delegate.

An invoice whose data was approved (by the pipeline or a reviewer) in a workspace with an
approval policy gets one request (`start_approval`); the first rule that matches it sets
the steps. Each step waits for one of its approvers, or a person an approver delegated to
for the time (`add_delegation`); the step records who acted for whom. Approving the last
step completes the request and announces the invoice as payable (`invoice.approved`);
rejecting any step ends the request. Every transition writes an audit entry on the
document in the caller's transaction (`approval.started`, `approval.delegated`,
`approval.step_approved`, `approval.rejected`, `approval.completed`, `approval.withdrawn`),
the actor being the acting person's email. Reopening the invoice's data for review
withdraws its approval (`withdraw_approval`): data taken back must be approved, and paid,
anew. None of these functions commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from paperclerk.model import DocType, Document
from paperclerk.payables import approval_store as store
from paperclerk.payables.approval_errors import (
    ApprovalConflictError,
    ApprovalInputError,
    NotAMemberError,
    NotApproverError,
    UnknownUserError,
)
from paperclerk.payables.approval_payload import announce_payable, announce_withdrawn, trail_json
from paperclerk.payables.approval_rules import choose_rule, invoice_facts
from paperclerk.review.audit import Actor, record
from paperclerk.storage.columns import utcnow
from paperclerk.storage.tables import (
    ApprovalDelegationRow,
    ApprovalRequestRow,
    ApprovalStepRow,
    AuditEvent,
    DocumentRow,
    UserWorkspace,
)
from paperclerk.storage.users import get_user_by_email, normalise_email

MAX_TEXT = 1000
DELEGATION_ADDED = "delegation.added"
"""The workspace audit entry of a new delegation (it has no document)."""


@dataclass(frozen=True)
class Started:
    """What `start_approval` did: the request (None without a policy) and whether it is new."""

    request: ApprovalRequestRow | None
    created: bool


def member_email(session: Session, workspace_id: str, email: str) -> str:
    """Return the stored email of a user who is a member of the workspace.

    Raises `UnknownUserError` (422) when no user has the email, `NotAMemberError` (403)
    when the user is not a member: an integration acts only for the workspace's people.
    """
    user = get_user_by_email(session, email) if email.strip() else None
    if user is None:
        raise UnknownUserError(f"no user {email.strip()[:320]!r}")
    member = session.get(UserWorkspace, (user.id, workspace_id))
    if member is None:
        raise NotAMemberError(f"{user.email} is not a member of this workspace")
    return user.email


def _text(value: str | None, what: str, *, required: bool) -> str | None:
    """Return a comment or reason with spaces collapsed; refuse a missing or bad one."""
    cleaned = " ".join((value or "").split())
    if not cleaned:
        if required:
            raise ApprovalInputError(f"give a {what}")
        return None
    if not cleaned.isprintable() or len(cleaned) > MAX_TEXT:
        raise ApprovalInputError(f"the {what} must be printable and at most {MAX_TEXT} characters")
    return cleaned


def _audit(
    session: Session,
    request: ApprovalRequestRow,
    action: str,
    actor: str | None,
    new: Any,
    at: dt.datetime,
    old: Any = None,
) -> None:
    """Write one audit entry of the request on its document."""
    kind = Actor.PERSON if actor else Actor.SYSTEM
    record(
        session, request.document_id, request.workspace_id, kind, action,
        actor_id=actor, field="approval", old=old, new=new, at=at,
    )  # fmt: skip


def start_approval(
    session: Session,
    workspace_id: str,
    document_id: str,
    doc: Document,
    *,
    now: dt.datetime | None = None,
) -> Started:
    """Start the payment approval of a data-approved invoice; idempotent.

    Nothing for another document type or a workspace without an approval policy
    (`Started(None, False)`); the existing request when the document has one. Without a
    matching rule the request is approved at once (reason `no_rule`) and announced.
    """
    if doc.doc_type is not DocType.INVOICE:
        return Started(None, False)
    policy = store.get_policy(session, workspace_id)
    if policy is None:
        return Started(None, False)
    existing = store.request_for_document(session, workspace_id, document_id)
    if existing is not None:
        return Started(existing, False)
    now = now or utcnow()
    facts = invoice_facts(session, workspace_id, document_id, doc)
    choice = choose_rule(policy, facts)
    request = store.insert_request(
        session, workspace_id, document_id, choice.rule, choice.reason, facts.as_json(), now
    )
    if request is None:  # started by someone else just now
        return Started(store.request_for_document(session, workspace_id, document_id), False)
    started = {"rule": request.rule_name, "reason": request.reason, "facts": request.facts}
    _audit(session, request, "approval.started", None, started, now)
    if request.status == store.APPROVED:
        _audit(session, request, "approval.completed", None, {"reason": request.reason}, now)
        announce_payable(session, workspace_id, document_id, request)
    return Started(request, True)


def _current(
    session: Session, workspace_id: str, request_id: str, step: int | None
) -> tuple[ApprovalRequestRow, ApprovalStepRow]:
    """Return a pending request and its current step; 409 when decided or not that step."""
    request = store.get_request(session, workspace_id, request_id)
    if request.status != store.PENDING or request.current_step is None:
        raise ApprovalConflictError(f"the approval was {request.status} already")
    if step is not None and step != request.current_step:
        raise ApprovalConflictError(
            f"step {step} is not the current step (step {request.current_step} waits)"
        )
    steps = store.request_steps(session, request.id)
    return request, steps[request.current_step]


def _acting_for(
    session: Session, workspace_id: str, step: ApprovalStepRow, email: str, at: dt.datetime
) -> str | None:
    """Return the approver a delegate acts for (None: an approver acts); 403 otherwise."""
    approvers = store.unpadded(step.approvers)
    if email in approvers:
        return None
    for_whom = sorted(store.delegators(session, workspace_id, email, at) & set(approvers))
    if not for_whom:
        raise NotApproverError(
            f"{email} is not an approver of step {step.name!r} nor an approver's active delegate"
        )
    return for_whom[0]


def approve_step(
    session: Session,
    workspace_id: str,
    request_id: str,
    email: str,
    *,
    comment: str | None = None,
    step: int | None = None,
    now: dt.datetime | None = None,
) -> ApprovalRequestRow:
    """Approve the current step as `email` (an approver, or an approver's active delegate).

    The next step becomes current, due `due_hours` from now; approving the last one
    completes the request and queues `invoice.approved`. Raises `UnknownUserError`,
    `NotAMemberError`, `NotApproverError`, `ApprovalNotFoundError`, and
    `ApprovalConflictError` when the request was decided, `step` is not the current one,
    or someone decided the step at the same moment.
    """
    now = now or utcnow()
    email = member_email(session, workspace_id, email)
    note = _text(comment, "comment", required=False)
    request, current = _current(session, workspace_id, request_id, step)
    acted_for = _acting_for(session, workspace_id, current, email, now)
    if not store.take_step(session, current, "approved", email, acted_for, note, now):
        raise ApprovalConflictError("the step was decided by someone else just now")
    if acted_for is not None:
        delegated = {"step": current.name, "approver": acted_for, "delegate": email}
        _audit(session, request, "approval.delegated", email, delegated, now)
    approved = {"step": current.name, "position": current.position, "comment": note}
    _audit(session, request, "approval.step_approved", email, approved, now)
    following = store.request_steps(session, request.id)[current.position + 1 :]
    if following:
        if not store.advance(session, request, following[0], now):
            raise ApprovalConflictError("the approval moved on just now")
        return request
    if not store.finish(session, request, store.APPROVED, now):
        raise ApprovalConflictError("the approval was decided by someone else just now")
    _audit(session, request, "approval.completed", email, {"rule": request.rule_name}, now)
    announce_payable(session, workspace_id, request.document_id, request)
    return request


def reject(
    session: Session,
    workspace_id: str,
    request_id: str,
    email: str,
    reason: str | None,
    *,
    step: int | None = None,
    now: dt.datetime | None = None,
) -> ApprovalRequestRow:
    """Reject the current step as `email` with a reason (required); the request ends there.

    The same people may reject as may approve; the errors are those of `approve_step`,
    plus `ApprovalInputError` (422) for a missing reason.
    """
    now = now or utcnow()
    email = member_email(session, workspace_id, email)
    why = _text(reason, "reason", required=True)
    request, current = _current(session, workspace_id, request_id, step)
    acted_for = _acting_for(session, workspace_id, current, email, now)
    if not store.take_step(session, current, "rejected", email, acted_for, why, now):
        raise ApprovalConflictError("the step was decided by someone else just now")
    if not store.finish(session, request, store.REJECTED, now):
        raise ApprovalConflictError("the approval was decided by someone else just now")
    rejected = {"step": current.name, "position": current.position, "reason": why}
    if acted_for is not None:
        rejected["for"] = acted_for
    _audit(session, request, "approval.rejected", email, rejected, now)
    return request


def withdraw_approval(
    session: Session,
    workspace_id: str,
    document_id: str,
    previous_state: str,
    reason: str,
    *,
    now: dt.datetime | None = None,
) -> bool:
    """Withdraw a reopened invoice's payment approval; return whether it had been payable.

    Called in the reopen's transaction with the review state before it (`approved`,
    `auto` or `rejected`). The approval request, in whatever state, is deleted, its trail
    kept in an `approval.withdrawn` audit entry (old value), so the next approval of the
    data starts a new request on the corrected figures. If the invoice had been announced
    payable (its request completed, or its data approved in a workspace without a
    policy), `invoice.approval_withdrawn` is queued for the ERP.
    """
    now = now or utcnow()
    request = store.request_for_document(session, workspace_id, document_id)
    data_approved = previous_state in ("approved", "auto")
    if request is None:
        row = session.get(DocumentRow, document_id)
        kind = (row.result or {}).get("doc_type") if row is not None else None
        if not data_approved or kind != DocType.INVOICE.value:
            return False
        record(
            session, document_id, workspace_id, Actor.SYSTEM, "approval.withdrawn",
            field="approval", old={"status": "payable"}, new={"reason": reason}, at=now,
        )  # fmt: skip
        announce_withdrawn(session, workspace_id, document_id, None, reason)
        return True
    payable = data_approved and request.status == store.APPROVED
    trail = trail_json(session, request)
    _audit(session, request, "approval.withdrawn", None, {"reason": reason}, now, old=trail)
    if payable:
        announce_withdrawn(session, workspace_id, document_id, trail, reason)
    store.delete_request(session, request)
    return payable


def add_delegation(
    session: Session,
    workspace_id: str,
    from_email: str,
    to_email: str,
    starts: dt.datetime,
    ends: dt.datetime,
    *,
    now: dt.datetime | None = None,
    actor: str | None = None,
) -> ApprovalDelegationRow:
    """Let `to_email` approve for `from_email` from `starts` until `ends` (both members).

    The delegation is audited (`delegation.added`, a workspace entry with no document)
    with `actor`, who set it up.

    Raises `ApprovalInputError` (422) for a window that does not end after it starts, one
    already over, a naive time, or a person delegating to themselves.
    """
    now = now or utcnow()
    if starts.tzinfo is None or ends.tzinfo is None:
        raise ApprovalInputError("give starts and ends with a time zone")
    try:
        starts, ends = starts.astimezone(dt.UTC), ends.astimezone(dt.UTC)
    except OverflowError:
        raise ApprovalInputError("starts and ends must lie within years 1 to 9999") from None
    if ends <= starts or ends <= now:
        raise ApprovalInputError("a delegation must end after it starts, and in the future")
    source = member_email(session, workspace_id, from_email)
    target = member_email(session, workspace_id, to_email)
    if source == target:
        raise ApprovalInputError("a person cannot delegate to themselves")
    row = store.add_delegation(session, workspace_id, source, target, starts, ends)
    session.flush()  # the row's id, for the entry
    session.add(
        AuditEvent(
            document_id=None, submission_id=None, workspace_id=workspace_id,
            actor_kind=Actor.SYSTEM.value, actor_id=actor, action=DELEGATION_ADDED,
            field=None, old_value=None,
            new_value={"id": row.id, "from": source, "to": target,
                       "starts": starts.isoformat(), "ends": ends.isoformat()},
            at=now,
        )
    )  # fmt: skip
    return row


def overdue_steps(
    session: Session, workspace_id: str, at: dt.datetime | None = None
) -> list[ApprovalRequestRow]:
    """Return the workspace's pending requests whose current step is past its due time."""
    at = at or utcnow()
    page = store.list_requests(session, workspace_id, overdue_at=at, limit=store.MAX_PAGE)
    return page.items


def pending_for(session: Session, workspace_id: str, email: str) -> list[ApprovalRequestRow]:
    """Return the pending requests whose current step `email` may decide (or as a delegate)."""
    email = normalise_email(email)
    people = [email, *sorted(store.delegators(session, workspace_id, email, utcnow()))]
    page = store.list_requests(
        session, workspace_id, status=store.PENDING, approvers=people, limit=store.MAX_PAGE
    )
    return page.items
