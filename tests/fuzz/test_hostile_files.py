"""Issue 15 (fuzzing in CI): hostile files are refused cleanly, or processed, never a crash.

Every file is built here, in a few hundred bytes: decompression bombs (PNG, TIFF, WebP,
PDF), a PDF with JavaScript in an OpenAction, absurd or broken PDFs, XML with external
entities and a billion laughs (the service accepts e-invoice XML only, and refuses any
DOCTYPE or entity declaration up front: `unsafe_xml`),
polyglots, a misleading name, an empty file and a one-pixel image. Each goes through
`check_bytes` (the API's cheap check), `load_bytes` (the worker's decoding) and
`POST /v1/documents`: the outcome is a typed InputError / a typed 4xx, or a clean
result, within a time bound. Files the API accepts are then run by the worker, which must
end them done or failed with a typed input error.
"""

from __future__ import annotations

import io
import struct
import threading
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import pytest
from PIL import Image
from sqlalchemy import select

from paperclerk.errors import (
    CorruptInputError,
    EmptyInputError,
    InputError,
    LimitExceededError,
    UnsafeXmlError,
    UnsupportedMediaTypeError,
)
from paperclerk.ingest import check_bytes, load_bytes
from paperclerk.settings import Settings
from paperclerk.storage.db import make_engine, make_session_factory
from paperclerk.storage.tables import DocumentRow
from tests.fixtures.make_fixtures import build_pdf, text_pdf_bytes
from tests.service.test_api import Api

T = TypeVar("T")
SETTINGS = Settings()
BOUND_S = 5.0
INPUT_CODES = {
    cls.code
    for cls in (InputError, EmptyInputError, UnsupportedMediaTypeError, CorruptInputError,
                LimitExceededError, UnsafeXmlError)
} | {"encrypted_input"}  # fmt: skip


def bounded(fn: Callable[[], T], seconds: float = BOUND_S) -> T:
    """Run `fn` in a thread; fail (not hang) when it takes longer than `seconds`."""
    out: list[T] = []
    err: list[BaseException] = []

    def run() -> None:
        try:
            out.append(fn())
        except BaseException as exc:
            err.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    start = time.perf_counter()
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    assert time.perf_counter() - start < seconds
    if err:
        raise err[0]
    return out[0]


# ------------------------------------------------------------------------ builders


def _chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def _png(width: int, height: int, idat: bytes) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )  # fmt: skip


def png_huge_dimensions() -> bytes:
    return _png(100_000, 100_000, zlib.compress(b"\x00" * 1024))


def png_deflate_bomb() -> bytes:
    """A 64x64 PNG whose pixel stream inflates to 16 MB (far more than the image needs)."""
    return _png(64, 64, zlib.compress(b"\x00" * (16 * 1024 * 1024), 9))


def png_bomb_under_the_pillow_limit() -> bytes:
    """20000 x 20000 declared (400 M pixels): only the configured limit stops it."""
    return _png(20_000, 20_000, zlib.compress(b"\x00" * 20_001 * 4, 9))


def _tiff(entries: list[tuple[int, int, int, int]], next_ifd: int = 0) -> bytes:
    """A little-endian TIFF with one IFD at offset 8: (tag, type, count, value) entries."""
    ifd = struct.pack("<H", len(entries))
    for tag, typ, count, value in entries:
        ifd += struct.pack("<HHII", tag, typ, count, value)
    ifd += struct.pack("<I", next_ifd)
    return b"II*\x00" + struct.pack("<I", 8) + ifd + b"\x00" * 64


def tiff_huge_size() -> bytes:
    return _tiff([(256, 4, 1, 100_000), (257, 4, 1, 100_000), (258, 3, 1, 8),
                  (259, 3, 1, 1), (262, 3, 1, 1), (273, 4, 1, 8), (277, 3, 1, 1),
                  (278, 4, 1, 100_000), (279, 4, 1, 64)])  # fmt: skip


def tiff_looping_pages() -> bytes:
    """A TIFF whose first page's 'next page' pointer points back at itself."""
    return _tiff([(256, 4, 1, 8), (257, 4, 1, 8), (258, 3, 1, 8), (259, 3, 1, 1),
                  (262, 3, 1, 1), (273, 4, 1, 200), (277, 3, 1, 1), (278, 4, 1, 8),
                  (279, 4, 1, 64)], next_ifd=8)  # fmt: skip


def tiff_many_pages(count: int = 60) -> bytes:
    frames = [Image.new("L", (2, 2), 255) for _ in range(count)]
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:])
    return buf.getvalue()


def webp_huge_canvas() -> bytes:
    """A WebP (VP8X) declaring a 16384 x 16384 canvas and no image data."""
    vp8x = b"\x00\x00\x00\x00" + (16383).to_bytes(3, "little") * 2
    body = b"WEBP" + b"VP8X" + struct.pack("<I", len(vp8x)) + vp8x
    return b"RIFF" + struct.pack("<I", len(body)) + body


_PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"


def _one_page_pdf(catalog_extra: bytes = b"", page_extra: bytes = b"",
                  media_box: bytes = b"[0 0 200 200]", content: bytes = b"") -> bytes:  # fmt: skip
    stream = f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream"
    return build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
            _PAGES,
            b"<< /Type /Page /Parent 2 0 R /MediaBox " + media_box
            + b" /Contents 4 0 R " + page_extra + b">>",
            stream,
        ]
    )  # fmt: skip


def pdf_javascript_open_action() -> bytes:
    js = b"<< /S /JavaScript /JS (app.alert('pwned'); this.submitForm('http://x.invalid');) >>"
    return _one_page_pdf(
        catalog_extra=b"/OpenAction " + js + b" /Names << /JavaScript << /Names "
        b"[(a) " + js + b"] >> >> /AA << /WC " + js + b" >> ",
        page_extra=b"/AA << /O " + js + b" >> ",
    )


def pdf_launch_action() -> bytes:
    return _one_page_pdf(catalog_extra=b"/OpenAction << /S /Launch /F (/bin/sh) >> ")


def pdf_enormous_media_box() -> bytes:
    return _one_page_pdf(media_box=b"[0 0 1e12 1e12]")


def pdf_user_unit_media_box() -> bytes:
    return _one_page_pdf(media_box=b"[0 0 14400 14400]", page_extra=b"/UserUnit 75000 ")


def pdf_inverted_media_box() -> bytes:
    return _one_page_pdf(media_box=b"[200 200 0 0]")


def pdf_empty_media_box() -> bytes:
    return _one_page_pdf(media_box=b"[0 0 0 0]")


def pdf_claims_a_million_pages() -> bytes:
    pdf = _one_page_pdf()
    return pdf.replace(b"/Count 1 ", b"/Count 1000000 ")


def pdf_circular_page_tree() -> bytes:
    return build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
            b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>",
        ]
    )


def pdf_deep_graphics_nesting() -> bytes:
    return _one_page_pdf(content=b"q " * 10_000 + b"0 0 m 10 10 l S " + b"Q " * 10_000)


def pdf_truncated() -> bytes:
    data = text_pdf_bytes()
    return data[: len(data) // 2]


def pdf_garbage_xref() -> bytes:
    data = bytearray(text_pdf_bytes())
    at = data.rfind(b"xref")
    data[at : at + 60] = b"\x00\xff" * 30
    return bytes(data)


def pdf_header_only() -> bytes:
    return b"%PDF-1.7\n%%EOF\n"


def xml_external_entity() -> bytes:
    return (
        b'<?xml version="1.0"?>\n<!DOCTYPE inv [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        b"<Invoice><Note>&xxe;</Note></Invoice>\n"
    )


def xml_billion_laughs() -> bytes:
    lines = [b'<?xml version="1.0"?>', b"<!DOCTYPE lolz [", b' <!ENTITY lol "lol">']
    for i in range(1, 10):
        prev = b"&lol%d;" % (i - 1) if i > 1 else b"&lol;"
        lines.append(b' <!ENTITY lol%d "%s">' % (i, prev * 10))
    lines += [b"]>", b"<Invoice>&lol9;</Invoice>"]
    return b"\n".join(lines)


def polyglot_pdf_zip() -> bytes:
    """A PDF with a ZIP archive appended: a valid PDF, and a ZIP to unzip tools."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("payload.html", "<script>alert(1)</script>")
    return text_pdf_bytes() + buf.getvalue()


def polyglot_zip_pdf() -> bytes:
    """A ZIP archive whose first member holds a PDF header within the first kilobyte."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("a.pdf", text_pdf_bytes())
    return buf.getvalue()


def polyglot_html_pdf() -> bytes:
    return b"<html><script>alert(1)</script><!--\n" + text_pdf_bytes() + b"\n--></html>"


def polyglot_jpeg_pdf() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + (
        text_pdf_bytes()
    )


def one_pixel_png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (1, 1), "white").save(buf, "PNG")
    return buf.getvalue()


def one_pixel_jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("L", (1, 1), 0).save(buf, "JPEG")
    return buf.getvalue()


# -------------------------------------------------------------------- the corpus

REFUSED = "refused"  # a typed InputError from check and load, a typed 4xx from the API
ACCEPTED = "accepted"  # checked and decoded, or refused: either cleanly
LATER = "later"  # passes the cheap check (headers only), refused when decoded


@dataclass(frozen=True)
class Hostile:
    build: Callable[[], bytes]
    outcome: str
    error: type[InputError] | None = None
    filename: str = "upload.bin"
    content_type: str = "application/octet-stream"


CORPUS: dict[str, Hostile] = {
    "empty": Hostile(lambda: b"", REFUSED, EmptyInputError),
    "png-huge-dimensions": Hostile(png_huge_dimensions, REFUSED, LimitExceededError),
    "png-over-configured-limit": Hostile(
        png_bomb_under_the_pillow_limit, REFUSED, LimitExceededError
    ),
    "png-deflate-bomb": Hostile(png_deflate_bomb, ACCEPTED),
    "tiff-huge-size": Hostile(tiff_huge_size, REFUSED, LimitExceededError),
    "tiff-looping-pages": Hostile(tiff_looping_pages, ACCEPTED),
    "tiff-60-pages": Hostile(tiff_many_pages, REFUSED, LimitExceededError),
    "webp-huge-canvas": Hostile(webp_huge_canvas, REFUSED, LimitExceededError),
    "pdf-javascript": Hostile(pdf_javascript_open_action, ACCEPTED),
    "pdf-launch-action": Hostile(pdf_launch_action, ACCEPTED),
    "pdf-enormous-mediabox": Hostile(pdf_enormous_media_box, ACCEPTED),
    "pdf-userunit-mediabox": Hostile(pdf_user_unit_media_box, ACCEPTED),
    "pdf-inverted-mediabox": Hostile(pdf_inverted_media_box, ACCEPTED),
    "pdf-empty-mediabox": Hostile(pdf_empty_media_box, ACCEPTED),
    "pdf-million-pages-claimed": Hostile(pdf_claims_a_million_pages, ACCEPTED),
    "pdf-circular-page-tree": Hostile(pdf_circular_page_tree, ACCEPTED),
    "pdf-deep-graphics-nesting": Hostile(pdf_deep_graphics_nesting, ACCEPTED),
    "pdf-truncated": Hostile(pdf_truncated, REFUSED, CorruptInputError),
    "pdf-garbage-xref": Hostile(pdf_garbage_xref, ACCEPTED),
    "pdf-header-only": Hostile(pdf_header_only, REFUSED, CorruptInputError),
    "xml-external-entity": Hostile(
        xml_external_entity, REFUSED, UnsafeXmlError, "inv.xml", "application/xml"
    ),
    "xml-billion-laughs": Hostile(
        xml_billion_laughs, REFUSED, UnsafeXmlError, "inv.xml", "text/xml"
    ),
    "polyglot-pdf-zip": Hostile(polyglot_pdf_zip, ACCEPTED, filename="a.zip"),
    "polyglot-zip-pdf": Hostile(polyglot_zip_pdf, ACCEPTED, filename="a.zip"),
    "polyglot-html-pdf": Hostile(polyglot_html_pdf, ACCEPTED, None, "a.html", "text/html"),
    "polyglot-jpeg-pdf": Hostile(polyglot_jpeg_pdf, REFUSED, CorruptInputError, "a.jpg"),
    "png-named-pdf": Hostile(one_pixel_png, ACCEPTED, None, "invoice.pdf", "application/pdf"),
    "pdf-named-jpg": Hostile(text_pdf_bytes, ACCEPTED, None, "photo.jpg", "image/jpeg"),
    "one-pixel-jpeg": Hostile(one_pixel_jpeg, ACCEPTED, None, "x.jpg", "image/jpeg"),
}
NAMES = sorted(CORPUS)
WORKER_RUNS = (
    "pdf-javascript", "png-deflate-bomb", "tiff-looping-pages", "one-pixel-jpeg",
    "polyglot-html-pdf", "pdf-enormous-mediabox",
)  # fmt: skip


def test_every_hostile_file_is_small() -> None:
    for name, hostile in CORPUS.items():
        assert len(hostile.build()) < 64 * 1024, name


def _typed_or_clean(fn: Callable[[], object], hostile: Hostile) -> object | None:
    """Run a check or a load: a typed InputError, or a value where one is allowed."""
    try:
        return bounded(fn)
    except InputError as exc:
        assert exc.code in INPUT_CODES and exc.message
        if hostile.error is not None:
            assert isinstance(exc, hostile.error), (type(exc), exc.message)
        assert hostile.outcome != ACCEPTED or hostile.error is None
        return None


@pytest.mark.parametrize("name", NAMES)
def test_the_cheap_check_refuses_or_passes_cleanly(name: str) -> None:
    hostile = CORPUS[name]
    checked = _typed_or_clean(lambda: check_bytes(hostile.build(), settings=SETTINGS), hostile)
    if hostile.outcome == REFUSED:
        assert checked is None, f"{name} passed the check"


@pytest.mark.parametrize("name", NAMES)
def test_decoding_refuses_or_gives_pages(name: str) -> None:
    hostile = CORPUS[name]
    loaded = _typed_or_clean(lambda: load_bytes(hostile.build(), settings=SETTINGS), hostile)
    if hostile.outcome == REFUSED:
        assert loaded is None, f"{name} was decoded"
    if loaded is not None:
        pages = loaded.pages  # type: ignore[attr-defined]
        assert 1 <= len(pages) <= SETTINGS.max_pages
        for page in pages:
            height, width = page.image.shape[:2]
            assert 0 < width * height <= SETTINGS.max_pixels


def test_javascript_in_a_pdf_is_not_run() -> None:
    # PDFium runs JavaScript only with a form environment and a JS platform; ingest opens
    # none, so the page renders as a plain page and no action fires.
    loaded = load_bytes(pdf_javascript_open_action(), settings=SETTINGS)
    assert len(loaded.pages) == 1 and loaded.pages[0].text_layer == []


@pytest.fixture(scope="module")
def answers(fuzz_api: Api) -> dict[str, tuple[int, dict[str, object]]]:
    """Upload the whole corpus once; return name → (status, body)."""
    out: dict[str, tuple[int, dict[str, object]]] = {}
    for name in NAMES:
        hostile = CORPUS[name]
        files = {"file": (hostile.filename, hostile.build(), hostile.content_type)}

        def post(files: dict[str, tuple[str, bytes, str]] = files):  # type: ignore[no-untyped-def]
            return fuzz_api.client.post("/v1/documents", files=files, headers=fuzz_api.headers())

        r = bounded(post)
        out[name] = (r.status_code, r.json())
    return out


@pytest.mark.parametrize("name", NAMES)
def test_the_api_answers_a_typed_4xx_or_accepts(
    name: str, answers: dict[str, tuple[int, dict[str, object]]]
) -> None:
    hostile = CORPUS[name]
    status, body = answers[name]
    assert status < 500, body
    if status == 202:
        assert hostile.outcome != REFUSED, f"{name} was accepted"
        return
    assert 400 <= status < 500 and isinstance(body.get("error"), dict), body
    error = body["error"]
    assert isinstance(error, dict) and error["code"] in INPUT_CODES, error
    if hostile.error is not None:
        assert error["code"] == hostile.error.code
        assert status == hostile.error.http_status


def test_the_worker_ends_every_accepted_hostile_file_cleanly(
    fuzz_api: Api, answers: dict[str, tuple[int, dict[str, object]]]
) -> None:
    accepted = {str(body["id"]): name for name, (status, body) in answers.items() if status == 202}
    assert set(WORKER_RUNS) <= set(accepted.values())
    for document_id, name in list(accepted.items()):
        if name not in WORKER_RUNS:  # OCR takes seconds a page: run only the sharpest ones
            r = fuzz_api.client.delete(f"/v1/documents/{document_id}", headers=fuzz_api.headers())
            assert r.status_code < 300, r.text
            del accepted[document_id]
    start = time.perf_counter()
    fuzz_api.drain()
    assert time.perf_counter() - start < 30
    with make_session_factory(make_engine(fuzz_api.url))() as session:
        rows = session.scalars(select(DocumentRow).where(DocumentRow.id.in_(accepted))).all()
    for row in rows:
        name = accepted[row.id]
        if str(row.status) == "done":
            continue
        assert str(row.status) in ("failed", "dead"), (name, row.status)
        assert row.error_code in INPUT_CODES, (name, row.error_code, row.error_message)
