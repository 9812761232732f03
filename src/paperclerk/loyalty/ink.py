"""The print of a receipt picture as a mask: dark strokes on bright paper, not the table."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]
INK_SHARE = 0.3  # a stroke is this share of the picture's strongest contrast


def ink_mask(grey: Array) -> Array:
    """Return a 0/1 mask of print: dark strokes on bright paper.

    A stroke is darker than the paper around it by a share of the picture's own strongest
    contrast, so dim light, low contrast or another gamma keep the same strokes. Only
    pixels whose neighbourhood is bright (paper, not the table) count, so the edge of the
    sheet against a darker background is not taken for print.
    """
    smooth = cv2.GaussianBlur(grey, (3, 3), 0).astype(np.float32)
    local = cv2.blur(smooth, (31, 31)) + 1.0
    dark = np.clip(1.0 - smooth / local, 0.0, 1.0)
    paper_level = float(np.percentile(local, 90))
    bright = (local > 0.6 * paper_level).astype(np.uint8)
    paper = cv2.erode(bright, np.ones((9, 9), np.uint8)) > 0
    strongest = float(np.percentile(dark[paper], 99.5)) if paper.any() else 0.0
    ink = (dark > max(0.06, INK_SHARE * strongest)) & paper
    return np.asarray(
        cv2.morphologyEx(ink.astype(np.uint8), cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    )
