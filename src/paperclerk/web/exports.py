"""`GET /v1/documents/{id}/export`: an invoice's result as UBL 2.1, per-line CSV or a journal.

The export reads the stored result, which is the reviewer's decided and corrected document
once the document was reviewed (the same result `GET /v1/documents/{id}` answers).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from paperclerk.export.journal import JournalAccounts, document_journal
from paperclerk.export.lines_csv import document_to_csv
from paperclerk.export.ubl import document_to_ubl
from paperclerk.model import DocType, Document
from paperclerk.storage.documents import check_not_purged, get_document
from paperclerk.web.errors import ApiError
from paperclerk.web.state import State, Workspace

router = APIRouter(prefix="/v1/documents", tags=["documents"])

ExportFormat = Literal["ubl", "csv", "journal"]
MEDIA_TYPES: dict[str, str] = {
    "ubl": "application/xml",
    "csv": "text/csv; charset=utf-8",
    "journal": "application/json",
}
"""The Content-Type of each export format."""
_SUFFIXES = {"ubl": "ubl.xml", "csv": "lines.csv", "journal": "journal.json"}


def _invoice(state: State, workspace: str, document_id: str) -> Document:
    """Return the stored result of one of the workspace's invoices, or raise the API error."""
    if not re.fullmatch(r"[0-9a-f]{32}", document_id):
        raise ApiError(404, "not_found", f"no document {document_id!r}")
    with state.sessions() as session:
        row = get_document(session, workspace, document_id)
        if row is None:
            raise ApiError(404, "not_found", f"no document {document_id}")
        check_not_purged(row)
        result = row.result
    if not result:
        raise ApiError(409, "not_ready", f"document {document_id} has no result yet")
    doc = Document.model_validate(result)
    if doc.doc_type != DocType.INVOICE:
        raise ApiError(
            422, "not_an_invoice", f"document {document_id} is a {doc.doc_type}, not an invoice"
        )
    return doc


@router.get(
    "/{document_id}/export",
    responses={
        200: {
            "content": {"application/xml": {}, "text/csv": {}, "application/json": {}},
            "description": "The export, as an attachment.",
        }
    },
)
def export(
    state: State,
    workspace: Workspace,
    document_id: str,
    format: Annotated[ExportFormat, Query(description="ubl, csv or journal.")] = "ubl",
    expense_account: Annotated[
        str, Query(min_length=1, max_length=64, description="Journal: default expense account.")
    ] = "expense",
) -> Response:
    """Export an invoice for the ERP: UBL 2.1 (EN 16931), CSV per line, or a booking journal.

    404 for a document of another workspace, 409 `not_ready` before it has a result, 422
    `not_an_invoice` for other document types, 410 `purged` after retention deleted it.
    A reviewed document exports its decided, corrected values.
    """
    doc = _invoice(state, workspace, document_id)
    if format == "ubl":
        body: bytes = document_to_ubl(doc)
    elif format == "csv":
        body = document_to_csv(doc).encode()
    else:
        journal = document_journal(doc, JournalAccounts(expense=expense_account))
        body = journal.model_dump_json(indent=2).encode()
    filename = f"{document_id}-{_SUFFIXES[format]}"
    return Response(
        body,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
