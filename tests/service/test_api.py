"""The documents API on SQLite and PostgreSQL: upload, wait, results, isolation, errors."""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw
from sqlalchemy import func, select

from paperclerk.queue.lease import claim, fail
from paperclerk.storage.blobs import BlobStore
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.tables import DocumentRow, Job
from paperclerk.storage.workspaces import create_api_key, create_workspace
from paperclerk.web.app import create_app
from paperclerk.worker.runner import WorkerConfig, work
from paperclerk.worker.tasks import run_job
from tests.service.memory_worker import memory_worker


@dataclass
class Api:
    client: TestClient
    url: str
    data_dir: Path
    key_a: str
    key_b: str

    def headers(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.key_a}"}

    def drain(self) -> int:
        """Run every queued job in this process; return how many ran."""
        factory = make_session_factory(make_engine(self.url))
        blobs = BlobStore.in_data_dir(self.data_dir)
        ran = 0
        while (job := claim(factory, "test")) is not None:
            run_job(factory, blobs, job)
            ran += 1
        return ran

    def count(self, table: type) -> int:
        with make_session_factory(make_engine(self.url))() as session:
            return int(session.scalar(select(func.count()).select_from(table)) or 0)


@pytest.fixture
def api(db_url: str, tmp_path: Path) -> Iterator[Api]:
    data_dir = tmp_path / "data"
    app = create_app(db_url, data_dir)
    factory = make_session_factory(make_engine(db_url))
    with factory.begin() as session:
        a = create_workspace(session, "a").id
        b = create_workspace(session, "b").id
        key_a, key_b = create_api_key(session, a).key, create_api_key(session, b).key
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, db_url, data_dir, key_a, key_b)


def receipt_png(text: str = "SHOP\nTOTAL 9.00") -> bytes:
    image = Image.new("RGB", (360, 200), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(text.splitlines()):
        draw.text((20, 20 + 40 * i), line, fill="black", font_size=28)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def upload(api: Api, data: bytes, key: str | None = None, **params: object):  # type: ignore[no-untyped-def]
    return api.client.post(
        "/v1/documents",
        files={"file": ("r.png", data, "image/png")},
        params=params,
        headers=api.headers(key),
    )


def test_upload_process_read_list_page_and_delete(api: Api) -> None:
    r = upload(api, receipt_png(), doc_type="receipt")
    assert r.status_code == 202, r.text
    doc_id = r.json()["id"]
    assert r.json()["status"] == "queued"
    assert api.drain() == 1
    got = api.client.get(f"/v1/documents/{doc_id}", headers=api.headers()).json()
    assert got["status"] == "done" and got["progress"] == 1.0
    assert got["result"]["doc_type"] == "receipt"
    assert got["result"]["id"] == doc_id
    listed = api.client.get("/v1/documents", headers=api.headers()).json()
    assert [d["id"] for d in listed["items"]] == [doc_id]
    page = api.client.get(f"/v1/documents/{doc_id}/pages/0", headers=api.headers())
    assert page.status_code == 200 and page.content[:4] == b"\x89PNG"
    assert (
        api.client.get(f"/v1/documents/{doc_id}/pages/3", headers=api.headers()).status_code == 404
    )
    sha = got["result"]["sha256"]
    assert BlobStore.in_data_dir(api.data_dir).exists(sha)
    assert api.client.delete(f"/v1/documents/{doc_id}", headers=api.headers()).status_code == 204
    assert api.client.get(f"/v1/documents/{doc_id}", headers=api.headers()).status_code == 404
    assert not BlobStore.in_data_dir(api.data_dir).exists(sha)


def test_wait_answers_with_the_result(api: Api) -> None:
    stop = threading.Event()
    worker = threading.Thread(
        target=work, args=(WorkerConfig(api.url, api.data_dir, idle_sleep=0.05), stop)
    )
    worker.start()
    try:
        r = upload(api, receipt_png(), wait=60)
    finally:
        stop.set()
        worker.join()
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "done"
    assert r.json()["result"]["pages"]


def test_a_key_sees_only_its_workspace(api: Api) -> None:
    doc_id = upload(api, receipt_png()).json()["id"]
    b = api.key_b
    assert api.client.get(f"/v1/documents/{doc_id}", headers=api.headers(b)).status_code == 404
    assert api.client.get("/v1/documents", headers=api.headers(b)).json()["items"] == []
    assert api.client.delete(f"/v1/documents/{doc_id}", headers=api.headers(b)).status_code == 404
    pages = api.client.get(f"/v1/documents/{doc_id}/pages/0", headers=api.headers(b))
    assert pages.status_code == 404
    assert api.client.get(f"/v1/documents/{doc_id}", headers=api.headers()).status_code == 200


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [(b"", 422, "empty_input"), (b"hello, not a document", 415, "unsupported_media_type"),
     (b"%PDF-1.7\n1 0 obj <<", 422, "corrupt_input")],
)  # fmt: skip
def test_bad_input_is_a_typed_4xx_and_nothing_is_queued(
    api: Api, data: bytes, status: int, code: str
) -> None:
    r = upload(api, data)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code
    assert api.count(Job) == 0


def test_auth_and_unknown_ids_are_json_errors(api: Api) -> None:
    r = api.client.get("/v1/documents")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    r = api.client.get("/v1/documents", headers={"Authorization": "Bearer pk_x_y"})
    assert r.status_code == 401
    r = api.client.get("/v1/documents/nope", headers=api.headers())
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = api.client.get("/v1/documents", params={"cursor": "garbage"}, headers=api.headers())
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_cursor"
    r = api.client.post("/v1/documents", headers=api.headers())
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"


def test_idempotency_key_returns_the_first_document(api: Api) -> None:
    data = receipt_png()
    first = api.client.post("/v1/documents", files={"file": ("r.png", data)},
                            headers={**api.headers(), "Idempotency-Key": "k1"})  # fmt: skip
    again = api.client.post("/v1/documents", files={"file": ("r.png", data)},
                            headers={**api.headers(), "Idempotency-Key": "k1"})  # fmt: skip
    assert first.json()["id"] == again.json()["id"]
    assert api.count(Job) == 1
    other = api.client.post("/v1/documents", files={"file": ("r.png", receipt_png("OTHER"))},
                            headers={**api.headers(), "Idempotency-Key": "k1"})  # fmt: skip
    assert other.status_code == 409


def test_retention_none_stores_and_logs_nothing(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "SECRETSHOP"
    with memory_worker(api.url, api.data_dir):  # a worker reads it; the API never does
        r = upload(api, receipt_png(f"{secret}\nTOTAL 9.00"), retention="none", doc_type="receipt")
    assert r.status_code == 200, r.text
    assert r.json()["pages"]
    assert api.count(DocumentRow) == 0 and api.count(Job) == 0
    blobs = api.data_dir / "blobs"
    assert not blobs.exists() or not any(p.is_file() for p in blobs.rglob("*"))
    assert secret not in caplog.text and "r.png" not in caplog.text


def test_dead_documents_are_visible_and_can_be_requeued(api: Api) -> None:
    doc_id = upload(api, receipt_png()).json()["id"]
    factory = make_session_factory(make_engine(api.url))
    job = claim(factory, "test")
    assert job is not None
    fail(factory, job, "boom", retryable=False)
    got = api.client.get(f"/v1/documents/{doc_id}", headers=api.headers()).json()
    assert got["status"] == "dead" and got["error"]["code"] == "internal_error"
    dead = api.client.get("/v1/documents", params={"status": "dead"}, headers=api.headers())
    assert [d["id"] for d in dead.json()["items"]] == [doc_id]
    r = api.client.post(f"/v1/documents/{doc_id}/requeue", headers=api.headers())
    assert r.status_code == 202 and r.json()["status"] == "queued"
    assert api.drain() == 1
    assert (
        api.client.get(f"/v1/documents/{doc_id}", headers=api.headers()).json()["status"] == "done"
    )
    again = api.client.post(f"/v1/documents/{doc_id}/requeue", headers=api.headers())
    assert again.status_code == 409
    assert (
        api.client.post(f"/v1/documents/{doc_id}/reprocess", headers=api.headers()).status_code
        == 202
    )


def test_health_ready_metrics_and_openapi(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    assert api.client.get("/readyz").json() == {"status": "ready"}
    upload(api, receipt_png())
    metrics = TestClient(api.client.app, client=("127.0.0.1", 50000)).get("/metrics").text
    assert 'paperclerk_documents{status="queued"} 1.0' in metrics
    assert 'paperclerk_queue_jobs{lane="bulk",status="queued"} 1.0' in metrics
    spec = api.client.get("/openapi.json").json()
    assert "/v1/documents" in spec["paths"]
