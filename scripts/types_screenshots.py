"""Take the README screenshots of your own document types: the Types page and a review.

Usage: .venv/bin/python scripts/types_screenshots.py [--out docs/img]

Runs a throw-away service (uvicorn + one worker thread, SQLite in a temporary folder),
defines a `delivery_note` type with three fields, sends four drawn delivery notes, fills and
approves three of them on the review screen by clicking words, trains the type on the Types
page, and photographs the Types page and the fourth note's review screen (read by the
trained model) at 1366×768 with Debian's Chromium. Needs `reportlab` (a dev tool).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import sync_playwright
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from review_screenshots import small_png, start_service  # run from scripts/, beside it

CUSTOMERS = ["Nordwind Logistik GmbH", "Atelier Rousseau SARL", "Harbour Tools Ltd",
             "Van Dijk Bouw BV"]  # fmt: skip
FIELDS = [("customer", "text"), ("order_number", "identifier"), ("delivery_date", "date")]


def delivery_note(n: int) -> tuple[bytes, dict[str, str]]:
    """Draw a delivery note PDF; return it and the values it prints."""
    rng = random.Random(n)
    values = {
        "customer": CUSTOMERS[n],
        "order_number": f"DN-{rng.randrange(10000, 99999)}",
        "delivery_date": f"{rng.randrange(1, 28):02d}.{rng.randrange(1, 12):02d}.2026",
    }
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    top = A4[1] - 60
    lines = [(300, 0, "Kessler Stahl GmbH", 14), (300, 20, "Industriestrasse 4, 80331 Munich", 10),
             (40, 90, "DELIVERY NOTE", 16), (40, 130, "Deliver to", 10),
             (40, 148, values["customer"], 11), (40, 164, "Main Street 12", 10),
             (40, 215, f"Order no. {values['order_number']}", 11),
             (300, 215, f"Date {values['delivery_date']}", 11),
             (40, 260, f"{rng.randrange(1, 9)} x Pallet {rng.randrange(100, 999)}", 10),
             (40, 300, "Carrier: Blue Ocean Supplies Ltd", 10)]  # fmt: skip
    for x, y, text, size in lines:
        pdf.setFont("Helvetica", size)
        pdf.drawString(x, top - y, text)
    pdf.save()
    return out.getvalue(), values


def fill_by_clicking(page: Any, field: str, value: str) -> None:
    """Fill a field by clicking the words that print its value (shift-click adds one)."""
    data = json.loads(page.locator("#review-data").text_content())
    words = [(w[0], w[1]) for p in data["pages"] for w in p["words"]]
    tokens = value.split()
    start = next(
        i for i in range(len(words)) if [t for _, t in words[i : i + len(tokens)]] == tokens
    )
    page.click(f"#f-{field}")
    page.fill(f"#f-{field}", "")
    for n, (word_id, _) in enumerate(words[start : start + len(tokens)]):
        page.click(f".w[data-id='{word_id}']", modifiers=["Shift"] if n else [])


def main() -> None:
    """Start the service, define and train the type, and take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        base, key, shut = start_service(
            Path(tmp) / "data", "logistics", "ops@example.org", "types-screenshots", "admin"
        )
        api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"})
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
            page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
            page.goto(f"{base}/login")
            page.fill("#email", "ops@example.org")
            page.fill("#password", "types-screenshots")
            page.keyboard.press("Enter")
            page.wait_for_url(f"{base}/review")
            page.goto(f"{base}/types")
            page.fill("#type-name", "delivery_note")
            for i, (name, value_type) in enumerate(FIELDS):
                page.fill(f"#field-{i}", name)
                page.select_option(f"#type-{i}", value_type)
            page.check("#required-0")
            page.click("#define-type")
            page.wait_for_selector("tr[data-type='delivery_note']")
            notes = [delivery_note(n) for n in range(4)]
            ids = []
            for n, (data, _) in enumerate(notes[:3]):
                r = api.post("/v1/documents", files={"file": (f"note-{n}.pdf", data)},
                             data={"doc_type": "delivery_note"})  # fmt: skip
                ids.append(r.json()["id"])
            for doc_id in ids:
                while api.get(f"/v1/documents/{doc_id}").json()["status"] != "done":
                    time.sleep(0.2)
            for doc_id, (_, values) in zip(ids, notes, strict=False):
                page.goto(f"{base}/review/{doc_id}")
                page.wait_for_selector("body[data-ready='1']")
                for name, _ in FIELDS:
                    fill_by_clicking(page, name, values[name])
                page.click("#approve")
                page.wait_for_url(lambda u, d=doc_id: not u.endswith(f"/review/{d}"))
            page.goto(f"{base}/types")
            page.click("[data-train='delivery_note']")
            page.wait_for_selector("#types-notice")
            small_png(page.screenshot(), args.out / "types-page.png")
            r = api.post("/v1/documents", files={"file": ("note-3.pdf", notes[3][0])})
            fourth = r.json()["id"]
            while api.get(f"/v1/documents/{fourth}").json()["status"] != "done":
                time.sleep(0.2)
            page.goto(f"{base}/review/{fourth}")
            page.wait_for_selector("body[data-ready='1']")
            page.wait_for_function("document.querySelector('#page-img').complete")
            page.click("#f-order_number")
            small_png(page.screenshot(), args.out / "review-own-type.png")
            browser.close()
        api.close()
        shut()


if __name__ == "__main__":
    main()
