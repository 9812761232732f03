"""Browser tests: a real uvicorn server, a worker thread and Debian's Chromium via Playwright.

Chromium comes from the Debian package (`apt-get install chromium`), never from
`playwright install`; without /usr/bin/chromium these tests skip and say why.
"""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from PIL import Image, ImageDraw

from paperclerk.model import Document
from paperclerk.queue import Lane, enqueue
from paperclerk.queue.jobs import finish_document
from paperclerk.review import on_result_stored
from paperclerk.storage.blobs import BlobStore
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.documents import create_document
from paperclerk.storage.users import create_user
from paperclerk.storage.workspaces import create_api_key, create_workspace
from paperclerk.web.app import create_app
from paperclerk.worker.runner import WorkerConfig, work

CHROMIUM = Path("/usr/bin/chromium")
EMAIL, PASSWORD = "reviewer@example.org", "correct horse battery"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@dataclass
class Service:
    """A running server with one workspace, its API key and a reviewer."""

    base: str
    data_dir: Path
    db_url: str
    key: str
    workspace_id: str

    def api(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base, headers={"Authorization": f"Bearer {self.key}"}, timeout=30
        )

    def upload(self, data: bytes, name: str = "receipt.png") -> str:
        with self.api() as client:
            r = client.post(
                "/v1/documents",
                files={"file": (name, data, "image/png")},
                data={"doc_type": "receipt"},
            )
            assert r.status_code == 202, r.text
            return str(r.json()["id"])

    def store(self, original: bytes, doc: Document, filename: str = "doc.png") -> str:
        """Store a document as if a worker had read it (`doc` is its result); return its id.

        For tests that need exact word boxes or fields the OCR would not give.
        """
        BlobStore.in_data_dir(self.data_dir).put(original)
        factory = make_session_factory(make_engine(self.db_url))
        with factory.begin() as s:
            row, _ = create_document(
                s, self.workspace_id, sha256=doc.sha256, size_bytes=len(original),
                filename=filename,
            )  # fmt: skip
            job = enqueue(s, row.id, Lane.BULK)
            doc = doc.model_copy(update={"id": row.id, "workspace": self.workspace_id})
            finish_document(s, row.id, doc, job.id)
            on_result_stored(s, row.id, self.workspace_id, doc)
            return str(row.id)

    def wait_done(self, document_id: str, timeout: float = 180.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self.api() as client:
            while time.monotonic() < deadline:
                body = client.get(f"/v1/documents/{document_id}").json()
                if body["status"] in ("done", "dead", "failed"):
                    return dict(body)
                time.sleep(0.2)
        raise AssertionError(f"document {document_id} was not processed in {timeout} s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def receipt_png(lines: list[str], size: tuple[int, int] = (520, 420)) -> bytes:
    """A synthetic receipt image with one text line per entry."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((20, 20 + 40 * i), line, fill="black", font_size=26)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """Start uvicorn on a free port and one worker thread over a SQLite data dir."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed (apt-get install chromium)")
    data_dir = tmp_path_factory.mktemp("e2e") / "data"
    db_url = f"sqlite:///{data_dir / 'paperclerk.db'}"
    app = create_app(db_url, data_dir)
    factory = make_session_factory(make_engine(db_url))
    with factory.begin() as s:
        ws = create_workspace(s, "receipts").id
        key = create_api_key(s, ws).key
        create_user(s, EMAIL, PASSWORD, "reviewer", [ws])
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    stop = threading.Event()
    worker = threading.Thread(
        target=work, args=(WorkerConfig(db_url, data_dir, idle_sleep=0.05), stop), daemon=True
    )
    worker.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield Service(f"http://127.0.0.1:{port}", data_dir, db_url, key, ws)
    finally:
        stop.set()
        server.should_exit = True
        thread.join(10)
        worker.join(30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Yield a headless Debian Chromium driven by Playwright."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) at 1366×768."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


def approve_enabled(page: Any, timeout_ms: float = 30_000) -> None:
    """Wait until the Approve button is enabled.

    Through a locator, not `page.wait_for_function("…")`: the UI's Content-Security-Policy
    forbids evaluating strings as script, which that call does in the page.
    """
    from playwright.sync_api import expect

    expect(page.locator("#approve")).to_be_enabled(timeout=timeout_ms)
