"""Straight-through or review: the decision from the type's policy, findings and confidences.

A document is approved without a person only when every check of its type's policy passes;
each check that fails adds a reason in plain language and a short code (for the review
queue's filters and the dashboard's counts).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from paperclerk.model import Decision, DecisionOutcome, DocType, Document, Finding, Severity
from paperclerk.pipeline.policy import TypePolicy, packaged_policy

TYPE_NAMES = {
    DocType.RECEIPT: ("receipt", "receipts"),
    DocType.INVOICE: ("invoice", "invoices"),
    DocType.IDENTITY_DOCUMENT: ("identity document", "identity documents"),
    DocType.PAYSLIP: ("payslip", "payslips"),
    DocType.BANK_STATEMENT: ("bank statement", "bank statements"),
    DocType.UTILITY_BILL: ("utility bill", "utility bills"),
    DocType.OTHER: ("document of no known type", "documents of no known type"),
    DocType.CUSTOM: ("document of a user-defined type", "documents of a user-defined type"),
}


UNSURE_BELOW = 0.6
"""A field read with less confidence is flagged for the reviewer, even where it does not gate."""


def field_label(name: str) -> str:
    """Return a field name as a person reads it (`transaction_date` → `transaction date`)."""
    return name.replace("_", " ")


def decide(
    doc: Document,
    policy: TypePolicy | None = None,
    *,
    has_extractor: bool = True,
    thresholds: Mapping[str, float] | None = None,
) -> Decision:
    """Approve only when the type's policy is met, no rule failed, and gating fields are sure.

    `policy` defaults to the packaged one of the document's type; `thresholds` are the
    extractor's calibrated per-field thresholds for the policy's error target (fixed
    thresholds in the policy replace them). A gating field with neither threshold can never
    be sure enough. A type without an extractor, a type that is `other` or unsure, a
    document where nothing was read and a missing required field always need a person.
    """
    policy = policy or packaged_policy().for_type(doc.doc_type)
    limits = {**(thresholds or {}), **policy.thresholds}
    singular, plural = TYPE_NAMES[doc.doc_type]
    if doc.doc_type == DocType.CUSTOM and doc.custom_type:
        singular = doc.custom_type.replace("_", " ")
        plural = f"{singular} documents"
    reasons: list[tuple[str, str]] = []  # (code, text)
    if doc.doc_type == DocType.OTHER:
        reasons.append(("doc_type:other", "document type not recognised"))
    elif doc.doc_type_confidence < policy.min_type_confidence:
        reasons.append(
            (
                "doc_type:unsure",
                f"not sure it is a {singular} "
                f"({doc.doc_type_confidence:.2f} < {policy.min_type_confidence:.2f})",
            )
        )
    if doc.doc_type != DocType.OTHER and not has_extractor:
        reasons.append(("no_extractor", f"no extractor for {plural} yet"))
    elif has_extractor and not doc.fields:
        reasons.append(("nothing_read", "no field could be read"))
    if not policy.auto_approve and doc.doc_type != DocType.OTHER:
        reasons.append(("policy:manual", f"the policy sends every {singular} to a person"))
    missing = [n for n in policy.required if doc.fields.get(n) is None]
    reasons += [(f"missing:{n}", f"{field_label(n)} missing") for n in missing]
    low: list[str] = []
    for name in (n for n in policy.gating if n not in missing):
        found, limit = doc.fields.get(name), limits.get(name)
        if found is None:
            text = f"{field_label(name)} not found"
        elif limit is None or limit > 1.0:
            text = (
                f"{field_label(name)}: no confidence level is calibrated for "
                f"{policy.target_field_error:.1%} error"
            )
        elif found.confidence < limit:
            text = f"{field_label(name)} not sure enough ({found.confidence:.2f} < {limit:.2f})"
        else:
            continue
        low.append(name)
        reasons.append((f"field:{name}", text))
    failed = [
        f
        for f in doc.findings
        if not f.passed and f.severity != Severity.INFO and f.rule_id not in policy.advisory_rules
    ]
    reasons += [(f"rule:{f.rule_id}", f.message) for f in failed]
    outcome = DecisionOutcome.NEEDS_REVIEW if reasons else DecisionOutcome.AUTO_APPROVED
    return Decision(
        outcome=outcome,
        reasons=[text for _, text in reasons],
        reason_codes=list(dict.fromkeys(code for code, _ in reasons)),
        finding_ids=[f.id for f in failed],
        low_confidence_fields=low,
        missing_fields=missing,
        unsure_fields=sorted(
            n for n, f in doc.fields.items() if f.confidence < UNSURE_BELOW and n not in low
        ),
    )


def hold_for_findings(
    doc: Document, findings: list[Finding], advisory: Collection[str] = ()
) -> None:
    """Add findings a later step made to a decided document; a failed one needs a person.

    A use case's checks against stored data (a supplier's known bank details, an invoice
    already booked) run after the pipeline decided. They can only withdraw an automatic
    approval, never grant one: a failed finding that is not advisory turns
    `auto_approved` into `needs_review` and is added to the decision's reasons.
    """
    doc.findings += findings
    failed = [
        f
        for f in findings
        if not f.passed and f.severity != Severity.INFO and f.rule_id not in advisory
    ]
    if not failed or doc.decision is None:
        return
    decision = doc.decision
    if decision.outcome == DecisionOutcome.AUTO_APPROVED:
        decision.outcome = DecisionOutcome.NEEDS_REVIEW
    decision.reasons += [f.message for f in failed]
    decision.reason_codes = list(
        dict.fromkeys([*decision.reason_codes, *(f"rule:{f.rule_id}" for f in failed)])
    )
    decision.finding_ids += [f.id for f in failed]
