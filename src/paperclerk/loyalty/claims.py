"""The claims desk: list, decide, delete and export a campaign's submissions.

The HTTP API (`/v1/campaigns/{id}/submissions…`), the review UI's Claims pages and the
command line share these functions. Each takes the workspaces its caller may see (one for
an API key, a reviewer's for the UI), and a claim outside them is not found, exactly like
one that does not exist. None of them commits: a decision, its audit entry and its
`claim.decided` event are written in the caller's transaction (`claim_events`).

A claim's reward is paid on approval only: `reward` is 0.00 for any other outcome, and
`provisional_reward` keeps what approving it would pay, so the desk can approve a claim
the rules held back or rejected, and reject one they approved, without recomputing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from paperclerk.errors import PaperclerkError
from paperclerk.export.lines_csv import guard_formula
from paperclerk.loyalty.claim_events import DELETE, claim_audit, record_decision
from paperclerk.loyalty.decide import Outcome, zero
from paperclerk.loyalty.locks import lock_claims
from paperclerk.loyalty.reasons import rejection_reasons
from paperclerk.loyalty.service import SubmissionResult
from paperclerk.review.audit import Actor
from paperclerk.storage.columns import utcnow
from paperclerk.storage.tables import AuditEvent, DocumentRow, LoyaltySubmission

MAX_REASON = 1000
MAX_PAGE = 200
DESK_OUTCOMES = (Outcome.APPROVED.value, Outcome.REJECTED.value)
"""What a person may decide: a final outcome."""
CSV_COLUMNS = (
    "id", "participant", "outcome", "reward", "currency", "merchant", "date", "total",
    "reasons", "created_at", "decided_by", "decided_at", "decision_reason",
)  # fmt: skip
_EXPORT_BATCH = MAX_PAGE


class ClaimNotFoundError(PaperclerkError):
    """No such submission in the campaign, or not in a workspace the caller may see."""

    code = "not_found"
    exit_code = 2
    http_status = 404


class InvalidDecisionError(PaperclerkError):
    """A decision without a reason, or with an outcome a person may not give."""

    code = "invalid_decision"
    exit_code = 2
    http_status = 422


class AlreadyDecidedError(PaperclerkError):
    """The claim already has the outcome asked for (e.g. a form sent twice)."""

    code = "already_decided"
    exit_code = 2
    http_status = 409


class ClaimRow(BaseModel):
    """One claim as the desk lists and exports it."""

    submission_id: int
    workspace_id: str
    campaign_id: str
    participant_id: str
    outcome: str
    reward: Decimal
    provisional_reward: Decimal | None
    currency: str | None
    merchant: str | None
    purchase_date: dt.date | None
    total: Decimal | None
    reasons: list[str]
    participant_reasons: list[str]
    created_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str | None


class ClaimAuditEntry(BaseModel):
    """One audit entry of a claim: who (rule or person), what, when, before and after."""

    id: int
    submission_id: int
    actor_kind: Actor
    actor_id: str | None
    action: str
    old_value: Any
    new_value: Any
    at: dt.datetime


@dataclass(frozen=True)
class ClaimQuery:
    """Which claims to list: the caller's workspaces, then optional filters."""

    workspace_ids: tuple[str, ...]
    campaign_id: str | None = None
    outcome: str | None = None
    participant_id: str | None = None


@dataclass(frozen=True)
class ClaimPage:
    """One page of claims, oldest first, and the `after` cursor of the next (None: last)."""

    items: list[ClaimRow]
    next_after: int | None


def _decimal(value: Any) -> Decimal | None:
    """Return a stored amount as a Decimal (None when absent or not a number)."""
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _date(value: Any) -> dt.date | None:
    """Return a stored ISO date, or None."""
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def claim_row(row: LoyaltySubmission) -> ClaimRow:
    """Summarise a stored submission for the desk's list and export."""
    result = row.result or {}
    receipt = result.get("receipt") or {}
    return ClaimRow(
        submission_id=row.id,
        workspace_id=row.workspace_id,
        campaign_id=row.campaign_id,
        participant_id=row.participant_id,
        outcome=row.outcome,
        reward=_decimal(row.reward) or zero(),
        provisional_reward=_decimal(result.get("provisional_reward")),
        currency=result.get("currency"),
        merchant=receipt.get("merchant_name"),
        purchase_date=_date(receipt.get("transaction_date")),
        total=_decimal(receipt.get("total")),
        reasons=list(result.get("reasons") or []),
        participant_reasons=list(result.get("participant_reasons") or []),
        created_at=row.created_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        decision_reason=row.decision_reason,
    )


def _conditions(query: ClaimQuery) -> list[ColumnElement[bool]]:
    """Return the WHERE conditions of a query (each served by a submissions index)."""
    where: list[ColumnElement[bool]] = [LoyaltySubmission.workspace_id.in_(query.workspace_ids)]
    if query.campaign_id is not None:
        where.append(LoyaltySubmission.campaign_id == query.campaign_id)
    if query.outcome is not None:
        where.append(LoyaltySubmission.outcome == query.outcome)
    if query.participant_id is not None:
        where.append(LoyaltySubmission.participant_id == query.participant_id)
    return where


def list_claims(
    session: Session, query: ClaimQuery, *, limit: int = 50, after: int | None = None
) -> ClaimPage:
    """Return one page of claims, oldest first (a review queue works the oldest first).

    `after` is the id of the last claim of the previous page (keyset paging: stable while
    claims arrive). A limit outside 1..`MAX_PAGE` is a `ValueError` (callers check it).
    """
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE}")
    stmt = select(LoyaltySubmission).where(*_conditions(query))
    if after is not None:
        stmt = stmt.where(LoyaltySubmission.id > after)
    rows = list(session.scalars(stmt.order_by(LoyaltySubmission.id).limit(limit + 1)))
    items = [claim_row(r) for r in rows[:limit]]
    return ClaimPage(items, items[-1].submission_id if len(rows) > limit else None)


def iter_claims(session: Session, query: ClaimQuery) -> Iterator[ClaimRow]:
    """Yield every claim of a query, oldest first, reading a batch at a time (exports)."""
    after: int | None = None
    while True:
        page = list_claims(session, query, limit=_EXPORT_BATCH, after=after)
        yield from page.items
        if page.next_after is None:
            return
        after = page.next_after


def _cell(value: Any) -> str:
    """Return one CSV cell; text a spreadsheet would run as a formula is quoted with `'`."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return guard_formula(value) if isinstance(value, str) else str(value)


def csv_lines(rows: Iterable[ClaimRow]) -> Iterator[str]:
    """Yield the export as CSV lines (`CSV_COLUMNS`), the header first.

    Participant ids, shop names and reasons come from outside (shoppers, OCR), so a cell
    starting like a formula (`=`, `+`, `-`, `@`) is prefixed with `'`: opening the export
    in a spreadsheet never runs what a shopper typed.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def line(values: Sequence[Any]) -> str:
        out.seek(0)
        out.truncate()
        writer.writerow([_cell(v) for v in values])
        return out.getvalue()

    yield line(CSV_COLUMNS)
    for r in rows:
        yield line(
            [
                str(r.submission_id), r.participant_id, r.outcome, str(r.reward), r.currency,
                r.merchant, r.purchase_date.isoformat() if r.purchase_date else None,
                str(r.total) if r.total is not None else None, " | ".join(r.reasons),
                r.created_at, r.decided_by, r.decided_at, r.decision_reason,
            ]
        )  # fmt: skip


def get_claim(
    session: Session,
    workspace_ids: Sequence[str],
    submission_id: int,
    campaign_id: str | None = None,
    *,
    for_update: bool = False,
) -> LoyaltySubmission:
    """Return a claim the caller may see (of `campaign_id` when given); raise not found.

    `for_update` locks the row on PostgreSQL until the transaction ends, so two people
    deciding one claim at once are decided one after the other.
    """
    row = session.get(LoyaltySubmission, submission_id, with_for_update=for_update)
    if (
        row is None
        or row.workspace_id not in workspace_ids
        or (campaign_id is not None and row.campaign_id != campaign_id)
    ):
        raise ClaimNotFoundError(f"no submission {submission_id}")
    return row


def _reason(reason: str | None, required: bool) -> str | None:
    """Return a person's reason stripped; raise `InvalidDecisionError` if missing or too long."""
    text = (reason or "").strip()
    if not text:
        if required:
            raise InvalidDecisionError("a decision needs a reason")
        return None
    if len(text) > MAX_REASON:
        raise InvalidDecisionError(f"a reason has at most {MAX_REASON} characters")
    return text


def earned(row: LoyaltySubmission) -> Decimal:
    """Return what approving the claim pays: its reward if approved, else its provisional one.

    A claim stored before provisional rewards kept its would-be reward in `reward`.
    """
    result = row.result or {}
    if row.outcome == Outcome.APPROVED:
        return _decimal(row.reward) or zero()
    provisional = _decimal(result.get("provisional_reward"))
    if provisional is not None:
        return provisional
    return _decimal(result.get("reward")) or zero()


def decide_claim(
    session: Session,
    workspace_ids: Sequence[str],
    submission_id: int,
    outcome: str,
    reason: str,
    decided_by: str,
    *,
    campaign_id: str | None = None,
    now: dt.datetime | None = None,
) -> SubmissionResult:
    """Approve or reject a claim by hand, with a reason; return the claim as now stored.

    Any claim may be decided, the rules' final decisions included (an override): the
    audit entry keeps the outcome before, and `claim.decided` announces the new one.
    Approving pays the claim's earned reward (`earned`), rejecting pays 0.00 and keeps the
    earned amount as the provisional reward. The participant's reasons become none on
    approval and the rejection's (`reasons.rejection_reasons`) otherwise. Deciding the
    outcome a claim already has is refused (`AlreadyDecidedError`).
    """
    if outcome not in DESK_OUTCOMES:
        raise InvalidDecisionError(f"a decision is one of {', '.join(DESK_OUTCOMES)}")
    text = _reason(reason, required=True)
    now = now or utcnow()
    row = get_claim(session, workspace_ids, submission_id, campaign_id, for_update=True)
    lock_claims(session, row.workspace_id)  # no automatic decision reads it half-changed
    previous = row.outcome
    if previous == outcome:
        raise AlreadyDecidedError(f"submission {submission_id} is already {outcome}")
    before = SubmissionResult.model_validate(row.result)
    amount = earned(row)
    approved = outcome == Outcome.APPROVED
    after = before.model_copy(
        update={
            "outcome": Outcome(outcome),
            "reward": amount if approved else zero(),
            "provisional_reward": None if approved else amount,
            "participant_reasons": [] if approved else rejection_reasons(before.findings),
            "decided_by": decided_by,
            "decided_at": now,
            "decision_reason": text,
        }
    )
    row.outcome, row.reward = outcome, str(after.reward)
    row.decided_by, row.decided_at, row.decision_reason = decided_by, now, text
    row.revision = (row.revision or 0) + 1
    row.result = {**(row.result or {}), **after.model_dump(mode="json")}  # keeps what else it holds
    session.flush()
    record_decision(session, row, previous=previous, at=now)
    return after


def delete_claim(
    session: Session,
    workspace_ids: Sequence[str],
    submission_id: int,
    deleted_by: str,
    *,
    campaign_id: str | None = None,
    reason: str | None = None,
    now: dt.datetime | None = None,
) -> str:
    """Delete a claim with its fingerprints, keys, print and deliveries; return its sha256.

    The audit entry of the deletion stays (who, when, why, the outcome before and the
    campaign), without the participant's id: a deletion is how a shopper's data is
    erased. The original in the blob store is the caller's to remove after the commit,
    when `original_in_use` says no other claim or document holds the same bytes.
    """
    text = _reason(reason, required=False)
    row = get_claim(session, workspace_ids, submission_id, campaign_id, for_update=True)
    lock_claims(session, row.workspace_id)
    sha256 = row.sha256
    old = {"outcome": row.outcome, "reward": row.reward, "campaign_id": row.campaign_id}
    claim_audit(
        session, row, Actor.PERSON, DELETE, actor_id=deleted_by, old=old,
        new={"reason": text}, at=now or utcnow(),
    )  # fmt: skip
    session.delete(row)
    session.flush()
    return sha256


def original_in_use(session: Session, sha256: str) -> bool:
    """Tell whether any claim or document (of any workspace) still holds these bytes.

    A purged document (retention) keeps only the hash: it holds the bytes no more.
    """
    claim = exists().where(LoyaltySubmission.sha256 == sha256)
    document = exists().where(DocumentRow.sha256 == sha256, DocumentRow.purged_at.is_(None))
    return bool(session.scalar(select(claim)) or session.scalar(select(document)))


def audit_entries(
    session: Session,
    workspace_ids: Sequence[str],
    submission_id: int,
    campaign_id: str | None = None,
) -> list[ClaimAuditEntry]:
    """Return a claim's audit entries, oldest first; a deleted claim's end with its deletion.

    SQLite may give a new claim the id of a deleted one, so the entries are those after
    the id's last deletion while a claim has it, and up to that deletion once it is gone.
    Raise `ClaimNotFoundError` when neither a claim the caller may see nor such a
    deleted one exists.
    """
    stmt = select(AuditEvent).where(
        AuditEvent.submission_id == submission_id,
        AuditEvent.workspace_id.in_(workspace_ids),
    )
    events = list(session.scalars(stmt.order_by(AuditEvent.id)))
    deletions = [i for i, e in enumerate(events) if e.action == DELETE]
    row = session.get(LoyaltySubmission, submission_id)
    if row is not None:
        get_claim(session, workspace_ids, submission_id, campaign_id)
        life = events[deletions[-1] + 1 :] if deletions else events
    elif deletions:
        start = deletions[-2] + 1 if len(deletions) > 1 else 0
        life = events[start : deletions[-1] + 1]
        old = life[-1].old_value
        deleted_from = old.get("campaign_id") if isinstance(old, dict) else None
        if campaign_id is not None and deleted_from != campaign_id:
            raise ClaimNotFoundError(f"no submission {submission_id}")
    else:
        raise ClaimNotFoundError(f"no submission {submission_id}")
    return [
        ClaimAuditEntry(
            id=e.id,
            submission_id=submission_id,
            actor_kind=Actor(e.actor_kind),
            actor_id=e.actor_id,
            action=e.action,
            old_value=e.old_value,
            new_value=e.new_value,
            at=e.at,
        )
        for e in life
    ]
