"""The screen flags what needs a person and shows what a value will be stored as (issue 13)."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Service
from tests.e2e.test_review_defects import approvable, left, login, open_doc, receipt
from tests.e2e.test_review_flow import stored

FOCUSED = "document.activeElement.dataset.field"


def test_what_to_check_comes_first_and_f8_walks_it(service: Service, page: Any) -> None:
    d = receipt()
    d.set("total", "3.70", 0.55, "3.70")  # unsure, and it gates: to check
    d.set("payment_method", "cash", 0.3)  # unsure, but it does not gate: marked only
    d.doc.decision.low_confidence_fields = ["merchant_address", "total"]  # type: ignore[union-attr]
    d.doc.decision.unsure_fields = ["payment_method"]  # type: ignore[union-attr]
    doc_id = service.store(d.png, d.doc)
    login(page, service)
    open_doc(page, service, doc_id)
    listed = page.locator("#problems li").evaluate_all("(lis) => lis.map(l => l.dataset.field)")
    assert listed == ["merchant_address", "total"]  # the least sure first
    assert page.evaluate(FOCUSED) == "merchant_address"
    assert page.evaluate("document.activeElement.selectionStart") == 0  # typing replaces it
    page.keyboard.press("F8")
    assert page.evaluate(FOCUSED) == "total"
    page.keyboard.press("F8")
    assert page.evaluate(FOCUSED) == "merchant_address"
    page.locator("#problems li[data-field='total'] button").click()
    assert page.evaluate(FOCUSED) == "total"
    assert page.locator(".field[data-row='merchant_name']").get_attribute("class").count("settled")
    assert "unsure" in page.locator(".field[data-row='payment_method']").get_attribute("class")

    # each value shows how it will be stored; an edit is marked and summed up before approval
    page.fill("#f-transaction_date", "12 March 2025")
    page.wait_for_selector("[data-parsed-for='transaction_date']:has-text('12 Mar 2025')")
    assert "edited" in page.locator(".field[data-row='transaction_date']").get_attribute("class")
    assert page.locator("#changes").is_visible()
    assert "Transaction date: 2025-03-12 → 12 March 2025" in page.locator("#changes").inner_text()
    approvable(page)
    page.keyboard.press("Control+Enter")
    left(page, doc_id)
    result, _, _ = stored(service, doc_id)
    assert result["fields"]["transaction_date"]["value"] == "2025-03-12"


def test_a_rule_warning_is_accepted_with_a_reason(service: Service, page: Any) -> None:
    d = receipt()
    d.doc.line_items = d.doc.line_items[:1]  # 2.50 in rows, 3.70 on the receipt
    doc_id = service.store(d.png, d.doc)
    login(page, service)
    open_doc(page, service, doc_id)
    rule = page.locator("#problems li[data-field='total']")
    assert "line items add up to 2.50" in rule.inner_text()
    assert page.locator("#approve").is_disabled()
    rule.get_by_text("Accept as it is").click()
    page.keyboard.type("the till printed one line twice")
    page.keyboard.press("Enter")
    approvable(page)
    assert "accepted: the till printed one line twice" in rule.inner_text()
    page.keyboard.press("Control+Enter")
    left(page, doc_id)
    result, audit, _ = stored(service, doc_id)
    assert result["decision"]["outcome"] == "approved"
    assert len(result["line_items"]) == 1  # no row had to be invented
    ack = [e for e in audit if e["action"] == "acknowledge"]
    assert ack and ack[0]["new_value"]["reason"] == "the till printed one line twice"
