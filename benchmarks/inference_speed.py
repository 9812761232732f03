"""Time of field extraction per receipt on top of OCR: rules vs the trained model + memory.

Usage: python benchmarks/inference_speed.py ../shared/data/sroie [--limit 100]

Pages come from the OCR cache (filled by `paperclerk train receipts`), so only extraction is
timed. Prints medians and p95 in ms, and the ratio against the rules run in the same process;
writes benchmarks/results/inference_speed.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from paperclerk.datasets.importers import import_sroie
from paperclerk.engines.registry import get_engine
from paperclerk.extract.receipt import RuleReceiptExtractor
from paperclerk.learning.loader import receipt_extractor
from paperclerk.settings import get_settings


def timed(extract, pages_list) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for pages in pages_list:
        start = time.perf_counter()
        extract(pages)
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sroie", type=Path)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args()
    settings = get_settings()
    engine = get_engine(settings.ocr_engine, 1)
    data = import_sroie(
        args.sroie, ocr="engine", engine=engine, cache_dir=settings.cache_dir, limit=args.limit
    )
    pages_list = [ex.pages for ex in data]
    trained = receipt_extractor("default")
    trained.extract(pages_list[0])  # load once
    rows = {}
    for name, ext in (("rules", RuleReceiptExtractor()), ("trained+memory", trained)):
        ms = sorted(timed(ext.extract, pages_list))
        rows[name] = {"median_ms": round(statistics.median(ms), 2),
                      "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 2)}  # fmt: skip
    base = rows["rules"]["median_ms"]
    header = f"{'extractor':<16}{'median ms':>10}{'p95 ms':>10}{'× rules':>9}"
    print(f"{header}   ({len(pages_list)} receipts)")
    for name, r in rows.items():
        r["ratio_to_rules"] = round(r["median_ms"] / base, 2)
        print(f"{name:<16}{r['median_ms']:>10.1f}{r['p95_ms']:>10.1f}{r['ratio_to_rules']:>9.2f}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "inference_speed.json").write_text(
        json.dumps({"receipts": len(pages_list), "extractors": rows}, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()
