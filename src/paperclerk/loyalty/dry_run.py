"""Decide a receipt for a campaign without storing anything: the operator's check before launch.

`dry_run_decision` runs what `service.decide_submission` runs on a read receipt — the
campaign rules, the fraud signals and the reading confidence, then the decision and the
reward — but looks for no duplicates, counts no earlier claims and writes nothing: sample
receipts show whether genuine purchases would pass the campaign as written.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel

from paperclerk.ingest.types import IngestedFile
from paperclerk.loyalty.campaign import Campaign
from paperclerk.loyalty.decide import Outcome, confidence_finding, decide, reasons, zero
from paperclerk.loyalty.findings import LoyaltyFinding
from paperclerk.loyalty.fraud import fraud_findings
from paperclerk.loyalty.rules import ClaimContext, campaign_rules, reward_for
from paperclerk.loyalty.tamper import confirmation_finding
from paperclerk.model import Document


class DryRunResult(BaseModel):
    """The decision a receipt would get, with its reward, reasons and findings."""

    filename: str | None
    outcome: Outcome
    reward: Decimal  # paid on approval only, as `service.decide_submission` pays it
    provisional_reward: Decimal | None  # what approving a claim not approved would pay
    currency: str | None
    reasons: list[str]
    findings: list[LoyaltyFinding]


def dry_run_decision(
    campaign: Campaign,
    doc: Document,
    data: bytes,
    ingested: IngestedFile,
    now: dt.datetime,
    *,
    filename: str | None = None,
) -> DryRunResult:
    """Decide one read receipt as a first claim of a new participant, storing nothing.

    `now` is the pretended submission time; "today" is its date where the campaign runs.
    """
    ctx = ClaimContext(today=campaign.local_date(now))
    rule_findings, spend = campaign_rules(doc, campaign, ctx)
    image = ingested.pages[0].image if ingested.pages else None
    findings = [
        *rule_findings,
        *(fraud := fraud_findings(doc, data, image, ctx.today)),
        confirmation_finding(fraud, campaign.confirm_total),
        confidence_finding(doc, campaign.auto_approve_confidence),
    ]
    outcome = decide(findings)
    earned = reward_for(campaign, spend)
    return DryRunResult(
        filename=filename,
        outcome=outcome,
        reward=earned if outcome == Outcome.APPROVED else zero(),
        provisional_reward=None if outcome == Outcome.APPROVED else earned,
        currency=campaign.currency,
        reasons=reasons(findings),
        findings=findings,
    )
