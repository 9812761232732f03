"""Simulated re-photographs of a receipt, for the duplicate-detection evaluation.

A fraudster who sends a receipt again takes a new photo of it: the paper lies on another
table, the phone is held at another angle and distance, the light differs, and the app
re-encodes the JPEG. `rephotograph` applies a random mix of exactly these to an image.
Every random choice comes from the `random.Random` passed in, so a seed fixes the set.
"""

from __future__ import annotations

import random
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from paperclerk.preprocess.deskew import rotate_expanded

Array = npt.NDArray[Any]
Colour = tuple[int, int, int]
PERSPECTIVE = 0.04  # corners move up to this share of the side
PHOTO_SIDE = 3000  # longest side of a photo, pixels
ON_TABLE = 0.85  # share of photos that show the table around the sheet


def _on_background(image: Array, rng: random.Random, colour: Colour) -> Array:
    """Lay the receipt on a darker, slightly textured table with a margin around it."""
    h, w = image.shape[:2]
    pad = int(max(h, w) * rng.uniform(0.03, 0.12))
    canvas = np.empty((h + 2 * pad, w + 2 * pad, 3), np.uint8)
    canvas[:] = colour
    noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0, 6, canvas.shape[:2])
    canvas = np.clip(canvas.astype(np.float32) + noise[..., None], 0, 255).astype(np.uint8)
    canvas[pad : pad + h, pad : pad + w] = image
    return np.asarray(canvas)


def _perspective(image: Array, rng: random.Random, strength: float, table: Colour) -> Array:
    h, w = image.shape[:2]
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    jitter = [
        (rng.uniform(-strength, strength) * w, rng.uniform(-strength, strength) * h)
        for _ in range(4)
    ]
    dst = src + np.array(jitter, dtype=np.float32)
    dst -= dst.min(axis=0)
    size = (int(dst[:, 0].max()) + 1, int(dst[:, 1].max()) + 1)
    matrix = cv2.getPerspectiveTransform(src, dst)
    return np.asarray(
        cv2.warpPerspective(image, matrix, size, borderMode=cv2.BORDER_CONSTANT, borderValue=table)
    )


def _crop(image: Array, rng: random.Random, most: float) -> Array:
    h, w = image.shape[:2]
    top, bottom = int(h * rng.uniform(0, most)), int(h * rng.uniform(0, most))
    left, right = int(w * rng.uniform(0, most)), int(w * rng.uniform(0, most))
    return np.asarray(image[top : h - bottom, left : w - right])


def _fit(image: Array, side: int) -> Array:
    h, w = image.shape[:2]
    if max(h, w) <= side:
        return image
    scale = side / max(h, w)
    return np.asarray(
        cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    )


def _light(image: Array, rng: random.Random) -> Array:
    """Change brightness, contrast and gamma, with a soft gradient of light across."""
    img = image.astype(np.float32) / 255.0
    img = img ** rng.uniform(0.6, 1.6)
    img = img * rng.uniform(0.7, 1.2) + rng.uniform(-0.12, 0.12)
    w = img.shape[1]
    ramp = np.linspace(rng.uniform(0.8, 1.0), rng.uniform(0.8, 1.0), w, dtype=np.float32)
    img = img * ramp[None, :, None]
    return np.asarray(np.clip(img * 255.0, 0, 255), dtype=np.uint8)


def rephotograph(image: Array, rng: random.Random) -> bytes:
    """Return JPEG bytes of a random re-photograph of a BGR receipt image."""
    table: Colour = (rng.randint(20, 140), rng.randint(20, 140), rng.randint(20, 140))
    image = _fit(image, PHOTO_SIDE)  # a phone photo, not a 7,000-pixel scan
    if rng.random() < ON_TABLE:  # a photo of the sheet on a table, at an angle
        img = _on_background(image, rng, table)
        img = _perspective(img, rng, PERSPECTIVE, table)
        img = rotate_expanded(img, rng.uniform(-8.0, 8.0), table)
        img = _crop(img, rng, 0.03)
    else:  # an app that cut the photo to the sheet: a small tilt and a tighter crop
        img = rotate_expanded(image, rng.uniform(-3.0, 3.0), (235, 235, 235))
        img = _crop(img, rng, 0.02)
    turn = rng.choice(
        [None, cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_180, cv2.ROTATE_90_COUNTERCLOCKWISE]
    )
    if turn is not None:
        img = cv2.rotate(img, turn)
    img = _light(img, rng)
    scale = min(rng.uniform(0.5, 1.6), PHOTO_SIDE / max(img.shape[:2]))
    img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    if rng.random() < 0.4:
        img = cv2.GaussianBlur(img, (3, 3), rng.uniform(0.3, 1.0))
    if rng.random() < 0.4:
        noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0, rng.uniform(2, 7), img.shape)
        img = np.clip(img.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(40, 95)])
    if not ok:  # pragma: no cover - OpenCV encodes any uint8 image
        raise RuntimeError("JPEG encoding failed")
    return bytes(buf)
