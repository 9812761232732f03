"""The SROIE folder layout (img/, box/, key/): samples and ground-truth line boxes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from paperclerk.engines.base import OcrWord
from paperclerk.model import Box
from paperclerk.pages.layout import split_line


@dataclass
class SroieSample:
    """One receipt of a SROIE-layout folder."""

    id: str
    image: Path | None
    box: Path | None
    key: dict[str, Any]


def iter_samples(root: Path, limit: int | None = None) -> Iterator[SroieSample]:
    """Yield the receipts that have a key file, sorted by id."""
    keys = sorted((root / "key").glob("*.json"))
    if limit is not None:
        keys = keys[:limit]
    for key_path in keys:
        sid = key_path.stem
        image = next((p for p in (root / "img").glob(f"{sid}.*")), None)
        box = root / "box" / f"{sid}.txt"
        yield SroieSample(
            sid, image, box if box.exists() else None, json.loads(key_path.read_text())
        )


def read_box_file(path: Path) -> list[OcrWord]:
    """Read SROIE ground-truth line boxes (x1,y1,...,x4,y4,text) as words."""
    words: list[OcrWord] = []
    for n, raw in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines()):
        parts = raw.split(",", 8)
        if len(parts) < 9 or not parts[8].strip():
            continue
        try:
            xy = [float(v) for v in parts[:8]]
        except ValueError:
            continue
        box = Box.around([(xy[i], xy[i + 1]) for i in range(0, 8, 2)])
        words.extend(split_line(parts[8].strip(), box, 1.0, n))
    return words
