"""What a claim's decision leaves behind: its audit entry and its `claim.decided` event.

Both the automatic decision (`service.decide_submission`) and a person's at the claims
desk (`claims.decide_claim`) call `record_decision` in the transaction that stores the
outcome, so the trail and the webhook exist if and only if the decision does. None of
these functions commits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from paperclerk.review.audit import Actor
from paperclerk.storage.columns import utcnow
from paperclerk.storage.tables import AuditEvent, LoyaltySubmission
from paperclerk.webhooks.registry import record_claim_event

FINAL = frozenset({"approved", "rejected"})
"""Claim outcomes that are final; `needs_review` waits for a person."""
DECIDE = "claim.decide"
DELETE = "claim.delete"


def claim_audit(
    session: Session,
    row: LoyaltySubmission,
    actor: Actor,
    action: str,
    *,
    actor_id: str | None = None,
    old: Any = None,
    new: Any = None,
    at: dt.datetime | None = None,
) -> None:
    """Add one audit entry about a claim (values must be JSON)."""
    session.add(
        AuditEvent(
            submission_id=row.id,
            workspace_id=row.workspace_id,
            actor_kind=actor.value,
            actor_id=actor_id,
            action=action,
            field="outcome",
            old_value=old,
            new_value=new,
            at=at or utcnow(),
        )
    )


def decided_payload(row: LoyaltySubmission) -> dict[str, Any]:
    """Return the body of `claim.decided` for the claim as it stands: ids, outcome, reward.

    `reasons` are the participant's (`loyalty.reasons`), safe to show the shopper; a
    person's own words are in `decision_reason`. `decided_by` is None for the automatic
    decision. No receipt content beyond what the reasons say.
    """
    result = row.result or {}
    return {
        "workspace": row.workspace_id,
        "campaign_id": row.campaign_id,
        "submission_id": row.id,
        "participant_id": row.participant_id,
        "outcome": row.outcome,
        "reward": row.reward,
        "currency": result.get("currency"),
        "reasons": list(result.get("participant_reasons") or []),
        "decided_by": row.decided_by,
        "decided_at": row.decided_at.isoformat() if row.decided_at else None,
        "decision_reason": row.decision_reason,
        "revision": row.revision,
        "result_url": f"/v1/campaigns/{row.campaign_id}/submissions/{row.id}",
    }


def record_decision(
    session: Session,
    row: LoyaltySubmission,
    *,
    previous: str | None = None,
    at: dt.datetime | None = None,
) -> None:
    """Record a claim's decision as it now stands on `row`: the audit entry and the event.

    Who decided is `row.decided_by` (None: the campaign's rules). `previous` is the
    outcome before a person's decision (None for the automatic one). A final outcome is
    announced once per decision (`row.revision`); `needs_review` is not announced.
    """
    person = row.decided_by is not None
    new = {"outcome": row.outcome, "reward": row.reward}
    if person:
        new["reason"] = row.decision_reason or ""
    claim_audit(
        session,
        row,
        Actor.PERSON if person else Actor.RULE,
        DECIDE,
        actor_id=row.decided_by,
        old=previous,
        new=new,
        at=at or row.decided_at or row.created_at,
    )
    if row.outcome in FINAL:
        record_claim_event(session, row.workspace_id, row.id, row.revision, decided_payload(row))
