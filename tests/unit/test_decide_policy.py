"""The decision policy: what may go straight through, and why the rest goes to a person."""

import datetime as dt
from decimal import Decimal

import pytest

from paperclerk.errors import PolicyError
from paperclerk.learning.ranker import Calibration
from paperclerk.learning.receipt_training import GATING_FIELDS, thresholds_by_error
from paperclerk.model import (
    DecisionOutcome,
    DocType,
    Document,
    ExtractedField,
    Finding,
    Severity,
)
from paperclerk.pipeline.decide import decide
from paperclerk.pipeline.policy import packaged_policy

SURE = {"merchant_name": 0.9, "transaction_date": 0.9, "total": 0.9}


def receipt(
    confidence: float = 0.99, doc_type: DocType = DocType.RECEIPT, **drop: bool
) -> Document:
    values = {
        "merchant_name": "KEDAI RUNCIT ABC",
        "merchant_address": "1 JALAN SATU, KUALA LUMPUR",
        "transaction_date": dt.date(2018, 3, 4),
        "total": Decimal("12.50"),
    }
    doc = Document(sha256="x", media_type="image/png", size_bytes=1)
    doc.doc_type, doc.doc_type_confidence = doc_type, 0.97
    doc.fields = {
        name: ExtractedField(name=name, value=value, raw_text=str(value), confidence=confidence)
        for name, value in values.items()
        if not drop.get(name)
    }
    return doc


def test_a_sure_receipt_goes_straight_through() -> None:
    decision = decide(receipt(), thresholds=SURE)
    assert decision.outcome == DecisionOutcome.AUTO_APPROVED
    assert decision.reasons == [] and decision.reason_codes == []


def test_a_type_without_an_extractor_never_auto_approves() -> None:
    doc = receipt(doc_type=DocType.IDENTITY_DOCUMENT)
    for fields in (doc.fields, {}):
        doc.fields = fields
        decision = decide(doc, has_extractor=False, thresholds=SURE)
        assert decision.outcome == DecisionOutcome.NEEDS_REVIEW
        assert "no extractor for identity documents yet" in decision.reasons
        assert "no_extractor" in decision.reason_codes


def test_nothing_read_and_other_and_unsure_types_need_a_person() -> None:
    empty = receipt(merchant_name=True, merchant_address=True, transaction_date=True, total=True)
    assert decide(empty, thresholds=SURE).reason_codes[:1] == ["nothing_read"]
    other = receipt(doc_type=DocType.OTHER)
    assert decide(other, thresholds=SURE).outcome == DecisionOutcome.NEEDS_REVIEW
    unsure = receipt()
    unsure.doc_type_confidence = 0.55
    decision = decide(unsure, thresholds=SURE)
    assert decision.outcome == DecisionOutcome.NEEDS_REVIEW
    assert "not sure it is a receipt (0.55 < 0.80)" in decision.reasons


def test_a_missing_required_field_never_auto_approves() -> None:
    decision = decide(receipt(total=True), thresholds=SURE)
    assert decision.outcome == DecisionOutcome.NEEDS_REVIEW
    assert decision.missing_fields == ["total"]
    assert "total missing" in decision.reasons


def test_a_gating_field_below_its_threshold_says_by_how_much() -> None:
    doc = receipt()
    doc.fields["total"].confidence = 0.81
    decision = decide(doc, thresholds={**SURE, "total": 0.93})
    assert decision.outcome == DecisionOutcome.NEEDS_REVIEW
    assert decision.reasons == ["total not sure enough (0.81 < 0.93)"]
    assert decision.low_confidence_fields == ["total"]


def test_a_gating_field_without_a_calibrated_threshold_never_passes() -> None:
    decision = decide(receipt(1.0), thresholds={"merchant_name": 0.5, "total": 0.5})
    assert decision.outcome == DecisionOutcome.NEEDS_REVIEW
    assert decision.low_confidence_fields == ["transaction_date"]


def test_address_is_shown_but_does_not_gate_receipts() -> None:
    doc = receipt()
    doc.fields["merchant_address"].confidence = 0.1
    assert decide(doc, thresholds=SURE).outcome == DecisionOutcome.AUTO_APPROVED


def test_a_failed_rule_needs_a_person() -> None:
    doc = receipt()
    doc.findings = [Finding(id="f", rule_id="totals.x", severity=Severity.WARNING, passed=False,
                            message="items add up to 10.00; the document says 12.50")]  # fmt: skip
    decision = decide(doc, thresholds=SURE)
    assert decision.reason_codes == ["rule:totals.x"] and decision.finding_ids == ["f"]


def test_a_policy_override_changes_the_decision() -> None:
    base = packaged_policy()
    manual = base.with_override({"types": {"receipt": {"auto_approve": False}}})
    assert decide(receipt(), base.for_type(DocType.RECEIPT), thresholds=SURE).outcome == (
        DecisionOutcome.AUTO_APPROVED
    )
    decision = decide(receipt(), manual.for_type(DocType.RECEIPT), thresholds=SURE)
    assert decision.outcome == DecisionOutcome.NEEDS_REVIEW
    assert decision.reason_codes == ["policy:manual"]
    # address made gating by a workspace: now its confidence counts
    strict = base.with_override(
        {"types": {"receipt": {"gating": [*GATING_FIELDS, "merchant_address"]}}}
    )
    doc = receipt()
    doc.fields["merchant_address"].confidence = 0.1
    decision = decide(doc, strict.for_type(DocType.RECEIPT),
                      thresholds={**SURE, "merchant_address": 0.9})  # fmt: skip
    assert decision.low_confidence_fields == ["merchant_address"]
    # fixed thresholds in the policy replace calibrated ones
    fixed = base.with_override({"types": {"receipt": {"thresholds": {"total": 0.999}}}})
    decision = decide(receipt(0.99), fixed.for_type(DocType.RECEIPT), thresholds=SURE)
    assert decision.low_confidence_fields == ["total"]
    # the packaged policy itself is untouched
    assert base.for_type(DocType.RECEIPT).auto_approve


@pytest.mark.parametrize(
    "override",
    [
        {"types": {"passport": {"auto_approve": False}}},
        {"types": {"receipt": {"target_field_error": 2}}},
        {"types": {"receipt": {"gateing": ["total"]}}},
        {"types": {"receipt": {"thresholds": {"total": float("nan")}}}},
        {"types": {"receipt": {"thresholds": {"total": float("inf")}}}},
        {"receipts": {}},
        [1, 2],
    ],
)
def test_a_bad_override_is_refused_with_a_readable_message(override: object) -> None:
    with pytest.raises(PolicyError) as err:
        packaged_policy().with_override(override)  # type: ignore[arg-type]
    assert err.value.code == "invalid_policy" and err.value.message


def test_the_packaged_receipt_policy_gates_on_what_training_calibrates() -> None:
    policy = packaged_policy().for_type(DocType.RECEIPT)
    assert tuple(policy.gating) == GATING_FIELDS
    assert "merchant_address" not in policy.gating
    for doc_type in DocType:
        assert packaged_policy().for_type(doc_type) is not None
    assert not packaged_policy().for_type(DocType.OTHER).auto_approve


def test_calibration_and_thresholds_are_deterministic_on_a_tiny_fixture() -> None:
    scores = [0.1, 0.2, 0.35, 0.4, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]
    right = [0, 0, 1, 0, 1, 1, 1, 1, 1, 1]
    first, second = Calibration.fit(scores, right), Calibration.fit(scores, right)
    assert (first.x, first.y) == (second.x, second.y)
    assert first(0.05) == 0.0 and first(0.99) == 1.0
    assert all(a <= b for a, b in zip(first.y, first.y[1:], strict=False))
    docs = [
        {"merchant_name": (first(s), bool(r)), "transaction_date": (0.99, True),
         "total": (first(s), bool(r))}
        for s, r in zip(scores, right, strict=True)
    ]  # fmt: skip
    assert thresholds_by_error(docs) == thresholds_by_error(docs)
    assert thresholds_by_error(docs)["0.01"]["total"] == first(0.6)


def test_a_field_read_with_low_confidence_is_flagged_even_where_it_does_not_gate() -> None:
    doc = receipt()
    doc.fields["currency"] = ExtractedField(name="currency", value="BHD", confidence=0.5)
    decision = decide(doc, thresholds=SURE)
    assert decision.outcome == DecisionOutcome.AUTO_APPROVED
    assert decision.unsure_fields == ["currency"]
