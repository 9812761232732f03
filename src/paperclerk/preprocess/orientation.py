"""Turn a page upright: detect whether it needs 0, 90, 180 or 270 degrees clockwise.

Text lines of an upright or upside-down page are wide; on a page turned by 90 or 270
degrees they are tall. So: find line quads (see `textlines`), turn the page by 90
degrees when most of the line length is vertical, then ask RapidOCR's 0/180
text-direction classifier about the largest lines, read from the full-resolution page,
and follow the vote.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from paperclerk.ingest.types import Image
from paperclerk.preprocess.textlines import (
    CLS_BATCH,
    MIN_ASPECT,
    Quads,
    detect_lines,
    line_sides,
    load_models,
)

_MAX_CLS_BATCHES = 2  # a second batch only for unclear votes
_CLEAR_MARGIN = 0.5  # vote margin that needs no second batch


@dataclass(frozen=True)
class Orientation:
    """The detected orientation of a page.

    `rotation` is how many degrees the page must be turned clockwise to be upright,
    `confidence` the classifier's margin (0..1) and `quads` the text lines found, in the
    coordinates of the image that was analysed (not of the upright one).
    """

    rotation: int
    confidence: float
    quads: Quads


def order_points(quad: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Order 4 points of a wide-ish box as top-left, top-right, bottom-right, bottom-left."""
    pts = quad[np.argsort(quad[:, 0], kind="stable")]
    left = pts[:2][np.argsort(pts[:2, 1])]
    right = pts[2:][np.argsort(pts[2:, 1])]
    return np.array([left[0], right[0], right[1], left[1]], dtype=np.float32)


def rotate_quads_cw(quads: Quads, height: int) -> Quads:
    """Map quads into the frame of the page turned 90 degrees clockwise."""
    out = np.empty_like(quads)
    out[:, :, 0] = height - 1 - quads[:, :, 1]
    out[:, :, 1] = quads[:, :, 0]
    return out


def rotate_image(image: Image, degrees_cw: int) -> Image:
    """Turn an image clockwise by 0, 90, 180 or 270 degrees (a lossless copy)."""
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    degrees_cw %= 360
    return image if degrees_cw == 0 else np.ascontiguousarray(cv2.rotate(image, codes[degrees_cw]))


def detect_orientation(image: Image, quads: Quads | None = None) -> Orientation:
    """Decide how far (clockwise, in 90-degree steps) a BGR page must turn to be upright."""
    if quads is None:
        quads = detect_lines(image)
    if len(quads) == 0:
        return Orientation(rotation=0, confidence=0.0, quads=quads)
    long_vec, long_len, short_len = line_sides(quads)
    is_line = long_len / short_len > MIN_ASPECT
    vertical = np.abs(long_vec[:, 1]) > np.abs(long_vec[:, 0])
    tall = float((long_len * (is_line & vertical)).sum())
    wide = float((long_len * (is_line & ~vertical)).sum())
    turn = 90 if tall > wide else 0
    flip, confidence = _vote_upside_down(image, quads, turn)
    rotation = (turn + (180 if flip else 0)) % 360
    return Orientation(rotation=rotation, confidence=confidence, quads=quads)


def _vote_upside_down(image: Image, quads: Quads, turn: int) -> tuple[bool, float]:
    """Return (upside down?, vote margin 0..1) for the page once turned `turn` degrees.

    `turn` is 0 or 90 (clockwise); the 0/180 classifier reads the largest lines.

    Every crop is also shown turned by 180 degrees, and a line votes with
    P(180 | crop) - P(180 | crop turned): this cancels the classifier's bias towards
    "0" on fonts that look alike both ways up (all-caps, dot-matrix). A second batch of
    lines is read only when the first leaves the vote unclear.
    """
    from rapidocr.utils.process_img import get_rotate_crop_image

    _, cls = load_models()
    height = image.shape[0]
    lines = rotate_quads_cw(quads, height) if turn else quads
    _, long_len, short_len = line_sides(lines)
    candidates = [
        i for i in np.argsort(-(long_len * short_len)) if long_len[i] / short_len[i] > MIN_ASPECT
    ]
    votes: list[float] = []
    used = 0
    for _ in range(_MAX_CLS_BATCHES):
        crops = []
        for i in candidates[used:]:
            used += 1
            corners = order_points(lines[i])  # reading order in the turned frame
            if turn:  # the same corners on the unturned page: no need to turn it all
                corners = np.stack([corners[:, 1], height - 1 - corners[:, 0]], axis=1)
            crop = get_rotate_crop_image(image, corners.astype(np.float32))
            if 4 <= crop.shape[0] < crop.shape[1]:
                crops.append(crop)
            if len(crops) == CLS_BATCH:
                break
        if not crops:
            break
        turned = [cv2.rotate(c, cv2.ROTATE_180) for c in crops]
        results = cls(crops + turned).cls_res
        p180 = [float(score) if label == "180" else 1.0 - float(score) for label, score in results]
        votes += [p180[k] - p180[k + len(crops)] for k in range(len(crops))]
        if _margin(votes) >= _CLEAR_MARGIN:
            break
    return sum(votes) > 0, _margin(votes)


def _margin(votes: list[float]) -> float:
    weight = sum(abs(v) for v in votes)
    return abs(sum(votes)) / weight if weight > 0 else 0.0


def correct_orientation(image: Image) -> tuple[Image, int]:
    """Return the page turned upright and the clockwise degrees (0/90/180/270) applied."""
    found = detect_orientation(image)
    return rotate_image(image, found.rotation), found.rotation
