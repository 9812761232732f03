"""The tables of the app database (SQLAlchemy 2 typed declarative).

The Alembic migrations in `storage/migrations` create exactly these tables; a test compares
the two on SQLite and PostgreSQL, so a change here needs a new migration.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from paperclerk.storage.columns import (
    DeliveryStatus,
    DocumentStatus,
    JobStatus,
    JsonColumn,
    Lane,
    Role,
    UtcDateTime,
    enum_column,
    new_id,
    utcnow,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

BigId = BigInteger().with_variant(Integer(), "sqlite")
"""64-bit integer key; plain INTEGER on SQLite so it is the auto-incrementing rowid."""


class Base(DeclarativeBase):
    """Declarative base with stable constraint names (migrations can refer to them)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Workspace(Base):
    """A tenant: API keys, users and documents each belong to exactly one workspace."""

    __tablename__ = "workspaces"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    # personal data (migration 0010): originals kept this many days after the decision
    retention_days: Mapped[int | None] = mapped_column(Integer)


class ApiKey(Base):
    """An API key: a short public id plus the sha256 of its secret (never the secret)."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class User(Base):
    """A person who logs in to the review UI (argon2 password hash)."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class UserWorkspace(Base):
    """Membership of a user in a workspace."""

    __tablename__ = "user_workspaces"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )


class DocumentRow(Base):
    """State of one submitted document; `result` holds the `Document` model dump when done."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("workspace_id", "idempotency_key", name="uq_documents_idempotency"),
        CheckConstraint("progress >= 0 AND progress <= 1", name="progress_range"),
        Index("ix_documents_workspace_created", "workspace_id", "created_at", "id"),
        Index("ix_documents_workspace_status", "workspace_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    status: Mapped[DocumentStatus] = mapped_column(
        enum_column(DocumentStatus, "document_status"), default=DocumentStatus.QUEUED
    )
    progress: Mapped[float] = mapped_column(default=0.0)
    generation: Mapped[int] = mapped_column(default=0, server_default="0")
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str | None] = mapped_column(String(1000))
    media_type: Mapped[str | None] = mapped_column(String(200))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(16), default="api")
    doc_type_hint: Mapped[str | None] = mapped_column(String(64))
    doc_type: Mapped[str | None] = mapped_column(String(64))
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JsonColumn, default=dict)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    result: Mapped[dict[str, Any] | None] = mapped_column(JsonColumn)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # personal data (migration 0010): when the original and page images were deleted and
    # the personal values masked in `result` (retention); None while they are kept
    purged_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class Job(Base):
    """One unit of queued work on a document, handed out under a lease."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_claim", "status", "lane", "run_after"),
        Index("ix_jobs_lease", "status", "lease_until"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32), default="process")
    lane: Mapped[Lane] = mapped_column(enum_column(Lane, "lane"), default=Lane.BULK)
    status: Mapped[JobStatus] = mapped_column(
        enum_column(JobStatus, "job_status"), default=JobStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=5)
    run_after: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    lease_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    worker_id: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Webhook(Base):
    """A workspace's endpoint that receives signed JSON events."""

    __tablename__ = "webhooks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    events: Mapped[list[str]] = mapped_column(JsonColumn, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    # personal data (migration 0010): whether bodies carry personal values unmasked
    include_personal: Mapped[bool] = mapped_column(default=False, server_default=false())


class WebhookDelivery(Base):
    """One event for one webhook, sent once per (webhook, subject, event, generation).

    The subject is a document (`document.*` events) or a campaign submission
    (`claim.decided`, migration 0008), exactly one of the two. A claim's event carries the
    body it was recorded with (`payload`): a later decision must not rewrite what an
    earlier one announced.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint(
            "webhook_id", "document_id", "event", "generation", name="uq_webhook_deliveries_event"
        ),
        UniqueConstraint(
            "webhook_id", "submission_id", "event", "generation", name="uq_webhook_deliveries_claim"
        ),
        CheckConstraint(
            "document_id IS NOT NULL OR submission_id IS NOT NULL", name="delivery_subject"
        ),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    webhook_id: Mapped[str] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    document_id: Mapped[str | None] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    submission_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("loyalty_submissions.id", ondelete="CASCADE"), index=True
    )
    payload: Mapped[dict[str, Any] | None] = mapped_column(JsonColumn)
    event: Mapped[str] = mapped_column(String(64))
    generation: Mapped[int] = mapped_column(default=0, server_default="0")
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus, "delivery_status"), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    response_code: Mapped[int | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class ReviewItem(Base):
    """A processed document's place in the review flow: state, reasons, claim and decision.

    One row per document with a stored result. `state` is `auto` (completed with no human
    touch), `pending` (waiting for a person), `approved` or `rejected`. A claim
    (`claimed_by`, `claimed_until`) hands the document to one reviewer at a time.
    """

    __tablename__ = "review_items"
    __table_args__ = (
        CheckConstraint(
            "state IN ('auto', 'pending', 'approved', 'rejected')", name="review_state"
        ),
        Index("ix_review_items_queue", "workspace_id", "state", "priority", "completed_at"),
        Index("ix_review_items_completed", "completed_at"),
    )

    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16))
    doc_type: Mapped[str | None] = mapped_column(String(64))
    priority: Mapped[int] = mapped_column(default=0)
    reason_codes: Mapped[str] = mapped_column(Text, default="")
    reasons: Mapped[list[str]] = mapped_column(JsonColumn, default=list)
    supplier: Mapped[str | None] = mapped_column(String(500))
    claimed_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    confirmed_fields: Mapped[list[str]] = mapped_column(JsonColumn, default=list)
    corrected_fields: Mapped[list[str]] = mapped_column(JsonColumn, default=list)
    submitted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    completed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class AuditEvent(Base):
    """One change to a document or a claim: who (model, rule, memory, person, system), what, when.

    A document's entries cascade with it. A claim's (`submission_id`, migration 0008) have
    no foreign key on purpose: the entry saying who deleted a claim outlives the claim.
    The entries of a workspace form a hash chain (`storage/audit_chain.py`). Two kinds of
    entry have neither subject: `audit.erased` (the entries a deleted document took with
    it), `delegation.added` (who may approve payments for whom, and when) and
    `drift.alarm` and `drift.acknowledged` (a drift alarm raised, and who acknowledged
    it; migration 0018).
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        CheckConstraint(
            "actor_kind IN ('model', 'rule', 'memory', 'person', 'system')", name="actor_kind"
        ),
        CheckConstraint(
            "document_id IS NOT NULL OR submission_id IS NOT NULL"
            " OR action IN ('audit.erased', 'delegation.added', 'drift.alarm',"
            " 'drift.acknowledged')",
            name="subject",
        ),
        Index("ix_audit_events_document", "document_id", "id"),
        Index("ix_audit_events_submission", "submission_id", "id"),
        UniqueConstraint("workspace_id", "seq", name="uq_audit_events_chain"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    document_id: Mapped[str | None] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    submission_id: Mapped[int | None] = mapped_column(BigId)
    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32))
    field: Mapped[str | None] = mapped_column(String(200))
    old_value: Mapped[Any] = mapped_column(JsonColumn, nullable=True)
    new_value: Mapped[Any] = mapped_column(JsonColumn, nullable=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The workspace's hash chain (`storage/audit_chain.py`, migration 0017).
    seq: Mapped[int | None] = mapped_column(BigInteger)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    entry_hash: Mapped[str | None] = mapped_column(String(64))
    values_digest: Mapped[str | None] = mapped_column(String(64))


class LoginEvent(Base):
    """One login attempt on the review UI and what came of it, for the security audit.

    Kept apart from `audit_events`, which records changes to documents. The email is as
    typed (an attacker's guesses included), never a password.
    """

    __tablename__ = "login_events"
    __table_args__ = (
        CheckConstraint("outcome IN ('succeeded', 'failed', 'locked', 'refused')", name="outcome"),
        Index("ix_login_events_at", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    email: Mapped[str] = mapped_column(String(320))
    client: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))


class BlobRow(Base):
    """An original or page image kept in the database (`PAPERCLERK_BLOB_STORE=database`).

    Content-addressed like the folder store: one row per distinct content, under its
    sha256, so worker machines need only the database URL (migration 0007).
    """

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class TrainingExampleRow(Base):
    """A confirmed document as a training example (the `TrainingExample` JSON).

    Deleted with its document, so erasing a document also erases what was learnt from it.
    """

    __tablename__ = "training_examples"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    doc_type: Mapped[str] = mapped_column(String(64))
    example: Mapped[dict[str, Any]] = mapped_column(JsonColumn)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


# --- loyalty and cashback (migration 0004) -------------------------------------------------


class LoyaltyCampaign(Base):
    """A cashback or loyalty campaign of a workspace; `definition` is the `Campaign` JSON."""

    __tablename__ = "loyalty_campaigns"

    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JsonColumn)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class LoyaltySubmission(Base):
    """One receipt submitted to a campaign by a participant, with its decision and keys.

    `sha256`, `content_key` and `purchase_key` are indexed: identical files and the same
    purchase read from the content are found by index lookups.
    """

    __tablename__ = "loyalty_submissions"
    __table_args__ = (
        Index("ix_loyalty_submissions_sha256", "workspace_id", "sha256"),
        Index("ix_loyalty_submissions_content", "workspace_id", "content_key"),
        Index("ix_loyalty_submissions_purchase", "workspace_id", "purchase_key"),
        Index("ix_loyalty_submissions_amount", "workspace_id", "amount_key"),
        Index("ix_loyalty_submissions_day", "workspace_id", "purchase_date"),
        Index(
            "ix_loyalty_submissions_participant",
            "workspace_id",
            "campaign_id",
            "participant_id",
            "outcome",
        ),
        Index("ix_loyalty_submissions_desk", "workspace_id", "campaign_id", "outcome", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    campaign_id: Mapped[str] = mapped_column(String(64))
    participant_id: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    content_key: Mapped[str | None] = mapped_column(String(64))
    purchase_key: Mapped[str | None] = mapped_column(String(64))
    amount_key: Mapped[str | None] = mapped_column(String(64))
    purchase_date: Mapped[dt.date | None] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(16))
    reward: Mapped[str] = mapped_column(String(32), default="0")
    result: Mapped[dict[str, Any]] = mapped_column(JsonColumn)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    # the claims desk (migration 0008): a person's decision, and how many there were
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(default=0, server_default="0")


class LoyaltyFingerprint(Base):
    """A receipt picture's perceptual hash, split into four indexed 16-bit bands.

    Multi-index hashing: two 64-bit hashes within Hamming distance 7 agree on some band
    up to one bit, so a lookup probes each band's value and its 16 one-bit neighbours by
    index, then checks the full distance (and the 512-bit `vhash`) of the few candidates.
    """

    __tablename__ = "loyalty_fingerprints"
    __table_args__ = (
        Index("ix_loyalty_fingerprints_band0", "workspace_id", "band0"),
        Index("ix_loyalty_fingerprints_band1", "workspace_id", "band1"),
        Index("ix_loyalty_fingerprints_band2", "workspace_id", "band2"),
        Index("ix_loyalty_fingerprints_band3", "workspace_id", "band3"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("loyalty_submissions.id", ondelete="CASCADE"), index=True
    )
    phash: Mapped[int] = mapped_column(BigInteger)
    band0: Mapped[int] = mapped_column(Integer)
    band1: Mapped[int] = mapped_column(Integer)
    band2: Mapped[int] = mapped_column(Integer)
    band3: Mapped[int] = mapped_column(Integer)
    vhash: Mapped[bytes] = mapped_column(LargeBinary(64))
    aspect: Mapped[float] = mapped_column(Float)


class LoyaltyKey(Base):
    """A partial content key of a submission (two fields read from it, e.g. shop + total).

    Re-photographs of one receipt are often read a little differently (a date missed, a
    digit wrong), so they rarely share the full content key but nearly always share some
    pair of fields. Those pairs name the candidates that the print verifier checks; the
    primary key is the index of the lookup (workspace, key) → submissions.
    """

    __tablename__ = "loyalty_keys"

    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        BigId,
        ForeignKey("loyalty_submissions.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )


class LoyaltyLayout(Base):
    """The stored print of a submitted receipt (2-bit PNG), for the duplicate verifier."""

    __tablename__ = "loyalty_layouts"

    submission_id: Mapped[int] = mapped_column(
        BigId,
        ForeignKey("loyalty_submissions.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    data: Mapped[bytes] = mapped_column(LargeBinary)


class LoyaltyProductAlias(Base):
    """Till text a reviewer matched to a campaign product; learnt for the next receipts."""

    __tablename__ = "loyalty_product_aliases"

    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    campaign_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    text: Mapped[str] = mapped_column(String(500), primary_key=True)
    product_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


# --- decision policy (migration 0006) ------------------------------------------------------


class WorkspacePolicy(Base):
    """A workspace's override of the packaged decision policy, and who set it when.

    `override` is the partial policy document (`{"types": {"receipt": {...}}}`) as it was
    validated when set; no row means the workspace decides with the packaged policy.
    """

    __tablename__ = "workspace_policies"

    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    override: Mapped[dict[str, Any]] = mapped_column(JsonColumn)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(200))


# --- KYC cases (migration 0009) ------------------------------------------------------------


class KycCase(Base):
    """One applicant's KYC case: what they declared, and the verdict on their documents.

    `verdict` is the `identity.case.Verdict` JSON last computed; `status` its outcome
    (`needs_review`, `approved`, `rejected`), and `decided_at` when a final one was reached.
    `policy` is the case's KYC policy override (`identity.policy.KycPolicy` keys), or None
    for the defaults.
    """

    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint("status IN ('needs_review', 'approved', 'rejected')", name="case_status"),
        Index("ix_cases_workspace_created", "workspace_id", "created_at", "id"),
        Index("ix_cases_workspace_reference", "workspace_id", "reference"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    reference: Mapped[str | None] = mapped_column(String(200))
    applicant: Mapped[dict[str, Any]] = mapped_column(JsonColumn, default=dict)
    policy: Mapped[dict[str, Any] | None] = mapped_column(JsonColumn)
    status: Mapped[str] = mapped_column(String(16), default="needs_review")
    verdict: Mapped[dict[str, Any] | None] = mapped_column(JsonColumn)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class KycCaseDocument(Base):
    """A document attached to a KYC case (a document may belong to several cases)."""

    __tablename__ = "case_documents"

    case_id: Mapped[str] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str | None] = mapped_column(String(32))
    added_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


# --- Payables: supplier master data (migration 0011) ------------------------------------


class SupplierRow(Base):
    """A supplier of a workspace as the ERP knows it (imported by CSV or the API).

    `supplier_number` is the ERP's id, unique per workspace (imports upsert by it);
    `vat_id` is normalised (upper case, no spaces or separators) and `ibans` is the list of
    the supplier's known IBANs in compact form: an invoice paying elsewhere raises the
    bank-detail change alarm (`payables.checks`).
    """

    __tablename__ = "suppliers"
    __table_args__ = (
        UniqueConstraint("workspace_id", "supplier_number", name="uq_suppliers_number"),
        Index("ix_suppliers_workspace_vat", "workspace_id", "vat_id"),
        Index("ix_suppliers_workspace_created", "workspace_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    supplier_number: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    vat_id: Mapped[str | None] = mapped_column(String(32))
    ibans: Mapped[list[str]] = mapped_column(JsonColumn, default=list)
    address: Mapped[str | None] = mapped_column(String(500))
    postcode: Mapped[str | None] = mapped_column(String(32))
    city: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


# --- Payables: purchase orders and goods receipts (migration 0012) ----------------------


class PurchaseOrderRow(Base):
    """A purchase order of a workspace as the ERP knows it (imported by CSV or the API).

    `po_number` is unique per workspace (imports upsert by it and replace the lines);
    invoices naming it in `purchase_order` are matched to its lines (`payables.po_match`).
    """

    __tablename__ = "purchase_orders"
    __table_args__ = (
        UniqueConstraint("workspace_id", "po_number", name="uq_purchase_orders_number"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    po_number: Mapped[str] = mapped_column(String(100))
    supplier_number: Mapped[str | None] = mapped_column(String(100))
    currency: Mapped[str | None] = mapped_column(String(3))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class PurchaseOrderLineRow(Base):
    """A line of a purchase order: what was ordered at what price, and how much arrived.

    `received_quantity` is the sum of the goods receipts imported for the line (0 before
    any); the 3-way match compares invoiced quantities against it.
    """

    __tablename__ = "purchase_order_lines"
    __table_args__ = (
        UniqueConstraint("po_id", "line_number", name="uq_purchase_order_lines_line"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    po_id: Mapped[str] = mapped_column(ForeignKey("purchase_orders.id", ondelete="CASCADE"))
    line_number: Mapped[int] = mapped_column(Integer)
    product_code: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    received_quantity: Mapped[Decimal] = mapped_column(
        Numeric(18, 4), default=Decimal(0), server_default="0"
    )


# --- invoice line coding (migration 0013) ---


class LineCodingRow(Base):
    """A confirmed GL account / cost centre coding of one invoice line (the coding history).

    Written when someone confirms a line's coding (`PUT /v1/documents/{id}/coding`) or
    approves an invoice whose lines carry `gl_account` cells; `payables.coding` suggests
    codings for new lines from these rows. `supplier_key` is the matched supplier's id, else
    the seller's normalised VAT id, else its normalised name; `line_text` is normalised.
    """

    __tablename__ = "line_codings"
    __table_args__ = (
        UniqueConstraint("document_id", "line_index", name="uq_line_codings_line"),
        Index("ix_line_codings_workspace_supplier", "workspace_id", "supplier_key"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    line_index: Mapped[int] = mapped_column(Integer)
    supplier_key: Mapped[str] = mapped_column(String(300))
    line_text: Mapped[str] = mapped_column(String(1000))
    gl_account: Mapped[str] = mapped_column(String(50))
    cost_centre: Mapped[str | None] = mapped_column(String(50))
    coded_by: Mapped[str] = mapped_column(String(200))
    coded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


# --- invoice approvals (migration 0014) ---


class ApprovalPolicyRow(Base):
    """A workspace's invoice payment approval policy (`payables.approval_policy`), as validated.

    No row means the workspace has no approval policy: a data-approved invoice is payable
    at once.
    """

    __tablename__ = "approval_policies"

    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    policy: Mapped[dict[str, Any]] = mapped_column(JsonColumn)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(320))


class ApprovalRequestRow(Base):
    """The payment approval of one invoice document: the rule that applied and its state.

    `status` is `pending` (a step waits), `approved` (every step approved, or no rule
    applied) or `rejected` (a step was rejected; the request ends there). `current_step`
    is the position of the step that waits (None once decided). `facts` holds what the
    rule was chosen on (amount, currency, supplier, cost centres).
    """

    __tablename__ = "approval_requests"
    __table_args__ = (
        UniqueConstraint("document_id", name="uq_approval_requests_document"),
        CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="approval_status"),
        Index("ix_approval_requests_workspace_created", "workspace_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    rule_name: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(1000))
    facts: Mapped[dict[str, Any]] = mapped_column(JsonColumn, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    current_step: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class ApprovalStepRow(Base):
    """One step of an approval request, in order (`position` from 0).

    `approvers` is the space-padded list of approver emails (` a@x b@y `), so a listing
    by approver is a LIKE on one column. `status` is `waiting`, `current`, `approved` or
    `rejected`; `due_at` is set when the step becomes current (`due_hours` later).
    `acted_by` is who decided; `acted_for` the approver a delegate acted for.
    """

    __tablename__ = "approval_steps"
    __table_args__ = (
        UniqueConstraint("request_id", "position", name="uq_approval_steps_position"),
        CheckConstraint(
            "status IN ('waiting', 'current', 'approved', 'rejected')", name="step_status"
        ),
        Index("ix_approval_steps_status_due", "status", "due_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    request_id: Mapped[str] = mapped_column(ForeignKey("approval_requests.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    approvers: Mapped[str] = mapped_column(Text)
    due_hours: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    due_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    acted_by: Mapped[str | None] = mapped_column(String(320))
    acted_for: Mapped[str | None] = mapped_column(String(320))
    acted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    comment: Mapped[str | None] = mapped_column(String(1000))


class ApprovalDelegationRow(Base):
    """`from_email` lets `to_email` approve in their place from `starts` until `ends`."""

    __tablename__ = "approval_delegations"
    __table_args__ = (
        CheckConstraint("ends > starts", name="delegation_window"),
        Index("ix_approval_delegations_workspace_to", "workspace_id", "to_email"),
        Index("ix_approval_delegations_workspace_created", "workspace_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    from_email: Mapped[str] = mapped_column(String(320))
    to_email: Mapped[str] = mapped_column(String(320))
    starts: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    ends: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


# --- Payables: invoice look-up keys (migration 0015) --------------------------------------


class InvoiceKeyRow(Base):
    """The keys an invoice is looked up by: duplicate checks and billed quantities per order.

    One row per invoice document, written with its result (and again when a reviewer
    corrects or rejects it), so the checks read a few indexed rows instead of every
    invoice of the workspace. Values are normalised as the checks compare them: the
    invoice number without spaces in upper case, the total as a plain decimal, the date
    in ISO form.
    """

    __tablename__ = "invoice_keys"
    __table_args__ = (
        Index("ix_invoice_keys_number", "workspace_id", "invoice_number"),
        Index("ix_invoice_keys_amount", "workspace_id", "total", "invoice_date"),
        Index("ix_invoice_keys_order", "workspace_id", "purchase_order"),
    )

    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    invoice_number: Mapped[str | None] = mapped_column(String(200))
    total: Mapped[str | None] = mapped_column(String(40))
    invoice_date: Mapped[str | None] = mapped_column(String(40))
    purchase_order: Mapped[str | None] = mapped_column(String(200))
    rejected: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


# --- Payables: purchase order match tolerances (migration 0016) ---------------------------


class PayablesTolerancesRow(Base):
    """A workspace's purchase order match tolerances (`payables.tolerances`).

    No row means the packaged defaults (2 % or 0.01 on prices, nothing on quantities).
    """

    __tablename__ = "payables_tolerances"

    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    price_rate: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    price_abs: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    quantity_rate: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(320))


# --- Drift monitoring (migration 0018) ----------------------------------------------------


class DriftObservationRow(Base):
    """What the monitor saw of one processed document: its type, model and confidences.

    Written with the document's result (`monitoring.drift`); the rolling figures of a
    workspace and type are read from its latest rows.
    """

    __tablename__ = "drift_observations"
    __table_args__ = (
        Index("ix_drift_observations_recent", "workspace_id", "doc_type", "id"),
        Index("ix_drift_observations_workspace", "workspace_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    document_id: Mapped[str | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL"), index=True
    )
    doc_type: Mapped[str] = mapped_column(String(64))
    model_id: Mapped[str | None] = mapped_column(String(200))
    word_confidence: Mapped[float | None] = mapped_column(Float)
    field_confidence: Mapped[dict[str, float]] = mapped_column(JsonColumn, default=dict)
    automated: Mapped[bool] = mapped_column(default=False, server_default=false())
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class DriftAlarmRow(Base):
    """A drift alarm: a signal of a workspace's document type left its bound.

    Open until a person acknowledges it (`acknowledged_at`); while open, the decision
    policy may send every document of the type to a person (`DriftPolicy.tighten`).
    """

    __tablename__ = "drift_alarms"
    __table_args__ = (Index("ix_drift_alarms_open", "workspace_id", "doc_type", "acknowledged_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    doc_type: Mapped[str] = mapped_column(String(64))
    signal: Mapped[str] = mapped_column(String(100))
    value: Mapped[float] = mapped_column(Float)
    bound: Mapped[float] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text)
    model_id: Mapped[str | None] = mapped_column(String(200))
    document_id: Mapped[str | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    documents: Mapped[int] = mapped_column(Integer, default=0)
    raised_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(320))
    acknowledge_note: Mapped[str | None] = mapped_column(Text)


# --- Shadow evaluation (migration 0019) ----------------------------------------------------


class ShadowReadingRow(Base):
    """One document read by a shadow model beside the live one (`monitoring.shadow`).

    `live_fields` and `shadow_fields` map each field to its value as text (None: not
    found) and confidence; `agreed` says whether every field read the same. Neither
    reading's use goes further: the document's result is the live model's alone.
    """

    __tablename__ = "shadow_readings"
    __table_args__ = (Index("ix_shadow_readings_model", "workspace_id", "model_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    doc_type: Mapped[str] = mapped_column(String(64))
    model_id: Mapped[str] = mapped_column(String(200))
    live_model: Mapped[str] = mapped_column(String(200))
    live_fields: Mapped[dict[str, Any]] = mapped_column(JsonColumn, default=dict)
    shadow_fields: Mapped[dict[str, Any]] = mapped_column(JsonColumn, default=dict)
    live_automated: Mapped[bool] = mapped_column(default=False, server_default=false())
    shadow_automated: Mapped[bool] = mapped_column(default=False, server_default=false())
    agreed: Mapped[bool] = mapped_column(default=False, server_default=false())
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
