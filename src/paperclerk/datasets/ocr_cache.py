"""OCR results of training documents, cached by content so retraining never re-reads pixels."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from paperclerk.engines.base import OcrEngine
from paperclerk.ingest import load_bytes
from paperclerk.model import Page
from paperclerk.pages.read import read_page

# Bump when preprocessing or layout changes what a page looks like after OCR.
PIPELINE_VERSION = "pages-3"
# Bump when the lines built from a PDF's text layer change (PDFs only: scans keep their cache).
TEXT_LAYER_VERSION = "text-3"


def cache_key(data: bytes, engine_version: str) -> str:
    """Return the cache key of a file read by one engine version."""
    digest = hashlib.sha256(data)
    digest.update(f"|{engine_version}|{PIPELINE_VERSION}".encode())
    if data.startswith(b"%PDF"):
        digest.update(f"|{TEXT_LAYER_VERSION}".encode())
    return digest.hexdigest()


def read_pages_cached(path: Path, engine: OcrEngine, cache_dir: Path) -> list[Page]:
    """Return the pages of a file as the pipeline reads them, from the cache when present."""
    data = path.read_bytes()
    target = cache_dir / "ocr" / f"{cache_key(data, engine.version)}.json"
    if target.exists():
        return [Page.model_validate(p) for p in json.loads(target.read_text())]
    pages = [read_page(raw, engine, {}) for raw in load_bytes(data).pages]
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps([p.model_dump(mode="json") for p in pages]))
    tmp.replace(target)
    return pages
