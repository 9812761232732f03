"""Shadow evaluation: a candidate model reads live documents beside the live one.

While a model runs in shadow (`Registry.start_shadow`), the worker has it read each
document of its type again from the same pages and decide under the same policy
(`pipeline.run.read_again`). Both readings are kept (`shadow_readings`); nothing the shadow
reads reaches the result, the webhooks or the review queue, and a shadow that fails is
logged and skipped. `report` shows, over a caller's workspaces, how often the two models agree, how
often each would have sent the document straight through and, on the documents a person
has reviewed since, how many fields each got right — the evidence a person needs before
promoting the candidate (`Registry.promote_by`).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from paperclerk.learning.loader import ShadowReader
from paperclerk.model import DecisionOutcome, Document
from paperclerk.model.fields import value_text
from paperclerk.pipeline.policy import DecisionPolicy
from paperclerk.pipeline.run import read_again
from paperclerk.storage.columns import utcnow
from paperclerk.storage.tables import ShadowReadingRow, TrainingExampleRow

log = logging.getLogger(__name__)

MAX_READINGS = 5000
"""The latest readings a report counts (older ones stay stored)."""


def field_readings(doc: Document) -> dict[str, dict[str, Any]]:
    """Return each field's value as text (None: not found) and its confidence."""
    return {
        name: {"value": value_text(f.value) or None, "confidence": round(f.confidence, 4)}
        for name, f in sorted(doc.fields.items())
    }


def _comparable(text: str | None) -> str | Decimal | None:
    if text is None or not text.strip():
        return None
    try:
        return Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        return " ".join(text.casefold().split())


def same_value(a: str | None, b: str | None) -> bool:
    """Say whether two field values as text are the same value.

    Amounts compare as numbers, other text after folding case and spaces; an empty value
    equals only another empty one.
    """
    return _comparable(a) == _comparable(b)


def _value(readings: dict[str, Any], name: str) -> str | None:
    entry = readings.get(name)
    return entry.get("value") if isinstance(entry, dict) else None


def _automated(doc: Document) -> bool:
    return bool(doc.decision and doc.decision.outcome == DecisionOutcome.AUTO_APPROVED)


def read_in_shadow(
    workspace_id: str,
    document_id: str,
    doc: Document,
    shadow: ShadowReader,
    policy: DecisionPolicy | None,
) -> ShadowReadingRow | None:
    """Read an analysed document with the shadow model too; return both readings as a row.

    `doc` is the live result, which stays as it is. The caller stores the row with the
    result, outside the time this takes. None when the shadow model is not for this type
    or failed (logged; the document goes on).
    """
    if shadow.extractor.doc_type != doc.doc_type:
        return None
    started = time.perf_counter()
    try:
        other = read_again(doc, shadow.extractor, policy)
    except Exception:  # a candidate's bug must never cost a live document
        log.exception("shadow model %s failed on document %s", shadow.model_id, document_id)
        return None
    live, theirs = field_readings(doc), field_readings(other)
    names = set(live) | set(theirs)
    row = ShadowReadingRow(
        workspace_id=workspace_id,
        document_id=document_id,
        doc_type=doc.doc_type.value,
        model_id=shadow.model_id,
        live_model=str(doc.model_versions.get("extract", ""))[:200],
        live_fields=live,
        shadow_fields=theirs,
        live_automated=_automated(doc),
        shadow_automated=_automated(other),
        agreed=all(same_value(_value(live, n), _value(theirs, n)) for n in names),
        seconds=round(time.perf_counter() - started, 4),
        at=utcnow(),
    )
    return row


@dataclass
class Tally:
    """Counts of one field (or of all fields together) in a shadow report."""

    compared: int = 0
    agreed: int = 0
    reviewed: int = 0
    live_right: int = 0
    shadow_right: int = 0

    def to_json(self) -> dict[str, Any]:
        """Return the counts and their shares (None where nothing was counted)."""

        def share(part: int, whole: int) -> float | None:
            return round(part / whole, 4) if whole else None

        return {
            "compared": self.compared,
            "agreement": share(self.agreed, self.compared),
            "reviewed": self.reviewed,
            "live_accuracy": share(self.live_right, self.reviewed),
            "shadow_accuracy": share(self.shadow_right, self.reviewed),
        }


@dataclass
class ShadowReport:
    """How a shadow model compared with the live one on a workspace's documents."""

    model_id: str
    documents: int = 0
    agreed_documents: int = 0
    live_automated: int = 0
    shadow_automated: int = 0
    reviewed_documents: int = 0
    median_seconds: float | None = None
    first_at: dt.datetime | None = None
    last_at: dt.datetime | None = None
    live_models: list[str] = field(default_factory=list)
    fields: dict[str, Tally] = field(default_factory=dict)
    overall: Tally = field(default_factory=Tally)

    def to_json(self) -> dict[str, Any]:
        """Return the report as JSON (the API's and the models page's)."""

        def rate(part: int) -> float | None:
            return round(part / self.documents, 4) if self.documents else None

        return {
            "model_id": self.model_id,
            "documents": self.documents,
            "agreement": rate(self.agreed_documents),
            "live_automation_rate": rate(self.live_automated),
            "shadow_automation_rate": rate(self.shadow_automated),
            "reviewed_documents": self.reviewed_documents,
            "median_seconds": self.median_seconds,
            "first_at": self.first_at.isoformat() if self.first_at else None,
            "last_at": self.last_at.isoformat() if self.last_at else None,
            "live_models": self.live_models,
            "fields": {name: tally.to_json() for name, tally in sorted(self.fields.items())},
            "overall": self.overall.to_json(),
        }


def _reviewed_values(session: Session, document_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Return what a person confirmed of each document (its training example's fields)."""
    ids = list(document_ids)
    out: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        # Only the values: an example also holds every word of its pages.
        fields = TrainingExampleRow.example["fields"]
        rows = session.execute(
            select(TrainingExampleRow.document_id, fields)
            .where(TrainingExampleRow.document_id.in_(ids[start : start + 500]))
            .order_by(TrainingExampleRow.id)
        )
        for document_id, values in rows:
            out[document_id] = dict(values or {})
    return out


def report(session: Session, workspace_ids: Sequence[str], model_id: str) -> ShadowReport:
    """Compare a shadow model with the live one on the workspaces' latest readings.

    Agreement counts every field either model read; accuracy counts, on the documents a
    person has approved since, every field the person confirmed or either model read,
    against the person's value.
    """
    rows = list(
        session.scalars(
            select(ShadowReadingRow)
            .where(
                ShadowReadingRow.workspace_id.in_(list(workspace_ids)),
                ShadowReadingRow.model_id == model_id,
            )
            .order_by(ShadowReadingRow.id.desc())
            .limit(MAX_READINGS)
        )
    )
    out = ShadowReport(model_id=model_id, documents=len(rows))
    if not rows:
        return out
    truth = _reviewed_values(session, (r.document_id for r in rows))
    seconds = sorted(r.seconds for r in rows)
    out.median_seconds = round(seconds[len(seconds) // 2], 4)
    out.first_at, out.last_at = rows[-1].at, rows[0].at
    out.live_models = sorted({r.live_model for r in rows})
    for row in rows:
        out.agreed_documents += row.agreed
        out.live_automated += row.live_automated
        out.shadow_automated += row.shadow_automated
        confirmed = truth.get(row.document_id)
        out.reviewed_documents += confirmed is not None
        names = set(row.live_fields) | set(row.shadow_fields) | set(confirmed or {})
        for name in names:
            tally = out.fields.setdefault(name, Tally())
            live, theirs = _value(row.live_fields, name), _value(row.shadow_fields, name)
            counts = [tally, out.overall]
            if live is not None or theirs is not None:
                agreed = same_value(live, theirs)
                for t in counts:
                    t.compared += 1
                    t.agreed += agreed
            if confirmed is not None:
                expected = confirmed.get(name)
                if expected is None and live is None and theirs is None:
                    continue
                for t in counts:
                    t.reviewed += 1
                    t.live_right += same_value(live, expected)
                    t.shadow_right += same_value(theirs, expected)
    return out
