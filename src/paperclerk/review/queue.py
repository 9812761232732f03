"""The review queue: which documents wait for a person, filtered, counted and claimed.

A claim is an atomic `UPDATE … WHERE claimed_by IS NULL OR claimed_until < now` on one row,
so two reviewers can never hold the same document: on PostgreSQL the second update waits
for the first and then re-checks the condition, on SQLite writes are serialised. A claim
expires after `CLAIM_SECONDS`, so a document left open in a closed tab comes back.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from paperclerk.model import DecisionOutcome, Document, Severity, type_hint
from paperclerk.review.schema import SUPPLIER_FIELDS, supplier_of
from paperclerk.storage.columns import utcnow
from paperclerk.storage.tables import DocumentRow, ReviewItem

CLAIM_SECONDS = 15 * 60
PENDING = "pending"
DATE_FIELDS = ("transaction_date", "invoice_date", "bill_date", "statement_date", "pay_date")
"""The fields that date a document in the queue, first found wins."""
AMOUNT_FIELDS = ("total", "amount_due", "net_pay", "closing_balance")
"""The fields that give a document's amount in the queue, first found wins."""


@dataclass(frozen=True)
class QueueFilter:
    """Which part of the queue to show: the user's workspaces narrowed by the filters."""

    workspace_ids: tuple[str, ...]
    workspace: str | None = None
    doc_type: str | None = None
    reason: str | None = None
    min_age_hours: float | None = None


@dataclass(frozen=True)
class QueueCounts:
    """How many documents wait, overall and per workspace, type and reason (and per type)."""

    total: int
    by_workspace: dict[str, int] = field(default_factory=dict)
    by_doc_type: dict[str, int] = field(default_factory=dict)
    by_reason: dict[str, int] = field(default_factory=dict)
    by_doc_type_reason: dict[str, dict[str, int]] = field(default_factory=dict)


def reason_codes(doc: Document) -> list[str]:
    """Return why a document needs a person, as short codes (see `Decision.reason_codes`).

    The decision's own codes when it has them; a result stored before decisions carried
    codes gets them derived from its failed rules, unsure fields and type (`rule:…`,
    `field:…`, `doc_type:other`).
    """
    if doc.decision is not None and doc.decision.reason_codes:
        return list(dict.fromkeys(doc.decision.reason_codes))
    codes = [
        f"rule:{f.rule_id}" for f in doc.findings if not f.passed and f.severity != Severity.INFO
    ]
    if doc.decision is not None:
        codes += [f"missing:{n}" for n in doc.decision.missing_fields]
        codes += [f"field:{n}" for n in doc.decision.low_confidence_fields]
    if doc.doc_type.value == "other":
        codes.append("doc_type:other")
    return list(dict.fromkeys(codes))


def priority_of(doc: Document) -> int:
    """Return a priority (higher first): 2 for a failed error rule, 1 a warning, 0 otherwise."""
    failed = [f.severity for f in doc.findings if not f.passed]
    if Severity.ERROR in failed:
        return 2
    return 1 if Severity.WARNING in failed else 0


def track_result(session: Session, document_id: str, workspace_id: str, doc: Document) -> None:
    """Put a freshly stored result in the review flow: queue it or count it as automated.

    A reprocessed document starts over: its claim and any earlier decision are cleared.
    """
    outcome = doc.decision.outcome if doc.decision else DecisionOutcome.NEEDS_REVIEW
    state = {
        DecisionOutcome.AUTO_APPROVED: "auto",
        DecisionOutcome.REJECTED: "rejected",
    }.get(outcome, PENDING)
    codes = reason_codes(doc)
    row = session.get(DocumentRow, document_id)
    values = {
        "workspace_id": workspace_id,
        "state": state,
        "doc_type": type_hint(doc.doc_type, doc.custom_type) or doc.doc_type.value,
        "priority": priority_of(doc),
        "reason_codes": " " + " ".join(codes) + " " if codes else "",
        "reasons": doc.decision.reasons if doc.decision else [],
        "supplier": supplier_of(doc),
        "claimed_by": None,
        "claimed_until": None,
        "decided_by": None,
        "decided_at": None,
        "reject_reason": None,
        "confirmed_fields": [],
        "corrected_fields": [],
        "submitted_at": row.created_at if row is not None else utcnow(),
        "completed_at": utcnow(),
    }
    item = session.get(ReviewItem, document_id)
    if item is None:
        session.add(ReviewItem(document_id=document_id, **values))
    else:
        for key, value in values.items():
            setattr(item, key, value)
    session.flush()


def _where(flt: QueueFilter, now: dt.datetime) -> list[ColumnElement[bool]]:
    """Return the SQL conditions of a filter over pending items."""
    conds: list[ColumnElement[bool]] = [
        ReviewItem.state == PENDING,
        ReviewItem.workspace_id.in_(flt.workspace_ids),
    ]
    if flt.workspace:
        conds.append(ReviewItem.workspace_id == flt.workspace)
    if flt.doc_type:
        conds.append(ReviewItem.doc_type == flt.doc_type)
    if flt.reason:
        conds.append(ReviewItem.reason_codes.contains(f" {flt.reason} ", autoescape=True))
    if flt.min_age_hours:
        cutoff = now - dt.timedelta(hours=flt.min_age_hours)
        conds.append(ReviewItem.submitted_at <= cutoff)
    return conds


def _claimable(user_id: str, now: dt.datetime) -> ColumnElement[bool]:
    """Condition: the item is free, its claim ran out, or it is already this user's."""
    return or_(
        ReviewItem.claimed_by.is_(None),
        ReviewItem.claimed_until.is_(None),
        ReviewItem.claimed_until < now,
        ReviewItem.claimed_by == user_id,
    )


def list_queue(
    session: Session, flt: QueueFilter, *, limit: int = 200, now: dt.datetime | None = None
) -> list[ReviewItem]:
    """Return pending items, highest priority first, then oldest first."""
    now = now or utcnow()
    stmt = (
        select(ReviewItem)
        .where(and_(*_where(flt, now)))
        .order_by(ReviewItem.priority.desc(), ReviewItem.submitted_at, ReviewItem.document_id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def queue_counts(session: Session, flt: QueueFilter, now: dt.datetime | None = None) -> QueueCounts:
    """Count the pending items of the filter per workspace, document type and reason."""
    now = now or utcnow()
    stmt = select(ReviewItem.workspace_id, ReviewItem.doc_type, ReviewItem.reason_codes).where(
        and_(*_where(flt, now))
    )
    ws: Counter[str] = Counter()
    types: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    type_reasons: dict[str, Counter[str]] = {}
    total = 0
    for workspace_id, doc_type, codes in session.execute(stmt):
        total += 1
        ws[workspace_id] += 1
        types[doc_type or "unknown"] += 1
        reasons.update(codes.split())
        type_reasons.setdefault(doc_type or "unknown", Counter()).update(codes.split())
    per_type = {t: dict(c.most_common()) for t, c in type_reasons.items()}
    return QueueCounts(total, dict(ws), dict(types), dict(reasons.most_common()), per_type)


def claimable(
    session: Session, user_id: str, document_id: str, now: dt.datetime | None = None
) -> bool:
    """Return whether a user could claim this pending document now, claiming nothing.

    The same condition as `claim`'s (`_claimable`), asked without taking the claim.
    """
    now = now or utcnow()
    found = session.scalar(
        select(ReviewItem.document_id).where(
            ReviewItem.document_id == document_id,
            ReviewItem.state == PENDING,
            _claimable(user_id, now),
        )
    )
    return found is not None


def claim(
    session: Session,
    user_id: str,
    document_id: str,
    workspace_ids: tuple[str, ...],
    *,
    now: dt.datetime | None = None,
    seconds: int = CLAIM_SECONDS,
) -> bool:
    """Claim one pending document for a user (or renew the user's claim); return success."""
    now = now or utcnow()
    stmt = (
        update(ReviewItem)
        .where(
            ReviewItem.document_id == document_id,
            ReviewItem.state == PENDING,
            ReviewItem.workspace_id.in_(workspace_ids),
            _claimable(user_id, now),
        )
        .values(claimed_by=user_id, claimed_until=now + dt.timedelta(seconds=seconds))
        .execution_options(synchronize_session=False)
    )
    return session.execute(stmt).rowcount == 1  # type: ignore[attr-defined,no-any-return]


def claim_next(
    session: Session,
    user_id: str,
    flt: QueueFilter,
    *,
    exclude: tuple[str, ...] = (),
    now: dt.datetime | None = None,
    seconds: int = CLAIM_SECONDS,
) -> str | None:
    """Claim the next document of the filter for a user; return its id, or None if none is free.

    A document the user already holds comes back first; documents in `exclude` (the ones
    the user skipped) are passed over.
    """
    now = now or utcnow()
    conds = _where(flt, now)
    if exclude:
        conds.append(ReviewItem.document_id.not_in(exclude))
    held = session.scalar(
        select(ReviewItem.document_id)
        .where(*conds, ReviewItem.claimed_by == user_id, ReviewItem.claimed_until >= now)
        .order_by(ReviewItem.priority.desc(), ReviewItem.submitted_at)
        .limit(1)
    )
    if held is not None and claim(session, user_id, held, flt.workspace_ids, now=now):
        return held
    for _ in range(20):
        candidates = session.scalars(
            select(ReviewItem.document_id)
            .where(*conds, _claimable(user_id, now))
            .order_by(ReviewItem.priority.desc(), ReviewItem.submitted_at, ReviewItem.document_id)
            .limit(5)
        ).all()
        if not candidates:
            return None
        for document_id in candidates:
            if claim(session, user_id, document_id, flt.workspace_ids, now=now, seconds=seconds):
                return document_id
    return None


def release(session: Session, user_id: str, document_id: str) -> None:
    """Give up a user's claim on a document (e.g. when skipping it)."""
    session.execute(
        update(ReviewItem)
        .where(ReviewItem.document_id == document_id, ReviewItem.claimed_by == user_id)
        .values(claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class Summary:
    """A waiting document at a glance: counterparty, date, amount and currency as read."""

    supplier: str | None = None
    date: dt.date | None = None
    amount: Decimal | None = None
    currency: str | None = None


def _first(values: Iterable[object]) -> str | None:
    """Return the first value that is not empty, as text."""
    return next((str(v) for v in values if v not in (None, "")), None)


def summaries(session: Session, document_ids: Iterable[str]) -> dict[str, Summary]:
    """Return the summary of each document's stored result (ids without a result are left out).

    Only the few values are read, by JSON path in the database, not the whole results
    with their pages of words: the queue shows up to 200 documents and refreshes itself.
    """
    ids = list(document_ids)
    if not ids:
        return {}
    names = [*SUPPLIER_FIELDS, *DATE_FIELDS, *AMOUNT_FIELDS, "currency"]
    paths = [DocumentRow.result[("fields", n, "value")].as_string() for n in names]
    stmt = select(DocumentRow.id, *paths).where(
        DocumentRow.id.in_(ids), DocumentRow.result.is_not(None)
    )
    out: dict[str, Summary] = {}
    for row in session.execute(stmt):
        values = dict(zip(names, row[1:], strict=True))
        day = _first(values[n] for n in DATE_FIELDS)
        amount = _first(values[n] for n in AMOUNT_FIELDS)
        currency = _first([values["currency"]])
        out[row[0]] = Summary(
            supplier=_first(values[n] for n in SUPPLIER_FIELDS),
            date=_day(day),
            amount=_amount(amount),
            currency=currency[:8] if currency else None,
        )
    return out


def _day(text: str | None) -> dt.date | None:
    """Return an ISO date stored in a result, None when there is none or it is not one."""
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _amount(text: str | None) -> Decimal | None:
    """Return an amount stored in a result, None when there is none or it is not finite."""
    try:
        value = Decimal(text) if text else None
    except InvalidOperation:
        return None
    return value if value is not None and value.is_finite() else None


def peek_next(
    session: Session,
    user_id: str,
    flt: QueueFilter,
    *,
    exclude: tuple[str, ...] = (),
    now: dt.datetime | None = None,
) -> str | None:
    """Return the document `claim_next` would most likely give the user next, claiming nothing.

    The review screen fetches that document's page image ahead while the current one is
    reviewed; whether it is still free when the time comes is `claim_next`'s business.
    """
    now = now or utcnow()
    conds = _where(flt, now)
    if exclude:
        conds.append(ReviewItem.document_id.not_in(exclude))
    return session.scalar(
        select(ReviewItem.document_id)
        .where(*conds, _claimable(user_id, now))
        .order_by(
            (ReviewItem.claimed_by == user_id).desc(),
            ReviewItem.priority.desc(),
            ReviewItem.submitted_at,
            ReviewItem.document_id,
        )
        .limit(1)
    )
