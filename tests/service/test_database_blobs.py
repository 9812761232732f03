"""Issue 15: originals in the database, so a worker machine needs only the database URL."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from paperclerk.settings import get_settings
from paperclerk.storage.blobs import BlobNotFoundError
from paperclerk.storage.database_blobs import DatabaseBlobStore, open_blob_store
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.migrate import upgrade
from paperclerk.storage.repositories import create_workspace
from paperclerk.storage.tables import BlobRow
from paperclerk.storage.workspaces import create_api_key
from paperclerk.web.app import create_app
from tests.service.test_api import receipt_png


def test_the_database_store_keeps_each_content_once(db_url: str) -> None:
    upgrade(db_url)
    store = DatabaseBlobStore(make_engine(db_url))
    sha = store.put(b"an original")
    assert store.put(b"an original") == sha  # the same bytes twice: one row
    assert store.exists(sha) and store.get(sha) == b"an original"
    assert store.put_stream(io.BytesIO(b"streamed")) == hashlib.sha256(b"streamed").hexdigest()
    with make_session_factory(store.engine)() as session:
        assert session.scalar(select(func.count()).select_from(BlobRow)) == 2
    assert store.delete(sha) and not store.delete(sha) and not store.exists(sha)
    with pytest.raises(BlobNotFoundError):
        store.get(sha)
    with pytest.raises(ValueError):
        store.get("../../etc/passwd")


@pytest.fixture
def database_blobs(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PAPERCLERK_BLOB_STORE", "database")
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("PAPERCLERK_BLOB_STORE")
    get_settings.cache_clear()


def test_the_setting_chooses_the_store(tmp_path: Path, database_blobs: None) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade(url)
    assert isinstance(open_blob_store(tmp_path, url), DatabaseBlobStore)


@pytest.mark.postgres
@pytest.mark.slow
def test_two_worker_machines_share_only_the_database(
    db_url: str, tmp_path: Path, database_blobs: None
) -> None:
    """Two `paperclerk worker` processes, each with its own data folder, on one PostgreSQL."""
    if not db_url.startswith("postgresql"):
        pytest.skip("scale-out runs on PostgreSQL")
    api_dir = tmp_path / "api"
    app = create_app(db_url, api_dir)
    factory = make_session_factory(make_engine(db_url))
    with factory.begin() as session:
        key = create_api_key(session, create_workspace(session, "a").id).key
    env = {**os.environ, "PAPERCLERK_DATABASE_URL": db_url, "PAPERCLERK_BLOB_STORE": "database",
           "PAPERCLERK_OCR_THREADS": "1"}  # fmt: skip
    command = [sys.executable, "-m", "paperclerk", "worker", "--data-dir"]
    logs = [tmp_path / f"w{n}.log" for n in range(2)]
    workers = [
        subprocess.Popen(
            [*command, str(tmp_path / f"w{n}")], env=env, stdout=log.open("wb"), stderr=-2
        )
        for n, log in enumerate(logs)
    ]
    try:
        with TestClient(app) as client:
            headers = {"Authorization": f"Bearer {key}"}
            pictures = [receipt_png(f"SHOP {n}\nTOTAL {n}.50") for n in range(4)]
            ids = [
                client.post("/v1/documents", headers=headers,
                            files={"file": ("r.png", picture, "image/png")}).json()["id"]
                for picture in pictures
            ]  # fmt: skip
            deadline = time.monotonic() + 240
            statuses: list[str] = []
            while time.monotonic() < deadline:
                statuses = [client.get(f"/v1/documents/{i}", headers=headers).json()["status"]
                            for i in ids]  # fmt: skip
                if all(s in ("done", "failed", "dead") for s in statuses):
                    break
                time.sleep(1)
            assert statuses == ["done"] * 4, [log.read_text()[-2000:] for log in logs]
            page = client.get(f"/v1/documents/{ids[0]}/pages/0", headers=headers)
            assert page.status_code == 200 and page.headers["content-type"].startswith("image/")
    finally:
        for process in workers:
            process.terminate()
        for process in workers:
            process.wait(30)
    # the originals and page images are rows; no folder holds a blob
    for folder in (api_dir, tmp_path / "w0", tmp_path / "w1"):
        assert not any((folder / "blobs").rglob("*")), folder
    with factory() as session:
        assert (session.scalar(select(func.count()).select_from(BlobRow)) or 0) >= 8
