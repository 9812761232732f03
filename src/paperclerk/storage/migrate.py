"""Run the Alembic migrations shipped in the package, from code (no alembic.ini on disk)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from paperclerk.storage.db import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_PG_MIGRATION_LOCK = 0x70617065  # advisory lock id: one migrating process at a time


def alembic_config(url: str | None = None) -> Config:
    """Build the Alembic config in code, pointing at the migrations inside the package."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str | Engine, revision: str = "head") -> None:
    """Bring the database at `url` (or behind an engine) up to `revision`.

    Safe when several processes start at once: PostgreSQL serialises them with an advisory
    lock, SQLite with an immediate (write-locking) transaction, so the second one finds the
    schema current and does nothing.
    """
    engine = make_engine(url) if isinstance(url, str) else url
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            elif conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            conn.commit()
    finally:
        if isinstance(url, str):
            engine.dispose()


def head_revision() -> str | None:
    """Return the newest revision the shipped migrations define."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """Return the revision the database is at (None when it was never migrated)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_current(engine: Engine) -> bool:
    """Tell whether the database schema is at the newest shipped revision (for /readyz)."""
    return current_revision(engine) == head_revision()
