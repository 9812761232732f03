"""Asynchronous campaign submissions: queue one (202), then poll its state.

`POST /v1/campaigns/{id}/submissions?mode=async` (or with `Prefer: respond-async`) is
checked like a synchronous one (`web.campaigns._prepare`: campaign, file type), then
queued here (`queue_submission`): the original goes to the blob store first, then its row
and job are committed together (`loyalty.submission_jobs`), and the answer is 202 with
the job's id, `status: queued`, its `status_url` and a `Location` header. Any worker
decides it, an embedded one or `paperclerk worker` on another machine.

`GET /v1/campaigns/{id}/jobs/{job_id}` polls: queued or running → 200 with the status;
done → the `SubmissionResult` as it is stored now (a decision at the claims desk shows);
failed → the error as a synchronous submission would have answered it (its code; 4xx for
bad input or a campaign gone, 503 `lease_expired` for a receipt whose workers kept dying).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from paperclerk.errors import PaperclerkError
from paperclerk.ingest import sniff_media_type
from paperclerk.loyalty import store
from paperclerk.loyalty.service import SubmissionResult
from paperclerk.loyalty.submission_jobs import claim_job_state, enqueue_claim
from paperclerk.queue.memory import MemoryTask
from paperclerk.storage.columns import utcnow
from paperclerk.web.errors import ApiError
from paperclerk.web.queue_limit import check_queue
from paperclerk.web.state import AppState, State, Workspace

router = APIRouter(prefix="/v1/campaigns", tags=["campaigns"])
CampaignId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
JobId = Annotated[str, Path(max_length=64)]
_RESPOND_ASYNC = re.compile(r"(?:^|[,;\s])respond-async(?:$|[,;\s])", re.IGNORECASE)


class ClaimJobOut(BaseModel):
    """A queued campaign submission: poll `status_url` until it is decided."""

    job_id: str
    status: Literal["queued", "running"]
    status_url: str


def wants_async(mode: str, prefer: str | None) -> bool:
    """Tell whether a submission asked to be queued: `mode=async` or `Prefer: respond-async`."""
    return mode == "async" or bool(prefer and _RESPOND_ASYNC.search(prefer))


def status_url(campaign_id: str, job_id: str) -> str:
    """Return the path a client polls for a queued submission's state."""
    return f"/v1/campaigns/{campaign_id}/jobs/{job_id}"


def queue_submission(state: AppState, task: MemoryTask, *, preferred: bool) -> JSONResponse:
    """Store a checked submission's original, queue its job, answer 202 with where to poll.

    Refused with 429 `queue_full` (and Retry-After) while more jobs wait than
    `PAPERCLERK_MAX_QUEUE_DEPTH`, as documents are. `preferred`: the client asked with
    `Prefer: respond-async`, which the answer confirms (`Preference-Applied`).
    """
    if task.campaign_id is None or task.participant_id is None:
        raise ApiError(422, "invalid_request", "a submission needs a campaign and a participant")
    check_queue(state)
    sha = state.blobs.put(task.data)  # kept before the job exists: a worker always finds it
    with state.sessions.begin() as session:
        job_id = enqueue_claim(
            session,
            task.workspace_id,
            task.campaign_id,
            task.participant_id,
            sha256=sha,
            size_bytes=len(task.data),
            media_type=sniff_media_type(task.data),
            filename=task.filename,
            received_at=task.received_at or utcnow(),
        )
    url = status_url(task.campaign_id, job_id)
    body = ClaimJobOut(job_id=job_id, status="queued", status_url=url)
    headers = {"Location": url}
    if preferred:
        headers["Preference-Applied"] = "respond-async"
    return JSONResponse(body.model_dump(mode="json"), status_code=202, headers=headers)


def failure_status(code: str) -> int:
    """Return the HTTP status of a failed submission's error code.

    The status its typed error answers (415 unsupported file, 404 campaign gone …); 503
    for `lease_expired` (the workers reading it kept dying); 500 for an unexpected error.
    """
    if code == "lease_expired":
        return 503
    pending: list[type[PaperclerkError]] = [PaperclerkError]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__dict__.get("code") == code and isinstance(cls.http_status, int):
            return cls.http_status
    return 500


@router.get(
    "/{campaign_id}/jobs/{job_id}",
    response_model=SubmissionResult | ClaimJobOut,
    responses={200: {"description": "the decision once done, else the job's status"}},
)
def get_submission_job(
    campaign_id: CampaignId, job_id: JobId, state: State, workspace: Workspace
) -> SubmissionResult | ClaimJobOut:
    """Poll a queued submission: its status while queued or running, then its decision.

    A failed submission answers its error (`{"error": {"code", "message"}}`) with the
    status a synchronous submission would have had; 404 for ids of other workspaces,
    other campaigns, or no submission at all.
    """
    if not re.fullmatch(r"[0-9a-f]{32}", job_id):  # no query for ids that cannot exist
        raise ApiError(404, "not_found", f"no queued submission {job_id!r}")
    with state.sessions() as session:
        job = claim_job_state(session, workspace, campaign_id, job_id)
        if job is None:
            raise ApiError(404, "not_found", f"no queued submission {job_id}")
        if job.status == "failed":
            code = job.error_code or "internal_error"
            raise ApiError(failure_status(code), code, job.error_message or code)
        if job.status != "done" or job.submission_id is None:
            status: Literal["queued", "running"] = "queued" if job.status == "queued" else "running"
            return ClaimJobOut(
                job_id=job.job_id, status=status, status_url=status_url(campaign_id, job_id)
            )
        row = store.get_submission(session, workspace, campaign_id, job.submission_id)
        if row is None:
            raise ApiError(404, "not_found", f"submission {job.submission_id} was deleted")
        return SubmissionResult.model_validate(row.result)
