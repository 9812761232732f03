"""A batch PDF's input and output for splitting: its pages read into words, its parts cut.

`read_pages` reads each page from its text layer, and only when a page has none loads an
OCR engine (a born-digital batch never pays for loading models). `write_parts` cuts the
batch into one PDF per page range with pypdfium2: the pages are imported from the original
bytes (their text layer, images and fonts kept, no re-rendering), so a part is as good as
the batch it came from. Ranges must cover distinct, existing pages; anything else is refused
with a typed InputError rather than writing a part that silently misses a page.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable

import pypdfium2 as pdfium

from paperclerk.engines.base import OcrEngine, OcrWord
from paperclerk.errors import InputError
from paperclerk.ingest.pdf import PDFIUM_LOCK
from paperclerk.ingest.types import Image, IngestedFile
from paperclerk.model import Page
from paperclerk.pages.display import PageImageSink
from paperclerk.pages.read import read_page
from paperclerk.pipeline.split import PageRange


def read_pages(
    ingested: IngestedFile,
    engine: Callable[[], OcrEngine],
    on_page: Callable[[Page], None] | None = None,
    keep_image: PageImageSink | None = None,
) -> list[Page]:
    """Read every page of an ingested file into words, calling `on_page` after each.

    A page with a text layer is read from it; `engine` is called (once) at the first page
    without one, so its models load only when a page needs OCR. `keep_image` keeps each
    page as displayed (see `read_page`), for pages the review screen will show.
    """
    ocr: OcrEngine | None = None
    pages: list[Page] = []
    for raw in ingested.pages:
        if ocr is None and not raw.has_text_layer:
            ocr = engine()
        page = read_page(raw, ocr or _TEXT_LAYER_ONLY, {}, keep_image)
        pages.append(page)
        if on_page is not None:
            on_page(page)
    return pages


class _TextLayerOnly:
    """The engine handed to `read_page` for text-layer pages, which it never OCRs."""

    name = "text-layer"
    version = "text-layer"

    def read(self, image: Image) -> list[OcrWord]:
        """Refuse: a page without a text layer is given a real engine by `read_pages`."""
        raise AssertionError("a page without a text layer needs an OCR engine")


_TEXT_LAYER_ONLY: OcrEngine = _TextLayerOnly()


def pdf_page_count(data: bytes) -> int:
    """Return the page count of a PDF given as bytes (CorruptInputError-free: use after ingest)."""
    with PDFIUM_LOCK:
        doc = pdfium.PdfDocument(data)
        try:
            return len(doc)
        finally:
            doc.close()


def write_parts(data: bytes, ranges: list[PageRange]) -> list[bytes]:
    """Return one PDF (bytes) per range, holding exactly that range's pages of `data`.

    Raises InputError when a range is empty, overlaps another or passes the last page.
    """
    with PDFIUM_LOCK:
        src = pdfium.PdfDocument(data)
        try:
            _check_ranges(ranges, len(src))
            parts: list[bytes] = []
            for r in ranges:
                part = pdfium.PdfDocument.new()
                try:
                    part.import_pages(src, pages=r.pages)
                    buf = io.BytesIO()
                    part.save(buf)
                finally:
                    part.close()
                parts.append(_stable_id(buf.getvalue(), data, r))
            return parts
        finally:
            src.close()


_TRAILER_ID = re.compile(rb"/ID\s*\[\s*<[0-9A-Fa-f]{32}>\s*<[0-9A-Fa-f]{32}>\s*\]")


def _stable_id(part: bytes, data: bytes, r: PageRange) -> bytes:
    """Replace the random file id PDFium writes with one made of the batch and the range.

    Cutting the same batch again then gives the same bytes, so a part's hash (its blob, an
    idempotent retry) does not change between runs. The id keeps its length, so no offset
    moves.
    """
    found = list(_TRAILER_ID.finditer(part))
    if not found:
        return part
    digest = hashlib.sha256(data + f"{r.start}-{r.end}".encode()).hexdigest()[:32].upper()
    new_id = b"/ID[<%s><%s>]" % (digest.encode(), digest.encode())
    last = found[-1]
    if len(new_id) != last.end() - last.start():
        new_id = new_id.ljust(last.end() - last.start())
    return part[: last.start()] + new_id + part[last.end() :]


def _check_ranges(ranges: list[PageRange], count: int) -> None:
    seen: set[int] = set()
    for r in ranges:
        if r.end <= r.start or r.start < 0 or r.end > count:
            raise InputError(f"Page range {r.label} does not fit a PDF of {count} pages.")
        if seen & set(r.pages):
            raise InputError(f"Page range {r.label} overlaps another range.")
        seen |= set(r.pages)


__all__ = ["pdf_page_count", "read_pages", "write_parts"]
