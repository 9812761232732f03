"""The registry page: model cards, and the rollback button for admins only."""

from __future__ import annotations

import datetime as dt

from paperclerk.learning.registry import RECEIPT_KIND, ModelCard, Registry
from tests.service.ui_client import Ui


def _registry(ui: Ui) -> Registry:
    registry = Registry(ui.data_dir / "models")
    for day, model_id in ((1, "m1"), (2, "m2")):
        card = ModelCard(
            id=model_id, kind=RECEIPT_KIND, created_at=dt.datetime(2027, 1, day, tzinfo=dt.UTC),
            training_data_hash="abcdef123456789", code_version="test", training_examples=490,
            training_sources={"sroie-engine": 245, "review": 12},
            metrics={"micro_f1": 0.93, "reliability_by_field": {"total": [
                {"confidence_at_least": 0.9, "fields": 60, "error": 0.0167,
                 "promised_error": 0.1}]}},
            thresholds={"total": 0.97},
        )  # fmt: skip
        registry.save_card(card)
        (registry.folder(model_id) / "model.json.gz").write_bytes(b"")
        assert registry.promote(card, 0.93, 0.93 if day == 2 else None, by="retraining")
    return registry


def test_an_admin_sees_the_cards_and_rolls_back_with_a_reason(ui: Ui) -> None:
    registry = _registry(ui)
    ui.login("boss@x.org", "boss-password")
    page = ui.client.get("/models")
    assert page.status_code == 200
    for text in ("m1", "m2", "sroie-engine: 245", "review: 12", "micro_f1 0.93", "total ≥ 0.97",
                 "by retraining", "Roll back to m1",
                 "confidence ≥ 0.9: 60 fields, 1.7 % wrong (promised ≤ 10 %)"):  # fmt: skip
        assert text in page.text, text
    token = ui.csrf_of("/models")
    no_reason = ui.client.post("/models/rollback", data={"csrf_token": token, "reason": ""})
    assert no_reason.status_code == 422 and registry.live_id(RECEIPT_KIND) == "m2"
    done = ui.client.post(
        "/models/rollback",
        data={"csrf_token": token, "reason": "totals got worse"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and registry.live_id(RECEIPT_KIND) == "m1"
    last = registry.history(RECEIPT_KIND)[-1]
    assert (last.by, last.reason) == ("ui:boss@x.org", "totals got worse")
    assert "totals got worse" in ui.client.get("/models").text


def test_a_reviewer_may_not_see_or_roll_back_models(ui: Ui) -> None:
    registry = _registry(ui)
    token = ui.login()
    assert ui.client.get("/models").status_code == 403
    refused = ui.client.post("/models/rollback", data={"csrf_token": token, "reason": "x"})
    assert refused.status_code == 403 and registry.live_id(RECEIPT_KIND) == "m2"
