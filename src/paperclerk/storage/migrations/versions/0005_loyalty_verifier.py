"""Loyalty: partial content keys and stored prints for the duplicate verifier.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

`loyalty_keys` holds, per submission, digests of pairs of fields read from the receipt
(shop + total, shop + day, day + time…); its primary key (workspace, key, submission)
is the index that names candidate duplicates. `loyalty_layouts` holds each submission's
print (a small 2-bit PNG) that the verifier compares a candidate with.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _submission_id(primary_key: bool) -> sa.Column[object]:
    """Return a submission id column (64-bit; the rowid type on SQLite)."""
    kind = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    return sa.Column(
        "submission_id", kind, nullable=False, primary_key=primary_key, autoincrement=False
    )


def _submission_fk(owner: str) -> sa.ForeignKeyConstraint:
    """Return the cascading foreign key to the submission."""
    return sa.ForeignKeyConstraint(
        ["submission_id"],
        ["loyalty_submissions.id"],
        name=op.f(f"fk_{owner}_submission_id_loyalty_submissions"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    """Create the partial-key and print tables."""
    op.create_table(
        "loyalty_keys",
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        _submission_id(primary_key=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_loyalty_keys_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        _submission_fk("loyalty_keys"),
        sa.PrimaryKeyConstraint(
            "workspace_id", "key", "submission_id", name=op.f("pk_loyalty_keys")
        ),
    )
    op.create_table(
        "loyalty_layouts",
        _submission_id(primary_key=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        _submission_fk("loyalty_layouts"),
        sa.PrimaryKeyConstraint("submission_id", name=op.f("pk_loyalty_layouts")),
    )


def downgrade() -> None:
    """Drop the partial-key and print tables."""
    op.drop_table("loyalty_layouts")
    op.drop_table("loyalty_keys")
