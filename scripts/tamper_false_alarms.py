"""How often `tamper.total` flags honest receipts, on the SROIE transcriptions (no OCR).

Reads every receipt of `../shared/data/sroie` from its `box/` words, runs the receipt
extractor and the tamper check, and prints the receipts flagged and how often each witness
was found and agreed with the total.

    .venv/bin/python scripts/tamper_false_alarms.py [ROOT]
"""

from __future__ import annotations

import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

from paperclerk.evaluation.sroie import document_from_boxes, iter_samples
from paperclerk.loyalty.tamper import ROUNDING, tamper_finding, witnesses


def main(root: Path) -> None:
    """Print the flagged receipts and the witness counts."""
    kinds: Counter[tuple[str, bool]] = Counter()
    flagged, receipts, without = [], 0, 0
    for sample in iter_samples(root):
        doc = document_from_boxes(sample)
        receipts += 1
        total = doc.value("total")
        if isinstance(total, Decimal):
            found = witnesses(doc, total)
            without += not found
            for w in found:
                kinds[(w.kind, abs(w.value - total) <= ROUNDING + w.tolerance)] += 1
        result = tamper_finding(doc)
        if not result.passed:
            flagged.append(f"{sample.id} (key total {sample.key.get('total')}): {result.message}")
    print(f"{receipts} receipts, {len(flagged)} flagged, {without} without any witness")
    for (kind, agrees), count in sorted(kinds.items()):
        print(f"  {kind:18} {'agrees' if agrees else 'differs'}: {count}")
    for line in flagged:
        print("  " + line)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/sroie"))
