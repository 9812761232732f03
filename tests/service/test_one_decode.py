"""One decode per document: the API checks cheaply, the worker decodes, review images are kept.

Issue 14 ("One decode per document"): decodes are counted at the decoders under
`ingest.load_bytes` (PDF rendering, raster decoding), from upload through the worker to
both page-image routes.
"""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from paperclerk.ingest import load
from paperclerk.model import Document
from paperclerk.pages.display import DISPLAY_WIDTH
from paperclerk.queue.lease import claim
from paperclerk.storage.blobs import BlobStore
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.web.ui.pages import page_image
from paperclerk.worker.tasks import run_job
from tests.service.memory_worker import memory_worker
from tests.service.test_api import receipt_png
from tests.service.ui_client import Ui

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def count_decodes(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Count every call of the PDF and raster decoders behind `load_bytes`."""
    calls: Counter[str] = Counter()
    for name in ("load_pdf", "load_raster"):
        real = getattr(load, name)

        def counted(*args: Any, _real: Any = real, _name: str = name, **kw: Any) -> Any:
            calls[_name] += 1
            return _real(*args, **kw)

        monkeypatch.setattr(load, name, counted)
    return calls


def drain(ui: Ui) -> int:
    factory = make_session_factory(make_engine(ui.url))
    blobs = BlobStore.in_data_dir(ui.data_dir)
    ran = 0
    while (job := claim(factory, "test")) is not None:
        run_job(factory, blobs, job)
        ran += 1
    return ran


def api_headers(ui: Ui) -> dict[str, str]:
    return {"Authorization": f"Bearer {ui.key_a}"}


def upload(ui: Ui, name: str, data: bytes, **params: object) -> Any:
    return ui.client.post(
        "/v1/documents", files={"file": (name, data)}, params=params, headers=api_headers(ui)
    )


def blob_files(ui: Ui) -> set[str]:
    root = BlobStore.in_data_dir(ui.data_dir).root
    return {p.name for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.mark.parametrize(
    ("name", "data"),
    [("r.png", receipt_png()), ("invoice.pdf", (EXAMPLES / "invoice-digital.pdf").read_bytes())],
)
def test_a_document_is_decoded_once_from_upload_to_its_review_image(
    ui: Ui, monkeypatch: pytest.MonkeyPatch, name: str, data: bytes
) -> None:
    decodes = count_decodes(monkeypatch)
    ui.login()
    r = upload(ui, name, data)
    assert r.status_code == 202, r.text
    doc_id = r.json()["id"]
    assert sum(decodes.values()) == 0  # the API only checked headers and structure
    assert drain(ui) == 1
    got = ui.client.get(f"/v1/documents/{doc_id}", headers=api_headers(ui)).json()
    assert got["status"] == "done", got
    pages = got["result"]["pages"]
    assert pages and all(p["image_sha256"] for p in pages)
    blobs = BlobStore.in_data_dir(ui.data_dir)
    for page in pages:
        jpeg = ui.client.get(f"/review/{doc_id}/pages/{page['index']}.jpg")
        assert jpeg.status_code == 200 and jpeg.content == blobs.get(page["image_sha256"])
        shown = Image.open(io.BytesIO(jpeg.content))
        assert shown.format == "JPEG" and shown.width <= DISPLAY_WIDTH
        png = ui.client.get(
            f"/v1/documents/{doc_id}/pages/{page['index']}", headers=api_headers(ui)
        )
        assert png.status_code == 200 and png.content[:4] == b"\x89PNG"
        assert Image.open(io.BytesIO(png.content)).size == shown.size
    missing = ui.client.get(f"/v1/documents/{doc_id}/pages/{len(pages)}", headers=api_headers(ui))
    assert missing.status_code == 404
    assert sum(decodes.values()) == 1, decodes  # decodes per uploaded document: 1
    assert ui.client.delete(f"/v1/documents/{doc_id}", headers=api_headers(ui)).status_code == 204
    assert blob_files(ui) == set()  # the original and its page images


def test_an_older_result_without_kept_images_is_drawn_by_the_workers_functions(
    ui: Ui,
) -> None:
    """The fallback (one decode, the same page_pixels and display_jpeg) gives the same JPEG."""
    r = upload(ui, "photo.jpg", (EXAMPLES / "receipt-photo.jpg").read_bytes())
    assert drain(ui) == 1
    got = ui.client.get(f"/v1/documents/{r.json()['id']}", headers=api_headers(ui)).json()
    doc = Document.model_validate(got["result"])
    assert doc.pages[0].cropped  # preprocessing changed the page: the fallback redoes it
    blobs = BlobStore.in_data_dir(ui.data_dir)
    for page in doc.pages:
        assert page.image_sha256 is not None
        older = page.model_copy(update={"image_sha256": None})
        assert page_image(blobs, doc.sha256, older) == blobs.get(page.image_sha256)


def test_retention_none_keeps_no_page_image(ui: Ui) -> None:
    with memory_worker(ui.url, ui.data_dir):
        r = upload(ui, "r.png", receipt_png(), retention="none")
    assert r.status_code == 200, r.text
    assert all(p["image_sha256"] is None for p in r.json()["pages"])
    assert blob_files(ui) == set()


def test_damage_the_check_cannot_see_ends_as_a_failed_document(ui: Ui) -> None:
    data = receipt_png()
    truncated = data[: len(data) // 2]
    r = upload(ui, "cut.png", truncated)
    assert r.status_code == 202, r.text  # headers are fine: accepted and stored
    doc_id = r.json()["id"]
    assert BlobStore.in_data_dir(ui.data_dir).exists(hashlib.sha256(truncated).hexdigest())
    assert drain(ui) == 1
    got = ui.client.get(f"/v1/documents/{doc_id}", headers=api_headers(ui)).json()
    assert got["status"] in ("dead", "failed") and got["error"]["code"] == "corrupt_input", got
    assert "truncated" in got["error"]["message"]
