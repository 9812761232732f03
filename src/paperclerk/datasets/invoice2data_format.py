"""The invoice2data folder layout: compare/NAME.pdf|png beside the expected NAME.json."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class InvoiceSample:
    """One invoice with its expected values."""

    id: str
    path: Path
    expected: dict[str, Any]


def iter_invoice_samples(root: Path) -> list[InvoiceSample]:
    """Return every compare/*.json that has a PDF (preferred) or PNG beside it."""
    folder = root / "compare" if (root / "compare").is_dir() else root
    samples: list[InvoiceSample] = []
    for js in sorted(folder.glob("*.json")):
        doc = next(
            (
                folder / f"{js.stem}{ext}"
                for ext in (".pdf", ".png")
                if (folder / f"{js.stem}{ext}").exists()
            ),
            None,
        )
        if doc is None:
            continue
        data = json.loads(js.read_text(encoding="utf-8"))
        expected = data[0] if isinstance(data, list) and data else data
        samples.append(InvoiceSample(js.stem, doc, expected))
    return samples
