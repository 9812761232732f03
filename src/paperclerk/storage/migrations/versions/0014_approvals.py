"""Payables: invoice payment approvals (policy, requests, steps, delegations).

Revision ID: 0014
Revises: 0013
Create Date: 2027-02-04

`approval_policies` holds each workspace's approval policy (validated JSON);
`approval_requests` one payment approval per invoice document (unique) with the rule that
applied and its state; `approval_steps` the request's steps in order with their approvers,
due time and who acted (for whom); `approval_delegations` the windows in which one person
approves in another's place. Deleting a workspace deletes all of it, deleting a document
its request, deleting a request its steps.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, *, nullable: bool = False) -> sa.Column[object]:
    """Return a timezone-aware timestamp column."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _json(name: str) -> sa.Column[object]:
    """Return a JSON column (JSONB on PostgreSQL)."""
    return sa.Column(name, sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False)


def _workspace_fk(table: str) -> sa.ForeignKeyConstraint:
    """Return the cascading foreign key of a table's workspace_id."""
    return sa.ForeignKeyConstraint(
        ["workspace_id"],
        ["workspaces.id"],
        name=op.f(f"fk_{table}_workspace_id_workspaces"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    """Create the approval tables and their indexes."""
    op.create_table(
        "approval_policies",
        sa.Column("workspace_id", sa.String(32), nullable=False),
        _json("policy"),
        _ts("updated_at"),
        sa.Column("updated_by", sa.String(320), nullable=True),
        _workspace_fk("approval_policies"),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_approval_policies")),
    )
    op.create_table(
        "approval_requests",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column("document_id", sa.String(32), nullable=False),
        sa.Column("rule_name", sa.String(200), nullable=True),
        sa.Column("reason", sa.String(1000), nullable=False),
        _json("facts"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("current_step", sa.Integer(), nullable=True),
        _ts("created_at"),
        _ts("decided_at", nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected')",
            name=op.f("ck_approval_requests_approval_status"),
        ),
        _workspace_fk("approval_requests"),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_approval_requests_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_requests")),
        sa.UniqueConstraint("document_id", name=op.f("uq_approval_requests_document")),
    )
    op.create_index(
        "ix_approval_requests_workspace_created",
        "approval_requests",
        ["workspace_id", "created_at", "id"],
    )
    op.create_table(
        "approval_steps",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("request_id", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("approvers", sa.Text(), nullable=False),
        sa.Column("due_hours", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _ts("due_at", nullable=True),
        sa.Column("acted_by", sa.String(320), nullable=True),
        sa.Column("acted_for", sa.String(320), nullable=True),
        _ts("acted_at", nullable=True),
        sa.Column("comment", sa.String(1000), nullable=True),
        sa.CheckConstraint(
            "status IN ('waiting', 'current', 'approved', 'rejected')",
            name=op.f("ck_approval_steps_step_status"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["approval_requests.id"],
            name=op.f("fk_approval_steps_request_id_approval_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_steps")),
        sa.UniqueConstraint("request_id", "position", name=op.f("uq_approval_steps_position")),
    )
    op.create_index("ix_approval_steps_status_due", "approval_steps", ["status", "due_at"])
    op.create_table(
        "approval_delegations",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column("from_email", sa.String(320), nullable=False),
        sa.Column("to_email", sa.String(320), nullable=False),
        _ts("starts"),
        _ts("ends"),
        _ts("created_at"),
        sa.CheckConstraint("ends > starts", name=op.f("ck_approval_delegations_delegation_window")),
        _workspace_fk("approval_delegations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_delegations")),
    )
    op.create_index(
        "ix_approval_delegations_workspace_to",
        "approval_delegations",
        ["workspace_id", "to_email"],
    )
    op.create_index(
        "ix_approval_delegations_workspace_created",
        "approval_delegations",
        ["workspace_id", "created_at", "id"],
    )


def downgrade() -> None:
    """Drop the approval tables (every workspace's approvals and delegations with them)."""
    op.drop_index("ix_approval_delegations_workspace_created", table_name="approval_delegations")
    op.drop_index("ix_approval_delegations_workspace_to", table_name="approval_delegations")
    op.drop_table("approval_delegations")
    op.drop_index("ix_approval_steps_status_due", table_name="approval_steps")
    op.drop_table("approval_steps")
    op.drop_index("ix_approval_requests_workspace_created", table_name="approval_requests")
    op.drop_table("approval_requests")
    op.drop_table("approval_policies")
