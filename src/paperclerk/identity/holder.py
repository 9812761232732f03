"""The identity check of a case: a valid identity document, and who holds it.

Validity comes from the identity document's findings as the pipeline recorded them
(`extract.identity` for the MRZ check digits, `rules.identity` for expiry, age, deny list,
specimens and the MRZ against the printed page): a failed error-level finding makes the
document invalid, a failed warning (expiring soon, a page that could not be compared)
sends it to a person. The expiry is checked again against the verdict's day, since a
document valid when it was read may have expired since.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
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
)
from paperclerk.identity.matching import compare_name
from paperclerk.identity.policy import KycPolicy
from paperclerk.model import Document, Finding, Severity

IDENTITY_TYPES = {"identity_document"}
CHECKED_FIELDS = ("surname", "given_names", "document_number", "date_of_expiry")
"""Fields whose low confidence leaves the identity to a person."""
_PREFERENCE: tuple[ReasonStatus, ...] = ("pass", "review", "fail", "missing")


@dataclass(frozen=True)
class Holder:
    """The person the identity document names, for the other documents' name checks."""

    document_id: str
    surname: str
    given_names: str
    address: str | None
    """The address the identity document's page printed, when its extractor read one."""

    @property
    def name(self) -> str:
        """Given names then surname, as the proofs print a name."""
        return f"{self.given_names} {self.surname}".strip()


def _holder(document_id: str, doc: Document) -> Holder | None:
    surname, _ = field(doc, "surname")
    given, _ = field(doc, "given_names")
    if not isinstance(surname, str) or not surname.strip():
        return None
    address = doc.fields.get("address") or doc.extra.get("address")
    text = address.value if address is not None and isinstance(address.value, str) else None
    return Holder(document_id, surname, given if isinstance(given, str) else "", text)


def _one(document_id: str, doc: Document, policy: KycPolicy, today: dt.date) -> Reason:
    """Judge one identity document: invalid, for a person, or valid."""
    kind = str(doc.value("document_type") or "identity document").replace("_", " ")
    expiry, _ = field(doc, "date_of_expiry")
    evidence: dict[str, Any] = {
        "document_id": document_id,
        "document_type": kind,
        "date_of_expiry": json_value(expiry),
    }
    if "mrz" not in doc.fields or _holder(document_id, doc) is None:
        return Reason(
            code="identity",
            status="review",
            message=f"no machine readable zone could be read on the {kind}: a person must check it",
            evidence=evidence,
        )
    failed = [f for f in doc.findings if not f.passed and f.rule_id.startswith("identity.")]
    errors = [f for f in failed if f.severity == Severity.ERROR]
    if (
        isinstance(expiry, dt.date)
        and expiry < today
        and not any(f.rule_id == "identity.expired" for f in errors)
    ):
        errors.append(_expired(expiry))
    if errors:
        evidence["failed_rules"] = sorted({f.rule_id for f in errors})
        return Reason(
            code="identity",
            status="fail",
            message=f"the {kind} is not valid: " + "; ".join(f.message for f in errors),
            evidence=evidence,
        )
    unsure = [
        n
        for n in CHECKED_FIELDS
        if n in doc.fields and field(doc, n)[1] < policy.min_field_confidence
    ]
    if failed or unsure:
        parts = [f.message for f in failed]
        if unsure:
            parts.append("read with low confidence: " + ", ".join(unsure))
            evidence["low_confidence_fields"] = unsure
        evidence["warnings"] = sorted({f.rule_id for f in failed})
        return Reason(
            code="identity",
            status="review",
            message=f"the {kind} needs a person's look: " + "; ".join(parts),
            evidence=evidence,
        )
    until = f" until {expiry.isoformat()}" if isinstance(expiry, dt.date) else ""
    return Reason(
        code="identity",
        status="pass",
        message=f"the {kind} is valid{until}: check digits hold, not a specimen, not on the "
        "deny list",
        evidence=evidence,
    )


def _expired(expiry: dt.date) -> Finding:
    return Finding(
        id="identity-expired",
        rule_id="identity.expired",
        severity=Severity.ERROR,
        passed=False,
        message=f"the document expired on {expiry.isoformat()}",
        fields=["date_of_expiry"],
    )


def check_identity(
    docs: list[CaseDocument], policy: KycPolicy, today: dt.date
) -> tuple[Reason, Holder | None]:
    """Return the identity reason and the holder the other checks compare names with.

    With several identity documents the best one counts (a valid passport next to an
    expired ID card is fine); the holder is that document's, valid or not, since names
    can be compared either way.
    """
    grouped = group(docs, IDENTITY_TYPES)
    judged = [(_one(i, d, policy, today), i, d) for i, d in grouped.done]
    if not judged:
        message, evidence = grouped.absent("identity document")
        return Reason(code="identity", status="missing", message=message, evidence=evidence), None
    reason, document_id, doc = min(judged, key=lambda j: _PREFERENCE.index(j[0].status))
    others = [i for _, i, _ in judged if i != document_id]
    if others:
        reason.evidence["other_identity_documents"] = others
    return reason, _holder(document_id, doc)


def check_declared_name(
    applicant: Applicant, holder: Holder | None, policy: KycPolicy
) -> list[Reason]:
    """Compare the name the applicant declared with the identity document's (when declared)."""
    if not applicant.name:
        return []
    if holder is None:
        return [
            Reason(
                code="identity.declared_name",
                status="missing",
                message="no identity document to compare the declared name with",
            )
        ]
    found = compare_name(holder.surname, holder.given_names, applicant.name)
    status = grade(found.score, policy.name_match_min, policy.name_review_min)
    verb = {"pass": "matches", "review": "is close to", "fail": "does not match"}[status]
    return [
        Reason(
            code="identity.declared_name",
            status=status,
            message=f"the declared name {applicant.name!r} {verb} the identity document's "
            f"{holder.name!r} (score {found.score:g} of 100; {policy.name_match_min:g} "
            "needed)",
            evidence={
                "document_id": holder.document_id,
                "score": found.score,
                "surname_found": found.surname_found,
            },
        )
    ]
