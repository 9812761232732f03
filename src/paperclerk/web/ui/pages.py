"""Page images for the review screen, in the pixel space of the stored word boxes.

Words are read from the preprocessed page (cropped, turned upright, deskewed), so the
viewer shows that image, not the raw upload: boxes then sit exactly on their words.
Preprocessing is deterministic, so running it again gives the same image; recent images
are kept in a small cache because a reviewer flips between pages of one document.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import cv2

from paperclerk.ingest import load_bytes
from paperclerk.model import Page
from paperclerk.preprocess import preprocess_page
from paperclerk.storage.blobs import BlobStore

CACHE_SIZE = 32
_cache: OrderedDict[tuple[str, int], bytes] = OrderedDict()
_lock = threading.Lock()


def page_png(blobs: BlobStore, sha256: str, page: Page) -> bytes | None:
    """Return page `page.index` of the original as PNG, matching the page's word boxes."""
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
    ok, png = cv2.imencode(".png", image)
    if not ok:
        return None
    data = png.tobytes()
    with _lock:
        _cache[key] = data
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return data
