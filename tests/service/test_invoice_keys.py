"""The invoice look-up index: filled by migration 0015, kept with every stored result.

On SQLite and PostgreSQL: invoices stored before the migration are indexed by it; a stored
result, a reviewer's correction and a rejection update the row; a document that is not
an invoice has none; the duplicate and order look-ups read only matching invoices.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from alembic import command
from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session

from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.invoice_keys import (
    InvoiceKeys,
    index_invoice,
    keys_of,
    naming_order,
    same_number_or_amount,
)
from paperclerk.storage.migrate import alembic_config, current_revision, upgrade
from paperclerk.storage.tables import DocumentRow, InvoiceKeyRow, Workspace

WS = "w" * 32


def _result(number: str, total: str, day: str, po: str | None = None, **extra: Any) -> dict:  # type: ignore[type-arg]
    def field(name: str, value: str) -> dict[str, Any]:
        return {"name": name, "value": value, "raw_text": value, "confidence": 1.0}

    fields = {
        "invoice_number": field("invoice_number", number),
        "total": field("total", total),
        "invoice_date": field("invoice_date", day),
    }
    if po is not None:
        fields["purchase_order"] = field("purchase_order", po)
    return {"doc_type": "invoice", "fields": fields, **extra}


def _add(session: Session, doc_id: str, result: dict[str, Any], minute: int) -> None:
    session.add(
        DocumentRow(
            id=doc_id,
            workspace_id=WS,
            sha256="0" * 64,
            size_bytes=1,
            doc_type=result.get("doc_type"),
            result=result,
            created_at=dt.datetime(2026, 1, 1, 12, minute, tzinfo=dt.UTC),
        )
    )


def test_keys_are_normalised_as_the_checks_compare_them() -> None:
    keys = keys_of(_result(" inv 0042 ", "1952.990", "2024-05-02", "PO-7"))
    assert keys == InvoiceKeys("INV0042", "1952.99", "2024-05-02", "PO-7")
    assert keys_of(_result("1", "100.00", "2024-05-02")).total == "100"
    assert keys_of({"fields": {"total": {"value": "n/a"}}}).total is None


def test_migration_0015_indexes_the_stored_invoices(db_url: str) -> None:
    upgrade(db_url, "0014")
    engine: Engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            session.add(Workspace(id=WS, name="acme"))
        with make_session_factory(engine)() as session, session.begin():
            _add(session, "a" * 32, _result("A-1", "10.00", "2024-01-02", "PO-1"), 1)
            rejected = _result("A-2", "20", "2024-01-03", decision={"outcome": "rejected"})
            _add(session, "b" * 32, rejected, 2)
            _add(session, "c" * 32, {"doc_type": "receipt", "fields": {}}, 3)
        upgrade(db_url, "0015")
        assert current_revision(engine) == "0015"
        with make_session_factory(engine)() as session:
            rows = {r.document_id: r for r in session.scalars(select(InvoiceKeyRow))}
        assert set(rows) == {"a" * 32, "b" * 32}
        a = rows["a" * 32]
        assert (a.invoice_number, a.total, a.invoice_date, a.purchase_order) == (
            "A-1",
            "10",
            "2024-01-02",
            "PO-1",
        )
        assert not a.rejected and rows["b" * 32].rejected
        with engine.connect() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0014")
            conn.commit()
        engine.dispose()
        assert "invoice_keys" not in set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_the_index_follows_the_result_and_answers_the_look_ups(db_url: str) -> None:
    upgrade(db_url)
    engine: Engine = make_engine(db_url)
    try:
        sessions = make_session_factory(engine)
        with sessions() as session, session.begin():
            session.add(Workspace(id=WS, name="acme"))
        with sessions() as session, session.begin():
            for i, (doc_id, result) in enumerate(
                (
                    ("1" * 32, _result("N-1", "100.00", "2024-05-02", "PO-1")),
                    ("2" * 32, _result("N-2", "100", "2024-05-02", "PO-1")),
                    ("3" * 32, _result("N-3", "55", "2024-06-01", "PO-2")),
                    ("4" * 32, _result("N-4", "70", "2024-06-02", "PO-1")),
                )
            ):
                _add(session, doc_id, result, i)
                session.flush()
                index_invoice(session, doc_id, result)
        with sessions() as session:
            same = same_number_or_amount(
                session, WS, "4" * 32, InvoiceKeys("N-1", "100", "2024-05-02", None)
            )
            assert [doc_id for doc_id, _ in same] == ["1" * 32, "2" * 32]  # oldest first
            assert (
                same_number_or_amount(session, WS, "1" * 32, InvoiceKeys(None, None, None, None))
                == []
            )
            # earlier invoices naming PO-1: not the document itself, not later ones
            assert [d for d, _ in naming_order(session, WS, "2" * 32, "PO-1")] == ["1" * 32]
            assert [d for d, _ in naming_order(session, WS, "4" * 32, "PO-1")] == [
                "1" * 32,
                "2" * 32,
            ]
        with sessions() as session, session.begin():
            # a correction moves the keys; a rejection leaves the order look-up; a retyped
            # document leaves the index
            index_invoice(session, "1" * 32, _result("N-1", "100", "2024-05-02", "PO-9"))
            rejected = _result("N-2", "100", "2024-05-02", "PO-1", decision={"outcome": "rejected"})
            index_invoice(session, "2" * 32, rejected)
            index_invoice(session, "3" * 32, {"doc_type": "receipt", "fields": {}})
        with sessions() as session:
            assert naming_order(session, WS, "4" * 32, "PO-1") == []
            assert [d for d, _ in naming_order(session, WS, "4" * 32, "PO-9")] == ["1" * 32]
            assert session.get(InvoiceKeyRow, "3" * 32) is None
            assert session.get(InvoiceKeyRow, "2" * 32).rejected  # type: ignore[union-attr]
    finally:
        engine.dispose()
