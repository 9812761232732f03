"""Page images for the review screen, in the pixel space of the stored word boxes.

Words are read from the preprocessed page (cropped, turned upright, deskewed), so the
viewer shows that image, not the raw upload: boxes then sit exactly on their words.
Preprocessing is deterministic, so running it again gives the same image; recent images
are kept in a small cache because a reviewer flips between pages of one document.

The screen gets them as JPEG no wider than `DISPLAY_WIDTH`: a scan's PNG is 1–2 MB and
takes longer to send and decode than the reviewer waits for the next document; word boxes
are normalised, so they sit on the smaller image just as well.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import cv2

from paperclerk.ingest import load_bytes
from paperclerk.model import Page
from paperclerk.preprocess import preprocess_page
from paperclerk.storage.blobs import BlobStore

CACHE_SIZE = 32
DISPLAY_WIDTH = 1400
JPEG_QUALITY = 82
_cache: OrderedDict[tuple[str, int], bytes] = OrderedDict()
_lock = threading.Lock()


def page_image(blobs: BlobStore, sha256: str, page: Page) -> bytes | None:
    """Return page `page.index` of the original as display-size JPEG matching its word boxes."""
    key = (sha256, page.index)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    raws = load_bytes(blobs.get(sha256)).pages
    if not 0 <= page.index < len(raws):
        return None
    image = raws[page.index].image
    if page.text_source != "pdf-text" and (
        page.cropped or page.rotation_applied or page.skew_corrected
    ):
        image = preprocess_page(image).image
    shown: Any = image
    if image.shape[1] > DISPLAY_WIDTH:
        height = round(image.shape[0] * DISPLAY_WIDTH / image.shape[1])
        shown = cv2.resize(image, (DISPLAY_WIDTH, height), interpolation=cv2.INTER_AREA)
    ok, jpeg = cv2.imencode(".jpg", shown, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        return None
    data = jpeg.tobytes()
    with _lock:
        _cache[key] = data
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return data
