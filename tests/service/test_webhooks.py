"""Webhooks on SQLite and PostgreSQL: signed bodies to a real receiver, retries, once-only, API.

And their targets: public addresses only (SSRF), unless PAPERCLERK_WEBHOOK_ALLOW_HOSTS says so.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from paperclerk.queue.jobs import finish_document, reprocess
from paperclerk.settings import get_settings
from paperclerk.storage.columns import DeliveryStatus, utcnow
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.tables import Job, WebhookDelivery
from paperclerk.storage.workspaces import create_api_key, create_workspace
from paperclerk.web.app import create_app
from paperclerk.webhooks import (
    FINAL_OUTCOMES,
    MAX_ATTEMPTS,
    WebhookTargetError,
    create_webhook,
    deliver_due,
    record_claim_event,
    record_events,
    signature_header,
    targets,
    verify_signature,
)
from paperclerk.webhooks.targets import AllowList, check_target, refusal
from paperclerk.worker.runner import WorkerConfig, work
from tests.service.claims_helpers import CAMPAIGN_ID, claim, save_offer
from tests.service.helpers import submit
from tests.service.test_api import receipt_png

CLAIM_KEYS = {"event", "workspace", "campaign_id", "submission_id", "participant_id", "outcome",
              "reward", "currency", "reasons", "decided_by", "decided_at", "decision_reason",
              "revision", "result_url", "sent_at"}  # fmt: skip
BODY_KEYS = {"event", "document_id", "generation", "workspace", "status", "doc_type",
             "decision", "result_url", "sent_at", "fields"}  # fmt: skip


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A real HTTP server on loopback that records POSTs and fails the first `fail_next`."""

    server: ThreadingHTTPServer
    received: list[Received] = field(default_factory=list)
    fail_next: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def wait_for(self, count: int, timeout: float = 60.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.received)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    recv: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            with recv.lock:
                recv.received.append(Received(headers, body))
                failing = recv.fail_next > 0
                recv.fail_next -= 1 if failing else 0
            self.send_response(500 if failing else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    recv = Receiver(ThreadingHTTPServer(("127.0.0.1", 0), Handler))
    thread = threading.Thread(target=recv.server.serve_forever, daemon=True)
    thread.start()
    yield recv
    recv.server.shutdown()
    recv.server.server_close()


@dataclass
class Hooks:
    client: TestClient
    url: str
    data_dir: Path
    factory: sessionmaker[Session]
    workspace_a: str
    key_a: str
    key_b: str

    def headers(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.key_a}"}

    def deliveries(self) -> list[WebhookDelivery]:
        with self.factory() as session:
            return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


@pytest.fixture
def hooks(db_url: str, tmp_path: Path) -> Iterator[Hooks]:
    data_dir = tmp_path / "data"
    app = create_app(db_url, data_dir)
    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    with factory.begin() as session:
        a = create_workspace(session, "a").id
        b = create_workspace(session, "b").id
        key_a, key_b = create_api_key(session, a).key, create_api_key(session, b).key
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Hooks(client, db_url, data_dir, factory, a, key_a, key_b)
    engine.dispose()


def finished_document(hooks: Hooks, outcome: str | None = "auto_approved") -> str:
    """Create a document, store a result and record its events, as a worker does."""
    doc, job = submit(hooks.factory, hooks.workspace_a)
    result = {"doc_type": "receipt", "decision": {"outcome": outcome} if outcome else None}
    with hooks.factory.begin() as session:
        assert finish_document(session, doc.id, result, job.id)
        record_events(session, doc.id, hooks.workspace_a, outcome)
    return doc.id


def test_a_processed_document_is_posted_signed_by_the_worker(
    hooks: Hooks, receiver: Receiver
) -> None:
    client, mine = hooks.client, hooks.headers()
    hook = client.post("/v1/webhooks", json={"url": receiver.url}, headers=mine).json()
    assert hook["events"] == [
        "document.completed",
        "document.decided",
        "claim.decided",
        "invoice.approved",
        "invoice.approval_withdrawn",
    ]
    secret = hook["secret"]
    upload = {"file": ("r.png", receipt_png("SECRETSHOP\nTOTAL 9.00"))}
    doc_id = client.post("/v1/documents", headers=mine, files=upload).json()["id"]
    stop = threading.Event()
    config = WorkerConfig(hooks.url, hooks.data_dir, idle_sleep=0.05)
    worker = threading.Thread(target=work, args=(config, stop))
    worker.start()
    try:
        receiver.wait_for(1)
        doc = client.get(f"/v1/documents/{doc_id}", headers=mine).json()
        final = doc["result"]["decision"]["outcome"] in FINAL_OUTCOMES
        events = ["document.completed", "document.decided"] if final else ["document.completed"]
        got = receiver.wait_for(len(events))
    finally:
        stop.set()
        worker.join()
    bodies = [json.loads(g.body) for g in got]
    assert sorted(b["event"] for b in bodies) == events
    log = client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=mine).json()
    items = {d["id"]: d for d in log["items"]}
    for request, body in zip(got, bodies, strict=True):
        assert set(body) == BODY_KEYS
        assert body["document_id"] == doc_id and body["workspace"] == hooks.workspace_a
        assert body["status"] == "done" and body["doc_type"] == doc["result"]["doc_type"]
        assert body["decision"] == doc["result"]["decision"]["outcome"]
        assert body["result_url"] == f"/v1/documents/{doc_id}"
        fields = doc["result"]["fields"]
        assert body["fields"] == {
            name: {"value": f["value"], "confidence": f["confidence"], "personal": False}
            for name, f in fields.items()
        }  # a receipt holds no personal data: its values go as they are
        assert b'"words"' not in request.body and b"raw_text" not in request.body
        assert request.headers["x-paperclerk-event"] == body["event"]
        assert request.headers["content-type"] == "application/json"
        signature = request.headers["x-paperclerk-signature"]
        assert verify_signature(secret, signature, request.body)
        assert not verify_signature("whsec_wrong", signature, request.body)
        assert not verify_signature(secret, signature, request.body.replace(b"done", b"dead"))
        stamp = int(signature.split(",")[0].removeprefix("t="))
        assert not verify_signature(secret, signature, request.body, now=stamp + 301)
        delivery = items[int(request.headers["x-paperclerk-delivery"])]
        assert delivery["status"] == "delivered" and delivery["response_code"] == 204
        assert delivery["attempts"] == 1 and delivery["event"] == body["event"]


def test_signature_helper_round_trip() -> None:
    body = b'{"event":"document.completed"}'
    header = signature_header("s3cret", body, 1_700_000_000)
    assert header.startswith("t=1700000000,v1=")
    assert verify_signature("s3cret", header, body, now=1_700_000_100)
    assert verify_signature("s3cret", header, body.decode(), now=1_700_000_100)
    assert verify_signature("s3cret", "v1=bogus," + header, body, now=1_700_000_000)
    for bad in ("", "t=1700000000", "v1=abc", "t=x,v1=abc", "garbage"):
        assert not verify_signature("s3cret", bad, body, now=1_700_000_000)


def test_a_500_is_retried_with_backoff_then_delivered(hooks: Hooks, receiver: Receiver) -> None:
    with hooks.factory.begin() as session:
        new = create_webhook(session, hooks.workspace_a, receiver.url, ["document.completed"])
    doc_id = finished_document(hooks)
    receiver.fail_next = 1
    with httpx.Client(timeout=5) as http:
        assert deliver_due(hooks.factory, http) == 1
        [first] = hooks.deliveries()
        assert first.status == DeliveryStatus.PENDING and first.attempts == 1
        assert first.response_code == 500 and first.last_error == "HTTP 500"
        assert first.next_attempt_at > utcnow()
        assert deliver_due(hooks.factory, http) == 0  # not due yet
        later = utcnow() + dt.timedelta(hours=2)
        assert deliver_due(hooks.factory, http, now=later) == 1
    [done] = hooks.deliveries()
    assert done.status == DeliveryStatus.DELIVERED and done.attempts == 2
    assert done.response_code == 204 and done.last_error is None and done.delivered_at == later
    assert len(receiver.received) == 2
    ids = {r.headers["x-paperclerk-delivery"] for r in receiver.received}
    assert ids == {str(done.id)}
    for request in receiver.received:
        assert json.loads(request.body)["document_id"] == doc_id
        assert verify_signature(new.secret, request.headers["x-paperclerk-signature"], request.body)


def test_delivery_gives_up_after_eight_attempts(hooks: Hooks, receiver: Receiver) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/x"
    with hooks.factory.begin() as session:
        create_webhook(session, hooks.workspace_a, receiver.url, ["document.completed"])
        create_webhook(session, hooks.workspace_a, closed)
    finished_document(hooks, outcome=None)
    receiver.fail_next = 100
    now = utcnow()
    with httpx.Client(timeout=5) as http:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            now += dt.timedelta(hours=2)
            assert deliver_due(hooks.factory, http, now=now) == 2, attempt
        assert deliver_due(hooks.factory, http, now=now + dt.timedelta(days=9)) == 0
    rows = hooks.deliveries()
    assert [(d.status, d.attempts) for d in rows] == [(DeliveryStatus.FAILED, MAX_ATTEMPTS)] * 2
    by_code = {d.response_code: d.last_error for d in rows}
    assert by_code[500] == "HTTP 500"
    assert "ConnectError" in (by_code[None] or "")
    assert len(receiver.received) == MAX_ATTEMPTS


def test_one_delivery_per_event_even_when_events_are_recorded_twice(hooks: Hooks) -> None:
    with hooks.factory.begin() as session:
        create_webhook(session, hooks.workspace_a, "https://erp.example/hook")
        create_webhook(session, hooks.workspace_a, "https://erp.example/done",
                       ["document.completed"])  # fmt: skip
        other = create_workspace(session, "other").id
        create_webhook(session, other, "https://other.example/hook")
    doc_id = finished_document(hooks, outcome="auto_approved")
    with hooks.factory.begin() as session:  # the redelivered job's copy
        assert record_events(session, doc_id, hooks.workspace_a, "auto_approved") == 0
    rows = hooks.deliveries()
    assert sorted(d.event for d in rows) == ["document.completed", "document.completed",
                                             "document.decided"]  # fmt: skip
    no_decision, _ = submit(hooks.factory, hooks.workspace_a)
    with hooks.factory.begin() as session:
        assert record_events(session, no_decision.id, hooks.workspace_a, None) == 2
        assert record_events(session, no_decision.id, hooks.workspace_a, None) == 0


def test_a_reprocessed_document_announces_its_new_result_once(hooks: Hooks) -> None:
    with hooks.factory.begin() as session:
        create_webhook(session, hooks.workspace_a, "https://erp.example/hook",
                       ["document.completed"])  # fmt: skip
    doc_id = finished_document(hooks)
    with hooks.factory.begin() as session:
        assert reprocess(session, doc_id, workspace_id=hooks.workspace_a)
    with hooks.factory.begin() as session:
        job = session.scalars(select(Job).where(Job.document_id == doc_id)).one()
        assert finish_document(session, doc_id, {"doc_type": "receipt"}, job.id)
        assert record_events(session, doc_id, hooks.workspace_a, None) == 1
        assert record_events(session, doc_id, hooks.workspace_a, None) == 0  # redelivered
    assert [(d.event, d.generation) for d in hooks.deliveries()] == [
        ("document.completed", 0), ("document.completed", 1)]  # fmt: skip


def test_two_senders_never_send_one_delivery_twice(hooks: Hooks, receiver: Receiver) -> None:
    with hooks.factory.begin() as session:
        create_webhook(session, hooks.workspace_a, receiver.url, ["document.completed"])
    for _ in range(12):
        finished_document(hooks)

    def sender() -> None:
        engine = make_engine(hooks.url)
        with httpx.Client(timeout=5) as http:
            deliver_due(make_session_factory(engine), http, limit=50)
        engine.dispose()

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [r.headers["x-paperclerk-delivery"] for r in receiver.received]
    assert len(ids) == 12 and len(set(ids)) == 12
    assert {d.status for d in hooks.deliveries()} == {DeliveryStatus.DELIVERED}


def test_webhook_api_validates_lists_paginates_and_deletes(hooks: Hooks) -> None:
    post = hooks.client.post
    for bad in ({"url": "ftp://x.example/"}, {"url": "not a url"}, {"url": "http://"},
                {"url": "https://x.example", "events": ["document.eaten"]},
                {"url": "https://x.example", "events": []}, {"url": "http://a\x00b/"},
                {"url": "http://a.example:99999/"}, {"url": "http://[::1/"}, {}):  # fmt: skip
        r = post("/v1/webhooks", json=bad, headers=hooks.headers())
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["error"]["code"] == "invalid_request"
    r = post("/v1/webhooks", json={"url": "https://erp.example/in", "events": ["document.decided"]},
             headers=hooks.headers())  # fmt: skip
    assert r.status_code == 201 and r.json()["secret"].startswith("whsec_")
    hook_id = r.json()["id"]
    listed = hooks.client.get("/v1/webhooks", headers=hooks.headers()).json()["items"]
    assert listed == [{"id": hook_id, "url": "https://erp.example/in",
                       "events": ["document.decided"], "active": True,
                       "include_personal": False}]  # fmt: skip
    for _ in range(3):
        finished_document(hooks)
    path = f"/v1/webhooks/{hook_id}/deliveries"
    page = hooks.client.get(path, params={"limit": 2}, headers=hooks.headers()).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = hooks.client.get(path, params={"cursor": page["next_cursor"]}, headers=hooks.headers())
    assert len(rest.json()["items"]) == 1 and rest.json()["next_cursor"] is None
    seen = [d["id"] for d in page["items"] + rest.json()["items"]]
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == 3
    for cursor in ("x", "-1", "9" * 20, "١٢"):
        bad = hooks.client.get(path, params={"cursor": cursor}, headers=hooks.headers())
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_cursor"
    for odd in ("a%00b", "x" * 300, "%E2%82%AC"):
        r = hooks.client.get(f"/v1/webhooks/{odd}/deliveries", headers=hooks.headers())
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    one = f"/v1/webhooks/{hook_id}"
    assert hooks.client.delete(one, headers=hooks.headers()).status_code == 204
    assert hooks.client.get(one, headers=hooks.headers()).status_code == 404
    assert hooks.deliveries() == []
    assert hooks.client.get("/v1/webhooks").status_code == 401


def test_a_key_of_workspace_b_reaches_none_of_as_webhooks(hooks: Hooks) -> None:
    r = hooks.client.post("/v1/webhooks", json={"url": "https://a.example/hook"},
                          headers=hooks.headers())  # fmt: skip
    hook_id = r.json()["id"]
    finished_document(hooks)
    b = hooks.headers(hooks.key_b)
    assert hooks.client.get("/v1/webhooks", headers=b).json()["items"] == []
    for method, path in (("GET", f"/v1/webhooks/{hook_id}"),
                         ("GET", f"/v1/webhooks/{hook_id}/deliveries"),
                         ("DELETE", f"/v1/webhooks/{hook_id}")):  # fmt: skip
        r = hooks.client.request(method, path, headers=b)
        assert r.status_code == 404, (method, path)
        assert r.json()["error"]["code"] == "not_found"
    mine = hooks.client.get(f"/v1/webhooks/{hook_id}/deliveries", headers=hooks.headers())
    assert mine.status_code == 200 and len(mine.json()["items"]) == 2
    listed = hooks.client.get("/v1/webhooks", headers=hooks.headers()).json()["items"]
    assert [h["id"] for h in listed] == [hook_id]


REFUSED = ["127.0.0.1", "127.9.9.9", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
           "0.0.0.0", "224.0.0.1", "240.0.0.1", "100.64.0.1", "255.255.255.255", "::1", "::",
           "fe80::1", "fc00::1", "fd12::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
           "2001:db8::1"]  # fmt: skip
PUBLIC = ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"]


@pytest.fixture
def allow(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Set PAPERCLERK_WEBHOOK_ALLOW_HOSTS for the test (empty unless called)."""

    def set_allow(value: str) -> None:
        monkeypatch.setenv("PAPERCLERK_WEBHOOK_ALLOW_HOSTS", value)
        get_settings.cache_clear()

    set_allow("")
    yield set_allow
    get_settings.cache_clear()


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A fake resolver: host name → address, changeable during the test (rebinding)."""
    table: dict[str, str] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        if host in table:
            family = socket.AF_INET6 if ":" in table[host] else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (table[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(targets.socket, "getaddrinfo", getaddrinfo)
    return table


@pytest.mark.parametrize("address", REFUSED)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/x", "http://localhost/x", "http://[::1]/", "http://10.0.0.5/",
            "https://169.254.169.254/latest/meta-data", "http://0/", "http://2130706433/"]
)  # fmt: skip
def test_registration_refuses_internal_targets(
    hooks: Hooks, allow: Callable[[str], None], url: str
) -> None:
    r = hooks.client.post("/v1/webhooks", json={"url": url}, headers=hooks.headers())
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "webhook_target_refused"
    assert "PAPERCLERK_WEBHOOK_ALLOW_HOSTS" in error["message"]
    assert hooks.client.get("/v1/webhooks", headers=hooks.headers()).json()["items"] == []


def test_a_name_resolving_to_a_private_address_is_refused(
    hooks: Hooks, allow: Callable[[str], None], dns: dict[str, str]
) -> None:
    dns["intranet.example.com"] = "192.168.0.10"
    r = hooks.client.post(
        "/v1/webhooks", json={"url": "https://intranet.example.com/hook"}, headers=hooks.headers()
    )
    assert r.status_code == 422 and "192.168.0.10, a private address" in r.text
    dns["erp.example.com"] = "93.184.215.14"
    r = hooks.client.post(
        "/v1/webhooks", json={"url": "https://erp.example.com/hook"}, headers=hooks.headers()
    )
    assert r.status_code == 201, r.text


def test_the_allow_setting_lets_names_addresses_and_networks_through(
    allow: Callable[[str], None],
) -> None:
    listed = AllowList.parse(" Hooks.Internal. , 10.0.0.0/8, ::1 ,")
    assert check_target("http://hooks.internal/x", listed) is None
    assert check_target("http://10.2.3.4/x", listed) == ipaddress.ip_address("10.2.3.4")
    assert check_target("http://[::1]:81/x", listed) == ipaddress.ip_address("::1")
    with pytest.raises(WebhookTargetError):
        check_target("http://192.168.1.1/x", listed)
    allow("127.0.0.1")
    assert check_target("http://127.0.0.1:9/x") == ipaddress.ip_address("127.0.0.1")


def test_delivery_checks_again_and_connects_to_the_address_checked(
    hooks: Hooks, receiver: Receiver, allow: Callable[[str], None], dns: dict[str, str]
) -> None:
    port = receiver.server.server_address[1]
    dns["hooks.example.com"] = "93.184.215.14"
    with hooks.factory.begin() as session:
        create_webhook(session, hooks.workspace_a, f"http://hooks.example.com:{port}/hook")
    finished_document(hooks, outcome=None)
    # DNS rebinding: the name now resolves to loopback; nothing is sent there.
    dns["hooks.example.com"] = "127.0.0.1"
    with httpx.Client(timeout=5) as http:
        assert deliver_due(hooks.factory, http) == 1
    [delivery] = hooks.deliveries()
    assert delivery.status == DeliveryStatus.PENDING and delivery.response_code is None
    assert "127.0.0.1, a loopback address" in (delivery.last_error or "")
    assert receiver.received == []
    # Allowed by network: the request goes to the address resolved, named by its host.
    allow("127.0.0.0/8")
    with hooks.factory.begin() as session:
        create_webhook(session, hooks.workspace_a, f"http://hooks.example.com:{port}/other")
    finished_document(hooks, outcome=None)
    with httpx.Client(timeout=5) as http:
        deliver_due(hooks.factory, http)
    got = receiver.wait_for(2, timeout=10)
    assert {r.headers["host"] for r in got} == {f"hooks.example.com:{port}"}


def test_a_redirect_is_not_followed(hooks: Hooks, allow: Callable[[str], None]) -> None:
    allow("127.0.0.1")
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest"})

    with hooks.factory.begin() as session:
        create_webhook(session, hooks.workspace_a, "http://127.0.0.1:9/hook")
    finished_document(hooks, outcome=None)
    with httpx.Client(transport=httpx.MockTransport(handler), follow_redirects=True) as http:
        assert deliver_due(hooks.factory, http) == 1
    [delivery] = hooks.deliveries()
    assert seen == ["http://127.0.0.1:9/hook"]
    assert delivery.response_code == 302 and delivery.last_error == "HTTP 302"


def test_final_claim_decisions_are_announced_once_each_signed(
    hooks: Hooks, receiver: Receiver
) -> None:
    client, mine = hooks.client, hooks.headers()
    hook = client.post("/v1/webhooks", json={"url": receiver.url}, headers=mine).json()
    docs_only = client.post(
        "/v1/webhooks", json={"url": receiver.url + "/docs", "events": ["document.decided"]},
        headers=mine,
    ).json()  # fmt: skip
    save_offer(hooks.factory, hooks.workspace_a)
    approved = claim(hooks.factory, hooks.workspace_a, "p1", "approved", 1).submission_id
    pending = claim(hooks.factory, hooks.workspace_a, "p2", "needs_review", 2).submission_id
    assert [(d.submission_id, d.generation) for d in hooks.deliveries()] == [(approved, 0)]
    path = f"/v1/campaigns/{CAMPAIGN_ID}/submissions/{pending}/decision"
    decided = client.post(path, json={"outcome": "rejected", "reason": "no"}, headers=mine)
    assert decided.status_code == 200
    # a transaction recording the same decision again adds nothing
    with hooks.factory.begin() as session:
        assert record_claim_event(session, hooks.workspace_a, pending, 1, {"x": 1}) == 0
    rows = hooks.deliveries()
    assert [(d.submission_id, d.generation, d.document_id) for d in rows] == [
        (approved, 0, None), (pending, 1, None)
    ]  # fmt: skip
    assert {d.webhook_id for d in rows} == {hook["id"]}  # not to the document-only webhook
    with httpx.Client(timeout=5) as http:
        assert deliver_due(hooks.factory, http) == 2
    got = receiver.wait_for(2)
    bodies = {json.loads(g.body)["submission_id"]: (g, json.loads(g.body)) for g in got}
    for request, body in bodies.values():
        assert set(body) == CLAIM_KEYS and body["event"] == "claim.decided"
        assert request.headers["x-paperclerk-event"] == "claim.decided"
        assert verify_signature(hook["secret"], request.headers["x-paperclerk-signature"],
                                request.body)  # fmt: skip
        assert body["workspace"] == hooks.workspace_a and body["currency"] is None  # none set
    auto = bodies[approved][1]
    assert (auto["outcome"], auto["reward"], auto["decided_by"], auto["revision"]) == (
        "approved", "2.00", None, 0
    )  # fmt: skip
    desk = bodies[pending][1]
    assert desk["outcome"] == "rejected" and desk["reward"] == "0.00"
    assert desk["participant_id"] == "p2" and desk["decision_reason"] == "no"
    assert desk["decided_by"].startswith("api-key:") and desk["revision"] == 1
    assert desk["reasons"] == ["The receipt does not meet the campaign's terms."]
    log = client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=mine).json()["items"]
    assert {(d["submission_id"], d["document_id"]) for d in log} == {
        (approved, None), (pending, None)
    }  # fmt: skip
    assert (
        client.get(f"/v1/webhooks/{docs_only['id']}/deliveries", headers=mine).json()["items"] == []
    )
    # a deleted claim takes its deliveries with it; documents' events are untouched
    finished_document(hooks)
    gone = client.delete(f"/v1/campaigns/{CAMPAIGN_ID}/submissions/{approved}", headers=mine)
    assert gone.status_code == 204
    left = hooks.deliveries()
    assert approved not in {d.submission_id for d in left}
    assert sum(1 for d in left if d.document_id is not None) == 3  # 2 + 1 (document.decided)
