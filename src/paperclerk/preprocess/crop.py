"""Crop a phone photo to the sheet of paper in it, undoing the perspective.

A receipt photographed on a table is a bright convex quadrilateral on a darker
background. We look for exactly that on a small copy of the image (Otsu mask, then edges
as a second try), and only warp when the outline is clear: four corners, convex, between
20% and 90% of the image, filling its own outline, and clearly brighter than what lies
around it, with (nearly) all the ink on it. Scans and screenshots have no such outline
and are returned untouched.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from paperclerk.ingest.types import Image

Corners = npt.NDArray[np.float32]  # (4, 2): top-left, top-right, bottom-right, bottom-left
Array = npt.NDArray[Any]

MIN_AREA_FRACTION = 0.20
# Above 90% the "background" is a scan's margin (28 of the 326 SROIE scans): cropping
# it gains nothing and a torn or curled edge would turn the warp into a distortion.
MAX_AREA_FRACTION = 0.90
_WORK_SIDE = 512  # max side of the copy the outline is searched on
_MIN_FILL = 0.85  # the blob must fill its quadrilateral this much
_MIN_CONTRAST = 25.0  # grey levels the paper must be brighter than its surroundings
_MIN_ANGLE_DEG = 35.0  # corners sharper or flatter than this are not a sheet's
_MAX_INK_OUTSIDE = 0.03  # share of the ink allowed outside the sheet
_INK_BLOCK = 25  # neighbourhood of the adaptive ink threshold (odd)


def order_corners(points: npt.NDArray[np.float32]) -> Corners:
    """Order 4 points as top-left, top-right, bottom-right, bottom-left."""
    pts = points.reshape(4, 2).astype(np.float32)
    total = pts.sum(axis=1)
    diff = pts[:, 1] - pts[:, 0]
    ordered = np.array(
        [pts[np.argmin(total)], pts[np.argmin(diff)], pts[np.argmax(total)], pts[np.argmax(diff)]],
        dtype=np.float32,
    )
    if len({tuple(p) for p in ordered.tolist()}) < 4:  # degenerate: fall back to angles
        centre = pts.mean(axis=0)
        angle = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
        ordered = pts[np.argsort(angle)]
        ordered = np.roll(ordered, -int(np.argmin(ordered.sum(axis=1))), axis=0)
    return ordered


def _angles_ok(quad: Corners) -> bool:
    """Whether every corner angle is plausible for a sheet seen in perspective."""
    for i in range(4):
        a, b, c = quad[i - 1], quad[i], quad[(i + 1) % 4]
        u, v = a - b, c - b
        cos = float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v) + 1e-6))
        angle = float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))
        if not _MIN_ANGLE_DEG <= angle <= 180.0 - _MIN_ANGLE_DEG:
            return False
    return True


def _quad_from_contour(contour: Array) -> Corners | None:
    hull = cv2.convexHull(contour)
    perimeter = cv2.arcLength(hull, True)
    for eps in (0.02, 0.03):
        approx = cv2.approxPolyDP(hull, eps * perimeter, True)
        if len(approx) == 4 and cv2.isContourConvex(approx):
            return order_corners(approx.astype(np.float32))
        if len(approx) < 4:
            return None
    return None


def _is_paper(grey: Array, ink: Array, contour: Array, quad: Corners) -> bool:
    """Whether a candidate outline is clearly a sheet of paper worth cropping to."""
    h, w = grey.shape
    quad_area = float(cv2.contourArea(quad))
    fraction = quad_area / float(h * w)
    if not MIN_AREA_FRACTION < fraction < MAX_AREA_FRACTION:
        return False
    if float(cv2.contourArea(contour)) < _MIN_FILL * quad_area or not _angles_ok(quad):
        return False
    inside = np.zeros_like(grey)
    cv2.fillConvexPoly(inside, quad.astype(np.int32), 1)
    ring = cv2.dilate(inside, np.ones((15, 15), np.uint8)) - inside  # just outside the edge
    if not ring.any():
        return False
    if float(grey[inside > 0].mean()) - float(grey[ring > 0].mean()) < _MIN_CONTRAST:
        return False
    # Never cut text off: nearly all the ink must lie on the sheet. The band along the edge
    # is left out, since the dark side of the paper's own edge thresholds as ink there.
    near = cv2.dilate(inside, np.ones((2 * _INK_BLOCK + 1, 2 * _INK_BLOCK + 1), np.uint8))
    total_ink = float(ink.sum())
    return total_ink == 0 or float(ink[near == 0].sum()) <= _MAX_INK_OUTSIDE * total_ink


def _candidate_masks(grey: Array) -> list[Array]:
    blurred = cv2.GaussianBlur(grey, (5, 5), 0)
    _, bright = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    kernel = np.ones((7, 7), np.uint8)
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, kernel)  # fill in the print
    bright = cv2.morphologyEx(bright, cv2.MORPH_OPEN, kernel)  # drop specks and glare
    median = float(np.median(blurred))
    edges = cv2.Canny(blurred, int(max(0.0, 0.66 * median)), int(min(255.0, 1.33 * median)))
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    return [bright, edges]


def find_paper(image: Image) -> Corners | None:
    """Return the corners of a clearly outlined sheet of paper, in image pixels, or None."""
    h, w = image.shape[:2]
    scale = min(1.0, _WORK_SIDE / max(h, w))
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    if scale < 1.0:
        grey = cv2.resize(grey, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    # Ink: strokes clearly darker than their surroundings (blurred first, so sensor noise
    # and table grain do not count).
    smooth = cv2.GaussianBlur(grey, (3, 3), 0)
    ink = cv2.adaptiveThreshold(
        smooth, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 20
    )
    for mask in _candidate_masks(grey):
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:3]:
            quad = _quad_from_contour(contour)
            if quad is not None and _is_paper(grey, ink, contour, quad):
                return np.asarray(quad / scale, dtype=np.float32)
    return None


def warp_to(image: Image, corners: Corners) -> Image:
    """Perspective-warp the quadrilateral `corners` of the image to an upright rectangle."""
    tl, tr, br, bl = corners
    width = round(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = round(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    target = np.array(
        [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32
    )
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    out = cv2.warpPerspective(
        image,
        matrix,
        (max(1, width), max(1, height)),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return np.ascontiguousarray(out)


def crop_to_paper(image: Image) -> tuple[Image, bool]:
    """Return (image cropped and flattened to the paper, True), or (image, False) untouched."""
    corners = find_paper(image)
    if corners is None:
        return image, False
    return warp_to(image, corners), True
