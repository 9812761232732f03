"""The review screen must not store wrong data without the reviewer noticing (issue 13).

Each test reproduces a defect found by using the screen for a day; the documents are drawn
(`tests/e2e/drawn.py`) so the word boxes and fields are exactly the situation.
"""

from __future__ import annotations

import itertools
from typing import Any

from paperclerk.model import DocType
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.tables import ReviewItem
from paperclerk.storage.users import create_user
from tests.e2e.conftest import EMAIL, PASSWORD, Service, approve_enabled
from tests.e2e.drawn import Drawn, drawn
from tests.e2e.test_review_flow import stored

RECEIPT = ["ACME STORE", "REG 123456-X", "12 HIGH STREET", "TEL 555 0100",
           "DATE 12/03/2025", "BREAD 2.50", "MILK 1.20", "TOTAL 3.70"]  # fmt: skip
OTHER_EMAIL, OTHER_PASSWORD = "second@example.org", "another long password"


def receipt(grow: int = 0, size: tuple[int, int] = (620, 900), top: int = 20) -> Drawn:
    """A drawn receipt whose fields are all valid, so it can be approved as it is."""
    d = drawn(RECEIPT, grow=grow, size=size, top=top)
    d.set("merchant_name", "ACME STORE", 0.99, "ACME STORE")
    d.set("merchant_address", "12 HIGH STREET", 0.4, "12 HIGH STREET")
    d.set("transaction_date", "2025-03-12", 0.99, "12/03/2025")
    d.set("total", "3.70", 0.99, "3.70")
    d.item(description="BREAD", total_price="2.50")
    d.item(description="MILK", total_price="1.20")
    return d


def login(page: Any, service: Service, email: str = EMAIL, password: str = PASSWORD) -> None:
    page.goto(f"{service.base}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{service.base}/review")


def open_doc(page: Any, service: Service, doc_id: str) -> None:
    page.goto(f"{service.base}/review/{doc_id}")
    page.wait_for_selector("body[data-ready='1']")


def left(page: Any, doc_id: str) -> None:
    """Wait until the screen moved on from a document (to the next one or the queue)."""
    page.wait_for_url(lambda url: doc_id not in url)


def approvable(page: Any) -> None:
    approve_enabled(page)


def test_question_mark_opens_help_and_types_nothing(service: Service, page: Any) -> None:
    doc_id = service.store(receipt().png, receipt().doc)
    login(page, service)
    open_doc(page, service, doc_id)
    page.focus("#f-merchant_name")
    page.keyboard.press("End")
    page.keyboard.press("?")
    assert page.locator("#help-dialog[open]").count() == 1
    page.keyboard.press("Escape")
    assert page.input_value("#f-merchant_name") == "ACME STORE"


def test_descriptions_over_several_lines_survive_an_approval(service: Service, page: Any) -> None:
    d = drawn(["NORTHWIND GMBH", "RECHNUNG 2024-17", "Service A", "Description: monthly fee"],
              doc_type=DocType.INVOICE)  # fmt: skip
    d.set("vendor_name", "NORTHWIND GMBH", 0.99, "NORTHWIND GMBH")
    d.set("invoice_number", "2024-17", 0.99, "2024-17")
    d.set("invoice_date", "2024-05-02", 0.99)
    d.set("total", "100.00", 0.99)
    d.set("currency", "EUR", 0.99)
    description = "Service A\nDescription: monthly fee"
    d.item(description=description, quantity="1", unit_price="100.00", amount="100.00")
    doc_id = service.store(d.png, d.doc)
    login(page, service)
    open_doc(page, service, doc_id)
    assert page.input_value("[data-field='line_items.0.description']") == description
    approvable(page)
    page.keyboard.press("Control+Enter")
    left(page, doc_id)
    result, audit, _ = stored(service, doc_id)
    assert result["line_items"][0]["fields"]["description"]["value"] == description
    fixes = [e for e in audit if e["actor_kind"] == "person" and e["action"] == "correct"]
    assert fixes == []


def page_point(page: Any, d: Drawn, x: float, y: float) -> tuple[float, float]:
    """Return the screen position of a point given in page pixels."""
    canvas = page.locator("#canvas").bounding_box()
    scale = canvas["width"] / d.doc.pages[0].width
    return canvas["x"] + x * scale, canvas["y"] + y * scale


def test_a_drag_takes_the_words_whose_centre_it_covers(service: Service, page: Any) -> None:
    grow = 18  # the boxes of neighbouring lines overlap, as real OCR boxes do
    d = receipt(grow=grow)
    doc_id = service.store(d.png, d.doc)
    login(page, service)
    open_doc(page, service, doc_id)
    page.click("#f-merchant_address")
    words = {w.id: w for w in d.doc.pages[0].words}
    first = words[d.ids("12")[0]].box
    last = words[d.ids("STREET")[0]].box
    # from 3 px above the first word's ink to 3 px below the last word's ink
    page.mouse.move(*page_point(page, d, first.x0 - 3, first.y0 + grow - 3))
    page.mouse.down()
    page.mouse.move(*page_point(page, d, last.x1 - 2, last.y1 - grow + 3), steps=8)
    assert page.locator("#dragpreview").text_content() == "12 HIGH STREET"
    page.mouse.up()
    assert page.input_value("#f-merchant_address") == "12 HIGH STREET"


def test_two_quick_approvals_send_one_request(service: Service, page: Any) -> None:
    doc_id = service.store(receipt().png, receipt().doc)
    login(page, service)
    open_doc(page, service, doc_id)
    approvable(page)
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.url.endswith("/approve") else None)
    page.keyboard.press("Control+Enter")
    page.keyboard.press("Control+Enter")
    left(page, doc_id)
    assert len(sent) == 1


def test_new_rows_start_in_the_first_column(service: Service, page: Any) -> None:
    doc_id = service.store(receipt().png, receipt().doc)
    login(page, service)
    open_doc(page, service, doc_id)
    page.focus("[data-field='line_items.0.total_price']")
    page.keyboard.press("Alt+N")
    focused = page.evaluate("document.activeElement.dataset.field")
    assert focused == "line_items.1.description"


def test_read_only_while_another_reviewer_holds_it(
    service: Service, page: Any, browser: Any
) -> None:
    factory = make_session_factory(make_engine(service.db_url))
    with factory.begin() as s:
        create_user(s, OTHER_EMAIL, OTHER_PASSWORD, "reviewer", [service.workspace_id])
    doc_id = service.store(receipt().png, receipt().doc)
    login(page, service)
    open_doc(page, service, doc_id)  # the first reviewer holds it
    other = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    try:
        login(other, service, OTHER_EMAIL, OTHER_PASSWORD)
        open_doc(other, service, doc_id)
        assert other.locator("#f-merchant_name").is_editable() is False
        assert other.locator("[data-field='line_items.0.description']").is_editable() is False
        other.focus("#f-merchant_name")
        other.keyboard.type("X")
        assert other.input_value("#f-merchant_name") == "ACME STORE"
    finally:
        other.context.close()


def test_the_focused_field_stays_in_view_when_the_page_image_loads(
    service: Service, page: Any
) -> None:
    d = receipt(size=(620, 3000), top=2600)  # the words sit at the bottom of a long page
    doc_id = service.store(d.png, d.doc)
    login(page, service)
    open_doc(page, service, doc_id)
    page.wait_for_function("document.querySelector('#page-img').complete")
    page.wait_for_timeout(300)
    stage = page.locator("#stage").bounding_box()
    box = page.locator("#fieldbox").bounding_box()
    assert box is not None
    assert stage["y"] <= box["y"] and box["y"] + box["height"] <= stage["y"] + stage["height"]


def test_long_values_and_suggestions_are_shown_whole(service: Service, page: Any) -> None:
    d = receipt()
    long = "UNIT 12-3, JALAN PERINDUSTRIAN BUKIT MINYAK 7, TAMAN INDUSTRI, 14100 SIMPANG AMPAT"
    d.set("merchant_address", long, 0.4)
    from paperclerk.model import Alternative

    d.doc.fields["merchant_address"].alternatives = [
        Alternative(value=long + " PULAU PINANG", raw_text=long, score=0.3)
    ]
    doc_id = service.store(d.png, d.doc)
    login(page, service)
    open_doc(page, service, doc_id)
    cut = """(el) => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1"""
    assert page.locator("#f-merchant_address").evaluate(cut) is False
    assert page.locator(".sugg-btn").first.evaluate(cut) is False


def test_seven_invoice_columns_do_not_overlap(service: Service, page: Any) -> None:
    d = drawn(["NORTHWIND GMBH"], doc_type=DocType.INVOICE)
    d.set("vendor_name", "NORTHWIND GMBH", 0.99, "NORTHWIND GMBH")
    d.item(product_code="A-100", description="Widget", quantity="2", unit="pcs",
           unit_price="10.00", tax_rate="19", amount="20.00")  # fmt: skip
    doc_id = service.store(d.png, d.doc)
    login(page, service)
    open_doc(page, service, doc_id)
    heads = page.locator("#items thead th").evaluate_all(
        """(ths) => ths.map((th) => {
             const r = th.getBoundingClientRect();
             return [r.left, r.right, th.scrollWidth > th.clientWidth + 1];
           })"""
    )
    assert not any(cut for _, _, cut in heads), heads
    assert all(a[1] <= b[0] + 0.5 for a, b in itertools.pairwise(heads)), heads


def test_leaving_the_page_releases_the_claim(service: Service, page: Any) -> None:
    doc_id = service.store(receipt().png, receipt().doc)
    login(page, service)
    open_doc(page, service, doc_id)
    factory = make_session_factory(make_engine(service.db_url))
    with factory() as s:
        assert s.get(ReviewItem, doc_id).claimed_by is not None
    page.goto(f"{service.base}/documents/{doc_id}")
    page.wait_for_timeout(500)
    with factory() as s:
        assert s.get(ReviewItem, doc_id).claimed_by is None


def test_a_rejection_reason_speaks_english(service: Service, page: Any) -> None:
    d = drawn(["NORTHWIND GMBH"], doc_type=DocType.INVOICE)
    doc_id = service.store(d.png, d.doc)
    login(page, service)
    open_doc(page, service, doc_id)
    values = page.locator("#reject-reasons option").evaluate_all("(os) => os.map(o => o.value)")
    assert "Not an invoice" in values


def test_values_that_would_be_stored_wrong_are_refused(service: Service, page: Any) -> None:
    doc_id = service.store(receipt().png, receipt().doc)
    login(page, service)
    open_doc(page, service, doc_id)
    for value in ("-3.70", "3.705"):
        page.fill("#f-total", value)
        page.wait_for_selector("[data-msg-for='total'].bad")
        assert page.locator("#approve").is_disabled()
    page.fill("#f-total", "3.70")
    page.fill("#f-transaction_date", "08/03/2014")
    page.wait_for_selector("[data-msg-for='transaction_date'].bad")
    assert "ambiguous" in page.locator("[data-msg-for='transaction_date']").text_content()
