"""Every kind of bad input is refused quickly with the right typed error and a clear message."""

from __future__ import annotations

import importlib.util
import io
import time
from pathlib import Path
from types import ModuleType

import pytest
from PIL import Image, PngImagePlugin

from paperclerk.errors import (
    CorruptInputError,
    EmptyInputError,
    EncryptedInputError,
    InputError,
    LimitExceededError,
    UnsupportedMediaTypeError,
)
from paperclerk.ingest import check_bytes, load_bytes, load_path
from paperclerk.settings import Settings


def _load_fixtures() -> ModuleType:
    path = Path(__file__).parents[1] / "fixtures" / "make_fixtures.py"
    spec = importlib.util.spec_from_file_location("paperclerk_test_fixtures", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fx = _load_fixtures()
SETTINGS = Settings()
QUICK_S = 2.0

EXPECTED: dict[str, tuple[type[InputError], str]] = {
    "empty.bin": (EmptyInputError, "empty"),
    "blank.txt": (EmptyInputError, "whitespace"),
    "random.bin": (UnsupportedMediaTypeError, "no known format"),
    "truncated.jpg": (CorruptInputError, "truncated"),
    "truncated.png": (CorruptInputError, "truncated"),
    "truncated.pdf": (CorruptInputError, "damaged or truncated"),
    "encrypted.pdf": (EncryptedInputError, "password"),
    "zero_pages.pdf": (CorruptInputError, "PDF has no pages"),
    "archive.zip": (UnsupportedMediaTypeError, "ZIP archive"),
    "letter.docx": (UnsupportedMediaTypeError, "Word document"),
    "anim.gif": (UnsupportedMediaTypeError, "GIF"),
    "bomb.png": (LimitExceededError, "pixels"),
    "bomb.pdf": (LimitExceededError, "embeds a 20000x20000 image"),
    "notes.txt": (UnsupportedMediaTypeError, "plain text"),
    "photo.heic": (UnsupportedMediaTypeError, "HEIC"),
}


def test_every_bad_fixture_has_an_expectation() -> None:
    assert set(fx.bad_fixtures()) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_input_is_refused_quickly(name: str) -> None:
    data = fx.bad_fixtures()[name]
    error, needle = EXPECTED[name]
    start = time.perf_counter()
    with pytest.raises(error) as info:
        load_bytes(data, settings=SETTINGS)
    assert time.perf_counter() - start < QUICK_S
    assert needle.lower() in info.value.message.lower()
    assert info.value.to_dict()["code"] == error.code


def _png(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("L", (width, height), 255).save(buf, "PNG")
    return buf.getvalue()


def test_pixel_limit_is_checked_before_decoding() -> None:
    # Under Pillow's own bomb limit, over ours: only our header check stops it.
    data = fx.bomb_png_bytes(10_000, 10_000)
    start = time.perf_counter()
    with pytest.raises(LimitExceededError, match="100,000,000 pixels"):
        load_bytes(data, settings=SETTINGS)
    assert time.perf_counter() - start < QUICK_S
    with pytest.raises(LimitExceededError):
        load_bytes(_png(200, 200), settings=Settings(max_pixels=10_000))


def test_a_bomb_over_pillows_limit_cites_the_configured_limit() -> None:
    data = fx.bomb_png_bytes(100_000, 100_000)  # far over Pillow's own limit too
    with pytest.raises(LimitExceededError) as info:
        load_bytes(data, settings=Settings(max_pixels=12_345_678))
    assert "12,345,678" in info.value.message
    assert "178956970" not in info.value.message and "DOS" not in info.value.message


def test_byte_limit() -> None:
    data = fx.image_bytes("PNG")
    with pytest.raises(LimitExceededError, match="bytes"):
        load_bytes(data, settings=Settings(max_bytes=len(data) - 1))


def test_byte_limit_on_a_path_is_checked_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.png"
    path.write_bytes(fx.image_bytes("PNG"))
    with pytest.raises(LimitExceededError, match="bytes"):
        load_path(path, settings=Settings(max_bytes=100))


@pytest.mark.parametrize(("fmt", "frames"), [("PDF", 3), ("TIFF", 4), ("WEBP", 3)])
def test_page_limit_names_the_count(fmt: str, frames: int) -> None:
    data = fx.multi_frame_bytes(fmt, frames)
    with pytest.raises(LimitExceededError, match=f"{frames} pages"):
        load_bytes(data, settings=Settings(max_pages=2))


def test_page_limit_for_text_pdf() -> None:
    with pytest.raises(LimitExceededError, match="5 pages"):
        load_bytes(fx.text_pdf_bytes(pages=5), settings=Settings(max_pages=4))


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_path(tmp_path / "nope.pdf")
    with pytest.raises(InputError, match="directory"):
        load_path(tmp_path)


def test_bad_files_through_paths(tmp_path: Path) -> None:
    paths = fx.write_all(tmp_path)
    for name, (error, _) in EXPECTED.items():
        with pytest.raises(error):
            load_path(paths[name], settings=SETTINGS)


def test_pdf_with_owner_password_only_still_loads() -> None:
    # An empty user password means "anyone may open it": that is not an encrypted input.
    data = fx.encrypted_pdf_bytes(user_password="")
    result = load_bytes(data, settings=SETTINGS)
    assert [w.text for w in result.pages[0].text_layer][:2] == ["INVOICE", "No"]


def test_damaged_jpeg_body() -> None:
    data = bytearray(fx.image_bytes("JPEG", quality=90))
    data[200:] = b"\x00" * (len(data) - 200)
    with pytest.raises(CorruptInputError):
        load_bytes(bytes(data), settings=SETTINGS)


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"BM" + b"\x00" * 60, "BMP"),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "HTML"),
        (b'<?xml version="1.0"?><Invoice xmlns="urn:oasis"/>', "XML"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Office"),
        (b"\x1f\x8b\x08\x00" + b"\x00" * 50, "gzip"),
        (b"RIFF\x10\x00\x00\x00AVI LIST", "RIFF"),
        (b"\x00\x00\x00\x1cftypavif" + b"\x00" * 40, "AVIF"),
    ],
)
def test_unsupported_types_are_named(data: bytes, needle: str) -> None:
    with pytest.raises(UnsupportedMediaTypeError, match=needle):
        load_bytes(data, settings=SETTINGS)


def test_image_signature_wins_over_pdf_marker() -> None:
    # A PNG with "%PDF-" in a text chunk near the start is still a PNG.
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "%PDF-1.7 embedded by a scanner")
    buf = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buf, "PNG", pnginfo=info)
    data = buf.getvalue()
    assert b"%PDF-" in data[:1024]
    assert load_bytes(data, settings=SETTINGS).media_type == "image/png"


# The intake's cheap check (`check_bytes`: headers and PDF structure, no pixel decoded)
# refuses what `load_bytes` refuses, except damage inside the pixel data, which only
# decoding finds: those pass intake and fail in the worker as a failed document.
PASS_THE_CHECK = {"truncated.jpg", "truncated.png"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_intake_check_refuses_like_decoding_without_decoding(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_decoding(*args: object) -> None:
        raise AssertionError("check_bytes decoded the document")

    monkeypatch.setattr("paperclerk.ingest.load.load_pdf", no_decoding)
    monkeypatch.setattr("paperclerk.ingest.load.load_raster", no_decoding)
    data = fx.bad_fixtures()[name]
    if name in PASS_THE_CHECK:
        assert check_bytes(data, settings=SETTINGS).pages == 1
        return
    error, needle = EXPECTED[name]
    with pytest.raises(error) as info:
        check_bytes(data, settings=SETTINGS)
    assert needle.lower() in info.value.message.lower()


@pytest.mark.parametrize(("fmt", "frames"), [("PDF", 3), ("TIFF", 4), ("WEBP", 3)])
def test_the_intake_check_counts_pages_and_applies_the_limits(fmt: str, frames: int) -> None:
    data = fx.multi_frame_bytes(fmt, frames)
    assert check_bytes(data, settings=SETTINGS).pages == frames
    with pytest.raises(LimitExceededError, match=f"{frames} pages"):
        check_bytes(data, settings=Settings(max_pages=frames - 1))
    with pytest.raises(LimitExceededError, match="pixels"):
        check_bytes(_png(200, 200), settings=Settings(max_pixels=10_000))
    with pytest.raises(LimitExceededError, match="bytes"):
        check_bytes(data, settings=Settings(max_bytes=len(data) - 1))
