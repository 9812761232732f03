"""Audit trail and training examples of a document, through the API (API-key auth)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select

from paperclerk.review.audit import AuditEntry, list_entries
from paperclerk.storage.documents import get_document
from paperclerk.storage.tables import TrainingExampleRow
from paperclerk.web.errors import ApiError
from paperclerk.web.state import State, Workspace

router = APIRouter(prefix="/v1/documents", tags=["review"])


class TrainingExampleOut(BaseModel):
    """A training example made from a reviewer's confirmation of the document."""

    id: int
    doc_type: str
    user_id: str | None
    created_at: dt.datetime
    example: dict[str, Any]


def _check(state: State, workspace: str, document_id: str) -> None:
    """Answer 404 unless the document exists in the caller's workspace."""
    if not re.fullmatch(r"[0-9a-f]{32}", document_id):
        raise ApiError(404, "not_found", f"no document {document_id!r}")
    with state.sessions() as session:
        if get_document(session, workspace, document_id) is None:
            raise ApiError(404, "not_found", f"no document {document_id}")


@router.get("/{document_id}/audit", response_model=list[AuditEntry])
def audit(state: State, workspace: Workspace, document_id: str) -> list[AuditEntry]:
    """Return every change to the document, oldest first: who, when, field, old and new value."""
    _check(state, workspace, document_id)
    with state.sessions() as session:
        return list_entries(session, document_id)


@router.get("/{document_id}/training-examples", response_model=list[TrainingExampleOut])
def training_examples(
    state: State, workspace: Workspace, document_id: str
) -> list[TrainingExampleOut]:
    """Return the training examples made from this document by reviewers' approvals."""
    _check(state, workspace, document_id)
    with state.sessions() as session:
        rows = session.scalars(
            select(TrainingExampleRow)
            .where(TrainingExampleRow.document_id == document_id)
            .order_by(TrainingExampleRow.id)
        )
        return [
            TrainingExampleOut(
                id=r.id,
                doc_type=r.doc_type,
                user_id=r.user_id,
                created_at=r.created_at,
                example=r.example,
            )
            for r in rows
        ]
