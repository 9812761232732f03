"""The Claims pages of the review station: campaign claims waiting for a person, and one claim.

`/claims` lists the claims of the reviewer's workspaces (waiting for review unless the
filter says otherwise; by workspace, campaign, participant and outcome). `/claims/{id}`
shows one: the submitted picture, what was read, each finding with its evidence, the
earlier claim a duplicate finding names (its picture beside this one), the audit trail,
and a form to approve or reject it with a reason (CSRF-protected like every UI form).
A claim outside the reviewer's workspaces is not found, like one that does not exist.
"""

from __future__ import annotations

from typing import Annotated, Any

import cv2
from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from paperclerk.errors import PaperclerkError
from paperclerk.ingest import load_page
from paperclerk.loyalty import claims
from paperclerk.loyalty.claims import ClaimQuery
from paperclerk.loyalty.service import SubmissionResult
from paperclerk.web.claims import original_bytes
from paperclerk.web.state import AppState, State
from paperclerk.web.ui.auth import Csrf, UiUser
from paperclerk.web.ui.auth import User as UserDep
from paperclerk.web.ui.documents import show
from paperclerk.web.ui.templating import render

router = APIRouter(include_in_schema=False)
ClaimId = Annotated[int, Path(ge=1, le=2**63 - 1)]
OUTCOMES = {"needs_review": "waiting for review", "approved": "approved", "rejected": "rejected"}
PAGE = 100
SHOWN_AS_IS = ("image/png", "image/jpeg", "image/webp")
"""Media types a browser shows in `<img>`; other originals (PDF, TIFF) become a PNG."""


def _filters(user: UiUser, raw: dict[str, str | None]) -> dict[str, str]:
    """Return the list's filters as form values, dropping what the user may not see."""
    workspace = raw.get("workspace") or ""
    outcome = raw.get("outcome")
    return {
        "workspace": workspace if workspace in user.workspaces else "",
        "campaign": (raw.get("campaign") or "").strip(),
        "participant": (raw.get("participant") or "").strip(),
        "outcome": "needs_review" if outcome is None else outcome if outcome in OUTCOMES else "",
    }


@router.get("/claims")
def claims_page(
    request: Request,
    state: State,
    user: UserDep,
    workspace: Annotated[str | None, Query(max_length=64)] = None,
    campaign: Annotated[str | None, Query(max_length=64)] = None,
    participant: Annotated[str | None, Query(max_length=200)] = None,
    outcome: Annotated[str | None, Query(max_length=16)] = None,
    after: Annotated[int | None, Query(ge=0, le=2**63 - 1)] = None,
) -> Response:
    """List the claims of the reviewer's workspaces, oldest first, those waiting by default."""
    raw = {"workspace": workspace, "campaign": campaign, "participant": participant}
    filters = _filters(user, {**raw, "outcome": outcome})
    query = ClaimQuery(
        (filters["workspace"],) if filters["workspace"] else user.workspace_ids,
        campaign_id=filters["campaign"] or None,
        outcome=filters["outcome"] or None,
        participant_id=filters["participant"] or None,
    )
    with state.sessions() as session:
        page = claims.list_claims(session, query, limit=PAGE, after=after)
    ctx = {
        "user": user,
        "rows": page.items,
        "next_after": page.next_after,
        "filters": filters,
        "outcomes": OUTCOMES,
        "active": "claims",
    }
    return render(request, "claims.html", ctx)


def _earlier(state: AppState, user: UiUser, result: SubmissionResult) -> list[dict[str, Any]]:
    """Return the earlier claims that duplicate findings name and the reviewer may see."""
    ids: list[int] = []
    for f in result.findings:
        sid = f.evidence.get("submission_id")
        if f.rule_id.startswith("duplicates.") and isinstance(sid, int) and sid not in ids:
            ids.append(sid)
    found: list[dict[str, Any]] = []
    with state.sessions() as session:
        for sid in ids:
            try:
                row = claims.get_claim(session, user.workspace_ids, sid)
            except claims.ClaimNotFoundError:
                found.append({"id": sid, "gone": True})
                continue
            found.append(
                {"id": sid, "gone": False, "participant_id": row.participant_id,
                 "campaign_id": row.campaign_id, "outcome": row.outcome}
            )  # fmt: skip
    return found


def _claim_context(state: AppState, user: UiUser, submission_id: int) -> dict[str, Any]:
    """Return what the claim page shows (raises not found outside the user's workspaces)."""
    with state.sessions() as session:
        row = claims.get_claim(session, user.workspace_ids, submission_id)
        result = SubmissionResult.model_validate(row.result)
        workspace = user.workspaces.get(row.workspace_id, row.workspace_id)
        entries = claims.audit_entries(session, user.workspace_ids, submission_id)
    findings = [
        {
            "rule_id": f.rule_id,
            "passed": f.passed,
            "effect": f.effect.value,
            "message": f.message,
            "evidence": [(k, show(v)) for k, v in f.evidence.items()],
        }
        for f in sorted(result.findings, key=lambda f: (f.passed, f.rule_id))
    ]
    audit = [
        {
            "at": e.at.strftime("%Y-%m-%d %H:%M:%S"),
            "actor": e.actor_kind.value,
            "who": e.actor_id or "",
            "action": e.action,
            "old": show(e.old_value),
            "new": show(e.new_value),
        }
        for e in entries
    ]
    return {
        "user": user,
        "claim": result,
        "workspace": workspace,
        "findings": findings,
        "earlier": _earlier(state, user, result),
        "audit": audit,
        "error": None,
        "active": "claims",
    }


@router.get("/claims/{submission_id}")
def claim_page(request: Request, state: State, user: UserDep, submission_id: ClaimId) -> Response:
    """Show one claim with its picture, findings, earlier duplicates, trail and decision form."""
    try:
        ctx = _claim_context(state, user, submission_id)
    except claims.ClaimNotFoundError:
        return render(request, "not_found.html", {"user": user}, status=404)
    return render(request, "claim.html", ctx)


def _viewable(data: bytes, media_type: str) -> tuple[bytes, str]:
    """Return the original as a browser shows it in `<img>`: as is, or its first page as PNG."""
    if media_type in SHOWN_AS_IS:
        return data, media_type
    _, page = load_page(data, 0)
    ok, png = cv2.imencode(".png", page.image) if page is not None else (False, None)
    if not ok or png is None:
        raise claims.ClaimNotFoundError("the original cannot be shown")
    return png.tobytes(), "image/png"


@router.get("/claims/{submission_id}/original")
async def claim_original(state: State, user: UserDep, submission_id: ClaimId) -> Response:
    """Return a claim's submitted picture for the claim page (PDF and TIFF as a PNG)."""
    data, media_type = await run_in_threadpool(
        original_bytes, state, user.workspace_ids, submission_id
    )
    shown, kind = await run_in_threadpool(_viewable, data, media_type)
    return Response(shown, media_type=kind, headers={"Cache-Control": "private, no-store"})


@router.post("/claims/{submission_id}/decision", dependencies=[Csrf])
def decide_page(
    request: Request,
    state: State,
    user: UserDep,
    submission_id: ClaimId,
    outcome: Annotated[str, Form(max_length=16)],
    reason: Annotated[str, Form(max_length=claims.MAX_REASON)] = "",
) -> Response:
    """Approve or reject a claim with the reason typed; back to the claim, or say what is wrong.

    The decision is recorded as made by the reviewer's email.
    """
    try:
        with state.sessions.begin() as session:
            claims.decide_claim(session, user.workspace_ids, submission_id, outcome, reason,
                                user.email)  # fmt: skip
    except claims.ClaimNotFoundError:
        return render(request, "not_found.html", {"user": user}, status=404)
    except PaperclerkError as exc:  # no reason, an outcome a person may not give, decided
        ctx = _claim_context(state, user, submission_id)
        ctx.update(error=exc.message, reason=reason)
        return render(request, "claim.html", ctx, status=exc.http_status)
    return RedirectResponse(f"/claims/{submission_id}", status_code=303)
