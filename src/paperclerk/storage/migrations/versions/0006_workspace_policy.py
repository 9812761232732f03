"""Decision policy: a workspace's override of the packaged policy, with who set it and when.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

`workspace_policies` holds at most one row per workspace: the partial policy document
(JSON; JSONB on PostgreSQL) that replaces parts of the packaged `policy.yaml` for that
workspace. No row means the packaged policy; the row goes with its workspace.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the table of workspace policy overrides."""
    op.create_table(
        "workspace_policies",
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column(
            "override",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_workspace_policies_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_workspace_policies")),
    )


def downgrade() -> None:
    """Drop the table of workspace policy overrides."""
    op.drop_table("workspace_policies")
