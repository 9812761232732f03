"""The data of a KYC case: the applicant, the documents as the verdict sees them, the verdict.

`Verdict` and `Reason` are the JSON contract of the API's `verdict`: one reason per check,
each with a status, a sentence a person understands and the evidence behind it (scores,
dates, document ids), so a reviewer can tell why without opening every document.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from paperclerk.model import Document

ReasonStatus = Literal["pass", "fail", "missing", "review"]
"""`pass`: satisfied; `fail`: contradicted; `missing`: nothing (yet) to check it with;
`review`: neither — a grey-zone score or a value read with low confidence, for a person."""
Outcome = Literal["approved", "rejected", "needs_review"]
OUTCOMES: tuple[Outcome, ...] = ("approved", "rejected", "needs_review")


class Applicant(BaseModel):
    """What the applicant declared when the case was opened (every key optional)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=300, pattern=r"^[^\x00]*$")
    address: str | None = Field(
        None,
        max_length=1000,
        pattern=r"^[^\x00]*$",
        description="The address to find on the proof of address (an MRZ carries none).",
    )
    declared_income: Decimal | None = Field(
        None, ge=0, le=Decimal("1e12"), description="Monthly income the applicant declared."
    )


class Reason(BaseModel):
    """One check of the verdict and how it came out."""

    code: str = Field(description="e.g. `identity`, `proof_of_address.name`, `income.credits`.")
    status: ReasonStatus
    message: str = Field(description="Why, in plain language.")
    evidence: dict[str, Any] = Field(
        default_factory=dict, description="Scores, dates and document ids behind the status."
    )


class Verdict(BaseModel):
    """A case's verdict: approved, rejected (invalid identity) or needs_review, and why."""

    outcome: Outcome
    reasons: list[Reason]
    as_of: dt.date = Field(description="The day the dates were checked against.")
    ignored_documents: list[str] = Field(
        default_factory=list, description="Documents of the case no check uses (other types)."
    )

    def key(self) -> tuple[str, list[tuple[str, str]]]:
        """Return what makes two verdicts the same for the audit: outcome and reason statuses."""
        return self.outcome, [(r.code, r.status) for r in self.reasons]


@dataclass(frozen=True)
class CaseDocument:
    """A document of a case as the verdict sees it: state, type and (once done) result."""

    document_id: str
    status: str
    """queued, processing, done, failed or dead."""
    doc_type: str | None
    result: Document | None


def json_value(value: object) -> Any:
    """Return a field value as JSON evidence: dates as ISO text, amounts as decimal text."""
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


WORST_FIRST: tuple[ReasonStatus, ...] = ("fail", "missing", "review", "pass")


def worst(statuses: list[ReasonStatus]) -> ReasonStatus:
    """Return the status that decides a check made of parts: one failing part fails it."""
    return min(statuses, key=WORST_FIRST.index) if statuses else "missing"


def grade(score: float, match_min: float, review_min: float) -> ReasonStatus:
    """Return pass from `match_min`, review in the grey zone from `review_min`, else fail."""
    if score >= match_min:
        return "pass"
    return "review" if score >= review_min else "fail"


@dataclass(frozen=True)
class Grouped:
    """The documents a check can use, and those it waits for or cannot read."""

    done: list[tuple[str, Document]]
    pending: list[str]
    unreadable: list[str]

    def absent(self, what: str) -> tuple[str, dict[str, Any]]:
        """Say why a check has no document to use: still processing, unreadable or none."""
        if self.pending:
            n = len(self.pending)
            return (
                f"{n} document(s) of the case not processed yet; {what} is checked once they are",
                {"pending_documents": self.pending},
            )
        if self.unreadable:
            return (
                f"the {what} could not be read (processing failed); send a clearer copy",
                {"unreadable_documents": self.unreadable},
            )
        return f"the case has no {what}", {}


def group(docs: list[CaseDocument], types: set[str]) -> Grouped:
    """Pick the documents of some types; those not processed yet may be of any type."""
    done, pending, unreadable = [], [], []
    for d in docs:
        kind = d.result.doc_type.value if d.result is not None else d.doc_type
        if d.status in ("queued", "processing") and (kind is None or kind in types):
            pending.append(d.document_id)
        elif kind not in types:
            continue
        elif d.status == "done" and d.result is not None:
            done.append((d.document_id, d.result))
        else:
            unreadable.append(d.document_id)
    return Grouped(done, pending, unreadable)


def field(doc: Document, name: str) -> tuple[Any, float]:
    """Return a field's typed value and confidence; (None, 0.0) when it was not read."""
    f = doc.fields.get(name)
    return (f.value, f.confidence) if f is not None else (None, 0.0)
