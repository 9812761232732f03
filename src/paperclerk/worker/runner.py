"""Worker processes: a loop that claims and runs jobs, and a supervisor that keeps N alive.

Workers are started with `spawn` (never fork after onnxruntime is loaded), run with one OCR
thread each, and exit on their own after `max_tasks` jobs or above `max_rss_mb`; the
supervisor then starts a fresh one, so a slow leak never takes the machine down.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import signal
import threading
import time
import uuid
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerConfig:
    """What a worker process needs: where the data lives and when to recycle itself."""

    database_url: str
    data_dir: Path
    threads: int = 1
    max_tasks: int = 200
    max_rss_mb: int = 2500
    lease_seconds: float = 120.0
    idle_sleep: float = 0.2


def rss_mb() -> float:
    """Return this process's peak resident memory in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def work(config: WorkerConfig, stop: threading.Event | None = None) -> int:
    """Claim and run jobs until stopped, `max_tasks` done or memory above the limit.

    Returns the number of jobs run. The lease is renewed in the background while a document
    is processed, so a long document is not handed to a second worker; a killed worker's
    lease simply runs out and the job goes back to the queue. Due webhook deliveries are
    sent while idle and after each job, over one shared HTTP client.
    """
    import httpx

    from paperclerk.engines.registry import Engine, get_engine
    from paperclerk.learning.loader import service_receipt_extractor
    from paperclerk.queue.lease import claim, heartbeat
    from paperclerk.settings import get_settings
    from paperclerk.storage.blobs import BlobStore
    from paperclerk.storage.db import make_engine, make_session_factory
    from paperclerk.storage.tables import Job
    from paperclerk.webhooks.delivery import deliver_due
    from paperclerk.worker.tasks import run_job

    stop = stop or threading.Event()
    factory = make_session_factory(make_engine(config.database_url))
    blobs = BlobStore.in_data_dir(config.data_dir)
    ocr = get_engine(Engine.RAPID, config.threads)
    receipts = service_receipt_extractor(config.data_dir)
    worker_id = f"{os.getpid()}-{uuid.uuid4().hex[:6]}"
    http = httpx.Client(timeout=10)
    public_url = get_settings().public_url

    def deliver() -> None:
        try:
            deliver_due(factory, http, public_url=public_url)
        except Exception:  # a database hiccup must not stop the worker; retried next round
            log.exception("webhook delivery round failed")

    parent = os.getppid()

    def orphaned() -> bool:
        # The supervisor died without stopping us (SIGKILL, crash): do not run on alone.
        return os.getppid() != parent

    done = 0
    try:
        while (
            not stop.is_set()
            and done < config.max_tasks
            and rss_mb() < config.max_rss_mb
            and not orphaned()
        ):
            job = claim(factory, worker_id, config.lease_seconds)
            if job is None:
                deliver()
                stop.wait(config.idle_sleep)
                continue
            beating = threading.Event()

            def beat(held: Job, done_event: threading.Event) -> None:
                while not done_event.wait(config.lease_seconds / 3):
                    heartbeat(factory, held, config.lease_seconds)

            pulse = threading.Thread(target=beat, args=(job, beating), daemon=True)
            pulse.start()
            try:
                run_job(factory, blobs, job, ocr, receipts)
            finally:
                beating.set()
                pulse.join()
            done += 1
            deliver()
    finally:
        http.close()
    return done


def _worker_main(config: WorkerConfig) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", str(config.threads))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    work(config, stop)


class Supervisor:
    """Keeps `count` worker processes running, restarting any that exit or die."""

    def __init__(self, config: WorkerConfig, count: int) -> None:
        self.config = config
        self.count = count
        self.processes: list[BaseProcess] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _spawn(self) -> BaseProcess:
        process = multiprocessing.get_context("spawn").Process(
            target=_worker_main, args=(self.config,), daemon=True
        )
        process.start()
        return process

    def start(self) -> None:
        """Start the workers and a thread that replaces the ones that exit."""
        self.processes = [self._spawn() for _ in range(self.count)]
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(0.5):
            for i, process in enumerate(self.processes):
                if not process.is_alive():
                    log.info("worker %s exited (%s); starting a new one", process.pid,
                             process.exitcode)  # fmt: skip
                    self.processes[i] = self._spawn()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the workers to finish their current document and exit."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        for process in self.processes:
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
