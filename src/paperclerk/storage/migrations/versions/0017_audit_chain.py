"""Audit trail as a hash chain per workspace.

Revision ID: 0017
Revises: 0016
Create Date: 2027-02-10

`audit_events` gains the chain's columns (`seq`, `prev_hash`, `entry_hash`,
`values_digest`; see `storage/audit_chain.py`), unique per workspace and number, and two
entries may stand without a document or claim: `audit.erased` lists the entries a deleted
document took with it, and `delegation.added` records who may approve payments for whom.
Existing entries are chained here, per workspace in the order they were written.
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from typing import cast

import sqlalchemy as sa
from alembic import op

from paperclerk.storage.audit_chain import GENESIS, entry_hash, values_digest
from paperclerk.storage.columns import JsonColumn, UtcDateTime
from paperclerk.storage.tables import AuditEvent

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_SUBJECT = "document_id IS NOT NULL OR submission_id IS NOT NULL"
_SUBJECT = f"{_OLD_SUBJECT} OR action IN ('audit.erased', 'delegation.added')"

_events = sa.table(
    "audit_events",
    sa.column("id", sa.BigInteger()),
    sa.column("workspace_id", sa.String()),
    sa.column("document_id", sa.String()),
    sa.column("submission_id", sa.BigInteger()),
    sa.column("actor_kind", sa.String()),
    sa.column("actor_id", sa.String()),
    sa.column("action", sa.String()),
    sa.column("field", sa.String()),
    sa.column("old_value", JsonColumn),
    sa.column("new_value", JsonColumn),
    sa.column("at", UtcDateTime()),
    sa.column("seq", sa.BigInteger()),
    sa.column("prev_hash", sa.String()),
    sa.column("entry_hash", sa.String()),
    sa.column("values_digest", sa.String()),
)


def upgrade() -> None:
    """Add the chain's columns, allow erasure entries, and chain the entries already there."""
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("entry_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("values_digest", sa.String(64), nullable=True))
        batch.drop_constraint(op.f("ck_audit_events_subject"), type_="check")
        batch.create_check_constraint(op.f("ck_audit_events_subject"), _SUBJECT)
        batch.create_unique_constraint("uq_audit_events_chain", ["workspace_id", "seq"])
    bind = op.get_bind()
    heads: dict[str, tuple[int, str]] = {}
    for row in bind.execute(sa.select(_events).order_by(_events.c.id)).all():
        seq, prev = heads.get(row.workspace_id, (0, GENESIS))
        entry = types.SimpleNamespace(**row._asdict())
        entry.seq, entry.prev_hash = seq + 1, prev
        entry.values_digest = values_digest(row.old_value, row.new_value)
        entry.entry_hash = entry_hash(cast(AuditEvent, entry))
        bind.execute(
            _events.update()
            .where(_events.c.id == row.id)
            .values(
                seq=entry.seq,
                prev_hash=entry.prev_hash,
                entry_hash=entry.entry_hash,
                values_digest=entry.values_digest,
            )
        )
        heads[row.workspace_id] = (entry.seq, entry.entry_hash)


def downgrade() -> None:
    """Drop the chain (entries without a document or claim go with it)."""
    op.execute("DELETE FROM audit_events WHERE action IN ('audit.erased', 'delegation.added')")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_constraint("uq_audit_events_chain", type_="unique")
        batch.drop_constraint(op.f("ck_audit_events_subject"), type_="check")
        batch.create_check_constraint(op.f("ck_audit_events_subject"), _OLD_SUBJECT)
        batch.drop_column("values_digest")
        batch.drop_column("entry_hash")
        batch.drop_column("prev_hash")
        batch.drop_column("seq")
