"""Why a claim was not approved, in words a shopper may read.

A finding's own message is for the desk: it names other participants, earlier
submission ids, hash distances and fraud signals. What a participant is told comes from
the rule id alone, through a fixed table of short sentences, so nothing internal can leak
into it whatever a rule writes in its message or evidence.
"""

from __future__ import annotations

from paperclerk.loyalty.findings import Effect, LoyaltyFinding

ALREADY_SUBMITTED = "This receipt was already submitted."
CHECK_BY_HAND = "We need to check this receipt by hand."
NOT_VERIFIED = "We could not verify this receipt."
UNREADABLE = "We could not read the receipt clearly enough; we will check it by hand."
NOT_ELIGIBLE = "The receipt does not meet the campaign's terms."

RULE_REASONS: dict[str, str] = {
    "campaign.min_spend": "The purchase is below the minimum spend.",
    "campaign.date_window": "The purchase was not made during the campaign.",
    "campaign.submission_deadline": "The receipt was sent after the campaign's deadline.",
    "campaign.retailer": "The receipt is not from a participating shop.",
    "campaign.products": "The receipt shows no product of the campaign.",
    "campaign.claim_limit": "You have reached the number of claims allowed for this period.",
    "reading.confidence": UNREADABLE,
}
"""Exact rule ids; families (`duplicates.*`, `fraud.*`, `tamper.*`) are in `participant_reason`."""


def participant_reason(rule_id: str, effect: Effect) -> str:
    """Return the sentence a participant sees for one failed finding.

    Duplicates say only that the receipt was sent before (not by whom nor when); fraud and
    tamper signals never say what was detected: a claim they hold for review is "checked
    by hand", one they reject "could not be verified". An unknown rule says the receipt
    does not meet the terms.
    """
    family = rule_id.split(".", 1)[0]
    if family == "duplicates":
        return ALREADY_SUBMITTED
    if family in ("fraud", "tamper"):
        return NOT_VERIFIED if effect == Effect.REJECT else CHECK_BY_HAND
    return RULE_REASONS.get(rule_id, NOT_ELIGIBLE)


def participant_reasons(findings: list[LoyaltyFinding]) -> list[str]:
    """Return the participant's reasons for the failed findings that shaped the decision.

    Rejecting findings first, then those that asked for a person; each sentence once.
    """
    order = {Effect.REJECT: 0, Effect.REVIEW: 1}
    failed = sorted(
        (f for f in findings if not f.passed and f.effect in order),
        key=lambda f: order[f.effect],
    )
    return list(dict.fromkeys(participant_reason(f.rule_id, f.effect) for f in failed))


def rejection_reasons(findings: list[LoyaltyFinding]) -> list[str]:
    """Return what a participant is told when a person rejects the claim.

    The reasons of the failed findings, less "we will check it by hand" (it has been
    checked); when none is left, that the receipt does not meet the campaign's terms.
    """
    pending = {CHECK_BY_HAND, UNREADABLE}
    kept = [r for r in participant_reasons(findings) if r not in pending]
    return kept or [NOT_ELIGIBLE]
