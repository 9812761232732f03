"""Payables: confirmed GL account / cost centre codings of invoice lines (coding history).

Revision ID: 0013
Revises: 0012
Create Date: 2027-02-03

`line_codings` holds one row per confirmed invoice line coding: the line's document and
index, the supplier key (matched supplier id, else normalised VAT id, else normalised name),
the normalised line text, the GL account and the optional cost centre, who coded it and
when. `payables.coding` suggests codings for new invoice lines from these rows. A line is
coded at most once (re-confirming replaces it); deleting a workspace or a document deletes
its codings.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the line_codings table and its supplier lookup index."""
    op.create_table(
        "line_codings",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column("document_id", sa.String(32), nullable=False),
        sa.Column("line_index", sa.Integer(), nullable=False),
        sa.Column("supplier_key", sa.String(300), nullable=False),
        sa.Column("line_text", sa.String(1000), nullable=False),
        sa.Column("gl_account", sa.String(50), nullable=False),
        sa.Column("cost_centre", sa.String(50), nullable=True),
        sa.Column("coded_by", sa.String(200), nullable=False),
        sa.Column("coded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_line_codings_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_line_codings_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_line_codings")),
        sa.UniqueConstraint("document_id", "line_index", name=op.f("uq_line_codings_line")),
    )
    op.create_index(
        "ix_line_codings_workspace_supplier", "line_codings", ["workspace_id", "supplier_key"]
    )


def downgrade() -> None:
    """Drop the line_codings table (every workspace's coding history with it)."""
    op.drop_index("ix_line_codings_workspace_supplier", table_name="line_codings")
    op.drop_table("line_codings")
