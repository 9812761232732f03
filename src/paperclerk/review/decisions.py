"""A reviewer's decision: approve with corrections, reject with a reason, or reopen one.

Each runs in the caller's transaction and writes everything that belongs to the decision
together: the corrected result, the audit entries (the model's values stay there as the
old values), the review state, the webhook events and, on approval, the training example.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from paperclerk.datasets.dataset import TrainingExample
from paperclerk.errors import PaperclerkError
from paperclerk.learning.user_types import UserTypes
from paperclerk.model import Decision, DecisionOutcome, Document, type_hint
from paperclerk.model.fields import value_text
from paperclerk.pipeline.policy import TypePolicy
from paperclerk.pipeline.run import type_policy_of
from paperclerk.review.audit import Actor, record
from paperclerk.review.corrections import Checked, Correction, Problem, check
from paperclerk.review.learning import teach_after_commit
from paperclerk.review.queue import CLAIM_SECONDS, PENDING, claim
from paperclerk.review.schema import defined_fields, form_fields, retype
from paperclerk.storage.columns import DocumentStatus, utcnow
from paperclerk.storage.documents import check_not_purged
from paperclerk.storage.errors import ConflictError, InvalidRequestError, NotFoundError
from paperclerk.storage.invoice_keys import index_invoice
from paperclerk.storage.policies import effective_policy
from paperclerk.storage.tables import DocumentRow, ReviewItem, TrainingExampleRow
from paperclerk.webhooks.registry import record_events

MAX_REASON = 1000
DECIDED_STATES = ("approved", "rejected", "auto")
"""Review states of a decided document: by a reviewer, or automatically by the pipeline."""
_OUTCOMES = {
    "approved": DecisionOutcome.APPROVED,
    "rejected": DecisionOutcome.REJECTED,
    "auto": DecisionOutcome.AUTO_APPROVED,
}
REOPENED = "reopened"
"""The reason code (`Decision.reason_codes`) of a document put back in the queue."""
ApprovedHook = Callable[[Session, str, str, Document], None]
APPROVED_HOOKS: list[ApprovedHook] = []
"""Called with (session, document id, workspace id, document) in a reviewer's approval's
transaction; a use-case slice (review may not import one) registers with `on_approved`."""


def on_approved(hook: ApprovedHook) -> None:
    """Register a hook run in every reviewer approval's transaction (once, however often).

    The payables slice starts an invoice's payment approval this way.
    """
    if hook not in APPROVED_HOOKS:
        APPROVED_HOOKS.append(hook)


ReopenedHook = Callable[[Session, str, str, str, str], None]
REOPENED_HOOKS: list[ReopenedHook] = []
"""Called with (session, document id, workspace id, previous review state, reason) in a
reopen's transaction, before the document's generation goes up; registered with
`on_reopened`."""


def on_reopened(hook: ReopenedHook) -> None:
    """Register a hook run in every reopen's transaction (once, however often).

    The payables slice withdraws an invoice's payment approval this way: data taken back
    for review must not stay approved for payment.
    """
    if hook not in REOPENED_HOOKS:
        REOPENED_HOOKS.append(hook)


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


def type_policy(
    session: Session, document_id: str, doc: Document, types: UserTypes | None = None
) -> TypePolicy:
    """Return the decision policy of the document's type in the document's workspace.

    The review screen's check and `approve` use it, so a field the workspace's policy
    requires can be left empty neither in the browser nor on the server. A document of a
    user-defined type gets its type's required fields from the definition in `types`.
    """
    row = session.get(DocumentRow, document_id)
    workspace = row.workspace_id if row is not None else doc.workspace
    return type_policy_of(doc, effective_policy(session, workspace), types)


def _settled(session: Session, document_id: str) -> None:
    """Refuse a decision while the document is being processed again (its result would go).

    A purged document (its original deleted under the workspace's retention) is refused
    too (410 `purged`): there is nothing left to review.
    """
    row = session.get(DocumentRow, document_id)
    if row is not None:
        check_not_purged(row)
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
    index_invoice(session, document_id, row.result)
    return row


def _example(
    doc: Document, changed: dict[str, tuple[str, str]], defined: list[str]
) -> TrainingExample:
    """Return the confirmed document as a training example (None = confirmed absent).

    The fields the reviewer changed are marked `corrected` with the value they had, so
    the counterparty memory lets the correction outrank earlier confirmations. `defined`
    are the fields of a user-defined type: each is confirmed, found or absent.
    """
    names = form_fields(doc, defined)
    fields = {n: (value_text(doc.fields[n].value) if n in doc.fields else None) for n in names}
    corrected = {n: (old or None) for n, (old, _) in changed.items() if n in fields}
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
        corrected=corrected,
    )


def approve(
    session: Session,
    reviewer: Reviewer,
    document_id: str,
    correction: Correction,
    *,
    data_dir: Path | None,
    now: dt.datetime | None = None,
) -> Approved:
    """Approve a document with the reviewer's corrections; refuse while a problem blocks.

    Whatever calls it, the approval teaches the counterparty memory of `data_dir` once the
    caller's transaction commits (`review.learning.teach_after_commit`; nothing if it rolls
    back); `data_dir=None` is for callers without a data folder (tests, tools).
    The required fields are those of the workspace's policy for the document's type.
    Every failing rule the reviewer acknowledged (`correction.acknowledged`) is audited
    with the reason given. Raises `BlockingProblemsError` (nothing stored), `ConflictError`
    when another reviewer holds it or it was decided already, `NotFoundError` outside the
    reviewer's workspaces.
    """
    now = now or utcnow()
    item = _take(session, reviewer, document_id, now)
    _settled(session, document_id)
    before = load(session, document_id, reviewer.workspace_ids)
    types = UserTypes(data_dir / "models") if data_dir is not None else None
    policy = type_policy_of(before, effective_policy(session, item.workspace_id), types)
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
    for rule_id, reason in checked.acknowledged.items():
        record(
            session,
            document_id,
            ws,
            Actor.PERSON,
            "acknowledge",
            actor_id=reviewer.id,
            new={"rule": rule_id, "reason": reason},
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
    example = _example(doc, checked.changed, defined_fields(doc, types))
    item.state = "approved"
    item.decided_by, item.decided_at = reviewer.id, now
    item.claimed_by = item.claimed_until = None
    item.confirmed_fields = sorted(n for n, v in example.fields.items() if v is not None)
    item.corrected_fields = sorted(checked.changed)
    session.add(
        TrainingExampleRow(
            document_id=document_id,
            workspace_id=ws,
            doc_type=type_hint(doc.doc_type, doc.custom_type) or doc.doc_type.value,
            example=example.model_dump(mode="json"),
            user_id=reviewer.id,
            created_at=now,
        )
    )
    record_events(session, document_id, ws, "approved", decided_only=True)
    for hook in APPROVED_HOOKS:
        hook(session, document_id, ws, doc)
    session.flush()
    if data_dir is not None:
        teach_after_commit(session, data_dir, example)
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
    reason = _reason(reason, "reject the document")
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
    record_events(session, document_id, item.workspace_id, "rejected", decided_only=True)
    session.flush()
    return doc


def _reason(reason: str, to: str) -> str:
    """Return a reason a person wrote, spaces collapsed; refuse an empty or too long one."""
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidRequestError(f"give a reason to {to}")
    if not reason.isprintable():
        raise InvalidRequestError("the reason must not contain control characters")
    if len(reason) > MAX_REASON:
        raise InvalidRequestError(f"the reason is longer than {MAX_REASON} characters")
    return reason


def reopen(
    session: Session,
    reviewer: Reviewer,
    document_id: str,
    reason: str,
    *,
    now: dt.datetime | None = None,
) -> Document:
    """Put a decided document back in the review queue, claimed by the reviewer reopening it.

    Approved, rejected and automatically approved documents can be reopened, with a reason
    a person wrote (required). The audit gets a `reopen` entry: who, when, the previous
    outcome (old value) and the reason (new value). The stored decision goes back to
    `needs_review` with the reason added and the code `reopened`, and the training examples
    of the earlier approval are deleted, since the decision they came from was taken back
    (the next approval adds its own).

    The document's generation goes up by one. Webhook events are recorded once per
    document, event and generation, so the new decision is announced with a new
    `document.decided` event, once, while `document.completed` is not sent again (a
    reviewer's decision records only `document.decided`; see `record_events`).

    Raises `InvalidRequestError` for a missing or too long reason, `NotFoundError` outside
    the reviewer's workspaces, `ConflictError` when the document waits for review already
    or is being processed again.
    """
    return _reopen(
        session, document_id, _reason(reason, "reopen the document"), reviewer.workspace_ids,
        Actor.PERSON, reviewer.id, claimant=reviewer.id, now=now,
    )  # fmt: skip


def reopen_for_api(
    session: Session,
    workspace_id: str,
    document_id: str,
    reason: str,
    *,
    now: dt.datetime | None = None,
) -> Document:
    """Reopen a decided document for a script (an API key): as `reopen`, unclaimed.

    No person asked, so the document waits in the queue for any reviewer, and the audit
    entry's actor is the system (`api`).
    """
    return _reopen(
        session, document_id, _reason(reason, "reopen the document"), (workspace_id,),
        Actor.SYSTEM, "api", claimant=None, now=now,
    )  # fmt: skip


def _reopen(
    session: Session,
    document_id: str,
    reason: str,
    workspace_ids: tuple[str, ...],
    actor: Actor,
    actor_id: str,
    *,
    claimant: str | None,
    now: dt.datetime | None,
) -> Document:
    """Move a decided review item back to pending (atomically) and write what goes with it."""
    now = now or utcnow()
    item = session.get(ReviewItem, document_id)
    if item is None or item.workspace_id not in workspace_ids:
        raise NotFoundError(f"no reviewable document {document_id}")
    if item.state not in DECIDED_STATES:
        raise ConflictError("the document is waiting for review already")
    _settled(session, document_id)
    before = item.state
    moved = session.execute(
        update(ReviewItem)
        .where(ReviewItem.document_id == document_id, ReviewItem.state == before)
        .values(
            state=PENDING,
            claimed_by=claimant,
            claimed_until=now + dt.timedelta(seconds=CLAIM_SECONDS) if claimant else None,
            decided_by=None,
            decided_at=None,
            reject_reason=None,
            confirmed_fields=[],
            corrected_fields=[],
            reason_codes=_with_code(item.reason_codes, REOPENED),
            reasons=[*item.reasons, f"reopened: {reason}"],
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError("the document was reopened or decided by someone else just now")
    session.refresh(item)
    doc = load(session, document_id, workspace_ids)
    previous = doc.decision or Decision(outcome=_OUTCOMES[before])
    doc.decision = previous.model_copy(
        update={
            "outcome": DecisionOutcome.NEEDS_REVIEW,
            "reasons": [*previous.reasons, f"reopened: {reason}"],
            "reason_codes": list(dict.fromkeys([*previous.reason_codes, REOPENED])),
            "decided_by": None,
            "decided_at": None,
        }
    )
    row = _store(session, document_id, doc, now)
    for hook in REOPENED_HOOKS:
        hook(session, document_id, item.workspace_id, before, reason)
    row.generation = DocumentRow.generation + 1  # type: ignore[assignment]
    session.execute(delete(TrainingExampleRow).where(TrainingExampleRow.document_id == document_id))
    record(
        session,
        document_id,
        item.workspace_id,
        actor,
        "reopen",
        actor_id=actor_id,
        field="decision",
        old=previous.outcome.value,
        new=reason,
        at=now,
    )
    session.flush()
    return doc


def _with_code(codes: str, code: str) -> str:
    """Return a review item's space-padded reason codes with `code` added once."""
    listed = codes.split()
    if code not in listed:
        listed.append(code)
    return " " + " ".join(listed) + " "
