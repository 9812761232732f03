"""Measure and remove small page skew (up to ±15 degrees).

The skew comes from the text-line quads the orientation step already found: the
length-weighted median angle of the long lines. Angles are folded into [-45, 45), so the
estimate is the same before or after the page is turned by a multiple of 90 degrees.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from paperclerk.ingest.types import Image

MIN_SKEW_DEG = 0.5  # below this, rotating costs sharpness for nothing
MAX_SKEW_DEG = 15.0  # beyond this the estimate is more likely wrong than the page
_MIN_ASPECT = 3.0  # only clearly elongated boxes tell the line direction
_MIN_LINES = 3


def estimate_skew(quads: npt.NDArray[np.float32]) -> float | None:
    """Return the skew of the text lines in degrees, or None with too few long lines.

    Positive means the lines rise to the right (turned counter-clockwise on screen), the
    convention of `cv2.getRotationMatrix2D`; the page is straightened by turning it back.
    """
    if len(quads) == 0:
        return None
    e1 = quads[:, 1] - quads[:, 0]
    e2 = quads[:, 2] - quads[:, 1]
    l1 = np.linalg.norm(e1, axis=1)
    l2 = np.linalg.norm(e2, axis=1)
    long_vec = np.where((l1 >= l2)[:, None], e1, e2)
    long_len = np.maximum(l1, l2)
    short_len = np.minimum(l1, l2) + 1e-6
    keep = long_len / short_len >= _MIN_ASPECT
    if int(keep.sum()) < _MIN_LINES:
        return None
    # Image y grows downwards: negate it so counter-clockwise is positive.
    angles = np.degrees(np.arctan2(-long_vec[keep, 1], long_vec[keep, 0]))
    folded = (angles + 45.0) % 90.0 - 45.0
    return _weighted_median(folded, long_len[keep])


def _weighted_median(values: npt.NDArray[np.float64], weights: npt.NDArray[np.float32]) -> float:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    index = int(np.searchsorted(cumulative, cumulative[-1] / 2.0))
    return float(values[order][min(index, len(order) - 1)])


def should_deskew(skew: float | None) -> bool:
    """Whether a measured skew is large enough to fix and small enough to trust."""
    return skew is not None and MIN_SKEW_DEG <= abs(skew) <= MAX_SKEW_DEG


def rotate_by(image: Image, skew: float) -> Image:
    """Turn the page by -`skew` degrees about its centre to straighten it.

    The canvas grows so no corner is cut off; the new border is filled with white paper.
    """
    white = (255, 255, 255) if image.ndim == 3 else 255
    return rotate_expanded(image, -skew, white)


def rotate_expanded(
    image: npt.NDArray[Any], degrees: float, fill: float | tuple[int, int, int] = 0
) -> npt.NDArray[Any]:
    """Turn an image counter-clockwise by `degrees` about its centre on a grown canvas.

    The canvas grows so no corner is cut off, and the new border takes the `fill` value
    (white paper for a page, a table colour for a simulated photo, 0 for a mask).
    """
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), degrees, 1.0)
    rad = math.radians(degrees)
    new_w = math.ceil(abs(w * math.cos(rad)) + abs(h * math.sin(rad)))
    new_h = math.ceil(abs(h * math.cos(rad)) + abs(w * math.sin(rad)))
    matrix[0, 2] += (new_w - w) / 2.0
    matrix[1, 2] += (new_h - h) / 2.0
    out = cv2.warpAffine(
        image,
        matrix,
        (new_w, new_h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=fill,
    )
    return np.ascontiguousarray(out)


def deskew(image: Image, quads: npt.NDArray[np.float32]) -> tuple[Image, float]:
    """Straighten a page from its line quads; return (image, degrees removed, 0.0 if none)."""
    skew = estimate_skew(quads)
    if skew is None or not should_deskew(skew):
        return image, 0.0
    return rotate_by(image, skew), skew
