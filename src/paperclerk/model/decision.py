"""Validation findings and the straight-through / review decision."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, Field


class Severity(StrEnum):
    """How bad a finding is; `error` blocks automatic approval."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class Finding(BaseModel):
    """The outcome of one business rule on one document."""

    id: str = Field(description="Unique within the document, e.g. 'sum-check-1'.")
    rule_id: str = Field(description="Stable id of the rule, e.g. 'totals.sum_of_lines'.")
    severity: Severity
    passed: bool
    message: str
    fields: list[str] = Field(default_factory=list)


class DecisionOutcome(StrEnum):
    """What happens to the document next."""

    AUTO_APPROVED = "auto_approved"
    NEEDS_REVIEW = "needs_review"
    APPROVED = "approved"
    REJECTED = "rejected"


class Decision(BaseModel):
    """The decision with every reason that led to it."""

    outcome: DecisionOutcome
    reasons: list[str] = Field(
        default_factory=list, description="Why, in plain language (one line per reason)."
    )
    reason_codes: list[str] = Field(
        default_factory=list,
        description="The reasons as short codes: `doc_type:other`, `doc_type:unsure`, "
        "`no_extractor`, `nothing_read`, `policy:manual`, `missing:<field>`, `field:<field>`, "
        "`rule:<rule id>`, `reopened` (a decided document put back in the review queue).",
    )
    finding_ids: list[str] = Field(default_factory=list)
    low_confidence_fields: list[str] = Field(default_factory=list)
    missing_fields: list[str] = Field(
        default_factory=list, description="Required fields of the type's policy not found."
    )
    unsure_fields: list[str] = Field(
        default_factory=list,
        description="Other fields read with low confidence (below 0.6): flagged for the "
        "reviewer, though they do not decide.",
    )
    decided_by: str | None = Field(None, description="The reviewer who decided (email).")
    decided_at: dt.datetime | None = Field(None, description="When a reviewer decided.")
