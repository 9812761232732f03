"""Durability: a worker killed mid-document, and `serve` restarted with queued work."""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from paperclerk.storage.blobs import BlobStore
from paperclerk.storage.columns import DocumentStatus, JobStatus
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.migrate import upgrade
from paperclerk.storage.tables import DocumentRow, Job, WebhookDelivery
from paperclerk.storage.workspaces import create_api_key, create_workspace
from paperclerk.webhooks import FINAL_OUTCOMES, create_webhook
from paperclerk.worker.runner import WorkerConfig, _worker_main
from tests.conftest import EXAMPLES

pytestmark = pytest.mark.slow
RECEIPT = EXAMPLES / "receipt-scan.png"


def _status(url: str, doc_id: str) -> tuple[DocumentStatus, list[Job]]:
    with make_session_factory(make_engine(url))() as session:
        row = session.get(DocumentRow, doc_id)
        assert row is not None
        jobs = list(session.scalars(select(Job).where(Job.document_id == doc_id)))
        return row.status, jobs


def _wait_for(predicate, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_a_killed_worker_loses_nothing_and_stores_one_result(db_url: str, tmp_path: Path) -> None:
    from tests.service.helpers import submit

    upgrade(db_url)
    factory = make_session_factory(make_engine(db_url))
    with factory.begin() as session:
        workspace = create_workspace(session, "a").id
        create_webhook(session, workspace, "http://127.0.0.1:9/hook")
    sha = BlobStore.in_data_dir(tmp_path).put(RECEIPT.read_bytes())
    doc, _ = submit(factory, workspace, sha256=sha)
    config = WorkerConfig(db_url, tmp_path, lease_seconds=4.0)
    context = multiprocessing.get_context("spawn")
    victim = context.Process(target=_worker_main, args=(config,))
    victim.start()
    try:
        assert _wait_for(lambda: _status(db_url, doc.id)[0] == DocumentStatus.PROCESSING, 60)
        time.sleep(0.3)
        assert victim.pid is not None
        os.kill(victim.pid, signal.SIGKILL)
        victim.join(10)
        assert _status(db_url, doc.id)[0] != DocumentStatus.DONE, "finished before the kill"
    finally:
        if victim.is_alive():
            victim.kill()
    rescuer = context.Process(target=_worker_main, args=(config,))
    rescuer.start()
    try:
        assert _wait_for(lambda: _status(db_url, doc.id)[0] == DocumentStatus.DONE, 90)
    finally:
        rescuer.terminate()
        rescuer.join(10)
    status, jobs = _status(db_url, doc.id)
    assert status == DocumentStatus.DONE
    assert len(jobs) == 1 and jobs[0].status == JobStatus.DONE and jobs[0].attempts == 2
    with factory() as session:
        row = session.get(DocumentRow, doc.id)
        assert row is not None and row.result is not None and row.result["id"] == doc.id
        events = session.scalars(
            select(WebhookDelivery.event).where(WebhookDelivery.document_id == doc.id)
        ).all()
        final = row.result["decision"]["outcome"] in FINAL_OUTCOMES
        once_each = ["document.completed", "document.decided"] if final else ["document.completed"]
        assert sorted(events) == once_each


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(data_dir: Path, db_url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PAPERCLERK_DATABASE_URL": db_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "paperclerk", "serve", "--data-dir", str(data_dir),
         "--port", str(port), "--workers", str(workers)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    up = _wait_for(lambda: _ready(port), 60)
    assert up, "serve did not start"
    return process


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_restarting_serve_loses_no_queued_work(db_url: str, tmp_path: Path) -> None:
    upgrade(db_url)
    with make_session_factory(make_engine(db_url)).begin() as session:
        key = create_api_key(session, create_workspace(session, "a").id).key
    headers = {"Authorization": f"Bearer {key}"}
    port = _free_port()
    first = _serve(tmp_path, db_url, port, workers=0)
    try:
        ids = [
            httpx.post(f"http://127.0.0.1:{port}/v1/documents", headers=headers,
                       files={"file": (f"r{i}.png", RECEIPT.read_bytes())}).json()["id"]
            for i in range(2)
        ]  # fmt: skip
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(20)
    second = _serve(tmp_path, db_url, port, workers=1)
    try:

        def all_done() -> bool:
            got = [httpx.get(f"http://127.0.0.1:{port}/v1/documents/{i}", headers=headers)
                   for i in ids]  # fmt: skip
            return all(r.json()["status"] == "done" for r in got)

        assert _wait_for(all_done, 120)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
