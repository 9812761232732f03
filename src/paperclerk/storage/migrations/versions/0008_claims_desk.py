"""The claims desk: a person's decision on a claim, its audit entries and `claim.decided`.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08

`loyalty_submissions` gains who decided a claim by hand, when and why (`decided_by`,
`decided_at`, `decision_reason`; empty for the automatic decision) and `revision`, the
number of such decisions, which numbers its `claim.decided` events. The original's key
in the blob store needs no column: it is the submission's `sha256`.

`audit_events` holds a claim's entries too: `document_id` becomes nullable next to a new
`submission_id` (no foreign key, so the entry of a deletion outlives the claim), and one
of the two is required. `webhook_deliveries` likewise names a document or a submission
(`submission_id`, cascading with it, unique per webhook, event and generation) and keeps
a claim event's body as recorded (`payload`). SQLite alters both tables by copying them
(batch mode); PostgreSQL alters them in place.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SUBJECT = "document_id IS NOT NULL OR submission_id IS NOT NULL"


def _big_int(name: str) -> sa.Column[object]:
    """Return a nullable 64-bit integer column (INTEGER on SQLite, like the ids it names)."""
    return sa.Column(name, sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)


def upgrade() -> None:
    """Add the desk's columns to submissions, and claims as subjects of audit and webhooks."""
    with op.batch_alter_table("loyalty_submissions") as batch:
        batch.add_column(sa.Column("decided_by", sa.String(200), nullable=True))
        batch.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("decision_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))
    op.create_index(
        "ix_loyalty_submissions_desk",
        "loyalty_submissions",
        ["workspace_id", "campaign_id", "outcome", "id"],
    )
    with op.batch_alter_table("audit_events") as batch:
        batch.alter_column("document_id", existing_type=sa.String(32), nullable=True)
        batch.add_column(_big_int("submission_id"))
        batch.create_check_constraint(op.f("ck_audit_events_subject"), _SUBJECT)
    op.create_index("ix_audit_events_submission", "audit_events", ["submission_id", "id"])
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.alter_column("document_id", existing_type=sa.String(32), nullable=True)
        batch.add_column(_big_int("submission_id"))
        batch.add_column(
            sa.Column(
                "payload", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True
            )
        )
        batch.create_foreign_key(
            op.f("fk_webhook_deliveries_submission_id_loyalty_submissions"),
            "loyalty_submissions",
            ["submission_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_unique_constraint(
            "uq_webhook_deliveries_claim", ["webhook_id", "submission_id", "event", "generation"]
        )
        batch.create_check_constraint(op.f("ck_webhook_deliveries_delivery_subject"), _SUBJECT)
    op.create_index(
        op.f("ix_webhook_deliveries_submission_id"), "webhook_deliveries", ["submission_id"]
    )


def downgrade() -> None:
    """Drop what the claims desk added (a claim's audit entries and deliveries with it)."""
    op.drop_index(op.f("ix_webhook_deliveries_submission_id"), table_name="webhook_deliveries")
    op.execute("DELETE FROM webhook_deliveries WHERE document_id IS NULL")
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_constraint(op.f("ck_webhook_deliveries_delivery_subject"), type_="check")
        batch.drop_constraint("uq_webhook_deliveries_claim", type_="unique")
        batch.drop_constraint(
            op.f("fk_webhook_deliveries_submission_id_loyalty_submissions"), type_="foreignkey"
        )
        batch.drop_column("payload")
        batch.drop_column("submission_id")
        batch.alter_column("document_id", existing_type=sa.String(32), nullable=False)
    op.drop_index("ix_audit_events_submission", table_name="audit_events")
    op.execute("DELETE FROM audit_events WHERE document_id IS NULL")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_constraint(op.f("ck_audit_events_subject"), type_="check")
        batch.drop_column("submission_id")
        batch.alter_column("document_id", existing_type=sa.String(32), nullable=False)
    op.drop_index("ix_loyalty_submissions_desk", table_name="loyalty_submissions")
    with op.batch_alter_table("loyalty_submissions") as batch:
        batch.drop_column("revision")
        batch.drop_column("decision_reason")
        batch.drop_column("decided_at")
        batch.drop_column("decided_by")
