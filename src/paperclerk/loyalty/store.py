"""Campaigns, learnt product aliases and submissions in the app database (per workspace)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from paperclerk.errors import PaperclerkError
from paperclerk.loyalty.campaign import Campaign
from paperclerk.loyalty.products import normalise
from paperclerk.storage.columns import utcnow
from paperclerk.storage.tables import LoyaltyCampaign, LoyaltyProductAlias, LoyaltySubmission


class CampaignNotFoundError(PaperclerkError):
    """No campaign with this id in the workspace."""

    code = "campaign_not_found"
    exit_code = 2
    http_status = 404


class CampaignExistsError(PaperclerkError):
    """A campaign with this id already exists in the workspace."""

    code = "campaign_exists"
    exit_code = 2
    http_status = 409


class UnknownProductError(PaperclerkError):
    """An alias names a product the campaign does not have."""

    code = "unknown_product"
    exit_code = 2
    http_status = 422


def save_campaign(
    session: Session, workspace_id: str, campaign: Campaign, *, replace: bool = False
) -> None:
    """Store a campaign; raise CampaignExistsError unless `replace` allows overwriting it."""
    row = session.get(LoyaltyCampaign, (workspace_id, campaign.id))
    body = campaign.model_dump(mode="json")
    if row is None:
        session.add(LoyaltyCampaign(workspace_id=workspace_id, id=campaign.id, definition=body))
    elif replace:
        row.definition, row.updated_at = body, utcnow()
    else:
        raise CampaignExistsError(f"campaign {campaign.id!r} already exists; PUT replaces it")
    session.flush()


def get_campaign(session: Session, workspace_id: str, campaign_id: str) -> Campaign:
    """Return a stored campaign or raise CampaignNotFoundError."""
    row = session.get(LoyaltyCampaign, (workspace_id, campaign_id))
    if row is None:
        raise CampaignNotFoundError(f"no campaign {campaign_id!r}")
    return Campaign.model_validate(row.definition)


def list_campaigns(session: Session, workspace_id: str) -> list[Campaign]:
    """Return the workspace's campaigns, by id."""
    rows = session.scalars(
        select(LoyaltyCampaign)
        .where(LoyaltyCampaign.workspace_id == workspace_id)
        .order_by(LoyaltyCampaign.id)
    )
    return [Campaign.model_validate(r.definition) for r in rows]


def learnt_aliases(session: Session, workspace_id: str, campaign_id: str) -> dict[str, str]:
    """Return the reviewer-taught till texts of a campaign: normalised text → product id."""
    rows = session.scalars(
        select(LoyaltyProductAlias).where(
            LoyaltyProductAlias.workspace_id == workspace_id,
            LoyaltyProductAlias.campaign_id == campaign_id,
        )
    )
    return {r.text: r.product_id for r in rows}


def learn_alias(
    session: Session, workspace_id: str, campaign: Campaign, text: str, product_id: str
) -> str:
    """Record a reviewer's correction: this till text is that product. Return the stored key."""
    if product_id not in {p.id for p in campaign.products}:
        raise UnknownProductError(f"campaign {campaign.id!r} has no product {product_id!r}")
    key = normalise(text)
    if not key:
        raise UnknownProductError("the till text is empty after normalisation")
    row = session.get(LoyaltyProductAlias, (workspace_id, campaign.id, key))
    if row is None:
        session.add(
            LoyaltyProductAlias(
                workspace_id=workspace_id, campaign_id=campaign.id, text=key, product_id=product_id
            )
        )
    else:
        row.product_id = product_id
    session.flush()
    return key


HELD_OUTCOMES = ("approved", "needs_review")  # claims that take a claim-limit slot


def held_purchase_dates(
    session: Session, workspace_id: str, campaign_id: str, participant_id: str
) -> list[dt.date]:
    """Return the purchase dates of the participant's claims that hold a claim-limit slot.

    Claims waiting for review count as well as approved ones: otherwise a participant
    could send many receipts while the first waits, each passing the limit, and the desk
    would have to reject the surplus by hand. A rejected claim frees its slot.
    """
    rows = session.scalars(
        select(LoyaltySubmission.purchase_date).where(
            LoyaltySubmission.workspace_id == workspace_id,
            LoyaltySubmission.campaign_id == campaign_id,
            LoyaltySubmission.participant_id == participant_id,
            LoyaltySubmission.outcome.in_(HELD_OUTCOMES),
        )
    )
    return [d for d in rows if d is not None]


def get_submission(
    session: Session, workspace_id: str, campaign_id: str, submission_id: int
) -> LoyaltySubmission | None:
    """Return one stored submission of a campaign, or None."""
    row = session.get(LoyaltySubmission, submission_id)
    if row is None or row.workspace_id != workspace_id or row.campaign_id != campaign_id:
        return None
    return row
