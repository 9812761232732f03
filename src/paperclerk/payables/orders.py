"""Purchase orders and goods receipts from the ERP: CSV imports, per workspace.

A purchase order CSV has one row per PO line,
`po_number,supplier_number,currency,line_number,product_code,description,quantity,unit_price`;
the orders are upserted by `po_number` and an imported order's lines replace the stored
ones. A goods receipt CSV, `po_number,line_number,received_quantity`, adds the received
quantities to the order lines (the 3-way match compares invoices against them). Bad rows
are reported with their line number (header = 1) and reasons, never dropped silently; an
order with a bad row is not imported at all (a partial order would make the invoice match
report lines as unmatched). None of these functions commits.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from paperclerk.errors import PaperclerkError
from paperclerk.payables.supplier import CsvFormatError, csv_reader
from paperclerk.storage.columns import utcnow
from paperclerk.storage.tables import PurchaseOrderLineRow, PurchaseOrderRow

PO_COLUMNS = (
    "po_number",
    "supplier_number",
    "currency",
    "line_number",
    "product_code",
    "description",
    "quantity",
    "unit_price",
)
"""The header of a purchase order CSV (one row per order line)."""
PO_REQUIRED = ("po_number", "line_number", "description", "quantity", "unit_price")
RECEIPT_COLUMNS = ("po_number", "line_number", "received_quantity")
"""The header of a goods receipt CSV (one row per received order line)."""
MAX_ROWS = 100_000
"""Rows one import may hold."""
_MAX_NUMBER = Decimal("1e14")

Row = dict[str | None, str | list[str] | None]


class PurchaseOrderNotFoundError(PaperclerkError):
    """No purchase order with this number in the workspace."""

    code = "not_found"
    exit_code = 2
    http_status = 404


@dataclass(frozen=True)
class RejectedRow:
    """A CSV row that was not imported: its line (header = 1), order number and why."""

    line: int
    po_number: str | None
    reasons: list[str]


@dataclass
class OrderImportReport:
    """What a purchase order import did: orders created and updated, lines, rejections."""

    created: int = 0
    updated: int = 0
    lines: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)


@dataclass
class ReceiptImportReport:
    """What a goods receipt import did: receipt rows applied, and rows rejected."""

    applied: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)


@dataclass
class _Line:
    line_number: int
    product_code: str | None
    description: str
    quantity: Decimal
    unit_price: Decimal


@dataclass
class _Order:
    supplier_number: str | None
    currency: str | None
    lines: dict[int, _Line] = field(default_factory=dict)


def _cell(row: Row, name: str) -> str | None:
    value = row.get(name)
    return value.strip() or None if isinstance(value, str) else None


def parse_decimal(text: str | None, name: str, reasons: list[str], *, positive: bool) -> Decimal:
    """Return a CSV number (`.` as decimal separator); add a reason when it is not valid."""
    try:
        value = Decimal(text) if text is not None else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or abs(value) >= _MAX_NUMBER:
        reasons.append(f"{name} {text!r} is not a number" if text else f"{name} is missing")
        return Decimal(0)
    if value < 0 or (positive and value == 0):
        reasons.append(f"{name} {text!r} must be {'more than' if positive else 'at least'} 0")
    return value


def _line_number(text: str | None, reasons: list[str]) -> int:
    if text is None or not text.isdigit() or not 0 < int(text) < 1_000_000:
        reasons.append(f"line_number {text!r} is not a positive whole number")
        return 0
    return int(text)


def _rows(reader: csv.DictReader[str]) -> list[tuple[int, Row]]:
    rows: list[tuple[int, Row]] = []
    try:
        for row in reader:
            if len(rows) >= MAX_ROWS:
                raise CsvFormatError(f"a CSV import holds at most {MAX_ROWS} rows")
            cells: Row = dict(row)  # type: ignore[arg-type]
            if any(_cell(cells, c) for c in reader.fieldnames or []):
                rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise CsvFormatError(f"line {reader.line_num}: {exc}") from None
    return rows


def parse_order_csv(text: str) -> tuple[dict[str, _Order], list[RejectedRow]]:
    """Read a purchase order CSV; return the valid orders by number and the rejected rows.

    Raise `CsvFormatError` without a usable header. An order with a rejected row is left
    out entirely (its other rows are rejected too, saying why).
    """
    orders: dict[str, _Order] = {}
    rows_of: dict[str, list[int]] = {}
    rejected: list[RejectedRow] = []
    bad: set[str] = set()
    for line, row in _rows(csv_reader(text, PO_REQUIRED, PO_COLUMNS)):
        reasons: list[str] = []
        if None in row:
            reasons.append("the row has more cells than the header")
        number = _cell(row, "po_number")
        if number is None or len(number) > 100:
            reasons.append("po_number is missing or longer than 100 characters")
        currency = _cell(row, "currency")
        if currency is not None and not (len(currency) == 3 and currency.isalpha()):
            reasons.append(f"currency {currency!r} is not a 3-letter code")
        supplier = _cell(row, "supplier_number")
        if supplier is not None and len(supplier) > 100:
            reasons.append("supplier_number is longer than 100 characters")
        code = _cell(row, "product_code")
        if code is not None and len(code) > 100:
            reasons.append("product_code is longer than 100 characters")
        description = _cell(row, "description")
        if description is None or len(description) > 500:
            reasons.append("description is missing or longer than 500 characters")
        line_number = _line_number(_cell(row, "line_number"), reasons)
        quantity = parse_decimal(_cell(row, "quantity"), "quantity", reasons, positive=True)
        price = parse_decimal(_cell(row, "unit_price"), "unit_price", reasons, positive=False)
        order = orders.get(number or "")
        if order is not None and line_number in order.lines:
            reasons.append(f"line {line_number} of PO {number} is on an earlier row already")
        if reasons or number is None or description is None:
            rejected.append(RejectedRow(line, number, reasons))
            if number is not None:
                bad.add(number)
            continue
        if order is None:
            order = orders[number] = _Order(supplier, currency.upper() if currency else None)
        order.lines[line_number] = _Line(line_number, code, description, quantity, price)
        rows_of.setdefault(number, []).append(line)
    for number in bad:
        orders.pop(number, None)
        for line in rows_of.get(number, []):
            rejected.append(RejectedRow(line, number, [f"another row of PO {number} was rejected"]))
    rejected.sort(key=lambda r: r.line)
    return orders, rejected


def import_order_csv(session: Session, workspace_id: str, text: str) -> OrderImportReport:
    """Import a purchase order CSV into a workspace (upsert by PO number, replace lines).

    Received quantities of a replaced order start again at 0 only for lines that are new;
    a line kept (same line number) keeps what was received. Raise `CsvFormatError` when
    the file has no usable header.
    """
    orders, rejected = parse_order_csv(text)
    report = OrderImportReport(rejected=rejected)
    for number, order in orders.items():
        row = find_purchase_order(session, workspace_id, number)
        received: dict[int, Decimal] = {}
        if row is None:
            row = PurchaseOrderRow(
                workspace_id=workspace_id,
                po_number=number,
                supplier_number=order.supplier_number,
                currency=order.currency,
                created_at=utcnow(),
            )
            session.add(row)
            session.flush()
            report.created += 1
        else:
            row.supplier_number = order.supplier_number
            row.currency = order.currency
            received = {
                line.line_number: line.received_quantity for line in order_lines(session, row.id)
            }
            session.execute(
                delete(PurchaseOrderLineRow).where(PurchaseOrderLineRow.po_id == row.id)
            )
            report.updated += 1
        for line in order.lines.values():
            session.add(
                PurchaseOrderLineRow(
                    po_id=row.id,
                    line_number=line.line_number,
                    product_code=line.product_code,
                    description=line.description,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    received_quantity=received.get(line.line_number, Decimal(0)),
                )
            )
            report.lines += 1
    session.flush()
    return report


def import_receipt_csv(session: Session, workspace_id: str, text: str) -> ReceiptImportReport:
    """Import a goods receipt CSV: add each row's quantity to its order line's received.

    A row naming an order or line the workspace does not have is rejected. Raise
    `CsvFormatError` when the file has no usable header.
    """
    report = ReceiptImportReport()
    for line, row in _rows(csv_reader(text, RECEIPT_COLUMNS, RECEIPT_COLUMNS)):
        reasons: list[str] = []
        if None in row:
            reasons.append("the row has more cells than the header")
        number = _cell(row, "po_number")
        line_number = _line_number(_cell(row, "line_number"), reasons)
        quantity = parse_decimal(
            _cell(row, "received_quantity"), "received_quantity", reasons, positive=True
        )
        order = find_purchase_order(session, workspace_id, number) if number else None
        if order is None:
            reasons.append(f"no purchase order {number!r}")
        target = None
        if order is not None and line_number:
            target = session.scalars(
                select(PurchaseOrderLineRow).where(
                    PurchaseOrderLineRow.po_id == order.id,
                    PurchaseOrderLineRow.line_number == line_number,
                )
            ).first()
            if target is None:
                reasons.append(f"purchase order {number} has no line {line_number}")
        if reasons or target is None:
            report.rejected.append(RejectedRow(line, number, reasons))
            continue
        target.received_quantity = Decimal(target.received_quantity) + quantity
        session.flush()
        report.applied += 1
    return report


def find_purchase_order(
    session: Session, workspace_id: str, po_number: str
) -> PurchaseOrderRow | None:
    """Return the workspace's purchase order with this number, or None."""
    return session.scalars(
        select(PurchaseOrderRow).where(
            PurchaseOrderRow.workspace_id == workspace_id,
            PurchaseOrderRow.po_number == po_number,
        )
    ).first()


def get_purchase_order(session: Session, workspace_id: str, po_number: str) -> PurchaseOrderRow:
    """Return the workspace's purchase order with this number or raise the not-found error."""
    row = find_purchase_order(session, workspace_id, po_number)
    if row is None:
        raise PurchaseOrderNotFoundError(f"no purchase order {po_number}")
    return row


def order_lines(session: Session, po_id: str) -> list[PurchaseOrderLineRow]:
    """Return the lines of a purchase order by line number."""
    return list(
        session.scalars(
            select(PurchaseOrderLineRow)
            .where(PurchaseOrderLineRow.po_id == po_id)
            .order_by(PurchaseOrderLineRow.line_number)
        )
    )


def has_purchase_orders(session: Session, workspace_id: str) -> bool:
    """Whether the workspace has any purchase order (else invoices are not PO-matched)."""
    return (
        session.scalars(
            select(PurchaseOrderRow.id)
            .where(PurchaseOrderRow.workspace_id == workspace_id)
            .limit(1)
        ).first()
        is not None
    )
