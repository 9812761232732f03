"""The document-type training corpus from the shared data root, and the default model trainer.

Real documents: SROIE receipts (given OCR), invoice2data and DocILE invoices (PDF text layers
and text files), passport / ID / visa specimens (OCR, cached) and three real non-documents
(a payment card and two OCR test sheets) as `other`. Payslips, bank statements, utility bills
and most of `other` have no real examples yet and come from `synthetic_docs` (seed data,
to be replaced by reviewed real documents).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import StratifiedGroupKFold

from paperclerk.engines.base import OcrEngine, OcrWord
from paperclerk.engines.registry import get_engine
from paperclerk.ingest import load_path
from paperclerk.learning.doctype import DocTypeClassifier, Example, examples_hash
from paperclerk.learning.sroie_format import read_box_file
from paperclerk.learning.synthetic_docs import SYNTHETIC_TYPES, synthetic_corpus
from paperclerk.model import Box, DocType, Page
from paperclerk.pipeline.layout import build_page, split_line
from paperclerk.pipeline.run import read_page
from paperclerk.settings import get_settings

SEED = 20240601
ID_IMAGES = ("fastmrz/data", "passporteye/testdata", "passporteye/tests_data")
OTHER_IMAGES = ("nomrz.jpg", "tesseract-test1.jpg", "tesseract-test2.png")
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}


@dataclass(frozen=True)
class CorpusItem:
    """One training document with its label and where it came from (for the report)."""

    name: str
    source: str
    pages: list[Page]
    label: DocType
    group: str = ""

    @property
    def fold_group(self) -> str:
        """Items of one group (a PDF and its PNG rendering) stay in one CV fold."""
        return self.group or f"{self.source}/{self.name}"


def text_page(text: str, index: int = 0) -> Page:
    """Lay out a plain-text document as an A4 page at 200 dpi, one text line per line.

    Columns become x positions (14 px per character), so aligned tables keep their layout.
    """
    words: list[OcrWord] = []
    rows = text.splitlines()
    for n, raw in enumerate(rows):
        stripped = raw.rstrip()
        if not stripped.strip():
            continue
        x0 = 80 + 14 * (len(stripped) - len(stripped.lstrip()))
        box = Box(x0=x0, y0=100 + 30 * n, x1=x0 + 14 * len(stripped.strip()), y1=124 + 30 * n)
        words.extend(split_line(stripped.strip(), box, 1.0, n))
    width = max(1654, int(max((w.box.x1 for w in words), default=0)) + 80)
    height = max(2339, 100 + 30 * len(rows) + 100)
    return build_page(index, width, height, words, text_source="text")


def ocr_pages_cached(path: Path, cache_dir: Path, engine: OcrEngine | None) -> list[Page] | None:
    """Return the pages of an image or PDF as the pipeline reads them, OCR cached on disk.

    The cache file is keyed by the file's sha256 and the engine name, so OCR runs once per
    document. With `engine=None` nothing is read: a missing cache entry gives None.
    """
    data = path.read_bytes()
    target = cache_dir / f"{hashlib.sha256(data).hexdigest()}-rapid.json"
    if target.exists():
        payload = json.loads(target.read_text())
        return [Page.model_validate(p) for p in payload["pages"]]
    if engine is None:
        return None
    pages = [read_page(raw, engine, {}) for raw in load_path(path).pages]
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(
        json.dumps(
            {
                "file": path.name,
                "engine": engine.version,
                "pages": [p.model_dump(mode="json") for p in pages],
            }
        )
    )
    tmp.replace(target)
    return pages


def sroie_items(root: Path) -> list[CorpusItem]:
    """Return every SROIE receipt built from its ground-truth line boxes (no OCR)."""
    items: list[CorpusItem] = []
    for box_path in sorted((root / "box").glob("*.txt")):
        words = read_box_file(box_path)
        if not words:
            continue
        width = int(max(w.box.x1 for w in words))
        height = int(max(w.box.y1 for w in words))
        page = build_page(0, width, height, words, text_source="given-ocr")
        items.append(CorpusItem(box_path.stem, "sroie", [page], DocType.RECEIPT))
    return items


def invoice_items(root: Path, cache_dir: Path, engine: OcrEngine | None) -> list[CorpusItem]:
    """Return the invoice2data PDFs, PNGs and text files and the DocILE sample as invoices.

    PDF pages with a text layer are read directly; PNGs and pages without a text layer
    need OCR (cached; skipped when `engine` is None and the cache lacks them). A PNG
    rendering shares its PDF's fold group so cross-validation never sees a twin.
    """
    items: list[CorpusItem] = []
    i2d = root / "invoice2data"
    pdfs = sorted((i2d / "compare").glob("*.pdf")) + sorted((i2d / "files").glob("*.pdf"))
    pdfs += sorted((root / "docile_sample").rglob("*.pdf"))
    for pdf in pdfs:
        raws = load_path(pdf).pages
        if all(raw.has_text_layer for raw in raws):
            pages: list[Page] | None = [read_page(raw, _no_engine(), {}) for raw in raws]
        else:
            pages = ocr_pages_cached(pdf, cache_dir, engine)
        if pages:
            items.append(CorpusItem(pdf.stem, "invoice-pdf", pages, DocType.INVOICE, pdf.stem))
    for png in sorted((i2d / "compare").glob("*.png")):
        pages = ocr_pages_cached(png, cache_dir, engine)
        if pages:
            items.append(CorpusItem(png.stem, "invoice-ocr", pages, DocType.INVOICE, png.stem))
    texts = sorted((i2d / "custom").glob("*.txt")) + sorted((i2d / "compare").glob("*.txt"))
    for txt in texts:
        page = text_page(txt.read_text(encoding="utf-8", errors="replace"))
        items.append(CorpusItem(txt.stem, "invoice-text", [page], DocType.INVOICE))
    return items


def mrz_items(root: Path, cache_dir: Path, engine: OcrEngine | None) -> list[CorpusItem]:
    """Return the passport / ID / visa specimen photos (and the non-ID images as `other`).

    These need OCR; with `engine=None` only the ones already in the cache are returned.
    """
    items: list[CorpusItem] = []
    for folder in ID_IMAGES:
        if not (root / folder).is_dir():
            continue
        for image in sorted((root / folder).iterdir()):
            if image.suffix.lower() not in IMAGE_SUFFIXES:
                continue
            pages = ocr_pages_cached(image, cache_dir, engine)
            if not pages:
                continue
            label = DocType.OTHER if image.name in OTHER_IMAGES else DocType.IDENTITY_DOCUMENT
            items.append(CorpusItem(image.stem, "mrz-ocr", pages, label))
    return items


def default_cache_dir() -> Path:
    """Return where OCR of the corpus images is cached: `<settings.cache_dir>/doctype`."""
    return get_settings().cache_dir / "doctype"


def collect_corpus(
    shared_data: Path,
    *,
    cache_dir: Path | None = None,
    run_ocr: bool = True,
    synthetic_per_class: int = 60,
    seed: int = SEED,
) -> list[CorpusItem]:
    """Gather the real documents under `shared_data` and the synthetic seed documents.

    OCR runs on one thread (the CPU is shared with the pipeline) and is cached in
    `cache_dir`. With `run_ocr=False` images whose OCR is not cached yet are left out.
    """
    cache_dir = cache_dir or default_cache_dir()
    engine = get_engine("rapid", 1) if run_ocr else None
    items = sroie_items(shared_data / "sroie")
    items += invoice_items(shared_data / "invoices", cache_dir, engine)
    items += mrz_items(shared_data / "mrz", cache_dir, engine)
    for n, (pages, label, kind) in enumerate(synthetic_corpus(synthetic_per_class, seed)):
        items.append(CorpusItem(f"synthetic-{n:04d}-{kind}", "synthetic", pages, label))
    return items


def build_doctype_corpus(
    shared_data: Path, *, cache_dir: Path | None = None, run_ocr: bool = True
) -> list[Example]:
    """Return the training corpus as (pages, doc type) pairs, in a fixed order."""
    corpus = collect_corpus(shared_data, cache_dir=cache_dir, run_ocr=run_ocr)
    return [(item.pages, item.label) for item in corpus]


def cross_validate(
    examples: list[Example],
    groups: list[str] | None = None,
    *,
    n_splits: int = 5,
    seed: int = SEED,
) -> tuple[list[str], list[str]]:
    """Return the true and cross-validated predicted labels (stratified k-fold, fixed seed).

    With `groups`, examples of one group stay in one fold (renderings of one document).
    """
    labels = [label.value for _, label in examples]
    smallest = min(Counter(labels).values())
    k = max(2, min(n_splits, smallest))
    folds = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    group_ids = groups or [str(i) for i in range(len(examples))]
    predicted = [""] * len(examples)
    for train_idx, test_idx in folds.split(np.zeros(len(labels)), labels, group_ids):
        model = DocTypeClassifier()
        model.fit([examples[i] for i in train_idx])
        for i in test_idx:
            predicted[i] = model.predict(examples[i][0])[0].value
    return labels, predicted


def metrics_table(truth: list[str], predicted: list[str]) -> dict[str, dict[str, float]]:
    """Return precision, recall, F1 and support per class, plus the macro average."""
    classes = sorted(set(truth))
    p, r, f, s = precision_recall_fscore_support(
        truth, predicted, labels=classes, zero_division=0.0
    )
    table = {
        c: {
            "precision": round(float(p[i]), 4),
            "recall": round(float(r[i]), 4),
            "f1": round(float(f[i]), 4),
            "support": int(s[i]),
        }
        for i, c in enumerate(classes)
    }
    table["macro"] = {
        "precision": round(float(np.mean(p)), 4),
        "recall": round(float(np.mean(r)), 4),
        "f1": round(float(np.mean(f)), 4),
        "support": len(truth),
    }
    return table


def train_default_doctype(
    shared_data: Path, out: Path, *, cache_dir: Path | None = None, run_ocr: bool = True
) -> dict[str, Any]:
    """Train the default document-type model on the shared corpus and save it to `out`.

    Returns a report: 5-fold stratified cross-validated precision/recall/F1 per class,
    example counts per class and source, the dataset hash, model version, size and the
    inference time per document. Everything is seeded, so reruns give the same model.
    Scores of the synthetic classes are measured on synthetic pages: they show the classes
    are learnable, not how well real payslips or bank statements will be recognised.
    """
    corpus = collect_corpus(shared_data, cache_dir=cache_dir, run_ocr=run_ocr)
    examples = [(item.pages, item.label) for item in corpus]
    truth, predicted = cross_validate(examples, [item.fold_group for item in corpus])
    real = [i for i, item in enumerate(corpus) if item.source != "synthetic"]
    model = DocTypeClassifier()
    model.fit(examples)
    model.save(out)
    start = time.perf_counter()
    for pages, _ in examples:
        model.predict(pages)
    per_doc_ms = (time.perf_counter() - start) * 1000 / len(examples)
    return {
        "model_version": model.version,
        "model_path": str(out),
        "model_bytes": out.stat().st_size,
        "dataset_sha256": examples_hash(examples),
        "counts": dict(sorted(Counter(truth).items())),
        "counts_synthetic": dict(
            sorted(Counter(i.label.value for i in corpus if i.source == "synthetic").items())
        ),
        "counts_by_source": dict(sorted(Counter(item.source for item in corpus).items())),
        "synthetic_classes": sorted(t.value for t in SYNTHETIC_TYPES),
        "cross_validation_folds": 5,
        "cross_validation": metrics_table(truth, predicted),
        "accuracy": round(
            float(np.mean([t == p for t, p in zip(truth, predicted, strict=True)])), 4
        ),
        "accuracy_real_documents": round(
            float(np.mean([truth[i] == predicted[i] for i in real])), 4
        ),
        "errors": [
            {"name": corpus[i].name, "true": truth[i], "predicted": predicted[i]}
            for i in range(len(corpus))
            if truth[i] != predicted[i]
        ],
        "inference_ms_per_document": round(per_doc_ms, 3),
    }


class _NoEngine:
    """Stands in for an OCR engine where every page has a text layer (never called)."""

    name = "none"
    version = "none"

    def read(self, image: Any) -> list[OcrWord]:
        """Refuse: a page reached OCR although it was expected to carry a text layer."""
        raise RuntimeError("OCR was not expected for a page with a text layer")


def _no_engine() -> OcrEngine:
    return _NoEngine()
