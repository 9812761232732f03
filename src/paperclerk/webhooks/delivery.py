"""Sending webhook deliveries: claim what is due, POST it signed, record the outcome.

Each delivery is claimed alone under a short lease (its `next_attempt_at` pushed forward
and its attempt counted in one atomic UPDATE; `FOR UPDATE SKIP LOCKED` on PostgreSQL),
so two workers never send the same delivery at the same time. The HTTP request runs
outside any transaction, and its outcome is written only if the claim is still ours.
A sender killed after the request but before the write leaves the delivery to be sent
again once the lease passes: delivery is at least once, and receivers deduplicate on
`X-Paperclerk-Delivery`.

Receivers check `X-Paperclerk-Signature` with `verify_signature`: the header is
`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" under the webhook's secret>`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import random
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from paperclerk import __version__
from paperclerk.model.personal import MASK, personal_fields
from paperclerk.queue.jobs import backoff_delay
from paperclerk.storage.columns import DeliveryStatus, utcnow
from paperclerk.storage.tables import DocumentRow, Webhook, WebhookDelivery
from paperclerk.webhooks.targets import WebhookTargetError, check_target, pinned_url

MAX_ATTEMPTS = 8
RETRY_BASE_S = 10.0
RETRY_CAP_S = 3600.0
CLAIM_LEASE_S = 120.0
"""How long a claimed delivery is ours; keep the HTTP client's timeout well below it."""
SIGNATURE_HEADER = "X-Paperclerk-Signature"
EVENT_HEADER = "X-Paperclerk-Event"
DELIVERY_HEADER = "X-Paperclerk-Delivery"
_MAX_ERROR_CHARS = 1000

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Claim:
    """A delivery this sender holds, with what it needs to build and send the request."""

    id: int
    attempts: int
    event: str
    url: str | None
    secret: str
    payload: dict[str, Any] | None


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    """Return the `X-Paperclerk-Signature` value for a body sent at `timestamp`.

    Signing the timestamp with the body lets a receiver refuse replays of old requests.
    """
    return f"t={timestamp},v1={_digest(secret, timestamp, body)}"


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    """Return the hex HMAC-SHA256 of `<timestamp>.<body>` under the secret."""
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_signature(
    secret: str,
    header: str,
    body: bytes | str,
    tolerance_s: float = 300,
    *,
    now: float | None = None,
) -> bool:
    """Tell whether a webhook request is authentic and fresh; use it in a receiver.

    Pass the webhook's secret, the `X-Paperclerk-Signature` header and the raw request body
    exactly as received (not re-serialised JSON). True only when a `v1` signature matches
    (compared in constant time) and the signed timestamp is within `tolerance_s` seconds of
    `now` (default: the current time), which stops replays of captured requests.
    """
    raw = body.encode() if isinstance(body, str) else body
    stamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t" and value.isascii() and value.isdigit() and len(value) <= 12:
            stamp = int(value)
        elif key == "v1":
            signatures.append(value)
    if stamp is None or not signatures:
        return False
    if abs((time.time() if now is None else now) - stamp) > tolerance_s:
        return False
    expected = _digest(secret, stamp, raw)
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)


def deliver_due(
    session_factory: sessionmaker[Session],
    http: httpx.Client,
    now: dt.datetime | None = None,
    limit: int = 20,
    *,
    public_url: str = "",
    rng: random.Random | None = None,
) -> int:
    """Send up to `limit` due deliveries, one at a time; return how many were attempted.

    A 2xx answer marks a delivery delivered; any other answer or a network error schedules
    a retry after `backoff_delay` (10 s, 20 s, … capped at one hour, with jitter) until
    `MAX_ATTEMPTS`, then marks it failed. `now` (default: the clock at each claim) decides
    what is due and when retries run; `public_url` prefixes the body's `result_url`.
    Cheap when nothing is due: one indexed read, no write.
    """
    if not _anything_due(session_factory, now or utcnow()):
        return 0
    _fail_abandoned(session_factory, now or utcnow())
    sent = 0
    while sent < limit:
        claim = _claim_one(session_factory, now or utcnow(), public_url)
        if claim is None:
            break
        if claim.url is None or claim.payload is None:
            _record(session_factory, claim, DeliveryStatus.DEAD, None, "webhook disabled", now)
            continue
        code, error = _send(http, claim)
        sent += 1
        if error is None:
            _record(session_factory, claim, DeliveryStatus.DELIVERED, code, None, now)
        elif claim.attempts >= MAX_ATTEMPTS:
            _record(session_factory, claim, DeliveryStatus.FAILED, code, error, now)
        else:
            delay = backoff_delay(claim.attempts, base=RETRY_BASE_S, cap=RETRY_CAP_S, rng=rng)
            retry_at = (now or utcnow()) + dt.timedelta(seconds=delay)
            _record(session_factory, claim, DeliveryStatus.PENDING, code, error, now, retry_at)
    return sent


def _due(now: dt.datetime, delivery: Any = WebhookDelivery) -> ColumnElement[bool]:
    """Return the condition of a delivery that may be claimed now."""
    return and_(
        delivery.status == DeliveryStatus.PENDING,
        delivery.next_attempt_at <= now,
        delivery.attempts < MAX_ATTEMPTS,
    )


def _anything_due(session_factory: sessionmaker[Session], now: dt.datetime) -> bool:
    """Tell whether any pending delivery's time has come (a read, so idle polling is cheap)."""
    with session_factory() as session:
        stmt = select(WebhookDelivery.id).where(
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.next_attempt_at <= now,
        )
        return session.scalar(stmt.limit(1)) is not None


def _fail_abandoned(session_factory: sessionmaker[Session], now: dt.datetime) -> None:
    """Mark failed the deliveries whose last allowed attempt was claimed but never recorded."""
    with session_factory() as session, session.begin():
        session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.status == DeliveryStatus.PENDING,
                WebhookDelivery.next_attempt_at <= now,
                WebhookDelivery.attempts >= MAX_ATTEMPTS,
            )
            .values(status=DeliveryStatus.FAILED, last_error="the sender stopped mid-attempt")
            .execution_options(synchronize_session=False)
        )


def _claim_one(
    session_factory: sessionmaker[Session], now: dt.datetime, public_url: str
) -> _Claim | None:
    """Take the oldest due delivery under a lease and read what sending it needs."""
    candidate = aliased(WebhookDelivery)
    next_id = (
        select(candidate.id)
        .where(_due(now, candidate))
        .order_by(candidate.next_attempt_at, candidate.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    with session_factory() as session, session.begin():
        row = session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == next_id, _due(now))
            .values(
                attempts=WebhookDelivery.attempts + 1,
                next_attempt_at=now + dt.timedelta(seconds=CLAIM_LEASE_S),
            )
            .returning(
                WebhookDelivery.id,
                WebhookDelivery.attempts,
                WebhookDelivery.webhook_id,
                WebhookDelivery.document_id,
                WebhookDelivery.event,
                WebhookDelivery.payload,
            )
            .execution_options(synchronize_session=False)
        ).first()
        if row is None:
            return None
        delivery_id, attempts, webhook_id, document_id, event, stored = row
        hook = session.get(Webhook, webhook_id)
        if document_id is None or isinstance(stored, dict):  # claim and invoice events:
            # the body was kept when the event was recorded
            payload = {**stored, "event": event} if isinstance(stored, dict) else None
        else:
            doc = session.get(DocumentRow, document_id)
            personal = hook is not None and hook.include_personal
            payload = _payload(event, doc, public_url, personal) if doc is not None else None
        if hook is None or not hook.active or payload is None:
            return _Claim(delivery_id, attempts, event, None, "", None)
        return _Claim(delivery_id, attempts, event, hook.url, hook.secret, payload)


def _payload(
    event: str, doc: DocumentRow, public_url: str, include_personal: bool = False
) -> dict[str, Any]:
    """Return the event body: ids, status, doc type, decision outcome and the field values.

    `fields` maps each field of the result to its value (as in the result's JSON), its
    confidence and whether it is personal data; personal values are masked (`•••`) unless
    the webhook asked for them (`include_personal`). Pages, words and line items stay out:
    the full result is at `result_url`.
    """
    decision = (doc.result or {}).get("decision")
    outcome = decision.get("outcome") if isinstance(decision, dict) else None
    return {
        "event": event,
        "document_id": doc.id,
        "generation": doc.generation,
        "workspace": doc.workspace_id,
        "status": str(doc.status),
        "doc_type": doc.doc_type,
        "decision": outcome if isinstance(outcome, str) else None,
        "result_url": f"{public_url.rstrip('/')}/v1/documents/{doc.id}",
        "fields": _fields(doc, include_personal),
    }


def _fields(doc: DocumentRow, include_personal: bool) -> dict[str, dict[str, Any]]:
    """Return the result's fields for a body: value, confidence and personal flag each.

    Read from the stored JSON as it is (no model validation), so a partial or older result
    is sent as far as it goes; a purged document's values are masked already.
    """
    result = doc.result or {}
    stored = result.get("fields")
    if not isinstance(stored, dict):
        return {}
    personal = personal_fields(str(result.get("doc_type") or doc.doc_type or ""))
    out: dict[str, dict[str, Any]] = {}
    for name, field in stored.items():
        if not isinstance(field, dict):
            continue
        value = field.get("value")
        is_personal = name in personal
        if is_personal and not include_personal and value not in (None, ""):
            value = MASK
        out[name] = {
            "value": value,
            "confidence": field.get("confidence"),
            "personal": is_personal,
        }
    return out


def _send(http: httpx.Client, claim: _Claim) -> tuple[int | None, str | None]:
    """POST the signed body; return the status code and an error (None on a 2xx).

    The url's host is resolved and checked again now (it may point elsewhere than at
    registration) and the request goes to the address checked, with the url's host name in
    `Host` and TLS; a redirect is not followed (it counts as a failed attempt).
    """
    assert claim.url is not None and claim.payload is not None
    try:
        address = check_target(claim.url)
    except WebhookTargetError as exc:
        log.warning("webhook delivery %s refused: %s", claim.id, exc.message)
        return None, exc.message[:_MAX_ERROR_CHARS]
    payload = {**claim.payload, "sent_at": utcnow().isoformat()}
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"paperclerk/{__version__}",
        SIGNATURE_HEADER: signature_header(claim.secret, body, int(time.time())),
        EVENT_HEADER: claim.event,
        DELIVERY_HEADER: str(claim.id),
    }
    target, extensions = claim.url, {}
    if address is not None:
        parts = urlsplit(claim.url)
        target = pinned_url(claim.url, address)
        headers["Host"] = parts.netloc.rpartition("@")[2]
        extensions = {"sni_hostname": parts.hostname or ""}
    try:
        response = http.post(
            target, content=body, headers=headers, extensions=extensions, follow_redirects=False
        )
    except Exception as exc:  # any failure to send is a failed attempt, retried later
        log.info("webhook delivery %s failed: %s", claim.id, type(exc).__name__)
        return None, f"{type(exc).__name__}: {exc}"[:_MAX_ERROR_CHARS]
    if 200 <= response.status_code < 300:
        return response.status_code, None
    log.info("webhook delivery %s answered %s", claim.id, response.status_code)
    return response.status_code, f"HTTP {response.status_code}"


def _record(
    session_factory: sessionmaker[Session],
    claim: _Claim,
    status: DeliveryStatus,
    code: int | None,
    error: str | None,
    now: dt.datetime | None,
    retry_at: dt.datetime | None = None,
) -> bool:
    """Write an attempt's outcome if the claim is still ours; return whether it was written."""
    at = now or utcnow()
    values: dict[str, Any] = {"status": status, "response_code": code, "last_error": error}
    if status == DeliveryStatus.DELIVERED:
        values["delivered_at"] = at
    if retry_at is not None:
        values["next_attempt_at"] = retry_at
    with session_factory() as session, session.begin():
        result = session.execute(
            update(WebhookDelivery)
            .where(_held(claim))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _held(claim: _Claim) -> ColumnElement[bool]:
    """Return the condition that this claim of the delivery is still the live one."""
    return and_(
        WebhookDelivery.id == claim.id,
        WebhookDelivery.status == DeliveryStatus.PENDING,
        WebhookDelivery.attempts == claim.attempts,
    )
