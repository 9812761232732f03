"""Payables: purchase orders and their lines (with goods received) per workspace.

Revision ID: 0012
Revises: 0011
Create Date: 2027-01-27

`purchase_orders` holds the purchase orders of a workspace as its ERP knows them (the PO
number is unique per workspace, imports upsert by it); `purchase_order_lines` their lines
with the ordered quantity and unit price and the quantity received so far (goods receipts
add to it). Invoices naming a PO are matched to it line by line (2-way and 3-way match).
Deleting a workspace deletes its purchase orders, deleting an order its lines.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the purchase_orders and purchase_order_lines tables."""
    op.create_table(
        "purchase_orders",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column("po_number", sa.String(100), nullable=False),
        sa.Column("supplier_number", sa.String(100), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_purchase_orders_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_orders")),
        sa.UniqueConstraint("workspace_id", "po_number", name=op.f("uq_purchase_orders_number")),
    )
    op.create_table(
        "purchase_order_lines",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("po_id", sa.String(32), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("product_code", sa.String(100), nullable=True),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("quantity", sa.Numeric(18, 4), nullable=False),
        sa.Column("unit_price", sa.Numeric(18, 4), nullable=False),
        sa.Column("received_quantity", sa.Numeric(18, 4), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(
            ["po_id"],
            ["purchase_orders.id"],
            name=op.f("fk_purchase_order_lines_po_id_purchase_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_order_lines")),
        sa.UniqueConstraint("po_id", "line_number", name=op.f("uq_purchase_order_lines_line")),
    )


def downgrade() -> None:
    """Drop the purchase order tables (every workspace's purchase orders with them)."""
    op.drop_table("purchase_order_lines")
    op.drop_table("purchase_orders")
