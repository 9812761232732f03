"""Page images for the review screen, in the pixel space of the stored word boxes.

Words are read from the preprocessed page (cropped, turned upright, deskewed), so the
viewer shows that image, not the raw upload: boxes then sit exactly on their words. The
worker keeps each page as displayed (a JPEG at most 1400 px wide, see
`pages.display`) in the blob store and records its hash on the page, so serving it decodes
nothing. Only a result from before that (no `Page.image_sha256`, or its blob gone) is drawn
again from the original through the same functions the worker uses (`page_pixels`,
`display_jpeg`); those are kept in a small cache because a reviewer flips between pages of
one document.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from paperclerk.ingest import load_bytes
from paperclerk.model import Page
from paperclerk.pages.display import display_jpeg
from paperclerk.pages.read import page_pixels
from paperclerk.storage.blobs import BlobNotFoundError, Blobs

CACHE_SIZE = 32
_cache: OrderedDict[tuple[str, int], bytes] = OrderedDict()
_lock = threading.Lock()


def stored_page(result: dict[str, Any], n: int) -> Page | None:
    """Return page `n` of a stored result, reading that page only (not every page's words)."""
    for raw in result.get("pages") or []:
        if isinstance(raw, dict) and raw.get("index") == n:
            return Page.model_validate(raw)
    return None


def page_image(blobs: Blobs, sha256: str, page: Page) -> bytes | None:
    """Return page `page.index` of document `sha256` as display-size JPEG matching its boxes.

    The image the worker kept when there is one; else the original drawn again (cached).
    None when the original has no such page.
    """
    if page.image_sha256 is not None:
        try:
            return blobs.get(page.image_sha256)
        except BlobNotFoundError:
            pass  # kept before a restore without it, say: draw it again
    key = (sha256, page.index)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    raws = load_bytes(blobs.get(sha256)).pages
    if not 0 <= page.index < len(raws):
        return None
    data = display_jpeg(page_pixels(raws[page.index], page))
    with _lock:
        _cache[key] = data
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return data
