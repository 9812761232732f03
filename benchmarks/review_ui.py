"""Review screen in Chromium: approve → next document painted, and keys for one correction.

Usage:
    python benchmarks/review_ui.py [--receipts 12] [--invoices 8] [--rounds 3]
                                   [--keys-samples 3] [--json benchmarks/results/review_ui.json]

Starts a real server (uvicorn, SQLite in a temporary folder) and one worker thread
(`paperclerk.worker.runner.work`), submits synthetic receipt PNGs (`doc_type=receipt`;
every other one has the last digit of its total worn away) and scanned one-page invoice
PDFs (`doc_type=invoice`) through `POST /v1/documents` with an API key, polls
`GET /v1/documents/{id}` until the worker has processed them (submitting more while fewer
than `--rounds + 2` of a type wait for review), stops the worker, logs in with Debian's
Chromium (`/usr/bin/chromium`, headless, Playwright, 1366×768) and reviews the queue one
type at a time (`/review?doc_type=…`, then "Start reviewing"). Measures:

- `approve_to_next_ms_<type>`: from the keydown of Ctrl+Enter (a capture-phase listener on
  `window` stores `performance.timeOrigin + performance.now()` in sessionStorage) to the
  next document painted: `window.__reviewPaintedAt` of the new document (whose id is
  `document.body.dataset.doc`, else the `/review/{id}` URL) when the screen sets it, else
  the first animation frame in which `#page-img` of the new document is complete. A full
  page load and a swap without navigation are both seen. Median and p95 over approvals
  that went through (checked through the API); the first approval of each type is a
  warm-up. A document whose approval is blocked gets the drawn values typed in first
  (not measured); if it stays blocked it is skipped.
- `keys_one_correction`: key presses (a chord = 1) from the painted screen to approved, on
  a receipt where exactly one of merchant, date and total was read wrong (the drawn value
  is typed in); only if OCR read every receipt right, the merchant name is changed to its
  proper spelling instead. The reviewer takes the fewest of F8 (next field to check, used
  while the target is among the flagged fields and the screen answers F8) and
  Enter/Shift+Enter, adds Ctrl+A if the text is not selected, types the value (not
  counted) and presses Ctrl+Enter. A sample counts only if the API then shows the
  document approved with that value.

Bars: receipts ≤ 200 ms, invoices ≤ 400 ms, one correction ≤ 4 keys. Prints a table and
writes JSON (`--json`). Skips (exit 0) when /usr/bin/chromium or Playwright is missing.
Every wait has a timeout and `--max-seconds` bounds the whole run. (The former focus/fill
timings over a 500-word page are no longer measured here.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import random
import re
import signal
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
import uvicorn
from PIL import Image, ImageDraw

CHROMIUM = Path("/usr/bin/chromium")
EMAIL, PASSWORD = "bench@example.org", "bench-password-123"
BARS = {
    "approve_to_next_ms_receipt": 200.0,
    "approve_to_next_ms_invoice": 400.0,
    "keys_one_correction": 4.0,
}
VIEWPORT = {"width": 1366, "height": 768}

# (as printed on the receipt, the spelling a reviewer corrects it to)
MERCHANTS = [
    ("ACME STORE", "Acme Store"),
    ("GREEN LEAF CAFE", "Green Leaf Cafe"),
    ("MAPLE BAKERY", "Maple Bakery"),
    ("CITY PHARMACY", "City Pharmacy"),
    ("BLUE RIVER MARKET", "Blue River Market"),
    ("NORTH STAR BOOKS", "North Star Books"),
    ("SUNRISE DELI", "Sunrise Deli"),
    ("OAKWOOD HARDWARE", "Oakwood Hardware"),
    ("HARBOUR FISH SHOP", "Harbour Fish Shop"),
    ("PINE HILL GROCER", "Pine Hill Grocer"),
    ("RED DOOR NOODLES", "Red Door Noodles"),
    ("SILVER SPOON DINER", "Silver Spoon Diner"),
]
STREETS = ["HIGH STREET", "MARKET ROAD", "CHURCH LANE", "STATION ROAD", "MILL STREET"]
ITEMS = ["BREAD", "MILK", "COFFEE", "APPLES", "RICE", "TEA", "BUTTER", "EGGS", "SOAP", "PASTA"]
VENDORS = [
    "Northwind Supplies Ltd",
    "Brightline Consulting Ltd",
    "Kestrel Office Ltd",
    "Harlow Print Works Ltd",
    "Meridian Logistics Ltd",
    "Copperfield Tools Ltd",
]
SERVICES = [
    "Consulting hours",
    "Printer paper A4",
    "Delivery charge",
    "Toner cartridge",
    "Software licence",
    "Desk chair",
    "Cable set",
]
RECEIPT_FIELDS = ("merchant_name", "transaction_date", "total")
Log = Callable[[str], None]

# Installed in every page: the time of the approve key, in the capture phase of `window`
# so that it runs before any handler of the screen.
INIT_JS = """
window.addEventListener("keydown", (e) => {
  if ((e.ctrlKey || e.metaKey) && e.key === "Enter") {
    sessionStorage.setItem("__benchKeyAt", String(performance.timeOrigin + performance.now()));
  }
}, true);
"""

# Polled in animation frames (also across a full page load): the new document is painted.
PAINTED_JS = """({ prev, mode, allowEmpty }) => {
  if (allowEmpty && /[?&]empty=1/.test(location.search)) return { empty: true };
  const body = document.body;
  if (!body) return false;
  const m = location.pathname.match(/^\\/review\\/([0-9a-f]{32})$/);
  const id = body.dataset.doc || (m && m[1]) || null;
  if (!id || id === prev) return false;
  const keyAt = sessionStorage.getItem("__benchKeyAt");
  const key = Number(keyAt || sessionStorage.getItem("__benchPressAt") || 0);
  const keyFrom = keyAt ? "keydown" : "press";
  const t = window.__reviewPaintedAt;
  if (mode !== "fallback") {
    if (typeof t === "number" && t > key) return { id, painted: t, key, keyFrom, how: "contract" };
    if (mode === "contract") return false;
  }
  if (!body.dataset.doc && body.dataset.ready !== "1") return false;
  const img = document.querySelector("#page-img");
  if (!img || !img.complete || !img.naturalWidth) return false;
  const src = (img.currentSrc || img.src || "").match(/[0-9a-f]{32}/);
  if (src && src[0] !== id) return false;
  return { id, painted: performance.timeOrigin + performance.now(), key, keyFrom, how: "fallback" };
}"""

HAS_CONTRACT_JS = "typeof window.__reviewPaintedAt === 'number'"

NOT_PENDING_JS = """() => {
  const a = document.querySelector("#approve");
  return !a || !a.dataset.pending;
}"""

MARK_JS = """() => {
  sessionStorage.removeItem("__benchKeyAt");
  sessionStorage.setItem("__benchPressAt", String(performance.timeOrigin + performance.now()));
}"""

FIELD_STATE_JS = """() => {
  const editable = (e) => e && e.matches && e.matches("input, textarea, select");
  const inputs = [...document.querySelectorAll(":is(input, textarea, select)[data-field]")]
    .filter((e) => !e.closest("dialog") && !e.disabled && !e.readOnly && e.offsetParent !== null);
  const marked = inputs.filter((e) => e.matches('[aria-invalid="true"], [data-problem], .problem')
    || e.closest(".field.low, .field.problem, tr.problem")).map((e) => e.dataset.field);
  const listed = [...document.querySelectorAll("#problems [data-field], .problems [data-field]")]
    .map((e) => e.dataset.field);
  const order = inputs.map((e) => e.dataset.field);
  const flagged = order.filter((f) => marked.includes(f) || listed.includes(f));
  const bad = [...document.querySelectorAll("[data-msg-for].bad")].map((e) => e.dataset.msgFor);
  const a = document.activeElement;
  const approve = document.querySelector("#approve");
  return {
    order,
    flagged,
    bad,
    focused: editable(a) ? a.dataset.field || null : null,
    selected: !!(editable(a) &&
      (a.value === "" || (a.selectionStart === 0 && a.selectionEnd === a.value.length))),
    approveDisabled: !!(approve && approve.disabled),
    pending: !!(approve && approve.dataset.pending),
  };
}"""


class BenchTimeout(Exception):
    """The whole run took longer than `--max-seconds`."""


@dataclass
class Truth:
    """What the benchmark drew on a document: its type and field values as the form shows them."""

    doc_type: str
    filename: str
    fields: dict[str, str]
    spelling: str = ""  # the merchant name as a reviewer would correct it


@dataclass
class Round:
    """One approval in the browser: which document, how long to the next one, whether counted."""

    doc_type: str
    document_id: str
    next_id: str | None
    ms: float | None
    how: str
    warmup: bool
    corrected: bool = False
    key_from: str = ""  # "keydown": the capture listener; "press": just before the press
    approved: bool | None = None


@dataclass
class KeysSample:
    """One receipt corrected with the keyboard: the keys pressed and what was stored."""

    document_id: str
    target: str
    value: str
    scenario: str
    keys: list[str] = field(default_factory=list)
    stored: str | None = None
    valid: bool = False
    note: str = ""

    @property
    def count(self) -> int:
        """The number of key presses (a chord counts once)."""
        return len(self.keys)


@dataclass
class Run:
    """Everything measured in one run."""

    rounds: list[Round] = field(default_factory=list)
    keys: list[KeysSample] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    paint_mode: str = "unknown"
    f8: bool | None = None


# ---------- synthetic documents ----------


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def receipt(i: int, rng: random.Random) -> tuple[bytes, Truth]:
    """Draw receipt `i`: merchant, address, date, 2–4 items that add up to the total.

    Every other receipt (odd `i`) is worn: the lower 60% of the total's last digit is gone,
    as on a faded thermal print, so OCR usually reads a wrong total there; the right one is
    what the items add up to (and what the benchmark knows).
    """
    printed, spelling = MERCHANTS[i % len(MERCHANTS)]
    day = dt.date(2025, rng.randint(1, 12), rng.randint(13, 28))
    items = [
        (rng.choice(ITEMS), Decimal(rng.randint(50, 2500)) / 100) for _ in range(rng.randint(2, 4))
    ]
    total = sum((p for _, p in items), Decimal(0))
    lines = [
        printed,
        f"{rng.randint(1, 99)} {rng.choice(STREETS)}",
        f"DATE {day:%d/%m/%Y}  {rng.randint(8, 20):02d}:{rng.randint(0, 59):02d}",
        f"RECEIPT NO {1000 + i}",
        "",
    ]
    lines += [f"{name:<12}{price:>8}" for name, price in items]
    lines += ["", f"{'TOTAL':<12}{total:>8}", "PAID CARD", "THANK YOU"]
    image = Image.new("RGB", (520, 40 * len(lines) + 60), "white")
    draw = ImageDraw.Draw(image)
    for n, line in enumerate(lines):
        draw.text((24, 24 + 40 * n), line, fill="black", font_size=26)
    if i % 2:
        line, y = lines[-3], 24 + 40 * (len(lines) - 3)
        x = 24 + draw.textlength(line[:-1], font_size=26)
        x0, y0, x1, y1 = draw.textbbox((x, y), line[-1], font_size=26)
        draw.rectangle((x0 - 1, y1 - 0.6 * (y1 - y0), x1 + 1, y1 + 1), fill="white")
    fields = {"merchant_name": printed, "transaction_date": day.isoformat(), "total": str(total)}
    return _png(image), Truth("receipt", f"receipt-{i:02d}.png", fields, spelling)


def invoice(i: int, rng: random.Random) -> tuple[bytes, Truth]:
    """Render invoice `i` as an A4 page at 150 DPI and save it as a (scanned) PDF."""
    vendor = VENDORS[i % len(VENDORS)]
    issued = dt.date(2025, rng.randint(1, 11), rng.randint(13, 28))
    due = issued + dt.timedelta(days=30)
    number = f"INV-2025-{100 + i:04d}"
    items = [
        (rng.choice(SERVICES), rng.randint(1, 5), Decimal(rng.randint(500, 20000)) / 100)
        for _ in range(rng.randint(2, 4))
    ]
    subtotal = sum((q * p for _, q, p in items), Decimal(0)).quantize(Decimal("0.01"))
    tax = (subtotal * Decimal("0.20")).quantize(Decimal("0.01"))
    total = subtotal + tax
    image = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(image)

    def text(x: int, y: int, s: str, size: int = 26) -> None:
        draw.text((x, y), s, fill="black", font_size=size)

    text(100, 100, vendor, 40)
    text(100, 160, f"{rng.randint(1, 200)} {rng.choice(STREETS).title()}, London EC1A 1BB")
    text(800, 100, "INVOICE", 48)
    text(700, 260, f"Invoice No: {number}")
    text(700, 305, f"Invoice Date: {issued:%d/%m/%Y}")
    text(700, 350, f"Due Date: {due:%d/%m/%Y}")
    text(100, 260, "Bill to:")
    text(100, 305, "Customer Example plc")
    text(100, 350, "5 Queen Street, Leeds LS1 2TW")
    y = 500
    for x, head in ((100, "Description"), (640, "Qty"), (780, "Unit price"), (1000, "Amount")):
        text(x, y, head)
    for name, qty, price in items:
        y += 50
        text(100, y, name)
        text(640, y, str(qty))
        text(780, y, f"{price:.2f}")
        text(1000, y, f"{qty * price:.2f}")
    y += 100
    for label, value in (("Subtotal", subtotal), ("VAT 20%", tax), ("Total GBP", total)):
        text(700, y, label)
        text(1000, y, f"{value:.2f}")
        y += 50
    text(100, y + 60, "Payment terms: 30 days. Currency: GBP.")
    out = io.BytesIO()
    image.save(out, "PDF", resolution=150.0)
    fields = {
        "invoice_number": number,
        "invoice_date": issued.isoformat(),
        "due_date": due.isoformat(),
        "subtotal": str(subtotal),
        "total_tax": str(tax),
        "total": str(total),
        "currency": "GBP",
        "vendor_name": vendor,
    }
    return out.getvalue(), Truth("invoice", f"invoice-{i:02d}.pdf", fields)


# ---------- the service ----------


@dataclass
class Service:
    """A running server and worker thread over a SQLite data folder, with an API key."""

    base: str
    key: str
    server: uvicorn.Server
    server_thread: threading.Thread
    stop_worker: threading.Event
    worker_thread: threading.Thread

    def api(self) -> httpx.Client:
        """An HTTP client with the workspace's API key."""
        return httpx.Client(
            base_url=self.base, headers={"Authorization": f"Bearer {self.key}"}, timeout=60
        )

    def stop(self) -> None:
        """Stop the worker, then the server (bounded waits)."""
        self.stop_worker.set()
        self.worker_thread.join(60)
        self.server.should_exit = True
        self.server_thread.join(15)


@contextmanager
def service(data_dir: Path) -> Iterator[Service]:
    """Create the database, a workspace, an API key and a reviewer; run server and worker."""
    from paperclerk.storage.db import make_engine, make_session_factory
    from paperclerk.storage.migrate import upgrade
    from paperclerk.storage.users import create_user
    from paperclerk.storage.workspaces import create_api_key, create_workspace
    from paperclerk.web.app import create_app
    from paperclerk.worker.runner import WorkerConfig, work

    data_dir.mkdir(parents=True)
    db_url = f"sqlite:///{data_dir / 'paperclerk.db'}"
    upgrade(db_url)
    app = create_app(db_url, data_dir)
    with make_session_factory(make_engine(db_url)).begin() as s:
        ws = create_workspace(s, "bench").id
        key = create_api_key(s, ws).key
        create_user(s, EMAIL, PASSWORD, "reviewer", [ws])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    server_thread = threading.Thread(target=server.run, daemon=True, name="uvicorn")
    server_thread.start()
    stop = threading.Event()
    worker = threading.Thread(
        target=work,
        args=(WorkerConfig(db_url, data_dir, idle_sleep=0.05), stop),
        daemon=True,
        name="worker",
    )
    worker.start()
    svc = Service(f"http://127.0.0.1:{port}", key, server, server_thread, stop, worker)
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        if not server.started:
            raise RuntimeError("uvicorn did not start in 30 s")
        yield svc
    finally:
        svc.stop()


def submit(svc: Service, data: bytes, truth: Truth) -> str:
    """Submit one document through the API; return its id."""
    media = "application/pdf" if truth.filename.endswith(".pdf") else "image/png"
    with svc.api() as client:
        r = client.post(
            "/v1/documents",
            files={"file": (truth.filename, data, media)},
            data={"doc_type": truth.doc_type},
        )
    if r.status_code not in (200, 202):
        raise RuntimeError(f"upload of {truth.filename} answered {r.status_code}: {r.text}")
    return str(r.json()["id"])


def wait_processed(svc: Service, ids: list[str], timeout: float) -> dict[str, dict[str, Any]]:
    """Poll `GET /v1/documents/{id}` until every document is finished; return the bodies."""
    done: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + timeout
    with svc.api() as client:
        while len(done) < len(ids):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(ids) - len(done)} documents not processed in {timeout} s")
            for doc_id in ids:
                if doc_id not in done:
                    body = client.get(f"/v1/documents/{doc_id}").json()
                    if body["status"] in ("done", "failed", "dead"):
                        done[doc_id] = body
            time.sleep(0.5)
    return done


def outcome(body: dict[str, Any]) -> str | None:
    """The decision outcome of a processed document (None if it has no result)."""
    result = body.get("result") or {}
    return (result.get("decision") or {}).get("outcome")


def field_text(body: dict[str, Any], name: str) -> str:
    """A field's stored value as text (money and dates as the form shows them)."""
    f = ((body.get("result") or {}).get("fields") or {}).get(name)
    return "" if not f or f.get("value") is None else str(f["value"])


def same(name: str, a: str, b: str) -> bool:
    """Whether two texts are the same value of field `name` (amounts compared as numbers)."""
    if name in ("total", "subtotal", "total_tax"):
        try:
            return Decimal(a) == Decimal(b)
        except (InvalidOperation, ValueError):
            return False
    return " ".join(a.split()) == " ".join(b.split())


def prepare(
    svc: Service, args: argparse.Namespace, log: Log
) -> tuple[dict[str, Truth], dict[str, dict[str, Any]]]:
    """Submit receipts and invoices until enough of each wait for review; return truth and bodies.

    A type needs `rounds + 2` reviewable documents (one warm-up approval, `rounds` measured
    ones, and a last document to be painted); more are submitted, in batches, up to
    `--max-docs` of the type.
    """
    rng = random.Random(args.seed)
    truths: dict[str, Truth] = {}
    bodies: dict[str, dict[str, Any]] = {}
    made = {"receipt": 0, "invoice": 0}
    want = {"receipt": args.receipts, "invoice": args.invoices}
    makers = {"receipt": receipt, "invoice": invoice}
    while True:
        batch: list[str] = []
        for kind, n in want.items():
            for _ in range(n):
                data, truth = makers[kind](made[kind], rng)
                made[kind] += 1
                doc_id = submit(svc, data, truth)
                truths[doc_id] = truth
                batch.append(doc_id)
        if batch:
            log(f"submitted {len(batch)} documents; waiting for the worker…")
            t0 = time.monotonic()
            bodies.update(wait_processed(svc, batch, args.process_timeout))
            log(f"processed in {time.monotonic() - t0:.0f} s")
        want = {}
        for kind in ("receipt", "invoice"):
            ready = sum(
                1
                for d, b in bodies.items()
                if truths[d].doc_type == kind and outcome(b) == "needs_review"
            )
            short = args.rounds + 2 - ready
            if short > 0 and made[kind] < args.max_docs:
                want[kind] = min(max(short, 2), args.max_docs - made[kind])
        if not want:
            return truths, bodies
        log(f"too few waiting for review, submitting more: {want}")


# ---------- the browser ----------


class Refused(Exception):
    """The server answered the approval with an error (blocking problems, lost claim…)."""


class ApproveAnswers:
    """The HTTP status of each `POST /review/{id}/approve` the page sent, by document id."""

    def __init__(self, page: Any) -> None:
        self.status: dict[str, int] = {}
        page.on("response", self._seen)

    def _seen(self, response: Any) -> None:
        m = re.search(r"/review/([0-9a-f]{32})/approve(?:$|\?)", response.url)
        if m and response.request.method == "POST":
            self.status[m.group(1)] = int(response.status)

    def refused(self, doc_id: str) -> bool:
        """Whether the approval of `doc_id` was answered with an error."""
        return self.status.get(doc_id, 200) >= 400


def painted(
    page: Any,
    prev: str | None,
    mode: str,
    timeout_s: float,
    refused: Callable[[], bool] | None = None,
) -> dict[str, Any] | None:
    """Wait for a document other than `prev` painted; None if the queue emptied.

    With `refused`, waits in 1 s slices and raises `Refused` as soon as it says so. The time
    is read in the page, so slicing the wait does not change what is measured (in the
    fallback mode it can add at most one frame, when the image completes between slices).
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    arg = {"prev": prev, "mode": mode, "allowEmpty": prev is not None}
    deadline = time.monotonic() + timeout_s
    while True:
        left = deadline - time.monotonic()
        step = left if refused is None else min(left, 1.0)
        try:
            handle = page.wait_for_function(
                PAINTED_JS, arg=arg, polling="raf", timeout=max(step, 0.05) * 1000
            )
            break
        except PlaywrightTimeout:
            if refused is not None and refused():
                raise Refused() from None
            if step >= left:
                raise
    value = handle.json_value()
    return None if value.get("empty") else dict(value)


def detect_mode(page: Any, timeout_s: float = 5.0) -> str:
    """'contract' if the screen sets `window.__reviewPaintedAt`, else 'fallback'."""
    try:
        page.wait_for_function(HAS_CONTRACT_JS, timeout=timeout_s * 1000)
        return "contract"
    except Exception:
        return "fallback"


def state(page: Any) -> dict[str, Any]:
    """The form as a reviewer sees it: field order, flagged fields, focus, approve state."""
    return dict(page.evaluate(FIELD_STATE_JS))


def settled(page: Any, timeout_s: float = 15.0) -> dict[str, Any]:
    """Wait for no check in flight, then return `state(page)`."""
    with suppress(Exception):  # a screen that never says "pending" is simply read as it is
        page.wait_for_function(NOT_PENDING_JS, timeout=timeout_s * 1000)
    return state(page)


def fix_blocking(page: Any, truth: Truth) -> bool:
    """If approval is blocked, type the drawn values where the form differs; True if unblocked.

    A rule problem (items that do not add up to a misread total) is fixed by the right
    total, so every known field that differs is set, not only the flagged ones.
    """
    st = settled(page)
    if not st["bad"] and not st["approveDisabled"]:
        return True
    for name, value in truth.fields.items():
        selector = f':is(input, textarea)[data-field="{name}"]'
        if name in st["order"] and not same(name, page.input_value(selector), value):
            page.fill(selector, value)
    time.sleep(0.3)  # the screen checks after a short pause
    st = settled(page)
    return not st["bad"] and not st["approveDisabled"]


def press_approve(page: Any) -> None:
    """Mark the time, then press Ctrl+Enter (the keydown listener stores the precise time)."""
    page.evaluate(MARK_JS)
    page.keyboard.press("Control+Enter")


def correct_with_keys(page: Any, run: Run, sample: KeysSample) -> None:
    """Reach `sample.target` with the fewest keys, replace its text, approve; record the keys."""
    st = state(page)
    order: list[str] = st["order"]
    target = sample.target
    if target not in order:
        sample.note = f"{target} not on the form"
        return
    limit = len(order) + 2

    def enter_steps(cur: str | None) -> int:
        return (
            abs(order.index(target) - order.index(cur)) if cur in order else order.index(target) + 1
        )

    def f8_steps(cur: str | None, flagged: list[str]) -> int | None:
        if target not in flagged:
            return None
        ring = [f for f in order if f in flagged]
        start = order.index(cur) if cur in order else -1
        after = [f for f in ring if order.index(f) > start] + [
            f for f in ring if order.index(f) <= start
        ]
        return after.index(target) + 1

    if st["focused"] != target:
        f8 = f8_steps(st["focused"], st["flagged"]) if run.f8 is not False else None
        if f8 is not None and f8 <= enter_steps(st["focused"]):
            for n in range(limit):
                before = st
                page.keyboard.press("F8")
                st = state(page)
                if n == 0 and run.f8 is None:
                    moved = st["focused"] != before["focused"] or (
                        st["selected"] and not before["selected"]
                    )
                    run.f8 = bool(moved)
                    if not moved:  # the screen has no F8: a reviewer would not press it
                        break
                sample.keys.append("F8")
                if st["focused"] == target:
                    break
        for _ in range(limit):
            if st["focused"] == target:
                break
            back = st["focused"] in order and order.index(st["focused"]) > order.index(target)
            step = "Shift+Enter" if back else "Enter"
            page.keyboard.press(step)
            sample.keys.append(step)
            st = state(page)
        if st["focused"] != target:
            sample.note = f"could not reach {target} with Enter"
            return
    if not st["selected"]:
        page.keyboard.press("Control+A")
        sample.keys.append("Control+A")
    page.keyboard.type(sample.value)  # the new value itself is not counted
    sample.keys.append("Control+Enter")
    time.sleep(0.3)  # not a key: let the screen's check run before reading what it found
    left = settled(page)["bad"]
    if left:
        sample.note = f"still blocked after the one correction: {', '.join(left)}"


def skip(page: Any, doc_id: str, run: Run, wait: float) -> dict[str, Any] | None:
    """Leave a document that cannot be approved as drawn (not measured); return the next."""
    run.skipped.append(doc_id)
    page.locator("#skip").click()
    return painted(page, doc_id, run.paint_mode, wait)


def review_type(
    page: Any,
    svc: Service,
    kind: str,
    truths: dict[str, Truth],
    bodies: dict[str, dict[str, Any]],
    run: Run,
    answers: ApproveAnswers,
    args: argparse.Namespace,
    log: Log,
) -> None:
    """Open the queue filtered to `kind`, then approve document after document, measuring."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    wait = args.wait_timeout
    page.goto(f"{svc.base}/review?doc_type={kind}")
    start = page.locator("#start")
    start.wait_for(timeout=wait * 1000)
    if start.is_disabled():
        log(f"{kind}: nothing waiting for review")
        return
    start.click()
    page.wait_for_url("**/review/*", timeout=wait * 1000)
    current = painted(page, None, run.paint_mode, wait)
    if run.paint_mode == "unknown":
        run.paint_mode = detect_mode(page)
        how = "set" if run.paint_mode == "contract" else "absent: first frame with the page image"
        log(f"painted: {run.paint_mode} (window.__reviewPaintedAt {how})")
    first = True
    one_wrong = {
        d
        for d, b in bodies.items()
        if kind == "receipt"
        and truths[d].doc_type == kind
        and outcome(b) == "needs_review"
        and len(wrong_fields(truths[d], b)) == 1
    }
    while current is not None:
        doc_id = current["id"]
        truth = truths.get(doc_id)
        if truth is None:
            raise RuntimeError(f"document {doc_id} in the queue was not submitted by this run")
        sample = None
        wanted = args.keys_samples - len([k for k in run.keys if not k.note])
        if kind == "receipt" and wanted > 0:
            # a value read wrong is the real scenario; the spelling one only when OCR read
            # every receipt right
            sample = keys_plan(doc_id, truth, bodies[doc_id], spelling=not one_wrong)
        if sample is not None:
            correct_with_keys(page, run, sample)
            run.keys.append(sample)
            if sample.note:  # not reached with the keys: approve it the plain way
                sample = None
        if sample is None and not fix_blocking(page, truth):
            log(f"{kind} {doc_id[:8]}: blocking problems left, skipped")
            current = skip(page, doc_id, run, wait)
            continue
        press_approve(page)
        try:
            nxt = painted(page, doc_id, run.paint_mode, wait, partial(answers.refused, doc_id))
        except (Refused, PlaywrightTimeout) as exc:  # not measured
            why = (
                f"approval refused ({page.locator('#status').text_content(timeout=5000)!r})"
                if isinstance(exc, Refused)
                else f"no next document {wait:.0f} s after Ctrl+Enter"
            )
            log(f"{kind} {doc_id[:8]}: {why}")
            if sample is not None:
                sample.note = why
            run.rounds.append(Round(kind, doc_id, None, None, "refused", first, sample is not None))
            if isinstance(exc, Refused) and fix_blocking(page, truth):
                press_approve(page)  # approved after the fix: not measured either
                current = painted(page, doc_id, run.paint_mode, wait)
            else:
                current = skip(page, doc_id, run, wait)
            continue
        corrected = sample is not None
        if nxt is None:
            run.rounds.append(Round(kind, doc_id, None, None, "last", first, corrected))
        else:
            ms = nxt["painted"] - nxt["key"]
            run.rounds.append(
                Round(
                    kind,
                    doc_id,
                    nxt["id"],
                    round(ms, 1),
                    nxt["how"],
                    first,
                    corrected,
                    nxt["keyFrom"],
                )
            )
            log(
                f"{kind} {doc_id[:8]} → {nxt['id'][:8]}: {ms:.0f} ms"
                f"{' (warm-up)' if first else ''}{' after a correction' if corrected else ''}"
            )
            if run.paint_mode == "fallback" and page.evaluate(HAS_CONTRACT_JS):
                log("the screen now sets window.__reviewPaintedAt: using it from here on")
                run.paint_mode = "contract"
        first = False
        current = nxt


def wrong_fields(truth: Truth, body: dict[str, Any]) -> list[str]:
    """The receipt's merchant, date and total fields whose stored value is not the drawn one."""
    return [n for n in RECEIPT_FIELDS if not same(n, field_text(body, n), truth.fields[n])]


def keys_plan(doc_id: str, truth: Truth, body: dict[str, Any], spelling: bool) -> KeysSample | None:
    """A one-correction scenario for this receipt, or None if it needs more than one fix.

    If exactly one of merchant, date and total was read wrong, the reviewer types the
    drawn value; if all three are right (and `spelling`), the reviewer changes the merchant
    name to its corrected spelling. If a problem still blocks approval after that one
    correction, the sample is dropped (`correct_with_keys`).
    """
    wrong = wrong_fields(truth, body)
    if len(wrong) == 1:
        sample = KeysSample(doc_id, wrong[0], truth.fields[wrong[0]], "wrong value")
    elif not wrong and spelling and truth.spelling != field_text(body, "merchant_name"):
        sample = KeysSample(doc_id, "merchant_name", truth.spelling, "spelling")
    else:
        return None
    return sample


def verify(svc: Service, run: Run) -> None:
    """Check through the API that each approval was stored, with the corrected value."""
    with svc.api() as client:
        for r in run.rounds:
            body = client.get(f"/v1/documents/{r.document_id}").json()
            r.approved = outcome(body) == "approved"
        for k in run.keys:
            if k.note:
                continue
            body = client.get(f"/v1/documents/{k.document_id}").json()
            k.stored = field_text(body, k.target)
            k.valid = outcome(body) == "approved" and same(k.target, k.stored, k.value)
            if not k.valid:
                k.note = f"stored {k.stored!r}, outcome {outcome(body)}"


def browse(
    svc: Service,
    truths: dict[str, Truth],
    bodies: dict[str, dict[str, Any]],
    args: argparse.Namespace,
    log: Log,
) -> tuple[Run, str]:
    """Log in with Chromium and review receipts, then invoices; return the run and the version."""
    from playwright.sync_api import sync_playwright

    run = Run()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
            context.set_default_timeout(args.wait_timeout * 1000)
            context.add_init_script(INIT_JS)
            page = context.new_page()
            answers = ApproveAnswers(page)
            page.goto(f"{svc.base}/login")
            page.fill("#email", EMAIL)
            page.fill("#password", PASSWORD)
            page.keyboard.press("Enter")
            page.wait_for_url(f"{svc.base}/review")
            for kind in ("receipt", "invoice"):
                review_type(page, svc, kind, truths, bodies, run, answers, args, log)
            version = str(browser.version)
        finally:
            browser.close()
    return run, version


# ---------- report ----------


def percentile(values: list[float], q: float) -> float:
    """The q-quantile by the nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summarise(run: Run) -> dict[str, Any]:
    """Medians, p95 and counts per metric, with the bars and whether they pass."""
    out: dict[str, Any] = {}
    for kind in ("receipt", "invoice"):
        name = f"approve_to_next_ms_{kind}"
        ms = [
            r.ms
            for r in run.rounds
            if r.doc_type == kind
            and not r.warmup
            and r.ms is not None
            and r.approved
            and r.how == run.paint_mode  # never a mix of the two ways of seeing the paint
        ]
        out[name] = round(statistics.median(ms), 1) if ms else None
        out[f"{name}_p95"] = round(percentile(ms, 0.95), 1) if ms else None
        out[f"{name}_n"] = len(ms)
    keys = [k.count for k in run.keys if k.valid]
    out["keys_one_correction"] = statistics.median(keys) if keys else None
    out["keys_one_correction_p95"] = percentile([float(k) for k in keys], 0.95) if keys else None
    out["keys_one_correction_n"] = len(keys)
    out["keys_one_correction_samples"] = keys
    out["bars"] = BARS
    out["pass"] = {m: (None if out[m] is None else out[m] <= bar) for m, bar in BARS.items()}
    return out


def table(summary: dict[str, Any]) -> str:
    """The summary as a small text table."""
    rows = [f"{'metric':<30}{'median':>9}{'p95':>9}{'n':>4}{'bar':>8}  pass"]
    for metric, bar in BARS.items():
        med, p95 = summary[metric], summary[f"{metric}_p95"]

        def num(v: float | None, ms: bool = "_ms_" in metric) -> str:
            return "—" if v is None else f"{v:.0f}" if ms else f"{v:g}"

        ok = {True: "yes", False: "no", None: "n/a"}[summary["pass"][metric]]
        rows.append(
            f"{metric:<30}{num(med):>9}{num(p95):>9}{summary[f'{metric}_n']:>4}"
            f"{'≤' + f'{bar:g}':>8}  {ok}"
        )
    return "\n".join(rows)


def main() -> int:
    """Run the benchmark; print the table and write the JSON. Returns the exit status."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--receipts", type=int, default=12, help="receipts submitted first")
    parser.add_argument("--invoices", type=int, default=8, help="invoice PDFs submitted first")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="measured approvals wanted per type (more are submitted if needed)",
    )
    parser.add_argument("--max-docs", type=int, default=30, help="most documents of one type")
    parser.add_argument(
        "--keys-samples", type=int, default=3, help="receipts corrected with the keyboard"
    )
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results/review_ui.json"))
    parser.add_argument(
        "--process-timeout",
        type=float,
        default=900.0,
        help="seconds for the worker to process one batch",
    )
    parser.add_argument(
        "--wait-timeout", type=float, default=60.0, help="seconds for any one wait in the browser"
    )
    parser.add_argument("--max-seconds", type=int, default=2400, help="bound on the whole run")
    args = parser.parse_args()

    def log(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    if not CHROMIUM.exists():
        print(f"skipped: Debian's Chromium is not at {CHROMIUM} (apt-get install chromium)")
        return 0
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        print("skipped: playwright is not installed in this environment")
        return 0

    def expired(signum: int, frame: FrameType | None) -> None:
        raise BenchTimeout(f"the run took longer than {args.max_seconds} s")

    signal.signal(signal.SIGALRM, expired)
    signal.alarm(args.max_seconds)
    load_start = os.getloadavg()
    started = dt.datetime.now(dt.UTC)
    try:
        with tempfile.TemporaryDirectory() as tmp, service(Path(tmp) / "data") as svc:
            truths, bodies = prepare(svc, args, log)
            svc.stop_worker.set()  # nothing left to process: keep the CPUs for the browser
            svc.worker_thread.join(60)
            waiting = {
                k: sum(
                    1
                    for d, b in bodies.items()
                    if truths[d].doc_type == k and outcome(b) == "needs_review"
                )
                for k in ("receipt", "invoice")
            }
            log(f"waiting for review: {waiting}")
            run, version = browse(svc, truths, bodies, args, log)
            verify(svc, run)
    finally:
        signal.alarm(0)
    summary = summarise(run)
    submitted = {k: sum(1 for t in truths.values() if t.doc_type == k) for k in waiting}
    result = {
        **summary,
        "definition": {
            "approve_to_next_ms": "keydown of Ctrl+Enter (capture listener, performance."
            "timeOrigin + performance.now()) to the next document painted "
            "(window.__reviewPaintedAt, else the first animation frame with #page-img of the "
            "new document complete); approvals stored, warm-up excluded",
            "keys_one_correction": "key presses (chord = 1) from the painted screen to "
            "approved on a receipt needing one correction, value characters not counted; "
            "stored value verified through the API",
        },
        "painted_by": run.paint_mode,
        "f8_next_problem": run.f8,
        "documents": {
            "submitted": submitted,
            "waiting_for_review": waiting,
            "skipped_in_review": len(run.skipped),
        },
        "rounds": [asdict(r) for r in run.rounds],
        "keys": [{**asdict(k), "count": k.count} for k in run.keys],
        "browser": f"Chromium {version} (Debian, headless)",
        "chromium_version": version,
        "viewport": f"{VIEWPORT['width']}x{VIEWPORT['height']}",
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpu_count": os.cpu_count(),
            "loadavg_at_start": load_start,
            "loadavg_at_end": os.getloadavg(),
        },
        "date": started.isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
    }
    print(
        f"review screen, Chromium {version} headless, painted by {run.paint_mode}; "
        f"waiting for review {waiting}, skipped {len(run.skipped)}"
    )
    print(table(summary))
    for k in run.keys:
        verdict = "" if k.valid else f" INVALID ({k.note})"
        print(
            f"keys {k.document_id[:8]} {k.target} ({k.scenario}): {k.count} "
            f"[{' '.join(k.keys)}]{verdict}"
        )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
