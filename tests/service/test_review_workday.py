"""A review station for a full working day, on SQLite and PostgreSQL: reopening decided
documents, acknowledging a rule with a reason, leaving a document, the queue's summary of
each document, the value checks of the check route, and the admins' memory pages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from paperclerk.datasets.dataset import TrainingExample
from paperclerk.model import DecisionOutcome, DocType
from paperclerk.review import (
    Correction,
    Reviewer,
    approve,
    check,
    list_entries,
    load,
    reject,
    remember,
    reopen,
    reopen_for_api,
)
from paperclerk.review.corrections import parsed_texts
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.errors import ConflictError, InvalidRequestError, NotFoundError
from paperclerk.storage.tables import DocumentRow, ReviewItem, TrainingExampleRow, WebhookDelivery
from paperclerk.webhooks import create_webhook, record_events
from tests.conftest import page_from_lines
from tests.service.review_helpers import decision_of, stored_document
from tests.service.test_review import fixed, reviewer
from tests.service.ui_client import Ui

RULE = "totals.line_items_sum"


def deliveries(factory: sessionmaker[Session], doc_id: str) -> list[tuple[str, int]]:
    with factory() as s:
        rows = s.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.document_id == doc_id)
            .order_by(WebhookDelivery.id)
        )
        return [(d.event, d.generation) for d in rows]


def test_a_decided_document_is_reopened_and_its_new_decision_announced_once(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    with factory.begin() as s:
        create_webhook(s, workspace_id, "http://127.0.0.1:9/hook")
    doc_id = stored_document(factory, workspace_id)
    with factory.begin() as s:  # as the worker does when it stores the result
        assert record_events(s, doc_id, workspace_id, "needs_review") == 1
    first = reviewer(factory, "a@x.org", workspace_id)
    second = reviewer(factory, "b@x.org", workspace_id)
    with factory.begin() as s:
        approve(s, first, doc_id, fixed(), data_dir=None)
    with pytest.raises(InvalidRequestError), factory.begin() as s:
        reopen(s, second, doc_id, "  ")
    with factory.begin() as s:
        back = reopen(s, second, doc_id, "total  was misread")
    assert back.decision is not None and back.decision.outcome == DecisionOutcome.NEEDS_REVIEW
    with factory() as s:
        item = s.get(ReviewItem, doc_id)
        assert item is not None and item.state == "pending" and item.claimed_by == second.id
        assert item.decided_by is None and "reopened" in item.reason_codes.split()
        assert s.scalars(select(TrainingExampleRow)).all() == []  # the decision was taken back
        row = s.get(DocumentRow, doc_id)
        assert row is not None and row.generation == 1
        entry = next(e for e in list_entries(s, doc_id) if e.action == "reopen")
        assert (entry.actor_id, entry.old_value, entry.new_value) == (
            second.id, "approved", "total was misread"
        )  # fmt: skip
        assert entry.actor_kind == "person" and entry.at is not None
    with pytest.raises(ConflictError, match="waiting for review"), factory.begin() as s:
        reopen(s, second, doc_id, "again")
    with pytest.raises(ConflictError, match="another reviewer"), factory.begin() as s:
        approve(s, first, doc_id, fixed(), data_dir=None)  # the reopening reviewer holds it
    with factory.begin() as s:
        approve(s, second, doc_id, fixed(), data_dir=None)
    assert deliveries(factory, doc_id) == [
        ("document.completed", 0), ("document.decided", 0), ("document.decided", 1)
    ]  # fmt: skip
    with factory() as s:
        decision = decision_of(s, doc_id)
        assert decision is not None and decision.outcome == DecisionOutcome.APPROVED
        assert decision.decided_by == "b@x.org"
        assert len(s.scalars(select(TrainingExampleRow)).all()) == 1


def test_rejected_and_automatic_decisions_reopen_too_and_scripts_reopen_unclaimed(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    rejected = stored_document(factory, workspace_id)
    automatic = stored_document(factory, workspace_id, needs_review=False)
    person = reviewer(factory, "a@x.org", workspace_id)
    with factory.begin() as s:
        reject(s, person, rejected, "duplicate")
    with factory.begin() as s:
        reopen(s, person, rejected, "not a duplicate after all")
        reopen_for_api(s, workspace_id, automatic, "spot check")
    with factory() as s:
        entries = {e.document_id: e for d in (rejected, automatic)
                   for e in list_entries(s, d) if e.action == "reopen"}  # fmt: skip
        assert entries[rejected].old_value == "rejected"
        assert entries[automatic].old_value == "auto_approved"
        assert (entries[automatic].actor_kind, entries[automatic].actor_id) == ("system", "api")
        auto_item = s.get(ReviewItem, automatic)
        assert auto_item is not None and auto_item.state == "pending"
        assert auto_item.claimed_by is None
        rejected_item = s.get(ReviewItem, rejected)
        assert rejected_item is not None and rejected_item.reject_reason is None
    other = Reviewer(person.id, person.email, ("f" * 32,))
    with pytest.raises(NotFoundError), factory.begin() as s:
        reopen(s, other, rejected, "not mine")


def test_an_acknowledged_rule_does_not_block_and_is_audited(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    doc_id = stored_document(factory, workspace_id)
    person = reviewer(factory, "a@x.org", workspace_id)
    with factory() as s:
        doc = load(s, doc_id, (workspace_id,))
    plain = check(doc, Correction())
    assert [(p.field, p.rule, p.blocking) for p in plain.problems] == [("total", RULE, True)]
    ack = Correction(acknowledged={RULE: "  the till  skipped a line "})
    accepted = check(doc, ack)
    assert [(p.rule, p.blocking) for p in accepted.problems] == [(RULE, False)]
    assert accepted.blocking == [] and accepted.acknowledged == {RULE: "the till skipped a line"}
    # a value that does not parse or a required field can never be acknowledged
    refused = Correction(
        fields={"total": "x", "merchant_name": ""},
        acknowledged={RULE: "ok", "required": "ok", "total": "ok"},
    )
    bad = check(doc, refused)
    assert {p.field for p in bad.blocking} == {"total", "merchant_name"}
    assert all(p.rule is None for p in bad.blocking)
    blank = check(doc, Correction(acknowledged={RULE: "   "}))
    assert [p.blocking for p in blank.problems] == [True]
    with pytest.raises(ValueError):
        Correction(acknowledged={RULE: "x" * 501})
    with factory.begin() as s:
        approve(s, person, doc_id, ack, data_dir=None)
    with factory() as s:
        acks = [e for e in list_entries(s, doc_id) if e.action == "acknowledge"]
    assert [(e.actor_id, e.new_value) for e in acks] == [
        (person.id, {"rule": RULE, "reason": "the till skipped a line"})
    ]


def test_check_shows_how_each_value_reads(
    factory: sessionmaker[Session], workspace_id: str
) -> None:
    doc_id = stored_document(factory, workspace_id)
    with factory() as s:
        doc = load(s, doc_id, (workspace_id,))
    assert parsed_texts(doc) == {
        "merchant_name": "ACME", "transaction_date": "12 Mar 2025", "total": "3.70",
        "line_items.0.description": "BREAD", "line_items.0.total_price": "2.50",
    }  # fmt: skip
    typed = check(doc, Correction(
        fields={"total": "RM 3.7", "transaction_date": "12/03/2025", "subtotal": "-1.00"},
        line_items=[{"description": "BREAD", "total_price": "2.5"}, {"description": ""},
                    {"description": "MILK", "total_price": "1.20"}],
    ))  # fmt: skip
    problems = {p.field: p.message for p in typed.blocking}
    assert problems["transaction_date"].startswith("ambiguous date: 12 Mar 2025 or 3 Dec 2025?")
    assert problems["subtotal"] == "a total cannot be negative"
    assert typed.parsed["total"] == "3.70 MYR"
    assert "transaction_date" not in typed.parsed and "subtotal" not in typed.parsed
    assert typed.parsed["merchant_name"] == "ACME"  # not typed: as stored
    assert typed.parsed["line_items.0.total_price"] == "2.50"
    assert typed.parsed["line_items.2.description"] == "MILK"  # numbered as in the form
    assert "line_items.1.total_price" not in typed.parsed


# --- over HTTP ------------------------------------------------------------------------------


def factory_of(ui: Ui) -> sessionmaker[Session]:
    return make_session_factory(make_engine(ui.url))


def test_reopen_from_the_history_page_the_screen_and_the_api(ui: Ui) -> None:
    factory = factory_of(ui)
    doc = stored_document(factory, ui.ws_a)
    token = ui.login()
    hdr = {"X-CSRF-Token": token}
    history = ui.client.get(f"/documents/{doc}").text
    assert 'id="reopen-form"' not in history  # waiting for review: nothing to reopen
    body = fixed().model_dump()
    assert ui.client.post(f"/review/{doc}/approve", json=body, headers=hdr).status_code == 200
    history = ui.client.get(f"/documents/{doc}").text
    assert 'id="reopen-form"' in history and 'name="reason"' in history
    # the page's form: form-encoded, CSRF in the form, answered by the review screen
    assert ui.client.post(f"/review/{doc}/reopen", data={"reason": "x"}).status_code == 403
    form = ui.client.post(
        f"/review/{doc}/reopen",
        data={"reason": "wrong total", "csrf_token": token},
        follow_redirects=False,
    )
    assert form.status_code == 303 and form.headers["location"] == f"/review/{doc}"
    assert ui.client.get(f"/review/{doc}").status_code == 200  # open for review, held by me
    conflict = ui.client.post(f"/review/{doc}/reopen", json={"reason": "again"}, headers=hdr)
    assert conflict.status_code == 409
    assert ui.client.post(f"/review/{doc}/approve", json=body, headers=hdr).status_code == 200
    # JSON, as the review screen sends it
    for bad in ({"reason": ""}, {"reason": 5}, {}, {"reason": "x" * 5000}):
        r = ui.client.post(f"/review/{doc}/reopen", json=bad, headers=hdr)
        assert r.status_code in (400, 422) and "error" in r.json()
    r = ui.client.post(f"/review/{doc}/reopen", content=b"{", headers=hdr)
    assert r.status_code == 422
    r = ui.client.post(f"/review/{doc}/reopen", json={"reason": "second look"}, headers=hdr)
    assert r.status_code == 200 and r.json() == {"status": "reopened", "url": f"/review/{doc}"}
    history = ui.client.get(f"/documents/{doc}").text
    assert "second look" in history and ">reopen<" in history
    theirs = stored_document(factory, ui.ws_b)
    r = ui.client.post(f"/review/{theirs}/reopen", json={"reason": "x"}, headers=hdr)
    assert r.status_code == 404
    # scripts: the API, with the workspace's key
    assert ui.client.post(f"/review/{doc}/approve", json=body, headers=hdr).status_code == 200
    api = {"Authorization": f"Bearer {ui.key_a}"}
    out = ui.client.post(f"/v1/documents/{doc}/reopen", json={"reason": "audit"}, headers=api)
    assert out.status_code == 200, out.text
    assert out.json()["result"]["decision"]["outcome"] == "needs_review"
    again = ui.client.post(f"/v1/documents/{doc}/reopen", json={"reason": "audit"}, headers=api)
    assert again.status_code == 409
    assert ui.client.post(f"/v1/documents/{doc}/reopen", json={}, headers=api).status_code == 422
    other = {"Authorization": f"Bearer {ui.key_b}"}
    r = ui.client.post(f"/v1/documents/{doc}/reopen", json={"reason": "x"}, headers=other)
    assert r.status_code == 404


def test_leaving_the_screen_releases_the_claim_without_skipping(ui: Ui) -> None:
    factory = factory_of(ui)
    first = stored_document(factory, ui.ws_a)
    second = stored_document(factory, ui.ws_a)
    token = ui.login()
    assert ui.client.get(f"/review/{first}").status_code == 200

    def holder() -> str | None:
        with factory() as s:
            item = s.get(ReviewItem, first)
            assert item is not None
            return item.claimed_by

    assert holder() is not None
    assert ui.client.post(f"/review/{first}/leave").status_code == 403
    assert ui.client.post(f"/review/{first}/leave?csrf=wrong").status_code == 403
    assert holder() is not None
    r = ui.client.post(f"/review/{first}/leave?csrf={token}")  # as navigator.sendBeacon sends it
    assert r.status_code == 200 and r.json() == {"status": "released"}
    assert holder() is None
    ui.client.get(f"/review/{first}")
    r = ui.client.post(f"/review/{first}/leave", headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and holder() is None
    # not skipped: deciding another document leads back to it
    ui.client.get(f"/review/{second}")
    r = ui.client.post(
        f"/review/{second}/reject", json={"reason": "dup"}, headers={"X-CSRF-Token": token}
    )
    assert r.json()["next"] == f"/review/{first}"


def test_the_next_document_is_fetched_ahead_without_claiming_it(ui: Ui) -> None:
    factory = factory_of(ui)
    first = stored_document(factory, ui.ws_a)
    second = stored_document(factory, ui.ws_a)
    token = ui.login()
    assert ui.client.get(f"/review/{first}").status_code == 200
    ahead = ui.client.get(f"/review/{first}/upcoming").json()
    assert ahead == {"id": second, "images": [f"/review/{second}/pages/0.jpg"]}
    page = ui.client.get(f"/review/{second}", headers={"Sec-Purpose": "prefetch"})
    assert page.status_code == 200 and 'id="review-data"' in page.text
    assert page.headers["cache-control"] == "private, max-age=120"
    with factory() as s:
        item = s.get(ReviewItem, second)
        assert item is not None and item.claimed_by is None  # fetching ahead claims nothing
    # a decision claims the document it names next; the screen then renews that claim
    r = ui.client.post(
        f"/review/{first}/reject", json={"reason": "dup"}, headers={"X-CSRF-Token": token}
    )
    assert r.json()["next"] == f"/review/{second}"
    with factory() as s:
        item = s.get(ReviewItem, second)
        assert item is not None and item.claimed_by is not None
    renew = ui.client.post(f"/review/{second}/renew", headers={"X-CSRF-Token": token})
    assert renew.json() == {"held": True}
    # a document another reviewer holds is not sent ahead
    ui.client.post("/logout", data={"csrf_token": token})
    ui.login("boss@x.org", "boss-password")
    held = ui.client.get(f"/review/{second}", headers={"Sec-Purpose": "prefetch"})
    assert held.status_code == 204 and held.headers["cache-control"] == "no-store"


def test_the_queue_shows_supplier_date_amount_and_reasons(ui: Ui) -> None:
    doc = stored_document(factory_of(ui), ui.ws_a)
    with factory_of(ui).begin() as s:
        row = s.get(DocumentRow, doc)
        assert row is not None and row.result is not None
        result = dict(row.result)
        fields = dict(result["fields"])
        fields["currency"] = {"name": "currency", "value": "EUR", "confidence": 0.9}
        result["fields"] = fields
        row.result = result
    bare = stored_document(factory_of(ui), ui.ws_a)
    with factory_of(ui).begin() as s:
        row = s.get(DocumentRow, bare)
        assert row is not None and row.result is not None
        row.result = {**row.result, "fields": {}}
    ui.login()
    page = ui.client.get("/review").text
    rows = {m.group(1): m.group(0) for m in re.finditer(
        r'<tr[^>]*>\s*<td><span class="prio[^"]*">.*?href="/review/([0-9a-f]{32})".*?</tr>',
        page, re.S)}  # fmt: skip
    assert set(rows) == {doc, bare}
    assert ">ACME<" in rows[doc] and ">12 Mar 2025<" in rows[doc] and ">3.70 EUR<" in rows[doc]
    assert "line items do not add up to the total" in rows[doc]
    assert "merchant name not sure enough" in rows[doc].lower()
    assert ">3.70" not in rows[bare]  # nothing read, nothing shown; the row is still there


def test_the_check_route_answers_parsed_texts_and_rule_ids(ui: Ui) -> None:
    doc = stored_document(factory_of(ui), ui.ws_a)
    token = ui.login()
    hdr = {"X-CSRF-Token": token}
    r = ui.client.post(
        f"/review/{doc}/check",
        json={"fields": {"total": "-3.70", "transaction_date": "2025-03-12"},
              "acknowledged": {RULE: "the till skipped a line"}},
        headers=hdr,
    )  # fmt: skip
    assert r.status_code == 200
    body = r.json()
    problems = {p["field"]: p for p in body["problems"]}
    assert problems["total"] == {
        "field": "total", "message": "a total cannot be negative", "blocking": True, "rule": None
    }  # fmt: skip
    assert body["parsed"]["transaction_date"] == "12 Mar 2025"
    assert body["blocking"] == 1
    r = ui.client.post(f"/review/{doc}/check", json={}, headers=hdr)
    line = next(p for p in r.json()["problems"] if p["field"] == "total")
    assert line["rule"] == RULE and line["blocking"] is True
    too_long = {"acknowledged": {RULE: "x" * 501}}
    assert ui.client.post(f"/review/{doc}/check", json=too_long, headers=hdr).status_code == 422


def example(
    name: str, address: str, corrected: dict[str, str | None] | None = None
) -> TrainingExample:
    lines = [(60, 20, name), (40, 50, address), (40, 120, "TOTAL 4.20")]
    return TrainingExample(
        id="review/x", doc_type=DocType.RECEIPT, pages=[page_from_lines(lines)],
        fields={"merchant_name": name, "merchant_address": address}, source="review",
        corrected=corrected or {},
    )  # fmt: skip


def test_admins_see_and_fix_the_memory_per_counterparty(ui: Ui) -> None:
    remember(ui.data_dir, example("ZEBRA GROCER", "1 ZOO ROAD"))
    remember(ui.data_dir, example("ZEBRA GROCER", "1 ZOO ROAD"))
    remember(ui.data_dir, example("ZEBRA GROCER", "1 ZOO ROAD, YORK", {"merchant_address": "x"}))
    # a reviewer may not see the memory (it spans every workspace)
    token = ui.login()
    assert ui.client.get("/memory", headers={"accept": "text/html"}).status_code == 403
    assert ui.client.get("/memory").json()["error"]["code"] == "forbidden"
    assert 'href="/memory"' not in ui.client.get("/review").text
    form = {"field": "names", "value": "x", "csrf_token": token}
    r = ui.client.post("/memory/0/remove", data=form)
    assert r.status_code == 403
    ui.client.cookies.clear()
    token = ui.login("boss@x.org", "boss-password")
    assert 'href="/memory"' in ui.client.get("/review").text
    listing = ui.client.get("/memory?q=zebra").text
    keys = re.findall(r'<tr data-key="(\d+)">', listing)
    assert len(keys) == 1 and "ZEBRA GROCER" in listing
    key = keys[0]
    row = re.search(rf'<tr data-key="{key}">.*?</tr>', listing, re.S)
    assert row is not None and ">3<" in row.group(0) and "Address" in row.group(0)
    assert len(re.findall(r"<tr data-key=", ui.client.get("/memory").text)) > 1  # and the rest
    detail = ui.client.get(f"/memory/{key}").text
    found = re.findall(r'<tr class="spelling" data-value="([^"]+)">(.*?)</tr>', detail, re.S)
    spellings = dict(found)
    assert "corrected by a reviewer" in spellings["1 ZOO ROAD, YORK"]
    assert "chosen" in spellings["1 ZOO ROAD, YORK"] and ">2<" in spellings["1 ZOO ROAD"]
    assert "chosen" not in spellings["1 ZOO ROAD"]
    assert ui.client.get("/memory/99999").status_code == 404
    form = {"field": "addresses", "value": "1 ZOO ROAD, YORK"}
    assert ui.client.post(f"/memory/{key}/remove", data=form).status_code == 403  # no CSRF
    r = ui.client.post(
        f"/memory/{key}/remove", data={**form, "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == f"/memory/{key}"
    detail = ui.client.get(f"/memory/{key}").text
    assert "1 ZOO ROAD, YORK" not in detail and "chosen" in detail
    again = ui.client.post(f"/memory/{key}/remove", data={**form, "csrf_token": token})
    assert again.status_code == 404
    unknown = ui.client.post(
        f"/memory/{key}/remove", data={"field": "total", "value": "x", "csrf_token": token}
    )
    assert unknown.status_code == 400
    r = ui.client.post(
        f"/memory/{key}/remove",
        data={"field": "names", "value": "ZEBRA GROCER", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/memory"  # its last name: the counterparty is forgotten
    assert "ZEBRA GROCER" not in ui.client.get("/memory?q=zebra").text
    assert ui.client.get(f"/memory/{key}").status_code == 404
