"""Single pages of PDFs for training: cut out, read by text layer or rasterised and OCR'd.

A long PDF (a 78-page specification) should not be rendered whole to use a few pages, so a
page is first copied into a one-page PDF in memory; that goes through the pipeline's own
ingest (`load_bytes`) and page reader (`read_page`), so the words are what the pipeline
would see. Results are cached on disk by the file's sha256, page number and reading mode.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pypdfium2 as pdfium

from paperclerk.engines.base import OcrEngine, OcrWord
from paperclerk.ingest import load_bytes
from paperclerk.ingest.types import Image, RawPage
from paperclerk.model import Page
from paperclerk.pages.read import read_page


def page_count(path: Path) -> int:
    """Return the number of pages of a PDF."""
    doc = pdfium.PdfDocument(path.read_bytes())
    try:
        return len(doc)
    finally:
        doc.close()


def single_page_pdf(path: Path, index: int) -> bytes:
    """Return page `index` of a PDF as a PDF file of its own (text layer kept)."""
    src = pdfium.PdfDocument(path.read_bytes())
    out = pdfium.PdfDocument.new()
    try:
        out.import_pages(src, [index])
        buffer = io.BytesIO()
        out.save(buffer)
        return buffer.getvalue()
    finally:
        out.close()
        src.close()


def read_pdf_page_cached(
    path: Path, index: int, cache_dir: Path, engine: OcrEngine | None
) -> Page | None:
    """Return page `index` of a PDF as words, cached.

    With `engine` the page is rasterised and OCR'd even when it has a text layer (the
    OCR path of a scanned copy); with `engine=None` its text layer is read, and a page
    without one gives None. A missing OCR cache entry with no engine cannot happen: OCR
    is requested by passing an engine.
    """
    target = _cache_path(path, index, cache_dir, ocr=engine is not None)
    if target.exists():
        payload = json.loads(target.read_text())
        return Page.model_validate(payload["page"]) if payload["page"] else None
    raw = load_bytes(single_page_pdf(path, index)).pages[0]
    page: Page | None
    if engine is not None:
        page = read_page(RawPage(index, raw.image), engine, {})
    elif raw.has_text_layer:
        page = read_page(raw, TEXT_LAYER_ONLY, {})
    else:
        page = None
    if page is not None:
        page = page.model_copy(update={"index": 0})
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    dumped = page.model_dump(mode="json") if page else None
    body = {"file": path.name, "index": index, "page": dumped}
    tmp.write_text(json.dumps(body))
    tmp.replace(target)
    return page


def cached_ocr_exists(path: Path, index: int, cache_dir: Path) -> bool:
    """Whether the OCR of page `index` of `path` is already in the cache."""
    return _cache_path(path, index, cache_dir, ocr=True).exists()


def _cache_path(path: Path, index: int, cache_dir: Path, *, ocr: bool) -> Path:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return cache_dir / f"{digest}-p{index}-{'rapid' if ocr else 'text'}.json"


class TextLayerOnly:
    """Stands in for an OCR engine where every page has a text layer (never called)."""

    name = "none"
    version = "none"

    def read(self, image: Image) -> list[OcrWord]:
        """Refuse: this page was expected to be read from its text layer."""
        raise RuntimeError("OCR was not expected for a page with a text layer")


TEXT_LAYER_ONLY = TextLayerOnly()
