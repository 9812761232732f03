"""Findings of a campaign check: the shared `Finding` plus evidence and its effect."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from paperclerk.model import Finding, Severity


class Effect(StrEnum):
    """What a failed finding does to the decision."""

    NONE = "none"
    REVIEW = "review"
    REJECT = "reject"


class LoyaltyFinding(Finding):
    """One rule's outcome on one submission, with the evidence a reviewer needs."""

    effect: Effect = Effect.NONE
    evidence: dict[str, Any] = Field(default_factory=dict)


def finding(
    rule_id: str,
    passed: bool,
    message: str,
    *,
    effect: Effect = Effect.REJECT,
    severity: Severity | None = None,
    fields: list[str] | None = None,
    evidence: dict[str, Any] | None = None,
) -> LoyaltyFinding:
    """Build a finding; a passed one has no effect and `info` severity."""
    if severity is None:
        severity = (
            Severity.INFO
            if passed
            else (Severity.ERROR if effect == Effect.REJECT else Severity.WARNING)
        )
    return LoyaltyFinding(
        id=rule_id.replace(".", "-"),
        rule_id=rule_id,
        severity=severity,
        passed=passed,
        message=message,
        fields=fields or [],
        effect=Effect.NONE if passed else effect,
        evidence=evidence or {},
    )
