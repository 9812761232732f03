"""Tests for the painted-region check of twice-compressed JPEGs (`jpeg_forensics`)."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from paperclerk.loyalty.jpeg_forensics import painted_region

PAINTED = (300, 560, 260, 60)  # x, y, width, height of the repainted amount


def _receipt() -> np.ndarray:
    """Return a synthetic receipt: lines of printed text on slightly noisy paper (grey)."""
    rng = np.random.default_rng(7)
    page = np.full((800, 640), 236, np.uint8)
    for row, y in enumerate(range(40, 780, 36)):
        text = f"ITEM {row:02d} QTY {row % 4 + 1} x {3.5 * row + 1.25:7.2f}  {row * 7.3:8.2f}"
        cv2.putText(page, text, (20, y), cv2.FONT_HERSHEY_SIMPLEX, 0.75, 40, 2, cv2.LINE_AA)
    noisy = page.astype(np.float32) + rng.normal(0, 2.0, page.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def _jpeg(grey: np.ndarray, quality: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(grey).convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _decoded(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("L"), dtype=np.uint8).copy()


def _painted(grey: np.ndarray) -> np.ndarray:
    x, y, w, h = PAINTED
    out = grey.copy()
    out[y : y + h, x : x + w] = 236
    cv2.putText(out, "999.99", (x + 10, y + 45), cv2.FONT_HERSHEY_DUPLEX, 1.6, 30, 3, cv2.LINE_AA)
    return out


def test_region_painted_after_a_coarser_compression_is_found() -> None:
    first = _decoded(_jpeg(_receipt(), 75))
    found = painted_region(_jpeg(_painted(first), 90))
    assert found is not None
    x, y, w, h = found.box
    px, py, pw, ph = PAINTED
    assert x < px + pw and px < x + w and y < py + ph and py < y + h  # on the painted amount
    assert found.inside_share > 0.5 > found.outside_share
    assert all(
        step > final
        for (_, _, step), final in zip(found.earlier_steps, found.final_quality_steps, strict=True)
    )


def test_picture_saved_twice_without_an_edit_is_not_flagged() -> None:
    first = _decoded(_jpeg(_receipt(), 75))
    assert painted_region(_jpeg(first, 90)) is None


@pytest.mark.parametrize("quality", [75, 90])
def test_painted_picture_compressed_once_is_not_flagged(quality: int) -> None:
    # never a JPEG before the edit: nothing to compare, the check says nothing
    assert painted_region(_jpeg(_painted(_receipt()), quality)) is None


def test_other_files_are_not_analysed() -> None:
    buf = io.BytesIO()
    Image.fromarray(_painted(_decoded(_jpeg(_receipt(), 75)))).save(buf, "PNG")
    assert painted_region(buf.getvalue()) is None
    assert painted_region(b"\xff\xd8\xffnot really a jpeg") is None


def test_the_fraud_signal_names_the_region_and_asks_a_person() -> None:
    from paperclerk.loyalty.findings import Effect
    from paperclerk.loyalty.fraud import painted_region_rule

    first = _decoded(_jpeg(_receipt(), 75))
    flagged = painted_region_rule(_jpeg(_painted(first), 90))
    assert not flagged.passed and flagged.effect == Effect.REVIEW
    assert "may have been painted over" in flagged.message
    assert set(flagged.evidence["region"]) == {"x", "y", "width", "height"}
    assert painted_region_rule(_jpeg(first, 90)).passed
