"""Document generations: a reprocessed document sends its webhooks again.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

`documents.generation` counts how often a document was queued again (reprocess or
requeue); a webhook delivery is unique per (webhook, document, event, generation), so a
redelivered job of the same generation still sends nothing twice, while each new result
of a reprocessed document is announced once.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _generation() -> sa.Column[object]:
    """Return the generation counter column (0 for documents processed once)."""
    return sa.Column("generation", sa.Integer(), nullable=False, server_default="0")


def upgrade() -> None:
    """Add the generation columns and widen the deliveries' unique key with it."""
    with op.batch_alter_table("documents") as batch:
        batch.add_column(_generation())
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.add_column(_generation())
        batch.drop_constraint("uq_webhook_deliveries_event", type_="unique")
        batch.create_unique_constraint(
            "uq_webhook_deliveries_event",
            ["webhook_id", "document_id", "event", "generation"],
        )


def downgrade() -> None:
    """Drop the generation columns, restoring the (webhook, document, event) key."""
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_constraint("uq_webhook_deliveries_event", type_="unique")
        batch.drop_column("generation")
        batch.create_unique_constraint(
            "uq_webhook_deliveries_event", ["webhook_id", "document_id", "event"]
        )
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("generation")
