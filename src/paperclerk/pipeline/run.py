"""The pipeline: ingest → preprocess → ocr → classify → extract → validate → decide."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from paperclerk.engines.base import OcrEngine, OcrWord
from paperclerk.engines.registry import get_engine
from paperclerk.extract.base import FieldExtractor
from paperclerk.ingest import load_bytes
from paperclerk.ingest.types import IngestedFile, RawPage
from paperclerk.model import DocType, Document, Page, Source
from paperclerk.pipeline.classify import classifier_version, classify_pages
from paperclerk.pipeline.decide import calibrated_thresholds, decide
from paperclerk.pipeline.extractors import extractor_for
from paperclerk.pipeline.layout import build_page
from paperclerk.pipeline.policy import DecisionPolicy, packaged_policy
from paperclerk.preprocess import preprocess_page
from paperclerk.rules import run_rules
from paperclerk.settings import get_settings


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = round(timings.get(stage, 0.0) + time.perf_counter() - start, 4)


def read_page(raw: RawPage, engine: OcrEngine, timings: dict[str, float]) -> Page:
    """Turn one raw page into words: its PDF text layer when it has one, else OCR."""
    if raw.has_text_layer:
        h, w = raw.image.shape[:2]
        words = [OcrWord(t.text, t.box, 1.0, -1) for t in raw.text_layer]
        return build_page(raw.index, w, h, _group_text_layer(words), text_source="pdf-text")
    with _timed(timings, "preprocess"):
        pre = preprocess_page(raw.image)
    with _timed(timings, "ocr"):
        words = engine.read(pre.image)
    h, w = pre.image.shape[:2]
    page = build_page(raw.index, w, h, words)
    page.rotation_applied = pre.rotation
    page.skew_corrected = pre.skew
    page.cropped = pre.cropped
    return page


def _group_text_layer(words: list[OcrWord]) -> list[OcrWord]:
    """Give text-layer words line keys by grouping words on the same baseline."""
    out: list[OcrWord] = []
    lines: list[tuple[float, float, int, float]] = []  # (y0, y1, key, last x1)
    for w in sorted(words, key=lambda w: (round(w.box.cy), w.box.x0)):
        key = -1
        for y0, y1, k, last_x1 in lines[-4:]:
            overlap = min(y1, w.box.y1) - max(y0, w.box.y0)
            gap = w.box.x0 - last_x1
            if overlap > 0.5 * min(y1 - y0, w.box.height) and gap < 3 * max(w.box.height, 1):
                key = k
                break
        if key < 0:
            key = len(lines)
            lines.append((w.box.y0, w.box.y1, key, w.box.x1))
        else:
            y0, y1, _, _ = lines[key]
            lines[key] = (y0, y1, key, w.box.x1)
        out.append(OcrWord(w.text, w.box, w.confidence, key))
    return out


def analyse(
    doc: Document,
    timings: dict[str, float],
    extractor: FieldExtractor | None = None,
    policy: DecisionPolicy | None = None,
) -> Document:
    """Classify, extract, validate and decide on a document whose pages hold words.

    `extractor` replaces the default extractor of the document's type (evaluation of a
    stored model uses this); `policy` replaces the packaged decision policy (a workspace's).
    """
    with _timed(timings, "classify"):
        doc_type, conf, _ = classify_pages(doc.pages)
        if doc.doc_type != DocType.OTHER and doc.doc_type_confidence >= 1.0:
            doc_type, conf = doc.doc_type, 1.0  # caller's hint wins
        doc.doc_type, doc.doc_type_confidence = doc_type, conf
        doc.model_versions["classify"] = classifier_version()
    if extractor is None or extractor.doc_type != doc.doc_type:
        extractor = extractor_for(doc.doc_type)
    if extractor is not None:
        with _timed(timings, "extract"):
            result = extractor.extract(doc.pages)
        doc.fields = result.fields
        doc.line_items = result.line_items
        doc.tax_details = result.tax_details
        doc.model_versions["extract"] = extractor.version
    with _timed(timings, "validate"):
        doc.findings = run_rules(doc)
    type_policy = (policy or packaged_policy()).for_type(doc.doc_type)
    doc.decision = decide(
        doc,
        type_policy,
        has_extractor=extractor is not None,
        thresholds=calibrated_thresholds(extractor, type_policy.target_field_error),
    )
    doc.timings = timings
    return doc


def process_ingested(
    ingested: IngestedFile,
    *,
    engine: OcrEngine | None = None,
    filename: str | None = None,
    source: Source = Source.CLI,
    doc_type_hint: DocType | None = None,
    extractor: FieldExtractor | None = None,
    policy: DecisionPolicy | None = None,
) -> Document:
    """Run OCR and analysis on an already ingested file and return the document."""
    engine = engine or get_engine(get_settings().ocr_engine, get_settings().ocr_threads)
    timings: dict[str, float] = {}
    doc = Document(
        sha256=ingested.sha256,
        media_type=ingested.media_type,
        size_bytes=ingested.size_bytes,
        filename=filename,
        source=source,
    )
    doc.pages = [read_page(raw, engine, timings) for raw in ingested.pages]
    if any(p.text_source == "ocr" for p in doc.pages):
        doc.model_versions["ocr"] = engine.version
    if doc_type_hint is not None:
        doc.doc_type, doc.doc_type_confidence = doc_type_hint, 1.0
    return analyse(doc, timings, extractor, policy)


def process_bytes(
    data: bytes,
    *,
    engine: OcrEngine | None = None,
    filename: str | None = None,
    source: Source = Source.CLI,
    doc_type_hint: DocType | None = None,
    extractor: FieldExtractor | None = None,
    policy: DecisionPolicy | None = None,
) -> Document:
    """Process one document given as bytes; bad input raises a typed InputError."""
    timings: dict[str, float] = {}
    with _timed(timings, "ingest"):
        ingested = load_bytes(data)
    doc = process_ingested(
        ingested,
        engine=engine,
        filename=filename,
        source=source,
        doc_type_hint=doc_type_hint,
        extractor=extractor,
        policy=policy,
    )
    doc.timings = {**timings, **doc.timings}
    return doc


def process_path(
    path: Path,
    *,
    engine: OcrEngine | None = None,
    doc_type_hint: DocType | None = None,
    extractor: FieldExtractor | None = None,
    policy: DecisionPolicy | None = None,
) -> Document:
    """Process one file from disk."""
    from paperclerk.ingest import load_path

    timings: dict[str, float] = {}
    with _timed(timings, "ingest"):
        ingested = load_path(path)
    doc = process_ingested(
        ingested,
        engine=engine,
        filename=path.name,
        doc_type_hint=doc_type_hint,
        extractor=extractor,
        policy=policy,
    )
    doc.timings = {**timings, **doc.timings}
    return doc
