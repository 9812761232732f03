"""`/v1/documents/{id}/coding`: GL account and cost centre per invoice line.

`GET` answers, per line, the suggestion from the workspace's confirmed history (account
and cost centre with confidences, alternatives and the evidence) and the confirmed
coding if there is one. `PUT` confirms codings: they join the history, and the stored
result's line cells become them (source `human`), so the exports book to them; each
change is audited. Scoped to the key's workspace: another workspace's document is 404.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from paperclerk.payables.coding import MAX_CODE
from paperclerk.payables.coding_store import (
    DocumentCoding,
    LineCodingIn,
    confirm_codings,
    document_coding,
)
from paperclerk.web.state import State, Workspace

router = APIRouter(prefix="/v1/documents", tags=["coding"])
MAX_LINES = 10_000
"""Line codings one request may confirm."""


class LineCodingBody(BaseModel):
    """The coding to confirm for one line: its index, GL account, optional cost centre."""

    index: int = Field(ge=0)
    gl_account: str = Field(max_length=MAX_CODE)
    cost_centre: str | None = Field(None, max_length=MAX_CODE)


class CodingBody(BaseModel):
    """Line codings to confirm (lines not named keep theirs)."""

    lines: list[LineCodingBody] = Field(min_length=1, max_length=MAX_LINES)


@router.get("/{document_id}/coding", response_model=DocumentCoding)
def get_coding(state: State, workspace: Workspace, document_id: str) -> DocumentCoding:
    """Return the suggested and confirmed GL account / cost centre of each invoice line.

    404 for a document outside the workspace, 409 `not_processed` before it is processed,
    422 `not_an_invoice` for another document type, 410 once purged.
    """
    with state.sessions() as session:
        return document_coding(session, workspace, document_id)


@router.put("/{document_id}/coding", response_model=DocumentCoding)
def put_coding(
    state: State, workspace: Workspace, document_id: str, body: CodingBody
) -> DocumentCoding:
    """Confirm line codings: keep them as history, write them into the result, audit them.

    422 `invalid_coding` for an unknown line index, a line named twice or an empty
    account; otherwise as `GET`. Answers the coding after the change.
    """
    lines = [LineCodingIn(c.index, c.gl_account, c.cost_centre) for c in body.lines]
    with state.sessions() as session, session.begin():
        confirm_codings(session, workspace, document_id, lines, coded_by="api")
    with state.sessions() as session:
        return document_coding(session, workspace, document_id)
