"""What a participant is told: from rule ids only, never a finding's internal message."""

from __future__ import annotations

from paperclerk.loyalty import reasons
from paperclerk.loyalty.findings import Effect, finding


def test_participant_reasons_come_from_rule_ids_and_leak_nothing() -> None:
    found = [
        finding("campaign.retailer", True, "shop matched"),
        finding(
            "duplicates.same_picture", False,
            "same receipt as submission 41 by participant p-9, hash distance 3/64",
            evidence={"participant_id": "p-9", "submission_id": 41},
        ),
        finding("fraud.edited_metadata", False, "EXIF names Photoshop", effect=Effect.REVIEW),
        finding("campaign.min_spend", False, "total spend 9.90 < minimum 27.55"),
        finding("tamper.totals", False, "the tax implies 8.13", effect=Effect.REVIEW),
        finding("campaign.new_rule", False, "something internal"),
        finding("reading.confidence", False, "total (0.3)", effect=Effect.NONE),
    ]  # fmt: skip
    told = reasons.participant_reasons(found)
    assert told == [
        reasons.ALREADY_SUBMITTED,
        "The purchase is below the minimum spend.",
        reasons.NOT_ELIGIBLE,
        reasons.CHECK_BY_HAND,
    ]
    text = " ".join(told)
    for internal in ("p-9", "41", "Photoshop", "distance", "9.90", "internal"):
        assert internal not in text


def test_a_fraud_signal_that_rejects_is_not_described() -> None:
    signal = finding("fraud.screen_photo", False, "moiré at 0.31 cycles/px")
    assert reasons.participant_reasons([signal]) == [reasons.NOT_VERIFIED]


def test_a_person_s_rejection_drops_check_by_hand_and_never_says_nothing() -> None:
    review = finding("reading.confidence", False, "total (0.3)", effect=Effect.REVIEW)
    assert reasons.participant_reasons([review]) == [reasons.UNREADABLE]
    assert reasons.rejection_reasons([review]) == [reasons.NOT_ELIGIBLE]
    spend = finding("campaign.min_spend", False, "below")
    assert reasons.rejection_reasons([review, spend]) == [
        "The purchase is below the minimum spend."
    ]
