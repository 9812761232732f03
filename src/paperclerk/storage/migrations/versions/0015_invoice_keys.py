"""Payables: the invoice look-up index (`invoice_keys`), filled from the stored invoices.

Revision ID: 0015
Revises: 0014
Create Date: 2027-02-03

One row per invoice document with its normalised invoice number, total, invoice date and
order reference, and whether it was rejected, indexed per workspace: the duplicate check
and the purchase order match read a few rows instead of every invoice's result. Existing
invoices are indexed here, a page of documents at a time, with the same normalisation the
application uses (`paperclerk.storage.invoice_keys.keys_of`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 500


def _stored_invoices(documents: sa.TableClause) -> Iterator[list[dict[str, Any]]]:
    """Yield the index rows of the stored invoices, a page of documents at a time."""
    from paperclerk.storage.invoice_keys import keys_of

    bind = op.get_bind()
    last = ""
    while True:
        rows = bind.execute(
            sa.select(
                documents.c.id, documents.c.workspace_id, documents.c.result, documents.c.created_at
            )
            .where(
                documents.c.doc_type == "invoice",
                documents.c.result.is_not(None),
                documents.c.id > last,
            )
            .order_by(documents.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        last = rows[-1][0]
        batch = []
        for doc_id, workspace_id, result, created_at in rows:
            if not isinstance(result, dict):
                continue
            keys = keys_of(result)
            decision = result.get("decision")
            batch.append(
                {
                    "document_id": doc_id,
                    "workspace_id": workspace_id,
                    "invoice_number": keys.invoice_number,
                    "total": keys.total,
                    "invoice_date": keys.invoice_date,
                    "purchase_order": keys.purchase_order,
                    "rejected": isinstance(decision, dict)
                    and decision.get("outcome") == "rejected",
                    "created_at": created_at,
                }
            )
        yield batch


def upgrade() -> None:
    """Create the invoice_keys table and index the invoices already stored."""
    op.create_table(
        "invoice_keys",
        sa.Column("document_id", sa.String(32), nullable=False),
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column("invoice_number", sa.String(200), nullable=True),
        sa.Column("total", sa.String(40), nullable=True),
        sa.Column("invoice_date", sa.String(40), nullable=True),
        sa.Column("purchase_order", sa.String(200), nullable=True),
        sa.Column("rejected", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_invoice_keys_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_invoice_keys_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_invoice_keys")),
    )
    op.create_index("ix_invoice_keys_number", "invoice_keys", ["workspace_id", "invoice_number"])
    op.create_index(
        "ix_invoice_keys_amount", "invoice_keys", ["workspace_id", "total", "invoice_date"]
    )
    op.create_index("ix_invoice_keys_order", "invoice_keys", ["workspace_id", "purchase_order"])
    documents = sa.table(
        "documents",
        sa.column("id", sa.String()),
        sa.column("workspace_id", sa.String()),
        sa.column("doc_type", sa.String()),
        sa.column("result", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    keys = sa.table(
        "invoice_keys",
        *(
            sa.column(c)
            for c in (
                "document_id",
                "workspace_id",
                "invoice_number",
                "total",
                "invoice_date",
                "purchase_order",
            )
        ),
        sa.column("rejected", sa.Boolean()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    for batch in _stored_invoices(documents):
        if batch:
            op.bulk_insert(keys, batch)


def downgrade() -> None:
    """Drop the invoice look-up index (the invoices themselves are untouched)."""
    op.drop_table("invoice_keys")
