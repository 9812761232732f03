"""`/v1/purchase-orders` and `/v1/goods-receipts`: purchase orders and receipts from the ERP.

Both are imported as CSV exports (the body, `text/csv`, or a multipart `file` part): purchase
orders one row per line, upserted by PO number with their lines replaced; goods receipts
add received quantities to order lines. Rejected rows come back with their line number and
reasons. Invoices naming an order are matched to it by the worker (`payables.po_match`).
`/v1/payables/tolerances` reads and sets how far an invoice may differ from its order.
Every route is scoped to the key's workspace: another workspace's order answers 404.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from paperclerk.payables import orders
from paperclerk.payables.supplier import CsvFormatError
from paperclerk.payables.tolerances import Tolerances, set_tolerances, workspace_tolerances
from paperclerk.web.errors import ApiError
from paperclerk.web.state import AppState, State, Workspace
from paperclerk.web.suppliers import CSV_BODY, csv_text

router = APIRouter(tags=["purchase orders"])


class RejectedRowOut(BaseModel):
    """A CSV row not imported: its line (header = 1), its PO number and why."""

    line: int
    po_number: str | None
    reasons: list[str]


class OrderImportOut(BaseModel):
    """What a purchase order import did: orders created and updated, lines, rejections."""

    created: int
    updated: int
    lines: int
    rejected: list[RejectedRowOut]


class ReceiptImportOut(BaseModel):
    """What a goods receipt import did: rows applied and rows rejected."""

    applied: int
    rejected: list[RejectedRowOut]


class OrderLineOut(BaseModel):
    """A purchase order line: ordered quantity and price, and the quantity received."""

    line_number: int
    product_code: str | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    received_quantity: Decimal


class OrderOut(BaseModel):
    """A purchase order of the workspace with its lines."""

    id: str
    po_number: str
    supplier_number: str | None
    currency: str | None
    created_at: dt.datetime
    lines: list[OrderLineOut]


def _rejected(rows: list[orders.RejectedRow]) -> list[RejectedRowOut]:
    return [RejectedRowOut(line=r.line, po_number=r.po_number, reasons=r.reasons) for r in rows]


def _import_orders(state: AppState, workspace: str, text: str) -> OrderImportOut:
    with state.sessions() as session, session.begin():
        try:
            r = orders.import_order_csv(session, workspace, text)
        except CsvFormatError as exc:
            raise ApiError(422, "invalid_csv", str(exc)) from None
        return OrderImportOut(
            created=r.created, updated=r.updated, lines=r.lines, rejected=_rejected(r.rejected)
        )


def _import_receipts(state: AppState, workspace: str, text: str) -> ReceiptImportOut:
    with state.sessions() as session, session.begin():
        try:
            r = orders.import_receipt_csv(session, workspace, text)
        except CsvFormatError as exc:
            raise ApiError(422, "invalid_csv", str(exc)) from None
        return ReceiptImportOut(applied=r.applied, rejected=_rejected(r.rejected))


@router.post(
    "/v1/purchase-orders/import",
    response_model=OrderImportOut,
    openapi_extra={"requestBody": CSV_BODY},
)
async def import_orders(request: Request, state: State, workspace: Workspace) -> OrderImportOut:
    """Import a purchase order CSV export: the body (`text/csv`) or a multipart `file`.

    Header `po_number,supplier_number,currency,line_number,product_code,description,
    quantity,unit_price`, one row per order line. Orders are upserted by `po_number` and
    their lines replaced; an order with a rejected row is not imported. 422 `invalid_csv`
    without a usable header.
    """
    text = await csv_text(request, state)
    return await run_in_threadpool(_import_orders, state, workspace, text)


@router.post(
    "/v1/goods-receipts/import",
    response_model=ReceiptImportOut,
    openapi_extra={"requestBody": CSV_BODY},
)
async def import_receipts(request: Request, state: State, workspace: Workspace) -> ReceiptImportOut:
    """Import a goods receipt CSV (`po_number,line_number,received_quantity`).

    Each row adds its quantity to the order line's received quantity; rows naming an
    unknown order or line are rejected with their line number.
    """
    text = await csv_text(request, state)
    return await run_in_threadpool(_import_receipts, state, workspace, text)


@router.get("/v1/purchase-orders/{po_number}", response_model=OrderOut)
def read_order(state: State, workspace: Workspace, po_number: str) -> OrderOut:
    """Return a purchase order of the workspace with its lines (404 for another's)."""
    with state.sessions() as session:
        row = orders.get_purchase_order(session, workspace, po_number)
        return OrderOut(
            id=row.id,
            po_number=row.po_number,
            supplier_number=row.supplier_number,
            currency=row.currency,
            created_at=row.created_at,
            lines=[
                OrderLineOut(
                    line_number=line.line_number,
                    product_code=line.product_code,
                    description=line.description,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    received_quantity=line.received_quantity,
                )
                for line in orders.order_lines(session, row.id)
            ],
        )


@router.get("/v1/payables/tolerances", response_model=Tolerances)
def read_tolerances(state: State, workspace: Workspace) -> Tolerances:
    """Return the workspace's purchase order match tolerances (the defaults when unset)."""
    with state.sessions() as session:
        return workspace_tolerances(session, workspace)


@router.put("/v1/payables/tolerances", response_model=Tolerances)
def write_tolerances(state: State, workspace: Workspace, body: Tolerances) -> Tolerances:
    """Set the workspace's purchase order match tolerances; invoices from now on use them.

    `price_rate` (share of the ordered unit price) or `price_abs` (amount), whichever is
    larger, and `quantity_rate` (share of the ordered or received quantity an invoice may
    exceed). Fields left out take their defaults; 422 for a negative value or a share
    above 1.
    """
    with state.sessions() as session, session.begin():
        set_tolerances(session, workspace, body, updated_by="api")
    return body
