"""A reviewer's decision: approve with corrections, or reject with a reason.

Each runs in the caller's transaction and writes everything that belongs to the decision
together: the corrected result, the audit entries (the model's values stay there as the
old values), the review state, the webhook events and, on approval, the training example.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from paperclerk.errors import PaperclerkError
from paperclerk.learning.dataset import TrainingExample
from paperclerk.model import Decision, DecisionOutcome, Document
from paperclerk.pipeline.policy import TypePolicy
from paperclerk.review.audit import Actor, record
from paperclerk.review.corrections import Checked, Correction, Problem, check
from paperclerk.review.queue import claim
from paperclerk.review.schema import form_fields, retype, value_text
from paperclerk.storage.columns import DocumentStatus, utcnow
from paperclerk.storage.errors import ConflictError, InvalidRequestError, NotFoundError
from paperclerk.storage.policies import effective_policy
from paperclerk.storage.tables import DocumentRow, ReviewItem, TrainingExampleRow
from paperclerk.webhooks.registry import record_events

MAX_REASON = 1000


class BlockingProblemsError(PaperclerkError):
    """Approval refused: some values are invalid or a blocking rule fails."""

    code = "blocking_problems"
    http_status = 422

    def __init__(self, problems: list[Problem]) -> None:
        text = "; ".join(f"{p.field}: {p.message}" for p in problems[:10])
        super().__init__(f"cannot approve: {text}")
        self.problems = problems


@dataclass(frozen=True)
class Reviewer:
    """The person deciding, and the workspaces they may work in."""

    id: str
    email: str
    workspace_ids: tuple[str, ...]


@dataclass(frozen=True)
class Approved:
    """What an approval stored: the corrected document and its training example."""

    document: Document
    example: TrainingExample
    corrected: list[str]


def load(session: Session, document_id: str, workspace_ids: tuple[str, ...]) -> Document:
    """Return the stored result of a document the reviewer may see; NotFound otherwise."""
    row = session.get(DocumentRow, document_id)
    if row is None or row.workspace_id not in workspace_ids or row.result is None:
        raise NotFoundError(f"no reviewable document {document_id}")
    return retype(Document.model_validate(row.result))


def type_policy(session: Session, document_id: str, doc: Document) -> TypePolicy:
    """Return the decision policy of the document's type in the document's workspace.

    The review screen's check and `approve` use it, so a field the workspace's policy
    requires can be left empty neither in the browser nor on the server.
    """
    row = session.get(DocumentRow, document_id)
    workspace = row.workspace_id if row is not None else doc.workspace
    return effective_policy(session, workspace).for_type(doc.doc_type)


def _settled(session: Session, document_id: str) -> None:
    """Refuse a decision while the document is being processed again (its result would go)."""
    row = session.get(DocumentRow, document_id)
    if row is not None and row.status != DocumentStatus.DONE:
        raise ConflictError("the document is being processed again; open it when it is done")


def _take(session: Session, reviewer: Reviewer, document_id: str, now: dt.datetime) -> ReviewItem:
    """Make sure the reviewer holds the document's claim (taking it if free); lock the row."""
    if not claim(session, reviewer.id, document_id, reviewer.workspace_ids, now=now):
        item = session.get(ReviewItem, document_id)
        if item is None or item.workspace_id not in reviewer.workspace_ids:
            raise NotFoundError(f"no reviewable document {document_id}")
        if item.state != "pending":
            raise ConflictError(f"the document was already decided ({item.state})")
        raise ConflictError("another reviewer is working on this document")
    item = session.get(ReviewItem, document_id, populate_existing=True)
    assert item is not None
    return item


def _store(session: Session, document_id: str, doc: Document, now: dt.datetime) -> DocumentRow:
    row = session.get(DocumentRow, document_id)
    assert row is not None
    row.result = doc.model_dump(mode="json")
    row.updated_at = now
    return row


def _example(doc: Document) -> TrainingExample:
    """Return the confirmed document as a training example (None = confirmed absent)."""
    names = form_fields(doc)
    fields = {n: (value_text(doc.fields[n].value) if n in doc.fields else None) for n in names}
    words = {
        n: f.provenance.word_ids
        for n, f in doc.fields.items()
        if f.provenance and f.provenance.word_ids
    }
    return TrainingExample(
        id=f"review/{doc.id}",
        doc_type=doc.doc_type,
        pages=doc.pages,
        fields=fields,
        field_words=words,
        source="review",
        document_sha256=doc.sha256,
    )


def approve(
    session: Session,
    reviewer: Reviewer,
    document_id: str,
    correction: Correction,
    *,
    now: dt.datetime | None = None,
) -> Approved:
    """Approve a document with the reviewer's corrections; refuse while a problem blocks.

    The required fields are those of the workspace's policy for the document's type.
    Raises `BlockingProblemsError` (nothing stored), `ConflictError` when another reviewer
    holds it or it was decided already, `NotFoundError` outside the reviewer's workspaces.
    """
    now = now or utcnow()
    item = _take(session, reviewer, document_id, now)
    _settled(session, document_id)
    before = load(session, document_id, reviewer.workspace_ids)
    policy = effective_policy(session, item.workspace_id).for_type(before.doc_type)
    checked: Checked = check(before, correction, policy)
    if checked.blocking:
        raise BlockingProblemsError(checked.blocking)
    doc = checked.document
    previous = before.decision or Decision(outcome=DecisionOutcome.NEEDS_REVIEW)
    doc.decision = previous.model_copy(
        update={
            "outcome": DecisionOutcome.APPROVED,
            "decided_by": reviewer.email,
            "decided_at": now,
        }
    )
    ws = item.workspace_id
    for name, (old, new) in checked.changed.items():
        record(
            session,
            document_id,
            ws,
            Actor.PERSON,
            "correct",
            actor_id=reviewer.id,
            field=name,
            old=old or None,
            new=new or None,
            at=now,
        )
    record(
        session,
        document_id,
        ws,
        Actor.PERSON,
        "approve",
        actor_id=reviewer.id,
        field="decision",
        old=previous.outcome.value,
        new="approved",
        at=now,
    )
    _store(session, document_id, doc, now)
    example = _example(doc)
    item.state = "approved"
    item.decided_by, item.decided_at = reviewer.id, now
    item.claimed_by = item.claimed_until = None
    item.confirmed_fields = sorted(n for n, v in example.fields.items() if v is not None)
    item.corrected_fields = sorted(checked.changed)
    session.add(
        TrainingExampleRow(
            document_id=document_id,
            workspace_id=ws,
            doc_type=doc.doc_type.value,
            example=example.model_dump(mode="json"),
            user_id=reviewer.id,
            created_at=now,
        )
    )
    record_events(session, document_id, ws, "approved")
    session.flush()
    return Approved(doc, example, sorted(checked.changed))


def reject(
    session: Session,
    reviewer: Reviewer,
    document_id: str,
    reason: str,
    *,
    now: dt.datetime | None = None,
) -> Document:
    """Reject a document with a reason a person wrote (required)."""
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidRequestError("give a reason to reject the document")
    if len(reason) > MAX_REASON:
        raise InvalidRequestError(f"the reason is longer than {MAX_REASON} characters")
    now = now or utcnow()
    item = _take(session, reviewer, document_id, now)
    _settled(session, document_id)
    doc = load(session, document_id, reviewer.workspace_ids)
    previous = doc.decision or Decision(outcome=DecisionOutcome.NEEDS_REVIEW)
    doc.decision = previous.model_copy(
        update={
            "outcome": DecisionOutcome.REJECTED,
            "reasons": [*previous.reasons, reason],
            "decided_by": reviewer.email,
            "decided_at": now,
        }
    )
    record(
        session,
        document_id,
        item.workspace_id,
        Actor.PERSON,
        "reject",
        actor_id=reviewer.id,
        field="decision",
        old=previous.outcome.value,
        new=reason,
        at=now,
    )
    _store(session, document_id, doc, now)
    item.state = "rejected"
    item.decided_by, item.decided_at = reviewer.id, now
    item.claimed_by = item.claimed_until = None
    item.reject_reason = reason
    record_events(session, document_id, item.workspace_id, "rejected")
    session.flush()
    return doc
