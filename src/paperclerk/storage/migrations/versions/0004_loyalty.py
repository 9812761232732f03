"""Loyalty and cashback: campaigns, submissions, the perceptual-hash index, product aliases.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

`loyalty_fingerprints` is a multi-index hash table: the 64-bit perceptual hash of each
receipt picture split into four 16-bit bands, each with its own index, so a duplicate
lookup is a handful of index probes even with millions of stored receipts.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str) -> sa.Column[object]:
    """Return a timezone-aware timestamp column."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _json(name: str) -> sa.Column[object]:
    """Return a JSON column (JSONB on PostgreSQL)."""
    return sa.Column(name, sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False)


def _big_id() -> sa.Column[object]:
    """Return an auto-incrementing 64-bit key (the rowid on SQLite)."""
    kind = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    return sa.Column("id", kind, autoincrement=True, nullable=False)


def _ws_fk(owner: str) -> sa.ForeignKeyConstraint:
    """Return the workspace foreign key of a table."""
    return sa.ForeignKeyConstraint(
        ["workspace_id"],
        ["workspaces.id"],
        name=op.f(f"fk_{owner}_workspace_id_workspaces"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    """Create the loyalty tables and their indexes."""
    op.create_table(
        "loyalty_campaigns",
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        _json("definition"),
        _ts("created_at"),
        _ts("updated_at"),
        _ws_fk("loyalty_campaigns"),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_loyalty_campaigns")),
    )
    op.create_table(
        "loyalty_submissions",
        _big_id(),
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column("campaign_id", sa.String(64), nullable=False),
        sa.Column("participant_id", sa.String(200), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content_key", sa.String(64), nullable=True),
        sa.Column("purchase_key", sa.String(64), nullable=True),
        sa.Column("amount_key", sa.String(64), nullable=True),
        sa.Column("purchase_date", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reward", sa.String(32), nullable=False),
        _json("result"),
        _ts("created_at"),
        _ws_fk("loyalty_submissions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_submissions")),
    )
    for name, cols in (
        ("sha256", ["workspace_id", "sha256"]),
        ("content", ["workspace_id", "content_key"]),
        ("purchase", ["workspace_id", "purchase_key"]),
        ("amount", ["workspace_id", "amount_key"]),
        ("day", ["workspace_id", "purchase_date"]),
        ("participant", ["workspace_id", "campaign_id", "participant_id", "outcome"]),
    ):
        op.create_index(f"ix_loyalty_submissions_{name}", "loyalty_submissions", cols)
    op.create_table(
        "loyalty_fingerprints",
        _big_id(),
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column(
            "submission_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("phash", sa.BigInteger(), nullable=False),
        *(sa.Column(f"band{i}", sa.Integer(), nullable=False) for i in range(4)),
        sa.Column("vhash", sa.LargeBinary(64), nullable=False),
        sa.Column("aspect", sa.Float(), nullable=False),
        _ws_fk("loyalty_fingerprints"),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["loyalty_submissions.id"],
            name=op.f("fk_loyalty_fingerprints_submission_id_loyalty_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_fingerprints")),
    )
    for i in range(4):
        op.create_index(
            f"ix_loyalty_fingerprints_band{i}", "loyalty_fingerprints", ["workspace_id", f"band{i}"]
        )
    op.create_index(
        op.f("ix_loyalty_fingerprints_submission_id"), "loyalty_fingerprints", ["submission_id"]
    )
    op.create_table(
        "loyalty_product_aliases",
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column("campaign_id", sa.String(64), nullable=False),
        sa.Column("text", sa.String(500), nullable=False),
        sa.Column("product_id", sa.String(200), nullable=False),
        _ts("created_at"),
        _ws_fk("loyalty_product_aliases"),
        sa.PrimaryKeyConstraint(
            "workspace_id", "campaign_id", "text", name=op.f("pk_loyalty_product_aliases")
        ),
    )


def downgrade() -> None:
    """Drop the loyalty tables."""
    op.drop_table("loyalty_product_aliases")
    op.drop_table("loyalty_fingerprints")
    op.drop_table("loyalty_submissions")
    op.drop_table("loyalty_campaigns")
