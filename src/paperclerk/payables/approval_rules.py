"""Which rule of a workspace's approval policy applies to an invoice, and why.

An invoice is described by what the rules look at (`InvoiceFacts`): its grand total
(`total`, else `amount_due`) and currency from the document's fields, the supplier it was
matched to (`payables.matching`) and the cost centres its lines are coded to
(`payables.coding_store.document_cost_centres`). The first rule whose conditions all hold
applies; the reason says which conditions made it apply, or why none did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from paperclerk.export.values import decimal, text
from paperclerk.model import Document
from paperclerk.payables.approval_policy import ApprovalPolicy, Condition, Rule
from paperclerk.payables.coding_store import document_cost_centres
from paperclerk.payables.matching import match_supplier

NO_RULE = "no_rule"
"""The reason code of an invoice no rule of the policy matched: approved without steps."""


@dataclass(frozen=True)
class InvoiceFacts:
    """What the approval rules look at for one invoice."""

    amount: Decimal | None
    currency: str | None
    supplier_id: str | None = None
    supplier_number: str | None = None
    supplier_name: str | None = None
    cost_centres: frozenset[str] = field(default_factory=frozenset)

    def as_json(self) -> dict[str, Any]:
        """Return the facts as JSON (stored with the request, shown by the API)."""
        return {
            "amount": format(self.amount, "f") if self.amount is not None else None,
            "currency": self.currency,
            "supplier_id": self.supplier_id,
            "supplier_number": self.supplier_number,
            "supplier_name": self.supplier_name,
            "cost_centres": sorted(self.cost_centres),
        }


@dataclass(frozen=True)
class RuleChoice:
    """The rule that applies (None: no rule matched) and the reason in plain words."""

    rule: Rule | None
    reason: str


def invoice_amount(doc: Document) -> Decimal | None:
    """Return the invoice's grand total: `total`, else `amount_due` (None when neither)."""
    total = decimal(doc, "total")
    return total if total is not None else decimal(doc, "amount_due")


def invoice_facts(
    session: Session, workspace_id: str, document_id: str, doc: Document
) -> InvoiceFacts:
    """Read what the rules look at for a stored invoice: amount, supplier, cost centres."""
    match = match_supplier(session, workspace_id, doc)
    currency = text(doc, "currency")
    return InvoiceFacts(
        amount=invoice_amount(doc),
        currency=currency.upper() if currency else None,
        supplier_id=match.supplier_id if match else None,
        supplier_number=match.supplier_number if match else None,
        supplier_name=match.name if match else text(doc, "vendor_name"),
        cost_centres=frozenset(document_cost_centres(session, workspace_id, document_id)),
    )


def mismatch(when: Condition, facts: InvoiceFacts) -> str | None:
    """Return why an invoice does not meet a rule's conditions, or None when it does.

    An amount condition never holds for an invoice without an amount, a supplier
    condition never for an invoice matched to no supplier, a cost centre condition
    never for an invoice with no coded line: a rule meant for some invoices must not
    catch the ones that cannot be told apart.
    """
    amount = facts.amount
    if when.min_amount is not None and (amount is None or amount < when.min_amount):
        return "no amount" if amount is None else f"the amount {amount} is below {when.min_amount}"
    if when.max_amount is not None and (amount is None or amount >= when.max_amount):
        return "no amount" if amount is None else f"{amount} is not below {when.max_amount}"
    if when.currency is not None and facts.currency != when.currency:
        return f"the currency {facts.currency or 'is unknown and'} is not {when.currency}"
    if when.supplier_ids is not None:
        known = {facts.supplier_id, facts.supplier_number} - {None}
        if not known & set(when.supplier_ids):
            return "the supplier is not one of the rule's"
    if when.cost_centres is not None and not facts.cost_centres & set(when.cost_centres):
        return "no line is coded to one of the rule's cost centres"
    return None


def _held(when: Condition) -> str:
    """Return the conditions a rule set, in words (for the reason it applied)."""
    parts = []
    if when.min_amount is not None:
        parts.append(f"amount ≥ {when.min_amount}")
    if when.max_amount is not None:
        parts.append(f"amount < {when.max_amount}")
    if when.currency is not None:
        parts.append(f"currency {when.currency}")
    if when.supplier_ids is not None:
        parts.append("supplier listed")
    if when.cost_centres is not None:
        parts.append("cost centre listed")
    return ", ".join(parts) or "no conditions"


def choose_rule(policy: ApprovalPolicy, facts: InvoiceFacts) -> RuleChoice:
    """Return the first rule whose conditions hold for the invoice, with the reason.

    No matching rule gives `RuleChoice(None, …)` whose reason starts with `no_rule`:
    the invoice is approved without steps.
    """
    skipped = []
    for rule in policy.rules:
        why_not = mismatch(rule.when, facts)
        if why_not is None:
            return RuleChoice(rule, f"rule {rule.name!r} applies ({_held(rule.when)})")
        skipped.append(f"{rule.name}: {why_not}")
    detail = "; ".join(skipped[:5]) or "the policy has no rules"
    return RuleChoice(None, f"{NO_RULE}: no rule matched ({detail})"[:1000])
