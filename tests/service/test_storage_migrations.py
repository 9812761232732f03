"""Migrations: up on SQLite and PostgreSQL, idempotent, identical to the table definitions."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from paperclerk.settings import Settings
from paperclerk.storage.db import (
    database_url,
    is_sqlite,
    make_engine,
    make_session_factory,
    normalise_url,
)
from paperclerk.storage.migrate import MIGRATIONS_DIR, current_revision, head_revision, upgrade
from paperclerk.storage.repositories import create_document
from paperclerk.storage.tables import Base, Webhook, WebhookDelivery

TABLES = {
    "workspaces",
    "api_keys",
    "users",
    "user_workspaces",
    "documents",
    "jobs",
    "webhooks",
    "webhook_deliveries",
    "review_items",
    "audit_events",
    "training_examples",
    "workspace_policies",
    "login_events",
    "blobs",
    "cases",
    "case_documents",
    "suppliers",
    "purchase_orders",
    "purchase_order_lines",
    "line_codings",
    "approval_policies",
    "approval_requests",
    "approval_steps",
    "approval_delegations",
    "invoice_keys",
    "payables_tolerances",
    "drift_observations",
    "drift_alarms",
    "shadow_readings",
}


def test_upgrade_creates_every_table_at_head(engine: Engine) -> None:
    assert set(inspect(engine).get_table_names()) >= TABLES
    assert current_revision(engine) == head_revision() == "0019"


def test_upgrade_twice_is_a_no_op(db_url: str, engine: Engine) -> None:
    upgrade(db_url)
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def test_migrations_match_the_table_definitions(engine: Engine) -> None:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, Base.metadata) == []


def test_unique_constraints_exist(engine: Engine) -> None:
    insp = inspect(engine)
    docs = {tuple(u["column_names"]) for u in insp.get_unique_constraints("documents")}
    deliveries = {
        tuple(u["column_names"]) for u in insp.get_unique_constraints("webhook_deliveries")
    }
    assert ("workspace_id", "idempotency_key") in docs
    assert ("webhook_id", "document_id", "event", "generation") in deliveries


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    eng = make_engine(f"sqlite:///{tmp_path / 'sub' / 'x.db'}")
    try:
        with eng.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    finally:
        eng.dispose()


def test_database_url_defaults_to_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    url = database_url(Settings(data_dir=tmp_path))
    assert url == f"sqlite:///{tmp_path.resolve() / 'paperclerk.db'}"
    assert is_sqlite(url)
    pg = "postgresql://u@h:5432/db"
    assert database_url(Settings(data_dir=tmp_path, database_url=pg)) == pg
    assert normalise_url(pg) == "postgresql+psycopg://u@h:5432/db"
    assert not is_sqlite(pg)


def test_migration_files_ship_in_the_package() -> None:
    assert (MIGRATIONS_DIR / "env.py").is_file()
    assert (MIGRATIONS_DIR / "script.py.mako").is_file()
    assert (MIGRATIONS_DIR / "versions" / "0001_initial.py").is_file()


def test_a_webhook_delivery_cannot_be_created_twice(engine: Engine, workspace_id: str) -> None:
    factory = make_session_factory(engine)
    with factory.begin() as s:
        doc, _ = create_document(s, workspace_id, sha256="c" * 64, size_bytes=1)
        hook = Webhook(workspace_id=workspace_id, url="http://127.0.0.1/h", secret="s")
        s.add(hook)
        s.flush()
        s.add(WebhookDelivery(webhook_id=hook.id, document_id=doc.id, event="completed"))
    with pytest.raises(IntegrityError), factory.begin() as s:
        s.add(WebhookDelivery(webhook_id=hook.id, document_id=doc.id, event="completed"))
    with factory.begin() as s:
        s.add(WebhookDelivery(webhook_id=hook.id, document_id=doc.id, event="decided"))


def test_concurrent_upgrades_of_a_fresh_database_all_succeed(db_url: str) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            upgrade(db_url)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    eng = make_engine(db_url)
    try:
        assert current_revision(eng) == head_revision()
    finally:
        eng.dispose()


def test_upgrade_keeps_the_rows_of_a_first_release_database(db_url: str) -> None:
    upgrade(db_url, "0001")
    eng = make_engine(db_url)
    try:
        with eng.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO workspaces (id, name, created_at) VALUES ('w1', 'old', '2026-01-01')"
            )
            conn.exec_driver_sql(
                "INSERT INTO documents (id, workspace_id, status, progress, sha256, size_bytes,"
                " source, metadata, created_at, updated_at) VALUES ('d1', 'w1', 'done', 1.0,"
                " 'ab', 3, 'api', '{}', '2026-01-01', '2026-01-01')"
            )
        upgrade(db_url)
        with eng.connect() as conn:
            rows = conn.exec_driver_sql("SELECT id, status, generation FROM documents").all()
            assert [tuple(r) for r in rows] == [("d1", "done", 0)]
        assert current_revision(eng) == head_revision()
    finally:
        eng.dispose()


def test_documents_processed_before_the_review_revision_are_queued(db_url: str) -> None:
    import json

    upgrade(db_url, "0002")
    eng = make_engine(db_url)
    waiting = {
        "doc_type": "receipt",
        "fields": {"merchant_name": {"value": "ACME"}},
        "findings": [{"rule_id": "totals.line_items_sum", "severity": "warning", "passed": False}],
        "decision": {"outcome": "needs_review", "reasons": ["sums"],
                     "low_confidence_fields": ["total"]},
    }  # fmt: skip
    done = {"doc_type": "receipt", "decision": {"outcome": "auto_approved"}}
    try:
        with eng.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO workspaces (id, name, created_at) VALUES ('w1', 'old', '2026-01-01')"
            )
            for doc_id, result in (("d1", waiting), ("d2", done), ("d3", None)):
                conn.exec_driver_sql(
                    "INSERT INTO documents (id, workspace_id, status, progress, sha256, size_bytes,"
                    " source, metadata, result, created_at, updated_at) VALUES (%(id)s, 'w1',"
                    " %(status)s, 1.0, 'ab', 3, 'api', '{}', %(result)s, '2026-01-01',"
                    " '2026-01-01')"
                    if eng.dialect.name == "postgresql"
                    else "INSERT INTO documents (id, workspace_id, status, progress, sha256,"
                    " size_bytes, source, metadata, result, created_at, updated_at) VALUES"
                    " (:id, 'w1', :status, 1.0, 'ab', 3, 'api', '{}', :result, '2026-01-01',"
                    " '2026-01-01')",
                    {
                        "id": doc_id,
                        "status": "done" if result else "queued",
                        "result": json.dumps(result) if result else None,
                    },
                )
        upgrade(db_url)
        with eng.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT document_id, state, priority, reason_codes, supplier FROM review_items"
                " ORDER BY document_id"
            ).all()
        assert [tuple(r) for r in rows] == [
            ("d1", "pending", 1, " rule:totals.line_items_sum field:total ", "ACME"),
            ("d2", "auto", 0, "", None),
        ]
    finally:
        eng.dispose()


def test_audit_entries_written_before_the_chain_are_chained_in_order(db_url: str) -> None:
    from paperclerk.storage.audit_chain import verify

    upgrade(db_url, "0016")
    eng = make_engine(db_url)
    at = "2026-01-01 10:00:00.000000"
    try:
        with eng.begin() as conn:
            conn.exec_driver_sql(
                f"INSERT INTO workspaces (id, name, created_at) VALUES ('w1', 'old', '{at}')"
            )
            conn.exec_driver_sql(
                "INSERT INTO documents (id, workspace_id, status, progress, sha256, size_bytes,"
                f" source, metadata, created_at, updated_at) VALUES ('d1', 'w1', 'done', 1.0,"
                f" 'ab', 3, 'api', '{{}}', '{at}', '{at}')"
            )
            for n, value in enumerate(['"ACME"', '{"a": [1, 2.5]}', "null"]):
                conn.exec_driver_sql(
                    "INSERT INTO audit_events (document_id, workspace_id, actor_kind, actor_id,"
                    f" action, field, old_value, new_value, at) VALUES ('d1', 'w1', 'person',"
                    f" 'u{n}', 'correct', 'total', NULL, '{value}', '{at}')"
                )
        upgrade(db_url)
        with make_session_factory(eng)() as session:
            report = verify(session, ["w1"])
            seqs = session.execute(text("SELECT seq FROM audit_events ORDER BY id")).scalars()
            assert list(seqs) == [1, 2, 3]
        assert report.intact and report.entries == 3
    finally:
        eng.dispose()
