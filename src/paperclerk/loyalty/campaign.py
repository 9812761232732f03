"""Campaign definitions: the rules a cashback or loyalty campaign sets, from the API or YAML.

A campaign says when it runs, in which shops, how much must be spent (on the whole receipt
or on the qualifying products), which products must be bought and how often a participant
may claim, and how the reward is computed. Bad YAML or an inconsistent campaign raises
`CampaignError` with a message that names the offending key.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from paperclerk.errors import InputError


class CampaignError(InputError):
    """A campaign definition is malformed (bad YAML, missing keys, contradictory values)."""

    code = "invalid_campaign"


class Retailer(BaseModel):
    """A participating shop: its name and the other names its receipts print."""

    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)


class Product(BaseModel):
    """A product that qualifies: name, codes (SKU, PLU) or GTINs, aliases, minimum quantity."""

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    codes: list[str] = Field(default_factory=list, description="Till codes, SKUs or GTINs.")
    min_quantity: Decimal = Field(Decimal(1), gt=0)


class SpendBasis(StrEnum):
    """What the minimum spend is measured on."""

    TOTAL = "total"
    QUALIFYING = "qualifying"


class ClaimLimit(BaseModel):
    """At most `max_claims` approved claims per participant in each `period`."""

    max_claims: int = Field(ge=1)
    period: Literal["campaign", "day", "week", "month"] = "campaign"


class Reward(BaseModel):
    """A fixed amount, or a percentage of the qualifying spend, optionally capped."""

    kind: Literal["fixed", "percentage"]
    amount: Decimal | None = Field(None, ge=0)
    percent: Decimal | None = Field(None, ge=0, le=100)
    cap: Decimal | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _complete(self) -> Reward:
        if self.kind == "fixed" and self.amount is None:
            raise ValueError("a fixed reward needs 'amount'")
        if self.kind == "percentage" and self.percent is None:
            raise ValueError("a percentage reward needs 'percent'")
        return self


class Campaign(BaseModel):
    """One cashback or loyalty campaign."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = ""
    starts: dt.date
    ends: dt.date = Field(description="Last day a purchase may be made (inclusive).")
    submit_until: dt.date | None = Field(
        None, description="Last day a receipt may be submitted; defaults to `ends` + 30 days."
    )
    currency: str | None = None
    retailers: list[Retailer] = Field(default_factory=list, description="Empty: any shop.")
    min_spend: Decimal = Field(Decimal(0), ge=0)
    spend_basis: SpendBasis = SpendBasis.TOTAL
    products: list[Product] = Field(default_factory=list)
    require_all_products: bool = Field(
        False, description="True: every listed product must be bought; False: any one."
    )
    claim_limits: list[ClaimLimit] = Field(default_factory=list)
    reward: Reward
    auto_approve_confidence: float = Field(
        0.8, ge=0, le=1, description="Fields read below this confidence send the claim to review."
    )

    @model_validator(mode="after")
    def _window(self) -> Campaign:
        if self.ends < self.starts:
            raise ValueError(f"'ends' ({self.ends}) is before 'starts' ({self.starts})")
        if self.spend_basis == SpendBasis.QUALIFYING and not self.products:
            raise ValueError("spend_basis 'qualifying' needs at least one product")
        return self

    @property
    def last_submission_day(self) -> dt.date:
        """The last day a receipt may be submitted."""
        return self.submit_until or self.ends + dt.timedelta(days=30)


def _has_nul(value: Any) -> bool:
    """Whether any text in a nested structure holds a NUL (databases refuse it)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def campaign_from_dict(data: Any) -> Campaign:
    """Validate a campaign given as a mapping; raise CampaignError naming each problem."""
    if not isinstance(data, dict):
        raise CampaignError("a campaign is a mapping of keys (id, starts, ends, reward, ...)")
    if _has_nul(data):
        raise CampaignError("a campaign must not contain NUL characters")
    try:
        return Campaign.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'campaign'}: {e['msg']}" for e in exc.errors()
        )
        raise CampaignError(f"invalid campaign: {problems}") from None


def load_campaign_yaml(text: str) -> Campaign:
    """Parse a campaign from YAML text."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CampaignError(f"the campaign is not valid YAML: {exc}") from None
    return campaign_from_dict(data)


def load_campaign_file(path: Path) -> Campaign:
    """Read a campaign YAML file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CampaignError(f"cannot read campaign file {path}: {exc}") from None
    return load_campaign_yaml(text)
