"""Worker processes: a loop that claims and runs jobs, and a supervisor that keeps N alive.

Workers are started with `spawn` (never fork after onnxruntime is loaded), run with one OCR
thread each, and exit on their own after `max_tasks` jobs or above `max_rss_mb`; the
supervisor then starts a fresh one, so a slow leak never takes the machine down. A worker
process's address space is capped (`PAPERCLERK_WORKER_MEMORY_MB`, RLIMIT_AS), so one
document that needs more fails with `limit_exceeded` instead of taking the machine down,
and a worker dies with its supervisor (PR_SET_PDEATHSIG on Linux, and a parent check in
the loop everywhere): none is left running alone to take the next `serve`'s jobs.

Each worker first takes the in-memory tasks of its process's hand-off (`queue.memory`:
`retention=none` documents and campaign submissions, the head of the interactive lane),
then claims queued jobs. A supervisor serves its process's hand-off to its workers over one
pipe each, so the API of `paperclerk serve` hands requests to them without storing them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import cast

from paperclerk.queue.memory import (
    Handoff,
    HandoffPort,
    LocalPort,
    PipePort,
    local_handoff,
    serve_pipe,
)

log = logging.getLogger(__name__)
_PR_SET_PDEATHSIG = 1


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
    memory_limit_mb: int | None = None  # None: PAPERCLERK_WORKER_MEMORY_MB


def rss_mb() -> float:
    """Return this process's peak resident memory in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def work(
    config: WorkerConfig,
    stop: threading.Event | None = None,
    port: HandoffPort | None = None,
    *,
    durable: bool = True,
    parent_pid: int | None = None,
) -> int:
    """Run in-memory tasks and claim jobs until stopped, `max_tasks` done or memory too high.

    Returns the number of tasks and jobs run. In-memory tasks come first, through `port`:
    a pipe to the supervisor in a worker process; None (a worker running in the API's own
    process, as tests do) serves this process's `local_handoff(config.database_url)`.
    With `durable=False` the worker serves only the hand-off and claims no queued job.
    The lease of a claimed job is renewed in the background while a document is processed,
    so a long document is not handed to a second worker; a killed worker's lease simply
    runs out and the job goes back to the queue. Due webhook deliveries are sent while idle
    and after each job, over one shared HTTP client. The loop stops once this process's
    parent is no longer `parent_pid` (default: the parent it has when called).
    """
    parent = parent_pid if parent_pid is not None else os.getppid()
    if port is not None:
        return _work(config, stop or threading.Event(), port, durable, parent)
    handoff = local_handoff(config.database_url)
    with handoff.serving():
        holder = f"thread-{threading.get_ident()}-{uuid.uuid4().hex[:6]}"
        local = LocalPort(handoff, holder)
        return _work(config, stop or threading.Event(), local, durable, parent)


def _work(
    config: WorkerConfig, stop: threading.Event, port: HandoffPort, durable: bool, parent: int
) -> int:
    """Run the loop of `work` with its hand-off port; return the number of tasks run."""
    import httpx

    from paperclerk.engines.registry import Engine, get_engine
    from paperclerk.learning.loader import (
        service_drift_references,
        service_receipt_extractor,
        service_shadow_readers,
    )
    from paperclerk.learning.user_types import UserTypes
    from paperclerk.loyalty.submission_jobs import CLAIM_JOB_KIND
    from paperclerk.queue.lease import claim, heartbeat
    from paperclerk.settings import get_settings
    from paperclerk.storage.database_blobs import open_blob_store
    from paperclerk.storage.db import make_engine, make_session_factory
    from paperclerk.storage.tables import Job
    from paperclerk.webhooks.delivery import deliver_due
    from paperclerk.worker.submission_jobs import run_claim_job
    from paperclerk.worker.tasks import run_job, run_memory_task

    factory = make_session_factory(make_engine(config.database_url))
    blobs = open_blob_store(config.data_dir, config.database_url)
    ocr = get_engine(Engine.RAPID, config.threads)
    receipts = service_receipt_extractor(config.data_dir) if durable else None
    references = service_drift_references(config.data_dir)
    shadows = service_shadow_readers(config.data_dir) if durable else None
    user_types = UserTypes(config.data_dir / "models")
    worker_id = f"{os.getpid()}-{uuid.uuid4().hex[:6]}"
    http = httpx.Client(timeout=10)
    public_url = get_settings().public_url

    def deliver() -> None:
        if not durable:
            return
        try:
            deliver_due(factory, http, public_url=public_url)
        except Exception:  # a database hiccup must not stop the worker; retried next round
            log.exception("webhook delivery round failed")

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
            task = port.take()
            if task is not None:
                port.finish(task.id, run_memory_task(factory, blobs, task, port, ocr, user_types))
                release_memory()
                done += 1
                continue
            job = claim(factory, worker_id, config.lease_seconds) if durable else None
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
                if job.kind == CLAIM_JOB_KIND:  # a campaign submission, sent with mode=async
                    run_claim_job(factory, blobs, job, ocr)
                else:
                    run_job(factory, blobs, job, ocr, receipts, references, shadows, user_types)
            finally:
                beating.set()
                pulse.join()
            release_memory()
            done += 1
            deliver()
    finally:
        http.close()
    return done


def _worker_main(
    config: WorkerConfig, conn: Connection | None = None, parent_pid: int | None = None
) -> None:
    """Run a worker process: queued jobs, and the supervisor's hand-off over `conn`.

    SIGTERM, at any point after this starts, makes the worker finish its current document
    and exit; so does the death of `parent_pid`, even one that came before this started.
    """
    from paperclerk.settings import get_settings

    os.environ.setdefault("OMP_NUM_THREADS", str(config.threads))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    parent = parent_pid if parent_pid is not None else os.getppid()
    die_with_parent()
    if os.getppid() != parent:  # it died before the signal was asked for
        return
    limit = config.memory_limit_mb
    limit_memory(get_settings().worker_memory_mb if limit is None else limit)
    try:
        work(config, stop, PipePort(conn) if conn is not None else None, parent_pid=parent)
    finally:
        if conn is not None:
            conn.close()


def die_with_parent() -> bool:
    """Ask Linux to send this process SIGTERM when its parent dies; return whether it could.

    Linux means the thread that started the process: a worker started by the supervisor's
    watch thread also stops when the supervisor stops, which stops it anyway.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def release_memory() -> None:
    """Hand the heap pages freed by the last document back to the system (glibc only).

    Page images, OCR crops and their arrays are freed after each document but glibc keeps
    the pages, so a worker's RSS creeps up document after document (398 → 602 MB over 40
    receipts, `benchmarks/worker_memory.py`) and reaches the recycling threshold sooner.
    `malloc_trim(0)` returns them (about 300 MB stays); elsewhere this does nothing.
    """
    trim = _MALLOC_TRIM
    if trim is not None:
        trim(0)


def _malloc_trim() -> Callable[[int], int] | None:
    """Return glibc's `malloc_trim`, or None on a C library without it."""
    name = ctypes.util.find_library("c")
    try:
        return cast(Callable[[int], int], ctypes.CDLL(name).malloc_trim) if name else None
    except (OSError, AttributeError):
        return None


_MALLOC_TRIM = _malloc_trim()


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space (RLIMIT_AS) at `megabytes`; 0 leaves it as it is.

    An allocation beyond it raises MemoryError in the job that made it, which fails that
    document for good (`limit_exceeded`) while the worker lives on.
    """
    if megabytes <= 0:
        return
    current, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = megabytes * 1024 * 1024
    for bound in (current, hard):  # a tighter limit set by the operator stays
        if bound != resource.RLIM_INFINITY:
            soft = min(soft, bound)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


class Supervisor:
    """Keeps `count` worker processes running, restarting any that exit or die.

    While it runs, its workers serve `handoff` (by default this process's hand-off for
    the config's database), each over its own pipe.
    """

    def __init__(self, config: WorkerConfig, count: int, handoff: Handoff | None = None) -> None:
        self.config = config
        self.count = count
        self.handoff = handoff or local_handoff(config.database_url)
        self.processes: list[BaseProcess] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._serving = ExitStack()

    def _spawn(self) -> BaseProcess:
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        process = context.Process(
            target=_worker_main, args=(self.config, theirs, os.getpid()), daemon=True
        )
        process.start()
        theirs.close()  # the worker's end lives in the worker: its exit closes the pipe
        serve_pipe(self.handoff, ours, f"process-{process.pid}-{uuid.uuid4().hex[:6]}")
        return process

    def start(self) -> None:
        """Start the workers, serve them the hand-off, and replace the ones that exit."""
        self._serving.enter_context(self.handoff.serving())
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
        self._serving.close()
