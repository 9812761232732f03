"""Initial schema: workspaces, API keys, users, documents, jobs, webhooks and deliveries.

Revision ID: 0001
Revises:
Create Date: 2026-11-22

Written to run unchanged on SQLite and PostgreSQL: enums are VARCHAR with named CHECK
constraints, timestamps are `timestamptz` on PostgreSQL, JSON is JSONB on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
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


def _enum(column: str, name: str, *values: str) -> sa.Column[object]:
    """Return a portable enum column: VARCHAR(16) with a named CHECK constraint."""
    kind = sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=16)
    return sa.Column(column, kind, nullable=False)


def _id(name: str = "id") -> sa.Column[object]:
    """Return a 32-character string primary key column."""
    return sa.Column(name, sa.String(32), nullable=False)


def _fk(column: str, table: str, owner: str) -> sa.ForeignKeyConstraint:
    """Return a cascading foreign key named by the metadata's naming convention."""
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], name=op.f(f"fk_{owner}_{column}_{table}"), ondelete="CASCADE"
    )


def _big_id() -> sa.Column[object]:
    """Return an auto-incrementing 64-bit key (the rowid on SQLite)."""
    kind = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    return sa.Column("id", kind, autoincrement=True, nullable=False)


def upgrade() -> None:
    """Create every table of the first release."""
    op.create_table(
        "workspaces",
        _id(),
        sa.Column("name", sa.String(200), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspaces")),
        sa.UniqueConstraint("name", name=op.f("uq_workspaces_name")),
    )
    op.create_table(
        "users",
        _id(),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        _enum("role", "role", "admin", "reviewer"),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "api_keys",
        _id(),
        _id("workspace_id"),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        _ts("created_at"),
        _ts("revoked_at", nullable=True),
        _fk("workspace_id", "workspaces", "api_keys"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
    )
    op.create_index(op.f("ix_api_keys_workspace_id"), "api_keys", ["workspace_id"])
    op.create_table(
        "user_workspaces",
        _id("user_id"),
        _id("workspace_id"),
        _fk("user_id", "users", "user_workspaces"),
        _fk("workspace_id", "workspaces", "user_workspaces"),
        sa.PrimaryKeyConstraint("user_id", "workspace_id", name=op.f("pk_user_workspaces")),
    )
    op.create_table(
        "documents",
        _id(),
        _id("workspace_id"),
        _enum("status", "document_status", "queued", "processing", "done", "failed", "dead"),
        sa.Column("progress", sa.Double(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(1000), nullable=True),
        sa.Column("media_type", sa.String(200), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("doc_type_hint", sa.String(64), nullable=True),
        sa.Column("doc_type", sa.String(64), nullable=True),
        _json("metadata"),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        _json("result", nullable=True),
        sa.Column("error_code", sa.String(64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        _ts("completed_at", nullable=True),
        sa.CheckConstraint(
            "progress >= 0 AND progress <= 1", name=op.f("ck_documents_progress_range")
        ),
        _fk("workspace_id", "workspaces", "documents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("workspace_id", "idempotency_key", name="uq_documents_idempotency"),
    )
    op.create_index(op.f("ix_documents_sha256"), "documents", ["sha256"])
    op.create_index(
        "ix_documents_workspace_created", "documents", ["workspace_id", "created_at", "id"]
    )
    op.create_index("ix_documents_workspace_status", "documents", ["workspace_id", "status"])
    op.create_table(
        "jobs",
        _big_id(),
        _id("document_id"),
        sa.Column("kind", sa.String(32), nullable=False),
        _enum("lane", "lane", "interactive", "bulk"),
        _enum("status", "job_status", "queued", "running", "done", "dead"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        _ts("run_after"),
        _ts("lease_until", nullable=True),
        sa.Column("worker_id", sa.String(200), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        _fk("document_id", "documents", "jobs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index("ix_jobs_claim", "jobs", ["status", "lane", "run_after"])
    op.create_index(op.f("ix_jobs_document_id"), "jobs", ["document_id"])
    op.create_index("ix_jobs_lease", "jobs", ["status", "lease_until"])
    op.create_table(
        "webhooks",
        _id(),
        _id("workspace_id"),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("secret", sa.String(200), nullable=False),
        _json("events"),
        sa.Column("active", sa.Boolean(), nullable=False),
        _fk("workspace_id", "workspaces", "webhooks"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks")),
    )
    op.create_index(op.f("ix_webhooks_workspace_id"), "webhooks", ["workspace_id"])
    op.create_table(
        "webhook_deliveries",
        _big_id(),
        _id("webhook_id"),
        _id("document_id"),
        sa.Column("event", sa.String(64), nullable=False),
        _enum("status", "delivery_status", "pending", "delivered", "failed", "dead"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _ts("next_attempt_at"),
        sa.Column("response_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _ts("created_at"),
        _ts("delivered_at", nullable=True),
        _fk("document_id", "documents", "webhook_deliveries"),
        _fk("webhook_id", "webhooks", "webhook_deliveries"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint(
            "webhook_id", "document_id", "event", name="uq_webhook_deliveries_event"
        ),
    )
    op.create_index(
        op.f("ix_webhook_deliveries_document_id"), "webhook_deliveries", ["document_id"]
    )
    op.create_index(
        "ix_webhook_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"]
    )


def downgrade() -> None:
    """Drop every table (children first)."""
    for table in (
        "webhook_deliveries",
        "webhooks",
        "jobs",
        "documents",
        "user_workspaces",
        "api_keys",
        "users",
        "workspaces",
    ):
        op.drop_table(table)
