"""A workspace's invoice payment approval policy: ordered rules, each with approval steps.

The policy is data, validated here: a list of rules, each `{name, when, steps}`. `when`
narrows the invoices a rule applies to (amount range, currency, suppliers, cost centres;
an absent condition matches everything), `steps` are the approvals in order, each with
its approvers (emails) and the hours it may take. The first rule whose `when` matches an
invoice applies (`payables.approval_rules`); an invoice no rule matches is approved
without steps. An unknown key, an empty step or contradictory amounts raise
`ApprovalPolicyError` naming the offending key.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from paperclerk.errors import InputError

MAX_RULES = 100
MAX_STEPS = 10
MAX_APPROVERS = 50
MAX_DUE_HOURS = 24 * 365
EMAIL = re.compile(r"[^@\s\x00-\x1f]+@[^@\s\x00-\x1f]+")
_NAME = r"^[^\x00-\x1f]*\S[^\x00-\x1f]*$"


class ApprovalPolicyError(InputError):
    """An approval policy is malformed (unknown keys, empty steps, contradictory values)."""

    code = "invalid_approval_policy"


class _Strict(BaseModel):
    """A part of the policy: unknown keys are errors (a misspelt key must not match all)."""

    model_config = ConfigDict(extra="forbid")


def normalise_emails(emails: list[str]) -> list[str]:
    """Return the emails stripped, lower-cased and deduplicated; refuse one that is not one.

    Emails are compared in this one form everywhere (as `storage.users` stores them).
    """
    out: list[str] = []
    for raw in emails:
        email = raw.strip().lower()
        if len(email) > 320 or not EMAIL.fullmatch(email):
            raise ValueError(f"{raw!r} is not an email address")
        if email not in out:
            out.append(email)
    return out


class Condition(_Strict):
    """When a rule applies; every condition given must hold, an absent one always holds.

    `min_amount` is inclusive, `max_amount` exclusive, both on the invoice's grand total.
    `supplier_ids` lists suppliers by their id or their ERP supplier number;
    `cost_centres` holds when any line of the invoice is coded to one of them.
    """

    min_amount: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=4)
    max_amount: Decimal | None = Field(None, gt=0, max_digits=18, decimal_places=4)
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    supplier_ids: list[str] | None = Field(None, min_length=1, max_length=1000)
    cost_centres: list[str] | None = Field(None, min_length=1, max_length=1000)

    @model_validator(mode="after")
    def _amounts_in_order(self) -> Condition:
        """Refuse a range no amount can fall in."""
        low, high = self.min_amount, self.max_amount
        if low is not None and high is not None and low >= high:
            raise ValueError("min_amount must be less than max_amount")
        return self

    @field_validator("supplier_ids", "cost_centres")
    @classmethod
    def _codes(cls, values: list[str] | None) -> list[str] | None:
        """Return the codes stripped; refuse blank or control characters."""
        if values is None:
            return None
        out = [v.strip() for v in values]
        if any(not v or len(v) > 100 or not v.isprintable() for v in out):
            raise ValueError("codes need 1 to 100 printable characters")
        return out


class Step(_Strict):
    """One approval: any one of `approvers` (or their delegate) approves within `due_hours`."""

    name: str = Field(min_length=1, max_length=200, pattern=_NAME)
    approvers: list[str] = Field(min_length=1, max_length=MAX_APPROVERS)
    due_hours: int = Field(48, ge=1, le=MAX_DUE_HOURS)

    @field_validator("approvers")
    @classmethod
    def _emails(cls, values: list[str]) -> list[str]:
        """Return the approvers' emails in their stored form."""
        return normalise_emails(values)


class Rule(_Strict):
    """A named rule: the invoices it applies to and the steps they go through."""

    name: str = Field(min_length=1, max_length=200, pattern=_NAME)
    when: Condition = Field(default_factory=Condition)
    steps: list[Step] = Field(min_length=1, max_length=MAX_STEPS)


class ApprovalPolicy(_Strict):
    """A workspace's approval rules in order; the first that matches an invoice applies."""

    rules: list[Rule] = Field(max_length=MAX_RULES)

    @model_validator(mode="after")
    def _unique_names(self) -> ApprovalPolicy:
        """Refuse two rules with one name (the audit and the API name the rule applied)."""
        names = [r.name for r in self.rules]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise ValueError(f"rule names must be unique: {', '.join(doubled)}")
        return self


def policy_from_dict(data: Any) -> ApprovalPolicy:
    """Validate a policy document (parsed JSON or YAML); raise `ApprovalPolicyError`.

    The message names each offending key by its path (`rules.0.steps.1.approvers`), so a
    person can fix the document without guessing.
    """
    if not isinstance(data, dict):
        raise ApprovalPolicyError("an approval policy is an object with a `rules` list")
    try:
        return ApprovalPolicy.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'policy'}: {e['msg']}"
            for e in exc.errors()[:10]
        )
        raise ApprovalPolicyError(f"invalid approval policy: {problems}") from None
