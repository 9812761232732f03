"""Take the README screenshots of the review UI (queue, review screen, dashboard) at 1366×768.

Usage: .venv/bin/python scripts/review_screenshots.py [--out docs/img]

Runs a throw-away service (uvicorn + one worker thread, SQLite in a temporary folder),
uploads two synthetic receipts, and photographs the pages with Debian's Chromium. The PNGs
are reduced to a 256-colour palette to keep the repository small.
"""

from __future__ import annotations

import argparse
import io
import socket
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn
from PIL import Image, ImageDraw
from playwright.sync_api import sync_playwright

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


def small_png(raw: bytes, path: Path) -> None:
    """Save a screenshot as a palette PNG."""
    Image.open(io.BytesIO(raw)).convert("RGB").quantize(256).save(path, optimize=True)


def main() -> None:
    """Start the service, upload the receipts and take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        url = f"sqlite:///{data_dir / 'paperclerk.db'}"
        upgrade(url)
        with make_session_factory(make_engine(url)).begin() as s:
            ws = create_workspace(s, "receipts").id
            key = create_api_key(s, ws).key
            create_user(s, "anna@example.org", "screenshots", "reviewer", [ws])
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(url, data_dir), host="127.0.0.1", port=port, log_level="warning"
            )
        )
        threading.Thread(target=server.run, daemon=True).start()
        stop = threading.Event()
        threading.Thread(target=work, args=(WorkerConfig(url, data_dir), stop), daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as api:
            ids = [
                api.post("/v1/documents", files={"file": (f"receipt-{i + 1}.png", receipt(r))},
                         data={"doc_type": "receipt"}).json()["id"]
                for i, r in enumerate(RECEIPTS)
            ]  # fmt: skip
            for doc_id in ids:
                while api.get(f"/v1/documents/{doc_id}").json()["status"] != "done":
                    time.sleep(0.2)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
            page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
            page.goto(f"{base}/login")
            page.fill("#email", "anna@example.org")
            page.fill("#password", "screenshots")
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
            browser.close()
        stop.set()
        server.should_exit = True


if __name__ == "__main__":
    main()
