"""Drift monitoring: what the monitor saw of each document, and its alarms.

Revision ID: 0018
Revises: 0017
Create Date: 2027-02-18

`drift_observations` holds, per processed document, its type, the model that read it, its
mean OCR word confidence, each field's confidence and whether it went straight through.
`drift_alarms` holds the alarms raised when a rolling figure left its bound, open until a
person acknowledges them. Audit entries `drift.alarm` and `drift.acknowledged` stand
without a document or claim.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = (
    "document_id IS NOT NULL OR submission_id IS NOT NULL"
    " OR action IN ('audit.erased', 'delegation.added')"
)
_SUBJECT = (
    "document_id IS NOT NULL OR submission_id IS NOT NULL"
    " OR action IN ('audit.erased', 'delegation.added', 'drift.alarm', 'drift.acknowledged')"
)


def _json(name: str) -> sa.Column[object]:
    """Return a JSON column (JSONB on PostgreSQL)."""
    return sa.Column(name, sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    """Create the observation and alarm tables; let drift entries stand without a document."""
    op.create_table(
        "drift_observations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
                  nullable=False),
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column("document_id", sa.String(32), nullable=True),
        sa.Column("doc_type", sa.String(64), nullable=False),
        sa.Column("model_id", sa.String(200), nullable=True),
        sa.Column("word_confidence", sa.Float(), nullable=True),
        _json("field_confidence"),
        sa.Column("automated", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        _fk("drift_observations", "workspace_id", "workspaces", "CASCADE"),
        _fk("drift_observations", "document_id", "documents", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drift_observations")),
    )  # fmt: skip
    op.create_index(
        "ix_drift_observations_recent", "drift_observations", ["workspace_id", "doc_type", "id"]
    )
    op.create_index(
        op.f("ix_drift_observations_document_id"), "drift_observations", ["document_id"]
    )
    op.create_table(
        "drift_alarms",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column("doc_type", sa.String(64), nullable=False),
        sa.Column("signal", sa.String(100), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("bound", sa.Float(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("model_id", sa.String(200), nullable=True),
        sa.Column("document_id", sa.String(32), nullable=True),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(320), nullable=True),
        sa.Column("acknowledge_note", sa.Text(), nullable=True),
        _fk("drift_alarms", "workspace_id", "workspaces", "CASCADE"),
        _fk("drift_alarms", "document_id", "documents", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drift_alarms")),
    )
    op.create_index(
        "ix_drift_alarms_open", "drift_alarms", ["workspace_id", "doc_type", "acknowledged_at"]
    )
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_constraint(op.f("ck_audit_events_subject"), type_="check")
        batch.create_check_constraint(op.f("ck_audit_events_subject"), _SUBJECT)


def downgrade() -> None:
    """Drop the monitor's tables and its audit entries (they would break the check)."""
    op.execute("DELETE FROM audit_events WHERE action IN ('drift.alarm', 'drift.acknowledged')")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_constraint(op.f("ck_audit_events_subject"), type_="check")
        batch.create_check_constraint(op.f("ck_audit_events_subject"), _BEFORE)
    op.drop_table("drift_alarms")
    op.drop_table("drift_observations")
