"""The KYC case pages of the review UI: the cases of the reviewer's workspaces, and one case.

`/cases` lists cases newest first (reference, applicant, stored outcome, number of
documents), by outcome, a page at a time. `/cases/{id}` shows what the applicant declared,
the verdict and every reason, and the case's documents side by side: type, state, page
images (those the review screen serves) and the key fields the checks use. Reading it
computes the verdict as `GET /v1/cases/{id}` does (`identity.service.evaluate_case`). A
case outside the reviewer's workspaces is not found, like one that does not exist.

The page is for reviewers of the workspace, who see personal values as the document and
review pages show them; a document purged under retention shows its masked fields and no
page image.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from paperclerk.identity import store
from paperclerk.identity.case import OUTCOMES
from paperclerk.identity.service import CaseView, evaluate_case
from paperclerk.model.fields import value_text
from paperclerk.storage.errors import InvalidCursorError
from paperclerk.storage.tables import DocumentRow, KycCase, KycCaseDocument, ReviewItem
from paperclerk.web.state import AppState, State
from paperclerk.web.ui.auth import UiUser
from paperclerk.web.ui.auth import User as UserDep
from paperclerk.web.ui.documents import show
from paperclerk.web.ui.review import label, page_url
from paperclerk.web.ui.templating import render

router = APIRouter(include_in_schema=False)
PAGE = 50
OUTCOME_LABELS = {"needs_review": "needs review", "approved": "approved", "rejected": "rejected"}
OUTCOME_TONES = {"approved": "ok", "rejected": "bad", "needs_review": "warn"}
REASON_TONES = {"pass": "ok", "fail": "bad", "review": "warn", "missing": "warn"}
"""The colour of a verdict's outcome or a reason's status: ok (green), warn, bad (red)."""
CASE_ID = re.compile(r"[0-9a-f]{32}")
NOT_FOUND = "This case does not exist or is not in one of your workspaces."


def _when(at: dt.datetime | None) -> str:
    """Return a time as the UI writes it (UTC, to the minute), or empty."""
    return at.strftime("%Y-%m-%d %H:%M") if at is not None else ""


def document_counts(session: Session, case_ids: list[str]) -> dict[str, int]:
    """Return how many documents each of some cases holds (absent: none)."""
    if not case_ids:
        return {}
    rows = session.execute(
        select(KycCaseDocument.case_id, func.count())
        .where(KycCaseDocument.case_id.in_(case_ids))
        .group_by(KycCaseDocument.case_id)
    )
    return {case_id: int(n) for case_id, n in rows}


def _case_row(user: UiUser, row: KycCase, counts: dict[str, int]) -> dict[str, Any]:
    """Return a case as a line of the list."""
    applicant = store.case_applicant(row)
    return {
        "id": row.id,
        "reference": row.reference or "",
        "name": applicant.name or "",
        "status": row.status,
        "status_label": OUTCOME_LABELS.get(row.status, row.status),
        "tone": OUTCOME_TONES.get(row.status, "warn"),
        "documents": counts.get(row.id, 0),
        "updated": _when(row.updated_at),
        "workspace": user.workspaces.get(row.workspace_id, row.workspace_id),
    }


@router.get("/cases")
def cases_page(
    request: Request,
    state: State,
    user: UserDep,
    status: Annotated[str | None, Query(max_length=16)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """List the KYC cases of the reviewer's workspaces, newest first, by stored outcome.

    An unknown status shows every case; a cursor that is not valid starts from the top.
    """
    chosen = status if status in OUTCOMES else ""
    with state.sessions() as session:
        try:
            page = store.list_cases(
                session, user.workspace_ids, status=chosen or None, limit=PAGE, cursor=cursor
            )
        except InvalidCursorError:
            page = store.list_cases(session, user.workspace_ids, status=chosen or None, limit=PAGE)
        counts = document_counts(session, [r.id for r in page.items])
        rows = [_case_row(user, r, counts) for r in page.items]
    ctx = {
        "user": user,
        "rows": rows,
        "status": chosen,
        "outcomes": OUTCOME_LABELS,
        "next_cursor": page.next_cursor,
        "active": "cases",
    }
    return render(request, "cases.html", ctx)


def _find_case(session: Session, user: UiUser, case_id: str) -> KycCase | None:
    """Return a case of one of the user's workspaces, or None (also for a malformed id)."""
    if not CASE_ID.fullmatch(case_id):  # PostgreSQL refuses a NUL byte with an error
        return None
    return session.scalars(
        select(KycCase).where(KycCase.id == case_id, KycCase.workspace_id.in_(user.workspace_ids))
    ).first()


def _documents(session: Session, view: CaseView) -> list[dict[str, Any]]:
    """Return the case's documents as the columns of the case page show them."""
    ids = [d.document_id for d in view.documents]
    purged = {
        i: at
        for i, at in session.execute(
            select(DocumentRow.id, DocumentRow.purged_at).where(DocumentRow.id.in_(ids))
        )
    }
    review = {
        i: state
        for i, state in session.execute(
            select(ReviewItem.document_id, ReviewItem.state).where(ReviewItem.document_id.in_(ids))
        )
    }
    out = []
    for d in view.documents:
        gone = purged.get(d.document_id)
        pages = [p.index for p in d.result.pages] if d.result is not None else []
        out.append(
            {
                "id": d.document_id,
                "role": d.role or "",
                "type": d.doc_type or "unknown type",
                "status": d.status,
                "filename": d.filename or d.document_id[:8],
                "review": review.get(d.document_id),
                "purged": _when(gone) if gone is not None else None,
                "images": [] if gone is not None else [page_url(d.document_id, i) for i in pages],
                "fields": [(label(n), value_text(v) or "—") for n, v in d.key_fields().items()],
            }
        )
    return out


def case_context(state: AppState, user: UiUser, case_id: str) -> dict[str, Any] | None:
    """Evaluate a case of the user's workspaces and return what its page shows; None if none.

    The verdict is computed and stored exactly as `GET /v1/cases/{id}` does it.
    """
    with state.sessions() as session, session.begin():
        row = _find_case(session, user, case_id)
        if row is None:
            return None
        view = evaluate_case(session, row.workspace_id, row.id)
        applicant = store.case_applicant(row)
        verdict = view.verdict
        reasons = [
            {
                "code": r.code,
                "status": r.status,
                "tone": REASON_TONES.get(r.status, "warn"),
                "message": r.message,
                "evidence": [(k, show(v)) for k, v in r.evidence.items()],
            }
            for r in verdict.reasons
        ]
        return {
            "user": user,
            "case": {
                "id": row.id,
                "reference": row.reference or "",
                "workspace": user.workspaces.get(row.workspace_id, row.workspace_id),
                "created": _when(row.created_at),
                "updated": _when(row.updated_at),
                "decided": _when(row.decided_at),
            },
            "applicant": {
                "name": applicant.name or "",
                "address": applicant.address or "",
                "income": value_text(applicant.declared_income),
            },
            "outcome": verdict.outcome,
            "outcome_label": OUTCOME_LABELS.get(verdict.outcome, verdict.outcome),
            "outcome_tone": OUTCOME_TONES.get(verdict.outcome, "warn"),
            "as_of": verdict.as_of.isoformat(),
            "reasons": reasons,
            "ignored": verdict.ignored_documents,
            "documents": _documents(session, view),
            "active": "cases",
        }


@router.get("/cases/{case_id}")
def case_page(request: Request, state: State, user: UserDep, case_id: str) -> Response:
    """Show a case: declarations, verdict with its reasons, and its documents side by side."""
    ctx = case_context(state, user, case_id)
    if ctx is None:
        return render(request, "not_found.html", {"user": user, "message": NOT_FOUND}, status=404)
    return render(request, "case.html", ctx)
