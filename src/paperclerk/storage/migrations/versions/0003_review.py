"""Review: the review queue with claims, the audit trail and confirmed training examples.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

`review_items` holds one row per processed document (its review state, the reasons it
dropped out, the reviewer's claim and decision); `audit_events` every change to a document
by model, rule, memory or person; `training_examples` the confirmed documents. All three
cascade with their document, so deleting a document erases what was learnt from it.

Documents processed before this revision get their review item from their stored result,
so those waiting for a person show up in the queue after the upgrade.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = False) -> sa.Column[object]:
    """Return a timezone-aware timestamp column."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _json(name: str, nullable: bool = False) -> sa.Column[object]:
    """Return a JSON column (JSONB on PostgreSQL)."""
    return sa.Column(
        name, sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=nullable
    )


def _big_id() -> sa.Column[object]:
    """Return an auto-incrementing 64-bit key (the rowid on SQLite)."""
    kind = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    return sa.Column("id", kind, autoincrement=True, nullable=False)


def _fk(column: str, table: str, owner: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    """Return a foreign key named by the metadata's naming convention."""
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], name=op.f(f"fk_{owner}_{column}_{table}"), ondelete=ondelete
    )


_STATES = {"auto_approved": "auto", "rejected": "rejected", "approved": "approved"}
_BATCH = 500


def _review_item(doc_id: str, ws: str, result: dict[str, Any], created: Any) -> dict[str, Any]:
    """Return the review item of a document processed before this revision."""
    decision = result.get("decision") or {}
    failed = [f for f in result.get("findings") or [] if not f.get("passed")]
    codes = [f"rule:{f.get('rule_id')}" for f in failed if f.get("severity") != "info"]
    codes += [f"field:{n}" for n in decision.get("low_confidence_fields") or []]
    if result.get("doc_type") == "other":
        codes.append("doc_type")
    codes = list(dict.fromkeys(codes))
    severities = {f.get("severity") for f in failed}
    fields = result.get("fields") or {}
    supplier = next(
        (
            str(fields[n]["value"])[:500]
            for n in ("merchant_name", "vendor_name")
            if isinstance(fields.get(n), dict) and fields[n].get("value")
        ),
        None,
    )
    now = dt.datetime.now(dt.UTC)
    return {
        "document_id": doc_id,
        "workspace_id": ws,
        "state": _STATES.get(str(decision.get("outcome")), "pending"),
        "doc_type": result.get("doc_type"),
        "priority": 2 if "error" in severities else 1 if "warning" in severities else 0,
        "reason_codes": " " + " ".join(codes) + " " if codes else "",
        "reasons": decision.get("reasons") or [],
        "supplier": supplier,
        "confirmed_fields": [],
        "corrected_fields": [],
        "submitted_at": created or now,
        "completed_at": now,
    }


def _processed(table: sa.TableClause) -> Iterator[list[dict[str, Any]]]:
    """Yield the review items of already processed documents, a page of ids at a time."""
    bind = op.get_bind()
    last = ""
    while True:
        stmt = (
            sa.select(table.c.id, table.c.workspace_id, table.c.result, table.c.created_at)
            .where(table.c.status == "done", table.c.result.is_not(None), table.c.id > last)
            .order_by(table.c.id)
            .limit(_BATCH)
        )
        rows = bind.execute(stmt).all()
        if not rows:
            return
        last = rows[-1][0]
        yield [
            _review_item(doc_id, ws, result, created)
            for doc_id, ws, result, created in rows
            if isinstance(result, dict)
        ]


def upgrade() -> None:
    """Create the review, audit and training-example tables; queue what waits for review."""
    op.create_table(
        "review_items",
        sa.Column("document_id", sa.String(32), nullable=False),
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("doc_type", sa.String(64), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("reason_codes", sa.Text(), nullable=False),
        _json("reasons"),
        sa.Column("supplier", sa.String(500), nullable=True),
        sa.Column("claimed_by", sa.String(32), nullable=True),
        _ts("claimed_until", nullable=True),
        sa.Column("decided_by", sa.String(32), nullable=True),
        _ts("decided_at", nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        _json("confirmed_fields"),
        _json("corrected_fields"),
        _ts("submitted_at"),
        _ts("completed_at"),
        sa.CheckConstraint(
            "state IN ('auto', 'pending', 'approved', 'rejected')",
            name=op.f("ck_review_items_review_state"),
        ),
        _fk("document_id", "documents", "review_items"),
        _fk("workspace_id", "workspaces", "review_items"),
        _fk("claimed_by", "users", "review_items", "SET NULL"),
        _fk("decided_by", "users", "review_items", "SET NULL"),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_review_items")),
    )
    op.create_index(
        "ix_review_items_queue",
        "review_items",
        ["workspace_id", "state", "priority", "completed_at"],
    )
    op.create_index("ix_review_items_completed", "review_items", ["completed_at"])
    op.create_table(
        "audit_events",
        _big_id(),
        sa.Column("document_id", sa.String(32), nullable=False),
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column("actor_kind", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.String(200), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("field", sa.String(200), nullable=True),
        _json("old_value", nullable=True),
        _json("new_value", nullable=True),
        _ts("at"),
        sa.CheckConstraint(
            "actor_kind IN ('model', 'rule', 'memory', 'person', 'system')",
            name=op.f("ck_audit_events_actor_kind"),
        ),
        _fk("document_id", "documents", "audit_events"),
        _fk("workspace_id", "workspaces", "audit_events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index("ix_audit_events_document", "audit_events", ["document_id", "id"])
    op.create_index(op.f("ix_audit_events_workspace_id"), "audit_events", ["workspace_id"])
    op.create_table(
        "training_examples",
        _big_id(),
        sa.Column("document_id", sa.String(32), nullable=False),
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column("doc_type", sa.String(64), nullable=False),
        _json("example"),
        sa.Column("user_id", sa.String(32), nullable=True),
        _ts("created_at"),
        _fk("document_id", "documents", "training_examples"),
        _fk("workspace_id", "workspaces", "training_examples"),
        _fk("user_id", "users", "training_examples", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_examples")),
    )
    op.create_index(op.f("ix_training_examples_document_id"), "training_examples", ["document_id"])
    op.create_index(
        op.f("ix_training_examples_workspace_id"), "training_examples", ["workspace_id"]
    )
    documents = sa.table(
        "documents",
        sa.column("id", sa.String()),
        sa.column("workspace_id", sa.String()),
        sa.column("status", sa.String()),
        sa.column("result", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    items = sa.table(
        "review_items",
        *(sa.column(c) for c in ("document_id", "workspace_id", "state", "doc_type", "priority",
                                 "reason_codes", "supplier")),
        sa.column("reasons", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
        sa.column("confirmed_fields", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
        sa.column("corrected_fields", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
        sa.column("submitted_at", sa.DateTime(timezone=True)),
        sa.column("completed_at", sa.DateTime(timezone=True)),
    )  # fmt: skip
    for batch in _processed(documents):
        if batch:
            op.bulk_insert(items, batch)


def downgrade() -> None:
    """Drop the review, audit and training-example tables."""
    op.drop_table("training_examples")
    op.drop_table("audit_events")
    op.drop_table("review_items")
