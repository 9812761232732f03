"""End to end in Chromium: define a type, annotate three documents by clicking words, train,
and read the fields of a fourth through the API.

An admin defines `delivery_note` on the types page; three delivery notes submitted with that
hint wait in the review queue with the type's fields empty; on each, every field is filled
by clicking its words on the page (shift-click adds a word); "Train" on the types page
trains the type from those reviews; a fourth note, sent with no hint, is recognised and
comes back through the API with its fields, confidences and boxes.
"""

from __future__ import annotations

import json
import random
from typing import Any

from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.users import create_user
from tests.e2e.conftest import Service, approve_enabled
from tests.service.test_user_types import note_pdf
from tests.unit.test_custom_fields import delivery_note

ADMIN, ADMIN_PASSWORD = "admin@example.org", "admin horse battery staple"
FIELDS = [("customer", "text", True), ("order_number", "identifier", False),
          ("delivery_date", "date", False)]  # fmt: skip


def submit(service: Service, data: bytes, doc_type: str | None) -> str:
    with service.api() as client:
        r = client.post(
            "/v1/documents",
            files={"file": ("note.pdf", data, "application/pdf")},
            data={"doc_type": doc_type} if doc_type else {},
        )
        assert r.status_code == 202, r.text
        return str(r.json()["id"])


def words_of(page: Any) -> list[tuple[str, str]]:
    data = json.loads(page.locator("#review-data").text_content())
    return [(w[0], w[1]) for p in data["pages"] for w in p["words"]]


def click_value(page: Any, field: str, value: str) -> None:
    """Fill a field by clicking the words that print its value, shift-clicking the rest."""
    tokens = value.split()
    words = words_of(page)
    start = next(
        i for i in range(len(words)) if [t for _, t in words[i : i + len(tokens)]] == tokens
    )
    page.click(f"#f-{field}")
    page.fill(f"#f-{field}", "")
    for n, (word_id, _) in enumerate(words[start : start + len(tokens)]):
        page.click(f".w[data-id='{word_id}']", modifiers=["Shift"] if n else [])
    assert page.input_value(f"#f-{field}") == value


def test_define_annotate_train_and_read(service: Service, page: Any) -> None:
    factory = make_session_factory(make_engine(service.db_url))
    with factory.begin() as s:
        create_user(s, ADMIN, ADMIN_PASSWORD, "admin")
    page.goto(f"{service.base}/login")
    page.fill("#email", ADMIN)
    page.fill("#password", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{service.base}/review")

    # define the type on the types page
    page.goto(f"{service.base}/types")
    page.fill("#type-name", "delivery_note")
    for i, (name, value_type, required) in enumerate(FIELDS):
        page.fill(f"#field-{i}", name)
        page.select_option(f"#type-{i}", value_type)
        if required:
            page.check(f"#required-{i}")
    page.click("#define-type")
    page.wait_for_selector("tr[data-type='delivery_note']")
    assert page.locator("[data-train='delivery_note']").is_disabled()

    # three notes arrive with the type as hint, and are annotated by clicking words
    examples = [note_pdf(seed) for seed in (21, 22, 23)]
    ids = [submit(service, data, "delivery_note") for data, _ in examples]
    for doc_id in ids:
        body = service.wait_done(doc_id)
        assert body["result"]["custom_type"] == "delivery_note", body
    for doc_id, (_, values) in zip(ids, examples, strict=True):
        page.goto(f"{service.base}/review/{doc_id}")
        page.wait_for_selector("body[data-ready='1']")
        for name, _, _ in FIELDS:
            click_value(page, name, values[name])
        approve_enabled(page)
        page.click("#approve")
        page.wait_for_url(lambda url, d=doc_id: not url.endswith(f"/review/{d}"))

    # train on the types page
    page.goto(f"{service.base}/types")
    assert page.locator("td[data-reviewed='3']").count() == 1
    page.click("[data-train='delivery_note']")
    page.wait_for_selector("#types-notice")
    assert "now live" in page.locator("#types-notice").text_content()
    assert page.locator("tr[data-type='delivery_note'] [data-live]").count() == 1

    # a fourth note, sent with no hint, comes back with its fields through the API
    data, values = note_pdf(24)
    body = service.wait_done(submit(service, data, None))
    result = body["result"]
    assert result["doc_type"] == "custom" and result["custom_type"] == "delivery_note"
    fields = result["fields"]
    assert fields["customer"]["value"] == values["customer"]
    assert fields["order_number"]["value"] == values["order_number"]
    d, m, y = values["delivery_date"].split(".")
    assert fields["delivery_date"]["value"] == f"{y}-{m}-{d}"
    assert all(f["provenance"]["word_ids"] and f["confidence"] > 0 for f in fields.values())


def test_the_notes_differ() -> None:
    """The four notes are different documents: other customers, numbers and dates."""
    values = [delivery_note(random.Random(seed), seed)[1] for seed in (21, 22, 23, 24)]
    assert len({v["order_number"] for v in values}) == 4
    assert len({v["customer"] for v in values}) == 4
