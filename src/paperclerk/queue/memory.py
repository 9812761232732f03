"""The interactive lane's in-memory hand-off: work whose bytes must never touch the database.

`POST /v1/documents?retention=none` and campaign submissions answer synchronously, yet the
API process runs no OCR: the request becomes a `MemoryTask` (the bytes and a few ids, no
row, no blob, nothing logged) that a worker takes ahead of every queued job, runs, and
answers with a `TaskOutcome`.

One `Handoff` per database URL lives in each process (`local_handoff`). Who serves it:

- worker threads in the same process (`work()` called directly, as the tests do) take
  tasks through a `LocalPort`;
- worker processes started by a `Supervisor` in the same process (`paperclerk serve`) talk
  to it over their own `multiprocessing` pipe (`PipePort` in the worker, `serve_pipe` in
  the supervisor): the bytes travel through the kernel's pipe buffer and nowhere else.

Workers on other machines (`paperclerk worker` against a shared PostgreSQL) cannot reach
it: these requests need an embedded worker (`serve --workers N`, N ≥ 1) and otherwise
answer 503 `no_worker` at once.

A task is answered within `Handoff.timeout_s` (120 s) or withdrawn with 504
`worker_timeout`. A task that stores something (a campaign submission) asks
`may_commit` before its transaction commits; once the API gave up that answer is no,
so a request that timed out never leaves a stored result behind.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime as dt
import enum
import logging
import threading
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, Protocol

from paperclerk.errors import PaperclerkError

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 120.0
"""How long a request waits for a worker to take and finish its task (`Handoff.timeout_s`)."""
COMMIT_GRACE_S = 30.0
"""How much longer a request waits once its worker started committing the result."""
DEFAULT_CAPACITY = 64
"""Tasks waiting for a worker at most; more answer 503 `busy` (their bytes are in memory)."""


class TaskKind(enum.StrEnum):
    """What a worker does with a task's bytes."""

    PROCESS = "process"
    """Run the pipeline and return the document (`retention=none`): nothing is stored."""
    CAMPAIGN = "campaign"
    """Check a receipt against a campaign and store the submission (loyalty slice)."""


class NoWorkerError(PaperclerkError):
    """No worker serves this process's in-memory lane (an API run with `--workers 0`)."""

    code = "no_worker"
    http_status = 503


class HandoffFullError(PaperclerkError):
    """Too many in-memory tasks already wait for a worker."""

    code = "busy"
    http_status = 503


class WorkerTimeoutError(PaperclerkError):
    """No worker finished the task in time; it was withdrawn and nothing was stored."""

    code = "worker_timeout"
    http_status = 504


class WorkerLostError(PaperclerkError):
    """The worker process running the task stopped before answering."""

    code = "worker_lost"
    http_status = 503


class TaskFailedError(PaperclerkError):
    """A typed error the worker raised while running a task, re-raised in the API process.

    It keeps the original's code, message and HTTP status, so the client sees exactly the
    answer it got when the API ran the pipeline itself.
    """

    def __init__(self, code: str, message: str, http_status: int) -> None:
        super().__init__(message)
        self.code = code
        self.http_status = http_status


class TaskCrashedError(RuntimeError):
    """The worker hit an unexpected error (a bug): the API answers 500 `internal_error`."""


@dataclass(frozen=True)
class MemoryTask:
    """One piece of in-memory work: bytes plus ids; its repr shows neither bytes nor name."""

    kind: TaskKind
    workspace_id: str
    data: bytes = field(repr=False)
    filename: str | None = field(default=None, repr=False)
    doc_type_hint: str | None = None
    campaign_id: str | None = None
    participant_id: str | None = field(default=None, repr=False)
    received_at: dt.datetime | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass(frozen=True)
class TaskOutcome:
    """A worker's answer: a JSON-ready result, or an error with its code and HTTP status."""

    result: dict[str, Any] | None = None
    error_code: str | None = None
    error_message: str = ""
    http_status: int = 500

    @classmethod
    def failed(cls, exc: BaseException) -> TaskOutcome:
        """Return the outcome of a task that raised `exc` (a bug becomes `internal_error`)."""
        if isinstance(exc, PaperclerkError):
            status = getattr(exc, "http_status", 500)
            return cls(error_code=exc.code, error_message=str(exc), http_status=status)
        return cls(error_code="internal_error", error_message=type(exc).__name__)

    def unwrap(self) -> dict[str, Any]:
        """Return the result, or raise the error the worker reported."""
        if self.error_code == "internal_error":
            raise TaskCrashedError(f"the worker failed: {self.error_message}")
        if self.error_code is not None:
            raise TaskFailedError(self.error_code, self.error_message, self.http_status)
        return self.result or {}


class _State(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    COMMITTING = "committing"


@dataclass
class _Entry:
    task: MemoryTask
    future: concurrent.futures.Future[TaskOutcome]
    state: _State = _State.QUEUED
    holder: str | None = None


class Handoff:
    """Tasks waiting for, or held by, a worker; the futures their requests wait on.

    Thread-safe. Nothing here is ever written anywhere: a task lives in this process's
    memory from `submit` until a worker answers it or the request gives up.
    """

    def __init__(
        self, *, timeout_s: float = DEFAULT_TIMEOUT_S, capacity: int = DEFAULT_CAPACITY
    ) -> None:
        self.timeout_s = timeout_s
        self.capacity = capacity
        self._lock = threading.Lock()
        self._queue: deque[str] = deque()
        self._entries: dict[str, _Entry] = {}
        self._servers = 0

    @contextlib.contextmanager
    def serving(self) -> Iterator[None]:
        """Declare, for the duration of the block, that workers serve this hand-off.

        A supervisor holds it while it runs (a worker being restarted does not make
        requests fail); an in-process worker holds it while `work()` runs.
        """
        with self._lock:
            self._servers += 1
        try:
            yield
        finally:
            with self._lock:
                self._servers -= 1

    @property
    def served(self) -> bool:
        """Return whether some worker serves this hand-off now."""
        with self._lock:
            return self._servers > 0

    def pending(self) -> int:
        """Return the number of tasks waiting for or held by a worker."""
        with self._lock:
            return len(self._entries)

    def submit(self, task: MemoryTask) -> concurrent.futures.Future[TaskOutcome]:
        """Queue a task for the next free worker; return the future of its outcome.

        Raises `NoWorkerError` when no worker serves this hand-off and `HandoffFullError`
        when `capacity` tasks already wait.
        """
        future: concurrent.futures.Future[TaskOutcome] = concurrent.futures.Future()
        with self._lock:
            if self._servers <= 0:
                raise NoWorkerError(
                    "no worker serves in-memory documents in this process; run the API with "
                    "embedded workers (paperclerk serve --workers N, N >= 1)"
                )
            if len(self._entries) >= self.capacity:
                raise HandoffFullError(
                    f"{len(self._entries)} documents already wait for a worker; try again soon"
                )
            self._entries[task.id] = _Entry(task, future)
            self._queue.append(task.id)
        return future

    def take(self, holder: str) -> MemoryTask | None:
        """Hand the oldest waiting task to the worker `holder`; None when none waits."""
        with self._lock:
            while self._queue:
                entry = self._entries.get(self._queue.popleft())
                if entry is not None and entry.state is _State.QUEUED:
                    entry.state, entry.holder = _State.RUNNING, holder
                    return entry.task
        return None

    def may_commit(self, task_id: str) -> bool:
        """Return whether the worker may store the task's result (the request still waits).

        After a yes the request waits `COMMIT_GRACE_S` more instead of giving up, so a
        result is stored exactly when the client is told about it.
        """
        with self._lock:
            entry = self._entries.get(task_id)
            if entry is None or entry.state is not _State.RUNNING:
                return False
            entry.state = _State.COMMITTING
            return True

    def finish(self, task_id: str, outcome: TaskOutcome) -> None:
        """Record a worker's answer; ignored when the request gave up already."""
        with self._lock:  # answered under the lock: `abandon` then knows it came too late
            entry = self._entries.pop(task_id, None)
            if entry is not None and not entry.future.done():
                entry.future.set_result(outcome)

    def abandon(self, task_id: str) -> bool:
        """Withdraw a task whose request gives up; return whether it was withdrawn.

        A task no worker took yet is dropped, one a worker runs will be refused its commit.
        False when it cannot be withdrawn any more: its result is being stored, or it was
        answered already (the request should read its future then).
        """
        with self._lock:
            entry = self._entries.get(task_id)
            if entry is None or entry.state is _State.COMMITTING:
                return False
            del self._entries[task_id]
            entry.future.cancel()  # the request stopped waiting; nobody reads the outcome
            return True

    def release(self, holder: str) -> None:
        """Fail the tasks a worker held when it stopped (its pipe closed) with `worker_lost`."""
        with self._lock:
            lost = [e for e in self._entries.values() if e.holder == holder]
            for entry in lost:
                del self._entries[entry.task.id]
                stored = (
                    " (its result may have been stored)" if entry.state is _State.COMMITTING else ""
                )
                if not entry.future.done():
                    entry.future.set_exception(
                        WorkerLostError(f"the worker stopped while processing the document{stored}")
                    )

    def _timeout_message(self) -> str:
        return (
            f"no worker finished the document within {self.timeout_s:g} s; it was withdrawn "
            "and nothing was stored"
        )

    async def run(self, task: MemoryTask) -> dict[str, Any]:
        """Submit a task and wait, without blocking the event loop, for its result.

        Bounded by `timeout_s` (then 504 `worker_timeout`, nothing stored), plus
        `COMMIT_GRACE_S` when the worker was storing the result at that moment. A cancelled
        request (the client went away) withdraws its task the same way.
        """
        future = self.submit(task)
        waiting = asyncio.wrap_future(future)
        try:
            try:
                outcome = await asyncio.wait_for(asyncio.shield(waiting), self.timeout_s)
            except TimeoutError:
                if self.abandon(task.id):
                    raise WorkerTimeoutError(self._timeout_message()) from None
                # being stored, or answered this very moment: the answer is the client's
                outcome = await asyncio.wait_for(asyncio.shield(waiting), COMMIT_GRACE_S)
        finally:
            if not future.done():
                self.abandon(task.id)
        return outcome.unwrap()


_handoffs: dict[str, Handoff] = {}
_handoffs_lock = threading.Lock()


def local_handoff(database_url: str) -> Handoff:
    """Return this process's hand-off for a database (the API and its workers share it)."""
    with _handoffs_lock:
        if database_url not in _handoffs:
            _handoffs[database_url] = Handoff()
        return _handoffs[database_url]


class HandoffPort(Protocol):
    """A worker's side of the hand-off, in the same process or over a pipe."""

    def take(self) -> MemoryTask | None:
        """Return the next waiting task, or None."""
        ...

    def may_commit(self, task_id: str) -> bool:
        """Return whether the task's result may be stored (see `Handoff.may_commit`)."""
        ...

    def finish(self, task_id: str, outcome: TaskOutcome) -> None:
        """Send the task's outcome back to the waiting request."""
        ...


@dataclass(frozen=True)
class LocalPort:
    """A worker thread's port to a hand-off in its own process."""

    handoff: Handoff
    holder: str

    def take(self) -> MemoryTask | None:
        """Return the next waiting task, or None."""
        return self.handoff.take(self.holder)

    def may_commit(self, task_id: str) -> bool:
        """Return whether the task's result may be stored."""
        return self.handoff.may_commit(task_id)

    def finish(self, task_id: str, outcome: TaskOutcome) -> None:
        """Send the task's outcome back to the waiting request."""
        self.handoff.finish(task_id, outcome)


class PipePort:
    """A worker process's port: requests to the supervisor's `serve_pipe` thread.

    A broken pipe (the supervisor is gone) reads as "no task" and "do not commit"; the
    worker notices its parent died and stops.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _ask(self, message: tuple[Any, ...]) -> Any:
        try:
            self.conn.send(message)
            return self.conn.recv()
        except (EOFError, OSError):
            return None

    def take(self) -> MemoryTask | None:
        """Return the next waiting task, or None."""
        task = self._ask(("take",))
        return task if isinstance(task, MemoryTask) else None

    def may_commit(self, task_id: str) -> bool:
        """Return whether the task's result may be stored."""
        return self._ask(("commit", task_id)) is True

    def finish(self, task_id: str, outcome: TaskOutcome) -> None:
        """Send the task's outcome back to the waiting request."""
        with contextlib.suppress(EOFError, OSError):
            self.conn.send(("finish", task_id, outcome))


def serve_pipe(handoff: Handoff, conn: Connection, holder: str) -> threading.Thread:
    """Answer one worker process's `PipePort` in a thread, until its pipe closes.

    When the worker dies its pipe closes and the tasks it held fail with `worker_lost`
    at once, instead of waiting for the timeout.
    """

    def loop() -> None:
        try:
            while True:
                message = conn.recv()
                if message[0] == "take":
                    conn.send(handoff.take(holder))
                elif message[0] == "commit":
                    conn.send(handoff.may_commit(message[1]))
                elif message[0] == "finish":
                    handoff.finish(message[1], message[2])
        except (EOFError, OSError):
            pass
        finally:
            handoff.release(holder)
            conn.close()

    thread = threading.Thread(target=loop, name=f"handoff-{holder}", daemon=True)
    thread.start()
    return thread
