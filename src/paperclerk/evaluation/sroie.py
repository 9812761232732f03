"""Evaluation on the SROIE layout (img/, box/, key/): company, address, date, total."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from paperclerk.datasets.sroie_format import SroieSample, iter_samples, read_box_file
from paperclerk.engines.base import OcrEngine
from paperclerk.errors import PaperclerkError
from paperclerk.evaluation.scoring import Scoreboard, normalise_string

__all__ = ["SroieSample", "evaluate_sroie", "iter_samples", "read_box_file"]
from paperclerk.datasets.dataset import in_validation
from paperclerk.datasets.importers import given_ocr_page
from paperclerk.evaluation.parallel import WorkerSetup, process_many
from paperclerk.extract.base import FieldExtractor
from paperclerk.model import DecisionOutcome, DocType, Document
from paperclerk.parsers import parse_amount, parse_date, same_loose_text
from paperclerk.pipeline.policy import packaged_policy
from paperclerk.pipeline.run import analyse, process_path

FIELD_MAP = {
    "company": "merchant_name",
    "address": "merchant_address",
    "date": "transaction_date",
    "total": "total",
}


def document_from_boxes(sample: SroieSample, extractor: FieldExtractor | None = None) -> Document:
    """Build and analyse a document from the ground-truth OCR of a sample."""
    doc = Document(sha256="given-ocr", media_type="text/plain", size_bytes=0, filename=sample.id)
    doc.pages = [given_ocr_page(sample)]
    doc.doc_type, doc.doc_type_confidence = DocType.RECEIPT, 1.0
    return analyse(doc, {}, extractor)


def key_date(text: str) -> dt.date | None:
    """Return the calendar day a key's date names, also when written without separators.

    `20180304` (year first) and `04032018` (day first) are days too; a compact form that is
    no valid day either way gives None.
    """
    day = parse_date(text, dayfirst=True)
    compact = text.strip()
    if day is None and re.fullmatch(r"\d{8}", compact):
        for fmt in ("%Y%m%d", "%d%m%Y"):
            try:
                return dt.datetime.strptime(compact, fmt).date()
            except ValueError:
                continue
    return day


def field_matches(key_name: str, expected: str, predicted: Any, normalised: bool = False) -> bool:
    """Apply the SROIE protocol to one field, strictly or normalised.

    Strict: names and addresses equal after collapsing whitespace (case and punctuation
    count). Normalised: names and addresses equal once case, spaces and punctuation are
    ignored, dates the same calendar day however the key writes it (`20180304` too). Totals
    compare as amounts either way, so a currency prefix (`RM 9.00`) never matters.
    """
    if predicted is None:
        return False
    if key_name in ("company", "address"):
        if normalised:
            return same_loose_text(str(predicted), expected)
        return normalise_string(str(predicted)) == normalise_string(expected)
    if key_name == "date":
        day = key_date(expected) if normalised else parse_date(expected, dayfirst=True)
        return day is not None and str(predicted) == day.isoformat()
    amount = parse_amount(expected)
    try:
        return amount is not None and Decimal(str(predicted)) == amount
    except InvalidOperation:
        return False


def _score(board: Scoreboard, sample: SroieSample, doc: Document | None) -> None:
    """Count the key's fields of one receipt, strictly and normalised, and its decision.

    Automation counts the gating fields of the packaged receipt policy, each compared
    normalised: what an approved receipt hands on must be right for a back office.
    """
    board.docs += 1
    gating = packaged_policy().for_type(DocType.RECEIPT).gating
    outcome = {}
    for key_name, field_name in FIELD_MAP.items():
        expected = sample.key.get(key_name)
        if expected is None or not str(expected).strip():
            continue
        predicted = doc.value(field_name) if doc else None
        correct = field_matches(key_name, str(expected), predicted)
        loose = field_matches(key_name, str(expected), predicted, normalised=True)
        board.add(key_name, expected, predicted, correct, sample.id, loose)
        got = doc.fields.get(field_name) if doc else None
        if field_name in gating:
            outcome[field_name] = (got.confidence if got else 0.0, loose)
    approved = (
        doc is not None
        and doc.decision is not None
        and doc.decision.outcome == DecisionOutcome.AUTO_APPROVED
    )
    board.automation.add(outcome, {}, approved)


def evaluate_sroie(
    root: Path,
    *,
    given_ocr: bool = False,
    limit: int | None = None,
    engine: OcrEngine | None = None,
    on_progress: Callable[[str], None] | None = None,
    extractor: FieldExtractor | None = None,
    validation_only: bool = False,
    workers: int = 1,
    setup: WorkerSetup | None = None,
) -> Scoreboard:
    """Run the pipeline over a SROIE folder and score it (the key's fields only).

    With `validation_only`, only the receipts of the fixed validation split are scored
    (the side of `Dataset.split` that training holds back). With `workers` > 1, receipts are
    read by that many processes (`setup` says what each loads), and seconds per document is
    the wall-clock time divided by the number of receipts.
    """
    board = Scoreboard()
    samples = [
        s
        for s in iter_samples(root, limit)
        if (not validation_only or in_validation(f"sroie/{s.id}"))
        and (s.box if given_ocr else s.image) is not None
    ]
    started = time.perf_counter()
    if workers > 1 and not given_ocr:
        paths = [s.image for s in samples if s.image is not None]
        for sample, result in zip(
            samples,
            process_many(paths, setup or WorkerSetup(), workers, DocType.RECEIPT),
            strict=True,
        ):
            if result.error is not None:
                board.errors.append({"doc": sample.id, **result.error})
            board.seconds.append(result.seconds)
            _score(board, sample, result.document)
            if on_progress:
                on_progress(sample.id)
        board.wall_seconds = time.perf_counter() - started
        return board
    for sample in samples:
        start = time.perf_counter()
        doc: Document | None
        try:
            if given_ocr:
                doc = document_from_boxes(sample, extractor)
            else:
                assert sample.image is not None
                doc = process_path(
                    sample.image, engine=engine, doc_type_hint=DocType.RECEIPT, extractor=extractor
                )
        except PaperclerkError as exc:
            board.errors.append({"doc": sample.id, **exc.to_dict()})
            doc = None
        board.seconds.append(time.perf_counter() - start)
        _score(board, sample, doc)
        if on_progress:
            on_progress(sample.id)
    return board
