"""`/v1/webhooks`: register, list, read and delete webhooks, and read their delivery log.

Every route is scoped to the caller's workspace: another workspace's webhook answers 404,
exactly like one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, get_args

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field, field_validator

from paperclerk.storage.errors import InvalidRequestError
from paperclerk.storage.tables import Webhook, WebhookDelivery
from paperclerk.web.errors import ApiError
from paperclerk.web.state import State, Workspace
from paperclerk.webhooks.registry import (
    MAX_URL_CHARS,
    create_webhook,
    delete_webhook,
    get_webhook,
    list_deliveries,
    list_webhooks,
    validate_url,
)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
EventName = Literal[
    "document.completed",
    "document.decided",
    "claim.decided",
    "invoice.approved",
    "invoice.approval_withdrawn",
]


class WebhookIn(BaseModel):
    """A webhook to register: where to POST and which events to send there."""

    url: str = Field(max_length=MAX_URL_CHARS, description="An absolute http(s) url.")
    events: list[EventName] = Field(
        default_factory=lambda: list(get_args(EventName)),
        min_length=1,
        description="Events to send; every event when left out.",
    )
    include_personal: bool = Field(
        False,
        description="Send personal values (identity fields, a payslip's pay, a statement's "
        "holder and balances…) in full; masked as `•••` when false (the default).",
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        """Accept only absolute http and https urls."""
        try:
            return validate_url(url)
        except InvalidRequestError as exc:
            raise ValueError(exc.message) from None


class WebhookOut(BaseModel):
    """A registered webhook (its secret is never shown again after registration)."""

    id: str
    url: str
    events: list[str]
    active: bool
    include_personal: bool = Field(description="Whether bodies carry personal values unmasked.")


class WebhookCreatedOut(WebhookOut):
    """A new webhook with its signing secret: store it now, it is not shown again."""

    secret: str = Field(description="Key of the HMAC-SHA256 in X-Paperclerk-Signature.")


class WebhookListOut(BaseModel):
    """The webhooks of the workspace."""

    items: list[WebhookOut]


class DeliveryOut(BaseModel):
    """One event sent (or being sent) to a webhook, with the outcome of its last attempt."""

    id: int
    event: str
    document_id: str | None = Field(description="The document of a `document.*` event.")
    submission_id: int | None = Field(description="The campaign submission of `claim.decided`.")
    status: str = Field(description="pending, delivered, failed or dead.")
    attempts: int
    next_attempt_at: dt.datetime
    response_code: int | None
    last_error: str | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None


class DeliveryListOut(BaseModel):
    """One page of a delivery log, newest first; pass `next_cursor` as `cursor` for the next."""

    items: list[DeliveryOut]
    next_cursor: str | None


def _out(hook: Webhook) -> WebhookOut:
    """Turn a stored webhook into the API's view of it (without the secret)."""
    return WebhookOut(
        id=hook.id,
        url=hook.url,
        events=list(hook.events),
        active=hook.active,
        include_personal=hook.include_personal,
    )


def _delivery_out(row: WebhookDelivery) -> DeliveryOut:
    """Turn a stored delivery into the API's view of it."""
    return DeliveryOut(
        id=row.id,
        event=row.event,
        document_id=row.document_id,
        submission_id=row.submission_id,
        status=str(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        response_code=row.response_code,
        last_error=row.last_error,
        created_at=row.created_at,
        delivered_at=row.delivered_at,
    )


@router.post("", response_model=WebhookCreatedOut, status_code=201)
def register(state: State, workspace: Workspace, body: WebhookIn) -> WebhookCreatedOut:
    """Register a webhook; the answer holds its signing secret, shown this once only.

    With `include_personal: true` its bodies carry personal values in full; otherwise masked.
    """
    with state.sessions() as session, session.begin():
        new = create_webhook(
            session, workspace, body.url, body.events, include_personal=body.include_personal
        )
        out = _out(new.webhook)
    return WebhookCreatedOut(**out.model_dump(), secret=new.secret)


@router.get("", response_model=WebhookListOut)
def list_(state: State, workspace: Workspace) -> WebhookListOut:
    """List the workspace's webhooks."""
    with state.sessions() as session:
        return WebhookListOut(items=[_out(h) for h in list_webhooks(session, workspace)])


@router.get("/{webhook_id}", response_model=WebhookOut)
def read(state: State, workspace: Workspace, webhook_id: str) -> WebhookOut:
    """Return one webhook of the workspace."""
    with state.sessions() as session:
        hook = get_webhook(session, workspace, webhook_id)
        if hook is None:
            raise ApiError(404, "not_found", "no such webhook in this workspace")
        return _out(hook)


@router.delete("/{webhook_id}", status_code=204)
def delete(state: State, workspace: Workspace, webhook_id: str) -> Response:
    """Delete a webhook with its delivery log; nothing more is sent to it."""
    with state.sessions() as session, session.begin():
        found = delete_webhook(session, workspace, webhook_id)
    if not found:
        raise ApiError(404, "not_found", "no such webhook in this workspace")
    return Response(status_code=204)


@router.get("/{webhook_id}/deliveries", response_model=DeliveryListOut)
def deliveries(
    state: State,
    workspace: Workspace,
    webhook_id: str,
    cursor: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DeliveryListOut:
    """Return the webhook's delivery log, newest first, with a cursor."""
    with state.sessions() as session:
        page = list_deliveries(session, workspace, webhook_id, limit=limit, cursor=cursor)
        return DeliveryListOut(
            items=[_delivery_out(d) for d in page.items], next_cursor=page.next_cursor
        )
