"""Inconsistent JPEG compression: a patch from a quality-50 copy is found, clean files are not."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from paperclerk.loyalty import fraud
from paperclerk.loyalty.compression import (
    MAX_OUTSIDE_SHARE,
    MIN_INSIDE_SHARE,
    compression_ghost,
    jpeg_luminance,
    recompression_errors,
    textured_blocks,
)
from tests.unit.receipt_pictures import jpeg, receipt_picture

PASTED = (64, 480, 512, 640)  # x0, y0, x1, y1: on the 8×8 grid, over the item and total lines


def _pasted_from_low_quality(quality: int = 50) -> bytes:
    """The receipt saved at 90, a band replaced by the same band of a quality-50 copy, saved."""
    clean = Image.open(io.BytesIO(jpeg(receipt_picture(noise=3.0), 90))).convert("RGB")
    low = Image.open(io.BytesIO(jpeg(clean, quality))).convert("RGB")
    clean.paste(low.crop(PASTED), PASTED[:2])
    return jpeg(clean, 90)


def test_an_untouched_jpeg_is_consistent() -> None:
    data = jpeg(receipt_picture(noise=3.0), 90)
    assert compression_ghost(data) is None
    found = fraud.compression_rule(data)
    assert found.passed and found.rule_id == "fraud.inconsistent_compression"


def test_a_file_compressed_twice_as_a_whole_is_consistent() -> None:
    once = Image.open(io.BytesIO(jpeg(receipt_picture(noise=3.0), 50)))
    assert compression_ghost(jpeg(once, 90)) is None


def test_a_patch_pasted_from_a_quality_50_copy_is_flagged_with_its_region() -> None:
    ghost = compression_ghost(_pasted_from_low_quality())
    assert ghost is not None and 45 <= ghost.quality <= 55  # the ghost's quality, give or take 5
    x, y, w, h = ghost.box
    x0, y0, x1, y1 = PASTED
    assert x < x1 and x + w > x0 and y < y1 and y + h > y0  # the region overlaps the patch
    assert y >= y0 - 16 and y + h <= y1 + 16  # and lies within its rows
    assert ghost.outside_share <= MAX_OUTSIDE_SHARE < MIN_INSIDE_SHARE <= ghost.inside_share

    found = fraud.compression_rule(_pasted_from_low_quality())
    assert not found.passed and found.effect == "review" and found.severity == "warning"
    assert found.evidence["earlier_quality"] == ghost.quality
    assert found.evidence["region"] == {"x": x, "y": y, "width": w, "height": h}
    assert f"quality about {ghost.quality}" in found.message


def test_other_files_are_not_analysed() -> None:
    out = io.BytesIO()
    receipt_picture().save(out, "PNG")
    assert compression_ghost(out.getvalue()) is None
    assert compression_ghost(b"not an image") is None
    assert fraud.compression_rule(out.getvalue()).passed


def _large_scan_with_a_pasted_patch() -> tuple[bytes, tuple[int, int, int, int]]:
    """A 24-megapixel page scan (receipt at 3×) with a band pasted from a quality-50 copy."""
    page = Image.new("L", (4000, 6000), 246)
    page.paste(
        receipt_picture(noise=3.0).convert("L").resize((1860, 3300), Image.Resampling.BICUBIC),
        (1600, 800),
    )
    clean = Image.open(io.BytesIO(jpeg(page, 90)))
    box = (1600 + 3 * PASTED[0], 800 + 3 * PASTED[1], 1600 + 3 * PASTED[2], 800 + 3 * PASTED[3])
    clean.paste(Image.open(io.BytesIO(jpeg(clean.crop(box), 50))), box[:2])  # on the 8×8 grid
    return jpeg(clean, 90), box


def test_a_patch_in_a_large_scan_is_still_found_by_the_cheap_path() -> None:
    data, (x0, y0, x1, y1) = _large_scan_with_a_pasted_patch()
    ghost = compression_ghost(data)
    assert ghost is not None and 45 <= ghost.quality <= 55
    x, y, w, h = ghost.box
    assert x < x1 and x + w > x0 and y < y1 and y + h > y0
    assert y >= y0 - 16 and y + h <= y1 + 16
    assert ghost.outside_share <= MAX_OUTSIDE_SHARE < MIN_INSIDE_SHARE <= ghost.inside_share


def test_the_cheap_path_answers_exactly_as_the_whole_picture_path() -> None:
    for data in (_pasted_from_low_quality(), _pasted_from_low_quality(65)):
        assert compression_ghost(data) == compression_ghost(data, exhaustive=True)
    grey = jpeg_luminance(_pasted_from_low_quality())
    assert grey is not None
    textured = textured_blocks(grey)
    qualities = (40, 50, 80)
    fast, whole = (
        recompression_errors(grey, qualities, textured),
        recompression_errors(grey, qualities),
    )
    assert textured.any() and not textured.all()
    assert np.array_equal(fast[:, textured], whole[:, textured])  # the mosaic changes nothing
