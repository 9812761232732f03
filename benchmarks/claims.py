"""Seconds per campaign claim on large pictures, and the compression check's share of it.

Two synthetic pictures are made from one receipt (the first SROIE scan of
`../shared/data/sroie/img`, else `examples/receipt-photo.jpg`), upscaled:

- `phone photo`: 3000×4000 (12 MP), the receipt on a darker, uneven table, JPEG quality 92;
- `page scan`: 4960×7016 (35 MP, A4 at 600 dpi), the receipt on white paper, quality 90.

For each, the median of `--runs` runs (after one warm-up) of:

- `compression`: `compression_ghost` alone, the cheap path (textured blocks only, in a
  mosaic) and the former whole-picture path (`exhaustive=True`), in this process;
- `claim`: `loyalty.service.check_submission` end to end with OCR (RapidOCR, one thread)
  on a scratch SQLite database, rolled back after each run so no claim meets an earlier
  copy, once with each compression path.

`ratio` is cheap over former (below 1: faster). The cheap path must answer exactly as the
former one; `--agree N` checks that on the first N SROIE scans as they are and with a band
pasted from a quality-50 copy (0 skips it).

    .venv/bin/python benchmarks/claims.py         # writes benchmarks/results/claims.json
    .venv/bin/python benchmarks/claims.py --runs 5 --json /tmp/claims.json
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from paperclerk.engines.base import OcrEngine
from paperclerk.engines.registry import Engine, get_engine
from paperclerk.loyalty import fraud
from paperclerk.loyalty.campaign import load_campaign_yaml
from paperclerk.loyalty.compression import compression_ghost
from paperclerk.loyalty.service import check_submission
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.migrate import upgrade
from paperclerk.storage.workspaces import create_workspace

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "claims.json"
SROIE = ROOT.parent / "shared" / "data" / "sroie" / "img"
FALLBACK = ROOT / "examples" / "receipt-photo.jpg"
CAMPAIGN = ROOT / "examples" / "campaign.yaml"


def jpeg(img: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()


def receipt_source() -> tuple[Path, Image.Image]:
    paths = sorted(SROIE.glob("*.jpg")) if SROIE.is_dir() else []
    path = paths[0] if paths else FALLBACK
    return path, Image.open(path).convert("RGB")


def on_background(
    receipt: Image.Image, size: tuple[int, int], height: int, colour: tuple[int, int, int],
    noise: float, shade: float, seed: int,
) -> Image.Image:  # fmt: skip
    """Upscale the receipt to `height` pixels and lay it on a background with noise and shade."""
    w, h = size
    scale = height / receipt.height
    big = receipt.resize((round(receipt.width * scale), height), Image.Resampling.LANCZOS)
    page = Image.new("RGB", size, colour)
    page.paste(big, ((w - big.width) // 2, (h - big.height) // 2))
    pixels = np.asarray(page, dtype=np.float32)
    rng = np.random.default_rng(seed)
    if shade:
        ys = np.linspace(-1.0, 1.0, h, dtype=np.float32)[:, None]
        xs = np.linspace(-1.0, 1.0, w, dtype=np.float32)[None, :]
        pixels *= (1.0 - shade * (xs * xs + ys * ys) / 2)[..., None]
    pixels += rng.normal(0.0, noise, pixels.shape).astype(np.float32)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def pictures(receipt: Image.Image) -> dict[str, bytes]:
    phone = on_background(receipt, (3000, 4000), 3700, (150, 130, 110), 2.5, 0.35, 1)
    scan = on_background(receipt, (4960, 7016), 6200, (246, 246, 244), 2.0, 0.0, 2)
    return {"phone photo 12 MP": jpeg(phone, 92), "page scan 35 MP": jpeg(scan, 90)}


def median_seconds(run: Callable[[], Any], runs: int) -> tuple[float, list[float]]:
    run()  # warm-up: caches, lazy imports, model load
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), seconds


@contextmanager
def former_compression_check() -> Iterator[None]:
    """Make the fraud rules use the whole-picture compression check for the block."""
    cheap = fraud.__dict__["compression_ghost"]
    setattr(fraud, "compression_ghost", partial(compression_ghost, exhaustive=True))  # noqa: B010
    try:
        yield
    finally:
        setattr(fraud, "compression_ghost", cheap)  # noqa: B010


def claim_runner(url: str, engine: OcrEngine, data: bytes) -> Callable[[], Any]:
    factory = make_session_factory(make_engine(url))
    campaign = load_campaign_yaml(CAMPAIGN.read_text(encoding="utf-8"))
    with factory.begin() as session:
        workspace = create_workspace(session, f"bench-{time.monotonic_ns()}").id

    def run() -> Any:
        with factory() as session:
            try:
                return check_submission(
                    session, workspace, campaign, "p1", data, filename="r.jpg", engine=engine
                )
            finally:
                session.rollback()  # the next run is no duplicate of this one

    return run


def pasted_band(img: Image.Image) -> bytes:
    w, h = img.size
    box = (w // 64 * 8, h // 16 * 8, w * 6 // 64 * 8, (h // 2 + max(64, h // 10)) // 8 * 8)
    low = Image.open(io.BytesIO(jpeg(img, 50))).convert("RGB")
    edited = img.copy()
    edited.paste(low.crop(box), box[:2])
    return jpeg(edited, 90)


def agreement(count: int) -> dict[str, Any]:
    """Compare the cheap and the former path on SROIE scans, as they are and edited."""
    paths = sorted(SROIE.glob("*.jpg"))[:count] if SROIE.is_dir() else []
    same = found = total = 0
    for path in paths:
        data = path.read_bytes()
        for variant in (data, pasted_band(Image.open(path).convert("RGB"))):
            cheap, former = compression_ghost(variant), compression_ghost(variant, exhaustive=True)
            total += 1
            same += cheap == former
            found += cheap is not None
    return {"files": len(paths), "checks": total, "identical": same, "flagged": found}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--agree", type=int, default=40, help="SROIE scans compared (0: none)")
    parser.add_argument("--no-claims", action="store_true", help="compression check only")
    parser.add_argument("--json", type=Path, default=RESULTS)
    args = parser.parse_args()
    load_start = os.getloadavg()
    source, receipt = receipt_source()
    files = pictures(receipt)
    engine = get_engine(Engine.RAPID, 1)
    rows: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'claims.db'}"
        upgrade(url)
        for name, data in files.items():
            row: dict[str, Any] = {"bytes": len(data)}
            cheap, runs = median_seconds(partial(compression_ghost, data), args.runs)
            former, former_runs = median_seconds(
                partial(compression_ghost, data, exhaustive=True), args.runs
            )
            row["compression"] = {
                "cheap_s": round(cheap, 3),
                "former_s": round(former, 3),
                "ratio": round(cheap / former, 3),
                "runs_s": {"cheap": runs, "former": former_runs},
                "same_answer": compression_ghost(data) == compression_ghost(data, exhaustive=True),
            }
            if not args.no_claims:
                run = claim_runner(url, engine, data)
                claim, claim_runs = median_seconds(run, args.runs)
                with former_compression_check():
                    claim_former, claim_former_runs = median_seconds(run, args.runs)
                row["claim"] = {
                    "cheap_s": round(claim, 3),
                    "former_s": round(claim_former, 3),
                    "ratio": round(claim / claim_former, 3),
                    "runs_s": {"cheap": claim_runs, "former": claim_former_runs},
                }
            rows[name] = row
            print(f"  {name} done", flush=True)
    agreed = agreement(args.agree) if args.agree else None

    print(f"\n{'picture':<20} {'step':<12} {'cheap s':>8} {'former s':>9} {'ratio':>6}")
    for name, row in rows.items():
        for step in ("compression", "claim"):
            if step in row:
                r = row[step]
                print(
                    f"{name:<20} {step:<12} {r['cheap_s']:>8.2f} {r['former_s']:>9.2f}"
                    f" {r['ratio']:>6.2f}"
                )
    if agreed:
        print(
            f"\nsame answer on {agreed['identical']}/{agreed['checks']} SROIE checks"
            f" ({agreed['files']} scans, as they are and with a pasted band;"
            f" {agreed['flagged']} flagged)"
        )
    out = {
        "machine": {
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "loadavg_at_start": load_start,
            "loadavg_at_end": os.getloadavg(),
        },
        "source": str(source),
        "runs": args.runs,
        "pictures": rows,
        "agreement": agreed,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
