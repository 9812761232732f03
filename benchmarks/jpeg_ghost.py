"""False alarms and detections of the inconsistent-compression fraud signal (JPEG ghost).

On every JPEG of a folder (the SROIE scans), counts how often `compression_ghost` flags:
the file as it is, one re-photograph of it (`rephotograph`, seeded), the file saved again
at quality 90 (a whole re-save is consistent), and the file with a band across the middle
(6/8 of the width, a tenth of the height, on the 8×8 grid) pasted from a quality-50 copy
and saved at 90 (what an edit leaves). Files above 8 megapixels skip the last two (their
re-encoding is slow and says nothing new).

    .venv/bin/python benchmarks/jpeg_ghost.py ../shared/data/sroie/img

Prints a table and writes benchmarks/results/jpeg_ghost.json (with every flagged file).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import time
from pathlib import Path
from typing import Any

from PIL import Image

from paperclerk.evaluation.rephotograph import rephotograph
from paperclerk.ingest import load_bytes
from paperclerk.loyalty.compression import CompressionGhost, compression_ghost

RESULTS = Path(__file__).parent / "results" / "jpeg_ghost.json"
EDIT_MAX_PIXELS = 8_000_000


def jpeg(img: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()


def pasted_band(img: Image.Image, quality: int) -> bytes:
    w, h = img.size
    box = (w // 64 * 8, h // 16 * 8, w * 6 // 64 * 8, (h // 2 + max(64, h // 10)) // 8 * 8)
    low = Image.open(io.BytesIO(jpeg(img, quality))).convert("RGB")
    edited = img.copy()
    edited.paste(low.crop(box), box[:2])
    return jpeg(edited, 90)


def record(name: str, ghost: CompressionGhost | None) -> dict[str, Any]:
    return {"name": name, "ghost": None if ghost is None else ghost.__dict__}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    sets: dict[str, list[dict[str, Any]]] = {
        "scans": [],
        "rephotographs": [],
        "saved again at 90": [],
        "band pasted from quality 50": [],
    }
    seconds: list[float] = []
    paths = sorted(p for p in args.folder.iterdir() if p.suffix.lower() in {".jpg", ".jpeg"})
    for n, path in enumerate(paths):
        data = path.read_bytes()
        t = time.perf_counter()
        sets["scans"].append(record(path.name, compression_ghost(data)))
        seconds.append(time.perf_counter() - t)
        photo = rephotograph(load_bytes(data).pages[0].image, rng)
        sets["rephotographs"].append(record(path.name, compression_ghost(photo)))
        img = Image.open(io.BytesIO(data)).convert("RGB")
        if img.width * img.height <= EDIT_MAX_PIXELS:
            sets["saved again at 90"].append(record(path.name, compression_ghost(jpeg(img, 90))))
            edited = compression_ghost(pasted_band(img, 50))
            sets["band pasted from quality 50"].append(record(path.name, edited))
        print(f"  {n + 1}/{len(paths)}", end="\r", flush=True)
    summary = {
        name: {"files": len(rows), "flagged": sum(r["ghost"] is not None for r in rows)}
        for name, rows in sets.items()
    }
    print(f"\n{'set':<30} {'files':>6} {'flagged':>8} {'share':>7}")
    for name, row in summary.items():
        share = row["flagged"] / max(1, row["files"])
        print(f"{name:<30} {row['files']:>6} {row['flagged']:>8} {share:>7.1%}")
    print(f"seconds per scan: median {statistics.median(seconds):.2f}, max {max(seconds):.2f}")
    out = {
        "summary": summary,
        "seconds_per_scan": {
            "median": round(statistics.median(seconds), 3),
            "max": round(max(seconds), 3),
        },
        "flagged": {
            name: [r for r in rows if r["ghost"] is not None] for name, rows in sets.items()
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
