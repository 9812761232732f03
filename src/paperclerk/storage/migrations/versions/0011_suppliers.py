"""Payables: supplier master data per workspace.

Revision ID: 0011
Revises: 0010
Create Date: 2027-01-20

`suppliers` holds the suppliers of a workspace as its ERP knows them: the ERP's number
(unique per workspace, imports upsert by it), name, normalised VAT id, known IBANs (a JSON
list) and address. Invoices are matched to them and an IBAN that is not a known one raises
the bank-detail change alarm. Deleting a workspace deletes its suppliers.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str) -> sa.Column[object]:
    """Return a timezone-aware timestamp column."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    """Create the suppliers table and its indexes."""
    op.create_table(
        "suppliers",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column("supplier_number", sa.String(100), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("vat_id", sa.String(32), nullable=True),
        sa.Column(
            "ibans", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("address", sa.String(500), nullable=True),
        sa.Column("postcode", sa.String(32), nullable=True),
        sa.Column("city", sa.String(200), nullable=True),
        sa.Column("country", sa.String(2), nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_suppliers_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppliers")),
        sa.UniqueConstraint("workspace_id", "supplier_number", name=op.f("uq_suppliers_number")),
    )
    op.create_index("ix_suppliers_workspace_vat", "suppliers", ["workspace_id", "vat_id"])
    op.create_index(
        "ix_suppliers_workspace_created", "suppliers", ["workspace_id", "created_at", "id"]
    )


def downgrade() -> None:
    """Drop the suppliers table (every workspace's supplier master data with it)."""
    op.drop_index("ix_suppliers_workspace_created", table_name="suppliers")
    op.drop_index("ix_suppliers_workspace_vat", table_name="suppliers")
    op.drop_table("suppliers")
