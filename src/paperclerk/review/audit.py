"""The audit trail: every change to a document, by model, rule, memory, person or system.

None of these functions commits: an audit entry is written in the same transaction as the
change it describes, so the trail can never miss a change or describe one that was rolled
back.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from paperclerk.model import Document, FieldSource
from paperclerk.model.fields import value_text
from paperclerk.model.personal import has_personal_fields
from paperclerk.storage.columns import utcnow
from paperclerk.storage.tables import AuditEvent


class Actor(StrEnum):
    """Who made a change."""

    MODEL = "model"
    RULE = "rule"
    MEMORY = "memory"
    PERSON = "person"
    SYSTEM = "system"


_FROM_SOURCE = {
    FieldSource.MODEL: Actor.MODEL,
    FieldSource.RULE: Actor.RULE,
    FieldSource.MEMORY: Actor.MEMORY,
    FieldSource.HUMAN: Actor.PERSON,
    FieldSource.E_INVOICE: Actor.SYSTEM,
}


class AuditEntry(BaseModel):
    """One audit entry as the API and the document page show it."""

    id: int
    document_id: str
    actor_kind: Actor
    actor_id: str | None
    action: str
    field: str | None
    old_value: Any
    new_value: Any
    at: dt.datetime


def record(
    session: Session,
    document_id: str,
    workspace_id: str,
    actor: Actor,
    action: str,
    *,
    actor_id: str | None = None,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
    at: dt.datetime | None = None,
) -> None:
    """Add one audit entry (values must be JSON: text, numbers, lists, dicts or None)."""
    session.add(
        AuditEvent(
            document_id=document_id,
            workspace_id=workspace_id,
            actor_kind=actor.value,
            actor_id=actor_id,
            action=action,
            field=field,
            old_value=old,
            new_value=new,
            at=at or utcnow(),
        )
    )


PERSONAL_READ = "personal.read"
"""The action of an entry recording that someone was shown a document's personal values."""


def record_personal_read(
    session: Session,
    document_id: str,
    workspace_id: str,
    doc_type: str | None,
    actor: Actor,
    actor_id: str | None,
    what: str,
) -> bool:
    """Record that a person or an API key was shown a document's personal values.

    Only documents of a type with personal fields (identity documents, payslips, bank
    statements...) are recorded, so a regulator can be told who saw a holder's data and
    when. `what` says what was shown ("result", "page 0", "review screen"). Returns whether
    an entry was added; the caller commits.
    """
    if not has_personal_fields(doc_type):
        return False
    record(session, document_id, workspace_id, actor, PERSONAL_READ,
           actor_id=actor_id, new={"shown": what})  # fmt: skip
    return True


def _last_values(session: Session, document_id: str) -> dict[str, Any]:
    """Return the latest recorded value of each field of a document (before a new result)."""
    stmt = (
        select(AuditEvent.field, AuditEvent.new_value)
        .where(AuditEvent.document_id == document_id, AuditEvent.field.is_not(None))
        .order_by(AuditEvent.id)
    )
    return {str(name): value for name, value in session.execute(stmt)}


def record_result(session: Session, document_id: str, workspace_id: str, doc: Document) -> None:
    """Record what the pipeline produced: fields with their source, line items, the decision.

    The actor id is the version of the model that extracted the fields, so a wrong value
    can be traced to the model release that produced it. For a reprocessed document the old
    value is the one recorded before, and a field the new result lacks is recorded as gone.
    """
    version = doc.model_versions.get("extract") or doc.model_versions.get("classify")
    before = _last_values(session, document_id)
    now = utcnow()

    def add(actor: Actor, action: str, field: str, new: Any, actor_id: str | None) -> None:
        record(session, document_id, workspace_id, actor, action, actor_id=actor_id,
               field=field, old=before.get(field), new=new, at=now)  # fmt: skip

    add(Actor.MODEL, "classify", "doc_type", doc.doc_type.value, doc.model_versions.get("classify"))
    for name, f in doc.fields.items():
        actor = _FROM_SOURCE.get(f.source, Actor.MODEL)
        add(actor, "extract", name, value_text(f.value), version)
    skip = {"doc_type", "line_items", "decision", *doc.fields}
    for name, value in before.items():
        if name not in skip and value is not None:
            add(Actor.MODEL, "extract", name, None, version)
    if doc.line_items or before.get("line_items"):
        rows = [{k: value_text(c.value) for k, c in it.fields.items()} for it in doc.line_items]
        add(Actor.MODEL, "extract", "line_items", rows, version)
    if doc.decision is not None:
        decision = {"outcome": doc.decision.outcome.value, "reasons": doc.decision.reasons}
        add(Actor.RULE, "decide", "decision", decision, version)


def list_entries(session: Session, document_id: str) -> list[AuditEntry]:
    """Return a document's audit entries, oldest first (the caller checks the workspace)."""
    stmt = select(AuditEvent).where(AuditEvent.document_id == document_id)
    return [
        AuditEntry(
            id=e.id,
            document_id=e.document_id,
            actor_kind=Actor(e.actor_kind),
            actor_id=e.actor_id,
            action=e.action,
            field=e.field,
            old_value=e.old_value,
            new_value=e.new_value,
            at=e.at,
        )
        for e in session.scalars(stmt.order_by(AuditEvent.id))
    ]
