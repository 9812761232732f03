"""Edited receipts for `paperclerk eval duplicates`: the total painted over.

A fraudster who wants more cashback opens the photo of a real receipt in an editor, paints
over the total with the paper's colour and types a bigger amount in its place; a careful
one changes the cash line too, so that cash less change still gives the new total. This
module makes exactly these edits, so the evaluation can count how many of them are not
approved (`tamper_caught`):

- the words and their boxes come from the folder's `box/` transcription when there is one
  (SROIE layout) and else from the OCR engine on the untouched picture;
- the total is the amount on a total row (`TOTAL`, `NETT TOTAL`, `AMOUNT DUE`…) that the
  receipt prints most often; every total row printing it is changed to the new total;
- with `with_cash`, the cash row is changed to the new total plus the change printed;
- each amount is covered with the local paper colour and the new one drawn right-aligned
  in the same height, in the darkest ink of the old one, and the file saved as a fresh JPEG
  with no metadata (an editor's name in the file would give the game away too easily).

Every random choice comes from the `random.Random` passed in.
"""

from __future__ import annotations

import io
import random
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from paperclerk.datasets.sroie_format import read_box_file
from paperclerk.engines.base import OcrWord
from paperclerk.extract.receipt_amounts import CASH, CHANGE, NOT_TOTAL_ROW, TOTAL_STRONG
from paperclerk.model.geometry import Box, union_all
from paperclerk.parsers import find_amounts

Array = npt.NDArray[Any]
PART = re.compile(r"TOTAL\s*\d+(\.\d+)?\s*%", re.IGNORECASE)  # "TOTAL 0% SUPPLIES": a part
FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationMono-Bold.ttf",
)


@dataclass(frozen=True)
class TotalEdit:
    """An edited receipt: the new picture, and the amounts before and after."""

    data: bytes
    original_total: Decimal
    new_total: Decimal
    with_cash: bool
    painted: int  # amounts painted over


@dataclass(frozen=True)
class _Line:
    text: str
    words: list[OcrWord]
    box: Box


def words_of(image_path: Path, image: Array) -> list[OcrWord]:
    """Return the words of a receipt: its `box/` transcription if any, else the OCR's."""
    box_file = image_path.parent.parent / "box" / f"{image_path.stem}.txt"
    if box_file.is_file():
        return read_box_file(box_file)
    from paperclerk.engines.registry import get_engine

    return get_engine("rapid").read(image)


def _lines(words: list[OcrWord]) -> list[_Line]:
    by_key: dict[int, list[OcrWord]] = {}
    for w in words:
        by_key.setdefault(w.line_key, []).append(w)
    out = []
    for group in by_key.values():
        group.sort(key=lambda w: w.box.x0)
        box = union_all([w.box for w in group])
        if box is not None:
            out.append(_Line(" ".join(w.text for w in group), group, box))
    return sorted(out, key=lambda ln: ln.box.cy)


def _rows(lines: list[_Line]) -> list[list[_Line]]:
    """Group lines at the same height (a label and its amount are often two lines)."""
    rows: list[list[_Line]] = []
    for line in lines:
        for row in rows[-3:]:
            rb = row[0].box
            inter = min(rb.y1, line.box.y1) - max(rb.y0, line.box.y0)
            if inter / max(min(rb.height, line.box.height), 1e-6) > 0.55:
                row.append(line)
                break
        else:
            rows.append([line])
    return rows


def _row_text(row: list[_Line]) -> str:
    return " ".join(ln.text for ln in sorted(row, key=lambda ln: ln.box.x0))


def _amount_words(row: list[_Line], value: Decimal | None = None) -> list[OcrWord]:
    """Return the words of a row that print an amount (equal to `value` when given)."""
    out = []
    for line in row:
        for w in line.words:
            found = find_amounts(w.text)
            if len(found) == 1 and (value is None or found[0].value == value):
                out.append(w)
    return out


def printed_total(words: list[OcrWord]) -> tuple[Decimal, list[OcrWord]] | None:
    """Return the total a receipt prints and the words printing it on its total rows."""
    rows = _rows(_lines(words))
    seen: Counter[Decimal] = Counter()
    where: dict[Decimal, list[OcrWord]] = {}
    for row in rows:
        text = _row_text(row)
        if not TOTAL_STRONG.search(text) or NOT_TOTAL_ROW.search(text) or PART.search(text):
            continue
        for w in _amount_words(row):
            value = find_amounts(w.text)[0].value
            if value > 0:
                seen[value] += 1
                where.setdefault(value, []).append(w)
    if not seen:
        return None
    total = max(seen, key=lambda v: (seen[v], v))
    return total, where[total]


def _cash_words(words: list[OcrWord]) -> tuple[list[OcrWord], Decimal]:
    """Return the cash row's amount words and the change printed (0 when none)."""
    cash: list[OcrWord] = []
    change = Decimal(0)
    for row in _rows(_lines(words)):
        text = _row_text(row)
        amounts = _amount_words(row)
        if not amounts:
            continue
        if CHANGE.search(text):
            change = abs(find_amounts(amounts[-1].text)[0].value)
        elif CASH.search(text) and not cash:
            cash = [amounts[-1]]
    return cash, change


def new_total_for(total: Decimal, rng: random.Random) -> Decimal:
    """Return a bigger total with as many digits before the point as a fraudster would type."""
    digits = len(str(int(total)))
    step = Decimal(10) ** max(1, digits - 1)
    return total + step * rng.choice([1, 2, 3, 5])


def _restyle(raw: str, value: Decimal) -> str:
    """Write `value` the way `raw` printed its amount ("RM11.40" → "RM41.40", ".65")."""
    found = find_amounts(raw)
    if not found:
        return f"{value:.2f}"
    old = found[0].raw
    places = len(old.rsplit(".", 1)[1]) if "." in old else 2
    text = f"{value:.{places}f}"
    digits_at = next((i for i, c in enumerate(raw) if c.isdigit() or c == "."), 0)
    end = max(i for i, c in enumerate(raw) if c.isdigit()) + 1
    return raw[:digits_at] + text + raw[end:]


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONTS:
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def _paint(image: Array, word: OcrWord, text: str) -> None:
    """Cover a word with the paper around it and draw `text` right-aligned in its place."""
    h, w = image.shape[:2]
    x0, y0 = max(0, int(word.box.x0) - 2), max(0, int(word.box.y0) - 2)
    x1, y1 = min(w, int(word.box.x1) + 3), min(h, int(word.box.y1) + 3)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return
    patch = image[y0:y1, x0:x1]
    pixels = patch.reshape(-1, patch.shape[-1] if patch.ndim == 3 else 1)
    paper, ink = np.percentile(pixels, 90, 0), np.percentile(pixels, 3, 0)
    image[y0:y1, x0:x1] = paper.astype(np.uint8)
    height = y1 - y0
    font = _font(max(8, int(height * 0.8)))
    canvas = Image.fromarray(image)
    draw = ImageDraw.Draw(canvas)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    x = x1 - 2 - (right - left) - left
    y = y0 + (height - (bottom - top)) / 2 - top
    colour = tuple(int(c) for c in np.atleast_1d(ink))
    draw.text((x, y), text, font=font, fill=colour if len(colour) > 1 else colour[0])
    image[:] = np.asarray(canvas)


def edit_total(
    image_path: Path, rng: random.Random, *, with_cash: bool, words: list[OcrWord] | None = None
) -> TotalEdit | None:
    """Paint a bigger total over a receipt (and the cash line with `with_cash`).

    None when the receipt prints no total row the edit could change (or no cash row when
    `with_cash` asks for one).
    """
    bgr = cv2.imread(str(image_path), cv2.IMREAD_COLOR)
    if bgr is None:
        return None
    words = words if words is not None else words_of(image_path, bgr)
    found = printed_total(words)
    if found is None:
        return None
    total, total_words = found
    new = new_total_for(total, rng)
    cash_words, change = _cash_words(words) if with_cash else ([], Decimal(0))
    if with_cash and not cash_words:
        return None
    rgb = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    for word in total_words:
        _paint(rgb, word, _restyle(word.text, new))
    for word in cash_words:
        if word not in total_words:
            _paint(rgb, word, _restyle(word.text, new + change))
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="JPEG", quality=rng.choice([85, 90, 95]))
    return TotalEdit(out.getvalue(), total, new, with_cash, len(total_words) + len(cash_words))
