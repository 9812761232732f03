"""Responsiveness of the review screen with 500 word boxes on the page, in Chromium.

Usage: python benchmarks/review_ui.py [--words 500] [--rounds 200]

Starts a real server (uvicorn, SQLite in a temporary folder) with one synthetic document of
`--words` OCR words, logs in with Debian's Chromium (headless, Playwright) and measures,
inside the page with performance.now():
- focus a field: the focus handler (highlight the field's words and box, keep it in view),
  and the time from `focus()` to the next painted frame;
- fill by click: a real mouse click on a word, from the handler start to the value set, and
  from the click to the next painted frame.
Prints medians and p95 in ms; writes benchmarks/results/review_ui.json. Target: < 100 ms.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import platform
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from PIL import Image, ImageDraw

from paperclerk.model import (
    Box,
    Decision,
    DecisionOutcome,
    DocType,
    Document,
    ExtractedField,
    FieldSource,
    Line,
    Page,
    Provenance,
    Word,
)
from paperclerk.queue import Lane, enqueue
from paperclerk.queue.jobs import finish_document
from paperclerk.review import on_result_stored
from paperclerk.storage.blobs import BlobStore
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.documents import create_document
from paperclerk.storage.users import create_user
from paperclerk.storage.workspaces import create_workspace
from paperclerk.web.app import create_app

WIDTH, HEIGHT = 1654, 2339  # A4 at 200 DPI
PER_LINE = 10
EMAIL, PASSWORD = "bench@example.org", "bench-password"
FIELDS = ("merchant_name", "merchant_address", "receipt_number", "transaction_date", "total")


def synthetic(n_words: int) -> tuple[bytes, Document]:
    """A page image with `n_words` words in lines, and its document with five fields."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    words: list[Word] = []
    lines: list[Line] = []
    n_lines = (n_words + PER_LINE - 1) // PER_LINE
    pitch = (HEIGHT - 160) / max(1, n_lines)
    for i in range(n_words):
        row, col = divmod(i, PER_LINE)
        x, y = 80 + col * 150, 80 + row * pitch
        text = f"W{i:03d}" if i % 7 else f"{i / 10:.2f}"
        draw.text((x, y), text, fill="black", font_size=max(12, int(pitch * 0.6)))
        box = Box(x0=x, y0=y, x1=x + 120, y1=y + pitch * 0.7)
        words.append(Word(id=f"p0-w{i}", text=text, box=box, norm_box=box.normalised(WIDTH, HEIGHT),
                          confidence=0.9, line_id=f"p0-l{row}"))  # fmt: skip
    for row in range(n_lines):
        ids = [w for w in words if w.line_id == f"p0-l{row}"]
        lines.append(Line(id=f"p0-l{row}", text=" ".join(w.text for w in ids),
                          box=Box(x0=80, y0=ids[0].box.y0, x1=ids[-1].box.x1, y1=ids[0].box.y1),
                          word_ids=[w.id for w in ids], confidence=0.9))  # fmt: skip
    fields = {}
    for k, name in enumerate(FIELDS):
        ids = [f"p0-w{(k * 97 + j) % n_words}" for j in range(2)]
        fields[name] = ExtractedField(name=name, value=" ".join(ids), raw_text="", confidence=0.5,
                                      provenance=Provenance(page=0, word_ids=ids),
                                      source=FieldSource.MODEL)  # fmt: skip
    out = io.BytesIO()
    image.save(out, "PNG")
    data = out.getvalue()

    doc = Document(
        sha256=hashlib.sha256(data).hexdigest(),
        media_type="image/png",
        size_bytes=len(data),
        pages=[Page(index=0, width=WIDTH, height=HEIGHT, words=words, lines=lines)],
        doc_type=DocType.RECEIPT,
        fields=fields,
        decision=Decision(outcome=DecisionOutcome.NEEDS_REVIEW, reasons=["benchmark"]),
    )
    return data, doc


def setup(data_dir: Path, n_words: int) -> tuple[str, str]:
    """Create the database, user and the stored document; return (db url, document id)."""
    url = f"sqlite:///{data_dir / 'paperclerk.db'}"
    from paperclerk.storage.migrate import upgrade

    upgrade(url)
    factory = make_session_factory(make_engine(url))
    png, doc = synthetic(n_words)
    BlobStore.in_data_dir(data_dir).put(png)
    with factory.begin() as s:
        ws = create_workspace(s, "bench").id
        create_user(s, EMAIL, PASSWORD, "reviewer", [ws])
        row, _ = create_document(
            s, ws, sha256=doc.sha256, size_bytes=len(png), filename="bench.png"
        )
        job = enqueue(s, row.id, Lane.BULK)
        doc.id, doc.workspace = row.id, ws
        finish_document(s, row.id, doc, job.id)
        on_result_stored(s, row.id, ws, doc)
    return url, row.id


FOCUS_JS = """async ([names, rounds]) => {
  const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  const out = [];
  for (let i = 0; i < rounds; i++) {
    const el = document.querySelector(`#f-${names[i % names.length]}`);
    const t0 = performance.now();
    el.focus();
    await frame();
    out.push(performance.now() - t0);
  }
  return out;
}"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--words", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        url, doc_id = setup(data_dir, args.words)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(url, data_dir), host="127.0.0.1", port=port, log_level="warning"
            )
        )
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
            page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
            page.goto(f"{base}/login")
            page.fill("#email", EMAIL)
            page.fill("#password", PASSWORD)
            page.keyboard.press("Enter")
            page.wait_for_url(f"{base}/review")
            page.goto(f"{base}/review/{doc_id}")
            page.wait_for_selector("body[data-ready='1']")
            page.wait_for_function("document.querySelector('#page-img').complete")
            chromium = browser.version
            boxes = page.locator(".w").count()
            assert boxes == args.words, f"{boxes} word boxes on the page, expected {args.words}"
            page.evaluate("window.__reviewPerf.focus.length = 0")
            focus_frame = page.evaluate(FOCUS_JS, [list(FIELDS), args.rounds])
            focus_handler = page.evaluate("window.__reviewPerf.focus")
            page.click("#f-receipt_number")
            page.evaluate("window.__reviewPerf.fill.length = 0")
            click_frame: list[float] = []
            visible = page.evaluate("""() => Array.from(document.querySelectorAll('.w'))
                .map((el) => [el.dataset.id, el.getBoundingClientRect()])
                .filter(([, r]) => r.top > 110 && r.bottom < 700 && r.left > 10 && r.right < 880)
                .map(([id, r]) => [id, r.left + r.width / 2, r.top + r.height / 2])""")
            for i in range(args.rounds):
                _, x, y = visible[i % len(visible)]
                page.evaluate("""() => { window.__t0 = performance.now(); window.__done = null;
                  document.addEventListener('pointerup', () => requestAnimationFrame(() =>
                    setTimeout(() => { window.__done = performance.now() - window.__t0; }, 0)),
                    { once: true }); }""")
                page.mouse.click(x, y)
                page.wait_for_function("window.__done !== null")
                click_frame.append(page.evaluate("window.__done"))
            fill_handler = page.evaluate("window.__reviewPerf.fill")
            browser.close()
        server.should_exit = True
    rows = {
        "focus a field: handler": focus_handler,
        "focus a field: to next frame": focus_frame,
        "fill by click: handler": fill_handler,
        "fill by click: click to next frame": click_frame,
    }
    result = {
        "words": args.words,
        "rounds": args.rounds,
        "machine": f"{platform.system()} {platform.machine()}, {platform.python_version()}",
        "browser": f"Chromium {chromium} (Debian, headless)",
        "viewport": "1366x768",
        "target_ms": 100,
        "measures": {
            name: {
                "median_ms": round(statistics.median(v), 3),
                "p95_ms": round(percentile(v, 0.95), 3),
                "n": len(v),
            }
            for name, v in rows.items()
        },
    }
    print(f"review screen, {args.words} word boxes, {args.rounds} rounds (Chromium headless)")
    print(f"{'measure':<36}{'median ms':>11}{'p95 ms':>10}")
    for name, m in result["measures"].items():
        print(f"{name:<36}{m['median_ms']:>11.2f}{m['p95_ms']:>10.2f}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "review_ui.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
