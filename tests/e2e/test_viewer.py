"""The page viewer in Chromium: page switching follows the focused field, zoom, help, skip."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from PIL import Image, ImageDraw

from paperclerk.model import (
    Box,
    Decision,
    DecisionOutcome,
    DocType,
    Document,
    ExtractedField,
    FieldSource,
    Page,
    Provenance,
    Word,
)
from tests.e2e.conftest import EMAIL, PASSWORD, Service

W, H = 600, 800


def two_page_document(service: Service) -> str:
    """Store a two-page TIFF and a result whose total is read on the second page."""
    pages, images = [], []
    for index, text in enumerate(["ACME STORE", "TOTAL 9.99"]):
        image = Image.new("RGB", (W, H), "white")
        ImageDraw.Draw(image).text((40, 60), text, fill="black", font_size=40)
        images.append(image)
        boxes = [Box(x0=40 + 200 * i, y0=60, x1=220 + 200 * i, y1=110) for i in range(2)]
        words = [
            Word(id=f"p{index}-w{i}", text=t, box=boxes[i], norm_box=boxes[i].normalised(W, H),
                 confidence=0.9, line_id=f"p{index}-l0")
            for i, t in enumerate(text.split())
        ]  # fmt: skip
        pages.append(Page(index=index, width=W, height=H, words=words))
    out = io.BytesIO()
    images[0].save(out, "TIFF", save_all=True, append_images=images[1:])
    data = out.getvalue()
    sha = hashlib.sha256(data).hexdigest()

    def f(name: str, value: str, page: int, ids: list[str]) -> ExtractedField:
        return ExtractedField(name=name, value=value, confidence=0.4, source=FieldSource.MODEL,
                              provenance=Provenance(page=page, word_ids=ids))  # fmt: skip

    doc = Document(
        sha256=sha,
        media_type="image/tiff",
        size_bytes=len(data),
        pages=pages,
        doc_type=DocType.RECEIPT,
        fields={
            "merchant_name": f("merchant_name", "ACME STORE", 0, ["p0-w0", "p0-w1"]),
            "total": f("total", "9.99", 1, ["p1-w1"]),
        },
        decision=Decision(outcome=DecisionOutcome.NEEDS_REVIEW, low_confidence_fields=["total"]),
    )
    return service.store(data, doc, "two-pages.tif")


def test_the_viewer_follows_the_focused_field_and_zooms(service: Service, page: Any) -> None:
    doc_id = two_page_document(service)
    page.goto(f"{service.base}/login")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{service.base}/review")
    page.goto(f"{service.base}/review/{doc_id}")
    page.wait_for_selector("body[data-ready='1']")
    # the first thing to check has the focus: the date, required, is missing
    assert page.evaluate("document.activeElement.dataset.field") == "transaction_date"
    assert page.locator("#problems li").first.get_attribute("data-field") == "transaction_date"
    page.keyboard.press("F8")  # the next thing to check: the total, unsure, read on page 2
    assert page.evaluate("document.activeElement.dataset.field") == "total"
    assert page.locator("#page-label").text_content() == "Page 2 / 2"
    assert page.locator(".w.hl").count() == 1
    assert page.locator(".field[data-row='total'] .crop").is_visible()  # its source region
    page.focus("#f-merchant_name")
    assert page.locator("#page-label").text_content() == "Page 1 / 2"
    assert page.locator(".w.hl").count() == 2
    img = page.locator("#page-img")
    page.wait_for_function("document.querySelector('#page-img').naturalWidth > 0")
    assert img.evaluate("el => el.naturalWidth") == W
    before = page.locator("#zoom-label").text_content()
    page.keyboard.press("Alt+Equal")
    assert page.locator("#zoom-label").text_content() != before
    page.keyboard.press("Alt+PageDown")
    assert page.locator("#page-label").text_content() == "Page 2 / 2"
    page.locator("#help").click()
    assert page.locator("#help-dialog[open]").count() == 1
    page.keyboard.press("Escape")
    page.focus("#f-total")
    page.keyboard.press("Alt+S")  # skip: the claim is released, the queue has nothing else
    page.wait_for_url(f"{service.base}/review?empty=1")
    page.click("#start")  # starting again from the queue offers the skipped document again
    page.wait_for_url(f"{service.base}/review/{doc_id}")
