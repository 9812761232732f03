"""Campaign rules: one function per rule, each giving one finding with its evidence.

Rules are pure: they read the document, the campaign and a `ClaimContext` (what the
database knows: earlier claims, today's date) and never touch storage themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from paperclerk.loyalty.campaign import Campaign, ClaimLimit, SpendBasis
from paperclerk.loyalty.findings import Effect, LoyaltyFinding, finding
from paperclerk.loyalty.products import ProductMatch, match_items, readable_items
from paperclerk.loyalty.retailers import Identifier, match_retailer
from paperclerk.model import Document, LineItem


@dataclass
class ClaimContext:
    """What a rule may know beyond the receipt: today, earlier approved claims, learnt aliases."""

    today: dt.date
    approved_purchase_dates: list[dt.date] = field(default_factory=list)
    learnt_aliases: Mapping[str, str] = field(default_factory=dict)


def retailer_rule(doc: Document, campaign: Campaign) -> LoyaltyFinding:
    """Check that the receipt comes from a participating shop (see `loyalty.retailers`).

    A match passes; a borderline name, or an address without a name, asks a person; an
    unreadable name asks a person too; a clearly other shop is rejected.
    """
    if not campaign.retailers:
        return finding("campaign.retailer", True, "the campaign accepts every shop")
    m = match_retailer(doc, campaign.retailers)
    evidence: dict[str, object] = {
        "read": m.read_name,
        "read_normalised": m.read_normalised,
        "retailer": m.retailer,
        "matched_name": m.matched_name,
        "matched_normalised": m.matched_normalised,
        "score": round(m.score, 1),
        "identifier": _identifier_evidence(m.identifier),
    }
    shop = f"shop '{m.read_name}'" if m.read_name else "the shop name could not be read"
    named = f"'{m.matched_name}' ({m.score:.0f}/100)"
    found_by = (
        f"; its {m.identifier.kind.replace('_', ' ')} {m.identifier.value!r} is on the receipt"
        if m.identifier
        else ""
    )
    if m.verdict == "match":
        message = (
            f"{shop} matches {named}{found_by}" if m.read_name else f"{shop}, but{found_by[1:]}"
        )
        return finding(
            "campaign.retailer", True, message, fields=["merchant_name"], evidence=evidence
        )
    if m.verdict == "borderline":
        message = (
            f"{shop} is close to {named} but not close enough{found_by}; a person checks the shop"
        )
        effect = Effect.REVIEW
    elif m.verdict == "unread":
        message, effect = shop, Effect.REVIEW
    else:
        message = f"{shop} matches no participating shop; closest {named}"
        effect = Effect.REJECT
    return finding(
        "campaign.retailer",
        False,
        message,
        effect=effect,
        fields=["merchant_name"],
        evidence=evidence,
    )


def _identifier_evidence(identifier: Identifier | None) -> dict[str, object] | None:
    if identifier is None:
        return None
    out: dict[str, object] = {"kind": identifier.kind, "value": identifier.value}
    if identifier.kind == "address":
        out["score"] = round(identifier.score, 1)
    return out


def currency_rule(doc: Document, campaign: Campaign) -> LoyaltyFinding:
    """Check that the receipt is in the campaign's currency, when both say one.

    Most receipts print no currency; an unread one passes, and the message says so.
    """
    if not campaign.currency:
        return finding("campaign.currency", True, "the campaign sets no currency")
    read = doc.value("currency")
    evidence = {"campaign": campaign.currency, "read": str(read) if read else None}
    if not read:
        return finding(
            "campaign.currency",
            True,
            f"the receipt's currency is not printed; taken to be {campaign.currency}",
            evidence=evidence,
        )
    ok = str(read).upper() == campaign.currency
    verb = "is" if ok else "is not"
    return finding(
        "campaign.currency",
        ok,
        f"the receipt is in {read}, which {verb} the campaign's currency {campaign.currency}",
        fields=["currency"],
        evidence=evidence,
    )


def date_window_rule(doc: Document, campaign: Campaign) -> LoyaltyFinding:
    """Check that the purchase date lies inside the campaign window (both ends inclusive)."""
    day = doc.value("transaction_date")
    if not isinstance(day, dt.date):
        return finding(
            "campaign.date_window",
            False,
            "the purchase date could not be read",
            effect=Effect.REVIEW,
            fields=["transaction_date"],
        )
    ok = campaign.starts <= day <= campaign.ends
    where = "inside" if ok else "outside"
    return finding(
        "campaign.date_window",
        ok,
        f"purchase date {day.isoformat()} is {where} {campaign.starts}..{campaign.ends}",
        fields=["transaction_date"],
        evidence={
            "date_read": day.isoformat(),
            "raw_text": doc.fields["transaction_date"].raw_text,
            "starts": campaign.starts.isoformat(),
            "ends": campaign.ends.isoformat(),
        },
    )


def submission_deadline_rule(campaign: Campaign, ctx: ClaimContext) -> LoyaltyFinding:
    """Check that the claim is submitted no later than the campaign's last submission day."""
    ok = ctx.today <= campaign.last_submission_day
    return finding(
        "campaign.submission_deadline",
        ok,
        f"submitted {ctx.today.isoformat()}; claims close {campaign.last_submission_day}",
        evidence={
            "submitted": ctx.today.isoformat(),
            "deadline": campaign.last_submission_day.isoformat(),
        },
    )


def products_rule(
    campaign: Campaign, matches: list[ProductMatch], items: Sequence[LineItem]
) -> LoyaltyFinding:
    """Check that the required products were bought in the required quantities.

    When no line item could be read (none, or none with a description or a code) nothing
    says the products are missing: a person checks them instead of the claim being rejected.
    """
    if not campaign.products:
        return finding("campaign.products", True, "the campaign requires no product")
    if not matches and not readable_items(items):
        return finding(
            "campaign.products",
            False,
            "no line items could be read; a person checks the products",
            effect=Effect.REVIEW,
            fields=["line_items"],
            evidence={"line_items": len(items), "readable": 0},
        )
    bought: dict[str, Decimal] = {}
    for m in matches:
        bought[m.product_id] = bought.get(m.product_id, Decimal(0)) + m.quantity
    met = [p.id for p in campaign.products if bought.get(p.id, Decimal(0)) >= p.min_quantity]
    ok = len(met) == len(campaign.products) if campaign.require_all_products else bool(met)
    short = [
        f"{p.id} ({bought.get(p.id, Decimal(0))} of {p.min_quantity})"
        for p in campaign.products
        if p.id not in met
    ]
    message = (
        f"qualifying products bought: {', '.join(met)}"
        if ok
        else "required products missing: " + ", ".join(short)
    )
    return finding(
        "campaign.products",
        ok,
        message,
        fields=["line_items"],
        evidence={
            "matches": [
                {
                    "line": m.line_index,
                    "description": m.description,
                    "product": m.product_id,
                    "method": m.method,
                    "matched_name": m.matched_name,
                    "score": round(m.score, 1),
                    "quantity": str(m.quantity),
                }
                for m in matches
            ],
            "met": met,
        },
    )


def qualifying_spend(
    doc: Document, campaign: Campaign, matches: list[ProductMatch]
) -> Decimal | None:
    """Return the spend the campaign counts: the receipt total, or the matched items' amounts."""
    if campaign.spend_basis == SpendBasis.TOTAL or not campaign.products:
        total = doc.value("total")
        return total if isinstance(total, Decimal) else None
    amounts = [m.amount for m in matches if m.amount is not None]
    return sum(amounts, Decimal(0)) if amounts else None


def min_spend_rule(campaign: Campaign, spend: Decimal | None) -> LoyaltyFinding:
    """Check that the qualifying spend reaches the minimum (exactly the minimum qualifies)."""
    basis = campaign.spend_basis.value
    if spend is None:
        return finding(
            "campaign.min_spend",
            False,
            f"the {basis} spend could not be read",
            effect=Effect.REVIEW,
            fields=["total"],
        )
    ok = spend >= campaign.min_spend
    cmp = ">=" if ok else "<"
    return finding(
        "campaign.min_spend",
        ok,
        f"{basis} spend {spend} {cmp} minimum {campaign.min_spend}",
        fields=["total"],
        evidence={"spend": str(spend), "minimum": str(campaign.min_spend), "basis": basis},
    )


def _period_start(limit: ClaimLimit, campaign: Campaign, day: dt.date) -> dt.date:
    if limit.period == "day":
        return day
    if limit.period == "week":
        return day - dt.timedelta(days=day.weekday())
    if limit.period == "month":
        return day.replace(day=1)
    return campaign.starts


def _period_end(limit: ClaimLimit, campaign: Campaign, day: dt.date) -> dt.date:
    if limit.period == "day":
        return day
    if limit.period == "week":
        return _period_start(limit, campaign, day) + dt.timedelta(days=6)
    if limit.period == "month":
        nxt = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return nxt - dt.timedelta(days=1)
    return campaign.ends


def claim_limit_rule(doc: Document, campaign: Campaign, ctx: ClaimContext) -> LoyaltyFinding:
    """Check that the participant has claims left in the period of the purchase."""
    day = doc.value("transaction_date")
    if not campaign.claim_limits:
        return finding("campaign.claim_limit", True, "the campaign sets no claim limit")
    if not isinstance(day, dt.date):
        day = ctx.today
    for limit in campaign.claim_limits:
        start, end = _period_start(limit, campaign, day), _period_end(limit, campaign, day)
        used = sum(1 for d in ctx.approved_purchase_dates if start <= d <= end)
        if used >= limit.max_claims:
            return finding(
                "campaign.claim_limit",
                False,
                f"participant already has {used} claim(s) approved or in review for {start}..{end}"
                f" (limit {limit.max_claims} per {limit.period})",
                evidence={"used": used, "limit": limit.max_claims, "period": limit.period},
            )
    return finding(
        "campaign.claim_limit",
        True,
        "the participant has claims left",
        evidence={"approved_before": len(ctx.approved_purchase_dates)},
    )


def reward_for(campaign: Campaign, spend: Decimal | None) -> Decimal:
    """Return the reward of an approved claim: fixed, or a percentage of the spend, capped."""
    reward = campaign.reward
    if reward.kind == "fixed":
        value = reward.amount or Decimal(0)
    else:
        value = (spend or Decimal(0)) * (reward.percent or Decimal(0)) / 100
    if reward.cap is not None:
        value = min(value, reward.cap)
    return value.quantize(Decimal("0.01"))


def campaign_rules(
    doc: Document, campaign: Campaign, ctx: ClaimContext
) -> tuple[list[LoyaltyFinding], Decimal | None]:
    """Run every campaign rule; return the findings and the qualifying spend."""
    matches = match_items(doc.line_items, campaign.products, ctx.learnt_aliases)
    spend = qualifying_spend(doc, campaign, matches)
    findings = [
        retailer_rule(doc, campaign),
        currency_rule(doc, campaign),
        date_window_rule(doc, campaign),
        submission_deadline_rule(campaign, ctx),
        products_rule(campaign, matches, doc.line_items),
        min_spend_rule(campaign, spend),
        claim_limit_rule(doc, campaign, ctx),
    ]
    return findings, spend
