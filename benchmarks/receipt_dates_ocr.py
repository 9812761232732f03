"""Receipts whose OCR holds their date: what the date parser can find in the words read.

Every receipt of a SROIE-layout folder (default ``../shared/data/sroie``) is read as the
pipeline and training read it (`datasets.ocr_cache.read_pages_cached`: preprocessing, OCR,
the second looks), and `parsers.find_dates` runs on each line. A receipt counts as found
when one of its lines holds its key's date. The misses list the line most like the key's
date (rapidfuzz partial ratio), so one sees whether OCR lost the date or the parser did.

This bounds what any date extractor can reach end to end; it does not choose a date.

Usage::

    .venv/bin/python benchmarks/receipt_dates_ocr.py [--data DIR] [--limit N] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "sroie"
DEFAULT_JSON = REPO_ROOT / "benchmarks" / "results" / "receipt_dates_ocr.json"


def main(argv: list[str] | None = None) -> int:
    """Read every receipt, count those whose words hold the key's date, list the rest."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args(argv)

    from rapidfuzz import fuzz
    from rich.progress import track

    from paperclerk.datasets.ocr_cache import PIPELINE_VERSION, read_pages_cached
    from paperclerk.datasets.sroie_format import iter_samples
    from paperclerk.engines.registry import get_engine
    from paperclerk.evaluation.sroie import key_date
    from paperclerk.parsers import find_dates
    from paperclerk.settings import get_settings

    engine = get_engine()
    cache = get_settings().cache_dir
    samples = [s for s in iter_samples(args.data, args.limit) if s.image is not None]
    checked, misses = 0, []
    for sample in track(samples, description="reading receipts"):
        want = key_date(str(sample.key.get("date", "")))
        if want is None or sample.image is None:
            continue
        checked += 1
        pages = read_pages_cached(sample.image, engine, cache)
        lines = [line for page in pages for line in page.text.splitlines()]
        if any(d.value == want for line in lines for d in find_dates(line)):
            continue
        closest = max(lines, key=lambda line: fuzz.partial_ratio(sample.key["date"], line))
        misses.append({"id": sample.id, "key": sample.key["date"], "closest_line": closest})
    found = checked - len(misses)
    print(f"receipts with a key date: {checked}; date in the OCR words: {found}")
    for miss in misses:
        print(f"  {miss['id']}  key {miss['key']!r}  closest line {miss['closest_line']!r}")
    report: dict[str, Any] = {
        "engine": engine.version,
        "pipeline": PIPELINE_VERSION,
        "receipts": checked,
        "found": found,
        "share_found": round(found / checked, 4) if checked else None,
        "misses": misses,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
