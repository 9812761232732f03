"""Campaign definitions: the rules a cashback or loyalty campaign sets, from the API or YAML.

A campaign says when it runs (in its own time zone), in which shops, in which currency, how
much must be spent (on the whole receipt or on the qualifying products), which products must
be bought and how often a participant may claim, and how the reward is computed. Bad YAML,
an unknown key (a misspelt `retailer:` would otherwise silently mean "every shop") or an
inconsistent campaign raises `CampaignError` with a message that names the offending key.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from rapidfuzz import fuzz, process

from paperclerk.errors import InputError

CURRENCY_CODE = re.compile(r"[A-Z]{3}")


class CampaignError(InputError):
    """A campaign definition is malformed (bad YAML, missing keys, contradictory values)."""

    code = "invalid_campaign"


class _Strict(BaseModel):
    """A part of a campaign definition: unknown keys are errors, never silently ignored."""

    model_config = ConfigDict(extra="forbid")


class Retailer(_Strict):
    """A participating shop: its names, and identifiers that recognise it when OCR mangles them.

    A registration number or tax id printed on the receipt identifies the shop even when its
    name was misread; an address lifts a borderline name match (see `loyalty.retailers`).
    """

    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    registration_numbers: list[str] = Field(
        default_factory=list, description="Company registration numbers, e.g. '860671-D'."
    )
    tax_ids: list[str] = Field(default_factory=list, description="GST/SST/VAT numbers.")
    addresses: list[str] = Field(
        default_factory=list, description="Branch addresses as printed (street, town)."
    )


class Product(_Strict):
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


class ClaimLimit(_Strict):
    """At most `max_claims` claims (approved or in review) per participant in each `period`."""

    max_claims: int = Field(ge=1)
    period: Literal["campaign", "day", "week", "month"] = "campaign"


class Reward(_Strict):
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


class Campaign(_Strict):
    """One cashback or loyalty campaign."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = ""
    starts: dt.date
    ends: dt.date = Field(description="Last day a purchase may be made (inclusive).")
    submit_until: dt.date | None = Field(
        None, description="Last day a receipt may be submitted; defaults to `ends` + 30 days."
    )
    timezone: str = Field(
        "UTC",
        description="IANA time zone of the campaign (e.g. 'Asia/Kuala_Lumpur'): 'today' for "
        "deadlines, future dates and claim periods is the local date of the submission.",
    )
    currency: str | None = Field(
        None,
        description="ISO 4217 code; a receipt that prints another currency is rejected.",
    )
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
    confirm_total: bool = Field(
        False,
        description="True: a total that nothing else on the receipt confirms (tax summary, "
        "cash less change, rounding, items) goes to review instead of being approved.",
    )
    duplicate_scope: Literal["workspace", "campaign"] = Field(
        "workspace",
        description="Where earlier submissions count as duplicates: 'workspace' (every "
        "campaign of the workspace: a receipt claimed once anywhere is spent) or 'campaign' "
        "(only this campaign's submissions: the same receipt may be claimed in another).",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as 'Asia/Kuala_Lumpur'"
            ) from None
        return value

    @field_validator("currency")
    @classmethod
    def _currency_code(cls, value: str | None) -> str | None:
        if value is None:
            return None
        code = value.strip().upper()
        if not CURRENCY_CODE.fullmatch(code):
            raise ValueError(f"{value!r} is not an ISO 4217 currency code (three letters)")
        return code

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

    def local_date(self, now: dt.datetime) -> dt.date:
        """Return the campaign's local date at `now` (a naive `now` is UTC).

        Deadlines and claim periods are days where the campaign runs: a receipt sent at
        01:30 in Kuala Lumpur on 1 July is late for a campaign closing on 30 June, though
        it is still 30 June in UTC.
        """
        aware = now if now.tzinfo is not None else now.replace(tzinfo=dt.UTC)
        return aware.astimezone(ZoneInfo(self.timezone)).date()


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
        problems = "; ".join(_problem(e["loc"], e["type"], e["msg"]) for e in exc.errors())
        raise CampaignError(f"invalid campaign: {problems}") from None


def _problem(loc: tuple[int | str, ...], kind: str, msg: str) -> str:
    """Describe one validation error; an unknown key names the closest known one."""
    if kind != "extra_forbidden" or not loc:
        return f"{'.'.join(str(p) for p in loc) or 'campaign'}: {msg}"
    where = ".".join(str(p) for p in loc[:-1])
    key = str(loc[-1])
    text = f"unknown key {key!r}"
    close = _closest_key(key, _model_at(loc[:-1]))
    if close:
        text += f" (did you mean {close!r}?)"
    return f"{where}: {text}" if where else text


def _model_at(path: tuple[int | str, ...]) -> type[BaseModel]:
    """Return the model that holds the keys at `path` (e.g. ('retailers', 0) → Retailer)."""
    model: type[BaseModel] = Campaign
    for part in path:
        info = model.model_fields.get(part) if isinstance(part, str) else None
        if info is None:
            continue
        nested = _nested_model(info.annotation)
        if nested is not None:
            model = nested
    return model


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """Return the model inside an annotation such as `list[Retailer]` or `Reward | None`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _nested_model(arg)
        if found is not None:
            return found
    return None


def _closest_key(key: str, model: type[BaseModel]) -> str | None:
    """Return the known key of `model` most like `key`, when one is close enough to suggest."""
    best = process.extractOne(key, list(model.model_fields), scorer=fuzz.ratio, score_cutoff=70)
    return str(best[0]) if best else None


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
