"""Login events (the security audit) and blobs kept in the database.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

`login_events` records succeeded and failed logins, the lockouts failures earn, and the
attempts refused while locked (email as typed, client address, when). It stands apart
from `audit_events`, whose rows belong to a document. `blobs` holds originals and page
images by sha256 when `PAPERCLERK_BLOB_STORE=database`, so that a worker machine needs
only the database URL.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the tables of login events and of blobs."""
    op.create_table(
        "login_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('succeeded', 'failed', 'locked', 'refused')",
            name=op.f("ck_login_events_outcome"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_events")),
    )
    op.create_index("ix_login_events_at", "login_events", ["at"])
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_blobs")),
    )


def downgrade() -> None:
    """Drop the tables of blobs and of login events."""
    op.drop_table("blobs")
    op.drop_index("ix_login_events_at", table_name="login_events")
    op.drop_table("login_events")
