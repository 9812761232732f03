"""A KYC case's verdict from its documents' results: pure, so it can be computed any time.

`rejected` when the identity document is invalid (expired, a check digit failing, a
specimen, a state on the deny list, the MRZ contradicting the page: its pipeline
findings); `approved` when every required check passes; `needs_review` otherwise: a
document missing or not processed yet, a value read with low confidence, a fuzzy score in
the grey zone, or a check that fails (a stale proof, another name, a pay not found).
"""

from __future__ import annotations

import datetime as dt

from paperclerk.identity.address import PROOF_TYPES, check_proof_of_address
from paperclerk.identity.case import Applicant, CaseDocument, Outcome, Reason, Verdict
from paperclerk.identity.holder import IDENTITY_TYPES, check_declared_name, check_identity
from paperclerk.identity.income import check_income
from paperclerk.identity.policy import DEFAULT_POLICY, KycPolicy

USED_TYPES = IDENTITY_TYPES | PROOF_TYPES | {"payslip"}


def outcome_of(reasons: list[Reason]) -> Outcome:
    """Return the outcome the reasons lead to (see the module's docstring)."""
    if any(r.code == "identity" and r.status == "fail" for r in reasons):
        return "rejected"
    if reasons and all(r.status == "pass" for r in reasons):
        return "approved"
    return "needs_review"


def compute_verdict(
    docs: list[CaseDocument],
    applicant: Applicant,
    policy: KycPolicy = DEFAULT_POLICY,
    today: dt.date | None = None,
) -> Verdict:
    """Check a case's documents and return its verdict with one reason per check.

    `today` is the day proof dates and expiry are measured from (default: today, UTC).
    """
    today = today or dt.datetime.now(dt.UTC).date()
    identity, holder = check_identity(docs, policy, today)
    reasons = [
        identity,
        *check_declared_name(applicant, holder, policy),
        *check_proof_of_address(docs, applicant, holder, policy, today),
        *check_income(docs, applicant, holder, policy),
    ]
    ignored = [
        d.document_id
        for d in docs
        if d.status == "done" and d.result is not None and d.result.doc_type.value not in USED_TYPES
    ]
    return Verdict(
        outcome=outcome_of(reasons), reasons=reasons, as_of=today, ignored_documents=ignored
    )
