"""`/v1/campaigns/{id}/submissions…`: the claims desk over the API (API-key auth).

List and export a campaign's claims, decide one by hand with a reason, delete one, read
its original and its audit trail, and look up one participant's claims. Every route is
scoped to the key's workspace: another workspace's claims answer 404, exactly like ids
that do not exist. Decisions and deletions are recorded as made by `api-key:<key id>`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from paperclerk.errors import InputError
from paperclerk.ingest.sniff import sniff_media_type
from paperclerk.loyalty import claims, store
from paperclerk.loyalty.claims import ClaimAuditEntry, ClaimQuery, ClaimRow
from paperclerk.loyalty.service import SubmissionResult
from paperclerk.storage.blobs import BlobNotFoundError
from paperclerk.storage.workspaces import parse_key
from paperclerk.web.campaigns import CampaignId, SubmissionId
from paperclerk.web.errors import ApiError
from paperclerk.web.state import AppState, State, Workspace

router = APIRouter(prefix="/v1/campaigns", tags=["claims"])
OutcomeName = Literal["approved", "rejected", "needs_review"]
ParticipantId = Annotated[str, Query(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]
Limit = Annotated[int, Query(ge=1, le=claims.MAX_PAGE)]
After = Annotated[int | None, Query(ge=0, le=2**63 - 1)]


class DecisionIn(BaseModel):
    """A person's decision on a claim: the outcome and why (required, kept in the audit)."""

    outcome: Literal["approved", "rejected"]
    reason: str = Field(min_length=1, max_length=claims.MAX_REASON, pattern=r"^[^\x00]*$")


class ClaimListOut(BaseModel):
    """One page of claims, oldest first; pass `next_after` as `after` for the next page."""

    items: list[ClaimRow]
    next_after: int | None


def actor(request: Request) -> str:
    """Return who the API key is, as decisions record it: `api-key:<key id>`.

    The route's `Workspace` dependency has authenticated the key already; its public id
    names it (keys have no other name), never its secret.
    """
    _, _, key = request.headers.get("authorization", "").partition(" ")
    parsed = parse_key(key)
    return f"api-key:{parsed[0]}" if parsed else "api-key"


def _query(
    state: AppState,
    workspace: str,
    campaign_id: str,
    outcome: str | None,
    participant_id: str | None,
) -> ClaimQuery:
    """Check the campaign exists in the workspace (404 otherwise) and build the query."""
    with state.sessions() as session:
        store.get_campaign(session, workspace, campaign_id)
    return ClaimQuery((workspace,), campaign_id, outcome, participant_id)


def _page(state: AppState, query: ClaimQuery, limit: int, after: int | None) -> ClaimListOut:
    """Return one page of a query."""
    with state.sessions() as session:
        page = claims.list_claims(session, query, limit=limit, after=after)
    return ClaimListOut(items=page.items, next_after=page.next_after)


def _csv(state: AppState, query: ClaimQuery, campaign_id: str) -> StreamingResponse:
    """Stream every claim of a query as CSV, read a batch at a time."""

    def lines() -> Iterator[str]:
        with state.sessions() as session:
            yield from claims.csv_lines(claims.iter_claims(session, query))

    headers = {"Content-Disposition": f'attachment; filename="{campaign_id}-submissions.csv"'}
    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers=headers)


@router.get(
    "/{campaign_id}/submissions",
    response_model=ClaimListOut,
    responses={200: {"content": {"text/csv": {}}}},
)
def list_submissions(
    campaign_id: CampaignId,
    state: State,
    workspace: Workspace,
    outcome: OutcomeName | None = None,
    participant_id: ParticipantId | None = None,
    limit: Limit = 50,
    after: After = None,
    format: Literal["json", "csv"] = "json",
) -> ClaimListOut | Response:
    """List a campaign's claims, oldest first, filtered by `outcome` and `participant_id`.

    The desk's queue is `?outcome=needs_review`. Paged by id: `after` is the previous
    page's `next_after`. `format=csv` exports every matching claim instead (like
    `submissions.csv`; paging does not apply).
    """
    query = _query(state, workspace, campaign_id, outcome, participant_id)
    if format == "csv":
        return _csv(state, query, campaign_id)
    return _page(state, query, limit, after)


@router.get("/{campaign_id}/submissions.csv", responses={200: {"content": {"text/csv": {}}}})
def export_submissions(
    campaign_id: CampaignId,
    state: State,
    workspace: Workspace,
    outcome: OutcomeName | None = None,
    participant_id: ParticipantId | None = None,
) -> Response:
    """Export a campaign's claims as CSV, oldest first, filtered like the list.

    Columns: id, participant, outcome, reward, currency, merchant, date, total, reasons,
    created_at, decided_by, decided_at, decision_reason. Cells that a spreadsheet would
    run as a formula start with `'`.
    """
    return _csv(state, _query(state, workspace, campaign_id, outcome, participant_id), campaign_id)


@router.get("/{campaign_id}/participants/{participant_id}/submissions", response_model=ClaimListOut)
def participant_submissions(
    campaign_id: CampaignId,
    participant_id: Annotated[str, Path(min_length=1, max_length=200, pattern=r"^[^\x00]*$")],
    state: State,
    workspace: Workspace,
    outcome: OutcomeName | None = None,
    limit: Limit = 50,
    after: After = None,
) -> ClaimListOut:
    """List one participant's claims in a campaign, oldest first (support looking up a shopper)."""
    query = _query(state, workspace, campaign_id, outcome, participant_id)
    return _page(state, query, limit, after)


@router.post("/{campaign_id}/submissions/{submission_id}/decision", response_model=SubmissionResult)
def decide(
    campaign_id: CampaignId,
    submission_id: SubmissionId,
    body: DecisionIn,
    request: Request,
    state: State,
    workspace: Workspace,
) -> SubmissionResult:
    """Approve or reject a claim by hand, with a reason; answer with the claim as stored.

    A person may override the rules' final decision too; the audit keeps the outcome
    before. Approving pays the claim's reward (`provisional_reward` of a claim not
    approved), rejecting pays 0.00. `claim.decided` is sent. 409 `already_decided` when
    the claim already has that outcome; 422 `invalid_decision` without a reason.
    """
    with state.sessions.begin() as session:
        return claims.decide_claim(
            session, (workspace,), submission_id, body.outcome, body.reason, actor(request),
            campaign_id=campaign_id,
        )  # fmt: skip


@router.delete("/{campaign_id}/submissions/{submission_id}", status_code=204)
def delete_submission(
    campaign_id: CampaignId,
    submission_id: SubmissionId,
    request: Request,
    state: State,
    workspace: Workspace,
    reason: Annotated[str | None, Query(max_length=claims.MAX_REASON)] = None,
) -> Response:
    """Erase a claim: its row, fingerprints, keys, print, deliveries and maybe its original.

    The original goes when no other claim or document has the same bytes. The audit
    keeps who deleted the claim, when, why (`reason`) and its outcome before, not the
    participant's id.
    """
    with state.sessions.begin() as session:
        sha256 = claims.delete_claim(
            session, (workspace,), submission_id, actor(request),
            campaign_id=campaign_id, reason=reason,
        )  # fmt: skip
    with state.sessions() as session:
        if not claims.original_in_use(session, sha256):
            state.blobs.delete(sha256)
    return Response(status_code=204)


def original_bytes(state: AppState, workspaces: tuple[str, ...], submission_id: int,
                   campaign_id: str | None = None) -> tuple[bytes, str]:  # fmt: skip
    """Return a claim's original bytes and their media type (404 when gone from the store)."""
    with state.sessions() as session:
        sha256 = claims.get_claim(session, workspaces, submission_id, campaign_id).sha256
    try:
        data = state.blobs.get(sha256)
    except BlobNotFoundError:
        raise ApiError(404, "not_found", "the original of this submission is not kept") from None
    try:
        media_type = sniff_media_type(data)
    except InputError:
        media_type = "application/octet-stream"
    return data, media_type


@router.get(
    "/{campaign_id}/submissions/{submission_id}/original",
    responses={200: {"content": {"image/png": {}, "image/jpeg": {}, "application/pdf": {}}}},
)
def original(
    campaign_id: CampaignId, submission_id: SubmissionId, state: State, workspace: Workspace
) -> Response:
    """Return the receipt as submitted: its bytes, with their media type."""
    data, media_type = original_bytes(state, (workspace,), submission_id, campaign_id)
    return Response(data, media_type=media_type, headers={"Cache-Control": "private, no-store"})


@router.get(
    "/{campaign_id}/submissions/{submission_id}/audit", response_model=list[ClaimAuditEntry]
)
def audit(
    campaign_id: CampaignId, submission_id: SubmissionId, state: State, workspace: Workspace
) -> list[ClaimAuditEntry]:
    """Return a claim's audit trail, oldest first, also after the claim was deleted.

    The rules' decision, then each person's decision or deletion: who, when, the outcome
    before and after, and the reason.
    """
    with state.sessions() as session:
        return claims.audit_entries(session, (workspace,), submission_id, campaign_id)
