"""`POST /v1/documents?split=invoices`: the batch stored, one queued document per invoice."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from paperclerk.queue.lease import claim
from paperclerk.storage.blobs import BlobStore
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.tables import DocumentRow, Job
from paperclerk.storage.workspaces import create_api_key, create_workspace
from paperclerk.web.app import create_app
from paperclerk.worker.tasks import run_job
from tests.cli.test_split_cli import INVOICE_A, INVOICE_B, scanned_pdf, text_pdf


@dataclass
class Api:
    client: TestClient
    url: str
    data_dir: Path
    key: str

    def post(self, data: bytes, name: str = "batch.pdf", **headers: str):  # type: ignore[no-untyped-def]
        return self.client.post(
            "/v1/documents",
            params={"split": "invoices"},
            files={"file": (name, data, "application/pdf")},
            headers={"Authorization": f"Bearer {self.key}", **headers},
        )

    def rows(self) -> list[DocumentRow]:
        with make_session_factory(make_engine(self.url))() as session:
            return list(session.scalars(select(DocumentRow).order_by(DocumentRow.created_at)))

    def jobs(self) -> int:
        with make_session_factory(make_engine(self.url))() as session:
            return int(session.scalar(select(func.count()).select_from(Job)) or 0)


@pytest.fixture
def api(db_url: str, tmp_path: Path) -> Iterator[Api]:
    data_dir = tmp_path / "data"
    app = create_app(db_url, data_dir)
    with make_session_factory(make_engine(db_url)).begin() as session:
        key = create_api_key(session, create_workspace(session, "a").id).key
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, db_url, data_dir, key)


def test_batch_is_stored_and_each_invoice_becomes_a_queued_document(api: Api) -> None:
    batch = text_pdf(INVOICE_A + INVOICE_B)
    response = api.post(batch, **{"Idempotency-Key": "batch-1"})
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["split_error"] is None
    assert [p["pages"] for p in body["parts"]] == [[1], [2, 3]]
    rows = {row.id: row for row in api.rows()}
    assert len(rows) == 3 and api.jobs() == 2  # both parts are queued, not the batch
    stored = rows[body["id"]]
    # the batch is closed as the parts' container: never read as one invoice
    assert stored.status == "done" and stored.result is None
    blobs = BlobStore.in_data_dir(api.data_dir)
    assert blobs.get(stored.sha256) == batch  # the original is kept as sent
    assert stored.meta["split_parts"] == [p["document_id"] for p in body["parts"]]
    second = rows[body["parts"][1]["document_id"]]
    assert second.filename == "batch-part2.pdf"
    assert second.meta["split_from"] == body["id"] and second.meta["split_pages"] == [2, 3]
    pages = pdfium.PdfDocument(blobs.get(second.sha256))
    assert len(pages) == 2 and "CS-9" in pages[0].get_textpage().get_text_range()
    # The same request again returns the same batch and parts and stores nothing more.
    again = api.post(batch, **{"Idempotency-Key": "batch-1"}).json()
    assert again["id"] == body["id"] and again["parts"] == body["parts"]
    assert len(api.rows()) == 3 and api.jobs() == 2


def test_the_worker_reads_each_part_as_its_own_invoice(api: Api) -> None:
    body = api.post(text_pdf(INVOICE_A + INVOICE_B)).json()
    factory = make_session_factory(make_engine(api.url))
    blobs = BlobStore.in_data_dir(api.data_dir)
    while (job := claim(factory, "test")) is not None:
        run_job(factory, blobs, job)
    found = []
    for part in body["parts"]:
        doc = api.client.get(
            f"/v1/documents/{part['document_id']}",
            headers={"Authorization": f"Bearer {api.key}"},
        ).json()
        fields = doc["result"]["fields"]
        found.append(
            (doc["status"], len(doc["result"]["pages"]), fields["invoice_number"]["value"])
        )
    assert found == [("done", 1, "NW-501"), ("done", 2, "CS-9")]
    batch = api.client.get(
        f"/v1/documents/{body['id']}", headers={"Authorization": f"Bearer {api.key}"}
    ).json()
    assert batch["status"] == "done" and batch["result"] is None
    # so neither part is a duplicate of the batch
    for part in body["parts"]:
        doc = api.client.get(
            f"/v1/documents/{part['document_id']}",
            headers={"Authorization": f"Bearer {api.key}"},
        ).json()
        dup = [f for f in doc["result"]["findings"] if f["rule_id"] == "payables.duplicate_invoice"]
        assert all(f["passed"] for f in dup), dup


def test_single_invoice_batch_gets_no_parts(api: Api) -> None:
    body = api.post(text_pdf(INVOICE_B)).json()
    assert body["parts"] == [] and body["split_error"] is None
    assert len(api.rows()) == 1 and api.jobs() == 1  # queued as one document


def test_split_refuses_what_is_not_a_pdf_before_storing(api: Api) -> None:
    response = api.post(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, name="scan.png")
    assert response.status_code in (415, 422)
    assert api.rows() == []
    wrong = api.client.post(
        "/v1/documents",
        params={"split": "invoices", "retention": "none"},
        files={"file": ("b.pdf", text_pdf(INVOICE_A), "application/pdf")},
        headers={"Authorization": f"Bearer {api.key}"},
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "invalid_request"


def test_a_scanned_batch_is_split_by_the_worker_not_in_the_request(api: Api) -> None:
    batch = scanned_pdf(text_pdf(INVOICE_A + INVOICE_B))
    body = api.post(batch, **{"Idempotency-Key": "scan-1"}).json()
    # no OCR in the request: the batch is stored and queued, marked for the worker
    assert body["split_deferred"] is True and body["parts"] == [] and body["split_error"] is None
    assert body["metadata"]["split"] == "invoices"
    assert len(api.rows()) == 1 and api.jobs() == 1
    again = api.post(batch, **{"Idempotency-Key": "scan-1"}).json()
    assert again["id"] == body["id"] and api.jobs() == 1  # a repeat queues nothing more
    factory = make_session_factory(make_engine(api.url))
    blobs = BlobStore.in_data_dir(api.data_dir)
    job = claim(factory, "test")
    assert job is not None and job.document_id == body["id"]
    assert run_job(factory, blobs, job) is False  # split: the batch stores no result
    rows = {row.id: row for row in api.rows()}
    stored = rows[body["id"]]
    assert stored.status == "done" and stored.result is None
    parts = stored.meta["split_parts"]
    assert len(parts) == 2 and api.jobs() == 3
    assert [rows[p].meta["split_pages"] for p in parts] == [[1], [2, 3]]
    assert all(rows[p].meta["split_from"] == body["id"] for p in parts)
    assert "split" not in rows[parts[0]].meta  # the parts are read, not split again
    assert blobs.get(stored.sha256) == batch


def test_a_scanned_single_invoice_batch_is_read_once_as_one_document(api: Api) -> None:
    body = api.post(scanned_pdf(text_pdf(INVOICE_B))).json()
    assert body["split_deferred"] is True
    factory = make_session_factory(make_engine(api.url))
    blobs = BlobStore.in_data_dir(api.data_dir)
    job = claim(factory, "test")
    assert job is not None and run_job(factory, blobs, job) is True
    [row] = api.rows()
    assert row.status == "done" and row.result is not None
    assert row.result["fields"]["invoice_number"]["value"] == "CS-9"
    assert all(p["image_sha256"] for p in row.result["pages"])  # shown in review as usual
