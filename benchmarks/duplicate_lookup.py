"""Duplicate-lookup latency with a million stored perceptual hashes (multi-index hashing).

Inserts N random fingerprints (64-bit pHash in four indexed 16-bit bands, 256-bit verifier)
into `loyalty_fingerprints` through the real migration, then times `index.lookup` — the
call the submission path makes, with the picture and its 180° turn — for hashes that are
stored (with up to 5 bits flipped, as a re-photograph would) and for absent ones.

    .venv/bin/python benchmarks/duplicate_lookup.py                       # SQLite, 1M rows
    .venv/bin/python benchmarks/duplicate_lookup.py --postgres URL        # also PostgreSQL

Prints a table and writes benchmarks/results/duplicate_lookup.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import text

from paperclerk.loyalty import index
from paperclerk.loyalty.fingerprints import ImageHashes
from paperclerk.storage.db import make_engine, make_session_factory, normalise_url
from paperclerk.storage.migrate import upgrade
from paperclerk.storage.workspaces import create_workspace

RESULTS = Path(__file__).parent / "results" / "duplicate_lookup.json"


def random_hashes(rng: random.Random) -> ImageHashes:
    return ImageHashes(
        phash=rng.getrandbits(64),
        vhash=rng.getrandbits(256).to_bytes(32, "big"),
        aspect=rng.uniform(1.5, 4.0),
    )


def near(h: ImageHashes, rng: random.Random, bits: int) -> ImageHashes:
    phash = h.phash
    for b in rng.sample(range(64), bits):
        phash ^= 1 << b
    vhash = int.from_bytes(h.vhash, "big")
    for b in rng.sample(range(256), bits * 3):
        vhash ^= 1 << b
    return ImageHashes(phash=phash, vhash=vhash.to_bytes(32, "big"), aspect=h.aspect)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(url: str, rows: int, queries: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory.begin() as s:
        ws = create_workspace(s, f"bench-{rng.getrandbits(32):08x}").id
    stored: list[ImageHashes] = []
    t0 = time.perf_counter()
    chunk = 50_000
    for start in range(0, rows, chunk):
        batch = [random_hashes(rng) for _ in range(min(chunk, rows - start))]
        stored.extend(rng.sample(batch, min(len(batch), queries // max(1, rows // chunk) + 1)))
        with factory.begin() as s:
            index.add_many(s, (index.row_values(ws, None, h) for h in batch))
        print(f"  inserted {start + len(batch):>9,} rows", end="\r", flush=True)
    insert_s = time.perf_counter() - t0
    print()
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    results: dict[str, Any] = {}
    for kind in ("present", "absent"):
        times: list[float] = []
        hits = 0
        with factory() as s:
            for i in range(queries):
                q = (
                    near(stored[i % len(stored)], rng, rng.randint(0, 5))
                    if kind == "present"
                    else random_hashes(rng)
                )
                flipped = random_hashes(rng)  # the 180° turn of the picture: another hash
                t = time.perf_counter()
                found = index.lookup(s, ws, [q, flipped])
                times.append((time.perf_counter() - t) * 1000)
                hits += bool(found)
        results[kind] = {
            "p50_ms": round(percentile(times, 0.50), 3),
            "p95_ms": round(percentile(times, 0.95), 3),
            "mean_ms": round(statistics.fmean(times), 3),
            "hit_rate": round(hits / queries, 4),
        }
    engine.dispose()
    return {"rows": rows, "queries": queries, "insert_s": round(insert_s, 1), **results}


@contextlib.contextmanager
def own_schema(base_url: str) -> Iterator[str]:
    """Yield a URL on a fresh PostgreSQL schema, dropped afterwards (touches nothing else)."""
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base_url else "?"
    try:
        yield f"{base_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--postgres", help="also run on this PostgreSQL URL")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    out: dict[str, Any] = {"machine": platform.platform(), "backends": {}}
    with tempfile.TemporaryDirectory() as tmp:
        urls = [f"sqlite:///{Path(tmp) / 'bench.db'}"]
        for url in urls:
            print(f"sqlite: inserting {args.rows:,} fingerprints")
            out["backends"]["sqlite"] = run(url, args.rows, args.queries, args.seed)
        if args.postgres:
            print(f"postgresql: inserting {args.rows:,} fingerprints")
            with own_schema(normalise_url(args.postgres)) as url:
                out["backends"]["postgresql"] = run(url, args.rows, args.queries, args.seed)
    print(f"\n{'backend':<11} {'rows':>9} {'kind':<8} {'p50 ms':>8} {'p95 ms':>8} {'hit rate':>9}")
    for name, r in out["backends"].items():
        for kind in ("present", "absent"):
            k = r[kind]
            print(
                f"{name:<11} {r['rows']:>9,} {kind:<8} {k['p50_ms']:>8.3f} {k['p95_ms']:>8.3f}"
                f" {k['hit_rate']:>9.3f}"
            )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
