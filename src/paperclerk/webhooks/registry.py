"""Webhooks of a workspace: register, list, delete; record events; read the delivery log.

Every read and delete takes the caller's workspace id, so one tenant can never reach
another's webhooks or deliveries. None of these functions commits: the caller owns the
transaction, which is what lets `record_events` commit together with a document's result.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from paperclerk.storage.columns import DeliveryStatus, utcnow
from paperclerk.storage.errors import InvalidCursorError, InvalidRequestError, NotFoundError
from paperclerk.storage.tables import DocumentRow, Webhook, WebhookDelivery
from paperclerk.webhooks.targets import check_target

EVENT_COMPLETED = "document.completed"
"""Sent once a document's result is stored."""
EVENT_DECIDED = "document.decided"
"""Sent once a document has a final decision: by the pipeline or by a reviewer."""
EVENT_CLAIM_DECIDED = "claim.decided"
"""Sent when a campaign submission gets a final outcome: automatically or at the claims desk."""
EVENT_INVOICE_APPROVED = "invoice.approved"
"""Sent when an invoice becomes payable: its payment approval completed (`payables`)."""
EVENT_INVOICE_WITHDRAWN = "invoice.approval_withdrawn"
"""Sent when a payable invoice is reopened: the earlier `invoice.approved` no longer holds."""
EVENT_MODEL_DRIFT = "model.drift"
"""Sent when the drift monitor raises an alarm for a document type (`monitoring.drift`)."""
DOCUMENT_EVENTS = (EVENT_COMPLETED, EVENT_DECIDED)
INVOICE_EVENTS = (EVENT_INVOICE_APPROVED, EVENT_INVOICE_WITHDRAWN)
EVENTS = (*DOCUMENT_EVENTS, EVENT_CLAIM_DECIDED, *INVOICE_EVENTS, EVENT_MODEL_DRIFT)
FINAL_OUTCOMES = frozenset({"auto_approved", "approved", "rejected"})
"""Decision outcomes that are final; `needs_review` waits for a person's decision."""
MAX_URL_CHARS = 2000
MAX_PAGE_SIZE = 200
SECRET_PREFIX = "whsec_"
_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class NewWebhook:
    """A freshly registered webhook and its signing secret (shown to the caller once)."""

    webhook: Webhook
    secret: str


@dataclass(frozen=True)
class DeliveryPage:
    """One page of a delivery log, newest first, and the cursor of the next page."""

    items: list[WebhookDelivery]
    next_cursor: str | None


def validate_url(url: str) -> str:
    """Return the URL stripped; raise `InvalidRequestError` unless it is absolute http(s).

    Only http and https with a host are accepted, so a typo or a `file:` URL is refused at
    registration instead of failing eight times at delivery.
    """
    url = url.strip()
    if not url or len(url) > MAX_URL_CHARS:
        raise InvalidRequestError(f"a webhook url needs 1 to {MAX_URL_CHARS} characters")
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        raise InvalidRequestError(f"{url!r} is not a valid url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise InvalidRequestError("a webhook url must be an absolute http:// or https:// url")
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise InvalidRequestError("a webhook url must not contain spaces or control characters")
    return url


def validate_events(events: Iterable[str] | None) -> list[str]:
    """Return the events deduplicated in a fixed order; None means every event.

    Raise `InvalidRequestError` for an unknown event name or an empty list.
    """
    if events is None:
        return list(EVENTS)
    wanted = set(events)
    unknown = sorted(wanted - set(EVENTS))
    if unknown:
        raise InvalidRequestError(f"unknown event(s) {unknown}; use {', '.join(EVENTS)}")
    if not wanted:
        raise InvalidRequestError(f"give at least one event of {', '.join(EVENTS)}")
    return [event for event in EVENTS if event in wanted]


def create_webhook(
    session: Session,
    workspace_id: str,
    url: str,
    events: Iterable[str] | None = None,
    *,
    include_personal: bool = False,
) -> NewWebhook:
    """Register a webhook for a workspace with a new random signing secret.

    Its bodies carry personal values (`model.personal`) masked unless `include_personal`
    asks for them in full: a receiver that does not need them never holds them.

    The secret is stored (the sender needs it to sign) and returned here; the API shows it
    only in the answer to the registration. A url whose host resolves to a loopback,
    private or otherwise non-public address is refused (`WebhookTargetError`) unless
    `PAPERCLERK_WEBHOOK_ALLOW_HOSTS` lets it through.
    """
    url = validate_url(url)
    check_target(url)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    hook = Webhook(
        workspace_id=workspace_id,
        url=url,
        secret=secret,
        events=validate_events(events),
        active=True,
        include_personal=include_personal,
    )
    session.add(hook)
    session.flush()
    return NewWebhook(hook, secret)


def list_webhooks(session: Session, workspace_id: str) -> list[Webhook]:
    """Return the webhooks of a workspace, ordered by url."""
    stmt = select(Webhook).where(Webhook.workspace_id == workspace_id)
    return list(session.scalars(stmt.order_by(Webhook.url, Webhook.id)))


def get_webhook(session: Session, workspace_id: str, webhook_id: str) -> Webhook | None:
    """Return the webhook when it exists in this workspace, else None.

    An id that is not 32 hex digits is answered without a query: no such row can exist, and
    bytes such as NUL would make PostgreSQL raise instead of finding nothing.
    """
    if not _ID.fullmatch(webhook_id):
        return None
    stmt = select(Webhook).where(Webhook.id == webhook_id, Webhook.workspace_id == workspace_id)
    return session.scalars(stmt).first()


def delete_webhook(session: Session, workspace_id: str, webhook_id: str) -> bool:
    """Delete a webhook of this workspace and its delivery log; return whether one existed.

    Pending deliveries go with it, so nothing more is sent to that url.
    """
    hook = get_webhook(session, workspace_id, webhook_id)
    if hook is None:
        return False
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id))
    session.execute(delete(Webhook).where(Webhook.id == webhook_id))
    session.expunge(hook)
    return True


def record_events(
    session: Session,
    document_id: str,
    workspace_id: str,
    decision_outcome: str | None,
    *,
    decided_only: bool = False,
) -> int:
    """Queue one pending delivery per active webhook and subscribed event; return how many.

    Call it in the transaction that stores the document's result, so the events exist if
    and only if the result does. `document.completed` is always recorded, and
    `document.decided` when the outcome is final (`FINAL_OUTCOMES`): a document that
    needs review is announced as decided once a reviewer approves or rejects it. The
    unique (webhook, document, event, generation) key plus `INSERT … ON CONFLICT DO
    NOTHING` (SQLite and PostgreSQL alike) make a second call for the same document,
    e.g. from a redelivered job, add nothing, without aborting the caller's transaction.
    A reprocessed document has a new generation, so its new result is announced once
    more; so does a reopened one (`review.decisions.reopen`), whose next decision is
    announced once. A reviewer's decision passes `decided_only`: it stores no new
    result, so only `document.decided` is recorded (a reopened document's result was
    announced as completed before).
    """
    generation = session.scalar(select(DocumentRow.generation).where(DocumentRow.id == document_id))
    events = list(DOCUMENT_EVENTS) if decision_outcome in FINAL_OUTCOMES else [EVENT_COMPLETED]
    if decided_only:
        events = [e for e in events if e == EVENT_DECIDED]
    hooks = session.scalars(
        select(Webhook)
        .where(Webhook.workspace_id == workspace_id, Webhook.active.is_(True))
        .order_by(Webhook.id)
    )
    now = utcnow()
    added = 0
    for hook in list(hooks):
        for event in events:
            if event in (hook.events or []):
                subject = {"document_id": document_id}
                added += _insert_once(session, hook.id, subject, event, generation or 0, now)
    return added


def record_claim_event(
    session: Session,
    workspace_id: str,
    submission_id: int,
    generation: int,
    payload: dict[str, Any],
) -> int:
    """Queue a `claim.decided` delivery per subscribed active webhook; return how many.

    Call it in the transaction that stores the claim's final outcome. `generation` numbers
    the claim's decisions (0 for the automatic one, then one more per decision at the
    desk), so each is announced once: a retried transaction or a second call adds
    nothing. The body is kept as given (`payload`), so a later decision never rewrites
    what an earlier delivery says.
    """
    subject: dict[str, Any] = {"submission_id": submission_id, "payload": payload}
    return _record_kept(session, workspace_id, subject, EVENT_CLAIM_DECIDED, generation)


def record_invoice_event(
    session: Session,
    workspace_id: str,
    document_id: str,
    generation: int,
    payload: dict[str, Any],
    event: str = EVENT_INVOICE_APPROVED,
) -> int:
    """Queue an invoice event's delivery per subscribed active webhook; return how many.

    `invoice.approved` is recorded in the transaction that makes the invoice payable,
    `invoice.approval_withdrawn` in the one that reopens a payable invoice. The body is
    kept as given (`payload`: the approval trail and the export for the ERP), so what was
    announced is what was approved; the (webhook, document, event, generation) key makes
    a second call for the same generation of the document add nothing.
    """
    if event not in INVOICE_EVENTS:
        raise ValueError(f"not an invoice event: {event!r}")
    subject: dict[str, Any] = {"document_id": document_id, "payload": payload}
    return _record_kept(session, workspace_id, subject, event, generation)


def record_drift_event(
    session: Session, workspace_id: str, document_id: str, payload: dict[str, Any]
) -> int:
    """Queue a `model.drift` delivery per subscribed active webhook; return how many.

    Recorded in the transaction that stores the document whose arrival raised the alarms
    (`document_id`), with the alarms as the kept body (`payload`): one event per document,
    however many signals it tipped over.
    """
    subject: dict[str, Any] = {"document_id": document_id, "payload": payload}
    return _record_kept(session, workspace_id, subject, EVENT_MODEL_DRIFT, 0)


def _record_kept(
    session: Session, workspace_id: str, subject: dict[str, Any], event: str, generation: int
) -> int:
    """Queue `event` with a kept body for each active webhook of the workspace subscribed to it."""
    hooks = session.scalars(
        select(Webhook)
        .where(Webhook.workspace_id == workspace_id, Webhook.active.is_(True))
        .order_by(Webhook.id)
    )
    now = utcnow()
    return sum(
        _insert_once(session, hook.id, subject, event, generation, now)
        for hook in list(hooks)
        if event in (hook.events or [])
    )


def _insert_once(
    session: Session,
    webhook_id: str,
    subject: dict[str, Any],
    event: str,
    generation: int,
    now: dt.datetime,
) -> int:
    """Insert a pending delivery unless this event of this generation has one; return 1 or 0.

    `subject` is `{"document_id": …}` or `{"submission_id": …, "payload": …}`; the
    unique key of that kind of subject decides what counts as the same event.
    """
    values = {
        "webhook_id": webhook_id,
        **subject,
        "event": event,
        "generation": generation,
        "status": DeliveryStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    kind = "submission_id" if "submission_id" in subject else "document_id"
    keys = ["webhook_id", kind, "event", "generation"]
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        pg = postgresql.insert(WebhookDelivery).values(**values)
        stmt = pg.on_conflict_do_nothing(index_elements=keys).returning(WebhookDelivery.id)
    elif dialect == "sqlite":
        lite = sqlite.insert(WebhookDelivery).values(**values)
        stmt = lite.on_conflict_do_nothing(index_elements=keys).returning(WebhookDelivery.id)
    else:
        raise NotImplementedError(f"webhook deliveries need SQLite or PostgreSQL, not {dialect}")
    return 0 if session.execute(stmt).scalar_one_or_none() is None else 1


def list_deliveries(
    session: Session,
    workspace_id: str,
    webhook_id: str,
    *,
    limit: int = 50,
    cursor: str | None = None,
) -> DeliveryPage:
    """Return a webhook's deliveries, newest first, one page at a time.

    Raise `NotFoundError` when the webhook is not in this workspace. The cursor is the id of
    the last delivery of the previous page (keyset pagination, stable while rows are added).
    """
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidRequestError(f"limit must be between 1 and {MAX_PAGE_SIZE}")
    if get_webhook(session, workspace_id, webhook_id) is None:
        raise NotFoundError("no such webhook in this workspace")
    stmt = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)
    if cursor is not None:
        digits = cursor.isascii() and cursor.isdigit() and len(cursor) <= 19
        if not (digits and int(cursor) < 2**63):
            raise InvalidCursorError("the cursor is not valid; start again without one")
        stmt = stmt.where(WebhookDelivery.id < int(cursor))
    stmt = stmt.order_by(WebhookDelivery.id.desc()).limit(limit + 1)
    rows = list(session.scalars(stmt))
    if len(rows) <= limit:
        return DeliveryPage(rows, None)
    return DeliveryPage(rows[:limit], str(rows[limit - 1].id))
