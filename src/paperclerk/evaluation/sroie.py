"""Evaluation on the SROIE layout (img/, box/, key/): company, address, date, total."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from paperclerk.engines.base import OcrEngine, OcrWord
from paperclerk.errors import PaperclerkError
from paperclerk.evaluation.scoring import Scoreboard, normalise_string
from paperclerk.model import Box, DocType, Document
from paperclerk.parsers import parse_amount, parse_date
from paperclerk.pipeline.layout import build_page, split_line
from paperclerk.pipeline.run import analyse, process_path

FIELD_MAP = {
    "company": "merchant_name",
    "address": "merchant_address",
    "date": "transaction_date",
    "total": "total",
}


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


def document_from_boxes(sample: SroieSample) -> Document:
    """Build and analyse a document from the ground-truth OCR of a sample."""
    assert sample.box is not None
    words = read_box_file(sample.box)
    width = int(max((w.box.x1 for w in words), default=1))
    height = int(max((w.box.y1 for w in words), default=1))
    doc = Document(sha256="given-ocr", media_type="text/plain", size_bytes=0, filename=sample.id)
    doc.pages = [build_page(0, width, height, words, text_source="given-ocr")]
    doc.doc_type, doc.doc_type_confidence = DocType.RECEIPT, 1.0
    return analyse(doc, {})


def field_matches(key_name: str, expected: str, predicted: Any) -> bool:
    """Apply the SROIE protocol to one field."""
    if predicted is None:
        return False
    if key_name in ("company", "address"):
        return normalise_string(str(predicted)) == normalise_string(expected)
    if key_name == "date":
        day = parse_date(expected, dayfirst=True)
        return day is not None and str(predicted) == day.isoformat()
    amount = parse_amount(expected)
    try:
        return amount is not None and Decimal(str(predicted)) == amount
    except InvalidOperation:
        return False


def evaluate_sroie(
    root: Path,
    *,
    given_ocr: bool = False,
    limit: int | None = None,
    engine: OcrEngine | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> Scoreboard:
    """Run the pipeline over a SROIE folder and score it (the key's fields only)."""
    board = Scoreboard()
    for sample in iter_samples(root, limit):
        start = time.perf_counter()
        try:
            if given_ocr:
                if sample.box is None:
                    continue
                doc = document_from_boxes(sample)
            else:
                if sample.image is None:
                    continue
                doc = process_path(sample.image, engine=engine, doc_type_hint=DocType.RECEIPT)
        except PaperclerkError as exc:
            board.errors.append({"doc": sample.id, **exc.to_dict()})
            doc = None
        board.seconds.append(time.perf_counter() - start)
        board.docs += 1
        for key_name, field_name in FIELD_MAP.items():
            expected = sample.key.get(key_name)
            if expected is None or not str(expected).strip():
                continue
            predicted = doc.value(field_name) if doc else None
            correct = field_matches(key_name, str(expected), predicted)
            board.add(key_name, expected, predicted, correct, sample.id)
        if on_progress:
            on_progress(sample.id)
    return board
