"""Ingest of every supported kind of input: page counts, pixels, text layers."""

from __future__ import annotations

import hashlib
import importlib.util
import io
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from PIL import Image, ImageFile

from paperclerk.ingest import IngestedFile, TextLayerWord, load_bytes, load_path, sniff_media_type
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

GOOD_PAGES = {
    "text.pdf": ("application/pdf", 1),
    "text_rot90.pdf": ("application/pdf", 1),
    "scanned3.pdf": ("application/pdf", 3),
    "scan.png": ("image/png", 1),
    "scan.jpg": ("image/jpeg", 1),
    "scan.webp": ("image/webp", 1),
    "anim3.webp": ("image/webp", 3),
    "multi4.tif": ("image/tiff", 4),
}


@pytest.fixture(scope="module")
def good() -> dict[str, bytes]:
    fixtures: dict[str, bytes] = fx.good_fixtures()
    return fixtures


def _check_pages(result: IngestedFile) -> None:
    for i, page in enumerate(result.pages):
        assert page.index == i
        assert page.image.dtype == np.uint8
        assert page.image.ndim == 3 and page.image.shape[2] == 3
        assert page.image.flags["C_CONTIGUOUS"]
        assert page.image.min() < 128 < page.image.max()  # black text on white paper


@pytest.mark.parametrize("name", sorted(GOOD_PAGES))
def test_good_inputs_load_with_right_type_and_page_count(
    name: str, good: dict[str, bytes], tmp_path: Path
) -> None:
    media_type, pages = GOOD_PAGES[name]
    data = good[name]
    result = load_bytes(data, settings=SETTINGS)
    assert result.media_type == media_type
    assert len(result.pages) == pages
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.size_bytes == len(data)
    _check_pages(result)
    # The same through a path, under a misleading name: the name is never trusted.
    path = tmp_path / "upload.txt"
    path.write_bytes(data)
    from_path = load_path(path, settings=SETTINGS)
    assert from_path.sha256 == result.sha256
    assert len(from_path.pages) == pages


def test_frames_are_distinct_pages(good: dict[str, bytes]) -> None:
    for name in ("multi4.tif", "anim3.webp", "scanned3.pdf"):
        pages = load_bytes(good[name], settings=SETTINGS).pages
        assert not np.array_equal(pages[0].image, pages[1].image), name


def _word(result: IngestedFile, text: str) -> TextLayerWord:
    return next(w for w in result.pages[0].text_layer if w.text == text)


def test_born_digital_pdf_text_layer_words_and_boxes(good: dict[str, bytes]) -> None:
    result = load_bytes(good["text.pdf"], settings=SETTINGS)
    page = result.pages[0]
    assert page.image.shape[:2] == (2200, 1700)  # letter at 200 DPI
    assert page.has_text_layer
    texts = [w.text for w in page.text_layer]
    assert " ".join(texts) == "INVOICE No 12345 ACME Widgets Ltd Total: 42.00 EUR"
    scale = 200 / 72
    for x_pt, baseline_pt, line in fx.TEXT_LINES:
        first = _word(result, line.split()[0])
        baseline_px = (fx.PAGE_H_PT - baseline_pt) * scale
        assert first.box.x0 == pytest.approx(x_pt * scale, abs=4)
        assert first.box.y1 == pytest.approx(baseline_px + 3 * scale, abs=6)  # descent
        assert first.box.y0 == pytest.approx(baseline_px - 11 * scale, abs=6)  # ascent
    _assert_boxes_cover_ink(result)


def _assert_boxes_cover_ink(result: IngestedFile) -> None:
    page = result.pages[0]
    ink = page.image.min(axis=2) < 128
    inside = np.zeros_like(ink)
    for word in page.text_layer:
        b = word.box
        region = ink[int(b.y0) : int(b.y1) + 1, int(b.x0) : int(b.x1) + 1]
        assert region.mean() > 0.05, word  # every box sits on its glyphs
        inside[int(b.y0) - 2 : int(b.y1) + 3, int(b.x0) - 2 : int(b.x1) + 3] = True
    assert ink[~inside].sum() == 0  # and no glyph is outside every box


def test_rotated_pdf_page_boxes_match_rendering(good: dict[str, bytes]) -> None:
    result = load_bytes(good["text_rot90.pdf"], settings=SETTINGS)
    assert result.pages[0].image.shape[:2] == (1700, 2200)  # landscape after /Rotate 90
    word = _word(result, "INVOICE")
    assert word.box.height > word.box.width  # the text runs downwards now
    _assert_boxes_cover_ink(result)


@pytest.mark.parametrize("rotate", [180, 270])
def test_other_pdf_rotations(rotate: int) -> None:
    result = load_bytes(fx.text_pdf_bytes(rotate=rotate), settings=SETTINGS)
    _assert_boxes_cover_ink(result)


def test_media_box_not_at_origin() -> None:
    result = load_bytes(fx.text_pdf_bytes(rotate=90, origin=(100.0, 250.0)), settings=SETTINGS)
    assert result.pages[0].image.shape[:2] == (1700, 2200)
    _assert_boxes_cover_ink(result)


def test_scanned_pdf_has_no_text_layer(good: dict[str, bytes]) -> None:
    result = load_bytes(good["scanned3.pdf"], settings=SETTINGS)
    assert all(not p.has_text_layer for p in result.pages)
    assert result.pages[0].image.shape[:2] == (600, 800)  # 400x300 px at 100 DPI → 200 DPI


def test_render_dpi_and_pixel_cap(good: dict[str, bytes]) -> None:
    low = load_bytes(good["text.pdf"], settings=Settings(render_dpi=100)).pages[0]
    assert low.image.shape[:2] == (1100, 850)
    capped = load_bytes(good["text.pdf"], settings=Settings(max_pixels=1_000_000))
    h, w = capped.pages[0].image.shape[:2]
    assert h * w <= 1_000_000 and h > 800
    word = _word(capped, "INVOICE")
    assert word.box.x0 == pytest.approx(72 * w / 612, abs=3)
    _assert_boxes_cover_ink(capped)


def test_pdf_after_leading_junk_is_still_a_pdf(good: dict[str, bytes]) -> None:
    data = b"\r\n" * 10 + good["text.pdf"]
    assert sniff_media_type(data) == "application/pdf"
    assert len(load_bytes(data, settings=SETTINGS).pages) == 1


def _encode(img: Image.Image, fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def test_colours_come_out_as_bgr() -> None:
    red = Image.new("RGB", (8, 8), (255, 0, 0))
    image = load_bytes(_encode(red, "PNG"), settings=SETTINGS).pages[0].image
    assert image[0, 0].tolist() == [0, 0, 255]


@pytest.mark.parametrize(
    ("mode", "fmt"),
    [
        ("L", "PNG"),
        ("LA", "PNG"),
        ("P", "PNG"),
        ("RGBA", "PNG"),
        ("1", "PNG"),
        ("1", "TIFF"),
        ("I;16", "PNG"),
        ("I;16", "TIFF"),
        ("CMYK", "JPEG"),
        ("CMYK", "TIFF"),
        ("RGBA", "WEBP"),
    ],
)
def test_every_pixel_mode_becomes_bgr(mode: str, fmt: str) -> None:
    base = fx.text_image()
    if mode == "I;16":  # 16-bit greyscale
        img = Image.fromarray(np.asarray(base.convert("L"), dtype=np.uint16) * 257)
    else:
        img = base.convert(mode)
    image = load_bytes(_encode(img, fmt), settings=SETTINGS).pages[0].image
    assert image.shape == (300, 400, 3) and image.dtype == np.uint8
    assert image[0, 0].min() > 240  # white paper stays white
    assert image.min() < 60  # black text stays dark


def test_transparency_is_flattened_onto_white() -> None:
    clear = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    image = load_bytes(_encode(clear, "PNG"), settings=SETTINGS).pages[0].image
    assert image.min() == 255


def test_exif_orientation_is_applied() -> None:
    img = fx.text_image()  # 400 wide, 300 high
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to view"
    data = _encode(img, "JPEG", exif=exif.tobytes())
    image = load_bytes(data, settings=SETTINGS).pages[0].image
    assert image.shape[:2] == (400, 300)


def test_truncated_images_are_not_loaded_silently() -> None:
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
