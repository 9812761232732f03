"""The slice's step on the pipeline's results: a case's verdict, computed fresh and kept.

`evaluate_case` is the one code path the API and the review UI share: it reads the case's
documents as they are now (a document processed or reprocessed since changes the
verdict), computes the verdict, stores it with the case, and, when the outcome or any
reason's status changed, records that in the audit trail of every document of the case
(actor `system`, id `kyc`, action `case_verdict`, the case id in the values): the trail
of a passport then shows each case decision it took part in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from paperclerk.identity.case import Verdict
from paperclerk.identity.store import (
    StoredDocument,
    case_applicant,
    case_documents,
    case_policy,
    get_case,
)
from paperclerk.identity.verdict import compute_verdict
from paperclerk.review.audit import Actor, record
from paperclerk.storage.columns import utcnow
from paperclerk.storage.tables import KycCase

AUDIT_ACTION = "case_verdict"
AUDIT_ACTOR = "kyc"
FINAL = ("approved", "rejected")


@dataclass(frozen=True)
class CaseView:
    """A case with its documents and its current verdict."""

    case: KycCase
    documents: list[StoredDocument]
    verdict: Verdict
    changed: bool
    """Whether this evaluation changed the stored verdict's outcome or reasons."""


def _stored(row: KycCase) -> Verdict | None:
    """Return the verdict stored with a case, or None (none yet, or from an older schema)."""
    if not row.verdict:
        return None
    try:
        return Verdict.model_validate(row.verdict)
    except ValueError:
        return None


def evaluate_case(
    session: Session, workspace_id: str, case_id: str, today: dt.date | None = None
) -> CaseView:
    """Compute a case's verdict from its documents' current results and store it.

    Raise `CaseNotFoundError` for a case of another workspace. The caller commits; the
    audit entries go in the same transaction as the verdict they describe.
    """
    row = get_case(session, workspace_id, case_id)
    documents = case_documents(session, row.id)
    verdict = compute_verdict(
        [d.for_verdict() for d in documents], case_applicant(row), case_policy(row), today
    )
    before = _stored(row)
    changed = before is None or before.key() != verdict.key()
    now = utcnow()
    if before is None or before.model_dump(mode="json") != verdict.model_dump(mode="json"):
        row.verdict = verdict.model_dump(mode="json")
        row.updated_at = now
    if row.status != verdict.outcome or (verdict.outcome in FINAL and row.decided_at is None):
        row.decided_at = now if verdict.outcome in FINAL else None
        row.status = verdict.outcome
    if changed and documents:
        old = {"case_id": row.id, "outcome": before.outcome} if before else None
        new = {
            "case_id": row.id,
            "outcome": verdict.outcome,
            "reasons": {r.code: r.status for r in verdict.reasons},
        }
        for d in documents:
            record(
                session,
                d.document_id,
                row.workspace_id,
                Actor.SYSTEM,
                AUDIT_ACTION,
                actor_id=AUDIT_ACTOR,
                old=old,
                new=new,
                at=now,
            )
    session.flush()
    return CaseView(row, documents, verdict, changed)
