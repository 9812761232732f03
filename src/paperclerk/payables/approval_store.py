"""Approval policies, requests, steps and delegations in the app database (per workspace).

Every read takes the caller's workspace id, so one tenant never reaches another's
approvals. None of these functions commits; the state changes of a step are conditional
UPDATEs (`take_step`, `advance`, `finish`) whose WHERE names the state they expect, so two
people deciding the same step at once cannot both succeed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from paperclerk.payables.approval_errors import ApprovalNotFoundError
from paperclerk.payables.approval_policy import ApprovalPolicy, Rule
from paperclerk.storage.columns import new_id, utcnow
from paperclerk.storage.documents import newest_first
from paperclerk.storage.tables import (
    ApprovalDelegationRow,
    ApprovalPolicyRow,
    ApprovalRequestRow,
    ApprovalStepRow,
)

MAX_PAGE = 200
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
WAITING, CURRENT = "waiting", "current"
_ID = re.compile(r"[0-9a-f]{32}")
T = TypeVar("T")
R = TypeVar("R", ApprovalRequestRow, ApprovalDelegationRow)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing, newest first, and the cursor of the next (None at the end)."""

    items: list[T]
    next_cursor: str | None


def padded(emails: list[str]) -> str:
    """Return emails as the space-padded column value (` a@x b@y `) a LIKE can search."""
    return " " + " ".join(emails) + " "


def unpadded(column: str) -> list[str]:
    """Return the emails of a space-padded column value."""
    return column.split()


def get_policy(session: Session, workspace_id: str) -> ApprovalPolicy | None:
    """Return the workspace's approval policy, or None when it has none."""
    row = session.get(ApprovalPolicyRow, workspace_id)
    return ApprovalPolicy.model_validate(row.policy) if row is not None else None


def policy_row(session: Session, workspace_id: str) -> ApprovalPolicyRow | None:
    """Return the stored policy row (when and by whom it was set), or None."""
    return session.get(ApprovalPolicyRow, workspace_id)


def save_policy(
    session: Session, workspace_id: str, policy: ApprovalPolicy, updated_by: str | None
) -> None:
    """Store (or replace) the workspace's approval policy; requests already started keep theirs."""
    body = policy.model_dump(mode="json")
    row = session.get(ApprovalPolicyRow, workspace_id)
    if row is None:
        session.add(
            ApprovalPolicyRow(workspace_id=workspace_id, policy=body, updated_by=updated_by)
        )
    else:
        row.policy, row.updated_at, row.updated_by = body, utcnow(), updated_by
    session.flush()


def get_request(session: Session, workspace_id: str, request_id: str) -> ApprovalRequestRow:
    """Return an approval request of the workspace; raise `ApprovalNotFoundError` otherwise.

    An id that is not 32 hex digits is answered without a query.
    """
    row = session.get(ApprovalRequestRow, request_id) if _ID.fullmatch(request_id) else None
    if row is None or row.workspace_id != workspace_id:
        raise ApprovalNotFoundError(f"no approval {request_id!r} in this workspace")
    return row


def request_for_document(
    session: Session, workspace_id: str, document_id: str
) -> ApprovalRequestRow | None:
    """Return the approval request of a document of the workspace, or None.

    A document id that is not 32 hex digits is answered without a query.
    """
    if not _ID.fullmatch(document_id):
        return None
    stmt = select(ApprovalRequestRow).where(
        ApprovalRequestRow.document_id == document_id,
        ApprovalRequestRow.workspace_id == workspace_id,
    )
    return session.scalars(stmt).first()


def request_steps(session: Session, request_id: str) -> list[ApprovalStepRow]:
    """Return a request's steps in order."""
    stmt = select(ApprovalStepRow).where(ApprovalStepRow.request_id == request_id)
    return list(session.scalars(stmt.order_by(ApprovalStepRow.position)))


def insert_request(
    session: Session,
    workspace_id: str,
    document_id: str,
    rule: Rule | None,
    reason: str,
    facts: dict[str, object],
    now: dt.datetime,
) -> ApprovalRequestRow | None:
    """Create a document's request with its steps (the first current); None if one exists.

    `INSERT … ON CONFLICT DO NOTHING` on the document keeps a second start (a redelivered
    job, two processes at once) from adding a second request or aborting the transaction.
    Without a rule the request is approved at once, with no steps.
    """
    values = {
        "id": new_id(),
        "workspace_id": workspace_id,
        "document_id": document_id,
        "rule_name": rule.name if rule else None,
        "reason": reason[:1000],
        "facts": facts,
        "status": PENDING if rule else APPROVED,
        "current_step": 0 if rule else None,
        "created_at": now,
        "decided_at": None if rule else now,
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(ApprovalRequestRow)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["document_id"])
        .returning(ApprovalRequestRow.id)
    )
    if session.execute(stmt).scalar_one_or_none() is None:
        return None
    for position, step in enumerate(rule.steps if rule else []):
        session.add(
            ApprovalStepRow(
                request_id=values["id"],
                position=position,
                name=step.name,
                approvers=padded(step.approvers),
                due_hours=step.due_hours,
                status=CURRENT if position == 0 else WAITING,
                due_at=now + dt.timedelta(hours=step.due_hours) if position == 0 else None,
            )
        )
    session.flush()
    return session.get(ApprovalRequestRow, str(values["id"]))


def take_step(
    session: Session,
    step: ApprovalStepRow,
    status: str,
    acted_by: str,
    acted_for: str | None,
    comment: str | None,
    now: dt.datetime,
) -> bool:
    """Decide a current step (`approved` or `rejected`); False when it was not current."""
    done = session.execute(
        update(ApprovalStepRow)
        .where(ApprovalStepRow.id == step.id, ApprovalStepRow.status == CURRENT)
        .values(
            status=status, acted_by=acted_by, acted_for=acted_for, acted_at=now, comment=comment
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(step)
    return bool(done.rowcount == 1)  # type: ignore[attr-defined]


def advance(
    session: Session, request: ApprovalRequestRow, step: ApprovalStepRow, now: dt.datetime
) -> bool:
    """Make `step` the request's current one, due `due_hours` from now; False if moved on."""
    moved = session.execute(
        update(ApprovalRequestRow)
        .where(
            ApprovalRequestRow.id == request.id,
            ApprovalRequestRow.status == PENDING,
            ApprovalRequestRow.current_step == step.position - 1,
        )
        .values(current_step=step.position)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        return False
    step.status, step.due_at = CURRENT, now + dt.timedelta(hours=step.due_hours)
    session.flush()
    session.refresh(request)
    return True


def finish(session: Session, request: ApprovalRequestRow, status: str, now: dt.datetime) -> bool:
    """End a pending request as `approved` or `rejected`; False if it was decided already."""
    done = session.execute(
        update(ApprovalRequestRow)
        .where(ApprovalRequestRow.id == request.id, ApprovalRequestRow.status == PENDING)
        .values(status=status, current_step=None, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(request)
    return bool(done.rowcount == 1)  # type: ignore[attr-defined]


def delete_request(session: Session, request: ApprovalRequestRow) -> None:
    """Delete a request and its steps (a withdrawn approval; the audit keeps the trail)."""
    session.execute(delete(ApprovalStepRow).where(ApprovalStepRow.request_id == request.id))
    session.execute(delete(ApprovalRequestRow).where(ApprovalRequestRow.id == request.id))
    session.expunge(request)


def _newest_first(
    session: Session,
    table: type[R],
    where: list[ColumnElement[bool]],
    limit: int,
    cursor: str | None,
) -> Page[R]:
    """Return one keyset page of `table` rows, newest first (by created_at, then id)."""
    limit = max(1, min(limit, MAX_PAGE))
    rows, next_cursor = newest_first(session, select(table).where(*where), table, limit, cursor)
    return Page(rows, next_cursor)


def list_requests(
    session: Session,
    workspace_id: str,
    *,
    status: str | None = None,
    approvers: list[str] | None = None,
    overdue_at: dt.datetime | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[ApprovalRequestRow]:
    """Return the workspace's approval requests newest first, a page at a time.

    `approvers`: only requests with a step naming one of them (for a pending request, its
    current step). `overdue_at`: only pending requests whose current step was due before.
    """
    req, step = ApprovalRequestRow, ApprovalStepRow
    where: list[ColumnElement[bool]] = [req.workspace_id == workspace_id]
    if status is not None:
        where.append(req.status == status)
    if approvers is not None:
        names = or_(*(step.approvers.contains(f" {e} ", autoescape=True) for e in approvers))
        current = or_(req.status != PENDING, step.position == req.current_step)
        where.append(exists().where(step.request_id == req.id, names, current))
    if overdue_at is not None:
        late = and_(step.position == req.current_step, step.due_at < overdue_at)
        where += [req.status == PENDING, exists().where(step.request_id == req.id, late)]
    return _newest_first(session, req, where, limit, cursor)


def add_delegation(
    session: Session,
    workspace_id: str,
    from_email: str,
    to_email: str,
    starts: dt.datetime,
    ends: dt.datetime,
) -> ApprovalDelegationRow:
    """Store a delegation window (the caller checked both people and the window)."""
    row = ApprovalDelegationRow(
        workspace_id=workspace_id,
        from_email=from_email,
        to_email=to_email,
        starts=starts,
        ends=ends,
    )
    session.add(row)
    session.flush()
    return row


def list_delegations(
    session: Session, workspace_id: str, *, limit: int = 50, cursor: str | None = None
) -> Page[ApprovalDelegationRow]:
    """Return the workspace's delegations newest first, a page at a time."""
    where = [ApprovalDelegationRow.workspace_id == workspace_id]
    return _newest_first(session, ApprovalDelegationRow, where, limit, cursor)


def delegators(session: Session, workspace_id: str, email: str, at: dt.datetime) -> set[str]:
    """Return the people `email` may approve for at `at` (their delegation is active then)."""
    d = ApprovalDelegationRow
    stmt = select(d.from_email).where(
        d.workspace_id == workspace_id, d.to_email == email, d.starts <= at, d.ends > at
    )
    return set(session.scalars(stmt))
