"""The proof-of-address checks: recent enough, in the holder's name, at the applicant's address.

A proof of address is a utility bill (issued on its `issue_date`) or a bank statement
(issued at its `period_end`). Its name (`customer_name`, `account_holder`) is compared
with the identity document's holder; its address with the address the applicant declared
and, where the identity document's page printed one, that too. A bank statement has no
address field: the address is looked for in its lines (the envelope window's block).
With several proofs, the one that satisfies most checks counts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from paperclerk.identity.case import (
    Applicant,
    CaseDocument,
    Reason,
    ReasonStatus,
    field,
    grade,
    group,
    json_value,
    worst,
)
from paperclerk.identity.holder import Holder
from paperclerk.identity.matching import (
    AddressComparison,
    best_on_pages,
    compare_address,
    compare_name,
)
from paperclerk.identity.policy import KycPolicy
from paperclerk.model import Document

PROOF_TYPES = {"utility_bill", "bank_statement"}
NAME_FIELD = {"utility_bill": "customer_name", "bank_statement": "account_holder"}
DATE_FIELD = {"utility_bill": "issue_date", "bank_statement": "period_end"}
GIVEN_NOTES = {
    "other": "its given name is not one of the holder's",
    "initials": "it shows the given names as initials only",
    "none": "it shows the surname alone",
}
FUTURE_SLACK_DAYS = 1
"""A proof dated tomorrow may come from another time zone; later is a misread or a fake."""


def _kind(doc: Document) -> str:
    return doc.doc_type.value.replace("_", " ")


def _date_reason(document_id: str, doc: Document, policy: KycPolicy, today: dt.date) -> Reason:
    name = DATE_FIELD[doc.doc_type.value]
    issued, confidence = field(doc, name)
    evidence: dict[str, Any] = {"document_id": document_id, "field": name}
    code = "proof_of_address.date"
    if not isinstance(issued, dt.date):
        return Reason(
            code=code,
            status="missing",
            message=f"no issue date could be read on the {_kind(doc)}",
            evidence=evidence,
        )
    age = (today - issued).days
    limit = policy.proof_of_address_max_age_days
    evidence.update(
        issued=issued.isoformat(), age_days=age, max_age_days=limit, as_of=today.isoformat()
    )
    status: ReasonStatus
    if age < -FUTURE_SLACK_DAYS:
        status, message = "fail", f"the {_kind(doc)} is dated {issued.isoformat()}, in the future"
    elif age > limit:
        status = "fail"
        message = (
            f"the {_kind(doc)} was issued on {issued.isoformat()}, {age} days ago: older than"
            f" the {limit} days allowed"
        )
    else:
        status = "pass"
        message = f"the {_kind(doc)} was issued on {issued.isoformat()}, {max(age, 0)} days ago"
    if status == "pass" and confidence < policy.min_field_confidence:
        status = "review"
        message += f", but the date was read with low confidence ({confidence:.2f})"
        evidence["confidence"] = confidence
    return Reason(code=code, status=status, message=message, evidence=evidence)


def _name_reason(
    document_id: str, doc: Document, holder: Holder | None, policy: KycPolicy
) -> Reason:
    name = NAME_FIELD[doc.doc_type.value]
    printed, confidence = field(doc, name)
    code = "proof_of_address.name"
    evidence: dict[str, Any] = {"document_id": document_id, "field": name}
    if holder is None:
        return Reason(
            code=code,
            status="missing",
            message="no identity document to compare the proof's name with",
            evidence=evidence,
        )
    if not isinstance(printed, str) or not printed.strip():
        return Reason(
            code=code,
            status="missing",
            message=f"no name could be read on the {_kind(doc)}",
            evidence=evidence,
        )
    return name_reason(code, _kind(doc), printed, confidence, holder, policy, evidence)


def name_reason(
    code: str,
    kind: str,
    printed: str,
    confidence: float,
    holder: Holder,
    policy: KycPolicy,
    evidence: dict[str, Any],
) -> Reason:
    """Compare a name a document prints with the holder's, and say how it came out.

    Shared by the proof of address and the payslips: the score, the threshold and the
    grey zone are in the message, the surname test in the evidence.
    """
    found = compare_name(holder.surname, holder.given_names, printed)
    status = grade(found.score, policy.name_match_min, policy.name_review_min)
    evidence.update(
        printed=printed,
        identity_name=holder.name,
        identity_document_id=holder.document_id,
        score=found.score,
        token_set_ratio=found.token_set,
        surname_found=found.surname_found,
        given_names=found.given_names,
        match_min=policy.name_match_min,
        review_min=policy.name_review_min,
    )
    verb = {"pass": "matches", "review": "is only close to", "fail": "does not match"}[status]
    message = (
        f"the name on the {kind}, {printed!r}, {verb} the identity document's {holder.name!r}"
        f" (score {found.score:g} of 100; {policy.name_match_min:g} matches"
    )
    message += f", from {policy.name_review_min:g} a person decides)" if status != "pass" else ")"
    if not found.surname_found:
        message += "; the surname does not appear in it"
    elif found.given_names in GIVEN_NOTES:
        message += f"; {GIVEN_NOTES[found.given_names]}"
    if status == "pass" and confidence < policy.min_field_confidence:
        status = "review"
        message += f", but the name was read with low confidence ({confidence:.2f})"
        evidence["confidence"] = confidence
    return Reason(code=code, status=status, message=message, evidence=evidence)


def _proof_address(doc: Document, target: str) -> tuple[AddressComparison, str] | None:
    """Return the best comparison of `target` with the proof: its address field or its lines."""
    options: list[tuple[AddressComparison, str]] = []
    printed, _ = field(doc, "customer_address")
    if isinstance(printed, str) and printed.strip():
        options.append((compare_address(target, printed), "field customer_address"))
    on_page = best_on_pages(target, doc.pages)
    if on_page is not None:
        options.append((on_page[0], f"lines of page {on_page[1] + 1}"))
    return max(options, key=lambda o: o[0].score) if options else None


def _address_reason(
    document_id: str,
    doc: Document,
    applicant: Applicant,
    holder: Holder | None,
    policy: KycPolicy,
) -> Reason:
    code = "proof_of_address.address"
    given = [("declared address", applicant.address)]
    if holder is not None:
        given.append(("identity document's address", holder.address))
    targets = [(label, text) for label, text in given if text and text.strip()]
    evidence: dict[str, Any] = {"document_id": document_id}
    if not targets:
        return Reason(
            code=code,
            status="missing",
            message="no address to compare the proof with: give the applicant's address "
            "when opening the case (an identity document's MRZ carries none)",
            evidence=evidence,
        )
    statuses: list[ReasonStatus] = []
    parts: list[str] = []
    compared: list[dict[str, Any]] = []
    for label, target in targets:
        found = _proof_address(doc, target)
        if found is None:
            statuses.append("missing")
            parts.append(f"no text on the {_kind(doc)} to find the {label} in")
            continue
        cmp, where = found
        status = grade(cmp.score, policy.address_match_min, policy.address_review_min)
        statuses.append(status)
        verb = {"pass": "matches", "review": "is only close to", "fail": "does not match"}[status]
        part = (
            f"the {label} {target!r} {verb} {cmp.compared!r} ({where}; score {cmp.score:g} of"
            f" 100, {policy.address_match_min:g} matches)"
        )
        if cmp.missing_numbers:
            part += f"; the numbers {', '.join(cmp.missing_numbers)} are not in it"
        parts.append(part)
        compared.append(
            {
                "against": label,
                "expected": target,
                "found": cmp.compared,
                "where": where,
                "score": cmp.score,
                "token_set_ratio": cmp.token_set,
                "token_sort_ratio": cmp.token_sort,
                "missing_numbers": cmp.missing_numbers,
            }
        )
    evidence.update(
        comparisons=compared,
        match_min=policy.address_match_min,
        review_min=policy.address_review_min,
    )
    return Reason(code=code, status=worst(statuses), message="; ".join(parts), evidence=evidence)


def _rank(reasons: list[Reason], issued: object) -> tuple[int, int, str]:
    """Order proofs: most checks passed, fewest failed, then the most recent."""
    passed = sum(r.status == "pass" for r in reasons)
    failed = sum(r.status == "fail" for r in reasons)
    return passed, -failed, str(json_value(issued) or "")


def check_proof_of_address(
    docs: list[CaseDocument],
    applicant: Applicant,
    holder: Holder | None,
    policy: KycPolicy,
    today: dt.date,
) -> list[Reason]:
    """Return the date, name and address reasons of the case's best proof of address."""
    grouped = group(docs, PROOF_TYPES)
    if not grouped.done:
        message, evidence = grouped.absent("proof of address (utility bill or bank statement)")
        return [
            Reason(code="proof_of_address", status="missing", message=message, evidence=evidence)
        ]
    judged = []
    for document_id, doc in grouped.done:
        reasons = [
            _date_reason(document_id, doc, policy, today),
            _name_reason(document_id, doc, holder, policy),
            _address_reason(document_id, doc, applicant, holder, policy),
        ]
        judged.append(
            (_rank(reasons, field(doc, DATE_FIELD[doc.doc_type.value])[0]), document_id, reasons)
        )
    _, chosen, reasons = max(judged, key=lambda j: j[0])
    others = [i for _, i, _ in judged if i != chosen]
    if others:
        for r in reasons:
            r.evidence["other_proofs"] = others
    return reasons
