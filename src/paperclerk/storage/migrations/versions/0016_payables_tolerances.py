"""Payables: purchase order match tolerances per workspace.

Revision ID: 0016
Revises: 0015
Create Date: 2027-02-04

`payables_tolerances` holds a workspace's tolerances for matching invoices to purchase
orders: the share of the ordered unit price (`price_rate`) or the amount (`price_abs`) a
price may differ by, whichever is larger, and the share of the ordered or received
quantity an invoice may exceed (`quantity_rate`). No row: the packaged defaults.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the payables_tolerances table."""
    op.create_table(
        "payables_tolerances",
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column("price_rate", sa.Numeric(9, 6), nullable=False),
        sa.Column("price_abs", sa.Numeric(18, 4), nullable=False),
        sa.Column("quantity_rate", sa.Numeric(9, 6), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(320), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_payables_tolerances_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_payables_tolerances")),
    )


def downgrade() -> None:
    """Drop the tolerances (every workspace falls back to the defaults)."""
    op.drop_table("payables_tolerances")
