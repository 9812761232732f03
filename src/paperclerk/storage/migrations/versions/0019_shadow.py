"""Shadow evaluation: each document a shadow model read beside the live one; a drift index.

Revision ID: 0019
Revises: 0018
Create Date: 2027-02-25

`shadow_readings` holds, per document read while a model ran in shadow, both models'
values and confidences, whether each would have gone straight through and whether they
agreed; rows go with their document. An index on drift observations by workspace lets
the drift monitor read a workspace's latest document types (its type mix) quickly.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json(name: str) -> sa.Column[object]:
    """Return a JSON column (JSONB on PostgreSQL)."""
    return sa.Column(name, sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )


def upgrade() -> None:
    """Create the shadow readings table."""
    op.create_table(
        "shadow_readings",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
                  nullable=False),
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column("document_id", sa.String(32), nullable=False),
        sa.Column("doc_type", sa.String(64), nullable=False),
        sa.Column("model_id", sa.String(200), nullable=False),
        sa.Column("live_model", sa.String(200), nullable=False),
        _json("live_fields"),
        _json("shadow_fields"),
        sa.Column("live_automated", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("shadow_automated", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("agreed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        _fk("shadow_readings", "workspace_id", "workspaces"),
        _fk("shadow_readings", "document_id", "documents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shadow_readings")),
    )  # fmt: skip
    op.create_index(
        "ix_shadow_readings_model", "shadow_readings", ["workspace_id", "model_id", "id"]
    )
    op.create_index(op.f("ix_shadow_readings_document_id"), "shadow_readings", ["document_id"])
    op.create_index("ix_drift_observations_workspace", "drift_observations", ["workspace_id", "id"])


def downgrade() -> None:
    """Drop the shadow readings and the index."""
    op.drop_index("ix_drift_observations_workspace", "drift_observations")
    op.drop_table("shadow_readings")
