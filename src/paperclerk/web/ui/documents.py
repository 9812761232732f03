"""The document page of the UI: result summary and the full audit trail."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from paperclerk.model import Document
from paperclerk.model.fields import value_text
from paperclerk.model.personal import has_personal_fields
from paperclerk.review import list_entries
from paperclerk.review.audit import Actor, record_personal_read
from paperclerk.review.decisions import DECIDED_STATES
from paperclerk.review.schema import form_fields, item_columns
from paperclerk.storage.tables import DocumentRow, ReviewItem, User
from paperclerk.web.state import State
from paperclerk.web.ui.auth import User as UserDep
from paperclerk.web.ui.review import check_id, label
from paperclerk.web.ui.templating import render

router = APIRouter(include_in_schema=False)


def show(value: Any) -> str:
    """Return an audit value as one line of text."""
    if value is None:
        return "—"
    if isinstance(value, list):
        return "; ".join(show(v) for v in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {show(v)}" for k, v in value.items())
    return str(value)


@router.get("/documents/{document_id}")
def document_page(request: Request, state: State, user: UserDep, document_id: str) -> Response:
    """Show a document's current values, its review state and every change to it.

    A decided document (approved, rejected or automatically approved) has a form to reopen
    it for review with a reason (`POST /review/{id}/reopen`), unless retention purged it.
    """
    check_id(document_id)
    with state.sessions() as session:
        row = session.get(DocumentRow, document_id)
        if row is None or row.workspace_id not in user.workspaces:
            return render(request, "not_found.html", {"user": user}, status=404)
        item = session.get(ReviewItem, document_id)
        entries = list_entries(session, document_id)
        people = {e.actor_id for e in entries if e.actor_kind == "person" and e.actor_id}
        emails = {
            k: v for k, v in session.execute(select(User.id, User.email).where(User.id.in_(people)))
        }
        doc = Document.model_validate(row.result) if row.result else None
        filename, status = row.filename or document_id[:8], str(row.status)
        purged = row.purged_at is not None  # its original is gone: nothing to review again
        workspace_id, doc_type = row.workspace_id, row.doc_type
    if doc is not None and has_personal_fields(doc_type):
        with state.sessions() as session, session.begin():
            record_personal_read(
                session, document_id, workspace_id, doc_type, Actor.PERSON, user.id, "document page"
            )
    fields = [(label(n), value_text(doc.value(n))) for n in form_fields(doc)] if doc else []
    columns = item_columns(doc) if doc else []
    items = [[value_text(it.value(c)) for c in columns] for it in doc.line_items] if doc else []
    audit = [
        {
            "at": e.at.strftime("%Y-%m-%d %H:%M:%S"),
            "actor": e.actor_kind.value,
            "who": emails.get(e.actor_id or "", e.actor_id or ""),
            "action": e.action,
            "field": e.field or "",
            "old": show(e.old_value),
            "new": show(e.new_value),
        }
        for e in entries
    ]
    ctx = {
        "user": user,
        "document_id": document_id,
        "filename": filename,
        "status": status,
        "state": item.state if item else None,
        "reopenable": item is not None and item.state in DECIDED_STATES and not purged,
        "doc": doc,
        "fields": fields,
        "columns": [c.replace("_", " ") for c in columns],
        "items": items,
        "audit": audit,
        "active": "queue",
    }
    return render(request, "document.html", ctx)
