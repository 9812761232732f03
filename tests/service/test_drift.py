"""The drift monitor: quiet on documents like the training data, alarms on worse ones.

An alarm holds documents for a person, is audited, announced by webhook, shown in
`/metrics` and on the dashboard, and closed by a person's acknowledgement.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from paperclerk.learning.drift_reference import bin_shares, build_reference, psi
from paperclerk.learning.loader import LiveReference, service_drift_references
from paperclerk.model import (
    Box,
    Decision,
    DecisionOutcome,
    DocType,
    Document,
    ExtractedField,
    Page,
    Word,
)
from paperclerk.monitoring.drift import DRIFT_RULE, acknowledge, figures, monitor, open_alarms
from paperclerk.pipeline.policy import packaged_policy
from paperclerk.storage.audit_chain import verify
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.repositories import create_document
from paperclerk.storage.tables import AuditEvent, DriftAlarmRow, WebhookDelivery
from paperclerk.storage.workspaces import create_api_key, create_workspace
from paperclerk.web.app import create_app
from paperclerk.webhooks.registry import EVENT_MODEL_DRIFT, create_webhook
from tests.service.ui_client import Ui

GATING = ("merchant_name", "transaction_date", "total")


def _reference() -> LiveReference:
    """Training data: words read at 0.9–1.0, fields found at 0.9–1.0."""
    words = [0.895 + 0.0005 * i for i in range(200)]
    fields = [{name: 0.895 + 0.0005 * i for name in GATING} for i in range(200)]
    return LiveReference("receipt-test", build_reference(words, fields, []))


def _document(word_conf: float, field_conf: float) -> Document:
    box = Box(x0=0, y0=0, x1=10, y1=10)
    words = [
        Word(id=f"w{i}", text="X", box=box, norm_box=box.normalised(100, 100),
             confidence=word_conf, line_id="l0")
        for i in range(5)
    ]  # fmt: skip
    return Document(
        sha256="0" * 64, media_type="image/png", size_bytes=1, doc_type=DocType.RECEIPT,
        pages=[Page(index=0, width=100, height=100, words=words)],
        fields={n: ExtractedField(name=n, value="v", confidence=field_conf) for n in GATING},
        decision=Decision(outcome=DecisionOutcome.AUTO_APPROVED),
    )  # fmt: skip


def _process(
    factory: sessionmaker[Session], workspace_id: str, n: int, conf: float | None, sha: str
) -> list[Document]:
    """Process `n` documents read at `conf` (None: spread like the training data)."""
    policy = packaged_policy().for_type(DocType.RECEIPT)
    docs = []
    for i in range(n):
        with factory.begin() as s:
            row, _ = create_document(s, workspace_id, sha256=f"{sha}{i:04d}".ljust(64, "0"),
                                     size_bytes=1)  # fmt: skip
            level = 0.9 + 0.01 * (i % 10) if conf is None else conf
            doc = _document(level, level)
            monitor(s, workspace_id, row.id, doc, policy, _reference())
            docs.append(doc)
    return docs


def test_psi_is_zero_for_the_same_distribution_and_grows_with_the_shift() -> None:
    values = [0.9 + 0.001 * i for i in range(100)]
    reference = build_reference(values, [])["word_confidence"]
    assert len(reference["edges"]) == 9 and reference["shares"] == [0.1] * 10
    same = bin_shares(values, reference["edges"])
    assert psi(reference["shares"], same) == pytest.approx(0.0)
    slight = psi(reference["shares"], bin_shares(values[5:] + values[:5], reference["edges"]))
    lower = psi(reference["shares"], bin_shares([v - 0.05 for v in values], reference["edges"]))
    assert slight < 0.25 < lower


def test_documents_like_the_training_data_raise_nothing_worse_ones_do(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    with factory.begin() as s:
        create_webhook(s, workspace_id, "http://127.0.0.1:9/hook", [EVENT_MODEL_DRIFT])
    calm = _process(factory, workspace_id, 40, None, "a")
    assert all(d.decision and d.decision.outcome == DecisionOutcome.AUTO_APPROVED for d in calm)
    easier = _process(factory, workspace_id, 40, 0.999, "b")  # getting easier never alarms
    with factory() as s:
        assert open_alarms(s, [workspace_id]) == []
    drifted = _process(factory, workspace_id, 50, 0.5, "c")
    held = [d for d in drifted if d.decision and d.decision.outcome == DecisionOutcome.NEEDS_REVIEW]
    assert easier and held, "no alarm after 50 documents read at half the usual confidence"
    first = drifted.index(held[0])
    assert first < 30
    assert f"rule:{DRIFT_RULE}" in (held[0].decision.reason_codes if held[0].decision else [])
    assert len(held) == len(drifted) - first  # held from the one that raised it on
    with factory() as s:
        alarms = open_alarms(s, [workspace_id])
        signals = {a.signal for a in alarms}
        assert "word_confidence" in signals and "field_confidence.total" in signals
        assert len(signals) == len(alarms)  # one open alarm per signal
        entries = s.scalars(select(AuditEvent).where(AuditEvent.action == "drift.alarm")).all()
        assert len(entries) == len(alarms)
        deliveries = s.scalars(
            select(WebhookDelivery).where(WebhookDelivery.event == EVENT_MODEL_DRIFT)
        ).all()
        assert len(deliveries) == 1  # the alarms of one document make one event
        assert {a["signal"] for a in deliveries[0].payload["alarms"]} <= signals


def test_acknowledging_closes_the_type_alarms_and_restarts_its_figures(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    _process(factory, workspace_id, 35, 0.5, "d")
    with factory.begin() as s:
        alarm = open_alarms(s, [workspace_id])[0]
        closed = acknowledge(s, [workspace_id], alarm.id, "admin@example.org", "new scanner")
    assert len(closed) >= 2
    after = _process(factory, workspace_id, 5, 0.5, "e")
    assert all(d.decision and d.decision.outcome == DecisionOutcome.AUTO_APPROVED for d in after)
    with factory() as s:
        assert open_alarms(s, [workspace_id]) == []
        policy = packaged_policy().for_type(DocType.RECEIPT)
        counted = figures(s, workspace_id, "receipt", policy, _reference())
        assert {f.documents for f in counted} == {5}
        entry = s.scalars(select(AuditEvent).where(AuditEvent.action == "drift.acknowledged")).one()
        assert entry.actor_id == "admin@example.org" and entry.new_value["note"] == "new scanner"
        assert verify(s, [workspace_id]).intact
    with factory.begin() as s, pytest.raises(Exception, match="acknowledged already"):
        acknowledge(s, [workspace_id], alarm.id, "admin@example.org")
    with factory.begin() as s, pytest.raises(Exception, match="no drift alarm"):
        acknowledge(s, ["another-workspace"], closed[-1].id, "admin@example.org")


@pytest.fixture
def service(db_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, str, str, str]]:
    data_dir = tmp_path / "data"
    app = create_app(db_url, data_dir)
    factory = make_session_factory(make_engine(db_url))
    with factory.begin() as s:
        ws = create_workspace(s, "receipts").id
        key = create_api_key(s, ws).key
    with TestClient(app, raise_server_exceptions=False, client=("127.0.0.1", 5000)) as client:
        yield client, key, ws, str(data_dir)


def test_the_api_shows_figures_and_alarms_and_acknowledges_them(
    service: tuple[TestClient, str, str, str], db_url: str
) -> None:
    client, key, ws, data_dir = service
    live = service_drift_references(Path(data_dir))(DocType.RECEIPT.value)
    assert live is not None, "the packaged receipt model carries no drift reference"
    factory = make_session_factory(make_engine(db_url))
    policy = packaged_policy().for_type(DocType.RECEIPT)
    for i in range(40):
        with factory.begin() as s:
            row, _ = create_document(s, ws, sha256=f"f{i:04d}".ljust(64, "0"), size_bytes=1)
            monitor(s, ws, row.id, _document(0.3, 0.2), policy, live)
    headers = {"Authorization": f"Bearer {key}"}
    body = client.get("/v1/drift", headers=headers).json()
    receipt = next(t for t in body["types"] if t["doc_type"] == "receipt")
    assert receipt["model_id"] == live.model_id
    assert any(f["breached"] for f in receipt["figures"])
    assert receipt["automation_by_day"][0]["documents"] == 40
    open_ids = [a["id"] for a in body["alarms"] if a["acknowledged_at"] is None]
    assert open_ids
    metrics = client.get("/metrics").text
    line = f'doc_type="receipt",signal="word_confidence",workspace="{ws}"}} 1.0'
    assert f"paperclerk_drift_alarms_open{{{line}" in metrics
    r = client.post(f"/v1/drift/alarms/{open_ids[0]}/acknowledge", headers=headers,
                    json={"note": "checked the scanner"})  # fmt: skip
    assert r.status_code == 200, r.text
    assert {a["id"] for a in r.json()["acknowledged"]} == set(open_ids)
    assert (
        client.post(f"/v1/drift/alarms/{open_ids[0]}/acknowledge", headers=headers).status_code
        == 400
    )
    assert client.post("/v1/drift/alarms/nope/acknowledge", headers=headers).status_code == 404
    with factory() as s:
        assert (
            s.scalars(select(DriftAlarmRow).where(DriftAlarmRow.acknowledged_at.is_(None))).all()
            == []
        )
    assert "paperclerk_drift_alarms_open{" not in client.get("/metrics").text


def test_the_dashboard_shows_the_alarm_and_an_admin_acknowledges_it(ui: Ui) -> None:
    factory = make_session_factory(make_engine(ui.url))
    _process(factory, ui.ws_a, 35, 0.5, "g")
    token = ui.login()  # a reviewer sees the banner but has no button
    page = ui.client.get("/dashboard").text
    assert "Model drift: receipt" in page and "/acknowledge" not in page
    with factory() as s:
        alarm_id = open_alarms(s, [ui.ws_a])[0].id
    refused = ui.client.post(f"/dashboard/drift/{alarm_id}/acknowledge", data={"csrf_token": token})
    assert refused.status_code == 403
    ui.login("boss@x.org", "boss-password")
    assert f"/dashboard/drift/{alarm_id}/acknowledge" in ui.client.get("/dashboard").text
    done = ui.client.post(
        f"/dashboard/drift/{alarm_id}/acknowledge",
        data={"csrf_token": ui.csrf_of("/dashboard"), "note": "new scanner installed"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "Model drift" not in ui.client.get("/dashboard").text
    with factory() as s:
        assert open_alarms(s, [ui.ws_a]) == []
        entry = s.scalars(select(AuditEvent).where(AuditEvent.action == "drift.acknowledged")).one()
        assert entry.actor_id == "ui:boss@x.org"


def _typed(
    factory: sessionmaker[Session], workspace_id: str, types: list[DocType], sha: str
) -> list[DriftAlarmRow]:
    """Monitor one document of each type in turn (no model reference: only the mix counts)."""
    policy = packaged_policy()
    raised = []
    for i, doc_type in enumerate(types):
        with factory.begin() as s:
            row, _ = create_document(s, workspace_id, sha256=f"{sha}{i:05d}".ljust(64, "0"),
                                     size_bytes=1)  # fmt: skip
            doc = _document(0.95, 0.95)
            doc.doc_type = doc_type
            raised += monitor(s, workspace_id, row.id, doc, policy.for_type(doc_type), None)
    return raised


def test_a_type_whose_share_of_the_traffic_rises_alarms_a_steady_mix_does_not(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    rng = random.Random(5)
    steady = [DocType.INVOICE if rng.random() < 0.2 else DocType.RECEIPT for _ in range(600)]
    assert _typed(factory, workspace_id, steady, "m") == []
    with factory() as s:
        share = next(f for f in figures(s, workspace_id, "invoice",
                                        packaged_policy().for_type(DocType.INVOICE), None)
                     if f.signal == "type_share")  # fmt: skip
        assert share.kind == "mix" and not share.breached and share.documents == 50
    shifted = [DocType.INVOICE if rng.random() < 0.6 else DocType.RECEIPT for _ in range(50)]
    raised = _typed(factory, workspace_id, shifted, "n")
    assert [(a.doc_type, a.signal) for a in raised] == [("invoice", "type_share")]
    assert "standard errors higher" in raised[0].message
    with factory() as s:
        assert [a.signal for a in open_alarms(s, [workspace_id])] == ["type_share"]
