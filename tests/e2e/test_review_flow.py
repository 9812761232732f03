"""End to end in Chromium: log in, review a processed receipt, approve, check what was stored.

Once with the mouse (click and drag on words, edit cells), once with the keyboard only.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
from playwright.sync_api import expect

from paperclerk.learning.memory import CounterpartyMemory
from tests.e2e.conftest import EMAIL, PASSWORD, Service, approve_enabled, receipt_png

LINES = ["ACME STORE", "12 HIGH STREET", "DATE 12/03/2025", "BREAD      2.50",
         "MILK       1.20", "TOTAL      3.70", "PAID CASH"]  # fmt: skip


def processed_receipt(service: Service) -> str:
    doc_id = service.upload(receipt_png(LINES, (520, 460)))
    body = service.wait_done(doc_id)
    assert body["status"] == "done", body
    assert body["result"]["decision"]["outcome"] == "needs_review"
    return doc_id


def word_id(page: Any, text: str) -> str:
    data = json.loads(page.locator("#review-data").text_content())
    return next(w[0] for p in data["pages"] for w in p["words"] if w[1] == text)


def stored(service: Service, doc_id: str) -> tuple[dict[str, Any], list[dict[str, Any]], list[Any]]:
    with service.api() as api:
        result = api.get(f"/v1/documents/{doc_id}").json()["result"]
        audit = api.get(f"/v1/documents/{doc_id}/audit").json()
        examples = api.get(f"/v1/documents/{doc_id}/training-examples").json()
    return result, audit, examples


def open_review(page: Any, service: Service, doc_id: str) -> None:
    page.wait_for_url(f"{service.base}/review/{doc_id}")
    page.wait_for_selector("body[data-ready='1']")


def test_review_with_the_mouse(service: Service, page: Any) -> None:
    doc_id = processed_receipt(service)
    page.goto(f"{service.base}/review")
    page.wait_for_url("**/login**")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{service.base}/review")
    assert page.locator(f"a[href='/review/{doc_id}']").count() == 1
    # filters update the table in place (htmx) and keep the URL shareable
    page.select_option("select[name=age]", "24")
    page.wait_for_selector("#queue td.empty")
    assert "age=24" in page.url and page.locator("#queue-total").text_content() == "0"
    assert page.locator("#start").is_disabled()
    page.select_option("select[name=age]", "")
    page.wait_for_selector(f"#queue a[href='/review/{doc_id}']")
    assert page.locator("#start").is_enabled()
    page.click("#start")
    open_review(page, service, doc_id)

    # correct the merchant name by clicking one word on the page
    acme = word_id(page, "ACME")
    page.click("#f-merchant_name")
    page.click(f".w[data-id='{acme}']")
    assert page.input_value("#f-merchant_name") == "ACME"
    assert page.locator(f".w.hl[data-id='{acme}']").count() == 1
    assert page.locator("#fieldbox").is_visible()
    # fill the address by dragging over its three words
    page.click("#f-merchant_address")
    page.fill("#f-merchant_address", "")
    first = page.locator(f".w[data-id='{word_id(page, '12')}']").bounding_box()
    last = page.locator(f".w[data-id='{word_id(page, 'STREET')}']").bounding_box()
    page.mouse.move(first["x"] - 3, first["y"] - 3)
    page.mouse.down()
    page.mouse.move(last["x"] + last["width"] / 2, last["y"] + last["height"] / 2, steps=8)
    page.mouse.up()
    assert page.input_value("#f-merchant_address") == "12 HIGH STREET"

    # an invalid amount is shown at once, blocks approval, and moves nothing on the screen
    page.focus("#f-total")
    below = page.locator("[data-field='line_items.0.description']").bounding_box()
    page.fill("#f-total", "3.7x")
    page.wait_for_selector("[data-msg-for='total'].bad")
    assert page.locator("#approve").is_disabled()
    assert page.locator("[data-field='line_items.0.description']").bounding_box() == below
    page.fill("#f-total", "3.70")
    approve_enabled(page)

    # fix a line item: quantity and unit price of the first row
    page.fill("[data-field='line_items.0.quantity']", "2")
    page.fill("[data-field='line_items.0.unit_price']", "1.25")
    approve_enabled(page)
    page.click("#approve")
    page.wait_for_url(f"{service.base}/review?empty=1")

    result, audit, examples = stored(service, doc_id)
    assert result["decision"]["outcome"] == "approved"
    assert result["decision"]["decided_by"] == EMAIL
    name = result["fields"]["merchant_name"]
    assert name["value"] == "ACME" and name["source"] == "human"
    assert name["provenance"]["word_ids"] == [acme]
    assert result["fields"]["merchant_address"]["value"] == "12 HIGH STREET"
    row = result["line_items"][0]["fields"]
    assert row["quantity"]["value"] == "2" and row["unit_price"]["value"] == "1.25"
    fixes = {
        e["field"]: e for e in audit if e["actor_kind"] == "person" and e["action"] == "correct"
    }
    assert fixes["merchant_name"]["old_value"] == "ACME STORE"
    assert fixes["merchant_name"]["new_value"] == "ACME"
    assert "line_items" in fixes
    assert any(e["actor_kind"] == "model" and e["field"] == "merchant_name" for e in audit)
    assert examples[0]["example"]["fields"]["merchant_name"] == "ACME"
    # the memory learns right after the answer is sent
    path = service.data_dir / "learning" / "memory.json"
    deadline = time.monotonic() + 10
    while not (
        path.exists() and any("ACME" in e.names for e in CounterpartyMemory.load(path).entries)
    ):
        assert time.monotonic() < deadline, "the memory did not learn the approved merchant"
        time.sleep(0.1)
    # the document page shows the trail
    page.goto(f"{service.base}/documents/{doc_id}")
    assert page.locator("#audit tr[data-actor='person']").count() >= 3
    assert page.locator("#review-state").text_content() == "approved"


def test_review_with_the_keyboard_only(service: Service, page: Any) -> None:
    doc_id = processed_receipt(service)
    page.goto(f"{service.base}/login")
    # The email field takes the focus (autofocus), which Chromium may apply only after
    # the load event on a busy machine: wait for it rather than type into nothing.
    expect(page.locator("#email")).to_be_focused()
    page.keyboard.type(EMAIL)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{service.base}/review")
    expect(page.locator("#start")).to_be_focused()  # "Start reviewing"
    page.keyboard.press("Enter")
    open_review(page, service, doc_id)

    focused = "document.activeElement.dataset.field"
    # The first thing to check has the focus. Which one it is depends on what the memory
    # has learnt from earlier tests (a confirmed merchant name is sure the next time).
    first = "document.querySelector('#problems li').dataset.field"
    start = page.evaluate(focused)
    assert start == page.evaluate(first)
    order = page.evaluate(
        "[...document.querySelectorAll(':is(input, textarea)[data-field]')]"
        ".map(e => e.dataset.field)"
    )
    before = order.index(start) < order.index("merchant_address")
    step = "Alt+ArrowDown" if before else "Alt+ArrowUp"
    for _ in range(len(order)):
        if page.evaluate(focused) == "merchant_address":
            break
        page.keyboard.press(step)
    assert page.evaluate(focused) == "merchant_address"
    data = json.loads(page.locator("#review-data").text_content())
    suggestion = data["suggestions"]["merchant_address"][0]["value"]
    page.keyboard.press("Alt+1")
    assert page.input_value("#f-merchant_address") == suggestion
    for _ in range(40):  # Enter walks to the next field, down into the line items
        if page.evaluate(focused) == "line_items.1.description":
            break
        page.keyboard.press("Enter")
    assert page.evaluate(focused) == "line_items.1.description"
    page.keyboard.press("Control+A")
    page.keyboard.type("MILK 1L")
    page.keyboard.press("Alt+N")  # a new row below the focused one
    assert page.locator("#items tbody tr").count() == 3
    assert page.evaluate(focused) == "line_items.2.description"
    page.keyboard.type("BAG EXTRA")
    for _ in range(len(" EXTRA")):
        page.keyboard.press("ArrowLeft")
    page.keyboard.press("Alt+L")  # split at the cursor: "EXTRA" moves to a new row
    assert page.input_value("[data-field='line_items.2.description']") == "BAG"
    assert page.input_value("[data-field='line_items.3.description']") == "EXTRA"
    assert page.evaluate(focused) == "line_items.3.description"
    page.keyboard.press("Alt+D")  # delete both new rows again
    page.keyboard.press("Alt+D")
    assert page.locator("#items tbody tr").count() == 2
    approve_enabled(page)
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"{service.base}/review?empty=1")

    result, audit, examples = stored(service, doc_id)
    assert result["decision"]["outcome"] == "approved"
    assert result["fields"]["merchant_address"]["value"] == suggestion
    assert result["line_items"][1]["fields"]["description"]["value"] == "MILK 1L"
    people = {e["field"] for e in audit if e["actor_kind"] == "person"}
    assert {"merchant_address", "line_items", "decision"} <= people
    assert examples[0]["example"]["fields"]["merchant_address"] == suggestion


def test_reject_needs_a_reason_and_opens_the_next_document(service: Service, page: Any) -> None:
    doc_id = processed_receipt(service)
    page.goto(f"{service.base}/login")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{service.base}/review")
    page.goto(f"{service.base}/review/{doc_id}")
    page.wait_for_selector("body[data-ready='1']")
    page.keyboard.press("Alt+R")
    page.keyboard.press("Enter")  # no reason: nothing happens
    assert page.locator("#reject-dialog[open]").count() == 1
    page.keyboard.type("Duplicate of an earlier upload")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{service.base}/review?empty=1")
    with httpx.Client(
        base_url=service.base, headers={"Authorization": f"Bearer {service.key}"}
    ) as api:
        result = api.get(f"/v1/documents/{doc_id}").json()["result"]
    assert result["decision"]["outcome"] == "rejected"
    assert "Duplicate of an earlier upload" in result["decision"]["reasons"]
