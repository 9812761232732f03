"""KYC cases: one applicant's documents grouped, with the verdict on them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-09

`cases` holds what the applicant declared (`applicant`: name, address, declared income),
the case's KYC policy override (`policy`, None for the defaults) and the verdict last
computed (`verdict` JSON, its outcome in `status`). `case_documents` links documents to
cases (a document may belong to several); both links cascade, so deleting a document or
a case removes the link and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, *, nullable: bool = False) -> sa.Column[object]:
    """Return a timezone-aware timestamp column."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _json(name: str, *, nullable: bool = False) -> sa.Column[object]:
    """Return a JSON column (JSONB on PostgreSQL)."""
    kind = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    return sa.Column(name, kind, nullable=nullable)


def upgrade() -> None:
    """Create the case tables and their indexes."""
    op.create_table(
        "cases",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column("reference", sa.String(200), nullable=True),
        _json("applicant"),
        _json("policy", nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        _json("verdict", nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        _ts("decided_at", nullable=True),
        sa.CheckConstraint(
            "status IN ('needs_review', 'approved', 'rejected')",
            name=op.f("ck_cases_case_status"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_cases_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    op.create_index("ix_cases_workspace_created", "cases", ["workspace_id", "created_at", "id"])
    op.create_index("ix_cases_workspace_reference", "cases", ["workspace_id", "reference"])
    op.create_table(
        "case_documents",
        sa.Column("case_id", sa.String(32), nullable=False),
        sa.Column("document_id", sa.String(32), nullable=False),
        sa.Column("role", sa.String(32), nullable=True),
        _ts("added_at"),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_documents_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_case_documents_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "document_id", name=op.f("pk_case_documents")),
    )
    op.create_index(op.f("ix_case_documents_document_id"), "case_documents", ["document_id"])


def downgrade() -> None:
    """Drop the case tables (every case and its links with them)."""
    op.drop_index(op.f("ix_case_documents_document_id"), table_name="case_documents")
    op.drop_table("case_documents")
    op.drop_index("ix_cases_workspace_reference", table_name="cases")
    op.drop_index("ix_cases_workspace_created", table_name="cases")
    op.drop_table("cases")
