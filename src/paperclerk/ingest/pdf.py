"""Render PDF pages to BGR pixels and read their text layer, with pypdfium2.

Every page is rendered at `settings.render_dpi`, lowered for a huge page so it stays under
`settings.max_pixels`, and lowered for every page alike when the pages together would pass
`settings.max_document_pixels`; the sizes come from the page boxes, so the budget is known
before anything is rendered. For born-digital PDFs, its embedded text is returned as words
whose boxes are in the pixels of that rendering, page rotation included, so OCR words and
text-layer words live in the same coordinate system.
"""

from __future__ import annotations

import ctypes
import math
import threading
from typing import Any

import numpy as np
import numpy.typing as npt
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from paperclerk.errors import CorruptInputError, EncryptedInputError, LimitExceededError
from paperclerk.ingest.types import Image, RawPage, TextLayerWord
from paperclerk.model.geometry import Box
from paperclerk.settings import Settings

# PDFium is not thread-safe: every call into it from this process goes through this lock.
PDFIUM_LOCK = threading.Lock()

_MIN_SCALE = 0.05  # never render below ~4 DPI, even for absurd page sizes


def load_pdf(data: bytes, settings: Settings) -> list[RawPage]:
    """Render every page of a PDF and extract its text layer.

    Raises EncryptedInputError for password-protected files, CorruptInputError for
    damaged files or a PDF without pages, LimitExceededError for too many pages.
    """
    with PDFIUM_LOCK:
        doc = _open(data)
        try:
            count = _check_count(doc, settings)
            scales = _page_scales(doc, count, settings)
            pages = []
            for index, scale in enumerate(scales):
                try:
                    pages.append(_load_page(doc, index, scale))
                except pdfium.PdfiumError as exc:
                    raise CorruptInputError(
                        f"Page {index + 1} of the PDF cannot be rendered: {exc}"
                    ) from exc
            return pages
        finally:
            doc.close()


E_INVOICE_ATTACHMENTS = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml")
"""Attachment names (case-insensitive) under which Factur-X / ZUGFeRD PDFs embed their XML."""

_MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


def embedded_e_invoice(data: bytes) -> bytes | None:
    """Return the Factur-X / ZUGFeRD XML a PDF embeds as an attachment, or None.

    Only the attachment names the standards define are read (an invoice PDF may carry
    other attachments); one larger than 20 MB is ignored. The XML is returned unparsed:
    `einvoice.safe_xml` parses it.
    """
    with PDFIUM_LOCK:
        doc = _open(data)
        try:
            for i in range(doc.count_attachments()):
                attachment = doc.get_attachment(i)
                if attachment.get_name().strip().lower() not in E_INVOICE_ATTACHMENTS:
                    continue
                try:
                    content = bytes(attachment.get_data())
                except pdfium.PdfiumError:
                    continue
                if 0 < len(content) <= _MAX_ATTACHMENT_BYTES:
                    return content
            return None
        finally:
            doc.close()


def load_pdf_page(data: bytes, index: int, settings: Settings) -> tuple[int, RawPage | None]:
    """Return a PDF's page count and its page `index` as `load_pdf` renders it.

    Only that page is rendered; None when the PDF has no page `index`.
    """
    with PDFIUM_LOCK:
        doc = _open(data)
        try:
            count = _check_count(doc, settings)
            if not 0 <= index < count:
                return count, None
            scale = _page_scales(doc, count, settings)[index]
            try:
                return count, _load_page(doc, index, scale)
            except pdfium.PdfiumError as exc:
                raise CorruptInputError(
                    f"Page {index + 1} of the PDF cannot be rendered: {exc}"
                ) from exc
        finally:
            doc.close()


def check_pdf(data: bytes, settings: Settings) -> int:
    """Check a PDF without rendering it and return its page count.

    Opens the document structure and looks at every page's size and embedded images: the
    same refusals as `load_pdf` for encryption, damage, too many pages and too many pixels,
    but no page is rendered and no text is read. A page that is damaged inside can still
    pass; `load_pdf` reports it.
    """
    with PDFIUM_LOCK:
        doc = _open(data)
        try:
            count = _check_count(doc, settings)
            _page_scales(doc, count, settings)
            return count
        finally:
            doc.close()


def _page_scales(doc: pdfium.PdfDocument, count: int, settings: Settings) -> list[float]:
    """Check every page without rendering it and return the scale each is rendered at.

    Each page fits `max_pixels`; when all of them together would pass `max_document_pixels`
    every scale is lowered by the same factor. A document that cannot fit even at the
    lowest scale is refused (LimitExceededError).
    """
    sizes: list[tuple[float, float]] = []
    scales: list[float] = []
    for index in range(count):
        try:
            page = doc[index]
            try:
                scales.append(_check_page(page, index, settings))
                sizes.append(page.get_size())
            finally:
                page.close()
        except pdfium.PdfiumError as exc:
            raise CorruptInputError(f"Page {index + 1} of the PDF cannot be read: {exc}") from exc
    budget = settings.max_document_pixels
    total = _pixels(sizes, scales)
    if total > budget:
        shrink = math.sqrt(budget / total) * 0.999
        scales = [max(scale * shrink, _MIN_SCALE) for scale in scales]
        if _pixels(sizes, scales) > budget:
            raise LimitExceededError(
                f"The PDF's {count} pages are too large to render together; at most "
                f"{budget:,} pixels are accepted per document."
            )
    return scales


def _pixels(sizes: list[tuple[float, float]], scales: list[float]) -> int:
    """Return the pixels of pages of these sizes (points) at these scales, as PDFium rounds."""
    pairs = zip(sizes, scales, strict=True)
    return sum(math.ceil(w * s) * math.ceil(h * s) for (w, h), s in pairs)


def _check_count(doc: pdfium.PdfDocument, settings: Settings) -> int:
    count = len(doc)
    if count > settings.max_pages:
        raise LimitExceededError(
            f"The PDF has {count} pages; at most {settings.max_pages} are accepted."
        )
    return count


def _open(data: bytes) -> pdfium.PdfDocument:
    # Open through the raw API: pypdfium2's own constructor reports a stale error code
    # for a PDF that loads but has no pages, which would pass it off as encrypted.
    raw = pdfium_c.FPDF_LoadMemDocument64(data, len(data), None)
    if not raw:
        code = pdfium_c.FPDF_GetLastError()
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise EncryptedInputError("The PDF is password-protected; remove the password first.")
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise EncryptedInputError("The PDF uses an unsupported encryption scheme.")
        raise CorruptInputError("The PDF is damaged or truncated and cannot be opened.")
    # PDFium reads from `data` for the document's whole life; load_pdf keeps it referenced
    # and closes the document before returning.
    doc = pdfium.PdfDocument(raw)
    if len(doc) < 1:
        doc.close()
        raise CorruptInputError("PDF has no pages.")
    return doc


def render_scale(width_pt: float, height_pt: float, dpi: int, max_pixels: int) -> float:
    """Return the pixels-per-point scale for a page: `dpi`/72, lowered to fit `max_pixels`."""
    scale = dpi / 72.0
    area_pt = max(width_pt, 1.0) * max(height_pt, 1.0)
    if area_pt * scale * scale > max_pixels:
        scale = math.sqrt(max_pixels / area_pt) * 0.999
    return max(scale, _MIN_SCALE)


def _load_page(doc: pdfium.PdfDocument, index: int, scale: float) -> RawPage:
    page = doc[index]
    try:
        bitmap = page.render(scale=scale, fill_color=(255, 255, 255, 255))
        try:
            image = _bitmap_to_bgr(bitmap.to_numpy(), bitmap.mode)
        finally:
            bitmap.close()
        words = extract_words(page, image.shape[1], image.shape[0])
        return RawPage(index=index, image=image, text_layer=words)
    finally:
        page.close()


def _check_page(page: pdfium.PdfPage, index: int, settings: Settings) -> float:
    """Refuse a page without size or too large to render; return its render scale."""
    width_pt, height_pt = page.get_size()
    if not (width_pt > 0 and height_pt > 0):
        raise CorruptInputError(f"Page {index + 1} of the PDF has no size.")
    scale = render_scale(width_pt, height_pt, settings.render_dpi, settings.max_pixels)
    if round(width_pt * scale) * round(height_pt * scale) > settings.max_pixels:
        raise LimitExceededError(f"Page {index + 1} of the PDF is too large to render.")
    _check_embedded_images(page, index, settings)
    return scale


def _check_embedded_images(page: pdfium.PdfPage, index: int, settings: Settings) -> None:
    """Refuse a page whose embedded image would decode to more than max_pixels (a bomb)."""
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=4):
        try:
            width, height = obj.get_px_size()
        except pdfium.PdfiumError:
            continue
        if width * height > settings.max_pixels:
            raise LimitExceededError(
                f"Page {index + 1} of the PDF embeds a {width}x{height} image; at most "
                f"{settings.max_pixels:,} pixels are accepted."
            )


def _bitmap_to_bgr(arr: npt.NDArray[Any], mode: str) -> Image:
    if arr.ndim == 2:
        arr = np.repeat(arr[:, :, None], 3, axis=2)
    elif mode.startswith("RGB"):
        arr = arr[:, :, 2::-1]
    else:
        arr = arr[:, :, :3]
    return np.ascontiguousarray(arr, dtype=np.uint8)


def extract_words(page: pdfium.PdfPage, width_px: int, height_px: int) -> list[TextLayerWord]:
    """Return the words of a page's text layer, boxed in the pixels of its rendering.

    Characters are grouped into words at whitespace (including the spaces and line breaks
    PDFium generates) and wherever the next character jumps to another line or leaves a
    gap wider than half its height. Boxes go from PDF points to device pixels through
    PDFium's own page-to-device transform, which handles /Rotate and the media box origin.
    """
    textpage = page.get_textpage()
    try:
        words: list[TextLayerWord] = []
        chars: list[str] = []
        box: list[float] = []  # left, bottom, right, top in PDF points
        for i in range(textpage.count_chars()):
            code = pdfium_c.FPDFText_GetUnicode(textpage.raw, i)
            ch = chr(code) if 0 < code < 0x110000 else ""
            if not ch or ch.isspace() or unicode_is_control(ch):
                _flush(words, chars, box, page, width_px, height_px)
                continue
            try:
                left, bottom, right, top = textpage.get_charbox(i, loose=True)
            except pdfium.PdfiumError:
                continue
            if chars and _starts_new_word(box, (left, bottom, right, top)):
                _flush(words, chars, box, page, width_px, height_px)
            if chars:
                box[:] = [
                    min(box[0], left),
                    min(box[1], bottom),
                    max(box[2], right),
                    max(box[3], top),
                ]
            else:
                box[:] = [left, bottom, right, top]
            chars.append(ch)
        _flush(words, chars, box, page, width_px, height_px)
        return words
    finally:
        textpage.close()


def unicode_is_control(ch: str) -> bool:
    """Whether a character is a control/format code point that never belongs in a word."""
    return ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 or ch in "\ufeff\u200b\ufffe\uffff"


def _starts_new_word(word: list[float], char: tuple[float, float, float, float]) -> bool:
    left, bottom, right, top = char
    height = max(top - bottom, word[3] - word[1], 1e-3)
    centre_y = (bottom + top) / 2
    if not word[1] - 0.2 * height <= centre_y <= word[3] + 0.2 * height:
        return True  # another line (or vertical text)
    gap = left - word[2] if left >= word[0] else word[0] - right
    return gap > 0.5 * height


def _flush(
    words: list[TextLayerWord],
    chars: list[str],
    box: list[float],
    page: pdfium.PdfPage,
    width_px: int,
    height_px: int,
) -> None:
    if not chars:
        return
    corners = [
        _to_device(page, width_px, height_px, x, y) for x, y in ((box[0], box[1]), (box[2], box[3]))
    ]
    xs = [max(0, min(width_px, c[0])) for c in corners]
    ys = [max(0, min(height_px, c[1])) for c in corners]
    words.append(
        TextLayerWord(
            text="".join(chars),
            box=Box(x0=float(min(xs)), y0=float(min(ys)), x1=float(max(xs)), y1=float(max(ys))),
        )
    )
    chars.clear()


def _to_device(
    page: pdfium.PdfPage, width_px: int, height_px: int, x: float, y: float
) -> tuple[int, int]:
    dev_x, dev_y = ctypes.c_int(), ctypes.c_int()
    pdfium_c.FPDF_PageToDevice(page.raw, 0, 0, width_px, height_px, 0, x, y, dev_x, dev_y)
    return dev_x.value, dev_y.value
