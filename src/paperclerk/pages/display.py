"""A page as the review screen shows it: the pixels its words were read from, as a JPEG.

The worker encodes each page once, right after reading it (`read_page(..., keep_image=...)`),
and the service keeps that JPEG in its blob store; the screen and the API serve it without
decoding the original again. JPEG no wider than `DISPLAY_WIDTH`: a scan's PNG is 1–2 MB and
takes longer to send and decode than the reviewer waits for the next document; word boxes
are normalised, so they sit on the smaller image just as well.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cv2

from paperclerk.ingest.types import Image

DISPLAY_WIDTH = 1400
JPEG_QUALITY = 82

PageImageSink = Callable[[bytes], str]
"""Keeps a page's display JPEG somewhere (the blob store's `put`) and returns its sha256."""


def display_jpeg(image: Image) -> bytes:
    """Encode a BGR page image as the display JPEG: at most `DISPLAY_WIDTH` wide."""
    shown: Any = image
    if image.shape[1] > DISPLAY_WIDTH:
        height = max(1, round(image.shape[0] * DISPLAY_WIDTH / image.shape[1]))
        shown = cv2.resize(image, (DISPLAY_WIDTH, height), interpolation=cv2.INTER_AREA)
    ok, jpeg = cv2.imencode(".jpg", shown, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise RuntimeError("the page image could not be encoded as JPEG")
    return bytes(jpeg.tobytes())
