"""A worker thread for service tests that serves the in-memory hand-off (and nothing else).

`retention=none` and campaign submissions are run by a worker, never by the API; tests that
run the app with `TestClient` start one of these around such requests. It claims no queued
job, so tests that drain the durable queue themselves keep their counts.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from paperclerk.queue.memory import local_handoff
from paperclerk.worker.runner import WorkerConfig, work


@contextmanager
def memory_worker(url: str, data_dir: Path) -> Iterator[threading.Thread]:
    """Run a worker thread on this process's hand-off for `url` for the block; yield it."""
    stop = threading.Event()
    config = WorkerConfig(url, data_dir, idle_sleep=0.02)
    with local_handoff(url).serving():  # served from the start: no request sees no_worker
        thread = threading.Thread(
            target=work, args=(config, stop), kwargs={"durable": False}, name="memory-worker"
        )
        thread.start()
        try:
            yield thread
        finally:
            stop.set()
            thread.join()
