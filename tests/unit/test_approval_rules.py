"""Invoice approval policy: validation, and which rule applies (amount, supplier, cost centre)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from paperclerk.payables.approval_policy import ApprovalPolicyError, policy_from_dict
from paperclerk.payables.approval_rules import NO_RULE, InvoiceFacts, choose_rule, invoice_amount
from tests.unit.test_export_ubl import invoice

STEP = {"name": "clerk", "approvers": ["AP@Example.com "], "due_hours": 24}


def policy(*rules: dict[str, Any]) -> Any:
    return policy_from_dict({"rules": [{"steps": [STEP], **r} for r in rules]})


def facts(amount: str | None = "500", **kw: Any) -> InvoiceFacts:
    return InvoiceFacts(
        amount=Decimal(amount) if amount is not None else None,
        currency=kw.pop("currency", "EUR"),
        **kw,
    )


RULES = policy(
    {"name": "big", "when": {"min_amount": "10000"}},
    {"name": "acme", "when": {"supplier_ids": ["S-ACME"]}},
    {"name": "it", "when": {"cost_centres": ["IT"], "max_amount": "5000", "currency": "EUR"}},
    {"name": "small", "when": {"max_amount": "1000"}},
)


def test_rules_match_by_amount_supplier_and_cost_centre() -> None:
    assert choose_rule(RULES, facts("25000")).rule.name == "big"  # type: ignore[union-attr]
    acme = facts("20", supplier_id="a" * 32, supplier_number="S-ACME")
    assert choose_rule(RULES, acme).rule.name == "acme"  # type: ignore[union-attr]
    it = facts("2000", cost_centres=frozenset({"IT", "HR"}))
    assert choose_rule(RULES, it).rule.name == "it"  # type: ignore[union-attr]
    assert choose_rule(RULES, facts("999.99")).rule.name == "small"  # type: ignore[union-attr]


def test_the_first_matching_rule_wins() -> None:
    # 25000 from ACME coded to IT: "big", "acme" and "it" all could apply; "big" comes first
    both = facts("25000", supplier_number="S-ACME", cost_centres=frozenset({"IT"}))
    choice = choose_rule(RULES, both)
    assert choice.rule is not None and choice.rule.name == "big"
    assert "big" in choice.reason and "amount ≥ 10000" in choice.reason
    reordered = policy({"name": "acme", "when": {"supplier_ids": ["S-ACME"]}},
                       {"name": "big", "when": {"min_amount": "10000"}})  # fmt: skip
    assert choose_rule(reordered, both).rule.name == "acme"  # type: ignore[union-attr]


def test_bounds_min_inclusive_max_exclusive_and_currency() -> None:
    assert choose_rule(RULES, facts("10000")).rule.name == "big"  # type: ignore[union-attr]
    # 1000 is not below max_amount 1000, nothing else fits it
    choice = choose_rule(RULES, facts("1000"))
    assert choice.rule is None and choice.reason.startswith(NO_RULE)
    usd = facts("2000", currency="USD", cost_centres=frozenset({"IT"}))
    assert choose_rule(RULES, usd).rule is None


def test_an_invoice_without_amount_supplier_or_coding_matches_no_narrowed_rule() -> None:
    choice = choose_rule(RULES, facts(None))
    assert choice.rule is None
    assert "no amount" in choice.reason and "supplier" in choice.reason
    catch_all = policy({"name": "big", "when": {"min_amount": "10000"}}, {"name": "rest"})
    assert choose_rule(catch_all, facts(None)).rule.name == "rest"  # type: ignore[union-attr]


def test_an_empty_policy_approves_everything_without_steps() -> None:
    choice = choose_rule(policy_from_dict({"rules": []}), facts())
    assert choice.rule is None and "no rules" in choice.reason


def test_the_amount_is_the_grand_total_else_the_amount_due() -> None:
    assert invoice_amount(invoice()) == Decimal("173.50")
    assert invoice_amount(invoice(total=None)) == Decimal("173.50")
    assert invoice_amount(invoice(total=None, amount_due=None)) is None


def test_approvers_are_normalised_emails() -> None:
    step = RULES.rules[0].steps[0]
    assert step.approvers == ["ap@example.com"] and step.due_hours == 24


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"rules": [{"name": "x", "steps": []}]}, "rules.0.steps"),
        ({"rules": [{"name": "x", "steps": [{**STEP, "approvers": ["nobody"]}]}]}, "approvers"),
        ({"rules": [{"name": "x", "steps": [STEP], "wen": {}}]}, "rules.0.wen"),
        (
            {
                "rules": [
                    {"name": "x", "steps": [STEP], "when": {"min_amount": "5", "max_amount": "5"}}
                ]
            },
            "min_amount",
        ),
        ({"rules": [{"name": "x", "steps": [STEP]}, {"name": "x", "steps": [STEP]}]}, "unique"),
        ({"rules": [{"name": "x", "steps": [{**STEP, "due_hours": 0}]}]}, "due_hours"),
        ({"rules": [{"name": "x", "steps": [STEP], "when": {"currency": "eur"}}]}, "currency"),
        ([], "object"),
    ],
)
def test_a_bad_policy_names_the_offending_key(data: Any, key: str) -> None:
    with pytest.raises(ApprovalPolicyError) as caught:
        policy_from_dict(data)
    assert key in str(caught.value)
    assert caught.value.http_status == 422
