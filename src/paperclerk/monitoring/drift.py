"""The drift monitor of a workspace's document types: rolling figures, alarms, acknowledgement.

Each processed document leaves an observation (`DriftObservationRow`): its type (a type a
user defined by its own name, `custom:<name>`, as the review queue keeps it), the model
that read it, its mean OCR word confidence and its fields' confidences. The figures of a
workspace and type cover its latest `DriftPolicy.window` documents read by the live model
since the type's last acknowledged alarm:

- `word_confidence` and `field_confidence.<field>` (each gating field): how many standard
  errors the live mean lies under the training data's (`learning.drift_reference`); more
  than `max_drop_z` is a breach (documents getting *easier* never alarm). The population
  stability index of the two distributions is reported beside it;
- `reviewed_accuracy.<field>`: the share of reviewed documents whose field the reviewer
  kept; more than `max_accuracy_drop` under the accuracy the model had on the training
  documents it would have sent to a person is a breach;
- `type_share`: the type's share of the workspace's latest `window` documents (all types)
  against its share of the up to `mix_reference` documents before them, as a
  two-proportion z-score; a rise of at least `min_share_rise` and over `max_mix_z` is a
  breach (a classifier sending other documents to this type, or traffic the workspace did
  not have). The reference is the workspace's own mix, not the classifier's training
  data, whose balance says nothing of a workspace's traffic. Only rises alarm: a share
  that falls is other types' rise, judged when their documents arrive.

A breach opens an alarm (one per signal until acknowledged): a `drift.alarm` audit entry,
a `model.drift` webhook event, a banner on the dashboard and a line in `/metrics`. While a
type has an open alarm and its policy says `tighten`, each of its documents goes to a
person. Acknowledging closes the type's alarms and restarts its figures from there, so a
change that persists alarms again once a new window has filled.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from paperclerk.learning.custom_fields import TypeSpec
from paperclerk.learning.drift_reference import (
    REFERENCE_VERSION,
    WORD_CONFIDENCE,
    bin_shares,
    mean_word_confidence,
    psi,
)
from paperclerk.learning.loader import LiveReference
from paperclerk.model import (
    DecisionOutcome,
    DocType,
    Document,
    Finding,
    Severity,
    read_type_hint,
    type_hint,
)
from paperclerk.pipeline.decide import hold_for_findings
from paperclerk.pipeline.policy import DecisionPolicy, DriftPolicy, TypePolicy
from paperclerk.storage.columns import utcnow
from paperclerk.storage.errors import InvalidRequestError, NotFoundError
from paperclerk.storage.tables import (
    AuditEvent,
    DriftAlarmRow,
    DriftObservationRow,
    ReviewItem,
)
from paperclerk.webhooks.registry import record_drift_event

FIELD_CONFIDENCE = "field_confidence."
REVIEWED_ACCURACY = "reviewed_accuracy."
TYPE_SHARE = "type_share"
DRIFT_RULE = "model.drift_alarm"
"""The rule id of the finding that sends a document to a person while an alarm is open."""
ALARM_ACTION = "drift.alarm"
ACKNOWLEDGED_ACTION = "drift.acknowledged"
MAX_NOTE = 1000
MIN_SD = 0.005
"""The least spread a reference counts with, so that a signal constant in training (every
confidence 1.0) does not alarm at the first document slightly under it."""


@dataclass(frozen=True)
class Figure:
    """One rolling figure of a document type and whether it left its bound.

    `kind` is 'shift' (`value` how many standard errors the live mean lies above the
    training mean, negative when it fell; `bound` the least allowed; `psi` the population
    stability index beside it), 'accuracy' (`value` the share kept by reviewers, `bound`
    the least allowed) or 'mix' (`value` how many standard errors the type's share rose,
    `bound` the most allowed; `live_mean` and `reference_mean` the two shares).
    """

    doc_type: str
    signal: str
    kind: str
    value: float
    bound: float
    documents: int
    live_mean: float | None = None
    reference_mean: float | None = None
    breached: bool = False
    psi: float | None = None

    def message(self) -> str:
        """Say in one line what moved, by how much, over how many documents."""
        if self.kind == "mix":
            return (
                f"{self.doc_type} {self.signal}: {self.live_mean or 0:.0%} of the last "
                f"{self.documents} documents against {self.reference_mean or 0:.0%} before, "
                f"{self.value:.1f} standard errors higher (at most {self.bound:.1f})"
            )
        if self.kind == "shift":
            return (
                f"{self.doc_type} {self.signal}: mean {self.live_mean or 0:.3f} over the last "
                f"{self.documents} documents against {self.reference_mean or 0:.3f} in the "
                f"training data, {-self.value:.1f} standard errors lower (at most "
                f"{-self.bound:.1f}); PSI {self.psi or 0:.2f}"
            )
        return (
            f"{self.doc_type} {self.signal}: {self.value:.0%} kept by reviewers over the last "
            f"{self.documents} reviewed documents, under {self.bound:.0%}"
        )

    def to_json(self) -> dict[str, Any]:
        """Return the figure as JSON (for the API and the dashboard)."""
        return {
            "signal": self.signal,
            "kind": self.kind,
            "value": round(self.value, 4),
            "bound": round(self.bound, 4),
            "documents": self.documents,
            "live_mean": None if self.live_mean is None else round(self.live_mean, 4),
            "reference_mean": (
                None if self.reference_mean is None else round(self.reference_mean, 4)
            ),
            "breached": self.breached,
            "psi": None if self.psi is None else round(self.psi, 4),
        }


def monitored_type(doc: Document) -> str:
    """Return the type a document is monitored as: a built-in type, or `custom:<name>`.

    Each type a user defined has figures and alarms of its own, as each built-in type does.
    """
    return type_hint(doc.doc_type, doc.custom_type) or doc.doc_type.value


def _parse_type(name: str) -> tuple[DocType | None, str | None]:
    """Return the type and user type's name of a monitored type (None: no longer known)."""
    try:
        return read_type_hint(name)
    except ValueError:  # `custom` alone: kept before user types had names of their own
        return (DocType.CUSTOM if name == DocType.CUSTOM.value else None), None


def observe(
    session: Session,
    workspace_id: str,
    document_id: str | None,
    doc: Document,
    reference: LiveReference | None,
    at: dt.datetime | None = None,
) -> DriftObservationRow:
    """Record what the monitor needs of one processed document (before any alarm holds it)."""
    row = DriftObservationRow(
        workspace_id=workspace_id,
        document_id=document_id,
        doc_type=monitored_type(doc),
        model_id=reference.model_id if reference else None,
        word_confidence=mean_word_confidence(doc.pages),
        field_confidence={name: f.confidence for name, f in doc.fields.items()},
        automated=bool(doc.decision and doc.decision.outcome == DecisionOutcome.AUTO_APPROVED),
        at=at or utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def restarted_at(session: Session, workspace_id: str, doc_type: str) -> dt.datetime | None:
    """Return when the type's figures restart: its last acknowledgement (None: never)."""
    return session.scalar(
        select(func.max(DriftAlarmRow.acknowledged_at)).where(
            DriftAlarmRow.workspace_id == workspace_id, DriftAlarmRow.doc_type == doc_type
        )
    )


def figures(
    session: Session,
    workspace_id: str,
    doc_type: str,
    policy: TypePolicy,
    reference: LiveReference | None,
) -> list[Figure]:
    """Return the type's rolling figures (see the module doc), each marked if breached."""
    bounds = policy.drift
    since = restarted_at(session, workspace_id, doc_type)
    out: list[Figure] = []
    if reference is not None:
        recent = _recent_observations(session, workspace_id, doc_type, reference, bounds, since)
        data = reference.reference
        words = [o.word_confidence for o in recent if o.word_confidence is not None]
        if data.get("version") != REFERENCE_VERSION:
            data = {}  # a reference of an older shape: no confidence figures
        if data.get(WORD_CONFIDENCE):
            out.append(
                _shift_figure(doc_type, WORD_CONFIDENCE, data[WORD_CONFIDENCE], words, bounds)
            )
        for name in policy.gating:
            expected = (data.get("fields") or {}).get(name)
            if expected:
                found = (o.field_confidence.get(name) for o in recent)
                values = [float(c) for c in found if c]
                out.append(
                    _shift_figure(doc_type, FIELD_CONFIDENCE + name, expected, values, bounds)
                )
    accuracy = (reference.reference.get("reviewed_accuracy") or {}) if reference else {}
    out += _accuracy_figures(session, workspace_id, doc_type, accuracy, bounds, since)
    share = _share_figure(session, workspace_id, doc_type, bounds, since)
    return out + ([share] if share else [])


def _share_figure(
    session: Session,
    workspace_id: str,
    doc_type: str,
    bounds: DriftPolicy,
    since: dt.datetime | None,
) -> Figure | None:
    """Compare the type's share of the latest `window` documents with the ones before them."""
    query = select(DriftObservationRow.doc_type).where(
        DriftObservationRow.workspace_id == workspace_id
    )
    if since is not None:
        query = query.where(DriftObservationRow.at > since)
    limit = bounds.window + bounds.mix_reference
    types = list(session.scalars(query.order_by(DriftObservationRow.id.desc()).limit(limit)))
    live, before = types[: bounds.window], types[bounds.window :]
    if not live or not before:
        return None
    k1, n1 = live.count(doc_type), len(live)
    k0, n0 = before.count(doc_type), len(before)
    p1, p0, pooled = k1 / n1, k0 / n0, (k1 + k0) / (n1 + n0)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    z = (p1 - p0) / spread if spread > 0 else 0.0
    breached = (
        n1 >= bounds.min_documents
        and n0 >= bounds.min_mix_reference
        and p1 - p0 >= bounds.min_share_rise
        and z > bounds.max_mix_z
    )
    return Figure(doc_type, TYPE_SHARE, "mix", z, bounds.max_mix_z, n1, p1, p0, breached)


def _recent_observations(
    session: Session,
    workspace_id: str,
    doc_type: str,
    reference: LiveReference,
    bounds: DriftPolicy,
    since: dt.datetime | None,
) -> list[DriftObservationRow]:
    query = select(DriftObservationRow).where(
        DriftObservationRow.workspace_id == workspace_id,
        DriftObservationRow.doc_type == doc_type,
        DriftObservationRow.model_id == reference.model_id,
    )
    if since is not None:
        query = query.where(DriftObservationRow.at > since)
    return list(session.scalars(query.order_by(DriftObservationRow.id.desc()).limit(bounds.window)))


def _shift_figure(
    doc_type: str, signal: str, expected: dict[str, Any], values: list[float], bounds: DriftPolicy
) -> Figure:
    """How far the live mean fell under the training mean, in standard errors (z).

    A mean, not the whole distribution, decides: over a window of 50 documents the
    population stability index of ten bins is noise-dominated (its expected value with no
    change at all is about 9/50), while the standard error of a mean is known.
    """
    n = len(values)
    live_mean = sum(values) / n if n else None
    reference_mean = float(expected["mean"])
    spread = max(float(expected.get("sd") or 0.0), MIN_SD)
    z = (live_mean - reference_mean) / (spread / math.sqrt(n)) if live_mean is not None else 0.0
    index = psi(expected["shares"], bin_shares(values, expected["edges"])) if n else 0.0
    breached = n >= bounds.min_documents and z < -bounds.max_drop_z
    return Figure(
        doc_type, signal, "shift", z, -bounds.max_drop_z, n,
        live_mean, reference_mean, breached, index,
    )  # fmt: skip


def _accuracy_figures(
    session: Session,
    workspace_id: str,
    doc_type: str,
    accuracy: dict[str, float],
    bounds: DriftPolicy,
    since: dt.datetime | None,
) -> list[Figure]:
    """Per field of the reference: the share reviewers kept among the latest reviewed."""
    if not accuracy:
        return []
    query = select(ReviewItem.confirmed_fields, ReviewItem.corrected_fields).where(
        ReviewItem.workspace_id == workspace_id,
        ReviewItem.doc_type == doc_type,
        ReviewItem.state == "approved",
    )
    if since is not None:
        query = query.where(ReviewItem.decided_at > since)
    reviewed = session.execute(query.order_by(ReviewItem.decided_at.desc()).limit(bounds.window))
    rows = [(set(confirmed or []), set(corrected or [])) for confirmed, corrected in reviewed]
    out = []
    for name, expected in sorted(accuracy.items()):
        seen = [(name in confirmed and name not in corrected) for confirmed, corrected in rows
                if name in confirmed or name in corrected]  # fmt: skip
        if not seen:
            continue
        value = sum(seen) / len(seen)
        bound = max(0.0, expected - bounds.max_accuracy_drop)
        breached = len(seen) >= bounds.min_reviewed and value < bound
        out.append(
            Figure(doc_type, REVIEWED_ACCURACY + name, "accuracy", value, bound, len(seen),
                   breached=breached)
        )  # fmt: skip
    return out


def open_alarms(
    session: Session, workspace_ids: Collection[str], doc_type: str | None = None
) -> list[DriftAlarmRow]:
    """Return the workspaces' open alarms, oldest first (of one type if `doc_type`)."""
    query = select(DriftAlarmRow).where(
        DriftAlarmRow.workspace_id.in_(list(workspace_ids)),
        DriftAlarmRow.acknowledged_at.is_(None),
    )
    if doc_type is not None:
        query = query.where(DriftAlarmRow.doc_type == doc_type)
    return list(session.scalars(query.order_by(DriftAlarmRow.raised_at, DriftAlarmRow.id)))


def raise_alarms(
    session: Session,
    workspace_id: str,
    document_id: str | None,
    breached: Iterable[Figure],
    model_id: str | None,
    at: dt.datetime | None = None,
) -> list[DriftAlarmRow]:
    """Open an alarm for each breached signal that has none open; return the new ones.

    Each new alarm is audited (`drift.alarm`); together they make one `model.drift`
    webhook event, sent with the document whose arrival raised them.
    """
    at = at or utcnow()
    new: list[DriftAlarmRow] = []
    open_signals: dict[str, set[str]] = {}
    for figure in breached:
        if figure.doc_type not in open_signals:
            already = open_alarms(session, [workspace_id], figure.doc_type)
            open_signals[figure.doc_type] = {a.signal for a in already}
        if figure.signal in open_signals[figure.doc_type]:
            continue
        open_signals[figure.doc_type].add(figure.signal)
        alarm = DriftAlarmRow(
            workspace_id=workspace_id, doc_type=figure.doc_type, signal=figure.signal,
            value=figure.value, bound=figure.bound, message=figure.message(),
            model_id=model_id, document_id=document_id, documents=figure.documents,
            raised_at=at,
        )  # fmt: skip
        session.add(alarm)
        session.flush()
        session.add(
            AuditEvent(
                document_id=None, submission_id=None, workspace_id=workspace_id,
                actor_kind="system", actor_id="drift-monitor", action=ALARM_ACTION,
                field=figure.signal, old_value=None, new_value=alarm_json(alarm), at=at,
            )
        )  # fmt: skip
        new.append(alarm)
    if new and document_id is not None:
        payload = {"workspace_id": workspace_id, "alarms": [alarm_json(a) for a in new]}
        record_drift_event(session, workspace_id, document_id, payload)
    return new


def alarm_json(alarm: DriftAlarmRow) -> dict[str, Any]:
    """Return an alarm as JSON (webhooks, API, audit)."""
    return {
        "id": alarm.id,
        "doc_type": alarm.doc_type,
        "signal": alarm.signal,
        "value": round(alarm.value, 4),
        "bound": round(alarm.bound, 4),
        "message": alarm.message,
        "model_id": alarm.model_id,
        "document_id": alarm.document_id,
        "documents": alarm.documents,
        "raised_at": alarm.raised_at.isoformat(),
        "acknowledged_at": alarm.acknowledged_at.isoformat() if alarm.acknowledged_at else None,
        "acknowledged_by": alarm.acknowledged_by,
        "acknowledge_note": alarm.acknowledge_note,
    }


def hold_while_drifting(doc: Document, alarms: list[DriftAlarmRow], policy: TypePolicy) -> None:
    """Send an automatically approved document to a person while its type has open alarms.

    Only when the type's policy says `tighten`; the finding names the alarms, so the
    reviewer and the decision's reasons say why.
    """
    if not alarms or not policy.drift.tighten:
        return
    signals = ", ".join(a.signal for a in alarms)
    finding = Finding(
        id="drift-alarm-1",
        rule_id=DRIFT_RULE,
        severity=Severity.ERROR,
        passed=False,
        message=(
            f"drift alarm open for {monitored_type(doc)} ({signals}): a person checks each "
            "document until the alarm is acknowledged"
        ),
    )
    hold_for_findings(doc, [finding])


def monitor(
    session: Session,
    workspace_id: str,
    document_id: str | None,
    doc: Document,
    policy: TypePolicy,
    reference: LiveReference | None,
) -> list[DriftAlarmRow]:
    """Observe a document, compare, alarm, and hold it if drifting (the worker's one call).

    Runs in the transaction that stores the result, before it is stored, so the document
    that tips a figure over is itself held. Returns the alarms newly raised.
    """
    observe(session, workspace_id, document_id, doc, reference)
    if not policy.drift.enabled:
        return []
    key = monitored_type(doc)
    breached = [
        f for f in figures(session, workspace_id, key, policy, reference) if f.breached
    ]  # fmt: skip
    model_id = reference.model_id if reference else None
    new = raise_alarms(session, workspace_id, document_id, breached, model_id)
    hold_while_drifting(doc, open_alarms(session, [workspace_id], key), policy)
    return new


def acknowledge(
    session: Session,
    workspace_ids: Collection[str],
    alarm_id: str,
    by: str,
    note: str = "",
    at: dt.datetime | None = None,
) -> list[DriftAlarmRow]:
    """Acknowledge an alarm and the other open alarms of its type; return those closed.

    The type's figures restart from now. Audited (`drift.acknowledged`) with who and the
    note. Raises `NotFoundError` for an alarm outside `workspace_ids` and
    `InvalidRequestError` for one acknowledged already or a note over `MAX_NOTE` characters.
    """
    alarm = session.get(DriftAlarmRow, alarm_id)
    if alarm is None or alarm.workspace_id not in workspace_ids:
        raise NotFoundError(f"no drift alarm {alarm_id!r}")
    if alarm.acknowledged_at is not None:
        raise InvalidRequestError(f"drift alarm {alarm_id!r} was acknowledged already")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise InvalidRequestError(f"a note has at most {MAX_NOTE} characters")
    at = at or utcnow()
    closed = open_alarms(session, [alarm.workspace_id], alarm.doc_type)
    for row in closed:
        row.acknowledged_at, row.acknowledged_by, row.acknowledge_note = at, by, note or None
    session.add(
        AuditEvent(
            document_id=None, submission_id=None, workspace_id=alarm.workspace_id,
            actor_kind="person", actor_id=by, action=ACKNOWLEDGED_ACTION, field=alarm.doc_type,
            old_value=None, new_value={"alarms": [r.id for r in closed], "note": note or None},
            at=at,
        )
    )  # fmt: skip
    session.flush()
    return closed


@dataclass(frozen=True)
class DayFigures:
    """One day of a document type in a workspace: documents read and how many went through."""

    day: dt.date
    documents: int
    automated: int

    @property
    def automation_rate(self) -> float:
        """Share of the day's documents approved without a person."""
        return self.automated / self.documents if self.documents else 0.0


def automation_by_day(
    session: Session, workspace_id: str, doc_type: str, days: int = 30
) -> list[DayFigures]:
    """Return the type's automation per day over the last `days` days (days with documents)."""
    start = utcnow() - dt.timedelta(days=days)
    rows = session.execute(
        select(DriftObservationRow.at, DriftObservationRow.automated).where(
            DriftObservationRow.workspace_id == workspace_id,
            DriftObservationRow.doc_type == doc_type,
            DriftObservationRow.at >= start,
        )
    )
    per_day: dict[dt.date, list[int]] = {}
    for at, automated in rows:
        counts = per_day.setdefault(at.date(), [0, 0])
        counts[0] += 1
        counts[1] += int(bool(automated))
    return [DayFigures(day, n, auto) for day, (n, auto) in sorted(per_day.items())]


def monitored_types(session: Session, workspace_id: str) -> list[str]:
    """Return the document types the workspace has observations of."""
    return list(
        session.scalars(
            select(DriftObservationRow.doc_type)
            .where(DriftObservationRow.workspace_id == workspace_id)
            .distinct()
            .order_by(DriftObservationRow.doc_type)
        )
    )


def status(
    session: Session,
    workspace_id: str,
    policy: DecisionPolicy,
    references: Callable[[str], LiveReference | None],
    days: int = 30,
    user_types: Callable[[str], TypeSpec | None] | None = None,
) -> dict[str, Any]:
    """Return the workspace's monitor as JSON (what `GET /v1/drift` answers).

    Per type its figures and automation per day; the alarms open or raised in the last
    `days` days, newest first. `user_types` looks up the definition of a type users
    defined, whose gating fields its figures follow (as when its documents are processed).
    """
    types = []
    for name in monitored_types(session, workspace_id):
        doc_type, custom_type = _parse_type(name)
        if doc_type is None:
            continue
        spec = user_types(custom_type) if user_types and custom_type else None
        type_policy = policy.for_user_type(spec) if spec else policy.for_type(doc_type)
        reference = references(name)
        types.append(
            {
                "doc_type": name,
                "model_id": reference.model_id if reference else None,
                "has_reference": reference is not None,
                "figures": [
                    f.to_json()
                    for f in figures(session, workspace_id, name, type_policy, reference)
                ],
                "automation_by_day": [
                    {
                        "day": d.day.isoformat(),
                        "documents": d.documents,
                        "automated": d.automated,
                        "automation_rate": round(d.automation_rate, 4),
                    }
                    for d in automation_by_day(session, workspace_id, name, days)
                ],
            }
        )
    start = utcnow() - dt.timedelta(days=days)
    alarms = session.scalars(
        select(DriftAlarmRow)
        .where(DriftAlarmRow.workspace_id == workspace_id)
        .where((DriftAlarmRow.acknowledged_at.is_(None)) | (DriftAlarmRow.raised_at >= start))
        .order_by(DriftAlarmRow.raised_at.desc())
    )
    return {"types": types, "alarms": [alarm_json(a) for a in alarms]}
