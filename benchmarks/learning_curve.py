"""Learning curve: validation micro-F1 when training on 25, 50, 100, 200 and all receipts.

Usage: python benchmarks/learning_curve.py ../shared/data/sroie [--out benchmarks/results]

OCR comes from the paperclerk OCR cache (filled by `paperclerk train receipts`), so the curve
measures learning, not OCR time. The validation split is the fixed one training holds back.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from paperclerk.datasets.dataset import Dataset
from paperclerk.datasets.importers import import_sroie
from paperclerk.engines.registry import get_engine
from paperclerk.learning.receipt_extractor import TrainedReceiptExtractor
from paperclerk.learning.receipt_training import measure, train_receipts
from paperclerk.settings import get_settings

SIZES = (25, 50, 100, 200)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sroie", type=Path)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args()
    settings = get_settings()
    engine = get_engine(settings.ocr_engine, settings.ocr_threads)
    read = import_sroie(args.sroie, ocr="engine", engine=engine, cache_dir=settings.cache_dir)
    given = {ex.id: ex for ex in import_sroie(args.sroie, ocr="given")}
    train_read, valid = read.split()
    rows = []
    for size in [*(s for s in SIZES if s < len(train_read)), len(train_read)]:
        chosen = list(train_read)[:size]
        train = Dataset([*chosen, *(given[ex.id] for ex in chosen if ex.id in given)])
        start = time.perf_counter()
        result = train_receipts(train, None)
        seconds = time.perf_counter() - start
        extractor = TrainedReceiptExtractor(result.model, result.memory)
        m = measure(extractor, list(valid), extractor.thresholds)
        rows.append({"train_receipts": size, "micro_f1": round(m.micro_f1, 4),
                     "fields": {k: round(v, 4) for k, v in m.fields.items()},
                     "automation_rate": round(m.automation_rate, 4),
                     "train_seconds": round(seconds, 1)})  # fmt: skip
        print(f"{size:>5} receipts  micro-F1 {m.micro_f1:.4f}  automation {m.automation_rate:.3f}"
              f"  ({seconds:.0f} s)", flush=True)  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "learning_curve.json").write_text(
        json.dumps({"validation_receipts": len(valid), "rows": rows}, indent=2) + "\n"
    )
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(
        [r["train_receipts"] for r in rows], [r["micro_f1"] for r in rows], "o-", label="micro-F1"
    )
    for name in ("merchant_name", "merchant_address", "total"):
        ax.plot([r["train_receipts"] for r in rows], [r["fields"].get(name, 0) for r in rows],
                ".--", alpha=0.6, label=name)  # fmt: skip
    ax.set_xscale("log")
    ax.set_xticks([r["train_receipts"] for r in rows], [str(r["train_receipts"]) for r in rows])
    ax.minorticks_off()
    ax.set_xlabel("training receipts (each with OCR and box words)")
    ax.set_ylabel(f"validation score ({len(valid)} receipts, end-to-end OCR)")
    ax.set_title("paperclerk receipt model: learning curve")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.out / "learning_curve.png", dpi=120)
    print(f"wrote {args.out / 'learning_curve.json'} and learning_curve.png")


if __name__ == "__main__":
    main()
