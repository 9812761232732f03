"""Hand-made campaigns over shared SROIE receipts (read from their given OCR, no OCR run)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from paperclerk.evaluation.sroie import document_from_boxes, iter_samples
from paperclerk.learning.loader import receipt_extractor
from paperclerk.loyalty.campaign import campaign_from_dict
from paperclerk.loyalty.decide import Outcome, decide
from paperclerk.loyalty.rules import ClaimContext, campaign_rules
from paperclerk.model import Document
from tests.conftest import SHARED, needs_shared

pytestmark = [needs_shared("sroie"), pytest.mark.shared]
ROOT = SHARED / "sroie"
TODAY = dt.date(2019, 1, 31)


def receipt(sid: str) -> Document:
    sample = next(s for s in iter_samples(Path(ROOT)) if s.id == sid)
    return document_from_boxes(sample, receipt_extractor("rules"))


def check(doc: Document, **campaign: Any) -> tuple[Outcome, dict[str, Any]]:
    c = campaign_from_dict(
        {
            "id": "c",
            "submit_until": "2030-01-01",
            "reward": {"kind": "fixed", "amount": 5},
            **campaign,
        }
    )
    findings, _ = campaign_rules(doc, c, ClaimContext(today=TODAY))
    return decide(findings), {f.rule_id: f for f in findings}


CLAY = {
    "starts": "2018-12-01",
    "ends": "2018-12-25",  # the receipt's day: the last day of the window
    "retailers": [{"name": "Book Ta.K", "aliases": ["BOOK TA .K (TAMAN DAYA)"]}],
    "min_spend": "9.00",  # the receipt's total, exactly
    "products": [{"id": "clay", "name": "Kiddy modelling clay", "codes": ["9556939040116"]}],
}


def test_last_day_exact_minimum_and_gtin_in_the_till_text() -> None:
    doc = receipt("X00016469612")
    outcome, found = check(doc, **CLAY)
    assert outcome == Outcome.APPROVED, [f.message for f in found.values() if not f.passed]
    assert found["campaign.date_window"].evidence["date_read"] == "2018-12-25"
    assert found["campaign.products"].evidence["matches"][0]["method"] == "code"
    assert check(doc, **{**CLAY, "ends": "2018-12-24"})[0] == Outcome.REJECTED
    assert check(doc, **{**CLAY, "min_spend": "9.01"})[0] == Outcome.REJECTED
    assert check(doc, **{**CLAY, "retailers": [{"name": "Tesco"}]})[0] == Outcome.REJECTED


SILICONE = {
    "starts": "2018-02-01",
    "ends": "2018-02-28",
    "retailers": [{"name": "Perniagaan Zheng Hui"}],
    "spend_basis": "qualifying",
    "min_spend": "15.00",  # the silicone gun line alone, exactly
    "products": [
        {
            "id": "gun",
            "name": "Caulking gun, heavy duty",
            "aliases": ["PROWESS H/DUTY SILICONE GUN"],
            "min_quantity": 1,
        }
    ],
}


def test_product_only_through_its_alias_with_minimum_quantity() -> None:
    doc = receipt("X51005200938")
    outcome, found = check(doc, **SILICONE)
    assert outcome == Outcome.APPROVED, [f.message for f in found.values() if not f.passed]
    match = found["campaign.products"].evidence["matches"][0]
    # the till prints code, quantity and amounts first and the description below them:
    # "8239 1 15.00 15.00" / "SR: 11" PROWESS H/DUTY SILICONE GUN G-D2"
    assert match["method"] == "fuzzy-alias" and match["quantity"] == "1"
    assert found["campaign.min_spend"].evidence["spend"] == "15.00"
    no_alias = {**SILICONE, "products": [{**SILICONE["products"][0], "aliases": []}]}
    assert check(doc, **no_alias)[0] == Outcome.REJECTED
    two = {**SILICONE, "products": [{**SILICONE["products"][0], "min_quantity": 2}]}
    assert check(doc, **two)[0] == Outcome.REJECTED


def test_same_shop_chain_other_branch_and_no_products_read() -> None:
    doc = receipt("X00016469620")  # MR D.I.Y., no line items read
    base = {
        "starts": "2019-01-01",
        "ends": "2019-01-31",
        "retailers": [{"name": "MR DIY", "aliases": ["MR D.I.Y."]}],
        "min_spend": "33.90",
    }
    # "MR D.T.Y. (JOHOR) SDN BHD": the misread name is close to "MR DIY" (83/100), not
    # close enough to approve; the company's registration number in the header settles it
    outcome, found = check(doc, **base)
    assert outcome == Outcome.NEEDS_REVIEW
    assert found["campaign.retailer"].evidence["read_normalised"] == "mr dty"
    numbered = {**base, "retailers": [{"name": "MR DIY", "registration_numbers": ["933109-X"]}]}
    assert check(doc, **numbered)[0] == Outcome.APPROVED
    # its four items are read now (description above, code and amounts below): cable
    # ties are not among them, the chopping board is (by its description)
    with_product = {**numbered, "products": [{"id": "x", "name": "Cable ties"}]}
    assert check(doc, **with_product)[0] == Outcome.REJECTED
    board = {**numbered, "products": [{"id": "b", "name": "Chopping board"}]}
    assert check(doc, **board)[0] == Outcome.APPROVED
