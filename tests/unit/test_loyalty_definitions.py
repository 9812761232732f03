"""Campaign definitions that say what they mean: unknown keys, shops, time zone, currency.

Each test reproduces a defect of issue 16: a misspelt key silently widened a campaign, a
genuine receipt of "MR DIY" was rejected for the punctuation and legal form of its printed
name, "today" was the UTC date, a receipt in another currency passed, and a receipt whose
line items could not be read was rejected for missing products.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from paperclerk.loyalty.campaign import Campaign, CampaignError, campaign_from_dict
from paperclerk.loyalty.decide import Outcome, decide
from paperclerk.loyalty.findings import Effect
from paperclerk.loyalty.retailers import match_retailer, normalise_shop_name
from paperclerk.loyalty.rules import ClaimContext, campaign_rules, currency_rule, retailer_rule
from paperclerk.model import Box, Document, LineItem, Page
from paperclerk.model.page import Line, Word
from tests.unit.loyalty_helpers import TODAY, campaign, field, receipt

MILO = [("MILO 3IN1 18X30G", "1", "27.55")]


def findings_of(doc: Document, c: Campaign | None = None) -> dict[str, Any]:
    found, _ = campaign_rules(doc, c or campaign(), ClaimContext(today=TODAY))
    return {f.rule_id: f for f in found}


# 1. unknown keys


@pytest.mark.parametrize(
    ("where", "data", "needle"),
    [
        (
            "campaign",
            {"retailer": [{"name": "X"}]},
            "unknown key 'retailer' (did you mean 'retailers'?)",
        ),
        (
            "retailer",
            {"retailers": [{"name": "X", "alias": ["Y"]}]},
            "retailers.0: unknown key 'alias' (did you mean 'aliases'?)",
        ),
        (
            "product",
            {"products": [{"id": "p", "name": "P", "code": ["1"]}]},
            "products.0: unknown key 'code' (did you mean 'codes'?)",
        ),
        (
            "claim limit",
            {"claim_limits": [{"max_claims": 1, "periods": "week"}]},
            "claim_limits.0: unknown key 'periods' (did you mean 'period'?)",
        ),
        (
            "reward",
            {"reward": {"kind": "fixed", "amount": 1, "capp": 2}},
            "reward: unknown key 'capp' (did you mean 'cap'?)",
        ),
        ("no close key", {"zzzz": 1}, "unknown key 'zzzz'"),
    ],
)
def test_unknown_keys_are_rejected_with_the_closest_known_key(
    where: str, data: dict[str, Any], needle: str
) -> None:
    base: dict[str, Any] = {
        "id": "c",
        "starts": "2026-04-01",
        "ends": "2026-04-30",
        "reward": {"kind": "fixed", "amount": 1},
    }
    with pytest.raises(CampaignError) as err:
        campaign_from_dict({**base, **data})
    assert needle in err.value.message, (where, err.value.message)
    if where == "no close key":
        assert "did you mean" not in err.value.message


def test_a_stored_definition_of_today_still_loads() -> None:
    """Stored campaigns hold what `model_dump` wrote before the new keys existed."""
    stored = campaign().model_dump(mode="json")
    for key in ("timezone", "duplicate_scope"):
        stored.pop(key, None)
    for r in stored["retailers"]:
        for key in ("registration_numbers", "tax_ids", "addresses"):
            r.pop(key, None)
    loaded = Campaign.model_validate(stored)
    assert loaded.timezone == "UTC" and loaded.duplicate_scope == "workspace"
    assert loaded.retailers[0].tax_ids == []
    # and a definition written today reads back unchanged
    again = Campaign.model_validate(loaded.model_dump(mode="json"))
    assert again == loaded


# 2. retailer matching


def test_punctuation_and_legal_forms_do_not_hide_the_shop() -> None:
    assert normalise_shop_name("MR. D.I.Y. (M) SDN BHD") == "mr diy"
    assert normalise_shop_name("Tesco Stores (Malaysia) Sdn. Bhd.") == "tesco stores"
    assert normalise_shop_name("ACME GmbH & Co. KG") == "acme"
    assert normalise_shop_name("Carrefour S.A.") == "carrefour"
    assert normalise_shop_name("Ltd") == "ltd"  # never normalised away to nothing
    c = campaign(retailers=[{"name": "MR DIY"}])
    f = retailer_rule(receipt(merchant="MR. D.I.Y. (M) SDN BHD", items=MILO), c)
    assert f.passed, f.message
    assert f.evidence["score"] == 100.0
    assert f.evidence["read_normalised"] == "mr diy"
    assert f.evidence["read"] == "MR. D.I.Y. (M) SDN BHD"


def test_a_clearly_other_shop_is_rejected_and_a_borderline_one_reviewed() -> None:
    c = campaign(retailers=[{"name": "Kedai Runcit Maju Jaya"}])
    other = retailer_rule(receipt(merchant="TESCO EXTRA", items=MILO), c)
    assert not other.passed and other.effect == Effect.REJECT
    mangled = retailer_rule(receipt(merchant="K3DA1 RUNC1T MAJ JAYA", items=MILO), c)
    assert 65 <= mangled.evidence["score"] < 85, mangled.evidence
    assert not mangled.passed and mangled.effect == Effect.REVIEW
    assert "person" in mangled.message


def _header_page(*texts: str) -> Page:
    words, lines = [], []
    for n, text in enumerate(texts):
        box = Box(x0=10, y0=10 + 25 * n, x1=10 + 9 * len(text), y1=30 + 25 * n)
        words.append(
            Word(
                id=f"p0-w{n}",
                text=text,
                box=box,
                norm_box=box.normalised(500, 800),
                confidence=0.9,
                line_id=f"p0-l{n}",
            )
        )
        lines.append(Line(id=f"p0-l{n}", text=text, box=box, word_ids=[f"p0-w{n}"], confidence=0.9))
    return Page(index=0, width=500, height=800, lines=lines, words=words)


def test_a_registration_number_in_the_header_identifies_a_mangled_name() -> None:
    c = campaign(
        retailers=[{"name": "MR DIY", "registration_numbers": ["860671-D"], "tax_ids": []}]
    )
    doc = receipt(merchant="MN 0.1.Y. (M) SON BHO", items=MILO)
    assert not retailer_rule(doc, c).passed  # the name alone does not do it
    doc.pages.append(_header_page("MN 0.1.Y. (M) SON BHO", "(CO. RFG : 860671-D)"))
    f = retailer_rule(doc, c)
    assert f.passed, f.message
    assert f.evidence["identifier"] == {"kind": "registration_number", "value": "860671-D"}
    # a number that only contains the digits inside a longer one does not count
    phone = receipt(merchant="MN 0.1.Y.", items=MILO)
    phone.pages.append(_header_page("MN 0.1.Y.", "TEL 038606712"))
    assert not retailer_rule(phone, c).passed


def test_a_tax_id_read_as_a_field_identifies_the_shop() -> None:
    c = campaign(retailers=[{"name": "Sanyu Stationery", "tax_ids": ["0015 3176 0640"]}])
    doc = receipt(merchant="S4NYU ST4T10NERY", merchant_tax_id="001531760640", items=MILO)
    f = retailer_rule(doc, c)
    assert f.passed and f.evidence["identifier"]["kind"] == "tax_id"
    other = receipt(merchant="S4NYU ST4T10NERY", merchant_tax_id="001531760641", items=MILO)
    assert not retailer_rule(other, c).passed


def test_an_address_lifts_a_borderline_name_but_alone_only_asks_a_person() -> None:
    shop = {
        "name": "Kedai Runcit Maju Jaya",
        "addresses": ["No. 12, Jalan Meranti 3, Taman Sri Muda, 40400 Shah Alam"],
    }
    c = campaign(retailers=[shop])
    addr = "NO. 12, JALAN MERANTI 3, TAMAN SRI MUDA, 40400 SHAH ALAM, SELANGOR"
    borderline = receipt(merchant="K3DA1 RUNC1T MAJ JAYA", merchant_address=addr, items=MILO)
    f = retailer_rule(borderline, c)
    assert f.passed and f.evidence["identifier"]["kind"] == "address", f.evidence
    unknown = receipt(merchant="ZZZ QQQ", merchant_address=addr, items=MILO)
    f = retailer_rule(unknown, c)
    assert not f.passed and f.effect == Effect.REVIEW
    elsewhere = receipt(merchant="ZZZ QQQ", merchant_address="1 HIGH STREET, LONDON", items=MILO)
    assert retailer_rule(elsewhere, c).effect == Effect.REJECT


def test_match_retailer_reports_its_evidence() -> None:
    c = campaign(retailers=[{"name": "MR DIY", "aliases": ["Mister DIY"]}])
    m = match_retailer(receipt(merchant="MR D.I.Y. (M) SDN BHD"), c.retailers)
    assert (m.retailer, m.matched_name, m.verdict) == ("MR DIY", "MR DIY", "match")
    assert m.matched_normalised == "mr diy" and m.identifier is None


# 3. time zone and currency


def test_today_is_the_campaigns_local_date() -> None:
    c = campaign(timezone="Asia/Kuala_Lumpur")
    late_utc = dt.datetime(2026, 6, 30, 17, 30, tzinfo=dt.UTC)  # 01:30 on 1 July in KL
    assert c.local_date(late_utc) == dt.date(2026, 7, 1)
    assert campaign().local_date(late_utc) == dt.date(2026, 6, 30)  # default UTC
    assert c.local_date(dt.datetime(2026, 6, 30, 17, 30)) == dt.date(2026, 7, 1)  # naive = UTC


def test_bad_time_zone_and_currency_are_campaign_errors() -> None:
    with pytest.raises(CampaignError, match="timezone"):
        campaign(timezone="Asia/Kuala Lumpur")
    with pytest.raises(CampaignError, match="currency"):
        campaign(currency="ringgit")
    assert campaign(currency="myr").currency == "MYR"


def test_a_receipt_in_another_currency_is_rejected() -> None:
    c = campaign(currency="MYR")
    sgd = findings_of(receipt(items=MILO, currency="SGD"), c)["campaign.currency"]
    assert not sgd.passed and sgd.effect == Effect.REJECT
    assert "SGD" in sgd.message and "MYR" in sgd.message
    myr = findings_of(receipt(items=MILO, currency="MYR"), c)["campaign.currency"]
    assert myr.passed
    unread = currency_rule(receipt(items=MILO), c)
    assert unread.passed and "not printed" in unread.message
    assert currency_rule(receipt(items=MILO, currency="SGD"), campaign()).passed


# 4. duplicate scope


def test_duplicate_scope_defaults_to_the_workspace() -> None:
    assert campaign().duplicate_scope == "workspace"
    assert campaign(duplicate_scope="campaign").duplicate_scope == "campaign"
    with pytest.raises(CampaignError, match="duplicate_scope"):
        campaign(duplicate_scope="participant")


# 5c. products when no line item could be read


def test_unreadable_line_items_send_a_product_campaign_to_review() -> None:
    found = findings_of(receipt(items=[]))
    f = found["campaign.products"]
    assert not f.passed and f.effect == Effect.REVIEW
    assert "no line items could be read" in f.message
    assert decide(list(found.values())) == Outcome.NEEDS_REVIEW
    # items whose text is unreadable (no letters, no code) count as unread too
    junk = receipt(items=[("..", "1", "27.55")])
    assert findings_of(junk)["campaign.products"].effect == Effect.REVIEW
    # items that were read and none matches: still a rejection
    bread = findings_of(receipt(items=[("GARDENIA BREAD 400G", "1", "27.55")]))
    assert bread["campaign.products"].effect == Effect.REJECT


def test_a_product_code_alone_makes_an_item_readable() -> None:
    doc = receipt(items=[])
    doc.line_items.append(
        LineItem(
            index=0,
            fields={
                "product_code": field("product_code", "9556001234567"),
                "total_price": field("total_price", "27.55"),
            },
        )
    )
    assert findings_of(doc)["campaign.products"].passed
