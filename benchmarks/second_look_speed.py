"""The OCR second look on receipts: every code line read again, or only narrow ones.

Each receipt (validation side of the fixed split of ``../shared/data/sroie``) is loaded,
pre-processed and read by the RapidOCR engine once; then, on those same words,
`paperclerk.pages.second_look.second_look` runs with ``narrow=math.inf`` (every line
holding a long code is read again, as before issue 19's third step) and with the default
`NARROW` (only lines whose characters are narrow enough for the recogniser to merge
repeats), `--repeats` times each, alternating. Per receipt the median of its runs is kept;
the table shows the median and mean over receipts, the lines read again and the lines
whose words the second look changed.

Usage::

    .venv/bin/python benchmarks/second_look_speed.py [--images DIR] [--limit 20]
        [--repeats 3] [--threads 2] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_IMAGES = REPO_ROOT.parent / "shared" / "data" / "sroie" / "img"
DEFAULT_JSON = REPO_ROOT / "benchmarks" / "results" / "second_look_speed.json"


def changed_lines(before: list[Any], after: list[Any]) -> int:
    """Return how many lines (by `line_key`) read differently after the second look."""
    texts: dict[int, list[list[str]]] = {}
    for side, words in enumerate((before, after)):
        for word in words:
            texts.setdefault(word.line_key, [[], []])[side].append(word.text)
    return sum(a != b for a, b in texts.values())


def main(argv: list[str] | None = None) -> int:
    """Read the receipts once, time both second looks on the same words, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=Path, default=DEFAULT_IMAGES)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args(argv)
    if not args.images.is_dir():
        print(f"no receipts in {args.images} (../shared/data/sroie/img)", file=sys.stderr)
        return 2
    from paperclerk.datasets.dataset import in_validation
    from paperclerk.engines.base import LineEngine
    from paperclerk.engines.registry import get_engine
    from paperclerk.ingest import load_path
    from paperclerk.pages.second_look import NARROW, holds_code, second_look
    from paperclerk.preprocess import preprocess_page

    engine = get_engine("rapid", args.threads)
    assert isinstance(engine, LineEngine)
    files = sorted(p for p in args.images.glob("*.jpg") if in_validation(p.stem))[: args.limit]
    variants = {"every_code_line": math.inf, "narrow_code_lines": NARROW}
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    changed = dict.fromkeys(variants, 0)
    code_lines = 0
    for path in files:
        image = preprocess_page(load_path(path).pages[0].image).image
        words = engine.read(image)
        lines: dict[int, list[str]] = {}
        for word in words:
            lines.setdefault(word.line_key, []).append(word.text)
        code_lines += sum(holds_code(" ".join(texts)) for texts in lines.values())
        runs: dict[str, list[float]] = {name: [] for name in variants}
        outs: dict[str, list[Any]] = {}
        for _ in range(args.repeats):
            for name, narrow in variants.items():
                start = time.perf_counter()
                outs[name] = second_look(words, image, engine, narrow=narrow)
                runs[name].append(time.perf_counter() - start)
        for name in variants:
            seconds[name].append(statistics.median(runs[name]))
            changed[name] += changed_lines(words, outs[name])
    rows = {}
    print(f"{len(files)} receipts, {code_lines} lines holding a long code")
    print(f"{'variant':<20} {'median s':>9} {'mean s':>8} {'lines changed':>14}")
    for name, values in seconds.items():
        rows[name] = {
            "median_s": round(statistics.median(values), 4),
            "mean_s": round(statistics.fmean(values), 4),
            "lines_changed": changed[name],
            "per_receipt_s": [round(v, 4) for v in values],
        }
        print(
            f"{name:<20} {statistics.median(values):>9.3f} {statistics.fmean(values):>8.3f}"
            f" {changed[name]:>14}"
        )
    figures = {
        "receipts": [p.stem for p in files],
        "code_lines": code_lines,
        "narrow": NARROW,
        "threads": args.threads,
        "repeats": args.repeats,
        "variants": rows,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"written {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
