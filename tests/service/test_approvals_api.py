"""Invoice payment approvals end to end through the API, on SQLite and PostgreSQL.

A policy is set, a UBL invoice uploaded and processed by the worker (auto-approved data),
its payment approval starts; step 1 is approved by a delegate, step 2 by the approver, and
`invoice.approved` is queued with the journal in its body; the audit trail has each step.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from paperclerk.cli import app as cli_app
from paperclerk.cli.common import open_data_dir
from paperclerk.model import Decision, DecisionOutcome
from paperclerk.payables import approval_flow as flow
from paperclerk.payables import approval_store as store
from paperclerk.payables.approval_errors import ApprovalConflictError
from paperclerk.payables.approval_policy import policy_from_dict
from paperclerk.queue.lease import claim
from paperclerk.review.corrections import Correction
from paperclerk.review.decisions import Reviewer, approve
from paperclerk.storage.blobs import BlobStore
from paperclerk.storage.columns import DocumentStatus
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.tables import (
    ApprovalPolicyRow,
    AuditEvent,
    DocumentRow,
    WebhookDelivery,
)
from paperclerk.storage.users import create_user
from paperclerk.storage.workspaces import authenticate, create_workspace
from paperclerk.webhooks.delivery import deliver_due
from paperclerk.worker.tasks import run_job
from tests.service.test_api import Api, api  # noqa: F401 - the fixture
from tests.service.test_einvoice_api import _post, _valid_e_invoice
from tests.service.ui_client import Ui
from tests.unit.test_export_ubl import invoice

PASSWORD = "a long enough password"
POLICY = {
    "rules": [
        {
            "name": "two steps",
            "when": {"min_amount": "100", "currency": "EUR"},
            "steps": [
                {"name": "manager", "approvers": ["manager@x.test"], "due_hours": 24},
                {"name": "cfo", "approvers": ["cfo@x.test"], "due_hours": 48},
            ],
        }
    ]
}


def setup(api: Api) -> dict[str, str]:  # noqa: F811
    """Members of workspace a (and an outsider in b); the policy; a webhook for the ERP."""
    factory = make_session_factory(make_engine(api.url))
    with factory.begin() as s:
        a, b = authenticate(s, api.key_a), authenticate(s, api.key_b)
        assert a is not None and b is not None
        ids = {}
        for email in ("manager@x.test", "cfo@x.test", "deputy@x.test"):
            ids[email] = create_user(s, email, PASSWORD, "reviewer", [a]).id
        create_user(s, "outsider@x.test", PASSWORD, "reviewer", [b])
    c, h = api.client, api.headers()
    bad = c.put("/v1/approval-policy", json={"rules": [{"name": "x", "steps": []}]}, headers=h)
    assert bad.status_code == 422, bad.text
    assert c.get("/v1/approval-policy", headers=h).status_code == 404
    r = c.put("/v1/approval-policy", json=POLICY, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["policy"]["rules"][0]["steps"][1]["approvers"] == ["cfo@x.test"]
    assert c.get("/v1/approval-policy", headers=h).json()["updated_by"].startswith("api-key:")
    hook = {"url": "https://8.8.8.8/erp", "events": ["invoice.approved"]}
    r = c.post("/v1/webhooks", json=hook, headers=h)
    assert r.status_code == 201, r.text
    return {"workspace": a, **ids}


def upload_invoice(api: Api, number: str, issued: str = "2024-05-02") -> str:  # noqa: F811
    doc_id = str(_post(api, _valid_e_invoice(number, issued)).json()["id"])
    assert api.drain() == 1
    return doc_id


def payloads(api: Api) -> list[dict[str, Any]]:  # noqa: F811
    with make_session_factory(make_engine(api.url))() as s:
        rows = s.scalars(select(WebhookDelivery).where(WebhookDelivery.event == "invoice.approved"))
        return [r.payload or {} for r in rows]


def test_an_invoice_goes_through_two_steps_with_a_delegate(api: Api) -> None:  # noqa: F811
    setup(api)
    c, h = api.client, api.headers()
    doc_id = upload_invoice(api, "INV-1")
    got = c.get(f"/v1/documents/{doc_id}", headers=h).json()
    assert got["result"]["decision"]["outcome"] == "auto_approved"
    r = c.get(f"/v1/documents/{doc_id}/approval", headers=h)
    assert r.status_code == 200, r.text
    approval = r.json()
    assert approval["status"] == "pending" and approval["rule"] == "two steps"
    assert approval["facts"]["amount"] == "119.00" and approval["current_step"] == 0
    aid = approval["id"]
    assert c.get(f"/v1/approvals/{aid}", headers=h).json() == approval
    listed = c.get("/v1/approvals?status=pending&approver=manager@x.test", headers=h).json()
    assert [a["id"] for a in listed["items"]] == [aid]
    assert c.get("/v1/approvals?approver=cfo@x.test", headers=h).json()["items"] == []
    assert c.get("/v1/approvals?overdue=true", headers=h).json()["items"] == []
    # another workspace's key sees none of it
    other = api.headers(api.key_b)
    assert c.get(f"/v1/approvals/{aid}", headers=other).status_code == 404
    assert c.get("/v1/approvals", headers=other).json()["items"] == []

    def act(user: str, **extra: Any) -> Any:
        return c.post(f"/v1/approvals/{aid}/approve", json={"user": user, **extra}, headers=h)

    assert act("deputy@x.test").json()["error"]["code"] == "not_approver"  # no delegation yet
    now = dt.datetime.now(dt.UTC)
    window = {
        "from_email": "manager@x.test",
        "to_email": "deputy@x.test",
        "starts": (now - dt.timedelta(hours=1)).isoformat(),
        "ends": (now + dt.timedelta(hours=1)).isoformat(),
    }
    r = c.post("/v1/delegations", json=window, headers=h)
    assert r.status_code == 201 and r.json()["active"], r.text
    with make_session_factory(make_engine(api.url))() as s:  # audited, in the workspace's chain
        (added,) = s.scalars(select(AuditEvent).where(AuditEvent.action == "delegation.added"))
        assert added.document_id is None and added.actor_id == f"api-key:{api.key_a.split('_')[1]}"
        assert added.new_value["to"] == "deputy@x.test" and added.seq is not None
    assert [d["to_email"] for d in c.get("/v1/delegations", headers=h).json()["items"]] == [
        "deputy@x.test"
    ]
    assert c.post("/v1/delegations", json={**window, "ends": window["starts"]},
                  headers=h).status_code == 422  # fmt: skip
    assert act("cfo@x.test").status_code == 403
    assert act("outsider@x.test").json()["error"]["code"] == "not_a_member"
    assert act("ghost@x.test").status_code == 422
    r = act("deputy@x.test", comment="approved for the manager")
    assert r.status_code == 200, r.text
    first = r.json()["steps"][0]
    assert (first["acted_by"], first["acted_for"]) == ("deputy@x.test", "manager@x.test")
    assert r.json()["current_step"] == 1 and r.json()["steps"][1]["due_at"] is not None
    assert act("cfo@x.test", step=0).status_code == 409  # not the current step
    assert payloads(api) == []
    r = act("cfo@x.test", step=1)
    assert r.status_code == 200 and r.json()["status"] == "approved", r.text
    assert act("cfo@x.test").status_code == 409  # decided already
    [body] = payloads(api)
    assert body["document_id"] == doc_id and body["amounts"]["total"] == "119.00"
    trail = [(s["acted_by"], s["acted_for"]) for s in body["approval"]["steps"]]
    assert trail == [("deputy@x.test", "manager@x.test"), ("cfo@x.test", None)]
    journal = body["export"]["journal"]
    assert journal["document_id"] == doc_id
    assert {e["account"] for e in journal["entries"]} >= {"accounts_payable", "input_vat"}
    assert body["export"]["lines"] and body["export"]["lines"][0]["document_id"] == doc_id
    audit = c.get(f"/v1/documents/{doc_id}/audit", headers=h).json()
    trail_actions = [
        (e["action"], e["actor_id"]) for e in audit if e["action"].startswith("approval.")
    ]
    assert trail_actions == [
        ("approval.started", None),
        ("approval.delegated", "deputy@x.test"),
        ("approval.step_approved", "deputy@x.test"),
        ("approval.step_approved", "cfo@x.test"),
        ("approval.completed", "cfo@x.test"),
    ]
    done = c.get("/v1/approvals?status=approved", headers=h).json()["items"]
    assert [a["id"] for a in done] == [aid]
    # the delivery sends the body kept when it was recorded, signed
    sent: list[httpx.Request] = []

    def erp(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(204)

    factory = make_session_factory(make_engine(api.url))
    with httpx.Client(transport=httpx.MockTransport(erp)) as http:
        assert deliver_due(factory, http) == 1
    [request] = sent
    assert request.headers["x-paperclerk-event"] == "invoice.approved"
    received = json.loads(request.content)
    assert received["event"] == "invoice.approved" and received["document_id"] == doc_id
    assert received["export"]["journal"] == journal and received["approval"] == body["approval"]


def test_a_rejected_invoice_is_never_announced(api: Api) -> None:  # noqa: F811
    setup(api)
    c, h = api.client, api.headers()
    doc_id = upload_invoice(api, "INV-7")
    aid = c.get(f"/v1/documents/{doc_id}/approval", headers=h).json()["id"]
    url = f"/v1/approvals/{aid}/reject"
    assert c.post(url, json={"user": "manager@x.test"}, headers=h).status_code == 422
    assert c.post(url, json={"user": "manager@x.test", "reason": " "}, headers=h).status_code == 422
    r = c.post(url, json={"user": "manager@x.test", "reason": "not ordered"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "rejected", r.text
    again = c.post(f"/v1/approvals/{aid}/approve", json={"user": "manager@x.test"}, headers=h)
    assert again.status_code == 409 and again.json()["error"]["code"] == "approval_conflict"
    assert payloads(api) == []
    for path in ("/v1/approvals/nope", f"/v1/approvals/{'f' * 32}", "/v1/documents/x/approval"):
        assert c.get(path, headers=h).status_code == 404
    assert c.post(f"/v1/approvals/{'f' * 32}/approve", json={"user": "manager@x.test"},
                  headers=h).status_code == 404  # fmt: skip
    assert c.get("/v1/approvals?cursor=bogus", headers=h).status_code in (400, 422)


def test_a_reviewers_approval_starts_it_and_no_policy_means_payable(api: Api) -> None:  # noqa: F811
    ids = setup(api)
    c, h = api.client, api.headers()
    first = upload_invoice(api, "INV-9")
    # the same invoice again is held as a duplicate; a reviewer approves it anyway
    copy = _valid_e_invoice("INV-9").replace(b"<cbc:Note>", b"<cbc:Note> ", 1) + b"\n"
    again = str(_post(api, copy).json()["id"])
    assert api.drain() == 1
    result = c.get(f"/v1/documents/{again}", headers=h).json()["result"]
    assert result["decision"]["outcome"] == "needs_review"
    assert c.get(f"/v1/documents/{again}/approval", headers=h).status_code == 404
    fields = {n: str(f["value"]) for n, f in result["fields"].items() if f.get("value") is not None}
    rules = [code.removeprefix("rule:") for code in result["decision"]["reason_codes"]]
    person = Reviewer(ids["manager@x.test"], "manager@x.test", (ids["workspace"],))
    with make_session_factory(make_engine(api.url)).begin() as s:
        correction = Correction(fields=fields, acknowledged=dict.fromkeys(rules, "paid once"))
        approve(s, person, again, correction, data_dir=None)
    r = c.get(f"/v1/documents/{again}/approval", headers=h)
    assert r.status_code == 200 and r.json()["status"] == "pending", r.text
    assert first != again
    # without a policy an approved invoice is payable at once: announced without a trail
    with make_session_factory(make_engine(api.url)).begin() as s:
        s.delete(s.get(ApprovalPolicyRow, ids["workspace"]))
    plain = upload_invoice(api, "INV-10", "2024-07-01")
    got = c.get(f"/v1/documents/{plain}", headers=h).json()["result"]
    assert got["decision"]["outcome"] == "auto_approved", got["decision"]
    assert c.get(f"/v1/documents/{plain}/approval", headers=h).status_code == 404
    [body] = payloads(api)
    assert body["document_id"] == plain and body["approval"] is None
    assert body["export"]["journal"]["document_id"] == plain
    # reopening it takes back what was announced, audited although no request existed
    assert c.post(f"/v1/documents/{plain}/reopen", json={"reason": "check"}, headers=h).is_success
    audit = c.get(f"/v1/documents/{plain}/audit", headers=h).json()
    [entry] = [e for e in audit if e["action"] == "approval.withdrawn"]
    assert entry["old_value"] == {"status": "payable"} and entry["actor_kind"] == "system"


def withdrawals(api: Api) -> list[dict[str, Any]]:  # noqa: F811
    with make_session_factory(make_engine(api.url))() as s:
        event = WebhookDelivery.event == "invoice.approval_withdrawn"
        return [r.payload or {} for r in s.scalars(select(WebhookDelivery).where(event))]


def test_reopening_an_invoice_withdraws_its_payment_approval(api: Api) -> None:  # noqa: F811
    ids = setup(api)
    c, h = api.client, api.headers()
    hook = {"url": "https://8.8.8.8/hold", "events": ["invoice.approval_withdrawn"]}
    assert c.post("/v1/webhooks", json=hook, headers=h).status_code == 201
    pending, paid = upload_invoice(api, "INV-20"), upload_invoice(api, "INV-21", "2024-06-03")
    aid = c.get(f"/v1/documents/{paid}/approval", headers=h).json()["id"]
    for user in ("manager@x.test", "cfo@x.test"):
        r = c.post(f"/v1/approvals/{aid}/approve", json={"user": user}, headers=h)
        assert r.status_code == 200, r.text
    assert [b["document_id"] for b in payloads(api)] == [paid]
    # a pending approval is withdrawn silently: nothing had been announced
    reason = {"reason": "the total looks wrong"}
    assert c.post(f"/v1/documents/{pending}/reopen", json=reason, headers=h).status_code == 200
    assert c.get(f"/v1/documents/{pending}/approval", headers=h).status_code == 404
    assert withdrawals(api) == []
    # a payable one is withdrawn and the ERP told to hold it, naming the announced generation
    with make_session_factory(make_engine(api.url))() as s:
        generation = s.get(DocumentRow, paid).generation  # type: ignore[union-attr]
    assert c.post(f"/v1/documents/{paid}/reopen", json=reason, headers=h).status_code == 200
    assert c.get(f"/v1/documents/{paid}/approval", headers=h).status_code == 404
    [held] = withdrawals(api)
    assert held["document_id"] == paid and held["generation"] == generation
    assert held["reason"] == "the total looks wrong" and held["amounts"]["total"] == "119.00"
    assert [s["acted_by"] for s in held["approval"]["steps"]] == ["manager@x.test", "cfo@x.test"]
    audit = c.get(f"/v1/documents/{paid}/audit", headers=h).json()
    [entry] = [e for e in audit if e["action"] == "approval.withdrawn"]
    assert entry["old_value"]["status"] == "approved"
    assert entry["new_value"] == {"reason": "the total looks wrong"}
    # the reviewer's new approval of the data starts a new request, on the current figures
    result = c.get(f"/v1/documents/{paid}", headers=h).json()["result"]
    fields = {n: str(f["value"]) for n, f in result["fields"].items() if f.get("value") is not None}
    person = Reviewer(ids["manager@x.test"], "manager@x.test", (ids["workspace"],))
    with make_session_factory(make_engine(api.url)).begin() as s:
        approve(s, person, paid, Correction(fields=fields), data_dir=None)
    again = c.get(f"/v1/documents/{paid}/approval", headers=h).json()
    assert again["status"] == "pending" and again["id"] != aid and again["current_step"] == 0
    assert len(payloads(api)) == 1  # not payable again until the steps are approved anew


def test_two_approvals_of_one_step_at_once_only_one_wins(
    db_url: str, factory: sessionmaker[Session], workspace_id: str
) -> None:
    """On PostgreSQL the second UPDATE waits for the first's row lock, then finds the step
    decided: one approval succeeds, the other is a 409 conflict (never both)."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite runs one writer at a time: nothing can overlap there")
    ws = workspace_id
    with factory.begin() as s:
        for email in ("manager@x.test", "cfo@x.test"):
            create_user(s, email, PASSWORD, "reviewer", [ws])
        store.save_policy(s, ws, policy_from_dict(POLICY), "test")
        doc = invoice()
        doc.decision = Decision(outcome=DecisionOutcome.AUTO_APPROVED)
        result = doc.model_dump(mode="json")
        row = DocumentRow(workspace_id=ws, sha256="0" * 64, size_bytes=1,
                          status=DocumentStatus.DONE, result=result)  # fmt: skip
        s.add(row)
        s.flush()
        started = flow.start_approval(s, ws, row.id, doc)
        assert started.request is not None
        request_id = started.request.id
    first_updated, outcomes = threading.Event(), []

    def first() -> None:
        with factory.begin() as s:
            flow.approve_step(s, ws, request_id, "manager@x.test")
            first_updated.set()
            time.sleep(0.5)  # hold the row lock while the second tries
        outcomes.append("approved")

    def second() -> None:
        first_updated.wait(10)
        try:
            with factory.begin() as s:
                flow.approve_step(s, ws, request_id, "manager@x.test")
            outcomes.append("approved")
        except ApprovalConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["approved", "conflict"]
    with factory() as s:
        steps = store.request_steps(s, request_id)
        assert [x.status for x in steps] == ["approved", "current"]


def test_the_ui_lists_my_steps_and_decides_them(ui: Ui) -> None:
    """`/approvals` shows the logged-in approver's waiting step; its form approves it."""
    h = {"Authorization": f"Bearer {ui.key_a}"}
    with make_session_factory(make_engine(ui.url)).begin() as s:
        create_user(s, "cfo@x.test", PASSWORD, "reviewer", [ui.ws_a])
    steps = [
        {"name": "review", "approvers": ["rev@x.org"]},
        {"name": "cfo", "approvers": ["cfo@x.test"]},
    ]
    policy = {"rules": [{"name": "all", "steps": steps}]}
    assert ui.client.put("/v1/approval-policy", json=policy, headers=h).status_code == 200
    files = {"file": ("invoice.xml", _valid_e_invoice("INV-3"), "application/xml")}
    doc_id = ui.client.post("/v1/documents", files=files, headers=h).json()["id"]
    factory = make_session_factory(make_engine(ui.url))
    while (job := claim(factory, "test")) is not None:
        run_job(factory, BlobStore.in_data_dir(ui.data_dir), job)
    aid = ui.client.get(f"/v1/documents/{doc_id}/approval", headers=h).json()["id"]
    token = ui.login()
    page = ui.client.get("/approvals")
    assert page.status_code == 200 and f'data-approval="{aid}"' in page.text
    form = {"outcome": "approved", "step": "0", "text": "fine"}
    refused = ui.client.post(f"/approvals/{aid}/decision", data=form, follow_redirects=False)
    assert refused.status_code == 403  # no CSRF token
    r = ui.client.post(f"/approvals/{aid}/decision", data={**form, "csrf_token": token},
                       follow_redirects=False)  # fmt: skip
    assert r.status_code == 303, r.text
    assert f'data-approval="{aid}"' not in ui.client.get("/approvals").text
    got = ui.client.get(f"/v1/approvals/{aid}", headers=h).json()
    assert got["current_step"] == 1 and got["steps"][0]["acted_by"] == "rev@x.org"
    again = ui.client.post(f"/approvals/{aid}/decision", data={**form, "csrf_token": token})
    assert again.status_code == 409 and "approval-error" in again.text


def test_the_cli_sets_and_shows_a_policy(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    url, _ = open_data_dir(data_dir)
    with make_session_factory(make_engine(url)).begin() as s:
        create_workspace(s, "acme")
    good = tmp_path / "policy.yaml"
    good.write_text(
        "rules:\n  - name: big\n    when: {min_amount: 1000}\n"
        "    steps: [{name: cfo, approvers: [CFO@x.test], due_hours: 8}]\n"
    )
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"rules": [{"name": "x", "steps": []}]}))

    def run(*args: str) -> Any:
        return CliRunner().invoke(cli_app, [*args, "--data-dir", str(data_dir)])

    assert run("approvals", "policy", "show", "--workspace", "acme").exit_code == 1
    refused = run("approvals", "policy", "set", str(bad), "--workspace", "acme")
    assert refused.exit_code == 2 and "rules.0.steps" in refused.output
    assert run("approvals", "policy", "set", str(good), "--workspace", "nope").exit_code == 2
    done = run("approvals", "policy", "set", str(good), "--workspace", "acme")
    assert done.exit_code == 0, done.output
    shown = run("approvals", "policy", "show", "--workspace", "acme")
    assert shown.exit_code == 0
    assert json.loads(shown.stdout)["rules"][0]["steps"][0]["approvers"] == ["cfo@x.test"]
