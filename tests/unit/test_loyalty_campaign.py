"""Campaign definitions from YAML and dicts: valid files load, bad ones give typed errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from paperclerk.loyalty.campaign import (
    CampaignError,
    SpendBasis,
    load_campaign_file,
    load_campaign_yaml,
)
from tests.conftest import EXAMPLES
from tests.unit.loyalty_helpers import campaign


def test_the_example_campaign_loads() -> None:
    c = load_campaign_file(EXAMPLES / "campaign.yaml")
    assert c.id == "milo-april-2018"
    assert c.ends == dt.date(2018, 4, 12)
    assert c.min_spend == Decimal("27.55") and c.spend_basis == SpendBasis.TOTAL
    assert c.products[0].aliases == ["MILO 3IN1 18X30G"]
    assert c.reward.kind == "percentage" and c.reward.cap == Decimal("2.00")
    assert c.claim_limits[0].period == "week"


def test_submission_deadline_defaults_to_thirty_days_after_the_end() -> None:
    c = campaign(submit_until=None)
    assert c.last_submission_day == dt.date(2026, 5, 30)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("id: [unclosed", "not valid YAML"),
        ("- just\n- a list\n", "mapping"),
        (
            "id: x\nstarts: 2026-01-02\nends: 2026-01-01\nreward: {kind: fixed, amount: 1}\n",
            "before 'starts'",
        ),
        ("id: x\nstarts: 2026-01-01\nends: 2026-01-02\nreward: {kind: fixed}\n", "needs 'amount'"),
        ("id: x\nstarts: 2026-01-01\nends: 2026-01-02\n", "reward"),
        (
            "id: 'bad id!'\nstarts: 2026-01-01\nends: 2026-01-02\n"
            "reward: {kind: fixed, amount: 1}\n",
            "id",
        ),
        (
            "id: x\nstarts: 2026-01-01\nends: 2026-01-31\nmin_spend: -1\n"
            "reward: {kind: fixed, amount: 1}\n",
            "min_spend",
        ),
        (
            "id: x\nstarts: 2026-01-01\nends: 2026-01-31\nspend_basis: qualifying\n"
            "reward: {kind: fixed, amount: 1}\n",
            "needs at least one product",
        ),
    ],
)
def test_bad_campaigns_raise_a_typed_error_naming_the_problem(text: str, needle: str) -> None:
    with pytest.raises(CampaignError) as err:
        load_campaign_yaml(text)
    assert needle in err.value.message
    assert err.value.code == "invalid_campaign" and err.value.http_status == 422


def test_nul_characters_are_refused() -> None:
    text = 'id: x\nname: "a\\0b"\nstarts: 2026-01-01\nends: 2026-01-02\n'
    text += "reward: {kind: fixed, amount: 1}\n"
    with pytest.raises(CampaignError, match="NUL"):
        load_campaign_yaml(text)


def test_a_missing_file_is_a_campaign_error(tmp_path: Path) -> None:
    with pytest.raises(CampaignError, match="cannot read"):
        load_campaign_file(tmp_path / "nope.yaml")
