"""Asynchronous campaign submissions through the durable queue, on SQLite and PostgreSQL.

The receipt is "read" by a stand-in for the pipeline (a prepared `Document`), so no OCR
runs; everything else is real: the API stores and queues, a worker claims the job under
a lease and decides it, the client polls.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from paperclerk.errors import CorruptInputError
from paperclerk.ingest.types import IngestedFile
from paperclerk.loyalty.submission_jobs import CLAIM_JOB_KIND
from paperclerk.model import Document
from paperclerk.queue import claim
from paperclerk.storage.blobs import Blobs
from paperclerk.storage.database_blobs import open_blob_store
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.tables import Job, LoyaltySubmission, Webhook, WebhookDelivery
from paperclerk.storage.workspaces import create_api_key, create_workspace
from paperclerk.web.app import create_app
from paperclerk.worker import submission_jobs
from paperclerk.worker.runner import WorkerConfig, work
from paperclerk.worker.submission_jobs import run_claim_job
from tests.unit.loyalty_helpers import campaign, receipt
from tests.unit.receipt_pictures import receipt_picture

MILO = [("MILO 3IN1 18X30G", "1", "27.55")]


def _png(**kwargs: Any) -> bytes:
    out = io.BytesIO()
    receipt_picture(**kwargs).save(out, "PNG")
    return out.getvalue()


SCAN = _png()


@dataclass
class Env:
    client: TestClient
    factory: sessionmaker[Session]
    blobs: Blobs
    url: str
    data_dir: Path
    key_a: str
    key_b: str
    workspace_a: str
    read: list[Any]

    def h(self, key: str | None = None, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.key_a}", **extra}

    def submit(self, data: bytes = SCAN, participant: str = "p1", **kw: Any) -> Any:
        params = kw.pop("params", {"mode": "async"})
        return self.client.post(
            f"/v1/campaigns/{kw.pop('campaign', 'milo-april')}/submissions",
            params=params,
            files={"file": ("r.png", data, "image/png")},
            data={"participant_id": participant},
            headers=self.h(kw.pop("key", None), **kw.pop("headers", {})),
        )

    def poll(self, url: str, key: str | None = None) -> Any:
        return self.client.get(url, headers=self.h(key))

    def work_once(self, worker: str = "w1", now: dt.datetime | None = None) -> bool:
        job = claim(self.factory, worker, 60, now=now)
        assert job is not None and job.kind == CLAIM_JOB_KIND
        return run_claim_job(self.factory, self.blobs, job)

    def submissions(self) -> int:
        with self.factory() as s:
            return int(s.scalar(select(func.count()).select_from(LoyaltySubmission)) or 0)


@pytest.fixture
def env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    read: list[Any] = [receipt(items=MILO)]  # what the stand-in pipeline reads next

    def pipeline(ingested: IngestedFile, **kwargs: Any) -> Document:
        answer = read[0]
        if isinstance(answer, BaseException):
            raise answer
        assert isinstance(answer, Document)
        return answer.model_copy(deep=True)

    monkeypatch.setattr(submission_jobs, "process_ingested", pipeline)
    data_dir = tmp_path / "data"
    app = create_app(db_url, data_dir)
    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    with factory.begin() as session:
        a = create_workspace(session, "a").id
        b = create_workspace(session, "b").id
        key_a, key_b = create_api_key(session, a).key, create_api_key(session, b).key
    with TestClient(app, raise_server_exceptions=False) as client:
        env = Env(client, factory, open_blob_store(data_dir, db_url), db_url, data_dir,
                  key_a, key_b, a, read)  # fmt: skip
        body = campaign().model_dump(mode="json")
        for key in (key_a, key_b):
            assert client.post("/v1/campaigns", json=body, headers=env.h(key)).status_code == 201
        yield env
    engine.dispose()


def test_a_queued_submission_is_decided_by_a_worker_and_polled(env: Env) -> None:
    r = env.submit()
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["status"] == "queued" and set(body) == {"job_id", "status", "status_url"}
    assert r.headers["location"] == body["status_url"]
    assert body["status_url"] == f"/v1/campaigns/milo-april/jobs/{body['job_id']}"
    assert env.blobs.exists(hashlib.sha256(SCAN).hexdigest())  # the original, kept first
    assert env.poll(body["status_url"]).json() == body  # queued: the same status
    assert env.submissions() == 0

    assert env.work_once()
    done = env.poll(body["status_url"])
    assert done.status_code == 200
    result = done.json()
    assert result["participant_id"] == "p1" and result["campaign_id"] == "milo-april"
    sid = result["submission_id"]
    stored = env.client.get(f"/v1/campaigns/milo-april/submissions/{sid}", headers=env.h())
    assert stored.json() == result
    assert env.submissions() == 1
    with env.factory() as s:
        job = s.scalars(select(Job)).one()
    assert job.status == "done"


def test_prefer_respond_async_queues_and_says_so_and_sync_stays_the_default(env: Env) -> None:
    r = env.submit(params={}, headers={"Prefer": "respond-async, wait=5"})
    assert r.status_code == 202 and r.headers["preference-applied"] == "respond-async"
    assert env.submit(params={"mode": "bogus"}).status_code == 422
    sync = env.submit(params={})  # no worker serves this process: the in-memory path says so
    assert sync.status_code == 503 and sync.json()["error"]["code"] == "no_worker"


def test_bad_input_and_unknown_campaigns_are_refused_before_anything_is_queued(
    env: Env,
) -> None:
    assert env.submit(b"not an image at all").status_code == 415
    assert env.submit(campaign="nope").status_code == 404
    with env.factory() as s:
        assert s.scalar(select(func.count()).select_from(Job)) == 0


def test_polling_is_scoped_to_the_workspace_and_the_campaign(env: Env) -> None:
    url = env.submit().json()["status_url"]
    job_id = url.rsplit("/", 1)[1]
    assert env.poll(url, key=env.key_b).status_code == 404
    other = env.client.post(
        "/v1/campaigns", json=campaign(id="other").model_dump(mode="json"), headers=env.h()
    )
    assert other.status_code == 201
    assert env.poll(f"/v1/campaigns/other/jobs/{job_id}").status_code == 404
    assert env.poll("/v1/campaigns/milo-april/jobs/" + "0" * 32).status_code == 404
    assert env.poll("/v1/campaigns/milo-april/jobs/x%00y").status_code == 404
    assert env.client.get(url).status_code == 401


def test_a_redelivered_or_requeued_job_stores_one_submission(env: Env) -> None:
    url = env.submit().json()["status_url"]
    job_id = url.rsplit("/", 1)[1]
    stale = claim(env.factory, "dies", 60)  # this worker stops answering mid-receipt
    assert stale is not None
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)  # its lease ran out
    assert env.work_once("w2", now=later)
    assert not run_claim_job(env.factory, env.blobs, stale)  # it wakes up: nothing stored
    assert env.submissions() == 1
    # queued again through the documents API (reprocess): still decided only once
    again = env.client.post(f"/v1/documents/{job_id}/reprocess", headers=env.h())
    assert again.status_code == 202
    assert not env.work_once("w3")
    assert env.submissions() == 1
    assert env.poll(url).json()["submission_id"] is not None


def test_two_workers_deciding_one_job_at_once_store_one_submission(env: Env) -> None:
    url = env.submit().json()["status_url"]
    first = claim(env.factory, "w1", 60)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    second = claim(env.factory, "w2", 60, now=later)  # redelivered while w1 still runs
    assert first is not None and second is not None and first.id == second.id
    outcomes: list[bool] = []
    threads = [
        threading.Thread(
            target=lambda j=j: outcomes.append(run_claim_job(env.factory, env.blobs, j))
        )
        for j in (first, second)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == [False, True]
    assert env.submissions() == 1
    assert env.poll(url).status_code == 200


def test_failures_retry_then_answer_the_typed_error(env: Env) -> None:
    url = env.submit().json()["status_url"]
    env.read[0] = RuntimeError("the worker's OCR crashed")
    assert not env.work_once()
    retried = env.poll(url)
    assert retried.status_code == 200 and retried.json()["status"] == "queued"  # backing off
    with env.factory() as s:
        job = s.scalars(select(Job)).one()
    assert job.status == "queued" and job.attempts == 1

    env.read[0] = CorruptInputError("the picture data is damaged")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)  # past the backoff
    assert not env.work_once(now=later)
    failed = env.poll(url)
    assert failed.status_code == 422
    assert failed.json()["error"] == {
        "code": "corrupt_input",
        "message": "CorruptInputError: the picture data is damaged",
    }
    assert env.submissions() == 0


def test_a_final_decision_is_announced_by_webhook(env: Env) -> None:
    with env.factory.begin() as s:
        s.add(Webhook(id="h1", workspace_id=env.workspace_a, url="https://example.com/h",
                      secret="s", events=["claim.decided"]))  # fmt: skip
    env.read[0] = receipt(merchant="TESCO EXTRA", items=MILO)  # not the campaign's shop
    url = env.submit().json()["status_url"]
    assert env.work_once()
    result = env.poll(url).json()
    assert result["outcome"] == "rejected"
    with env.factory() as s:
        deliveries = s.scalars(select(WebhookDelivery)).all()
    assert [(d.event, d.submission_id) for d in deliveries] == [
        ("claim.decided", result["submission_id"])
    ]


def test_an_embedded_worker_loop_runs_queued_submissions(env: Env) -> None:
    url = env.submit().json()["status_url"]
    stop = threading.Event()
    config = WorkerConfig(env.url, env.data_dir, idle_sleep=0.02)
    thread = threading.Thread(target=work, args=(config, stop), name="durable-worker")
    thread.start()
    try:
        deadline = dt.datetime.now() + dt.timedelta(seconds=60)
        while env.poll(url).json().get("status") in {"queued", "running"}:
            assert dt.datetime.now() < deadline
            stop.wait(0.05)
    finally:
        stop.set()
        thread.join()
    assert env.poll(url).json()["submission_id"] is not None
    assert env.submissions() == 1
