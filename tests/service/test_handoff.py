"""Issue 14, "All OCR in workers": `retention=none` and campaign submissions run in a worker.

The API hands the request's bytes to a worker in memory (`queue.memory`), waits a bounded
time and answers as before; it never runs the pipeline itself. Without a worker it answers
503 `no_worker` at once, after the bound 504 `worker_timeout`, and in neither case is
anything stored.
"""

from __future__ import annotations

import asyncio
import hashlib
import multiprocessing
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from paperclerk.engines import registry
from paperclerk.ingest.types import IngestedFile
from paperclerk.loyalty import service
from paperclerk.model import Document
from paperclerk.pipeline import run
from paperclerk.queue.memory import (
    Handoff,
    HandoffFullError,
    LocalPort,
    MemoryTask,
    NoWorkerError,
    PipePort,
    TaskKind,
    TaskOutcome,
    WorkerLostError,
    WorkerTimeoutError,
    local_handoff,
    serve_pipe,
)
from paperclerk.storage.blobs import BlobStore
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.tables import DocumentRow, Job, LoyaltySubmission
from paperclerk.storage.workspaces import create_api_key, create_workspace, get_workspace_by_name
from paperclerk.web.app import create_app
from paperclerk.worker import tasks
from paperclerk.worker.runner import Supervisor, WorkerConfig
from tests.conftest import EXAMPLES
from tests.service.memory_worker import memory_worker
from tests.service.test_api import receipt_png

CAMPAIGN_YAML = (EXAMPLES / "campaign.yaml").read_text()
SCAN = (EXAMPLES / "receipt-scan.png").read_bytes()


def task(kind: TaskKind = TaskKind.PROCESS) -> MemoryTask:
    return MemoryTask(kind, "ws", b"bytes", filename="secret.png")


# --- the hand-off on its own -------------------------------------------------------------


def test_without_a_worker_a_task_is_refused_at_once() -> None:
    with pytest.raises(NoWorkerError):
        Handoff().submit(task())


def test_tasks_go_first_come_first_served_up_to_the_capacity() -> None:
    handoff = Handoff(capacity=2)
    with handoff.serving():
        first, second = task(), task()
        handoff.submit(first)
        handoff.submit(second)
        with pytest.raises(HandoffFullError):
            handoff.submit(task())
        assert handoff.take("w") == first
        assert handoff.take("w") == second
        assert handoff.take("w") is None


def test_a_task_given_up_is_dropped_or_refused_its_commit() -> None:
    handoff = Handoff()
    with handoff.serving():
        waiting, running = task(), task()
        waiting_future = handoff.submit(waiting)
        handoff.submit(running)
        assert handoff.take("w") == waiting
        assert handoff.take("w") == running
        assert handoff.abandon(waiting.id) and waiting_future.cancelled()
        assert not handoff.may_commit(waiting.id)  # the worker must roll back
        assert handoff.may_commit(running.id)  # the request still waits: store it
        assert not handoff.abandon(running.id)  # being stored: the request waits for it
        handoff.finish(running.id, TaskOutcome(result={"ok": True}))
        assert not handoff.abandon(running.id)  # answered: the request reads the answer
        assert handoff.pending() == 0


def test_the_wait_is_bounded_and_withdraws_the_task() -> None:
    handoff = Handoff(timeout_s=0.05)
    with handoff.serving(), pytest.raises(WorkerTimeoutError, match="nothing was stored"):
        asyncio.run(handoff.run(task()))
    assert handoff.pending() == 0


def test_errors_come_back_typed_and_bugs_as_internal_errors() -> None:
    handoff = Handoff()
    with handoff.serving():
        port = LocalPort(handoff, "w")
        for outcome in (TaskOutcome.failed(NoWorkerError("x")), TaskOutcome.failed(KeyError())):

            def answer(outcome: TaskOutcome = outcome) -> None:
                while (taken := port.take()) is None:
                    time.sleep(0.001)
                port.finish(taken.id, outcome)

            worker = threading.Thread(target=answer)
            worker.start()
            with pytest.raises(Exception) as raised:
                asyncio.run(handoff.run(task()))
            worker.join()
            if outcome.error_code == "no_worker":
                assert getattr(raised.value, "http_status", None) == 503
                assert getattr(raised.value, "code", None) == "no_worker"
            else:  # the web layer turns it into 500 internal_error, as any bug
                assert "KeyError" in str(raised.value)


def test_a_worker_process_talks_over_its_pipe_and_its_death_fails_its_task() -> None:
    handoff = Handoff()
    ours, theirs = multiprocessing.Pipe()
    serving = serve_pipe(handoff, ours, "process-1")
    port = PipePort(theirs)
    with handoff.serving():
        first, second = task(), task()
        future = handoff.submit(first)
        taken = port.take()
        assert taken == first and taken.data == b"bytes"
        assert "secret" not in repr(taken) and "bytes" not in repr(taken)
        assert port.may_commit(first.id)
        port.finish(first.id, TaskOutcome(result={"n": 1}))
        assert future.result(timeout=5).unwrap() == {"n": 1}
        lost = handoff.submit(second)
        assert port.take() == second
        theirs.close()  # the worker process died holding it
        serving.join(timeout=5)
        with pytest.raises(WorkerLostError):
            lost.result(timeout=5)
    assert handoff.pending() == 0


# --- the API -----------------------------------------------------------------------------


@dataclass
class Api:
    client: TestClient
    url: str
    data_dir: Path
    key: str

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def count(self, table: type) -> int:
        with make_session_factory(make_engine(self.url))() as session:
            return int(session.scalar(select(func.count()).select_from(table)) or 0)

    def blob_files(self) -> list[Path]:
        root = self.data_dir / "blobs"
        return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []

    def in_memory(self) -> Any:
        return self.client.post(
            "/v1/documents",
            files={"file": ("r.png", receipt_png(), "image/png")},
            params={"retention": "none"},
            data={"doc_type": "receipt"},
            headers=self.headers(),
        )

    def campaign_submission(self, participant: str = "p1") -> Any:
        return self.client.post(
            "/v1/campaigns/milo-april-2018/submissions",
            files={"file": ("r.png", SCAN, "image/png")},
            data={"participant_id": participant},
            headers=self.headers(),
        )


def make_api(url: str, data_dir: Path) -> Iterator[Api]:
    app = create_app(url, data_dir)
    with make_session_factory(make_engine(url)).begin() as session:
        key = create_api_key(session, create_workspace(session, "a").id).key
    with TestClient(app, raise_server_exceptions=False) as client:
        api = Api(client, url, data_dir, key)
        r = client.post(
            "/v1/campaigns",
            content=CAMPAIGN_YAML,
            headers={**api.headers(), "Content-Type": "application/yaml"},
        )
        assert r.status_code == 201, r.text
        yield api


@pytest.fixture
def api(db_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from make_api(db_url, tmp_path / "data")


def assert_nothing_stored(api: Api) -> None:
    assert api.count(DocumentRow) == 0 and api.count(Job) == 0
    assert api.count(LoyaltySubmission) == 0
    assert api.blob_files() == []


def test_without_a_worker_both_paths_answer_503_and_store_nothing(api: Api) -> None:
    for r in (api.in_memory(), api.campaign_submission()):
        assert r.status_code == 503, r.text
        assert r.json()["error"]["code"] == "no_worker"
        assert "--workers" in r.json()["error"]["message"]
    assert_nothing_stored(api)
    # bad input is still refused by the API's cheap check, worker or not
    r = api.client.post(
        "/v1/documents",
        files={"file": ("r.png", b"not a document", "image/png")},
        params={"retention": "none"},
        headers=api.headers(),
    )
    assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported_media_type"


def test_a_worker_that_does_not_answer_in_time_means_504_and_nothing_stored(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    handoff = local_handoff(api.url)
    monkeypatch.setattr(handoff, "timeout_s", 0.3)
    with handoff.serving():  # "served", yet no worker ever takes a task
        for r in (api.in_memory(), api.campaign_submission()):
            assert r.status_code == 504, r.text
            assert r.json()["error"]["code"] == "worker_timeout"
    assert handoff.pending() == 0
    assert_nothing_stored(api)


def test_the_pipeline_runs_on_the_worker_thread_only(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    real = run.process_ingested

    def recorded(ingested: IngestedFile, **kwargs: Any) -> Document:
        threads.append(threading.current_thread().name)
        return real(ingested, **kwargs)

    for module in (run, tasks, service):
        monkeypatch.setattr(module, "process_ingested", recorded)
    with memory_worker(api.url, api.data_dir) as worker:
        in_memory = api.in_memory()
        submitted = api.campaign_submission()
    assert in_memory.status_code == 200, in_memory.text
    assert in_memory.json()["pages"] and in_memory.json()["doc_type"] == "receipt"
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["submission_id"] is not None
    assert threads == [worker.name, worker.name]  # each read once, by the worker
    assert api.count(DocumentRow) == 0 and api.count(LoyaltySubmission) == 1
    blobs = BlobStore.in_data_dir(api.data_dir)
    assert api.blob_files() == [blobs.path(hashlib.sha256(SCAN).hexdigest())]  # the original


class RefusingPort:
    """A port whose request gave up while the worker was reading."""

    def take(self) -> MemoryTask | None:
        return None

    def may_commit(self, task_id: str) -> bool:
        return False

    def finish(self, task_id: str, outcome: TaskOutcome) -> None:
        raise AssertionError("not called by run_memory_task")


def test_a_submission_whose_request_gave_up_is_rolled_back(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unread(ingested: IngestedFile, **kwargs: Any) -> Document:
        return Document(
            sha256=ingested.sha256, media_type=ingested.media_type, size_bytes=ingested.size_bytes
        )

    monkeypatch.setattr(tasks, "process_ingested", unread)
    factory = make_session_factory(make_engine(api.url))
    with factory() as session:
        workspace = get_workspace_by_name(session, "a")
        assert workspace is not None
    job = MemoryTask(
        TaskKind.CAMPAIGN, workspace.id, SCAN, campaign_id="milo-april-2018", participant_id="p1"
    )
    blobs = BlobStore.in_data_dir(api.data_dir)
    outcome = tasks.run_memory_task(factory, blobs, job, RefusingPort())
    assert outcome.error_code == "worker_timeout"
    assert api.count(LoyaltySubmission) == 0


# --- real worker processes ---------------------------------------------------------------


def refuse(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the API process ran the pipeline")


@pytest.mark.slow
def test_the_api_process_runs_no_ocr_with_worker_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`serve`'s shape: the API and a supervisor in one process, the worker spawned."""
    url, data_dir = f"sqlite:///{tmp_path / 'paperclerk.db'}", tmp_path / "data"
    # In this (the API's) process no OCR engine can be made and the pipeline cannot run;
    # the worker process is spawned, so none of this reaches it.
    monkeypatch.setattr(registry, "_engines", {})
    monkeypatch.setattr(registry, "FACTORIES", dict.fromkeys(registry.FACTORIES, refuse))
    for module, name in ((run, "process_ingested"), (run, "process_bytes"),
                         (tasks, "process_ingested"), (tasks, "process_bytes"),
                         (service, "process_ingested")):  # fmt: skip
        monkeypatch.setattr(module, name, refuse)
    apis = make_api(url, data_dir)
    api = next(apis)
    supervisor = Supervisor(WorkerConfig(url, data_dir), 1)
    supervisor.start()
    try:
        in_memory = api.in_memory()
        submitted = api.campaign_submission()
    finally:
        supervisor.stop()
        apis.close()
    assert in_memory.status_code == 200, in_memory.text
    assert in_memory.json()["pages"] and in_memory.json()["workspace"]
    assert submitted.status_code == 200, submitted.text
    body = submitted.json()
    assert body["outcome"] == "approved", body["reasons"]
    assert api.count(DocumentRow) == 0 and api.count(LoyaltySubmission) == 1
