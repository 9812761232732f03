"""Shadow evaluation: a candidate reads live documents beside the live model, unused.

Its agreement with the live model and its accuracy on reviewed documents are shown (API,
models page, CLI) before a person promotes it; the documents' results stay the live model's.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from paperclerk.extract.base import Extraction
from paperclerk.learning.loader import ShadowReader, service_shadow_readers
from paperclerk.learning.receipt_training import train_receipt_model
from paperclerk.learning.registry import RECEIPT_KIND, ModelCard, Registry
from paperclerk.model import DocType, Document, ExtractedField, Page
from paperclerk.monitoring.shadow import report, same_value
from paperclerk.queue import Lane, enqueue
from paperclerk.queue.lease import claim as claim_job
from paperclerk.review import Correction, Reviewer, approve
from paperclerk.storage.blobs import BlobStore
from paperclerk.storage.repositories import create_document
from paperclerk.storage.tables import DocumentRow, ShadowReadingRow
from paperclerk.storage.users import create_user
from paperclerk.worker.tasks import run_job
from tests.service.test_api import receipt_png
from tests.service.ui_client import Ui
from tests.unit.test_learning import dataset

SHOP, DAY, TOTAL = "CORNER SHOP", dt.date(2025, 3, 12), Decimal("3.70")


class FixedReader:
    """A stand-in candidate: reads the same values from every receipt, sure of them."""

    doc_type = DocType.RECEIPT
    version = "candidate-test"

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail

    def extract(self, pages: list[Page]) -> Extraction:
        if self.fail:
            raise RuntimeError("a bug in the candidate")
        values = {"merchant_name": SHOP, "transaction_date": DAY, "total": TOTAL}
        return Extraction(
            fields={n: ExtractedField(name=n, value=v, confidence=0.99) for n, v in values.items()}
        )

    def thresholds_for(self, max_field_error: float) -> dict[str, float]:
        return {"merchant_name": 0.5, "transaction_date": 0.5, "total": 0.5}


def _card(registry: Registry, model_id: str, day: int) -> ModelCard:
    card = ModelCard(
        id=model_id, kind=RECEIPT_KIND, created_at=dt.datetime(2027, 1, day, tzinfo=dt.UTC),
        training_data_hash="h" * 12, code_version="test", metrics={"micro_f1": 0.9},
    )  # fmt: skip
    registry.save_card(card)
    (registry.folder(model_id) / "model.json.gz").write_bytes(b"")
    return card


def test_one_model_runs_in_shadow_until_a_person_promotes_or_stops_it(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    assert registry.promote(_card(registry, "m1", 1), 0.9, None, by="training")
    _card(registry, "m2", 2)
    _card(registry, "m3", 3)
    with pytest.raises(ValueError, match="live"):
        registry.start_shadow(RECEIPT_KIND, "m1", "ops")
    with pytest.raises(KeyError):
        registry.start_shadow(RECEIPT_KIND, "m9", "ops")
    registry.start_shadow(RECEIPT_KIND, "m2", "ops", "retrained on March")
    registry.start_shadow(RECEIPT_KIND, "m3", "ops")  # one shadow at a time: m3 replaces m2
    run = registry.shadow(RECEIPT_KIND)
    assert run is not None and (run.model_id, run.by) == ("m3", "ops")
    assert registry.stop_shadow(RECEIPT_KIND, "ops", "not needed") is not None
    assert registry.shadow(RECEIPT_KIND) is None and registry.stop_shadow(RECEIPT_KIND, "x") is None
    registry.start_shadow(RECEIPT_KIND, "m2", "ops")
    change = registry.promote_by(RECEIPT_KIND, "m2", "ui:boss", "agrees, better on totals")
    assert (change.from_id, change.to_id) == ("m1", "m2")
    assert registry.live_id(RECEIPT_KIND) == "m2" and registry.shadow(RECEIPT_KIND) is None
    assert registry.card("m1").status == "retired"
    promoted = registry.card("m2")
    assert (promoted.status, promoted.promoted_by) == ("live", "ui:boss")
    actions = [c.action for c in registry.history(RECEIPT_KIND)]
    assert actions == ["promote", "shadow", "shadow", "shadow-stop", "shadow", "promote"]
    registry.rollback(RECEIPT_KIND, "ops", "back")  # rolling back restores m1, audited as ever
    assert registry.live_id(RECEIPT_KIND) == "m1"


def test_values_compare_as_amounts_and_folded_text() -> None:
    assert same_value("3.70", "3.7") and same_value("Corner  Shop", "corner shop")
    assert same_value(None, "") and not same_value("3.70", None)
    assert not same_value("2025-03-12", "2025-03-13")


def _submit(factory: sessionmaker[Session], blobs: BlobStore, ws: str, text: str) -> str:
    data = receipt_png(text)
    with factory.begin() as s:
        row, _ = create_document(s, ws, sha256=blobs.put(data), size_bytes=len(data),
                                 doc_type_hint="receipt")  # fmt: skip
        enqueue(s, row.id, Lane.BULK)
        return row.id


def _run(factory: sessionmaker[Session], blobs: BlobStore, reader: ShadowReader) -> None:
    job = claim_job(factory, "test")
    assert job is not None and run_job(factory, blobs, job, shadows=lambda t: reader)


def test_the_worker_reads_with_the_shadow_and_the_report_compares_on_reviewed_documents(
    factory: sessionmaker[Session], workspace_id: str, tmp_path: Path
) -> None:
    blobs = BlobStore.in_data_dir(tmp_path)
    reader = ShadowReader("candidate-1", FixedReader())
    ids = [
        _submit(factory, blobs, workspace_id, f"{SHOP}\nDATE 12/03/2025\nTOTAL {total}")
        for total in ("3.70", "9.10", "3.70")
    ]
    for _ in ids:
        _run(factory, blobs, reader)
    broken = _submit(factory, blobs, workspace_id, f"{SHOP}\nTOTAL 1.00")
    _run(factory, blobs, ShadowReader("candidate-1", FixedReader(fail=True)))
    with factory() as s:
        rows = s.scalars(select(ShadowReadingRow).order_by(ShadowReadingRow.id)).all()
        assert [r.document_id for r in rows] == ids  # the failing shadow cost nothing
        stored = s.get(DocumentRow, broken)
        assert stored is not None and stored.result is not None
        for row in rows:
            result = Document.model_validate(s.get(DocumentRow, row.document_id).result)  # type: ignore[union-attr]
            assert result.model_versions["extract"] != "candidate-test"  # the live result
            assert row.shadow_fields["total"]["value"] == "3.70"
            assert row.live_model == result.model_versions["extract"]
    with factory.begin() as s:
        user = create_user(s, "rev@x.org", "rev-password", "reviewer", [workspace_id])
        person = Reviewer(user.id, user.email, (workspace_id,))
    truth = {"merchant_name": SHOP, "transaction_date": "2025-03-12", "total": "9.10"}
    with factory.begin() as s:
        approve(s, person, ids[1], Correction(fields=truth), data_dir=None)
    with factory() as s:
        figures = report(s, [workspace_id], "candidate-1").to_json()
        assert report(s, ["another"], "candidate-1").documents == 0
        second = s.scalars(select(ShadowReadingRow).where(ShadowReadingRow.document_id == ids[1]))
        live_total = second.one().live_fields.get("total", {}).get("value")
    assert figures["documents"] == 3 and figures["reviewed_documents"] == 1
    assert figures["shadow_automation_rate"] == 1.0  # sure of every field, no rule broken
    total = figures["fields"]["total"]
    assert (total["reviewed"], total["shadow_accuracy"]) == (1, 0.0)  # it read 3.70 on 9.10
    assert total["live_accuracy"] == (1.0 if same_value(live_total, "9.10") else 0.0)
    assert figures["fields"]["merchant_name"]["shadow_accuracy"] == 1.0
    assert 0 <= figures["overall"]["agreement"] <= 1 and figures["median_seconds"] is not None


def test_the_service_follows_the_registry_s_shadow(tmp_path: Path) -> None:
    model, _, _ = train_receipt_model(dataset(1, 24))
    registry = Registry(tmp_path / "models")
    card = _card(registry, "trained", 1)
    model.save(registry.folder(card.id) / "model.json.gz")
    lookup = service_shadow_readers(tmp_path)
    assert lookup(DocType.RECEIPT) is None
    registry.start_shadow(RECEIPT_KIND, "trained", "ops")
    reader = lookup(DocType.RECEIPT)
    assert reader is not None and reader.model_id == "trained"
    assert lookup(DocType.INVOICE) is None
    sample = next(iter(dataset(7, 3)))
    read = reader.extractor.extract(sample.pages).fields
    assert str(read["total"].value) == sample.fields["total"]
    registry.stop_shadow(RECEIPT_KIND, "ops")
    assert lookup(DocType.RECEIPT) is None


def _readings(ui: Ui, model_id: str, n: int) -> None:
    """Store `n` shadow readings in workspace A: the shadow reads totals the live one misses."""
    from paperclerk.storage.db import make_engine, make_session_factory

    factory = make_session_factory(make_engine(ui.url))
    rng = random.Random(3)
    with factory.begin() as s:
        for i in range(n):
            row, _ = create_document(s, ui.ws_a, sha256=f"s{i:04d}".ljust(64, "0"), size_bytes=1)
            total = f"{rng.randrange(100, 9999) / 100:.2f}"
            s.add(
                ShadowReadingRow(
                    workspace_id=ui.ws_a, document_id=row.id, doc_type="receipt",
                    model_id=model_id, live_model="m1",
                    live_fields={"total": {"value": None if i % 2 else total, "confidence": 0.4}},
                    shadow_fields={"total": {"value": total, "confidence": 0.99}},
                    live_automated=False, shadow_automated=True, agreed=i % 2 == 0, seconds=0.05,
                )
            )  # fmt: skip


def test_an_admin_runs_a_model_in_shadow_sees_how_it_compares_and_promotes_it(ui: Ui) -> None:
    registry = Registry(ui.data_dir / "models")
    assert registry.promote(_card(registry, "m1", 1), 0.9, None, by="training")
    _card(registry, "m2", 2)
    token = ui.login()
    for path in ("/models/shadow", "/models/promote", "/models/shadow/stop"):
        refused = ui.client.post(path, data={"csrf_token": token, "model_id": "m2", "reason": "x"})
        assert refused.status_code == 403, path
    ui.login("boss@x.org", "boss-password")
    page = ui.client.get("/models").text
    assert "In shadow: none" in page and 'data-shadow="m2"' in page
    assert 'data-shadow="m1"' not in page  # the live model cannot shadow itself
    started = ui.client.post(
        "/models/shadow",
        data={"csrf_token": ui.csrf_of("/models"), "model_id": "m2", "reason": "retrained"},
        follow_redirects=False,
    )
    assert started.status_code == 303
    run = registry.shadow(RECEIPT_KIND)
    assert run is not None and (run.model_id, run.by) == ("m2", "ui:boss@x.org")
    assert "No document read in shadow yet" in ui.client.get("/models").text
    _readings(ui, "m2", 10)
    page = ui.client.get("/models").text
    assert "10 documents: both read the same on 50.0 %" in page
    assert "straight through 0.0 % live, 100.0 % in shadow" in page

    api = ui.client.get("/v1/models/shadow", headers={"Authorization": f"Bearer {ui.key_a}"})
    assert api.status_code == 200
    body = api.json()
    assert body["shadow"]["model_id"] == "m2" and body["report"]["documents"] == 10
    assert body["report"]["fields"]["total"]["agreement"] == 0.5
    other = ui.client.get("/v1/models/shadow", headers={"Authorization": f"Bearer {ui.key_b}"})
    assert other.json()["report"]["documents"] == 0  # workspace B sees nothing of A's
    listed = ui.client.get("/v1/models", headers={"Authorization": f"Bearer {ui.key_a}"}).json()
    assert listed["live"] == "m1" and listed["shadow"]["model_id"] == "m2"
    assert {m["id"] for m in listed["models"]} == {"m1", "m2"}

    no_reason = ui.client.post(
        "/models/promote", data={"csrf_token": ui.csrf_of("/models"), "model_id": "m2"}
    )
    assert no_reason.status_code == 422 and registry.live_id(RECEIPT_KIND) == "m1"
    done = ui.client.post(
        "/models/promote",
        data={"csrf_token": ui.csrf_of("/models"), "model_id": "m2", "reason": "shadow agrees"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert registry.live_id(RECEIPT_KIND) == "m2" and registry.shadow(RECEIPT_KIND) is None
    last = registry.history(RECEIPT_KIND)[-1]
    assert (last.action, last.by, last.reason) == ("promote", "ui:boss@x.org", "shadow agrees")
    gone = ui.client.get("/v1/models/shadow", headers={"Authorization": f"Bearer {ui.key_a}"})
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "no_shadow"
