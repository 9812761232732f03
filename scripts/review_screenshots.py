"""Take the README screenshots of the review UI (queue, review screen, dashboard, a KYC case).

Usage: .venv/bin/python scripts/review_screenshots.py [--out docs/img]

Runs a throw-away service (uvicorn + one worker thread, SQLite in a temporary folder),
uploads two synthetic receipts and a KYC case (a drawn passport, utility bill, payslip and
bank statement of one applicant), and photographs the pages at 1366×768 with Debian's
Chromium. The PNGs
are reduced to a 256-colour palette to keep the repository small.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import cv2
import httpx
import uvicorn
from PIL import Image, ImageDraw, ImageFont
from playwright.sync_api import sync_playwright

from paperclerk.datasets.synthetic_identity import random_fields, render_identity
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.migrate import upgrade
from paperclerk.storage.users import create_user
from paperclerk.storage.workspaces import create_api_key, create_workspace
from paperclerk.web.app import create_app
from paperclerk.worker.runner import WorkerConfig, work

RECEIPTS = [
    ["ACME STORE", "12 HIGH STREET", "DATE 12/03/2025", "BREAD      2.50", "MILK       1.20",
     "TOTAL      3.70", "PAID CASH"],
    ["CORNER CAFE", "5 MARKET SQ", "DATE 02/11/2026", "LATTE      3.20", "CROISSANT  2.10",
     "WATER      1.50", "TOTAL      9.80"],
]  # fmt: skip


def receipt(lines: list[str]) -> bytes:
    """Return a synthetic receipt image with one text line per entry."""
    image = Image.new("RGB", (520, 460), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((20, 20 + 40 * i), line, fill="black", font_size=26)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
NAME, SURNAME, GIVEN = "Zofia Kowalczyk", "KOWALCZYK", "ZOFIA MARIA"


def passport() -> bytes:
    """Return a drawn passport of the case's applicant."""
    holder = random_fields(random.Random(7))
    image, _ = render_identity(
        replace(holder, fields=replace(holder.fields, surname=SURNAME, given_names=GIVEN))
    )
    return bytes(cv2.imencode(".png", image)[1].tobytes())


def sheet(lines: list[str], table: list[tuple[str, ...]] = ()) -> bytes:  # type: ignore[assignment]
    """Return an A4-like page of text lines, then a right-aligned table of amounts."""
    image = Image.new("L", (1240, 1300), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 26)
    y = 70
    for line in lines:
        draw.text((80, y), line, 0, font=font)
        y += 46
    for row in table:
        draw.text((80, y), row[0], 0, font=font)
        draw.text((300, y), row[1], 0, font=font)
        for i, cell in enumerate(row[2:]):
            draw.text((900 + 220 * i - draw.textlength(cell, font=font), y), cell, 0, font=font)
        y += 46
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def case_documents() -> list[tuple[str, str, bytes]]:
    """Return (file name, doc type, bytes) of one applicant's KYC documents, dated last month."""
    end = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    start, paid = end.replace(day=1), end - dt.timedelta(days=2)
    d = lambda day: day.strftime("%d/%m/%Y")  # noqa: E731
    address = ["7 Mill Lane", "Bristol BS1 5TR"]
    bill = sheet(
        [
            "Riverside Water Company",
            "Your water bill",
            "",
            f"Ms {NAME}",
            *address,
            "",
            f"Bill date: {d(end - dt.timedelta(days=5))}",
            "Amount due: £84.20",
        ]
    )
    slip = sheet(
        [
            "Payslip",
            "Northwind Traders Ltd",
            "12 Harbour Road",
            "Leeds LS1 4AB",
            "",
            f"Pay period: {d(start)} - {d(end)}",
            f"Pay date: {d(paid)}",
            f"Employee: {NAME}",
            "Gross pay: £3,250.00",
            "Net pay: £2,637.60",
        ]
    )
    statement = sheet(
        [
            "Hanseatic Savings Bank",
            "",
            NAME,
            *address,
            "",
            "IBAN: GB82 WEST 1234 5698 7654 32",
            f"Statement period: {d(start)} - {d(end)}",
            "Opening balance: 1,000.00",
            "",
        ],
        [
            ("Date", "Details", "Amount", "Balance"),
            (d(start + dt.timedelta(days=2)), "RENT", "-750.00", "250.00"),
            (d(paid), "NORTHWIND SALARY", "2,637.60", "2,887.60"),
            (d(paid + dt.timedelta(days=1)), "CARD PAYMENT", "-50.00", "2,837.60"),
            ("", "Closing balance", "", "2,837.60"),
        ],
    )
    return [
        ("passport.png", "identity_document", passport()),
        ("water-bill.png", "utility_bill", bill),
        ("payslip.png", "payslip", slip),
        ("statement.png", "bank_statement", statement),
    ]


def small_png(raw: bytes, path: Path) -> None:
    """Save a screenshot as a palette PNG."""
    Image.open(io.BytesIO(raw)).convert("RGB").quantize(256).save(path, optimize=True)


def start_service(
    data_dir: Path, workspace: str, email: str, password: str, role: str
) -> tuple[str, str, Callable[[], None]]:
    """Start uvicorn and one worker thread over a fresh SQLite data folder.

    One workspace with an API key and one user in it; returns the base URL, the key and
    a function that stops both.
    """
    url = f"sqlite:///{data_dir / 'paperclerk.db'}"
    upgrade(url)
    with make_session_factory(make_engine(url)).begin() as s:
        ws = create_workspace(s, workspace).id
        key = create_api_key(s, ws).key
        create_user(s, email, password, role, [ws])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(url, data_dir), host="127.0.0.1", port=port, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    stop = threading.Event()
    threading.Thread(target=work, args=(WorkerConfig(url, data_dir), stop), daemon=True).start()
    while not server.started:
        time.sleep(0.05)

    def shut() -> None:
        stop.set()
        server.should_exit = True

    return f"http://127.0.0.1:{port}", key, shut


def main() -> None:
    """Start the service, upload the receipts and take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        base, key, shut = start_service(
            Path(tmp) / "data", "receipts", "anna@example.org", "review-screenshots", "reviewer"
        )
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as api:
            ids = [
                api.post("/v1/documents", files={"file": (f"receipt-{i + 1}.png", receipt(r))},
                         data={"doc_type": "receipt"}).json()["id"]
                for i, r in enumerate(RECEIPTS)
            ]  # fmt: skip
            applicant = {"name": NAME, "address": "7 Mill Lane, Bristol BS1 5TR"}
            case_id = api.post(
                "/v1/cases", json={"reference": "APP-2041", "applicant": applicant}
            ).json()["id"]
            for name, kind, data in case_documents():
                r = api.post(f"/v1/cases/{case_id}/documents", files={"file": (name, data)},
                             data={"doc_type": kind})  # fmt: skip
                r.raise_for_status()
                ids.append(r.json()["documents"][-1]["id"])
            for doc_id in ids:
                while api.get(f"/v1/documents/{doc_id}").json()["status"] != "done":
                    time.sleep(0.2)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
            page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
            page.goto(f"{base}/login")
            page.fill("#email", "anna@example.org")
            page.fill("#password", "review-screenshots")
            page.keyboard.press("Enter")
            page.wait_for_url(f"{base}/review")
            small_png(page.screenshot(), args.out / "review-queue.png")
            page.goto(f"{base}/review/{ids[0]}")
            page.wait_for_selector("body[data-ready='1']")
            page.wait_for_function("document.querySelector('#page-img').complete")
            page.click("#f-total")
            page.fill("#f-total", "3.7O")
            page.wait_for_selector("[data-msg-for='total'].bad")
            small_png(page.screenshot(), args.out / "review-screen.png")
            page.fill("#f-total", "3.70")
            page.wait_for_selector("[data-msg-for='total'].bad", state="detached")
            page.keyboard.press("Control+Enter")
            page.wait_for_url(lambda u: f"/review/{ids[0]}" not in u)
            page.goto(f"{base}/dashboard")
            small_png(page.screenshot(full_page=True), args.out / "dashboard.png")
            page.set_viewport_size({"width": 1366, "height": 1100})
            page.goto(f"{base}/cases/{case_id}")
            small_png(page.screenshot(), args.out / "kyc-case.png")
            page.locator("#case-documents").scroll_into_view_if_needed()
            page.wait_for_load_state("networkidle")
            shot = page.locator("#case-documents").screenshot()
            small_png(shot, args.out / "kyc-case-documents.png")
            browser.close()
        shut()


if __name__ == "__main__":
    main()
