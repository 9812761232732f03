"""The KYC policy: the limits a case's verdict applies, as data (a mapping or YAML).

Like a loyalty campaign, a policy is validated before use: an unknown key (a misspelt
`name_match_min` would otherwise silently keep the default) or an inconsistent grey zone
raises `KycPolicyError` naming the key. Scores are rapidfuzz scores from 0 to 100.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from paperclerk.errors import InputError


class KycPolicyError(InputError):
    """A KYC policy is malformed (bad YAML, unknown keys, contradictory limits)."""

    code = "invalid_kyc_policy"


class KycPolicy(BaseModel):
    """What a KYC case must show to be approved; every key is optional in a mapping."""

    model_config = ConfigDict(extra="forbid")

    proof_of_address_max_age_days: int = Field(
        92, ge=1, le=3660, description="A proof of address must be issued within this many days."
    )
    name_match_min: float = Field(
        85, ge=0, le=100, description="Name score (token set ratio) from which names match."
    )
    name_review_min: float = Field(
        70,
        ge=0,
        le=100,
        description="Name scores from here up to `name_match_min` are a grey zone: a person "
        "looks; below it the names do not match.",
    )
    address_match_min: float = Field(
        80, ge=0, le=100, description="Address score from which addresses match."
    )
    address_review_min: float = Field(
        65, ge=0, le=100, description="Address grey zone, like `name_review_min`."
    )
    income_tolerance: Decimal = Field(
        Decimal("0.10"),
        ge=0,
        le=1,
        description="A credit within this fraction of a payslip's net pay is that pay; a "
        "declared income within it of the pay is consistent.",
    )
    pay_credit_days: int = Field(
        10, ge=0, le=62, description="Days after the pay date (or period end) a pay may arrive."
    )
    min_field_confidence: float = Field(
        0.6, ge=0, le=1, description="Fields a check uses read below this go to a person."
    )
    require_income: bool = Field(
        True, description="False: a case without payslips can still be approved."
    )

    @model_validator(mode="after")
    def _grey_zones(self) -> KycPolicy:
        if self.name_review_min > self.name_match_min:
            raise ValueError("'name_review_min' must not be above 'name_match_min'")
        if self.address_review_min > self.address_match_min:
            raise ValueError("'address_review_min' must not be above 'address_match_min'")
        return self


DEFAULT_POLICY = KycPolicy()


def kyc_policy_from_dict(data: Any) -> KycPolicy:
    """Validate a policy given as a mapping (missing keys keep their defaults).

    Raise `KycPolicyError` naming each problem, so a caller sees which key is wrong.
    """
    if data is None:
        return DEFAULT_POLICY
    if not isinstance(data, dict):
        raise KycPolicyError("a KYC policy is a mapping of keys (name_match_min, ...)")
    try:
        return KycPolicy.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'policy'}: "
            + ("unknown key" if e["type"] == "extra_forbidden" else e["msg"])
            for e in exc.errors()
        )
        raise KycPolicyError(f"invalid KYC policy: {problems}") from None


def load_kyc_policy_yaml(text: str) -> KycPolicy:
    """Parse a KYC policy from YAML text (an empty document is the default policy)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise KycPolicyError(f"the KYC policy is not valid YAML: {exc}") from None
    return kyc_policy_from_dict(data)
