"""Soak: documents submitted under load while workers are SIGKILLed and PostgreSQL restarts.

    .venv/bin/python benchmarks/soak.py --docs 20                       # quick check
    .venv/bin/python benchmarks/soak.py --docs 200 --json benchmarks/results/soak.json

Starts a real `paperclerk serve --workers N` on a free loopback port over a fresh PostgreSQL
database (created with `createdb`, dropped at the end; `--database-url` uses an existing one
and keeps it) and a temporary data folder (blobs). `--docs` distinct receipt pictures, drawn
with Pillow (shop, number, date, items and total differ per picture), are submitted by a
few concurrent httpx clients at `--rate` documents per second, each with its own
`Idempotency-Key`. A submission that fails with a connection error or any 5xx is retried
with the same key, as a client would (every 5xx answer is counted all the same). Meanwhile:

- a worker process (a child of serve started by multiprocessing's `spawn_main`, found in
  /proc) is killed with SIGKILL every `--kill-every` seconds (±50 % jitter) until every
  document is finished; the jobs it held (`jobs.worker_id` starts with its pid) are noted;
- PostgreSQL is restarted once (`pg_ctlcluster VERSION CLUSTER restart`, fast mode: every
  connection is cut) when half of the documents have been accepted (`--no-restart`: not);
- worker RSS is sampled from /proc every 0.5 s.

Then it polls `GET /v1/documents/{id}` until every accepted document is in a final status
(done, failed, dead) or `--timeout` passes, and checks the database with SQL:

- `lost`: a submission never accepted, or accepted but not final at the end, or whose
  row is missing;
- `duplicated`: two document rows for one Idempotency-Key or for one picture (sha256),
  one key answered with two ids, more than one `process` job for a document, or a result
  stored twice (more than one `classify` audit event for a document: the worker writes one
  per stored result).

Prints a table (rich) and writes JSON with `--json`. Always stops serve, makes sure
PostgreSQL is running (`pg_isready`; started again if not) and drops the database it made.
Needs root (or the postgres user) on a machine whose local cluster serves the URL.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import io
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
PG_HOST = "127.0.0.1"
PG_PORT = 5432
FINAL = ("done", "failed", "dead")
RETRY_STATUSES = range(500, 600)

SHOPS = [
    "KEDAI RUNCIT MAJU JAYA",
    "PASAR MINI SRI INDAH",
    "TOKO BERKAT SDN BHD",
    "MYDIN MART ECONSAVE",
    "AEON MAXVALU PRIME",
    "GIANT HYPER KLANG",
    "FAMILYMART BANGSAR",
    "99 SPEEDMART 1021",
]
ITEMS = [
    "MILO 3IN1 18X30G",
    "GARDENIA BREAD 400G",
    "DUTCH LADY 1L",
    "MAGGI KARI 5X79G",
    "BERAS SUPER 5KG",
    "GULA PASIR 1KG",
    "TELUR GRED A 30",
    "MINYAK MASAK 2KG",
    "KOPI O 20S",
    "SABUN DOBI 3KG",
    "TEH BOH 100S",
    "SARDIN AYAM 425G",
]


# --- documents ----------------------------------------------------------------------------


def receipt_png(i: int, seed: int) -> bytes:
    """Return a small PNG till receipt; `i` and `seed` make its text (and bytes) unique."""
    rng = random.Random(seed * 1_000_003 + i)
    width, height = 420, 400
    font, big = ImageFont.load_default(size=15), ImageFont.load_default(size=19)
    img = Image.new("RGB", (width, height), (250, 248, 240))
    draw = ImageDraw.Draw(img)
    ink = (25, 25, 25)
    y = 20.0
    shop = rng.choice(SHOPS)
    for text, f in (
        (shop, big),
        (f"SDN BHD ({rng.randint(100000, 999999)}-X)", font),
        (f"NO {rng.randint(1, 99)} JALAN SS{rng.randint(1, 9)} PETALING JAYA", font),
        ("TAX INVOICE", big),
    ):
        draw.text(((width - draw.textlength(text, font=f)) / 2, y), text, fill=ink, font=f)
        y += 28
    day = dt.date(2018, 1, 1) + dt.timedelta(days=rng.randint(0, 900))
    stamp = f"{day:%d/%m/%Y} {rng.randint(8, 21):02d}:{rng.randint(0, 59):02d}"
    for text in (f"INV NO: CS-{i:05d}{rng.randint(0, 99):02d}", f"DATE: {stamp}", "-" * 44):
        draw.text((20, y), text, fill=ink, font=font)
        y += 24
    total = 0.0
    for item in rng.sample(ITEMS, rng.randint(2, 5)):
        price = rng.randint(150, 4999) / 100
        total += price
        draw.text((20, y), item, fill=ink, font=font)
        draw.text((330, y), f"{price:.2f}", fill=ink, font=font)
        y += 24
    for label in ("SUBTOTAL", "TOTAL"):
        draw.text((20, y), label, fill=ink, font=font)
        draw.text((330, y), f"{total:.2f}", fill=ink, font=font)
        y += 24
    draw.text((20, y + 16), f"THANK YOU  #{seed:x}-{i}", fill=ink, font=font)
    out = io.BytesIO()
    img.save(out, "PNG", optimize=True)
    return out.getvalue()


# --- PostgreSQL -----------------------------------------------------------------------------


def pg_ready() -> bool:
    """Return whether the local PostgreSQL accepts connections."""
    return (
        subprocess.run(
            ["pg_isready", "-q", "-h", PG_HOST, "-p", str(PG_PORT)], check=False
        ).returncode
        == 0
    )


def wait_pg(timeout: float) -> bool:
    """Wait until PostgreSQL accepts connections; return whether it did in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pg_ready():
            return True
        time.sleep(0.2)
    return pg_ready()


def pg_cluster() -> tuple[str, str]:
    """Return (version, name) of the local cluster on PG_PORT, from `pg_lsclusters`."""
    out = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True)
    for line in out.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[2] == str(PG_PORT):
            return parts[0], parts[1]
    raise RuntimeError(f"no local PostgreSQL cluster on port {PG_PORT}")


def pg_command(action: str) -> list[str]:
    """Return the command that does `action` (restart, start) to the local cluster."""
    if shutil.which("pg_ctlcluster"):
        version, name = pg_cluster()
        return ["pg_ctlcluster", version, name, action]
    return ["service", "postgresql", action]


def ensure_pg_running() -> bool:
    """Start PostgreSQL if it is not accepting connections; return whether it is at the end."""
    if wait_pg(5):
        return True
    print("soak: PostgreSQL is not ready, starting it", file=sys.stderr)
    subprocess.run(pg_command("start"), check=False)
    return wait_pg(60)


# --- serve and its workers ------------------------------------------------------------------


def free_port() -> int:
    """Return a free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(env: dict[str, str], *args: str) -> str:
    """Run `python -m paperclerk ARGS` and return its stripped stdout."""
    out = subprocess.run(
        [sys.executable, "-m", "paperclerk", *args],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return out.stdout.strip()


def children(pid: int) -> list[int]:
    """Return the pids of the direct children of `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # field 4 (ppid) follows the command name in parentheses, which may hold spaces
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def worker_pids(serve_pid: int) -> list[int]:
    """Return the pids of serve's worker processes (multiprocessing spawn children)."""
    pids = []
    for pid in children(serve_pid):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"spawn_main" in cmdline:
            pids.append(pid)
    return pids


def rss_mb(pid: int) -> float:
    """Return the resident set size of `pid` in MiB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def wait_ready(base: str, timeout: float = 120) -> None:
    """Wait until serve answers /readyz with 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError("serve did not become ready")


# --- the run --------------------------------------------------------------------------------


@dataclass
class Soak:
    """Shared state of one run: what the clients saw and what the chaos threads did."""

    database_url: str
    serve_pid: int
    docs: int
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    ids: dict[str, str] = field(default_factory=dict)  # idempotency key -> document id
    ids_seen: dict[str, set[str]] = field(default_factory=dict)  # key -> every id answered
    rejected: dict[str, str] = field(default_factory=dict)  # key -> last error
    http_5xx: list[dict[str, Any]] = field(default_factory=list)
    transport_errors: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    kills: list[dict[str, Any]] = field(default_factory=list)
    restarts: list[dict[str, Any]] = field(default_factory=list)
    peak_rss: float = 0.0
    peak_serve_rss: float = 0.0
    t0: float = field(default_factory=time.monotonic)

    def at(self) -> float:
        """Return seconds since the run started."""
        return round(time.monotonic() - self.t0, 2)

    def note_5xx(self, phase: str, method: str, path: str, response: httpx.Response) -> None:
        """Record one 5xx answer with what was asked and what came back."""
        with self.lock:
            self.http_5xx.append(
                {
                    "t": self.at(),
                    "phase": phase,
                    "request": f"{method} {path}",
                    "status": response.status_code,
                    "body": response.text[:300],
                }
            )


def running_jobs(database_url: str, pid: int) -> list[str]:
    """Return the documents whose job a worker with this pid holds (best effort)."""
    try:
        with psycopg.connect(database_url, connect_timeout=2) as conn:
            rows = conn.execute(
                "SELECT document_id FROM jobs WHERE status = 'running' AND worker_id LIKE %s",
                (f"{pid}-%",),
            ).fetchall()
        return [r[0] for r in rows]
    except psycopg.Error:
        return []


def killer(soak: Soak, every: float, rng: random.Random) -> None:
    """SIGKILL a random worker every `every` seconds (±50 %) until told to stop."""
    while not soak.stop.wait(every * rng.uniform(0.5, 1.5)):
        pids = worker_pids(soak.serve_pid)
        if not pids:
            continue
        pid = rng.choice(pids)
        holding = running_jobs(soak.database_url, pid)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
        with soak.lock:
            soak.kills.append({"t": soak.at(), "pid": pid, "held_documents": holding})
        print(
            f"soak: {soak.at():7.1f}s SIGKILL worker {pid} holding {holding or 'nothing'}",
            file=sys.stderr,
        )


def sampler(soak: Soak) -> None:
    """Sample the RSS of the workers (and of serve) every 0.5 s; keep the peaks."""
    while not soak.stop.wait(0.5):
        peak = max((rss_mb(p) for p in worker_pids(soak.serve_pid)), default=0.0)
        soak.peak_rss = max(soak.peak_rss, peak)
        soak.peak_serve_rss = max(soak.peak_serve_rss, rss_mb(soak.serve_pid))


def restart_postgres(soak: Soak) -> None:
    """Restart the local PostgreSQL cluster once and time until it accepts connections."""
    command = pg_command("restart")
    started = time.monotonic()
    at = soak.at()
    print(f"soak: {at:7.1f}s restarting PostgreSQL: {' '.join(command)}", file=sys.stderr)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    ready = wait_pg(60)
    soak.restarts.append(
        {
            "t": at,
            "command": " ".join(command),
            "rc": done.returncode,
            "stderr": done.stderr.strip()[-300:],
            "ready": ready,
            "seconds": round(time.monotonic() - started, 2),
        }
    )


async def submit_all(
    soak: Soak,
    client: httpx.AsyncClient,
    pictures: list[bytes],
    keys: list[str],
    clients: int,
    rate: float,
    restart: bool,
    give_up_s: float,
) -> None:
    """Submit every picture with its key from `clients` tasks at `rate` per second."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(pictures)):
        queue.put_nowait(i)
    start = time.monotonic()
    restart_at = len(pictures) // 2
    restart_task: asyncio.Future[None] | None = None
    accepted = 0

    async def one(i: int) -> None:
        nonlocal accepted, restart_task
        key = keys[i]
        deadline = time.monotonic() + give_up_s
        delay = 0.5
        while True:
            try:
                r = await client.post(
                    "/v1/documents",
                    files={"file": (f"receipt-{i:05d}.png", pictures[i], "image/png")},
                    headers={"Idempotency-Key": key},
                )
            except httpx.TransportError as exc:
                soak.transport_errors[f"submit {type(exc).__name__}"] += 1
                error = type(exc).__name__
            else:
                if r.status_code in (200, 202):
                    doc_id = r.json()["id"]
                    with soak.lock:
                        soak.ids.setdefault(key, doc_id)
                        soak.ids_seen.setdefault(key, set()).add(doc_id)
                        soak.rejected.pop(key, None)
                        accepted += 1
                        if restart and restart_task is None and accepted >= restart_at:
                            restart_task = asyncio.ensure_future(
                                asyncio.to_thread(restart_postgres, soak)
                            )
                    return
                if r.status_code >= 500:
                    soak.note_5xx("submit", "POST", "/v1/documents", r)
                    error = f"HTTP {r.status_code}"
                else:  # a 4xx: the request itself is refused, retrying would not help
                    soak.rejected[key] = f"HTTP {r.status_code} {r.text[:200]}"
                    return
            soak.rejected[key] = error
            if time.monotonic() > deadline:
                return
            soak.retries += 1
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, 8.0)

    async def client_task() -> None:
        while True:
            try:
                i = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            if rate > 0:  # pace: document i goes out no earlier than i / rate seconds in
                await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
            await one(i)

    await asyncio.gather(*(client_task() for _ in range(clients)))
    if restart_task is not None:
        await restart_task
    elif restart:  # fewer than half accepted: restart anyway, the run must see one
        await asyncio.to_thread(restart_postgres, soak)


async def wait_all(soak: Soak, client: httpx.AsyncClient, timeout: float) -> dict[str, str]:
    """Poll every accepted document until all are final or `timeout` passes; return statuses."""
    status = {doc_id: "unknown" for doc_id in soak.ids.values()}
    deadline = time.monotonic() + timeout
    gate = asyncio.Semaphore(8)

    async def poll(doc_id: str) -> None:
        async with gate:
            try:
                r = await client.get(f"/v1/documents/{doc_id}")
            except httpx.TransportError as exc:
                soak.transport_errors[f"poll {type(exc).__name__}"] += 1
                return
        if r.status_code == 200:
            status[doc_id] = r.json()["status"]
        elif r.status_code >= 500:
            soak.note_5xx("poll", "GET", f"/v1/documents/{doc_id}", r)
        elif r.status_code == 404:
            status[doc_id] = "missing"

    while time.monotonic() < deadline:
        pending = [d for d, s in status.items() if s not in FINAL]
        if not pending:
            break
        await asyncio.gather(*(poll(d) for d in pending))
        if all(status[d] in FINAL for d in pending):
            break
        await asyncio.sleep(1.0)
    return status


def database_checks(database_url: str, workspace: str) -> dict[str, Any]:
    """Count duplicates and job facts with SQL on the documents, jobs and audit tables."""
    with psycopg.connect(database_url) as conn:

        def rows(sql: str) -> list[tuple[Any, ...]]:
            return conn.execute(sql, {"ws": workspace}).fetchall()  # type: ignore[arg-type]

        ws = "workspace_id = %(ws)s"
        return {
            "document_rows": rows(f"SELECT count(*) FROM documents WHERE {ws}")[0][0],
            "by_status": dict(
                rows(  # type: ignore[arg-type]
                    f"SELECT status::text, count(*) FROM documents WHERE {ws} GROUP BY 1"
                )
            ),
            "keys_with_two_rows": rows(
                f"SELECT idempotency_key, count(*) FROM documents WHERE {ws} "
                "GROUP BY 1 HAVING count(*) > 1"
            ),
            "pictures_with_two_rows": rows(
                f"SELECT sha256, count(*) FROM documents WHERE {ws} GROUP BY 1 HAVING count(*) > 1"
            ),
            "documents_with_two_jobs": rows(
                "SELECT j.document_id, count(*) FROM jobs j JOIN documents d "
                f"ON d.id = j.document_id WHERE d.{ws} AND j.kind = 'process' "
                "GROUP BY 1 HAVING count(*) > 1"
            ),
            "results_stored_twice": rows(
                f"SELECT document_id, count(*) FROM audit_events WHERE {ws} "
                "AND action = 'classify' GROUP BY 1 HAVING count(*) > 1"
            ),
            "documents_without_result_event": rows(
                f"SELECT d.id FROM documents d WHERE d.{ws} AND d.status = 'done' AND NOT "
                "EXISTS (SELECT 1 FROM audit_events a WHERE a.document_id = d.id "
                "AND a.action = 'classify')"
            ),
            "job_attempts": dict(
                rows(  # type: ignore[arg-type]
                    "SELECT j.attempts, count(*) FROM jobs j JOIN documents d ON "
                    f"d.id = j.document_id WHERE d.{ws} GROUP BY 1 ORDER BY 1"
                )
            ),
            "job_errors": rows(
                "SELECT j.document_id, j.status::text, j.attempts, left(j.last_error, 160) "
                f"FROM jobs j JOIN documents d ON d.id = j.document_id WHERE d.{ws} "
                "AND j.last_error IS NOT NULL ORDER BY j.id"
            ),
        }


def summarise(
    soak: Soak,
    keys: list[str],
    status: dict[str, str],
    db: dict[str, Any],
    seconds: dict[str, float],
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Return the figures of the run."""
    accepted = {k: soak.ids[k] for k in keys if k in soak.ids}
    final = {d for d, s in status.items() if s in FINAL}
    lost_keys = [k for k in keys if k not in accepted or accepted[k] not in final]
    two_ids = {k: sorted(v) for k, v in soak.ids_seen.items() if len(v) > 1}
    duplicated = {
        "keys_answered_with_two_ids": len(two_ids),
        "keys_with_two_rows": len(db["keys_with_two_rows"]),
        "pictures_with_two_rows": len(db["pictures_with_two_rows"]),
        "documents_with_two_jobs": len(db["documents_with_two_jobs"]),
        "results_stored_twice": len(db["results_stored_twice"]),
    }
    doc_ids = set(accepted.values())
    dup_docs = (
        {k for k in two_ids}
        | {r[0] for r in db["keys_with_two_rows"]}
        | {r[0] for r in db["documents_with_two_jobs"] if r[0] in doc_ids}
        | {r[0] for r in db["results_stored_twice"] if r[0] in doc_ids}
    )
    dup_count = len(dup_docs) + sum(int(r[1]) - 1 for r in db["pictures_with_two_rows"])
    done = len(final & doc_ids)
    held = [d for k in soak.kills for d in k["held_documents"]]
    return {
        "submitted": len(keys),
        "accepted": len(accepted),
        "done": done,
        "final_status": dict(Counter(status[d] for d in doc_ids)),
        "lost": len(lost_keys),
        "lost_detail": [
            {
                "key": k,
                "id": accepted.get(k),
                "status": status.get(accepted.get(k, ""), "never accepted"),
                "last_error": soak.rejected.get(k),
            }
            for k in lost_keys
        ][:50],
        "duplicated": dup_count,
        "duplicated_detail": duplicated,
        "http_5xx": len(soak.http_5xx),
        "http_5xx_by_status": dict(Counter(f"{e['phase']} {e['status']}" for e in soak.http_5xx)),
        "http_5xx_events": soak.http_5xx[:50],
        "transport_errors": dict(soak.transport_errors),
        "submit_retries": soak.retries,
        "docs_per_minute": round(60 * done / seconds["to_last_final"], 1)
        if seconds["to_last_final"]
        else 0.0,
        "peak_worker_rss_mb": round(soak.peak_rss, 1),
        "peak_serve_rss_mb": round(soak.peak_serve_rss, 1),
        "worker_kills": len(soak.kills),
        "worker_kills_mid_document": sum(1 for k in soak.kills if k["held_documents"]),
        "killed_documents_final": sum(1 for d in held if status.get(d) in FINAL),
        "killed_documents": len(held),
        "postgres_restarts": len(soak.restarts),
        "postgres_restart": soak.restarts,
        "kills": soak.kills,
        "db": {
            "document_rows": db["document_rows"],
            "by_status": db["by_status"],
            "job_attempts": {str(k): v for k, v in db["job_attempts"].items()},
            "done_without_result_event": len(db["documents_without_result_event"]),
            "job_errors": [list(r) for r in db["job_errors"]][:50],
        },
        "seconds": seconds,
        "config": {
            "docs": args.docs,
            "workers": args.workers,
            "kill_every_s": args.kill_every,
            "clients": args.clients,
            "rate_per_s": args.rate,
            "restart": not args.no_restart,
            "timeout_s": args.timeout,
            "seed": args.seed,
        },
        "machine": {
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "loadavg_at_start": args.loadavg_at_start,
            "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
            "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        },
    }


def print_table(result: dict[str, Any]) -> None:
    """Print the headline figures as a rich table, with the bars the issue sets."""
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"soak: {result['submitted']} documents, {result['config']['workers']} "
        f"workers, PostgreSQL"
    )
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("bar")
    bars = {"lost": 0, "duplicated": 0, "http_5xx": 0}
    for name in (
        "submitted",
        "accepted",
        "done",
        "lost",
        "duplicated",
        "http_5xx",
        "submit_retries",
        "docs_per_minute",
        "peak_worker_rss_mb",
        "worker_kills",
        "worker_kills_mid_document",
        "postgres_restarts",
    ):
        value = result[name]
        bar = ""
        if name in bars:
            bar = "[green]ok (= 0)" if value == bars[name] else "[red]FAIL (should be 0)"
        table.add_row(name, str(value), bar)
    for name, value in result["seconds"].items():
        table.add_row(f"seconds {name}", f"{value:.1f}", "")
    table.add_row(
        "final status", ", ".join(f"{k} {v}" for k, v in result["final_status"].items()), ""
    )
    Console().print(table)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Do one soak run and return its figures; cleans up whatever it started."""
    rng = random.Random(args.seed)
    run_id = uuid.uuid4().hex[:8]
    made_db: str | None = None
    url = args.database_url
    if url is None:
        made_db = f"paperclerk_soak_{run_id}"
        subprocess.run(
            ["createdb", "-h", PG_HOST, "-p", str(PG_PORT), "-U", "postgres", made_db], check=True
        )
        url = f"postgresql://postgres@{PG_HOST}:{PG_PORT}/{made_db}"
    tmp = Path(tempfile.mkdtemp(prefix="paperclerk-soak-"))
    env = dict(os.environ, PAPERCLERK_DATABASE_URL=url, PAPERCLERK_DATA_DIR=str(tmp / "data"))
    serve: subprocess.Popen[bytes] | None = None
    log_path = args.serve_log or tmp / "serve.log"
    soak: Soak | None = None
    threads: list[threading.Thread] = []
    try:
        workspace = cli(env, "admin", "create-workspace", "soak")
        key = cli(env, "admin", "create-key", "soak")
        pictures = [receipt_png(i, args.seed) for i in range(args.docs)]
        assert len(set(pictures)) == len(pictures), "pictures must be distinct"
        keys = [f"soak-{run_id}-{i:05d}" for i in range(args.docs)]
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with log_path.open("wb") as log:
            serve = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "paperclerk",
                    "serve",
                    "--port",
                    str(port),
                    "--workers",
                    str(args.workers),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        wait_ready(base)
        soak = Soak(url, serve.pid, args.docs)
        threads = [threading.Thread(target=sampler, args=(soak,), daemon=True)]
        if args.kill_every > 0:
            threads.append(
                threading.Thread(target=killer, args=(soak, args.kill_every, rng), daemon=True)
            )
        for t in threads:
            t.start()

        async def drive() -> tuple[dict[str, str], dict[str, float]]:
            assert soak is not None
            limits = httpx.Limits(max_connections=args.clients + 8)
            async with httpx.AsyncClient(
                base_url=base, timeout=30, limits=limits, headers={"Authorization": f"Bearer {key}"}
            ) as client:
                start = time.monotonic()
                await submit_all(
                    soak,
                    client,
                    pictures,
                    keys,
                    args.clients,
                    args.rate,
                    not args.no_restart,
                    give_up_s=args.timeout / 2,
                )
                submitted = time.monotonic()
                status = await wait_all(soak, client, args.timeout)
                end = time.monotonic()
            return status, {
                "submitting": round(submitted - start, 1),
                "to_last_final": round(end - start, 1),
            }

        status, seconds = asyncio.run(drive())
        soak.stop.set()
        for t in threads:
            t.join(timeout=30)
        db = database_checks(url, workspace)
        seconds["total"] = round(soak.at(), 1)
        result = summarise(soak, keys, status, db, seconds, args)
        result["serve_log"] = str(log_path) if args.serve_log else None
        if result["http_5xx"] or result["lost"] or result["duplicated"]:
            print(f"soak: serve log, errors only ({log_path}):", file=sys.stderr)
            lines = log_path.read_text(errors="replace").splitlines()
            wanted = re.compile(r'" 5\d\d |internal error|ERROR|WARNING|src/paperclerk|^\w+\.\w')
            print("\n".join([x for x in lines if wanted.search(x)][-80:]), file=sys.stderr)
        return result
    finally:
        if soak is not None:
            soak.stop.set()
        if serve is not None and serve.poll() is None:
            serve.send_signal(signal.SIGTERM)
            try:
                serve.wait(40)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(serve.pid, signal.SIGKILL)
                serve.wait(10)
        if not ensure_pg_running():
            print("soak: WARNING PostgreSQL is still not running", file=sys.stderr)
        if made_db is not None:
            subprocess.run(
                [
                    "dropdb",
                    "-h",
                    PG_HOST,
                    "-p",
                    str(PG_PORT),
                    "-U",
                    "postgres",
                    "--if-exists",
                    "--force",
                    made_db,
                ],
                check=False,
            )
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=200, help="documents to submit")
    parser.add_argument("--workers", type=int, default=2, help="serve --workers")
    parser.add_argument(
        "--kill-every",
        type=float,
        default=30.0,
        help="seconds between worker SIGKILLs, ±50%% (0: none)",
    )
    parser.add_argument(
        "--database-url", help="PostgreSQL URL to use (kept); default: a fresh database, dropped"
    )
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--no-restart", action="store_true", help="do not restart PostgreSQL")
    parser.add_argument("--clients", type=int, default=4, help="concurrent submitting clients")
    parser.add_argument(
        "--rate",
        type=float,
        default=2.0,
        help="submissions per second over all clients (0: as fast as possible)",
    )
    parser.add_argument(
        "--timeout", type=float, default=1200.0, help="seconds to wait for every document to finish"
    )
    parser.add_argument("--seed", type=int, default=15, help="pictures and kill timing")
    parser.add_argument("--serve-log", type=Path, help="keep serve's output in this file")
    args = parser.parse_args()
    args.loadavg_at_start = [round(x, 2) for x in os.getloadavg()]
    if not ensure_pg_running():
        sys.exit("PostgreSQL is not running on 127.0.0.1:5432")
    result = run(args)
    print_table(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2, default=str) + "\n")
    bad = result["lost"] or result["duplicated"] or result["http_5xx"]
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
