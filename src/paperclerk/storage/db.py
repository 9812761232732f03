"""Engine and session factory for the app database (SQLite by default, PostgreSQL by URL)."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from paperclerk.settings import Settings, get_settings
from paperclerk.storage import audit_chain  # noqa: F401  (chains every audit entry written)

SQLITE_BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite connection waits for the write lock before it reports 'database is locked'."""
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def database_url(settings: Settings | None = None) -> str:
    """Return the database URL: `PAPERCLERK_DATABASE_URL`, else a SQLite file in the data dir.

    The default keeps everything in one directory so `paperclerk serve` needs no configuration.
    """
    settings = settings or get_settings()
    if settings.database_url:
        return settings.database_url
    return f"sqlite:///{(settings.data_dir / 'paperclerk.db').resolve()}"


def normalise_url(url: str) -> str:
    """Return the URL with the driver this package installs (psycopg 3 for PostgreSQL).

    Operators write `postgresql://…` as libpq does; SQLAlchemy would pick psycopg2 for it,
    which is not a dependency, so the driver is made explicit.
    """
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_sqlite(url_or_engine: str | Engine) -> bool:
    """Tell whether a URL or engine points at SQLite (which needs its own locking rules)."""
    if isinstance(url_or_engine, Engine):
        return url_or_engine.dialect.name == "sqlite"
    return make_url(normalise_url(url_or_engine)).get_backend_name() == "sqlite"


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """Turn on WAL, foreign keys and a busy timeout on every new SQLite connection."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        _use_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _use_wal(cursor: Any) -> None:
    """Switch the database file to WAL unless it already is.

    WAL is a property of the file, so only the first connection to a new database needs to
    switch it. Asking again while another connection writes fails at once with "database
    is locked" (SQLite does not wait on the busy timeout for this), so the mode is read
    first, and a switch that loses that race is retried until the busy timeout.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
            return
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for `url`, with the per-connection setup each database needs.

    SQLite gets WAL (readers never block the writer), enforced foreign keys and a busy
    timeout so concurrent workers wait for the write lock instead of failing. The parent
    directory of a SQLite file is created, so a fresh data dir works out of the box.
    The driver's own transaction handling is kept on purpose: a SQLite transaction starts
    at its first write, so no stale read snapshot can make that write fail. Code meant for
    both databases therefore avoids SAVEPOINTs (`begin_nested`), which that mode breaks.
    """
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            create_private_file(Path(parsed.database))
        connect_args = dict(kwargs.pop("connect_args", {}))
        connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def create_private_dir(path: Path) -> None:
    """Create a folder (and its parents) if missing; the folder itself gets mode 0700.

    An existing folder keeps its mode: an operator who chose one is not overruled.
    """
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)


def create_private_file(path: Path) -> None:
    """Create an empty file with mode 0600 (in a 0700 folder) unless it exists.

    SQLite opens an empty file as an empty database and gives its `-wal` and `-shm` files
    the mode of the database file, so none of them is readable by other users.
    """
    create_private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        return
    os.close(fd)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory whose objects stay readable after commit.

    `expire_on_commit=False` lets a claimed job or a created row be used after its
    transaction ends (workers hand them between short transactions).
    """
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Open a session, commit when the block ends normally, roll back when it raises."""
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


T = TypeVar("T")

UNAVAILABLE_WAIT_S = 20.0
"""How long a request waits for an unreachable database to come back (a restart)."""


def while_unavailable(call: Callable[[], T], wait_s: float | None = None) -> T:
    """Run `call`, retrying while the database cannot be reached, for up to `wait_s` seconds.

    A PostgreSQL restart or failover closes every pooled connection and refuses new ones
    for a few seconds (`OperationalError`); a request that waits it out is answered
    normally instead of failing. Only for calls that are safe to run again: reads, and
    writes whose transaction did not commit or that an idempotency key deduplicates. The
    last error is raised once the wait (`UNAVAILABLE_WAIT_S` by default) is over.
    """
    deadline = time.monotonic() + (UNAVAILABLE_WAIT_S if wait_s is None else wait_s)
    pause = 0.2
    while True:
        try:
            return call()
        except OperationalError:
            if time.monotonic() + pause > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 2.0)
