"""Personal data: per-workspace retention, purged documents, webhooks that ask for personal data.

Revision ID: 0010
Revises: 0009
Create Date: 2027-01-12

`workspaces.retention_days` says how many days after its decision a document's original
and page images are kept (NULL: for ever); `paperclerk admin purge` deletes them then,
masks the personal values of the stored result and sets `documents.purged_at`.
`webhooks.include_personal` (false for every existing webhook) lets a webhook receive
personal values unmasked. SQLite adds the columns by copying the tables (batch mode);
PostgreSQL alters them in place.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the retention, purge and webhook columns of personal data."""
    with op.batch_alter_table("workspaces") as batch:
        batch.add_column(sa.Column("retention_days", sa.Integer(), nullable=True))
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("webhooks") as batch:
        batch.add_column(
            sa.Column("include_personal", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    """Drop the columns again (purged documents stay purged: their originals are gone)."""
    with op.batch_alter_table("webhooks") as batch:
        batch.drop_column("include_personal")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("purged_at")
    with op.batch_alter_table("workspaces") as batch:
        batch.drop_column("retention_days")
