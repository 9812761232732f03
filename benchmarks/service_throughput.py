"""Service throughput and latency: documents per minute with 1 and 2 workers, and `wait` latency.

Usage: python benchmarks/service_throughput.py [IMAGES_DIR] [--docs 20] [--wait-runs 10]

Starts `paperclerk serve` on a fresh SQLite data folder on 127.0.0.1 for each worker count,
submits the receipts in bulk and times until all are done (documents per minute); then, with
the queue empty, submits receipts one by one with `wait=60` and reports p50/p95 latency.
Writes benchmarks/results/service_throughput.json.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(*args: str, data_dir: Path) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "paperclerk", *args, "--data-dir", str(data_dir)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return out.stdout.strip()


def wait_ready(port: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("serve did not start")


def run(images: list[Path], workers: int, wait_runs: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        cli("admin", "create-workspace", "bench", data_dir=data)
        key = cli("admin", "create-key", "bench", data_dir=data)
        port = free_port()
        serve = subprocess.Popen(
            [sys.executable, "-m", "paperclerk", "serve", "--data-dir", str(data),
             "--port", str(port), "--workers", str(workers)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ),
        )  # fmt: skip
        try:
            wait_ready(port)
            base = f"http://127.0.0.1:{port}"
            headers = {"Authorization": f"Bearer {key}"}
            with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
                # warm-up: workers load their models
                http.post("/v1/documents", params={"wait": 90},
                          files={"file": (images[0].name, images[0].read_bytes())})  # fmt: skip
                start = time.perf_counter()
                ids = [
                    http.post("/v1/documents", files={"file": (p.name, p.read_bytes())}).json()[
                        "id"
                    ]
                    for p in images
                ]
                pending = set(ids)
                while pending:
                    time.sleep(0.2)
                    pending = {
                        i
                        for i in pending
                        if http.get(f"/v1/documents/{i}").json()["status"] != "done"
                    }
                elapsed = time.perf_counter() - start
                latencies = []
                for p in images[:wait_runs]:
                    t = time.perf_counter()
                    r = http.post("/v1/documents", params={"wait": 60},
                                  files={"file": (p.name, p.read_bytes())})  # fmt: skip
                    assert r.status_code == 200, r.text
                    latencies.append(time.perf_counter() - t)
        finally:
            serve.send_signal(signal.SIGTERM)
            serve.wait(30)
    latencies.sort()
    return {
        "workers": workers,
        "documents": len(images),
        "docs_per_minute": round(60 * len(images) / elapsed, 1),
        "wait_p50_s": round(statistics.median(latencies), 3),
        "wait_p95_s": round(latencies[int(0.95 * (len(latencies) - 1))], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("images", type=Path, nargs="?", default=ROOT / "examples")
    parser.add_argument("--docs", type=int, default=20)
    parser.add_argument("--wait-runs", type=int, default=10)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    files = sorted(
        p for p in args.images.rglob("*") if p.suffix.lower() in (".jpg", ".png", ".pdf")
    )
    images = (files * (args.docs // max(len(files), 1) + 1))[: args.docs]
    rows = [run(images, workers, args.wait_runs) for workers in (1, 2)]
    print(
        f"{'workers':>7}{'docs/min':>10}{'wait p50 s':>12}{'wait p95 s':>12}   ({len(images)} docs)"
    )
    for r in rows:
        print(
            f"{r['workers']:>7}{r['docs_per_minute']:>10}{r['wait_p50_s']:>12}{r['wait_p95_s']:>12}"
        )
    rows[1]["speedup_vs_1_worker"] = round(
        rows[1]["docs_per_minute"] / rows[0]["docs_per_minute"], 2
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "service_throughput.json").write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
