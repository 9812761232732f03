"""Fixtures of the service tests: one migrated database per test, on SQLite and PostgreSQL.

PostgreSQL is the real server of the machine (`PAPERCLERK_TEST_DATABASE_URL`, default
`postgresql+psycopg://postgres@127.0.0.1:5432/test`); each test gets a fresh schema (set
through `search_path`) that is dropped afterwards, so tests never see other data.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from paperclerk.storage.db import make_engine, make_session_factory, normalise_url
from paperclerk.storage.migrate import upgrade
from paperclerk.storage.repositories import create_workspace
from tests.service.ui_client import ui  # noqa: F401 (a fixture of the review UI tests)

PG_URL = normalise_url(
    os.environ.get(
        "PAPERCLERK_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
)


@functools.cache
def postgres_unreachable() -> str | None:
    """Return why PostgreSQL cannot be used, or None when it answers."""
    engine = make_engine(PG_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        first = str(exc).splitlines()[0]
        return f"PostgreSQL at {PG_URL} is unreachable ({first}); run scripts/setup.sh"
    finally:
        engine.dispose()
    return None


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of an empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'paperclerk.db'}"
        return
    reason = postgres_unreachable()
    if reason:
        pytest.skip(reason)
    schema = f"pc_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}&application_name={schema}"
    finally:
        with admin.begin() as conn:
            # A test that failed with a transaction open must not block the DROP forever.
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE application_name = :name AND pid <> pg_backend_pid()"
                ),
                {"name": schema},
            )
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """Yield an engine on a database migrated to the newest revision."""
    upgrade(db_url)
    eng = make_engine(db_url)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory of the migrated test database."""
    return make_session_factory(engine)


@pytest.fixture
def workspace_id(factory: sessionmaker[Session]) -> str:
    """Create a workspace and return its id."""
    with factory.begin() as session:
        return create_workspace(session, "acme").id
