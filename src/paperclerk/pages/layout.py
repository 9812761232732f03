"""Turns engine words into the document model: NFKC text, ids, lines and reading order.

Also lays out plain text as a page (`text_page`), for training on text-only documents.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict

from paperclerk.engines.base import OcrWord
from paperclerk.model import Box, Line, Page, Word, union_all


def normalise_text(text: str) -> str:
    """Return text in Unicode NFKC with whitespace collapsed, as every stage expects."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def split_line(text: str, box: Box, confidence: float, line_key: int) -> list[OcrWord]:
    """Split a line read as one box into words, spreading the box by character position.

    Used where an engine or a ground-truth file gives only line boxes.
    """
    words: list[OcrWord] = []
    n = max(len(text), 1)
    pos = 0
    for token in text.split():
        start = text.index(token, pos)
        end = start + len(token)
        pos = end
        x0 = box.x0 + box.width * start / n
        x1 = box.x0 + box.width * end / n
        words.append(OcrWord(token, Box(x0=x0, y0=box.y0, x1=x1, y1=box.y1), confidence, line_key))
    return words


def _vertical_overlap(a: Box, b: Box) -> float:
    inter = min(a.y1, b.y1) - max(a.y0, b.y0)
    return inter / max(min(a.height, b.height), 1e-6)


def order_lines(boxes: list[Box]) -> list[int]:
    """Return indices of line boxes in reading order: rows top to bottom, left to right."""
    order = sorted(range(len(boxes)), key=lambda i: boxes[i].cy)
    rows: list[list[int]] = []
    for i in order:
        if rows and _vertical_overlap(boxes[rows[-1][0]], boxes[i]) > 0.6:
            rows[-1].append(i)
            continue
        rows.append([i])
    return [i for row in rows for i in sorted(row, key=lambda j: boxes[j].x0)]


def build_page(
    index: int,
    width: int,
    height: int,
    ocr_words: list[OcrWord],
    *,
    text_source: str = "ocr",
) -> Page:
    """Build a Page from engine words: normalise, group into lines, order, and assign ids."""
    groups: dict[int, list[OcrWord]] = defaultdict(list)
    for w in ocr_words:
        text = normalise_text(w.text)
        if text:
            groups[w.line_key].append(
                OcrWord(text, w.box, w.confidence, w.line_key, w.char_confidences)
            )
    keys = list(groups)
    line_boxes = [
        union_all([w.box for w in groups[k]]) or Box(x0=0, y0=0, x1=0, y1=0) for k in keys
    ]
    page = Page(index=index, width=width, height=height, text_source=text_source)
    n_word = 0
    for n_line, pos in enumerate(order_lines(line_boxes)):
        line_words = sorted(groups[keys[pos]], key=lambda w: w.box.x0)
        line_id = f"p{index}-l{n_line}"
        ids: list[str] = []
        for w in line_words:
            word_id = f"p{index}-w{n_word}"
            n_word += 1
            ids.append(word_id)
            page.words.append(
                Word(
                    id=word_id,
                    text=w.text,
                    box=w.box,
                    norm_box=w.box.normalised(width, height),
                    confidence=max(0.0, min(1.0, w.confidence)),
                    line_id=line_id,
                    char_confidences=(
                        [max(0.0, min(1.0, c)) for c in w.char_confidences]
                        if w.char_confidences and len(w.char_confidences) == len(w.text)
                        else None
                    ),
                )
            )
        conf = sum(w.confidence for w in line_words) / len(line_words)
        page.lines.append(
            Line(
                id=line_id,
                text=" ".join(w.text for w in line_words),
                box=line_boxes[pos],
                word_ids=ids,
                confidence=max(0.0, min(1.0, conf)),
            )
        )
    return page


def text_page(text: str, index: int = 0) -> Page:
    """Lay out a plain-text document as an A4 page at 200 dpi, one text line per line.

    Columns become x positions (14 px per character), so aligned tables keep their layout.
    """
    words: list[OcrWord] = []
    rows = text.splitlines()
    for n, raw in enumerate(rows):
        stripped = raw.rstrip()
        if not stripped.strip():
            continue
        x0 = 80 + 14 * (len(stripped) - len(stripped.lstrip()))
        box = Box(x0=x0, y0=100 + 30 * n, x1=x0 + 14 * len(stripped.strip()), y1=124 + 30 * n)
        words.extend(split_line(stripped.strip(), box, 1.0, n))
    width = max(1654, int(max((w.box.x1 for w in words), default=0)) + 80)
    height = max(2339, 100 + 30 * len(rows) + 100)
    return build_page(index, width, height, words, text_source="text")
