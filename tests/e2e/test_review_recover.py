"""Recovering from mistakes in Chromium: a correction that the memory must keep, and a
decided document reopened from its history page and decided again.

Every receipt of this module goes to a person (the workspace's policy turns automatic
approval off), so each one can be opened on the review screen whatever the memory makes
of it. Approvals are sent from the open review screen as its script sends them (the
screen's own controls are driven in test_review_flow); the history page's reopen form
and the queue are used as a person uses them.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import EMAIL, PASSWORD, Service, receipt_png

MERCHANT = "QUILLFEATHER STATIONERS"
ADDRESS_A = "88 ORCHARD ROW"
ADDRESS_B = "88 ORCHARD ROW, KENDAL"
LINES = [MERCHANT, ADDRESS_A, "DATE 12/03/2025", "BREAD      2.50", "MILK       1.20",
         "TOTAL      3.70", "PAID CASH"]  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def everything_reviewed(service: Service) -> None:
    with service.api() as api:
        r = api.put("/v1/policy", json={"types": {"receipt": {"auto_approve": False}}})
        assert r.status_code == 200, r.text


def processed(service: Service, lines: list[str]) -> tuple[str, dict[str, Any]]:
    doc_id = service.upload(receipt_png(lines, (520, 460)))
    body = service.wait_done(doc_id)
    assert body["status"] == "done", body
    assert body["result"]["decision"]["outcome"] == "needs_review"
    return doc_id, body["result"]


def login(page: Any, service: Service) -> None:
    page.goto(f"{service.base}/login")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{service.base}/review")


APPROVE = """async ([id, fields]) => {
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const r = await fetch(`/review/${id}/approve`, {method: 'POST', body: JSON.stringify({fields}),
    headers: {'Content-Type': 'application/json', 'X-CSRF-Token': token}});
  return [r.status, await r.text()];
}"""


def approve_on_screen(page: Any, service: Service, doc_id: str, fields: dict[str, str]) -> None:
    """Open the document on the review screen (claiming it) and approve it with `fields`."""
    page.goto(f"{service.base}/review/{doc_id}")
    status, body = page.evaluate(APPROVE, [doc_id, fields])
    assert status == 200, body
    with service.api() as api:
        result = api.get(f"/v1/documents/{doc_id}").json()["result"]
    assert result["decision"]["outcome"] == "approved"
    for name, value in fields.items():
        assert result["fields"][name]["value"] == value


def test_a_corrected_address_beats_the_majority_in_the_memory(service: Service, page: Any) -> None:
    login(page, service)
    confirmed = {"merchant_name": MERCHANT, "merchant_address": ADDRESS_A}
    for _ in range(2):
        doc_id, _ = processed(service, LINES)
        approve_on_screen(page, service, doc_id, confirmed)
    doc_id, result = processed(service, LINES)
    address = result["fields"]["merchant_address"]
    assert (address["value"], address["source"]) == (ADDRESS_A, "memory")  # recognised
    approve_on_screen(page, service, doc_id, {**confirmed, "merchant_address": ADDRESS_B})
    _, result = processed(service, LINES)
    address = result["fields"]["merchant_address"]
    assert (address["value"], address["source"]) == (ADDRESS_B, "memory")


def test_a_decided_document_is_reopened_from_its_history(service: Service, page: Any) -> None:
    with service.api() as api:
        hook = api.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"})
        assert hook.status_code == 201, hook.text
        hook_id = hook.json()["id"]
    lines = ["HOLLOWAY HARDWARE", "3 MILL YARD", *LINES[2:]]
    doc_id, _ = processed(service, lines)
    login(page, service)
    approve_on_screen(page, service, doc_id, {"merchant_name": "HOLLOWAY HARDWARE"})

    page.goto(f"{service.base}/documents/{doc_id}")
    assert page.locator("#review-state").text_content() == "approved"
    page.fill("#reopen-reason", "The total was read from the wrong line")
    page.click("#reopen-button")
    page.wait_for_url(f"{service.base}/review/{doc_id}")
    page.goto(f"{service.base}/review")
    assert page.locator(f"#queue a[href='/review/{doc_id}']").count() == 1
    assert "reopened after a decision" in (page.locator("#queue").text_content() or "")

    approve_on_screen(page, service, doc_id, {"merchant_name": "HOLLOWAY HARDWARE"})
    page.goto(f"{service.base}/documents/{doc_id}")
    assert page.locator("#review-state").text_content() == "approved"
    actions = page.locator("#audit tbody tr td:nth-child(3)").all_text_contents()
    assert [a for a in actions if a in ("approve", "reopen")] == ["approve", "reopen", "approve"]
    reopened = page.locator("#audit tr", has_text="reopen")
    assert "The total was read from the wrong line" in (reopened.text_content() or "")
    with service.api() as api:
        log = api.get(f"/v1/webhooks/{hook_id}/deliveries").json()["items"]
    decided = [d for d in log if d["document_id"] == doc_id and d["event"] == "document.decided"]
    assert len(decided) == 2
