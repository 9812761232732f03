"""The document-type training corpus from the shared data root and the installed packages.

Real documents, each with a stable id that decides its side of the fixed train/validation
split (`datasets.dataset.in_validation`; renderings of one document share the id):
- `sroie/<id>`: SROIE receipts (given OCR boxes);
- `invoice2data/<name>`, `docile/<name>`: invoice2data and DocILE invoices (PDF text layers,
  OCR of the PNG renderings, cached, and text files);
- `einvoices/<name>`: the Factur-X / ZUGFeRD PDFs of `einvoices/facturx_pdf` (German, French
  and English invoices): their text layer, and their first page rasterised and OCR'd (cached);
- `mrz/<folder>/<name>`: passport / ID / visa specimens (OCR, cached) and three real
  non-documents (a payment card and two OCR test sheets) as `other`;
- `other/<source>/…`: real documents of no known type from `datasets.other_docs` (licences,
  manuals, READMEs, data-set cards, tables, pages of the ICAO 9303 specification, some OCR'd).
Payslips, bank statements and utility bills have no real examples yet and come from
`synthetic_docs`, as does part of `other`; `synthetic_invoices` adds invoices in English,
German, French and Dutch. Synthetic documents are always on the training side.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from paperclerk.datasets.dataset import DocTypeExample, in_validation
from paperclerk.datasets.other_docs import has_mrz, icao_pdfs, text_documents
from paperclerk.datasets.pdf_pages import (
    TEXT_LAYER_ONLY,
    cached_ocr_exists,
    page_count,
    read_pdf_page_cached,
)
from paperclerk.datasets.sroie_format import read_box_file
from paperclerk.datasets.synthetic_docs import synthetic_corpus
from paperclerk.datasets.synthetic_invoices import synthetic_invoices
from paperclerk.engines.base import OcrEngine
from paperclerk.engines.registry import get_engine
from paperclerk.ingest import load_path
from paperclerk.model import DocType, Page
from paperclerk.pages.layout import build_page, text_page
from paperclerk.pages.read import read_page
from paperclerk.settings import get_settings

SEED = 20240601
ID_IMAGES = ("fastmrz/data", "passporteye/testdata", "passporteye/tests_data")
OTHER_IMAGES = ("nomrz.jpg", "tesseract-test1.jpg", "tesseract-test2.png")
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}
SYNTHETIC_INVOICES = 40
ICAO_TEXT_EVERY = 3
ICAO_OCR_EVERY = 9
ICAO_SECTION = 10


@dataclass(frozen=True)
class CorpusItem:
    """One training document with its label and where it came from (for the report)."""

    name: str
    source: str
    pages: list[Page]
    label: DocType
    group: str = ""
    doc_id: str = ""

    @property
    def fold_group(self) -> str:
        """Items of one group (a PDF and its PNG rendering) stay in one CV fold."""
        return self.doc_id or self.group or f"{self.source}/{self.name}"

    @property
    def held_back(self) -> bool:
        """Whether this real document is on the validation side (synthetic ones never are)."""
        return bool(self.doc_id) and in_validation(self.doc_id)


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
        items.append(
            CorpusItem(
                box_path.stem, "sroie", [page], DocType.RECEIPT, doc_id=f"sroie/{box_path.stem}"
            )
        )
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
            pages: list[Page] | None = [read_page(raw, TEXT_LAYER_ONLY, {}) for raw in raws]
        else:
            pages = ocr_pages_cached(pdf, cache_dir, engine)
        kind = "docile" if "docile_sample" in pdf.parts else "invoice2data"
        if pages:
            items.append(
                CorpusItem(
                    pdf.stem, "invoice-pdf", pages, DocType.INVOICE, doc_id=f"{kind}/{pdf.stem}"
                )
            )
    for png in sorted((i2d / "compare").glob("*.png")):
        pages = ocr_pages_cached(png, cache_dir, engine)
        if pages:
            doc_id = f"invoice2data/{png.stem}"
            items.append(CorpusItem(png.stem, "invoice-ocr", pages, DocType.INVOICE, doc_id=doc_id))
    texts = sorted((i2d / "custom").glob("*.txt")) + sorted((i2d / "compare").glob("*.txt"))
    for txt in texts:
        page = text_page(txt.read_text(encoding="utf-8", errors="replace"))
        doc_id = f"invoice2data/{txt.parent.name}/{txt.stem}"
        items.append(CorpusItem(txt.stem, "invoice-text", [page], DocType.INVOICE, doc_id=doc_id))
    return items


def einvoice_items(root: Path, cache_dir: Path, engine: OcrEngine | None) -> list[CorpusItem]:
    """Return the Factur-X / ZUGFeRD PDFs as invoices: text layer, and page 1 OCR'd.

    The OCR'd first page (a scanned copy, as the pipeline reads pictures) is cached; with
    `engine=None` only cached ones are used. Both readings share the file's id.
    """
    items: list[CorpusItem] = []
    for pdf in sorted((root / "facturx_pdf").glob("*.pdf")):
        doc_id = f"einvoices/{pdf.stem}"
        raws = load_path(pdf).pages
        if any(raw.has_text_layer for raw in raws):
            pages = [read_page(raw, TEXT_LAYER_ONLY, {}) for raw in raws if raw.has_text_layer]
            items.append(
                CorpusItem(pdf.stem, "einvoice-pdf", pages, DocType.INVOICE, doc_id=doc_id)
            )
        if engine is not None or cached_ocr_exists(pdf, 0, cache_dir):
            page = read_pdf_page_cached(pdf, 0, cache_dir, engine or TEXT_LAYER_ONLY)
            if page is not None and page.lines:
                items.append(
                    CorpusItem(pdf.stem, "einvoice-ocr", [page], DocType.INVOICE, doc_id=doc_id)
                )
    return items


def other_items(shared_data: Path, cache_dir: Path, engine: OcrEngine | None) -> list[CorpusItem]:
    """Return the real documents of no known type (`datasets.other_docs`) as `other`.

    Text sources become one page per chunk; ICAO 9303 pages are read from their text layer
    (every `ICAO_TEXT_EVERY`th page) and OCR'd (every `ICAO_OCR_EVERY`th page, cached; with
    `engine=None` only cached ones). Pages printing an MRZ are left out. ICAO pages are
    grouped in sections of `ICAO_SECTION` pages for the split and the CV folds.
    """
    items = [
        CorpusItem(f"{doc.name}#{n}", doc.source, [page], DocType.OTHER, doc_id=doc.doc_id)
        for doc, n, page in text_documents()
    ]
    for pdf in icao_pdfs(shared_data):
        for index in range(page_count(pdf)):
            if index % ICAO_TEXT_EVERY and index % ICAO_OCR_EVERY:
                continue
            doc_id = f"other/icao/{pdf.stem}/s{index // ICAO_SECTION}"
            text = read_pdf_page_cached(pdf, index, cache_dir, None)
            if text is None or len(text.lines) < 5 or has_mrz(text):
                continue
            name = f"{pdf.stem}#p{index}"
            if index % ICAO_TEXT_EVERY == 0:
                items.append(CorpusItem(name, "icao-text", [text], DocType.OTHER, doc_id=doc_id))
            if index % ICAO_OCR_EVERY == 0 and (engine or cached_ocr_exists(pdf, index, cache_dir)):
                page = read_pdf_page_cached(pdf, index, cache_dir, engine or TEXT_LAYER_ONLY)
                if page is not None and page.lines and not has_mrz(page):
                    items.append(CorpusItem(name, "icao-ocr", [page], DocType.OTHER, doc_id=doc_id))
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
            doc_id = f"mrz/{folder.split('/')[0]}/{image.stem}"
            items.append(CorpusItem(image.stem, "mrz-ocr", pages, label, doc_id=doc_id))
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
    synthetic_invoice_count: int = SYNTHETIC_INVOICES,
    seed: int = SEED,
) -> list[CorpusItem]:
    """Gather the real documents under `shared_data` and beside it, and the synthetic ones.

    OCR runs on one thread (the CPU is shared with the pipeline) and is cached in
    `cache_dir`. With `run_ocr=False` pages whose OCR is not cached yet are left out. A
    source folder that is missing is skipped (`source_counts` of the report shows it).
    """
    cache_dir = cache_dir or default_cache_dir()
    engine = get_engine("rapid", 1) if run_ocr else None
    items = sroie_items(shared_data / "sroie")
    items += invoice_items(shared_data / "invoices", cache_dir, engine)
    items += einvoice_items(shared_data / "einvoices", cache_dir, engine)
    items += mrz_items(shared_data / "mrz", cache_dir, engine)
    items += other_items(shared_data, cache_dir, engine)
    for n, (pages, label, kind) in enumerate(synthetic_corpus(synthetic_per_class, seed)):
        items.append(CorpusItem(f"synthetic-{n:04d}-{kind}", "synthetic", pages, label))
    for n, (pages, lang) in enumerate(synthetic_invoices(synthetic_invoice_count, seed)):
        items.append(
            CorpusItem(f"synthetic-invoice-{n:03d}-{lang}", "synthetic", pages, DocType.INVOICE)
        )
    return items


def build_doctype_corpus(
    shared_data: Path, *, cache_dir: Path | None = None, run_ocr: bool = True
) -> list[DocTypeExample]:
    """Return the training corpus as (pages, doc type) pairs, in a fixed order."""
    corpus = collect_corpus(shared_data, cache_dir=cache_dir, run_ocr=run_ocr)
    return [(item.pages, item.label) for item in corpus]
