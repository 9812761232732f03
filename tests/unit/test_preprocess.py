"""Pre-processing: orientation, deskew and paper cropping on synthetic and real pages."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from paperclerk.ingest.types import Image
from paperclerk.preprocess import (
    correct_orientation,
    crop_to_paper,
    detect_lines,
    detect_orientation,
    estimate_skew,
    find_paper,
    preprocess_page,
    rotate_by,
    rotate_image,
)

SROIE = Path(__file__).resolve().parents[3] / "shared" / "data" / "sroie" / "img"
needs_sroie = pytest.mark.skipif(not SROIE.is_dir(), reason=f"{SROIE} is absent (../shared)")

LINES = [
    "SUPERMARKET EXPRESS",
    "Invoice No 2024-00917",
    "Date 12/03/2024  14:05",
    "Milk 1L            1.29",
    "Bread wholegrain   2.49",
    "Coffee beans 500g  7.99",
    "Apples 1kg         3.10",
    "Subtotal          14.87",
    "VAT 7%             1.04",
    "TOTAL             15.91",
    "Paid by card",
    "Thank you for shopping",
]


def text_page(width: int = 900, height: int = 1200, scale: float = 1.1) -> Image:
    """A white page with a dozen lines of receipt-like text."""
    img = np.full((height, width, 3), 255, np.uint8)
    step = int(70 * scale)
    for i, line in enumerate(LINES):
        origin = (int(50 * scale), int(90 * scale) + step * i)
        cv2.putText(img, line, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, (20, 20, 20), 2)
    return img


def turned_ccw(image: Image, degrees: int) -> Image:
    """The page turned counter-clockwise: it then needs `degrees` clockwise to be upright."""
    return rotate_image(image, (360 - degrees) % 360)


def read(path: Path) -> Image:
    image = cv2.imread(str(path))
    assert image is not None, path
    return np.asarray(image, dtype=np.uint8)


@pytest.mark.parametrize("degrees", [0, 90, 180, 270])
def test_orientation_of_synthetic_page(degrees: int) -> None:
    page = text_page()
    found = detect_orientation(turned_ccw(page, degrees))
    assert found.rotation == degrees
    upright, rotation = correct_orientation(turned_ccw(page, degrees))
    assert rotation == degrees
    assert upright.shape == page.shape


def test_orientation_of_small_text_on_a_big_page() -> None:
    page = text_page(width=2400, height=3200, scale=0.8)
    assert detect_orientation(turned_ccw(page, 270)).rotation == 270


def test_blank_page_is_left_alone() -> None:
    blank = np.full((800, 600, 3), 255, np.uint8)
    result = preprocess_page(blank)
    assert (result.rotation, result.skew, result.cropped) == (0, 0.0, False)
    assert result.image.shape == blank.shape


@pytest.mark.parametrize("angle", [5.0, -5.0, 12.0])
def test_skew_is_measured_and_removed(angle: float) -> None:
    skewed = rotate_by(text_page(), -angle)  # rotate_by turns by -skew: this adds `angle`
    estimate = estimate_skew(detect_lines(skewed))
    assert estimate == pytest.approx(angle, abs=1.0)
    result = preprocess_page(skewed)
    assert result.rotation == 0
    assert result.skew == pytest.approx(angle, abs=1.0)
    residual = estimate_skew(detect_lines(result.image))
    assert residual is not None and abs(residual) < 1.0


def test_tiny_skew_is_not_corrected() -> None:
    page = text_page()
    result = preprocess_page(rotate_by(page, -0.2))
    assert result.skew == 0.0


def test_skew_and_rotation_together() -> None:
    skewed = rotate_by(text_page(), -4.0)
    result = preprocess_page(turned_ccw(skewed, 90))
    assert result.rotation == 90
    assert result.skew == pytest.approx(4.0, abs=1.0)


def photo_of_receipt() -> tuple[Image, npt.NDArray[np.float32]]:
    """A white receipt seen in perspective on a dark, slightly noisy table."""
    receipt = text_page(width=700, height=1100, scale=0.9)
    h, w = receipt.shape[:2]
    corners = np.array([[420, 180], [1080, 260], [1010, 1420], [330, 1330]], np.float32)
    src = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, corners)
    rng = np.random.default_rng(7)
    photo = rng.normal(60, 8, (1600, 1400, 3)).clip(0, 255).astype(np.uint8)
    warped = cv2.warpPerspective(receipt, matrix, (1400, 1600), borderValue=(0, 0, 0))
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), matrix, (1400, 1600))
    photo[mask > 0] = warped[mask > 0]
    return photo, corners


def test_receipt_photo_is_cropped_to_the_paper() -> None:
    photo, corners = photo_of_receipt()
    found = find_paper(photo)
    assert found is not None
    assert np.abs(found - corners).max() < 25  # within a few px at full size
    cropped, did = crop_to_paper(photo)
    assert did
    assert cropped.shape[0] == pytest.approx(1170, rel=0.06)
    assert cropped.shape[1] == pytest.approx(690, rel=0.06)
    assert cropped.mean() > 200  # all paper, no table
    result = preprocess_page(photo)
    assert result.cropped and result.rotation == 0


def test_scan_without_outline_is_not_cropped() -> None:
    page = text_page()
    cropped, did = crop_to_paper(page)
    assert not did and cropped is page


@needs_sroie
def test_typical_scanned_receipt_is_not_cropped() -> None:
    scan = read(SROIE / "X00016469612.jpg")
    _, did = crop_to_paper(scan)
    assert not did
    assert not preprocess_page(scan).cropped


def _sroie(count: int, start: int = 0) -> list[Path]:
    return sorted(SROIE.glob("*.jpg"))[start : start + count]


@needs_sroie
@pytest.mark.shared
def test_upright_sroie_receipts_stay_upright() -> None:
    for path in _sroie(20):
        image = read(path)
        assert detect_orientation(image).rotation == 0, path.name


@needs_sroie
@pytest.mark.shared
def test_rotated_sroie_receipts_are_turned_back() -> None:
    wrong = []
    for i, path in enumerate(_sroie(12, start=20)):
        degrees = (90, 180, 270)[i % 3]
        found = detect_orientation(turned_ccw(read(path), degrees)).rotation
        if found != degrees:
            wrong.append((path.name, degrees, found))
    assert not wrong


@needs_sroie
def test_orientation_cost_is_flat() -> None:
    image = read(SROIE / "X00016469612.jpg")
    detect_orientation(image)  # load the models
    start = time.perf_counter()
    for _ in range(3):
        detect_orientation(image)
    # Generous: the budget is ~120 ms a page; this only catches a runaway regression.
    assert (time.perf_counter() - start) / 3 < 1.5
