"""Generic consistency rules for receipts and invoices: sums and dates.

Which fields a type requires is the decision policy's business (`pipeline/policy.yaml`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal

from paperclerk.extract.layout import rows_of
from paperclerk.extract.receipt_amounts import tendered_total
from paperclerk.model import DocType, Document, Finding, Severity
from paperclerk.rules.invoice import INVOICE_RULES

Rule = Callable[[Document], list[Finding]]
TOLERANCE = Decimal("0.05")


def _dec(doc: Document, name: str) -> Decimal | None:
    value = doc.value(name)
    return value if isinstance(value, Decimal) else None


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
    """Check that line-item totals add up to the lines' stated sum, subtotal or total.

    An e-invoice states the sum of its lines (BT-106, `extra.line_total`), which differs
    from its subtotal by document-level allowances and charges; the lines are checked
    against that.
    """
    key = "total_price" if doc.doc_type == DocType.RECEIPT else "amount"
    values = [item.value(key) for item in doc.line_items]
    amounts = [v for v in values if isinstance(v, Decimal)]
    stated = doc.extra.get("line_total")
    lines_sum = stated.value if stated is not None and isinstance(stated.value, Decimal) else None
    target = lines_sum or _dec(doc, "subtotal") or _dec(doc, "total")
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


def paid_minus_change(doc: Document) -> list[Finding]:
    """Check a receipt's total against the cash handed over less the change given back.

    Where a receipt prints both, they agree with the confirmed total on 188 of the 189
    shared SROIE receipts (read from their transcriptions), so a total that differs by more
    than cash rounding was most likely read from the wrong row (a tax or net amount).
    """
    total = _dec(doc, "total")
    if doc.doc_type != DocType.RECEIPT or total is None or not doc.pages:
        return []
    paid = tendered_total([row for page in doc.pages for row in rows_of(page)])
    if paid is None:
        return []
    ok = abs(paid - total) <= TOLERANCE
    return [
        Finding(
            id="paid-minus-change",
            rule_id="totals.paid_minus_change",
            severity=Severity.INFO if ok else Severity.WARNING,
            passed=ok,
            message=f"cash paid less change is {paid}, total is {total}",
            fields=["total"],
        )
    ]


LOOK_ALIKE_IN_WORD = re.compile(r"[A-Z][01258]|[01258][A-Z]", re.IGNORECASE)
NAME_FIELDS = ("merchant_name", "vendor_name")


def name_look_alikes(doc: Document) -> list[Finding]:
    """Flag a counterparty name with a digit inside a word where a letter looks the same.

    `URBAN 1DEA`, `B0X`: none of the 326 confirmed SROIE merchant names has a word that
    mixes letters with 0, 1, 2, 5 or 8, while OCR reads I, O, Z, S and B as those digits.
    """
    out: list[Finding] = []
    for name in NAME_FIELDS:
        value = doc.value(name)
        if not isinstance(value, str):
            continue
        odd = [w for w in value.split() if w.isalnum() and LOOK_ALIKE_IN_WORD.search(w)]
        if odd:
            out.append(
                Finding(
                    id=f"look-alikes-{name}",
                    rule_id="names.look_alike_digits",
                    severity=Severity.WARNING,
                    passed=False,
                    message=f"{name.replace('_', ' ')} has a digit inside a word "
                    f"({', '.join(odd)}): a misread letter?",
                    fields=[name],
                )
            )
    return out


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


RULES: list[Rule] = [
    subtotal_plus_tax,
    line_items_sum,
    paid_minus_change,
    name_look_alikes,
    date_not_in_future,
    *INVOICE_RULES,
]


def run_rules(doc: Document, rules: list[Rule] | None = None) -> list[Finding]:
    """Run every rule on the document and return all findings."""
    return [f for rule in (rules if rules is not None else RULES) for f in rule(doc)]
