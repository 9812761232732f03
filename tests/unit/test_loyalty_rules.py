"""Campaign rules and the decision, with the boundary cases the issue lists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from paperclerk.loyalty.decide import Outcome, confidence_finding, decide
from paperclerk.loyalty.findings import Effect, finding
from paperclerk.loyalty.products import match_item, normalise
from paperclerk.loyalty.rules import ClaimContext, campaign_rules, reward_for
from tests.unit.loyalty_helpers import TODAY, campaign, receipt

MILO = [("MILO 3IN1 18X30G", "1", "12.90"), ("GARDENIA BREAD 400G", "2", "7.60")]


def run(doc, c=None, **ctx):  # type: ignore[no-untyped-def]
    findings, spend = campaign_rules(doc, c or campaign(), ClaimContext(today=TODAY, **ctx))
    return {f.rule_id: f for f in findings}, spend


@pytest.mark.parametrize(
    ("day", "ok"),
    [
        (dt.date(2026, 4, 30), True),
        (dt.date(2026, 5, 1), False),
        (dt.date(2026, 4, 1), True),
        (dt.date(2026, 3, 31), False),
    ],
)
def test_date_window_includes_both_ends(day: dt.date, ok: bool) -> None:
    found, _ = run(receipt(day=day, items=MILO))
    f = found["campaign.date_window"]
    assert f.passed is ok
    assert f.evidence["date_read"] == day.isoformat()
    assert f.effect == (Effect.NONE if ok else Effect.REJECT)


def test_unreadable_date_goes_to_review_not_rejection() -> None:
    found, _ = run(receipt(day=None, items=MILO))
    assert not found["campaign.date_window"].passed
    assert found["campaign.date_window"].effect == Effect.REVIEW


@pytest.mark.parametrize(("total", "ok"), [("27.55", True), ("27.54", False), ("100", True)])
def test_spend_exactly_at_the_minimum_qualifies(total: str, ok: bool) -> None:
    found, spend = run(receipt(total=total, items=MILO))
    assert spend == Decimal(total)
    assert found["campaign.min_spend"].passed is ok


def test_qualifying_spend_counts_only_matched_products() -> None:
    c = campaign(spend_basis="qualifying", min_spend="12.90")
    found, spend = run(receipt(total="99.00", items=MILO), c)
    assert spend == Decimal("12.90")
    assert found["campaign.min_spend"].passed
    found, _ = run(
        receipt(total="99.00", items=MILO), campaign(spend_basis="qualifying", min_spend="13.00")
    )
    assert not found["campaign.min_spend"].passed


def test_a_product_matched_only_through_an_alias() -> None:
    c = campaign()
    item = receipt(items=MILO).line_items[0]
    without_alias = c.products[0].model_copy(update={"aliases": []})
    assert match_item(item, [without_alias]) is None  # the name alone is too far
    m = match_item(item, c.products)
    assert m is not None and m.method == "alias" and m.product_id == "milo"
    found, _ = run(receipt(items=MILO), c)
    products = found["campaign.products"]
    assert products.passed
    assert products.evidence["matches"][0] == {
        "line": 0,
        "description": "MILO 3IN1 18X30G",
        "product": "milo",
        "method": "alias",
        "matched_name": "MILO 3IN1 18X30G",
        "score": 100.0,
        "quantity": "1",
    }


def test_fuzzy_match_of_abbreviated_till_text() -> None:
    c = campaign(products=[{"id": "bread", "name": "Gardenia Bread 400 g"}])
    m = match_item(receipt(items=MILO).line_items[1], c.products)
    assert m is not None and m.method == "fuzzy" and m.quantity == Decimal(2)


def test_learnt_alias_from_a_reviewer_correction() -> None:
    c = campaign(products=[{"id": "milo", "name": "Nestle Milo Activ-Go"}])
    items = [("NST MLO AG 18S", "1", "12.90")]
    assert not run(receipt(items=items), c)[0]["campaign.products"].passed
    learnt = {normalise("NST MLO AG 18S"): "milo"}
    found, _ = run(receipt(items=items), c, learnt_aliases=learnt)
    assert found["campaign.products"].passed
    assert found["campaign.products"].evidence["matches"][0]["method"] == "learnt-alias"


def test_gtin_codes_match_with_or_without_leading_zeros() -> None:
    doc = receipt(items=[("ITEM", "1", "5.00")])
    doc.line_items[0].fields["product_code"] = (
        doc.line_items[0]
        .fields["description"]
        .model_copy(update={"name": "product_code", "value": "09556001234567"})
    )
    m = match_item(doc.line_items[0], campaign().products)
    assert m is not None and m.method == "code"


def test_minimum_quantity_and_all_products() -> None:
    c = campaign(
        products=[
            {"id": "milo", "name": "Milo", "aliases": ["MILO 3IN1 18X30G"]},
            {"id": "bread", "name": "Gardenia Bread 400g", "min_quantity": 3},
        ],
        require_all_products=True,
    )
    found, _ = run(receipt(items=MILO), c)
    assert not found["campaign.products"].passed
    assert "bread (2 of 3)" in found["campaign.products"].message


def test_retailer_by_alias_and_unknown_shop() -> None:
    assert run(receipt(merchant="KRMJ", items=MILO))[0]["campaign.retailer"].passed
    other = run(receipt(merchant="TESCO EXTRA", items=MILO))[0]["campaign.retailer"]
    assert not other.passed and other.effect == Effect.REJECT


def test_claim_limit_per_week() -> None:
    c = campaign(claim_limits=[{"max_claims": 1, "period": "week"}])
    same_week = [dt.date(2026, 4, 27)]  # Monday of the week of Thursday 30 April
    assert not run(receipt(items=MILO), c, approved_purchase_dates=same_week)[0][
        "campaign.claim_limit"
    ].passed
    earlier_week = [dt.date(2026, 4, 26)]
    assert run(receipt(items=MILO), c, approved_purchase_dates=earlier_week)[0][
        "campaign.claim_limit"
    ].passed


def test_submission_deadline() -> None:
    c = campaign(submit_until="2026-04-30")
    assert not run(receipt(items=MILO), c)[0]["campaign.submission_deadline"].passed


@pytest.mark.parametrize(
    ("reward", "spend", "expected"),
    [
        ({"kind": "percentage", "percent": 10, "cap": "2.00"}, "27.55", "2.00"),
        ({"kind": "percentage", "percent": 10}, "12.34", "1.23"),
        ({"kind": "fixed", "amount": "5"}, "1.00", "5.00"),
        ({"kind": "fixed", "amount": "5", "cap": "3"}, "1.00", "3.00"),
    ],
)
def test_reward_rules(reward: dict[str, object], spend: str, expected: str) -> None:
    assert reward_for(campaign(reward=reward), Decimal(spend)) == Decimal(expected)


def test_decision_reject_beats_review_beats_approval() -> None:
    ok = finding("a", True, "fine")
    review = finding("b", False, "look", effect=Effect.REVIEW)
    reject = finding("c", False, "no")
    assert decide([ok]) == Outcome.APPROVED
    assert decide([ok, review]) == Outcome.NEEDS_REVIEW
    assert decide([review, reject]) == Outcome.REJECTED


def test_low_confidence_total_goes_to_review() -> None:
    doc = receipt(items=MILO)
    doc.fields["total"] = doc.fields["total"].model_copy(update={"confidence": 0.3})
    f = confidence_finding(doc, 0.8)
    assert not f.passed and f.effect == Effect.REVIEW and f.fields == ["total"]
