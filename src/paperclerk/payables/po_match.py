"""Matching an invoice to the purchase order it names: 2-way and 3-way match, per line.

When the invoice's `purchase_order` (BT-13) names an order of the workspace, each invoice
line is matched to an order line: by product code first, else by description (rapidfuzz
`token_sort_ratio` of at least `DESCRIPTION_MIN_SCORE`), else by position. Then, per line:

- `payables.po_price_mismatch` (error): the unit price differs from the order's by more
  than the workspace's price tolerance (`payables.tolerances`: 2 % of the ordered price
  or 0.01, whichever is larger, by default);
- `payables.po_quantity_exceeds_order` (error): more invoiced than ordered (2-way),
  beyond the quantity tolerance (none by default);
- `payables.po_quantity_exceeds_receipt` (error): more invoiced than received (3-way),
  only once goods receipts were imported for the order (a line received > 0);
- `payables.po_line_unmatched` (warning): an invoice line no order line matches.

`payables.po_unknown` (warning) when the named order does not exist. An invoice naming no
order gets no PO finding. Quantities count what earlier invoices of the workspace (created
before this one, not rejected) already invoiced on the same order line: a second invoice
for goods the first one billed exceeds the order. The tolerances are module constants for
every workspace; a per-workspace setting is out of scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError
from rapidfuzz import fuzz, utils
from sqlalchemy.orm import Session

from paperclerk.model import Document, Finding, LineItem, Severity
from paperclerk.payables.orders import find_purchase_order, order_lines
from paperclerk.payables.tolerances import DEFAULT, Tolerances, workspace_tolerances
from paperclerk.storage.invoice_keys import naming_order
from paperclerk.storage.tables import PurchaseOrderLineRow

DESCRIPTION_MIN_SCORE = 85.0
"""Least rapidfuzz `token_sort_ratio` for matching a line by its description."""

PO_UNKNOWN = "payables.po_unknown"
PO_PRICE_MISMATCH = "payables.po_price_mismatch"
PO_QUANTITY_EXCEEDS_ORDER = "payables.po_quantity_exceeds_order"
PO_QUANTITY_EXCEEDS_RECEIPT = "payables.po_quantity_exceeds_receipt"
PO_LINE_UNMATCHED = "payables.po_line_unmatched"


@dataclass(frozen=True)
class LineMatch:
    """An invoice line and the order line it matched (None when none did), and how."""

    item: LineItem
    po_line: PurchaseOrderLineRow | None
    method: str | None


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def _code(value: Any) -> str | None:
    text = _text(value)
    return "".join(text.split()).upper() if text else None


def _fmt(number: Decimal) -> str:
    """Return a number for a message without trailing zeros (`3.0000` -> `3`)."""
    return f"{number.normalize():f}"


def invoice_quantity(item: LineItem) -> Decimal | None:
    """Return an invoice line's quantity, or None when it has none."""
    return _decimal(item.value("quantity"))


def invoice_unit_price(item: LineItem) -> Decimal | None:
    """Return an invoice line's unit price; from amount / quantity when it has none."""
    price = _decimal(item.value("unit_price"))
    if price is not None:
        return price
    amount, quantity = _decimal(item.value("amount")), invoice_quantity(item)
    if amount is None or not quantity:
        return None
    return amount / quantity


def match_lines(items: list[LineItem], po_lines: list[PurchaseOrderLineRow]) -> list[LineMatch]:
    """Match invoice lines to order lines, each order line at most once.

    Product code first (for every line), then description (rapidfuzz score at least
    `DESCRIPTION_MIN_SCORE`, best first), then position (the n-th invoice line to the n-th
    order line, unless both have product codes that differ).
    """
    free = list(po_lines)
    found: dict[int, tuple[PurchaseOrderLineRow, str]] = {}
    for i, item in enumerate(items):
        code = _code(item.value("product_code"))
        hit = next((p for p in free if code and _code(p.product_code) == code), None)
        if hit is not None:
            found[i] = (hit, "product_code")
            free.remove(hit)
    for i, item in enumerate(items):
        description = _text(item.value("description"))
        if i in found or description is None:
            continue
        scored = [
            (fuzz.token_sort_ratio(description, p.description, processor=utils.default_process), p)
            for p in free
        ]
        best = max(scored, key=lambda s: s[0], default=None)
        if best is not None and best[0] >= DESCRIPTION_MIN_SCORE:
            found[i] = (best[1], "description")
            free.remove(best[1])
    for i, item in enumerate(items):
        if i in found or i >= len(po_lines) or po_lines[i] not in free:
            continue
        candidate = po_lines[i]
        code = _code(item.value("product_code"))
        if code and candidate.product_code and _code(candidate.product_code) != code:
            continue
        found[i] = (candidate, "position")
        free.remove(candidate)
    return [
        LineMatch(item, *found[i]) if i in found else LineMatch(item, None, None)
        for i, item in enumerate(items)
    ]


def price_within_tolerance(
    invoiced: Decimal, ordered: Decimal, tolerances: Tolerances = DEFAULT
) -> bool:
    """Whether an invoiced unit price is within the tolerance of the ordered one."""
    return tolerances.price_ok(invoiced, ordered)


def _finding(
    n: int, rule: str, severity: Severity, passed: bool, message: str, fields: list[str]
) -> Finding:
    return Finding(
        id=f"payables-po-{n}",
        rule_id=rule,
        severity=severity,
        passed=passed,
        message=message,
        fields=fields,
    )


def line_findings(
    po_number: str,
    matches: list[LineMatch],
    *,
    three_way: bool,
    invoiced_before: dict[str, Decimal] | None = None,
    tolerances: Tolerances = DEFAULT,
) -> list[Finding]:
    """Return the price and quantity findings of matched lines, and unmatched lines.

    `invoiced_before` maps an order line's id to the quantity earlier invoices already
    billed on it; the quantity checks compare this invoice's quantity plus that.
    """
    before = invoiced_before or {}
    out: list[Finding] = []
    for m in matches:
        where = f"invoice line {m.item.index + 1}"
        prefix = f"line_items.{m.item.index}"
        po = m.po_line
        if po is None:
            desc = _text(m.item.value("description")) or "no description"
            out.append(
                _finding(
                    len(out) + 1,
                    PO_LINE_UNMATCHED,
                    Severity.WARNING,
                    False,
                    f"{where} ({desc}) matches no line of purchase order {po_number}",
                    [prefix],
                )
            )
            continue
        of = f"{where} / PO {po_number} line {po.line_number} ({po.description})"
        ordered_price = Decimal(po.unit_price)
        price = invoice_unit_price(m.item)
        if price is not None:
            ok = tolerances.price_ok(price, ordered_price)
            out.append(
                _finding(
                    len(out) + 1,
                    PO_PRICE_MISMATCH,
                    Severity.ERROR,
                    ok,
                    f"{of}: unit price {_fmt(price)} invoiced, {_fmt(ordered_price)} ordered"
                    + ("" if ok else f" (beyond the tolerance: {tolerances.describe_price()})"),
                    [f"{prefix}.unit_price"],
                )
            )
        quantity = invoice_quantity(m.item)
        if quantity is None:
            continue
        ordered = Decimal(po.quantity)
        earlier = before.get(po.id, Decimal(0))
        billed = quantity + earlier
        also = f" (+ {_fmt(earlier)} on earlier invoices)" if earlier else ""
        out.append(
            _finding(
                len(out) + 1,
                PO_QUANTITY_EXCEEDS_ORDER,
                Severity.ERROR,
                tolerances.quantity_ok(billed, ordered),
                f"{of}: quantity {_fmt(quantity)} invoiced{also}, {_fmt(ordered)} ordered"
                + tolerances.describe_quantity(),
                [f"{prefix}.quantity"],
            )
        )
        if three_way:
            received = Decimal(po.received_quantity)
            out.append(
                _finding(
                    len(out) + 1,
                    PO_QUANTITY_EXCEEDS_RECEIPT,
                    Severity.ERROR,
                    tolerances.quantity_ok(billed, received),
                    f"{of}: quantity {_fmt(quantity)} invoiced{also}, {_fmt(received)} received"
                    + tolerances.describe_quantity(),
                    [f"{prefix}.quantity"],
                )
            )
    return out


def match_invoice_to_po(
    session: Session, workspace: str, doc: Document, document_id: str | None = None
) -> list[Finding]:
    """Return the purchase order findings of an invoice (none when it names no order).

    `document_id` is the invoice's stored document (defaults to `doc.id`): quantities
    earlier documents invoiced on the same order count against this one.
    `payables.po_unknown` when the order is not one of the workspace's; otherwise a
    finding per line and check (see the module's docstring), passed or not.
    """
    field = doc.fields.get("purchase_order")
    po_number = _text(field.value) if field is not None else None
    if po_number is None:
        return []
    order = find_purchase_order(session, workspace, po_number)
    if order is None:
        return [
            _finding(
                1,
                PO_UNKNOWN,
                Severity.WARNING,
                False,
                f"the invoice names purchase order {po_number}, which is not in the ERP data",
                ["purchase_order"],
            )
        ]
    lines = order_lines(session, order.id)
    three_way = any(Decimal(line.received_quantity) > 0 for line in lines)
    before = invoiced_before(session, workspace, document_id or doc.id, po_number, lines)
    return line_findings(
        po_number,
        match_lines(doc.line_items, lines),
        three_way=three_way,
        invoiced_before=before,
        tolerances=workspace_tolerances(session, workspace),
    )


def invoiced_before(
    session: Session,
    workspace: str,
    document_id: str,
    po_number: str,
    lines: list[PurchaseOrderLineRow],
) -> dict[str, Decimal]:
    """Return order line id → quantity billed by the workspace's earlier invoices on the order.

    Earlier = created before `document_id` (all others when it is not stored yet); a
    rejected invoice bills nothing. Each earlier invoice is matched to the order's lines
    the same way as this one.
    """
    billed: dict[str, Decimal] = {}
    for _, result in naming_order(session, workspace, document_id, po_number):
        try:
            other = Document.model_validate(result)
        except ValidationError:
            continue
        for m in match_lines(other.line_items, lines):
            quantity = invoice_quantity(m.item)
            if m.po_line is not None and quantity is not None:
                billed[m.po_line.id] = billed.get(m.po_line.id, Decimal(0)) + quantity
    return billed
