"""Reading one raw page into words: its PDF text layer when it has one, else preprocessing and OCR.

A page whose words look like a machine readable zone has it read again on its own
(`pages.mrz`): its lines replace the page's reading of them, with a confidence per character.
Lines holding a long code (`pages.second_look`) or a date OCR broke (`pages.date_look`) are
read again from their pixels, and the new reading is kept where it is provably better.

The pipeline and the training data sets (`learning`) both read pages with `read_page`, so a
model is trained on the words the pipeline will see. `timed` adds a stage's seconds to a
timings dict, as `Document.timings` reports them.

Given a `keep_image` sink, `read_page` also hands over the page as displayed (the pixels
its boxes refer to, as a display JPEG) and records the returned hash on the page, so the
review screen never decodes the original again. `page_pixels` redraws those pixels for a
stored page that has no kept image (results from before images were kept).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from paperclerk.engines.base import LineEngine, OcrEngine, OcrWord
from paperclerk.ingest.types import Image, RawPage
from paperclerk.model import Page
from paperclerk.pages.date_look import date_look
from paperclerk.pages.display import PageImageSink, display_jpeg
from paperclerk.pages.layout import build_page
from paperclerk.pages.mrz import may_hold_mrz, read_mrz, with_mrz_lines
from paperclerk.pages.second_look import second_look
from paperclerk.preprocess import preprocess_page


@contextmanager
def timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    """Add the seconds spent in the `with` block to `timings[stage]` (rounded to 0.1 ms)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = round(timings.get(stage, 0.0) + time.perf_counter() - start, 4)


def read_page(
    raw: RawPage,
    engine: OcrEngine,
    timings: dict[str, float],
    keep_image: PageImageSink | None = None,
) -> Page:
    """Turn one raw page into words: its PDF text layer when it has one, else OCR.

    With `keep_image`, the page as displayed (`display_jpeg` of the pixels the boxes refer
    to) is passed to it and the hash it returns is recorded as `Page.image_sha256`.
    """
    if raw.has_text_layer:
        h, w = raw.image.shape[:2]
        words = [OcrWord(t.text, t.box, 1.0, -1) for t in raw.text_layer]
        page = build_page(raw.index, w, h, _group_text_layer(words), text_source="pdf-text")
        image = raw.image
    else:
        with timed(timings, "preprocess"):
            pre = preprocess_page(raw.image)
        with timed(timings, "ocr"):
            words = engine.read(pre.image)
        if isinstance(engine, LineEngine):
            with timed(timings, "second_look"):
                words = date_look(second_look(words, pre.image, engine), pre.image, engine)
        if isinstance(engine, LineEngine) and may_hold_mrz(words):
            with timed(timings, "mrz"):
                words = with_mrz_lines(words, read_mrz(pre.image, engine))
        h, w = pre.image.shape[:2]
        page = build_page(raw.index, w, h, words)
        page.rotation_applied = pre.rotation
        page.skew_corrected = pre.skew
        page.cropped = pre.cropped
        image = pre.image
    if keep_image is not None:
        with timed(timings, "page_image"):
            page.image_sha256 = keep_image(display_jpeg(image))
    return page


def page_pixels(raw: RawPage, page: Page) -> Image:
    """Return the pixels the word boxes of `page` (read from `raw` by `read_page`) refer to.

    A text-layer page and one that preprocessing left alone are the raw image; any other is
    preprocessed again, which is deterministic and so gives the pixels OCR read.
    """
    changed = page.cropped or page.rotation_applied or page.skew_corrected
    if page.text_source == "pdf-text" or not changed:
        return raw.image
    return preprocess_page(raw.image).image


def _group_text_layer(words: list[OcrWord]) -> list[OcrWord]:
    """Give text-layer words line keys: words on one row, cut where a wide gap parts them.

    A row gathers the words overlapping it vertically by half their height, whatever
    their order in the file; along the row, a gap wider than three times a word's height
    starts a new line, so two columns printed side by side (a seller's address beside the
    buyer's, a label far from its value) stay apart.
    """
    rows: list[tuple[float, float, list[OcrWord]]] = []
    for w in sorted(words, key=lambda w: (w.box.cy, w.box.x0)):
        for y0, y1, row in rows[-4:]:
            if min(y1, w.box.y1) - max(y0, w.box.y0) > 0.5 * min(y1 - y0, w.box.height):
                row.append(w)
                break
        else:
            rows.append((w.box.y0, w.box.y1, [w]))
    out: list[OcrWord] = []
    key = -1
    for _, _, row in rows:
        last: OcrWord | None = None
        for w in sorted(row, key=lambda w: w.box.x0):
            if last is None or w.box.x0 - last.box.x1 >= 3 * max(w.box.height, 1):
                key += 1
            out.append(OcrWord(w.text, w.box, w.confidence, key))
            last = w
    return out
