"""Review UI over HTTP on SQLite and PostgreSQL: login, CSRF, isolation, screen, API."""

from __future__ import annotations

import stat

from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.users import create_user
from tests.service.review_helpers import learnt, stored_document
from tests.service.ui_client import Ui


def factory_of(ui: Ui):  # type: ignore[no-untyped-def]
    return make_session_factory(make_engine(ui.url))


def test_pages_need_a_login_and_a_wrong_password_is_refused(ui: Ui) -> None:
    r = ui.client.get("/review", headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert ui.client.get("/review/" + "0" * 32 + "/pages/0.jpg").status_code == 401
    assert ui.client.post("/review/" + "0" * 32 + "/check", json={}).status_code == 403
    token = ui.csrf()
    bad = ui.client.post(
        "/login", data={"email": "rev@x.org", "password": "nope", "csrf_token": token}
    )
    assert bad.status_code == 401 and "Wrong email or password" in bad.text
    unknown = ui.client.post(
        "/login", data={"email": "who@x.org", "password": "nope", "csrf_token": token}
    )
    assert unknown.status_code == 401
    ui.login()
    assert ui.client.get("/review").status_code == 200


def test_session_cookie_is_httponly_and_the_secret_file_private(ui: Ui) -> None:
    r = ui.client.get("/login")
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    mode = stat.S_IMODE((ui.data_dir / "secret_key").stat().st_mode)
    assert mode == 0o600


def test_state_changing_requests_without_the_csrf_token_are_refused(ui: Ui) -> None:
    r = ui.client.post("/login", data={"email": "rev@x.org", "password": "secret-password"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_failed"
    token = ui.login()
    doc = stored_document(factory_of(ui), ui.ws_a)
    assert ui.client.post(f"/review/{doc}/approve", json={}).status_code == 403
    wrong = {"X-CSRF-Token": token + "x"}
    assert (
        ui.client.post(f"/review/{doc}/reject", json={"reason": "x"}, headers=wrong).status_code
        == 403
    )
    assert ui.client.post("/logout", follow_redirects=False).status_code == 403
    assert (
        ui.client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code
        == 303
    )


def test_a_reviewer_sees_only_their_workspaces(ui: Ui) -> None:
    mine = stored_document(factory_of(ui), ui.ws_a)
    theirs = stored_document(factory_of(ui), ui.ws_b)
    token = ui.login()
    queue = ui.client.get("/review").text
    assert mine in queue and theirs not in queue
    assert ui.client.get(f"/review/{theirs}").status_code == 404
    assert ui.client.get(f"/documents/{theirs}").status_code == 404
    assert ui.client.get(f"/review/{theirs}/pages/0.jpg").status_code == 404
    hdr = {"X-CSRF-Token": token}
    assert ui.client.post(f"/review/{theirs}/check", json={}, headers=hdr).status_code == 404
    r = ui.client.post(f"/review/{theirs}/reject", json={"reason": "x"}, headers=hdr)
    assert r.status_code == 404
    assert ui.client.get(f"/review/{'z' * 32}").status_code == 404


def test_review_screen_check_approve_and_the_audit_api(ui: Ui) -> None:
    doc = stored_document(factory_of(ui), ui.ws_a)
    token = ui.login()
    hdr = {"X-CSRF-Token": token}
    nxt = ui.client.post("/review/next", data={"csrf_token": token}, follow_redirects=False)
    assert nxt.headers["location"] == f"/review/{doc}"
    page = ui.client.get(f"/review/{doc}")
    assert page.status_code == 200
    assert 'id="review-data"' in page.text and "p0-w9" in page.text
    checked = ui.client.post(f"/review/{doc}/check", json={"fields": {"total": "x1"}}, headers=hdr)
    problems = {p["field"]: p["blocking"] for p in checked.json()["problems"]}
    assert problems == {"total": True}  # the rows' sum is not checked against no total
    as_read = ui.client.post(f"/review/{doc}/check", json={}, headers=hdr).json()
    assert [p["field"] for p in as_read["problems"]] == ["total"]
    refused = ui.client.post(
        f"/review/{doc}/approve", json={"fields": {"total": "x1"}}, headers=hdr
    )
    assert refused.status_code == 422 and refused.json()["problems"]
    body = {
        "fields": {"merchant_name": "ACME STORE"},
        "field_words": {"merchant_name": ["p0-w0", "p0-w1"]},
        "line_items": [{"description": "BREAD", "total_price": "2.50"},
                       {"description": "MILK", "total_price": "1.20"}],
    }  # fmt: skip
    ok = ui.client.post(f"/review/{doc}/approve", json=body, headers=hdr)
    assert ok.status_code == 200, ok.text
    assert ok.json()["next"] == "/review?empty=1"
    api = {"Authorization": f"Bearer {ui.key_a}"}
    result = ui.client.get(f"/v1/documents/{doc}", headers=api).json()["result"]
    assert result["decision"]["outcome"] == "approved"
    assert result["fields"]["merchant_name"]["value"] == "ACME STORE"
    assert result["fields"]["merchant_name"]["source"] == "human"
    audit = ui.client.get(f"/v1/documents/{doc}/audit", headers=api).json()
    person = [e for e in audit if e["actor_kind"] == "person"]
    assert {e["field"] for e in person} == {"merchant_name", "line_items", "decision"}
    examples = ui.client.get(f"/v1/documents/{doc}/training-examples", headers=api).json()
    assert examples[0]["example"]["fields"]["merchant_name"] == "ACME STORE"
    assert (
        ui.client.get(
            f"/v1/documents/{doc}/audit", headers={"Authorization": f"Bearer {ui.key_b}"}
        ).status_code
        == 404
    )
    assert len(learnt(ui.data_dir)) > 0  # written in the background after the commit
    history = ui.client.get(f"/documents/{doc}")
    assert history.status_code == 200 and "ACME STORE" in history.text
    board = ui.client.get("/dashboard")
    assert board.status_code == 200 and "Automation dashboard" in board.text
    assert ui.client.delete(f"/v1/documents/{doc}", headers=api).status_code == 204
    assert ui.client.get(f"/v1/documents/{doc}/training-examples", headers=api).status_code == 404


def test_reject_through_the_screen_needs_a_reason(ui: Ui) -> None:
    doc = stored_document(factory_of(ui), ui.ws_a)
    token = ui.login()
    hdr = {"X-CSRF-Token": token}
    assert (
        ui.client.post(f"/review/{doc}/reject", json={"reason": " "}, headers=hdr).status_code
        == 400
    )
    r = ui.client.post(f"/review/{doc}/reject", json={"reason": "duplicate"}, headers=hdr)
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    again = ui.client.post(f"/review/{doc}/reject", json={"reason": "again"}, headers=hdr)
    assert again.status_code == 409


def test_the_screen_keeps_its_claim_and_shows_a_taken_document_read_only(ui: Ui) -> None:
    doc = stored_document(factory_of(ui), ui.ws_a)
    with factory_of(ui).begin() as s:
        create_user(s, "other@x.org", "other-password", "reviewer", [ui.ws_a])
    token = ui.login()
    assert ui.client.get(f"/review/{doc}").status_code == 200
    hdr = {"X-CSRF-Token": token}
    assert ui.client.post(f"/review/{doc}/renew", headers=hdr).json() == {"held": True}
    ui.client.cookies.clear()
    token = ui.login("other@x.org", "other-password")
    page = ui.client.get(f"/review/{doc}")
    assert "rev@x.org is working on this document" in page.text
    assert ui.client.post(f"/review/{doc}/renew", headers={"X-CSRF-Token": token}).json() == {
        "held": False
    }
    r = ui.client.post(f"/review/{doc}/approve", json={}, headers={"X-CSRF-Token": token})
    assert r.status_code == 409


def test_an_admin_sees_every_workspace(ui: Ui) -> None:
    theirs = stored_document(factory_of(ui), ui.ws_b)
    ui.login("boss@x.org", "boss-password")
    assert theirs in ui.client.get("/review").text
    assert ui.client.get(f"/review/{theirs}").status_code == 200


def test_a_person_shown_personal_values_is_recorded_and_receipts_record_nothing(ui: Ui) -> None:
    from sqlalchemy import select, update

    from paperclerk.storage.tables import AuditEvent, DocumentRow, User

    factory = factory_of(ui)
    passport, receipt = stored_document(factory, ui.ws_a), stored_document(factory, ui.ws_a)
    with factory.begin() as s:  # a type whose fields are personal
        s.execute(
            update(DocumentRow)
            .where(DocumentRow.id == passport)
            .values(doc_type="identity_document")
        )
    ui.login()
    for doc in (passport, receipt):
        assert ui.client.get(f"/review/{doc}").status_code == 200
        assert ui.client.get(f"/documents/{doc}").status_code == 200
    with factory() as s:
        reads = s.scalars(select(AuditEvent).where(AuditEvent.action == "personal.read")).all()
        reviewer = s.scalars(select(User.id).where(User.email == "rev@x.org")).one()
    assert {e.document_id for e in reads} == {passport}
    assert [e.new_value["shown"] for e in reads] == ["review screen", "document page"]
    assert {(e.actor_kind, e.actor_id) for e in reads} == {("person", reviewer)}
