"""Generic consistency rules for receipts and invoices: sums, dates and required fields."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from paperclerk.model import DocType, Document, Finding, Severity

Rule = Callable[[Document], list[Finding]]
TOLERANCE = Decimal("0.05")
REQUIRED = {
    DocType.RECEIPT: ["merchant_name", "transaction_date", "total"],
    DocType.INVOICE: ["vendor_name", "invoice_number", "invoice_date", "total"],
}


def _dec(doc: Document, name: str) -> Decimal | None:
    value = doc.value(name)
    return value if isinstance(value, Decimal) else None


def required_fields(doc: Document) -> list[Finding]:
    """Flag required fields of the document type that were not found."""
    missing = [n for n in REQUIRED.get(doc.doc_type, []) if doc.fields.get(n) is None]
    if not missing:
        return []
    return [
        Finding(
            id="required-fields",
            rule_id="fields.required",
            severity=Severity.ERROR,
            passed=False,
            message="Required fields not found: " + ", ".join(missing),
            fields=missing,
        )
    ]


def subtotal_plus_tax(doc: Document) -> list[Finding]:
    """Check that subtotal + tax = total when all three were read."""
    sub, tax, total = _dec(doc, "subtotal"), _dec(doc, "total_tax"), _dec(doc, "total")
    if sub is None or tax is None or total is None:
        return []
    ok = abs(sub + tax - total) <= TOLERANCE
    return [
        Finding(
            id="totals-sum",
            rule_id="totals.subtotal_plus_tax",
            severity=Severity.INFO if ok else Severity.WARNING,
            passed=ok,
            message=f"subtotal {sub} + tax {tax} = {sub + tax}, total is {total}",
            fields=["subtotal", "total_tax", "total"],
        )
    ]


def line_items_sum(doc: Document) -> list[Finding]:
    """Check that line-item totals add up to the subtotal or total."""
    key = "total_price" if doc.doc_type == DocType.RECEIPT else "amount"
    values = [item.value(key) for item in doc.line_items]
    amounts = [v for v in values if isinstance(v, Decimal)]
    target = _dec(doc, "subtotal") or _dec(doc, "total")
    if not amounts or target is None:
        return []
    total = sum(amounts, Decimal(0))
    ok = abs(total - target) <= TOLERANCE
    return [
        Finding(
            id="line-items-sum",
            rule_id="totals.line_items_sum",
            severity=Severity.INFO if ok else Severity.WARNING,
            passed=ok,
            message=f"line items add up to {total}; the document says {target}",
            fields=["line_items", "total"],
        )
    ]


def date_not_in_future(doc: Document) -> list[Finding]:
    """Flag a document date later than today (misread or fraud)."""
    out: list[Finding] = []
    today = dt.date.today()
    for name in ("transaction_date", "invoice_date"):
        value = doc.value(name)
        if isinstance(value, dt.date) and value > today:
            out.append(
                Finding(
                    id=f"future-{name}",
                    rule_id="dates.not_in_future",
                    severity=Severity.ERROR,
                    passed=False,
                    message=f"{name} {value.isoformat()} is in the future",
                    fields=[name],
                )
            )
    return out


RULES: list[Rule] = [required_fields, subtotal_plus_tax, line_items_sum, date_not_in_future]


def run_rules(doc: Document, rules: list[Rule] | None = None) -> list[Finding]:
    """Run every rule on the document and return all findings."""
    return [f for rule in (rules if rules is not None else RULES) for f in rule(doc)]
