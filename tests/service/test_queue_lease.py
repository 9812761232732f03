"""Lease queue: lanes, leases and their expiry, backoff, dead state, requeue, idempotent finish."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from paperclerk.errors import CorruptInputError
from paperclerk.model import Document
from paperclerk.queue import (
    JobStatus,
    Lane,
    backoff_delay,
    claim,
    complete,
    enqueue,
    fail,
    finish_document,
    heartbeat,
    queue_depth,
    reprocess,
    requeue,
)
from paperclerk.storage.columns import DocumentStatus, utcnow
from paperclerk.storage.repositories import get_document
from paperclerk.storage.tables import DocumentRow, Job
from tests.service.helpers import submit


def _doc(factory: sessionmaker[Session], document_id: str) -> DocumentRow:
    with factory() as s:
        row = s.get(DocumentRow, document_id)
        assert row is not None
        return row


def _job(factory: sessionmaker[Session], job_id: int) -> Job:
    with factory() as s:
        row = s.get(Job, job_id)
        assert row is not None
        return row


def test_interactive_lane_runs_before_older_bulk_jobs(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    bulk = [submit(factory, workspace_id, Lane.BULK)[1].id for _ in range(3)]
    interactive = [submit(factory, workspace_id, Lane.INTERACTIVE)[1].id for _ in range(2)]
    order = []
    while (job := claim(factory, "w1")) is not None:
        order.append(job.id)
    assert order == interactive + bulk


def test_jobs_wait_for_run_after_and_go_oldest_first(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    doc_late, _ = submit(factory, workspace_id)
    doc_soon, _ = submit(factory, workspace_id)
    now = utcnow()
    with factory.begin() as s:
        late = enqueue(s, doc_late.id, Lane.INTERACTIVE, run_after=now + dt.timedelta(hours=1))
    # The interactive job is not due yet: the bulk ones go first, oldest first.
    first = claim(factory, "w", now=now)
    second = claim(factory, "w", now=now)
    assert first is not None and second is not None
    assert (first.document_id, second.document_id) == (doc_late.id, doc_soon.id)
    assert claim(factory, "w", now=now) is None
    due = claim(factory, "w", now=now + dt.timedelta(hours=2))
    assert due is not None and due.id == late.id


def test_claim_marks_job_running_and_document_processing(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    doc, _ = submit(factory, workspace_id)
    job = claim(factory, "worker-7", lease_seconds=30)
    assert job is not None
    assert (job.status, job.attempts, job.worker_id) == (JobStatus.RUNNING, 1, "worker-7")
    assert job.lease_until is not None
    assert dt.timedelta(seconds=25) < job.lease_until - utcnow() <= dt.timedelta(seconds=30)
    assert _doc(factory, doc.id).status is DocumentStatus.PROCESSING
    assert claim(factory, "worker-8") is None


def test_an_expired_lease_is_claimed_again_and_the_stale_worker_is_fenced(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    doc, _ = submit(factory, workspace_id)
    stale = claim(factory, "dead-worker", lease_seconds=30)
    assert stale is not None
    assert claim(factory, "w2", now=utcnow() + dt.timedelta(seconds=10)) is None  # still leased
    fresh = claim(factory, "w2", now=utcnow() + dt.timedelta(seconds=31))
    assert fresh is not None and fresh.id == stale.id
    assert fresh.attempts == 2  # the lost attempt counts
    assert "lease_expired" in (_job(factory, fresh.id).last_error or "")
    # The first worker comes back: it no longer holds the job and changes nothing.
    assert heartbeat(factory, stale) is False
    assert complete(factory, stale) is False
    assert fail(factory, stale, "late", retryable=True) is None
    assert heartbeat(factory, fresh, lease_seconds=120) is True
    with factory.begin() as s:
        assert finish_document(s, doc.id, {"doc_type": "receipt"}, fresh.id)
    assert _job(factory, fresh.id).status is JobStatus.DONE
    assert _doc(factory, doc.id).status is DocumentStatus.DONE


def test_heartbeat_keeps_the_job_from_being_reclaimed(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    submit(factory, workspace_id)
    job = claim(factory, "w1", lease_seconds=1)
    assert job is not None
    assert heartbeat(factory, job, lease_seconds=600) is True
    assert claim(factory, "w2", now=utcnow() + dt.timedelta(seconds=60)) is None
    assert complete(factory, job) is True
    assert _job(factory, job.id).status is JobStatus.DONE


def test_expired_leases_use_up_attempts_then_the_job_is_dead(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    doc, _ = submit(factory, workspace_id, max_attempts=2)
    now = utcnow()
    assert claim(factory, "a", lease_seconds=5, now=now) is not None
    assert claim(factory, "b", lease_seconds=5, now=now + dt.timedelta(seconds=6)) is not None
    assert claim(factory, "c", lease_seconds=5, now=now + dt.timedelta(seconds=12)) is None
    row = _doc(factory, doc.id)
    assert row.status is DocumentStatus.DEAD and row.error_code == "lease_expired"


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    rng = random.Random(7)
    for attempt, raw in [(1, 2.0), (2, 4.0), (3, 8.0), (5, 32.0), (9, 300.0), (30, 300.0)]:
        delays = [backoff_delay(attempt, rng=rng) for _ in range(50)]
        assert all(raw / 2 <= d <= raw for d in delays)
        assert len(set(delays)) > 1  # jittered


def test_retryable_failures_back_off_then_die_then_requeue(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    doc, job0 = submit(factory, workspace_id, max_attempts=3)
    rng = random.Random(1)
    now = utcnow()
    for attempt in (1, 2):
        job = claim(factory, "w", now=now)
        assert job is not None and job.attempts == attempt
        assert fail(factory, job, TimeoutError("ocr slow"), retryable=True, rng=rng, now=now)
        row = _job(factory, job.id)
        assert row.status is JobStatus.QUEUED
        wait = (row.run_after - now).total_seconds()
        assert 2.0 ** (attempt - 1) <= wait <= 2.0**attempt
        assert claim(factory, "w", now=now + dt.timedelta(seconds=wait - 0.5)) is None
        assert _doc(factory, doc.id).status is DocumentStatus.QUEUED
        now += dt.timedelta(seconds=wait + 0.01)
    job = claim(factory, "w", now=now)
    assert job is not None and job.attempts == 3
    assert fail(factory, job, TimeoutError("ocr slow"), retryable=True, now=now) is JobStatus.DEAD
    dead = _doc(factory, doc.id)
    assert dead.status is DocumentStatus.DEAD
    assert dead.error_code == "internal_error" and "ocr slow" in (dead.error_message or "")
    assert claim(factory, "w", now=now + dt.timedelta(days=1)) is None
    with factory() as s:
        assert queue_depth(s)["bulk"]["dead"] == 1

    with factory.begin() as s:
        assert requeue(s, doc.id, workspace_id="someone-else") is False
        assert requeue(s, doc.id, workspace_id=workspace_id, lane=Lane.INTERACTIVE) is True
        assert requeue(s, doc.id) is False  # already queued again
    again = claim(factory, "w")
    assert again is not None
    assert (again.id, again.attempts, again.lane) == (job0.id, 1, Lane.INTERACTIVE)
    assert _doc(factory, doc.id).error_code is None


def test_permanent_errors_go_straight_to_dead(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    doc, _ = submit(factory, workspace_id)
    job = claim(factory, "w")
    assert job is not None
    err = CorruptInputError("truncated JPEG")
    assert fail(factory, job, err, retryable=False) is JobStatus.DEAD
    row = _doc(factory, doc.id)
    assert (row.status, row.error_code) == (DocumentStatus.DEAD, "corrupt_input")
    assert _job(factory, job.id).attempts == 1


def test_finish_document_stores_one_result_only(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    doc, _ = submit(factory, workspace_id)
    first = claim(factory, "w1", lease_seconds=5)
    assert first is not None
    second = claim(factory, "w2", now=utcnow() + dt.timedelta(seconds=6))  # redelivery
    assert second is not None and second.id == first.id
    result = Document(sha256="a" * 64, media_type="image/png", size_bytes=10, doc_type="receipt")
    with factory.begin() as s:
        assert finish_document(s, doc.id, result, second.id) is True
    with factory.begin() as s:
        assert finish_document(s, doc.id, {"doc_type": "invoice"}, first.id) is False
    row = _doc(factory, doc.id)
    assert row.status is DocumentStatus.DONE and row.progress == 1.0
    assert row.result is not None and row.result["doc_type"] == "receipt"
    assert row.doc_type == "receipt" and row.completed_at is not None
    assert Document.model_validate(row.result).id == result.id


def test_finish_rolls_back_with_the_callers_transaction(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    doc, _ = submit(factory, workspace_id)
    job = claim(factory, "w1")
    assert job is not None
    with pytest.raises(RuntimeError), factory.begin() as s:
        finish_document(s, doc.id, {"doc_type": "receipt"}, job.id)
        raise RuntimeError("crash before commit")
    assert _doc(factory, doc.id).status is DocumentStatus.PROCESSING
    assert _job(factory, job.id).status is JobStatus.RUNNING


def test_reprocess_queues_a_done_document_and_keeps_its_result(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    doc, _ = submit(factory, workspace_id)
    job = claim(factory, "w")
    assert job is not None
    with factory.begin() as s:
        assert reprocess(s, doc.id) is False  # still processing
        finish_document(s, doc.id, {"doc_type": "receipt", "v": 1}, job.id)
    with factory.begin() as s:
        assert reprocess(s, doc.id, workspace_id=workspace_id) is True
        row = get_document(s, workspace_id, doc.id)
        assert row is not None and row.status is DocumentStatus.QUEUED
        assert row.result is not None and row.result["v"] == 1
    job2 = claim(factory, "w")
    assert job2 is not None and job2.document_id == doc.id
    with factory.begin() as s:
        assert finish_document(s, doc.id, {"doc_type": "receipt", "v": 2}, job2.id) is True
    assert (_doc(factory, doc.id).result or {})["v"] == 2


def test_queue_depth_counts_per_lane_and_status(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    submit(factory, workspace_id, Lane.INTERACTIVE)
    submit(factory, workspace_id, Lane.BULK)
    submit(factory, workspace_id, Lane.BULK)
    assert claim(factory, "w") is not None
    with factory() as s:
        depth = queue_depth(s)
        jobs = s.scalars(select(Job)).all()
    assert len(jobs) == 3
    assert depth["interactive"] == {"queued": 0, "running": 1, "done": 0, "dead": 0}
    assert depth["bulk"] == {"queued": 2, "running": 0, "done": 0, "dead": 0}
