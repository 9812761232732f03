"""Concurrent claimers never share a job: 200 jobs through 4 claimers, each run exactly once."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from paperclerk.queue import JobStatus, Lane, claim, enqueue, finish_document
from paperclerk.storage.columns import DocumentStatus
from paperclerk.storage.repositories import create_document
from paperclerk.storage.tables import DocumentRow, Job
from tests.service.helpers import run_claimer

JOBS = 200
WORKERS = 4


def _fill(factory: sessionmaker[Session], workspace_id: str) -> None:
    with factory.begin() as s:
        for n in range(JOBS):
            doc, _ = create_document(s, workspace_id, sha256=f"{n:064x}", size_bytes=n)
            enqueue(s, doc.id, Lane.INTERACTIVE if n % 5 == 0 else Lane.BULK)


def _assert_all_done_once(factory: sessionmaker[Session]) -> None:
    with factory() as s:
        assert set(s.scalars(select(Job.status))) == {JobStatus.DONE}
        assert set(s.scalars(select(Job.attempts))) == {1}
        done = select(func.count()).where(DocumentRow.status == DocumentStatus.DONE)
        assert s.scalar(done) == JOBS


def test_four_claimers_run_each_of_200_jobs_exactly_once(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    _fill(factory, workspace_id)
    runs: list[tuple[str, int]] = []
    stored: list[bool] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(WORKERS)

    def work(name: str) -> None:
        try:
            start.wait()
            while (job := claim(factory, name, lease_seconds=300)) is not None:
                with lock:
                    runs.append((name, job.id))
                with factory.begin() as s:
                    ok = finish_document(s, job.document_id, {"by": name}, job.id)
                with lock:
                    stored.append(ok)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    counts = Counter(job_id for _, job_id in runs)
    assert len(counts) == JOBS
    assert set(counts.values()) == {1}
    assert all(stored) and len(stored) == JOBS
    _assert_all_done_once(factory)
    assert len({name for name, _ in runs}) > 1  # the work really was shared


def test_four_claimer_processes_run_each_job_exactly_once(
    db_url: str, factory: sessionmaker[Session], workspace_id: str
) -> None:
    _fill(factory, workspace_id)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(WORKERS) as pool:
        ran = pool.starmap(run_claimer, [(db_url, f"p{i}") for i in range(WORKERS)])
    counts = Counter(job_id for ids in ran for job_id in ids)
    assert len(counts) == JOBS
    assert set(counts.values()) == {1}
    _assert_all_done_once(factory)
