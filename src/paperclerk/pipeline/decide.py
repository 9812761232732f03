"""Straight-through or review: the decision from findings and field confidences."""

from __future__ import annotations

from paperclerk.model import Decision, DecisionOutcome, Document, Severity

DEFAULT_THRESHOLD = 0.8


def decide(
    doc: Document,
    threshold: float = DEFAULT_THRESHOLD,
    thresholds: dict[str, float] | None = None,
) -> Decision:
    """Approve only when no rule failed with an error or warning and every field is confident.

    With `thresholds` (per field, chosen from a trained model's calibration so that approved
    documents keep at most 1 % field error) those fields decide, and a calibrated field that
    is missing needs a person; without them every field must reach `threshold`.
    """
    failed = [f for f in doc.findings if not f.passed and f.severity != Severity.INFO]
    if thresholds:
        low = sorted(
            n for n, t in thresholds.items() if n not in doc.fields or doc.fields[n].confidence < t
        )
    else:
        low = sorted(n for n, f in doc.fields.items() if f.confidence < threshold)
    reasons = [f.message for f in failed]
    if low:
        reasons.append("low confidence: " + ", ".join(low))
    if doc.doc_type.value == "other":
        reasons.append("document type not recognised")
    outcome = DecisionOutcome.AUTO_APPROVED if not reasons else DecisionOutcome.NEEDS_REVIEW
    return Decision(
        outcome=outcome,
        reasons=reasons,
        finding_ids=[f.id for f in failed],
        low_confidence_fields=low,
    )
