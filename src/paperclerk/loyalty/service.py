"""Check one receipt against one campaign: the slice's use-case step and its CLI path.

`decide_submission` is the slice's step on the pipeline's result: it fingerprints the
receipt, looks for earlier submissions it duplicates, runs the campaign rules and fraud
signals, decides, and stores the submission with its fingerprints in the caller's
transaction. The service's workers run it after the pipeline (`worker.tasks`), so the API
process never reads a receipt; the command line's `check_submission` does the whole thing
in one process: reject unreadable input with a typed error, store the original in the blob
store (when given one) before any processing, read the receipt, then `decide_submission`.
The submission's `sha256` is the key of its original in the blob store.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from paperclerk.engines.base import OcrEngine
from paperclerk.ingest import load_bytes
from paperclerk.ingest.types import IngestedFile
from paperclerk.loyalty import candidates, store
from paperclerk.loyalty.campaign import Campaign
from paperclerk.loyalty.claim_events import record_decision
from paperclerk.loyalty.decide import Outcome, confidence_finding, decide, reasons, zero
from paperclerk.loyalty.duplicates import duplicate_findings, find_duplicates
from paperclerk.loyalty.findings import LoyaltyFinding
from paperclerk.loyalty.fingerprints import fingerprint
from paperclerk.loyalty.fraud import fraud_findings
from paperclerk.loyalty.locks import lock_claims
from paperclerk.loyalty.reasons import participant_reasons
from paperclerk.loyalty.rules import ClaimContext, campaign_rules, reward_for
from paperclerk.loyalty.tamper import confirmation_finding
from paperclerk.model import DocType, Document
from paperclerk.pipeline.run import process_ingested
from paperclerk.storage.blobs import Blobs
from paperclerk.storage.columns import utcnow
from paperclerk.storage.policies import effective_policy


class LineRead(BaseModel):
    """A line item as read from the receipt."""

    index: int
    description: str | None
    quantity: str | None
    total_price: str | None
    product_code: str | None


class ReceiptRead(BaseModel):
    """What was read from the receipt, as the decision used it."""

    merchant_name: str | None
    transaction_date: dt.date | None
    transaction_time: str | None
    total: Decimal | None
    receipt_number: str | None
    line_items: list[LineRead] = Field(default_factory=list)


class SubmissionResult(BaseModel):
    """The decision on one submitted receipt, with the reward and one finding per rule."""

    submission_id: int | None
    campaign_id: str
    participant_id: str
    filename: str | None = None
    outcome: Outcome
    reward: Decimal = Field(description="Paid on approval only; 0.00 for any other outcome.")
    provisional_reward: Decimal | None = Field(
        None, description="What approving the claim would pay (claims not approved)."
    )
    currency: str | None
    reasons: list[str]
    participant_reasons: list[str] = Field(
        default_factory=list, description="Why, in words the participant may read."
    )
    findings: list[LoyaltyFinding]
    receipt: ReceiptRead
    sha256: str
    phash: str | None = Field(None, description="64-bit perceptual hash, hex.")
    created_at: dt.datetime
    decided_by: str | None = Field(None, description="Who decided at the claims desk.")
    decided_at: dt.datetime | None = None
    decision_reason: str | None = None


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def receipt_read(doc: Document) -> ReceiptRead:
    """Summarise the fields and line items of a processed receipt."""
    day, total = doc.value("transaction_date"), doc.value("total")
    return ReceiptRead(
        merchant_name=_str(doc.value("merchant_name")),
        transaction_date=day if isinstance(day, dt.date) else None,
        transaction_time=_str(doc.value("transaction_time")),
        total=total if isinstance(total, Decimal) else None,
        receipt_number=_str(doc.value("receipt_number")),
        line_items=[
            LineRead(
                index=i.index,
                description=_str(i.value("description")),
                quantity=_str(i.value("quantity")),
                total_price=_str(i.value("total_price")),
                product_code=_str(i.value("product_code")),
            )
            for i in doc.line_items
        ],
    )


def check_submission(
    session: Session,
    workspace_id: str,
    campaign: Campaign,
    participant_id: str,
    data: bytes,
    *,
    filename: str | None = None,
    engine: OcrEngine | None = None,
    document: Document | None = None,
    now: dt.datetime | None = None,
    blobs: Blobs | None = None,
) -> SubmissionResult:
    """Read one receipt, decide it for one participant of a campaign, store the submission.

    The command line's path (`campaign check`): it runs the pipeline itself. The service
    never calls this; its workers run the pipeline and then `decide_submission`.
    `document` skips OCR with an already processed receipt (tests, re-checks); bad bytes
    raise the typed ingest errors before anything is stored. With `blobs` the original
    bytes are kept first, so a failure in OCR or in the checks never loses them.
    """
    now = now or utcnow()
    ingested = load_bytes(data)
    if blobs is not None:
        blobs.put(data)
    doc = document or process_ingested(
        ingested,
        engine=engine,
        filename=filename,
        doc_type_hint=DocType.RECEIPT,
        policy=effective_policy(session, workspace_id),
    )
    return decide_submission(
        session, workspace_id, campaign, participant_id, data, ingested, doc,
        filename=filename, now=now,
    )  # fmt: skip


def decide_submission(
    session: Session,
    workspace_id: str,
    campaign: Campaign,
    participant_id: str,
    data: bytes,
    ingested: IngestedFile,
    doc: Document,
    *,
    filename: str | None = None,
    now: dt.datetime | None = None,
) -> SubmissionResult:
    """Decide a receipt the pipeline already read, and store the submission.

    The slice's own steps on the pipeline's result: fingerprint the receipt (`ingested`
    gives the pictures, `data` the file hash and the fraud signals), look for earlier
    submissions it duplicates, run the campaign rules and fraud signals, decide, and add
    the submission with its fingerprints to the caller's transaction (it commits).
    `now` is when the receipt was submitted (deadlines, claim periods, `created_at`).
    """
    now = now or utcnow()
    fp = fingerprint(ingested, doc)
    today = campaign.local_date(now)
    image = ingested.pages[0].image if ingested.pages else None
    fraud = fraud_findings(doc, data, image, today)  # pixels only: before the lock
    lock_claims(session, workspace_id)  # one decision at a time per workspace (loyalty.locks)
    scope = campaign.id if campaign.duplicate_scope == "campaign" else None
    matches = find_duplicates(session, workspace_id, fp, scope)
    ctx = ClaimContext(
        today=today,
        approved_purchase_dates=store.held_purchase_dates(
            session, workspace_id, campaign.id, participant_id
        ),
        learnt_aliases=store.learnt_aliases(session, workspace_id, campaign.id),
    )
    rule_findings, spend = campaign_rules(doc, campaign, ctx)
    findings = [
        *rule_findings,
        *duplicate_findings(matches, participant_id, now),
        *fraud,
        confirmation_finding(fraud, campaign.confirm_total),
        confidence_finding(doc, campaign.auto_approve_confidence),
    ]
    outcome = decide(findings)
    earned = reward_for(campaign, spend)  # paid on approval only, by the rules or the desk
    reward = earned if outcome == Outcome.APPROVED else zero()
    read = receipt_read(doc)
    result = SubmissionResult(
        submission_id=None,
        campaign_id=campaign.id,
        participant_id=participant_id,
        filename=filename,
        outcome=outcome,
        reward=reward,
        provisional_reward=None if outcome == Outcome.APPROVED else earned,
        currency=campaign.currency,
        reasons=reasons(findings),
        participant_reasons=participant_reasons(findings),
        findings=findings,
        receipt=read,
        sha256=fp.sha256,
        phash=f"{fp.image.phash:016x}" if fp.image else None,
        created_at=now,
    )
    row = candidates.record(
        session, workspace_id, campaign.id, participant_id, fp, outcome.value, str(reward), now
    )
    result.submission_id = row.id
    row.result = {**row.result, **result.model_dump(mode="json")}  # keeps the fields read
    record_decision(session, row)  # the audit entry, and `claim.decided` for a final outcome
    return result
