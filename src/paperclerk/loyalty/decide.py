"""The campaign decision: approved, rejected or needs review, with the reward and reasons."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from paperclerk.loyalty.findings import Effect, LoyaltyFinding, finding
from paperclerk.model import Document

# Fields whose exact value decides a claim. The shop name is not among them: the retailer
# rule matches it fuzzily against the campaign's names, which is its own evidence.
KEY_FIELDS = ("transaction_date", "total")


class Outcome(StrEnum):
    """What happens to a claim."""

    APPROVED = "approved"
    REJECTED = "rejected"
    NEEDS_REVIEW = "needs_review"


def confidence_finding(doc: Document, threshold: float) -> LoyaltyFinding:
    """Send the claim to review when a field the rules rely on was read with low confidence."""
    weak = {
        name: round(f.confidence, 2)
        for name in KEY_FIELDS
        if (f := doc.fields.get(name)) is not None and f.confidence < threshold
    }
    if not weak:
        return finding("reading.confidence", True, "the key fields were read confidently")
    return finding(
        "reading.confidence",
        False,
        "read with low confidence: " + ", ".join(f"{k} ({v})" for k, v in weak.items()),
        effect=Effect.REVIEW,
        fields=list(weak),
        evidence={"confidence": weak},
    )


def decide(findings: list[LoyaltyFinding]) -> Outcome:
    """Any failed rejecting finding rejects; else any failed reviewing finding asks a person."""
    failed = [f for f in findings if not f.passed]
    if any(f.effect == Effect.REJECT for f in failed):
        return Outcome.REJECTED
    if any(f.effect == Effect.REVIEW for f in failed):
        return Outcome.NEEDS_REVIEW
    return Outcome.APPROVED


def reasons(findings: list[LoyaltyFinding]) -> list[str]:
    """Return the messages of the failed findings that shaped the decision, rejecting ones first."""
    order = {Effect.REJECT: 0, Effect.REVIEW: 1, Effect.NONE: 2}
    failed = sorted(
        (f for f in findings if not f.passed and f.effect != Effect.NONE),
        key=lambda f: order[f.effect],
    )
    return [f.message for f in failed]


def zero() -> Decimal:
    """Return the reward of a claim that is not approved."""
    return Decimal("0.00")
