"""`/v1/suppliers`: supplier master data; `/v1/documents/{id}/supplier-check`: payables checks.

Suppliers are imported from the ERP as a JSON list (`POST /v1/suppliers`) or a CSV export
(`POST /v1/suppliers/import`, the body or a multipart `file`), upserted by the ERP's
supplier number; rows with an invalid VAT id or IBAN are reported, not dropped silently.
The check route matches a processed invoice to its supplier and returns the payables
findings (bank-detail change, unknown supplier, duplicate invoice). Every route is scoped
to the key's workspace: another workspace's supplier or document answers 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from starlette.datastructures import UploadFile

from paperclerk.payables import store
from paperclerk.payables.checks import SupplierCheck, check_document
from paperclerk.payables.service import ImportReport, decode_csv, import_csv, import_items
from paperclerk.payables.supplier import CsvFormatError
from paperclerk.storage.tables import SupplierRow
from paperclerk.web.errors import ApiError
from paperclerk.web.state import AppState, State, Workspace

router = APIRouter(prefix="/v1/suppliers", tags=["suppliers"])
checks_router = APIRouter(prefix="/v1/documents", tags=["suppliers"])
MAX_ITEMS = 10_000
"""Suppliers one JSON request may hold (larger master data: the CSV import, or batches)."""


class SupplierOut(BaseModel):
    """A supplier of the workspace as stored (VAT id and IBANs normalised)."""

    id: str
    supplier_number: str
    name: str
    vat_id: str | None
    ibans: list[str]
    address: str | None
    postcode: str | None
    city: str | None
    country: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class SupplierListOut(BaseModel):
    """One page of suppliers, newest first; pass `next_cursor` as `cursor` for the next."""

    items: list[SupplierOut]
    next_cursor: str | None


class RejectedOut(BaseModel):
    """A row not imported: its CSV line (header = 1) or list index, and why."""

    line: int
    supplier_number: str | None
    reasons: list[str]


class ImportOut(BaseModel):
    """What an import did: suppliers created and updated, rows rejected with reasons."""

    created: int
    updated: int
    rejected: list[RejectedOut]


def supplier_out(row: SupplierRow) -> SupplierOut:
    """Return the API's view of a stored supplier."""
    return SupplierOut(
        id=row.id,
        supplier_number=row.supplier_number,
        name=row.name,
        vat_id=row.vat_id,
        ibans=list(row.ibans or []),
        address=row.address,
        postcode=row.postcode,
        city=row.city,
        country=row.country,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _report(report: ImportReport) -> ImportOut:
    return ImportOut(
        created=report.created,
        updated=report.updated,
        rejected=[
            RejectedOut(line=r.line, supplier_number=r.supplier_number, reasons=r.reasons)
            for r in report.rejected
        ],
    )


def _import_items(state: AppState, workspace: str, items: list[Any]) -> ImportOut:
    with state.sessions() as session, session.begin():
        return _report(import_items(session, workspace, items))


def _import_csv(state: AppState, workspace: str, text: str) -> ImportOut:
    with state.sessions() as session, session.begin():
        try:
            return _report(import_csv(session, workspace, text))
        except CsvFormatError as exc:
            raise ApiError(422, "invalid_csv", str(exc)) from None


@router.post("", response_model=ImportOut)
def upsert(
    state: State,
    workspace: Workspace,
    items: Annotated[list[dict[str, Any]], Body(max_length=MAX_ITEMS)],
) -> ImportOut:
    """Create or update suppliers by `supplier_number` from a JSON list.

    Each item: `supplier_number`, `name`, optional `vat_id`, `ibans` (list), `address`,
    `postcode`, `city`, `country`. Items with an invalid VAT id or IBAN (or malformed) are
    listed in `rejected` with their index; the others are stored.
    """
    return _import_items(state, workspace, items)


CSV_BODY = {
    "required": True,
    "content": {
        "text/csv": {"schema": {"type": "string"}},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        },
    },
}
"""The OpenAPI body of a CSV import (suppliers, orders, receipts): CSV text or a `file`."""


async def csv_text(request: Request, state: AppState) -> str:
    """Return the CSV of an import request: the body or a multipart `file` part.

    413 over the upload limit, 422 `empty_input` or `invalid_csv` (not decodable text), so
    every CSV import (suppliers, orders, goods receipts) answers bad input alike.
    """
    kind = request.headers.get("content-type", "")
    if kind.startswith("multipart/form-data"):
        file = (await request.form()).get("file")
        if not isinstance(file, UploadFile):
            raise ApiError(422, "invalid_request", "send the CSV as a multipart 'file' part")
        data = await file.read(state.max_bytes + 1)
    else:
        data = await request.body()
    if len(data) > state.max_bytes:
        raise ApiError(413, "limit_exceeded", f"the file is larger than {state.max_bytes} bytes")
    if not data.strip():
        raise ApiError(422, "empty_input", "the CSV is empty")
    try:
        return decode_csv(data)
    except ValueError as exc:
        raise ApiError(422, "invalid_csv", str(exc)) from None


@router.post("/import", response_model=ImportOut, openapi_extra={"requestBody": CSV_BODY})
async def import_(request: Request, state: State, workspace: Workspace) -> ImportOut:
    """Import a supplier CSV export: the body (`text/csv`) or a multipart `file` part.

    Header `supplier_number,name,vat_id,iban,address,postcode,city,country`; several IBANs
    in one cell are separated by `;`. Rows are upserted by `supplier_number`; rejected rows
    come back with their line number and reasons. 422 `invalid_csv` without a usable header.
    """
    text = await csv_text(request, state)
    return await run_in_threadpool(_import_csv, state, workspace, text)


@router.get("", response_model=SupplierListOut)
def list_(
    state: State,
    workspace: Workspace,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=store.MAX_PAGE)] = 50,
) -> SupplierListOut:
    """List the workspace's suppliers, newest first, a page at a time."""
    with state.sessions() as session:
        page = store.list_suppliers(session, workspace, limit=limit, cursor=cursor)
        return SupplierListOut(
            items=[supplier_out(r) for r in page.items], next_cursor=page.next_cursor
        )


@router.get("/{supplier_id}", response_model=SupplierOut)
def read(state: State, workspace: Workspace, supplier_id: str) -> SupplierOut:
    """Return one supplier of the workspace (404 for another workspace's)."""
    with state.sessions() as session:
        return supplier_out(store.get_supplier(session, workspace, supplier_id))


@checks_router.get("/{document_id}/supplier-check", response_model=SupplierCheck)
def supplier_check(state: State, workspace: Workspace, document_id: str) -> SupplierCheck:
    """Match a processed invoice to its supplier and return the payables findings.

    `payables.bank_details_changed` (error) when its IBAN is not a known one of the
    supplier, `payables.unknown_supplier` (warning) when no supplier matches,
    `payables.duplicate_invoice` (error) when another document of the workspace has the
    same supplier and number, or supplier, total and date. 409 before it is processed.
    """
    with state.sessions() as session:
        return check_document(session, workspace, document_id)
