"""Issue 17: personal data kept no longer than the workspace says, and not sent unasked.

Per-workspace retention (`admin set-retention`, `admin purge`) on SQLite and PostgreSQL,
with the folder and the database blob store; webhook bodies masked unless a webhook asks
for personal data (`include_personal`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from paperclerk.cli import app as cli_app
from paperclerk.model import DecisionOutcome, Document
from paperclerk.model.personal import MASK
from paperclerk.queue.jobs import finish_document
from paperclerk.queue.lease import claim
from paperclerk.review.results import on_result_stored
from paperclerk.settings import get_settings
from paperclerk.storage.audit_chain import verify
from paperclerk.storage.blobs import Blobs
from paperclerk.storage.database_blobs import DatabaseBlobStore, open_blob_store
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.tables import AuditEvent, DocumentRow, ReviewItem, ShadowReadingRow
from paperclerk.storage.workspaces import create_api_key, create_workspace
from paperclerk.web.app import create_app
from paperclerk.webhooks import deliver_due, record_events
from tests.service.test_api import receipt_png
from tests.service.test_webhooks import Receiver, receiver  # noqa: F401 (a fixture)
from tests.unit.test_personal_data import BIRTH, NUMBER, SURNAME, identity_result


@dataclass
class Service:
    client: TestClient
    url: str
    data_dir: Path
    factory: sessionmaker[Session]
    blobs: Blobs
    workspace_id: str
    key: str

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def cli(self, *args: str) -> str:
        """Run `paperclerk admin …` on this service's database and data folder."""
        result = CliRunner().invoke(cli_app, ["admin", *args, "--data-dir", str(self.data_dir)])
        assert result.exit_code == 0, result.output
        return result.output

    def finished(self, outcome: DecisionOutcome, *, text: str = "r") -> tuple[str, list[str]]:
        """Upload an original, store an identity result for it as a worker does.

        Returns the document id and its blobs: the original, then the page image.
        """
        upload = {"file": ("passport.png", receipt_png(text), "image/png")}
        doc_id = self.client.post("/v1/documents", headers=self.headers(), files=upload).json()[
            "id"
        ]
        ok, jpeg = cv2.imencode(".jpg", np.full((40, 60, 3), 200, dtype=np.uint8))
        page_sha = self.blobs.put(bytes(jpeg) + text.encode())  # one image per document
        job = claim(self.factory, "test-worker")
        assert ok and job is not None and job.document_id == doc_id
        doc = identity_result()
        with self.factory.begin() as session:
            row = session.get(DocumentRow, doc_id)
            assert row is not None
            doc.id, doc.sha256, doc.workspace = doc_id, row.sha256, self.workspace_id
            doc.pages[0].image_sha256 = page_sha
            assert doc.decision is not None
            doc.decision.outcome = outcome
            assert finish_document(session, doc_id, doc, job.id)
            record_events(session, doc_id, self.workspace_id, outcome.value)
            on_result_stored(session, doc_id, self.workspace_id, doc)
            return doc_id, [row.sha256, page_sha]

    def decided_days_ago(self, document_id: str, days: float) -> None:
        """Move a document's decision back in time."""
        when = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
        with self.factory.begin() as session:
            session.execute(
                update(ReviewItem)
                .where(ReviewItem.document_id == document_id)
                .values(completed_at=when, decided_at=when)
            )


@pytest.fixture(params=["folder", "database"])
def service(
    request: pytest.FixtureRequest, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Service]:
    """The API over a database and one of the two blob stores; the CLI sees the same."""
    monkeypatch.setenv("PAPERCLERK_BLOB_STORE", request.param)
    monkeypatch.setenv("PAPERCLERK_DATABASE_URL", db_url)
    get_settings.cache_clear()
    data_dir = tmp_path / "data"
    app = create_app(db_url, data_dir)
    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    with factory.begin() as session:
        workspace_id = create_workspace(session, "acme").id
        key = create_api_key(session, workspace_id).key
    blobs = open_blob_store(data_dir, db_url)
    assert isinstance(blobs, DatabaseBlobStore) == (request.param == "database")
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield Service(client, db_url, data_dir, factory, blobs, workspace_id, key)
    finally:
        engine.dispose()
        monkeypatch.delenv("PAPERCLERK_DATABASE_URL")
        monkeypatch.delenv("PAPERCLERK_BLOB_STORE")
        get_settings.cache_clear()


def test_purge_deletes_old_originals_and_keeps_the_verdict_masked(service: Service) -> None:
    old, old_blobs = service.finished(DecisionOutcome.AUTO_APPROVED, text="old")
    recent, recent_blobs = service.finished(DecisionOutcome.REJECTED, text="recent")
    waiting, waiting_blobs = service.finished(DecisionOutcome.NEEDS_REVIEW, text="waiting")
    service.decided_days_ago(old, 3)
    service.decided_days_ago(waiting, 30)  # waits for a person: never purged
    assert "kept for ever" in service.cli("workspaces")
    assert "purged 0 documents" in service.cli("purge")  # no retention set: nothing to do
    service.cli("set-retention", "acme", "1")
    assert "1 day after the decision" in service.cli("workspaces")

    listed = service.cli("purge", "--dry-run", "--workspace", "acme")
    assert old in listed and recent not in listed and waiting not in listed
    assert "would be purged" in listed
    assert all(service.blobs.exists(sha) for sha in old_blobs)
    with service.factory() as session:
        assert session.get(DocumentRow, old).purged_at is None  # type: ignore[union-attr]

    done = service.cli("purge")
    assert old in done and recent not in done and "purged 1 document; 2 blob(s)" in done
    assert not any(service.blobs.exists(sha) for sha in old_blobs)
    assert all(service.blobs.exists(sha) for sha in recent_blobs + waiting_blobs)
    assert "purged 0 documents" in service.cli("purge")  # once only

    get = service.client.get
    page = get(f"/v1/documents/{old}/pages/0", headers=service.headers())
    assert page.status_code == 410 and page.json()["error"]["code"] == "purged"
    assert get(f"/v1/documents/{recent}/pages/0", headers=service.headers()).status_code == 200
    again = service.client.post(f"/v1/documents/{old}/reprocess", headers=service.headers())
    assert again.status_code == 410 and again.json()["error"]["code"] == "purged"
    reopen = service.client.post(
        f"/v1/documents/{old}/reopen", json={"reason": "look again"}, headers=service.headers()
    )
    assert reopen.status_code == 410 and reopen.json()["error"]["code"] == "purged"

    r = get(f"/v1/documents/{old}", headers=service.headers())
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "done" and body["purged_at"] and body["sha256"] == old_blobs[0]
    result = body["result"]
    assert result["decision"]["outcome"] == "auto_approved"
    assert result["fields"]["surname"] == {**result["fields"]["surname"], "value": MASK}
    assert result["fields"]["surname"]["personal"] is True
    assert result["fields"]["issuing_state"]["value"] == "UTO"  # not personal: kept
    assert result["pages"][0]["words"] == [] and result["pages"][0]["image_sha256"] is None
    for secret in (SURNAME, NUMBER, BIRTH.isoformat()):
        assert secret not in r.text
    kept = get(f"/v1/documents/{recent}", headers=service.headers()).json()
    assert kept["purged_at"] is None and kept["result"]["fields"]["surname"]["value"] == SURNAME

    audit = get(f"/v1/documents/{old}/audit", headers=service.headers())
    assert SURNAME not in audit.text and NUMBER not in audit.text
    [purge] = [e for e in audit.json() if e["action"] == "purge"]
    assert purge["actor_kind"] == "system" and purge["actor_id"].startswith("admin-cli:")
    assert purge["new_value"]["retention_days"] == 1 and purge["new_value"]["blobs"] == 2
    with service.factory() as session:
        reasons = session.get(ReviewItem, old).reasons  # type: ignore[union-attr]
        assert reasons and NUMBER not in json.dumps(reasons)
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "purge")).all()
        assert [e.document_id for e in events] == [old]
        # The masked entries still verify: the chain records the purge that masked them.
        chain = verify(session, [events[0].workspace_id])
        assert chain.intact and chain.masked >= 1


def test_retention_zero_purges_at_once_and_none_keeps_for_ever(service: Service) -> None:
    doc_id, blobs = service.finished(DecisionOutcome.AUTO_APPROVED)
    with service.factory.begin() as session:  # a shadow model's reading repeats the values
        session.add(ShadowReadingRow(
            workspace_id=service.workspace_id, document_id=doc_id, doc_type="identity_document",
            model_id="candidate", live_model="live", seconds=0.1,
            live_fields={"surname": {"value": SURNAME, "confidence": 0.9}},
            shadow_fields={"surname": {"value": SURNAME, "confidence": 0.9}},
        ))  # fmt: skip
    service.cli("set-retention", "acme", "none")
    assert "purged 0 documents" in service.cli("purge")
    service.cli("set-retention", "acme", "0")
    assert doc_id in service.cli("purge", "--workspace", "acme")
    assert not any(service.blobs.exists(sha) for sha in blobs)
    with service.factory() as session:
        assert session.scalars(select(ShadowReadingRow)).all() == []
    bad = CliRunner().invoke(
        cli_app, ["admin", "set-retention", "acme", "3.5", "--data-dir", str(service.data_dir)]
    )
    assert bad.exit_code == 2 and "whole number" in bad.output


def test_webhook_bodies_mask_personal_values_unless_asked(
    service: Service,
    receiver: Receiver,  # noqa: F811 (the fixture imported above)
) -> None:
    post = service.client.post
    masked = post("/v1/webhooks", json={"url": receiver.url + "?masked"}, headers=service.headers())
    full = post(
        "/v1/webhooks",
        json={"url": receiver.url + "?full", "events": ["document.completed"],
              "include_personal": True},
        headers=service.headers(),
    )  # fmt: skip
    assert masked.json()["include_personal"] is False and full.json()["include_personal"] is True
    listed = service.client.get("/v1/webhooks", headers=service.headers()).json()["items"]
    assert sorted(h["include_personal"] for h in listed) == [False, True]
    doc_id, _ = service.finished(DecisionOutcome.AUTO_APPROVED)
    with httpx.Client(timeout=5) as http:
        assert deliver_due(service.factory, http) == 3
    got = receiver.wait_for(3)
    by_hook: dict[str, list[dict[str, object]]] = {}
    for request in got:
        body = json.loads(request.body)
        assert body["document_id"] == doc_id
        hook = "full" if request.body.count(SURNAME.encode()) else "masked"
        by_hook.setdefault(hook, []).append(body)
    assert len(by_hook["masked"]) == 2 and len(by_hook["full"]) == 1
    for body in by_hook["masked"]:
        fields = body["fields"]
        assert isinstance(fields, dict)
        assert fields["surname"] == {"value": MASK, "confidence": 0.97, "personal": True}
        assert fields["date_of_birth"]["value"] == MASK
        assert fields["issuing_state"] == {"value": "UTO", "confidence": 0.97, "personal": False}
        assert NUMBER not in json.dumps(body) and BIRTH.isoformat() not in json.dumps(body)
    [body] = by_hook["full"]
    fields = body["fields"]
    assert isinstance(fields, dict)
    assert fields["surname"] == {"value": SURNAME, "confidence": 0.97, "personal": True}
    assert fields["date_of_birth"]["value"] == BIRTH.isoformat()
    assert fields["document_number"]["value"] == NUMBER


def test_results_from_the_api_mark_personal_fields(service: Service) -> None:
    doc_id, _ = service.finished(DecisionOutcome.NEEDS_REVIEW)
    result = service.client.get(f"/v1/documents/{doc_id}", headers=service.headers()).json()
    doc = Document.model_validate(result["result"])
    assert {n for n, f in doc.fields.items() if f.personal} >= {"surname", "mrz", "sex"}
    assert not doc.fields["date_of_expiry"].personal


def test_reading_personal_values_through_the_api_is_recorded(service: Service) -> None:
    doc_id, _ = service.finished(DecisionOutcome.AUTO_APPROVED)
    get = service.client.get
    assert get(f"/v1/documents/{doc_id}", headers=service.headers()).status_code == 200
    assert get(f"/v1/documents/{doc_id}/pages/0", headers=service.headers()).status_code == 200
    audit = get(f"/v1/documents/{doc_id}/audit", headers=service.headers()).json()
    reads = [e for e in audit if e["action"] == "personal.read"]
    key_id = service.key.split("_")[1]
    assert [e["new_value"]["shown"] for e in reads] == ["result", "page 0"]
    assert {e["actor_id"] for e in reads} == {f"api-key:{key_id}"}  # the key's id, not its secret
    with service.factory() as session:
        assert verify(session, [service.workspace_id]).intact
