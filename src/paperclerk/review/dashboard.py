"""Numbers of the automation dashboard, computed from the review items of a period.

Automation rate: the share of completed documents no person touched. Field accuracy:
how often reviewers left a model's value as it was. Turnaround: from upload to the final
decision (automatic or human). Drop-out reasons: why documents needed a person, as the
decision's reason codes (`field:total`, `no_extractor`…; the UI shows them in words).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from paperclerk.storage.columns import utcnow
from paperclerk.storage.tables import ReviewItem

TOP = 8
TOP_PER_TYPE = 3


@dataclass(frozen=True)
class Rate:
    """A share with the counts behind it."""

    label: str
    hits: int
    total: int

    @property
    def share(self) -> float:
        """Hits / total (0 when there is nothing)."""
        return self.hits / self.total if self.total else 0.0


@dataclass
class Dashboard:
    """Everything the dashboard page shows for one period."""

    days: int
    completed: int = 0
    automated: int = 0
    queue_size: int = 0
    by_day: list[Rate] = field(default_factory=list)
    by_doc_type: list[Rate] = field(default_factory=list)
    field_accuracy: list[Rate] = field(default_factory=list)
    turnaround_p50_s: float | None = None
    turnaround_p95_s: float | None = None
    top_reasons: list[tuple[str, int]] = field(default_factory=list)
    top_reasons_by_type: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    top_fields: list[tuple[str, int]] = field(default_factory=list)
    top_rules: list[tuple[str, int]] = field(default_factory=list)
    top_suppliers: list[tuple[str, int]] = field(default_factory=list)

    @property
    def automation_rate(self) -> float:
        """Share of completed documents with no human touch."""
        return self.automated / self.completed if self.completed else 0.0


def percentile(values: list[float], q: float) -> float | None:
    """Return the q-quantile (0..1) of values by nearest rank, or None for none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[rank]


def dashboard(
    session: Session,
    workspace_ids: tuple[str, ...],
    *,
    days: int = 30,
    now: dt.datetime | None = None,
) -> Dashboard:
    """Compute the dashboard of the workspaces over the last `days` days."""
    now = now or utcnow()
    since = (now - dt.timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    out = Dashboard(days=days)
    out.queue_size = int(
        session.scalar(
            select(func.count())
            .select_from(ReviewItem)
            .where(ReviewItem.workspace_id.in_(workspace_ids), ReviewItem.state == "pending")
        )
        or 0
    )
    rows = session.scalars(
        select(ReviewItem).where(
            ReviewItem.workspace_id.in_(workspace_ids), ReviewItem.completed_at >= since
        )
    ).all()
    per_day: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0])
    per_type: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    checked: Counter[str] = Counter()
    corrected: Counter[str] = Counter()
    fields: Counter[str] = Counter()
    rules: Counter[str] = Counter()
    suppliers: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    type_reasons: dict[str, Counter[str]] = defaultdict(Counter)
    turnaround: list[float] = []
    for item in rows:
        automated = item.state == "auto" or (item.state == "rejected" and not item.decided_by)
        if item.state == "pending":
            finished_at = None
        else:
            finished_at = item.completed_at if automated else item.decided_at
            out.completed += 1
            out.automated += automated
            day = per_day[item.completed_at.date()]
            day[0] += automated
            day[1] += 1
            kind = per_type[item.doc_type or "unknown"]
            kind[0] += automated
            kind[1] += 1
        if finished_at is not None:
            turnaround.append(max(0.0, (finished_at - item.submitted_at).total_seconds()))
        if item.state == "approved":
            names = set(item.confirmed_fields) | set(item.corrected_fields)
            checked.update(names)
            corrected.update(set(item.corrected_fields))
        if not automated:
            codes = item.reason_codes.split()
            reasons.update(codes)
            type_reasons[item.doc_type or "unknown"].update(codes)
            for code in codes:
                kind_, _, name = code.partition(":")
                if kind_ == "field":
                    fields[name] += 1
                elif kind_ == "rule":
                    rules[name] += 1
            if item.supplier:
                suppliers[item.supplier] += 1
    first = since.date()
    out.by_day = [
        Rate(d.isoformat(), *per_day.get(d, [0, 0]))
        for d in (first + dt.timedelta(days=i) for i in range(days))
    ]
    out.by_doc_type = sorted(
        (Rate(k, v[0], v[1]) for k, v in per_type.items()), key=lambda r: -r.total
    )
    out.field_accuracy = sorted(
        (Rate(n, checked[n] - corrected[n], checked[n]) for n in checked),
        key=lambda r: (r.share, r.label),
    )
    out.turnaround_p50_s = percentile(turnaround, 0.5)
    out.turnaround_p95_s = percentile(turnaround, 0.95)
    out.top_reasons = reasons.most_common(TOP)
    out.top_reasons_by_type = {k: c.most_common(TOP_PER_TYPE) for k, c in type_reasons.items() if c}
    out.top_fields = fields.most_common(TOP)
    out.top_rules = rules.most_common(TOP)
    out.top_suppliers = suppliers.most_common(TOP)
    return out


def automation_by_type(
    session: Session,
    workspace_ids: tuple[str, ...],
    *,
    days: int = 30,
    now: dt.datetime | None = None,
) -> list[Rate]:
    """Return the automation rate per document type over the last `days` days, most first.

    The same figures as the dashboard's, counted by the database (the review queue page
    shows them on every refresh): completed documents, and those no person touched.
    """
    now = now or utcnow()
    since = (now - dt.timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    automated = or_(
        ReviewItem.state == "auto",
        and_(ReviewItem.state == "rejected", ReviewItem.decided_by.is_(None)),
    )
    stmt = (
        select(
            ReviewItem.doc_type,
            func.count(),
            func.coalesce(func.sum(case((automated, 1), else_=0)), 0),
        )
        .where(
            ReviewItem.workspace_id.in_(workspace_ids),
            ReviewItem.completed_at >= since,
            ReviewItem.state != "pending",
        )
        .group_by(ReviewItem.doc_type)
    )
    rates = [Rate(t or "unknown", int(hits), int(n)) for t, n, hits in session.execute(stmt)]
    return sorted(rates, key=lambda r: (-r.total, r.label))
