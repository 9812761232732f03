"""Evaluation on the SROIE layout (img/, box/, key/): company, address, date, total."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from paperclerk.engines.base import OcrEngine
from paperclerk.errors import PaperclerkError
from paperclerk.evaluation.scoring import Scoreboard, normalise_string
from paperclerk.learning.sroie_format import SroieSample, iter_samples, read_box_file

__all__ = ["SroieSample", "evaluate_sroie", "iter_samples", "read_box_file"]
from paperclerk.extract.base import FieldExtractor
from paperclerk.learning.dataset import in_validation
from paperclerk.model import DecisionOutcome, DocType, Document
from paperclerk.parsers import parse_amount, parse_date
from paperclerk.pipeline.layout import build_page
from paperclerk.pipeline.run import analyse, process_path

FIELD_MAP = {
    "company": "merchant_name",
    "address": "merchant_address",
    "date": "transaction_date",
    "total": "total",
}


def document_from_boxes(sample: SroieSample, extractor: FieldExtractor | None = None) -> Document:
    """Build and analyse a document from the ground-truth OCR of a sample."""
    assert sample.box is not None
    words = read_box_file(sample.box)
    width = int(max((w.box.x1 for w in words), default=1))
    height = int(max((w.box.y1 for w in words), default=1))
    doc = Document(sha256="given-ocr", media_type="text/plain", size_bytes=0, filename=sample.id)
    doc.pages = [build_page(0, width, height, words, text_source="given-ocr")]
    doc.doc_type, doc.doc_type_confidence = DocType.RECEIPT, 1.0
    return analyse(doc, {}, extractor)


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
    extractor: FieldExtractor | None = None,
    validation_only: bool = False,
) -> Scoreboard:
    """Run the pipeline over a SROIE folder and score it (the key's fields only).

    With `validation_only`, only the receipts of the fixed validation split are scored
    (the side of `Dataset.split` that training holds back).
    """
    board = Scoreboard()
    for sample in iter_samples(root, limit):
        if validation_only and not in_validation(f"sroie/{sample.id}"):
            continue
        start = time.perf_counter()
        try:
            if given_ocr:
                if sample.box is None:
                    continue
                doc = document_from_boxes(sample, extractor)
            else:
                if sample.image is None:
                    continue
                doc = process_path(
                    sample.image, engine=engine, doc_type_hint=DocType.RECEIPT, extractor=extractor
                )
        except PaperclerkError as exc:
            board.errors.append({"doc": sample.id, **exc.to_dict()})
            doc = None
        board.seconds.append(time.perf_counter() - start)
        board.docs += 1
        outcome = {}
        for key_name, field_name in FIELD_MAP.items():
            expected = sample.key.get(key_name)
            if expected is None or not str(expected).strip():
                continue
            predicted = doc.value(field_name) if doc else None
            correct = field_matches(key_name, str(expected), predicted)
            board.add(key_name, expected, predicted, correct, sample.id)
            got = doc.fields.get(field_name) if doc else None
            outcome[field_name] = (got.confidence if got else 0.0, correct)
        approved = (
            doc is not None
            and doc.decision is not None
            and doc.decision.outcome == DecisionOutcome.AUTO_APPROVED
        )
        board.automation.add(outcome, {}, approved)
        if on_progress:
            on_progress(sample.id)
    return board
