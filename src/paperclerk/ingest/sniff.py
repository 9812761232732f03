"""Tell the media type of an input from its leading bytes, never from its name.

File names and declared content types lie (a `.pdf` that is a DOCX, a `.jpg` that is a
HEIC from a phone); the magic bytes do not. Only the five types the pipeline can decode
are accepted, plus e-invoice XML (UBL, CII, ZUGFeRD 1.0, told by its root namespace; any
DOCTYPE or entity declaration is refused as `unsafe_xml`); for everything else the error
says what the bytes look like, so a user knows what to convert.
"""

from __future__ import annotations

import re

from paperclerk.errors import EmptyInputError, UnsafeXmlError, UnsupportedMediaTypeError

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
TIFF = "image/tiff"
WEBP = "image/webp"
XML = "application/xml"
"""A structured e-invoice (UBL 2.1 Invoice/CreditNote, CII, ZUGFeRD 1.0): read, not OCRed."""

SUPPORTED_MEDIA_TYPES: tuple[str, ...] = (PDF, JPEG, PNG, TIFF, WEBP, XML)

E_INVOICE_NAMESPACES: tuple[bytes, ...] = (
    b"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    b"urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    b"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    b"urn:ferd:CrossIndustryDocument:invoice:1p0",
)
"""Root namespaces of the e-invoice syntaxes accepted as XML input."""

_XML_SEARCH_WINDOW = 65536
_XML_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)

_PDF_SEARCH_WINDOW = 1024

# (prefix, description) of formats we recognise but do not accept.
_KNOWN_PREFIXES: tuple[tuple[bytes, str], ...] = (
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Microsoft Office file (DOC/XLS/MSG)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x00\x00\x00\x0cjP  ", "a JPEG 2000 image"),
    (b"\xff\x4f\xff\x51", "a JPEG 2000 codestream"),
    (b"%!PS", "a PostScript file"),
    (b"{\\rtf", "an RTF document"),
    (b"MZ", "a Windows executable"),
    (b"\x7fELF", "an ELF executable"),
    (b"8BPS", "a Photoshop PSD file"),
    (b"II*\x00\x10\x00\x00\x00CR", "a Canon RAW photo"),
)

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


def sniff_media_type(data: bytes) -> str:
    """Return the media type of `data`, or raise a typed error saying why it is refused.

    Raises EmptyInputError for zero bytes or only whitespace, UnsafeXmlError for XML that
    declares a DOCTYPE or entities, and UnsupportedMediaTypeError (naming the format when
    it is recognisable) for anything that is not PDF, JPEG, PNG, TIFF, WebP or e-invoice XML.
    """
    if _is_blank(data):
        raise EmptyInputError("The input is empty (no bytes, or only whitespace).")
    # Image signatures sit at offset 0; test them first so an image whose metadata happens
    # to contain "%PDF-" is still an image.
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data[:4] in (b"II*\x00", b"MM\x00*") and not data.startswith(b"II*\x00\x10\x00\x00\x00CR"):
        return TIFF
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if b"%PDF-" in data[:_PDF_SEARCH_WINDOW]:
        return PDF
    what = describe_unsupported(data)
    if what == "an XML document":
        if _XML_DECLARATION.search(data):
            raise UnsafeXmlError(
                "The XML declares a DOCTYPE or entities, which e-invoices never need; refused."
            )
        if is_e_invoice_xml(data):
            return XML
        what = "an XML document that is not a UBL or CII e-invoice"
    accepted = "PDF, JPEG, PNG, TIFF, WebP or an e-invoice XML (UBL, CII)"
    if what:
        raise UnsupportedMediaTypeError(
            f"Unsupported file type: this looks like {what}; expected {accepted}."
        )
    raise UnsupportedMediaTypeError(
        f"Unsupported file type: the bytes match no known format; expected {accepted}."
    )


def is_e_invoice_xml(data: bytes) -> bool:
    """Whether XML bytes name a UBL Invoice/CreditNote, CII or ZUGFeRD 1.0 namespace early on.

    A cheap look at the first 64 KB; `einvoice.detect` decides from the parsed root.
    """
    window = data[:_XML_SEARCH_WINDOW]
    if window.startswith((b"\xff\xfe", b"\xfe\xff")):
        window = window.decode("utf-16", errors="ignore").encode("utf-8")
    return any(ns in window for ns in E_INVOICE_NAMESPACES)


def describe_unsupported(data: bytes) -> str | None:
    """Name the format of bytes we refuse (e.g. 'a ZIP archive'), or None when unknown."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _describe_zip(data)
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in _HEIF_BRANDS:
            return "a HEIC/HEIF photo (convert it to JPEG)"
        if brand in (b"avif", b"avis"):
            return "an AVIF image"
        return "an MP4/QuickTime media file"
    if data[:4] == b"RIFF":
        return "a RIFF media file (AVI/WAV)"
    for prefix, what in _KNOWN_PREFIXES:
        if data.startswith(prefix):
            return what
    return _describe_text(data)


def _is_blank(data: bytes) -> bool:
    # Look at a small window first so a large file is not copied just to test for blanks.
    return not data or (not data[:4096].strip() and not data.strip())


def _describe_zip(data: bytes) -> str:
    window = data[:65536]
    if b"word/" in window:
        return "a Word document (DOCX, a ZIP archive)"
    if b"xl/" in window:
        return "an Excel workbook (XLSX, a ZIP archive)"
    if b"ppt/" in window:
        return "a PowerPoint file (PPTX, a ZIP archive)"
    if b"mimetypeapplication/vnd.oasis.opendocument" in window:
        return "an OpenDocument file (a ZIP archive)"
    return "a ZIP archive"


def _describe_text(data: bytes) -> str | None:
    sample = data[:4096]
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the window is still text.
        if exc.start < len(sample) - 4:
            return None
        text = sample[: exc.start].decode("utf-8")
    stripped = text.lstrip("\ufeff \t\r\n").lower()
    if stripped.startswith(("<!doctype html", "<html")):
        return "an HTML page"
    if stripped.startswith("<svg") or (stripped.startswith("<?xml") and "<svg" in stripped):
        return "an SVG image"
    if stripped.startswith("<?xml") or stripped.startswith("<"):
        return "an XML document"
    printable = sum(ch.isprintable() or ch in "\t\r\n" for ch in text)
    if text and printable / len(text) > 0.95:
        return "plain text"
    return None
