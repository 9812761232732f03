"""Duplicate-lookup latency with a million stored receipts (index probes, no scan).

Inserts N submissions through the real migration, each with a random fingerprint (64-bit
pHash in four indexed 16-bit bands, verifier hash) and the partial content keys of the
fields "read" from it (shop, day, time, total, receipt number drawn from realistic
vocabularies, each read with probability 0.8: about 6 pairs per receipt). It then times
the indexed part of `find_duplicates`: `index.search` (the picture and its 180° turn:
matches and near candidates) plus `candidates.find` (one bounded index read per partial
key, at most 20 candidates ranked). Queries are stored receipts re-read (hash bits
flipped, the day dropped half of the time, as a re-photograph would be) and absent ones.
Comparing the prints of the candidates (`layout.compare_layouts`, tens of milliseconds
each, at most 20) is not part of this figure.

    .venv/bin/python benchmarks/duplicate_lookup.py                       # SQLite, 1M rows
    .venv/bin/python benchmarks/duplicate_lookup.py --postgres URL        # also PostgreSQL

Prints a table and writes benchmarks/results/duplicate_lookup.json.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
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

from sqlalchemy import insert, text

from paperclerk.loyalty import candidates, index
from paperclerk.loyalty.fingerprints import Fingerprint, ImageHashes
from paperclerk.storage.db import make_engine, make_session_factory, normalise_url
from paperclerk.storage.migrate import upgrade
from paperclerk.storage.tables import LoyaltyKey, LoyaltySubmission
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


def read_fields(rng: random.Random, serial: int) -> dict[str, str]:
    """The fields OCR read from one receipt: each present with probability 0.8."""
    fields = {
        "shop": f"shop{min(rng.paretovariate(1.2), 5000):.0f}",
        "day": f"day{rng.randrange(730)}",
        "time": f"{rng.randrange(24):02d}:{rng.randrange(60):02d}",
        "total": f"{rng.randrange(100, 30000) / 100:.2f}",
        "number": f"no{serial}",
    }
    return {k: v for k, v in fields.items() if rng.random() < 0.8}


def pair_keys(fields: dict[str, str]) -> tuple[str, ...]:
    """Digest every pair of fields (as `fingerprints.partial_keys` does)."""
    items = sorted(fields.items())
    return tuple(
        hashlib.sha256(f"{a}={va}|{b}={vb}".encode()).hexdigest()
        for i, (a, va) in enumerate(items)
        for b, vb in items[i + 1 :]
    )


def run(url: str, rows: int, queries: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory.begin() as s:
        ws = create_workspace(s, f"bench-{rng.getrandbits(32):08x}").id
    stored: list[tuple[int, ImageHashes, dict[str, str]]] = []
    t0 = time.perf_counter()
    chunk, keys = 20_000, 0
    for start in range(0, rows, chunk):
        ids = range(start + 1, min(rows, start + chunk) + 1)
        batch = [(sid, random_hashes(rng), read_fields(rng, sid)) for sid in ids]
        stored.extend(rng.sample(batch, min(len(batch), queries // max(1, rows // chunk) + 1)))
        with factory.begin() as s:
            s.execute(
                insert(LoyaltySubmission),
                [
                    {
                        "id": sid,
                        "workspace_id": ws,
                        "campaign_id": "bench",
                        "participant_id": "p",
                        "sha256": f"{sid:064x}",
                        "outcome": "approved",
                        "reward": "0",
                        "result": {},
                    }
                    for sid, _, _ in batch
                ],
            )
            index.add_many(s, (index.row_values(ws, sid, h) for sid, h, _ in batch))
            key_rows = [
                {"workspace_id": ws, "key": k, "submission_id": sid}
                for sid, _, fields in batch
                for k in set(pair_keys(fields))
            ]
            keys += len(key_rows)
            if key_rows:
                s.execute(insert(LoyaltyKey), key_rows)
        print(f"  inserted {start + len(batch):>9,} receipts", end="\r", flush=True)
    insert_s = time.perf_counter() - t0
    print()
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    results: dict[str, Any] = {}
    for kind in ("present", "absent"):
        times: list[float] = []
        hits, verified = 0, 0
        with factory() as s:
            for i in range(queries):
                if kind == "present":
                    sid, h, fields = stored[i % len(stored)]
                    q = near(h, rng, rng.randint(0, 5))
                    fields = {k: v for k, v in fields.items() if k != "day" or rng.random() < 0.5}
                else:
                    sid, q, fields = -1, random_hashes(rng), read_fields(rng, rows + i + 1)
                flipped = random_hashes(rng)  # the 180° turn of the picture: another hash
                fp = Fingerprint(
                    sha256="0" * 64,
                    image=q,
                    flipped=flipped,
                    content_key=None,
                    purchase_key=None,
                    amount_key=None,
                    partial_keys=pair_keys(fields),
                )
                t = time.perf_counter()
                searched = index.search(s, ws, [q, flipped])
                found = candidates.find(s, ws, fp, searched.near)
                times.append((time.perf_counter() - t) * 1000)
                verified += len(found)
                hits += any(m.submission_id == sid for m in searched.matches) or any(
                    c.submission_id == sid for c in found
                )
        results[kind] = {
            "p50_ms": round(percentile(times, 0.50), 3),
            "p95_ms": round(percentile(times, 0.95), 3),
            "mean_ms": round(statistics.fmean(times), 3),
            "hit_rate": round(hits / queries, 4),
            "candidates_per_query": round(verified / queries, 2),
        }
    engine.dispose()
    return {
        "rows": rows,
        "partial_keys": keys,
        "queries": queries,
        "insert_s": round(insert_s, 1),
        **results,
    }


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
            print(f"sqlite: inserting {args.rows:,} receipts")
            out["backends"]["sqlite"] = run(url, args.rows, args.queries, args.seed)
        if args.postgres:
            print(f"postgresql: inserting {args.rows:,} receipts")
            with own_schema(normalise_url(args.postgres)) as url:
                out["backends"]["postgresql"] = run(url, args.rows, args.queries, args.seed)
    print(
        f"\n{'backend':<11} {'rows':>9} {'kind':<8} {'p50 ms':>8} {'p95 ms':>8} {'hit rate':>9}"
        f" {'candidates':>10}"
    )
    for name, r in out["backends"].items():
        for kind in ("present", "absent"):
            k = r[kind]
            print(
                f"{name:<11} {r['rows']:>9,} {kind:<8} {k['p50_ms']:>8.3f} {k['p95_ms']:>8.3f}"
                f" {k['hit_rate']:>9.3f} {k['candidates_per_query']:>10.2f}"
            )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
