"""Receipts side by side in one process: paperclerk's pipeline, plain RapidOCR, Tesseract.

The same receipts, the same process, the same threads, one after the other per receipt
(round-robin, so background load hits every contender alike); `--threads` is the
pipeline's and Tesseract's thread count:

* ``pipeline``: `paperclerk.pipeline.run.process_path` — ingest, preprocessing, OCR with
  the second look, classification, extraction, validation, decision;
* ``rapidocr_defaults``: ``RapidOCR()`` exactly as its README shows it (default models,
  parameters and threads), called on the image path;
* ``tesseract``: the ``tesseract`` command through pytesseract (`image_to_data`), English.

Each contender reads every receipt once untimed first (models loaded, caches warm), then
`--repeats` timed rounds; per receipt the median of its rounds is kept, and the table
shows the median over receipts and the ratio of each contender to plain RapidOCR (the
issue's bar: pipeline ≤ 0.45 × RapidOCR), then the median seconds of each stage the
contenders report (the pipeline's `Document.timings`, RapidOCR's det/cls/rec). The
receipts are the validation side of the fixed split of ``../shared/data/sroie``
(`datasets.dataset.in_validation`), never trained on; `--limit` takes the first N in id
order.

Usage::

    .venv/bin/python benchmarks/receipt_speed.py [--images DIR] [--limit 20]
        [--repeats 3] [--threads 2] [--no-tesseract] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_IMAGES = REPO_ROOT.parent / "shared" / "data" / "sroie" / "img"
DEFAULT_JSON = REPO_ROOT / "benchmarks" / "results" / "receipt_speed.json"


def validation_receipts(folder: Path, limit: int) -> list[Path]:
    """Return the first `limit` receipts (id order) on the validation side of the split."""
    from paperclerk.datasets.dataset import in_validation

    found = sorted(p for p in folder.glob("*.jpg") if in_validation(p.stem))
    return found[:limit]


def contenders(threads: int, tesseract: bool) -> dict[str, Callable[[Path], Any]]:
    """Return a reader per contender, each taking an image path."""
    os.environ["PAPERCLERK_OCR_THREADS"] = str(threads)
    from rapidocr import RapidOCR

    from paperclerk.pipeline.run import process_path

    plain = RapidOCR()  # its defaults: ONNX Runtime picks its own threads
    out: dict[str, Callable[[Path], Any]] = {
        "pipeline": lambda path: process_path(path),
        "rapidocr_defaults": lambda path: plain(str(path)),
    }
    if tesseract:
        import pytesseract
        from PIL import Image

        config = f"-c tessedit_do_invert=0 --oem 1 --psm 3 -c thread_count={threads}"

        def tess(path: Path) -> Any:
            with Image.open(path) as image:
                return pytesseract.image_to_data(image, lang="eng", config=config)

        out["tesseract"] = tess
    return out


def stage_seconds(result: Any) -> dict[str, float]:
    """Return the seconds of each stage a contender reports about one receipt.

    The pipeline's `Document.timings` (preprocess, ocr, second_look, classify, extract, …)
    and plain RapidOCR's `elapse_list` (detection, direction classifier, recognition), so
    the table shows where each one's time goes; Tesseract reports none.
    """
    timings = getattr(result, "timings", None)
    if isinstance(timings, dict):
        return {k: float(v) for k, v in timings.items()}
    elapse = getattr(result, "elapse_list", None)
    if elapse is not None and len(elapse) == 3:
        return {k: float(v or 0.0) for k, v in zip(("det", "cls", "rec"), elapse, strict=True)}
    return {}


def measure(
    files: list[Path], readers: dict[str, Callable[[Path], Any]], repeats: int
) -> tuple[dict[str, list[float]], dict[str, dict[str, float]]]:
    """Return per contender the median seconds of each receipt over `repeats` rounds,
    and per contender and stage the median over all timed reads."""
    for path in files:  # warm-up: models loaded, first-call costs paid
        for read in readers.values():
            read(path)
    per_file: dict[str, list[list[float]]] = {name: [[] for _ in files] for name in readers}
    stages: dict[str, dict[str, list[float]]] = {name: {} for name in readers}
    for _ in range(repeats):
        for i, path in enumerate(files):
            for name, read in readers.items():
                start = time.perf_counter()
                result = read(path)
                per_file[name][i].append(time.perf_counter() - start)
                for stage, seconds in stage_seconds(result).items():
                    stages[name].setdefault(stage, []).append(seconds)
    medians = {name: [statistics.median(t) for t in runs] for name, runs in per_file.items()}
    stage_medians = {
        name: {stage: round(statistics.median(v), 4) for stage, v in found.items()}
        for name, found in stages.items()
    }
    return medians, stage_medians


def report_stages(stages: dict[str, dict[str, float]]) -> None:
    """Print the median seconds of each stage per contender (those that report stages)."""
    for name, found in stages.items():
        if found:
            parts = ", ".join(f"{stage} {seconds:.3f}" for stage, seconds in found.items())
            print(f"{name} stages (median s): {parts}")


def report(seconds: dict[str, list[float]]) -> dict[str, Any]:
    """Print the table and return the figures (medians over receipts, ratios to RapidOCR)."""
    base = statistics.median(seconds["rapidocr_defaults"])
    rows = {}
    print(f"{'contender':<20} {'median s':>9} {'mean s':>8} {'ratio':>7}")
    for name, values in seconds.items():
        median = statistics.median(values)
        rows[name] = {
            "median_s": round(median, 4),
            "mean_s": round(statistics.fmean(values), 4),
            "ratio_to_rapidocr": round(median / base, 3),
            "per_receipt_s": [round(v, 4) for v in values],
        }
        print(f"{name:<20} {median:>9.3f} {statistics.fmean(values):>8.3f} {median / base:>7.2f}")
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the side-by-side measurement and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=Path, default=DEFAULT_IMAGES)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-tesseract", action="store_true")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args(argv)
    if not args.images.is_dir():
        print(f"no receipts in {args.images} (../shared/data/sroie/img)", file=sys.stderr)
        return 2
    files = validation_receipts(args.images, args.limit)
    readers = contenders(args.threads, not args.no_tesseract)
    seconds, stages = measure(files, readers, args.repeats)
    figures = {
        "receipts": [p.stem for p in files],
        "threads": args.threads,
        "repeats": args.repeats,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "contenders": report(seconds),
        "stages_median_s": stages,
    }
    report_stages(stages)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"written {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
