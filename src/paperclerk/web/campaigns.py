"""`/v1/campaigns`: campaigns, receipt submissions with decisions, and learnt product aliases.

Every route is scoped to the API key's workspace: another workspace's campaigns and
submissions answer 404, exactly like ids that do not exist.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Header, Path, Query, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from paperclerk.errors import UnsupportedMediaTypeError
from paperclerk.ingest import check_bytes
from paperclerk.ingest.sniff import XML
from paperclerk.loyalty import store
from paperclerk.loyalty.campaign import Campaign, campaign_from_dict, load_campaign_yaml
from paperclerk.loyalty.service import SubmissionResult
from paperclerk.queue.memory import MemoryTask, TaskKind, local_handoff
from paperclerk.storage.columns import utcnow
from paperclerk.web.errors import ApiError
from paperclerk.web.state import AppState, State, Workspace
from paperclerk.web.submission_jobs import ClaimJobOut, queue_submission, wants_async

router = APIRouter(prefix="/v1/campaigns", tags=["campaigns"])
CampaignId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
SubmissionId = Annotated[int, Path(ge=1, le=2**63 - 1)]
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")


class AliasIn(BaseModel):
    """A reviewer's correction: this till text is that campaign product."""

    text: str = Field(min_length=1, max_length=500, pattern=r"^[^\x00]*$")
    product_id: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$")


class AliasOut(BaseModel):
    """The stored alias (normalised till text)."""

    text: str
    product_id: str


async def _campaign_body(request: Request) -> Campaign:
    """Read a campaign from a JSON or YAML request body."""
    raw = await request.body()
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(422, "invalid_campaign", "the campaign must be UTF-8 text") from None
    if kind in YAML_TYPES:
        return load_campaign_yaml(text)
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ApiError(422, "invalid_campaign", f"the body is not JSON: {exc}") from None
    return campaign_from_dict(data)


def _save(state: AppState, workspace: str, campaign: Campaign, replace: bool) -> Campaign:
    with state.sessions.begin() as session:
        store.save_campaign(session, workspace, campaign, replace=replace)
    return campaign


@router.post("", response_model=Campaign, status_code=201)
async def create_campaign(request: Request, state: State, workspace: Workspace) -> Campaign:
    """Create a campaign from JSON, or YAML with `Content-Type: application/yaml`."""
    campaign = await _campaign_body(request)
    return _save(state, workspace, campaign, replace=False)


@router.put("/{campaign_id}", response_model=Campaign)
async def replace_campaign(
    campaign_id: CampaignId, request: Request, state: State, workspace: Workspace
) -> Campaign:
    """Create or replace a campaign; the id in the body must match the path."""
    campaign = await _campaign_body(request)
    if campaign.id != campaign_id:
        raise ApiError(422, "invalid_campaign", "the body's id differs from the path's")
    return _save(state, workspace, campaign, replace=True)


@router.get("", response_model=list[Campaign])
def list_campaigns(state: State, workspace: Workspace) -> list[Campaign]:
    """List the workspace's campaigns."""
    with state.sessions() as session:
        return store.list_campaigns(session, workspace)


@router.get("/{campaign_id}", response_model=Campaign)
def get_campaign(campaign_id: CampaignId, state: State, workspace: Workspace) -> Campaign:
    """Return one campaign."""
    with state.sessions() as session:
        return store.get_campaign(session, workspace, campaign_id)


def _prepare(
    state: AppState,
    workspace: str,
    campaign_id: str,
    participant: str,
    data: bytes,
    filename: str | None,
) -> MemoryTask:
    """Check what the API can check cheaply (campaign, file type) and make the worker's task."""
    with state.sessions() as session:
        store.get_campaign(session, workspace, campaign_id)
    if check_bytes(data).media_type == XML:
        raise UnsupportedMediaTypeError(
            "a campaign claim needs a photo, scan or PDF of the receipt, not an e-invoice XML"
        )
    return MemoryTask(
        TaskKind.CAMPAIGN,
        workspace,
        data,
        filename=filename,
        campaign_id=campaign_id,
        participant_id=participant,
        received_at=utcnow(),
    )


@router.post(
    "/{campaign_id}/submissions",
    response_model=SubmissionResult,
    responses={202: {"model": ClaimJobOut, "description": "queued (mode=async): poll it"}},
)
async def submit_receipt(
    campaign_id: CampaignId,
    state: State,
    workspace: Workspace,
    file: Annotated[UploadFile, File(description="Photo or scan of the receipt.")],
    participant_id: Annotated[str, Form(min_length=1, max_length=200)],
    mode: Annotated[
        Literal["sync", "async"], Query(description="async: queue it, answer 202 at once.")
    ] = "sync",
    prefer: Annotated[str | None, Header(max_length=200)] = None,
) -> SubmissionResult | Response:
    """Submit a receipt for a participant; answer with the decision, reward and findings.

    A worker of this process reads the receipt and decides (the request's bytes are handed
    over in memory, ahead of every queued job; the original is kept in the blob store).
    Without embedded workers the answer is 503 `no_worker`; when no worker finished within
    120 s, 504 `worker_timeout`, and the submission was not stored.
    With `mode=async` (or `Prefer: respond-async`) the receipt is stored and queued for any
    worker (`paperclerk worker` on other machines too): 202 with the job's `status_url`
    (also `Location`) to poll until it answers the decision (`web.submission_jobs`).
    """
    data = await file.read(state.max_bytes + 1)
    if len(data) > state.max_bytes:
        raise ApiError(413, "limit_exceeded", f"the file is larger than {state.max_bytes} bytes")
    if not data:
        raise ApiError(422, "empty_input", "the uploaded file is empty")
    if not participant_id.isprintable():
        raise ApiError(422, "invalid_request", "participant_id must be printable text")
    name = "".join(c for c in (file.filename or "") if c.isprintable())[:200] or None
    task = await run_in_threadpool(
        partial(_prepare, state, workspace, campaign_id, participant_id, data, name)
    )
    if wants_async(mode, prefer):
        queued = partial(queue_submission, state, task, preferred=wants_async("sync", prefer))
        return await run_in_threadpool(queued)
    result = await local_handoff(state.database_url).run(task)
    return SubmissionResult.model_validate(result)


@router.get("/{campaign_id}/submissions/{submission_id}", response_model=SubmissionResult)
def get_submission(
    campaign_id: CampaignId, submission_id: SubmissionId, state: State, workspace: Workspace
) -> SubmissionResult:
    """Return a stored decision."""
    with state.sessions() as session:
        row = store.get_submission(session, workspace, campaign_id, submission_id)
        if row is None:
            raise ApiError(404, "not_found", f"no submission {submission_id}")
        return SubmissionResult.model_validate(row.result)


@router.post("/{campaign_id}/aliases", response_model=AliasOut, status_code=201)
def add_alias(
    campaign_id: CampaignId, body: AliasIn, state: State, workspace: Workspace
) -> AliasOut:
    """Teach the product matcher: this till text is that product (from a reviewer)."""
    with state.sessions.begin() as session:
        campaign = store.get_campaign(session, workspace, campaign_id)
        key = store.learn_alias(session, workspace, campaign, body.text, body.product_id)
    return AliasOut(text=key, product_id=body.product_id)
