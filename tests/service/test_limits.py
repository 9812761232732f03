"""Issue 15, bounds: metadata, request bodies, PDF pixels, worker memory, orphaned workers
and queue backpressure."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from sqlalchemy import select

from paperclerk.ingest import check_bytes, load_bytes
from paperclerk.intake.submit import IntakeResources, submit_bytes
from paperclerk.settings import Settings, get_settings
from paperclerk.storage.blobs import BlobStore
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.tables import DocumentRow
from paperclerk.storage.workspaces import create_api_key, create_workspace
from paperclerk.web.app import BODY_ENVELOPE, create_app
from tests.service.test_api import Api, receipt_png, upload
from tests.service.test_api import api as api  # the fixture these tests use


def _nested(levels: int) -> str:
    return '{"a": ' + "[" * (levels - 1) + "]" * (levels - 1) + "}"


def _post_meta(api: Api, meta: str) -> Any:
    return api.client.post(
        "/v1/documents",
        files={"file": ("r.png", receipt_png(), "image/png")},
        data={"metadata": meta},
        headers=api.headers(),
    )


@pytest.mark.parametrize("levels", [21, 260, 900, 5000])
def test_deep_metadata_is_refused_before_anything_is_stored(api: Api, levels: int) -> None:
    r = _post_meta(api, _nested(levels))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "invalid_metadata"
    assert api.count(DocumentRow) == 0
    assert api.client.get("/v1/documents", headers=api.headers()).status_code == 200


def test_metadata_size_and_keys_are_bounded(api: Api) -> None:
    big = json.dumps({"a": "x" * 20_000})
    many = json.dumps({f"k{i}": i for i in range(501)})
    for meta in (big, many):
        r = _post_meta(api, meta)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_metadata", r.text
    for bad in ('{"a": ' + "9" * 5000 + "}", '{"a": "\\ud800"}', '{"a": NaN}'):
        r = _post_meta(api, bad)
        assert r.status_code == 422, (bad[:20], r.text)
    ok = json.dumps({"a": {"b": [1, "]}[{", {"c": 2}]}, "n": 20})
    r = _post_meta(api, ok)
    assert r.status_code == 202, r.text
    assert r.json()["metadata"] == json.loads(ok)
    assert api.count(DocumentRow) == 1


def test_a_stored_document_with_deep_metadata_does_not_break_listing(api: Api) -> None:
    factory = make_session_factory(make_engine(api.url))
    good = upload(api, receipt_png()).json()["id"]
    with factory() as session:
        workspace = session.scalars(select(DocumentRow.workspace_id)).one()
    resources = IntakeResources(factory, BlobStore.in_data_dir(api.data_dir))
    deep = json.loads(_nested(260))  # as stored before the bounds
    bad = submit_bytes(resources, workspace, receipt_png("B\nTOTAL 1.00"), metadata=deep)
    if api.url.startswith("sqlite"):  # PostgreSQL refuses to store a lone surrogate
        odd = {"a": "\ud800"}
        submit_bytes(resources, workspace, receipt_png("C\nTOTAL 2.00"), metadata=odd)
        assert upload(api, receipt_png("D\nTOTAL 3.00")).status_code == 202
    listed = api.client.get("/v1/documents", headers=api.headers())
    assert listed.status_code == 200, listed.text
    items = {d["id"]: d for d in listed.json()["items"]}
    assert items[bad.document_id]["metadata"] == {} and good in items
    one = api.client.get(f"/v1/documents/{bad.document_id}", headers=api.headers())
    assert one.status_code == 200 and one.json()["metadata"] == {}


class _Body:
    """An ASGI receive that hands out `chunks` chunks of 1 MiB and counts what was taken."""

    def __init__(self, chunks: int) -> None:
        self.chunks = chunks
        self.taken = 0

    async def __call__(self) -> dict[str, Any]:
        if self.taken >= self.chunks * 2**20:
            return {"type": "http.disconnect"}
        self.taken += 2**20
        return {"type": "http.request", "body": b"x" * 2**20, "more_body": True}


def _call(app: Any, headers: dict[str, str], body: _Body) -> tuple[int, dict[str, Any]]:
    """Send one POST /v1/documents to the ASGI app; return the status and JSON answer."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/documents",
        "raw_path": b"/v1/documents",
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, body, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, json.loads(content)


@pytest.fixture
def small_app(tmp_path: Path) -> tuple[Any, str, Path]:
    data_dir = tmp_path / "data"
    url = f"sqlite:///{data_dir / 'paperclerk.db'}"
    app = create_app(url, data_dir, max_bytes=100_000)
    with make_session_factory(make_engine(url)).begin() as session:
        key = create_api_key(session, create_workspace(session, "a").id).key
    return app, key, data_dir


def _stored(data_dir: Path) -> int:
    blobs = data_dir / "blobs"
    files = [p for p in blobs.rglob("*") if p.is_file()] if blobs.exists() else []
    url = f"sqlite:///{data_dir / 'paperclerk.db'}"
    with make_session_factory(make_engine(url))() as session:
        return len(files) + len(session.scalars(select(DocumentRow.id)).all())


def test_an_upload_without_a_valid_key_is_refused_unread(
    small_app: tuple[Any, str, Path],
) -> None:
    app, _, data_dir = small_app
    form = "multipart/form-data; boundary=b"
    for auth in ({}, {"authorization": "Bearer pc_nope"}):
        for length in (str(2**30), "5000"):
            body = _Body(1024)
            headers = {"content-type": form, "content-length": length, **auth}
            status, answer = _call(app, headers, body)
            assert status in (401, 413) and body.taken == 0, (auth, length, answer)
        body = _Body(1024)
        status, answer = _call(app, {"content-type": form, "content-length": "5000", **auth}, body)
        assert status == 401 and answer["error"]["code"] == "unauthorized"
        chunked = {"content-type": form, "transfer-encoding": "chunked", **auth}
        status, _ = _call(app, chunked, body := _Body(1024))
        assert status == 401 and body.taken == 0
    assert _stored(data_dir) == 0


def test_a_body_over_the_limit_is_refused_from_its_length_or_cut_off(
    small_app: tuple[Any, str, Path],
) -> None:
    app, key, data_dir = small_app
    limit = 100_000 + BODY_ENVELOPE
    auth = {"authorization": f"Bearer {key}", "content-type": "multipart/form-data; boundary=b"}
    body = _Body(1024)
    status, answer = _call(app, {**auth, "content-length": str(limit + 1)}, body)
    assert status == 413 and answer["error"]["code"] == "limit_exceeded" and body.taken == 0
    body = _Body(1024)
    status, answer = _call(app, {**auth, "transfer-encoding": "chunked"}, body)
    assert status == 413 and answer["error"]["code"] == "limit_exceeded", answer
    assert body.taken <= limit + 2**20
    assert _stored(data_dir) == 0


def _huge_page_pdf(pages: int = 3, size: float = 14400.0) -> bytes:
    pdf = pdfium.PdfDocument.new()
    for _ in range(pages):
        pdf.new_page(size, size).close()
    out = io.BytesIO()
    pdf.save(out)
    pdf.close()
    return out.getvalue()


def test_huge_pdf_pages_are_checked_without_rendering_and_rendered_within_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = _huge_page_pdf()
    assert len(data) < 2000
    settings = Settings(max_pixels=2_000_000, max_document_pixels=3_000_000)

    def no_render(*_: object, **__: object) -> None:
        raise AssertionError("check_bytes rendered a page")

    with monkeypatch.context() as patch:
        patch.setattr(pdfium.PdfPage, "render", no_render)
        assert check_bytes(data, settings=settings).pages == 3
        assert check_bytes(data).pages == 3
    pages = load_bytes(data, settings=settings).pages
    assert len(pages) == 3
    assert sum(p.image.shape[0] * p.image.shape[1] for p in pages) <= 3_000_000


def test_a_page_of_an_unprocessed_pdf_renders_that_page_only(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = api.client.post(
        "/v1/documents",
        files={"file": ("big.pdf", _huge_page_pdf(size=600.0), "application/pdf")},
        headers=api.headers(),
    )
    assert r.status_code == 202, r.text
    rendered: list[int] = []
    render = pdfium.PdfPage.render

    def counting(page: pdfium.PdfPage, *args: Any, **kwargs: Any) -> Any:
        rendered.append(1)
        return render(page, *args, **kwargs)

    monkeypatch.setattr(pdfium.PdfPage, "render", counting)
    page = api.client.get(f"/v1/documents/{r.json()['id']}/pages/2", headers=api.headers())
    assert page.status_code == 200 and page.content[:4] == b"\x89PNG"
    assert len(rendered) == 1
    missing = api.client.get(f"/v1/documents/{r.json()['id']}/pages/3", headers=api.headers())
    assert missing.status_code == 404 and "3 page(s)" in missing.text


def test_a_pdf_that_cannot_fit_the_budget_even_at_the_lowest_scale_is_refused() -> None:
    data = _huge_page_pdf(pages=2)
    settings = Settings(max_pixels=60_000_000, max_document_pixels=100_000)
    with pytest.raises(Exception) as refused:
        check_bytes(data, settings=settings)
    assert getattr(refused.value, "code", None) == "limit_exceeded"


def test_a_document_that_runs_out_of_memory_fails_for_good(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc_id = upload(api, receipt_png()).json()["id"]

    def exhausted(*_: object, **__: object) -> None:
        raise MemoryError

    monkeypatch.setattr("paperclerk.worker.tasks.process_ingested", exhausted)
    assert api.drain() == 1
    got = api.client.get(f"/v1/documents/{doc_id}", headers=api.headers()).json()
    assert got["status"] == "dead" and got["error"]["code"] == "limit_exceeded", got


def test_the_worker_memory_limit_turns_a_huge_allocation_into_memory_error() -> None:
    code = textwrap.dedent(
        """
        from paperclerk.worker.runner import limit_memory
        limit_memory(1500)
        try:
            block = bytearray(3 * 2**30)
        except MemoryError:
            print("memory-error")
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "memory-error", out.stderr


_SUPERVISOR = """
import sys, time
from pathlib import Path
from paperclerk.storage.migrate import upgrade
from paperclerk.worker.runner import Supervisor, WorkerConfig

data = Path(sys.argv[1])
data.mkdir(parents=True, exist_ok=True)
url = f"sqlite:///{data / 'paperclerk.db'}"
upgrade(url)
supervisor = Supervisor(WorkerConfig(url, data, memory_limit_mb=3000), 1)
supervisor.start()
print(supervisor.processes[0].pid, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def _address_limit(pid: int) -> str:
    try:
        limits = Path(f"/proc/{pid}/limits").read_text().splitlines()
    except FileNotFoundError:
        return ""
    return next((line for line in limits if line.startswith("Max address space")), "")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("how", ["kill-at-once", "term-while-starting", "kill-when-running"])
def test_a_worker_dies_with_its_supervisor(tmp_path: Path, how: str) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", _SUPERVISOR, str(tmp_path / "data")],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    worker = 0
    try:
        assert parent.stdout is not None
        worker = int(parent.stdout.readline())
        if how == "kill-at-once":
            parent.send_signal(signal.SIGKILL)
        elif how == "term-while-starting":
            time.sleep(1.5)
            parent.send_signal(signal.SIGTERM)
        else:
            deadline = time.monotonic() + 60
            while str(3000 * 2**20) not in _address_limit(worker):
                assert time.monotonic() < deadline and _alive(worker), "no memory limit set"
                time.sleep(0.1)
            parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 30
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(worker), f"worker {worker} outlived its supervisor ({how})"
    finally:
        if parent.poll() is None:
            parent.kill()
        parent.wait(10)
        if worker and _alive(worker):
            os.kill(worker, signal.SIGKILL)


def test_post_answers_429_with_retry_after_when_the_queue_is_full(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAPERCLERK_MAX_QUEUE_DEPTH", "1")
    get_settings.cache_clear()
    try:
        assert upload(api, receipt_png("A\nTOTAL 1.00")).status_code == 202
        assert upload(api, receipt_png("B\nTOTAL 2.00")).status_code == 202
        r = upload(api, receipt_png("C\nTOTAL 3.00"))
        assert r.status_code == 429, r.text
        assert r.json()["error"]["code"] == "queue_full"
        assert int(r.headers["retry-after"]) > 0
        assert api.count(DocumentRow) == 2
        api.drain()
        assert upload(api, receipt_png("C\nTOTAL 3.00")).status_code == 202
    finally:
        get_settings.cache_clear()
