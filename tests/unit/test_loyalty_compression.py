"""Inconsistent JPEG compression: a patch from a quality-50 copy is found, clean files are not."""

from __future__ import annotations

import io

from PIL import Image

from paperclerk.loyalty import fraud
from paperclerk.loyalty.compression import (
    MAX_OUTSIDE_SHARE,
    MIN_INSIDE_SHARE,
    compression_ghost,
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
