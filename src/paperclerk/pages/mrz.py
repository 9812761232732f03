"""Find and read the machine readable zone of a passport, ID card or visa, at any angle.

The reader detects the text lines of the image without reading them, keeps the long thin
ones (an MRZ line is 30 to 44 characters of one height), crops each along its own angle,
and recognises only those, upright and, when that reads nothing like an MRZ, upside down.
Lines that read like an MRZ are put in reading order and parsed (`parsers.mrz`), trying
consecutive groups of two and three.

OCR drops or doubles `<` fillers, which shifts every field after them. The recogniser
places each character along its line, and an MRZ is monospaced, so each reading is also
laid on a grid of the format's length: a missing filler becomes a gap and is put back.
The parser chooses between the readings by their check digits.
"""

from __future__ import annotations

import itertools
import re
import statistics
from dataclasses import dataclass

import cv2
import numpy as np

from paperclerk.engines.base import LineEngine, LineReading, OcrWord
from paperclerk.ingest.types import Image
from paperclerk.model.geometry import Box
from paperclerk.parsers.mrz import (
    SEXES,
    Mrz,
    fit_line,
    has_fillers,
    mrz_like,
    normalise_line,
    parse_mrz,
    plausible_head,
)

MIN_ASPECT = 8.0
"""Detected lines shorter than this many times their height are not MRZ lines."""
MAX_CANDIDATES = 8
"""The longest lines recognised in search of an MRZ."""
CROP_HEIGHT = 64
"""Crops are scaled to this height: the recogniser reads at 48 pixels."""
LENGTHS = (30, 36, 44)


@dataclass(frozen=True)
class MrzLine:
    """One MRZ line as read: text on the format's grid, per-character confidences, place."""

    text: str
    confidences: tuple[float, ...]
    corners: tuple[tuple[float, float], ...]

    @property
    def box(self) -> Box:
        """The line's bounding box in image pixels."""
        return Box.around(list(self.corners))


@dataclass(frozen=True)
class MrzReading:
    """The MRZ found on an image: its lines in reading order and their parse."""

    lines: tuple[MrzLine, ...]
    mrz: Mrz
    angle: float
    """Degrees the text runs at in the image (0 upright, 180 upside down)."""


@dataclass(frozen=True)
class _Crop:
    """A line cut out upright: pixels, where it was, and its frame in the image."""

    image: Image
    corners: tuple[tuple[float, float], ...]
    centre: np.ndarray
    down: np.ndarray
    """Unit vector from the line's top to its bottom, in image pixels."""
    angle: float
    length: float
    height: float


def read_mrz(image: Image, engine: LineEngine) -> MrzReading | None:
    """Return the MRZ of an image, or None when none reads like one."""
    quads = engine.detect_lines(image)
    crops = [_crop(image, q) for q in _candidates(quads)]
    if not crops:
        return None
    readings = engine.recognise_lines([c.image for c in crops])
    found = [(c, r) for c, r in zip(crops, readings, strict=True) if mrz_like(r.text)]
    if len(found) < 2:
        flipped = [_flip(c) for c in crops]
        again = engine.recognise_lines([c.image for c in flipped])
        upside = [(c, r) for c, r in zip(flipped, again, strict=True) if mrz_like(r.text)]
        found = upside if len(upside) > len(found) else found
    if not found:
        return None
    found += _rows_beside(image, engine, quads, found)
    if len(found) < 2:
        return None
    found.sort(key=lambda cr: float(np.dot(cr[0].centre, cr[0].down)))
    best = _best_group(found)
    if best is None:
        return None
    reading, crops = best
    if reading.mrz.valid and reading.mrz.sex in SEXES:
        return reading
    return _second_look(image, engine, reading, crops)


def _rows_beside(
    image: Image,
    engine: LineEngine,
    quads: list[np.ndarray],
    found: list[tuple[_Crop, LineReading]],
) -> list[tuple[_Crop, LineReading]]:
    """Read the rows beside the longest MRZ line across its whole length.

    The detector often stops a line at a long run of fillers, or splits it, so a name
    line may be found only in part. Every row of text parallel to the longest MRZ line
    and within a few line heights of it is cut again, along the row's own angle, as long
    as that line, and read.
    """
    anchor = max(found, key=lambda cr: cr[0].length)[0]
    along = np.array([anchor.down[1], -anchor.down[0]])
    rows: dict[int, tuple[float, np.ndarray]] = {}
    for quad in quads:
        length, _ = _extent(quad)
        if abs(float(np.dot(_direction(quad), along))) < 0.99 or length <= anchor.height:
            continue
        offset = float(np.dot(quad.mean(axis=0) - anchor.centre, anchor.down))
        if not anchor.height * 0.6 < abs(offset) <= anchor.height * 4.5:
            continue
        key = round(offset / (anchor.height * 0.8))
        if key not in rows or _extent(rows[key][1])[0] < length:
            rows[key] = (offset, quad)
    done = [
        float(np.dot(c.centre - anchor.centre, anchor.down))
        for c, _ in found
        if c.length >= anchor.length * 0.9
    ]
    crops = [
        _along_row(image, anchor, quad)
        for offset, quad in rows.values()
        if all(abs(offset - d) > anchor.height * 0.6 for d in done)
    ]
    readings = engine.recognise_lines([c.image for c in crops])
    return [(c, r) for c, r in zip(crops, readings, strict=True) if mrz_like(r.text)]


def _best_group(
    found: list[tuple[_Crop, LineReading]],
) -> tuple[MrzReading, list[_Crop]] | None:
    """Parse consecutive groups of two and three lines; keep the one the checks like best.

    Returns the reading and the crops of its lines.
    """
    best: tuple[tuple[int, int, int, int], MrzReading, list[_Crop]] | None = None
    for size in (3, 2):
        for start in range(len(found) - size + 1):
            group = found[start : start + size]
            if not any(has_fillers(r.text) for _, r in group):
                continue
            for variant in itertools.product(*(_on_grid(r) for _, r in group)):
                mrz = parse_mrz(
                    [text for text, _ in variant], confidences=[conf for _, conf in variant]
                )
                if mrz is None:
                    continue
                score = (
                    int(mrz.valid),
                    -len(mrz.failed_checks()),
                    int(plausible_head(mrz)),
                    -len(mrz.repairs),
                )
                if best is None or score > best[0]:
                    lines = tuple(
                        MrzLine(text, conf, c.corners)
                        for (c, _), (text, conf) in zip(group, variant, strict=True)
                    )
                    reading = MrzReading(lines, mrz, group[0][0].angle)
                    best = (score, reading, [c for c, _ in group])
    return (best[1], best[2]) if best else None


SECOND_LOOK_PADS = (0.0, 0.1, 0.2, 0.45)
"""Paddings of the crops read again when the first reading fails a check."""


def _second_look(
    image: Image, engine: LineEngine, reading: MrzReading, crops: list[_Crop]
) -> MrzReading:
    """Read the lines again from crops cut a little tighter and wider, where checks fail.

    Each new reading that lands on the same grid says what else a character may be; the
    parser lets the check digits choose among those only. The first reading stays when
    the second look makes no check pass that failed.
    """
    again = [_recut(image, crop, pad) for pad in SECOND_LOOK_PADS for crop in crops]
    readings = engine.recognise_lines([c.image for c in again])
    base = reading.mrz.read  # as read, fitted to the format's length, before repairs
    alternatives: list[list[str]] = [[""] * len(text) for text in base]
    for k, other in enumerate(readings):
        i = k % len(crops)
        text = base[i]
        grid = [normalise_line(candidate) for candidate, _ in _on_grid(other)]
        same = [g for g in grid if len(g) == len(text)] or fit_line(grid[0], len(text))
        for p, c in enumerate(same[0] if same else ""):
            if c != text[p] and c not in alternatives[i][p]:
                alternatives[i][p] += c
    confidences = [
        line.confidences if len(line.confidences) == len(text) else tuple(0.5 for _ in text)
        for line, text in zip(reading.lines, base, strict=True)
    ]
    mrz = parse_mrz(base, confidences=confidences, alternatives=alternatives)
    if mrz is None:
        return reading
    fewer_failures = len(mrz.failed_checks()) < len(reading.mrz.failed_checks())
    if not fewer_failures and mrz.sex == reading.mrz.sex:
        return reading
    return MrzReading(reading.lines, mrz, reading.angle)


def _recut(image: Image, crop: _Crop, pad: float) -> _Crop:
    """Cut a line again with another padding, keeping its upright orientation."""
    u = np.array([crop.down[1], -crop.down[0]])
    return _cut(image, crop.centre, u, crop.length, crop.height, crop.corners, pad=pad)


def _on_grid(reading: LineReading) -> list[tuple[str, tuple[float, ...]]]:
    """Return the reading as read and laid on the grid of each MRZ length near its own."""
    text = reading.text.replace(" ", "")
    confs = reading.char_confidences if len(reading.char_confidences) == len(text) else ()
    out = [(text, confs or tuple(1.0 for _ in text))]
    positions = reading.positions
    if len(positions) != len(text) or len(text) < 2:
        return out
    for length in LENGTHS:
        if len(text) != length and abs(len(text) - length) <= 4:
            snapped = _snap(text, positions, confs, length)
            if snapped is not None and snapped[0] != text:
                out.append(snapped)
    return out


def _snap(
    text: str, positions: tuple[float, ...], confs: tuple[float, ...], length: int
) -> tuple[str, tuple[float, ...]] | None:
    """Lay characters on `length` evenly spaced cells; empty cells become fillers.

    The pitch is the typical step between neighbours, scaled so that the first and last
    characters land on the first and last cells when that is within one cell of it.
    """
    steps = [b - a for a, b in itertools.pairwise(positions) if b > a]
    if not steps:
        return None
    pitch = statistics.median(steps)
    span = positions[-1] - positions[0]
    if abs(span / pitch - (length - 1)) <= 1.5:
        pitch = span / (length - 1)
    cells: list[tuple[str, float] | None] = [None] * length
    for char, pos, conf in zip(text, positions, confs or (1.0,) * len(text), strict=True):
        slot = round((pos - positions[0]) / pitch)
        if not 0 <= slot < length:
            return None
        held = cells[slot]
        if held is None or held[1] < conf:
            cells[slot] = (char, conf)
    line = "".join(cell[0] if cell else "<" for cell in cells)
    return line, tuple(cell[1] if cell else 0.0 for cell in cells)


def _candidates(quads: list[np.ndarray]) -> list[np.ndarray]:
    """Keep the longest thin lines: MRZ lines are the longest lines of a document."""
    scored = []
    for quad in quads:
        length, height = _extent(quad)
        if height > 0 and length / height >= MIN_ASPECT:
            scored.append((length, quad))
    scored.sort(key=lambda lq: -lq[0])
    return [q for _, q in scored[:MAX_CANDIDATES]]


def _extent(quad: np.ndarray) -> tuple[float, float]:
    """Return the long and short side of a quadrilateral."""
    a = float(np.linalg.norm(quad[1] - quad[0]) + np.linalg.norm(quad[2] - quad[3])) / 2
    b = float(np.linalg.norm(quad[3] - quad[0]) + np.linalg.norm(quad[2] - quad[1])) / 2
    return max(a, b), min(a, b)


def _direction(quad: np.ndarray) -> np.ndarray:
    """Return the unit vector along a quadrilateral's long side, pointing rightwards."""
    (cx, cy), (w, h), angle = cv2.minAreaRect(quad.astype(np.float32))
    box = cv2.boxPoints(((cx, cy), (w, h), angle))
    edges = [box[1] - box[0], box[2] - box[1]]
    long_edge = max(edges, key=lambda e: float(np.linalg.norm(e)))
    u = long_edge / (np.linalg.norm(long_edge) or 1.0)
    if u[0] < 0 or (abs(u[0]) < 1e-6 and u[1] < 0):
        u = -u
    return np.asarray(u, dtype=np.float64)


def _crop(image: Image, quad: np.ndarray) -> _Crop:
    """Cut a detected line out along its own angle."""
    (cx, cy), (w, h), _ = cv2.minAreaRect(quad.astype(np.float32))
    u = _direction(quad)
    corners = tuple((float(x), float(y)) for x, y in quad)
    return _cut(image, np.array([cx, cy]), u, max(w, h), min(w, h), corners)


def _along_row(image: Image, anchor: _Crop, quad: np.ndarray) -> _Crop:
    """Cut the row of `quad` along its own angle, spanning the anchor line's length."""
    u = _direction(quad)
    if float(np.dot(u, np.array([anchor.down[1], -anchor.down[0]]))) < 0:
        u = -u  # run the way the anchor reads, so an upside-down MRZ comes out upright
    row_centre = quad.mean(axis=0).astype(np.float64)
    centre = row_centre + u * float(np.dot(anchor.centre - row_centre, u))
    height = max(_extent(quad)[1], anchor.height * 0.8)
    n = np.array([-u[1], u[0]])
    half, rise = u * anchor.length / 2, n * height / 2
    corners = tuple(
        (float(x), float(y))
        for x, y in (
            centre - half - rise,
            centre + half - rise,
            centre + half + rise,
            centre - half + rise,
        )
    )
    return _cut(image, centre, u, anchor.length, height, corners)


def _cut(
    image: Image,
    centre: np.ndarray,
    u: np.ndarray,
    length: float,
    height: float,
    corners: tuple[tuple[float, float], ...],
    pad: float = 0.3,
) -> _Crop:
    """Cut the rectangle of a line (axis `u`), padded, scaled to `CROP_HEIGHT`, upright.

    `u` points along the line; text upside down in the image comes out upside down
    (`_flip` turns it).
    """
    n = np.array([-u[1], u[0]])
    height_p, length_p = height * (1 + pad), length + height * pad
    tl = centre - u * length_p / 2 - n * height_p / 2
    tr = centre + u * length_p / 2 - n * height_p / 2
    bl = centre - u * length_p / 2 + n * height_p / 2
    scale = CROP_HEIGHT / max(height_p, 1.0)
    out_w, out_h = max(1, round(length_p * scale)), CROP_HEIGHT
    src = np.array([tl, tr, bl], dtype=np.float32)
    dst = np.array([[0, 0], [out_w, 0], [0, out_h]], dtype=np.float32)
    pixels: Image = cv2.warpAffine(  # type: ignore[assignment]
        image,
        cv2.getAffineTransform(src, dst),
        (out_w, out_h),
        flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_REPLICATE,
    )
    angle = float(np.degrees(np.arctan2(u[1], u[0])))
    return _Crop(pixels, corners, centre, n, angle, float(length), float(height))


def _flip(crop: _Crop) -> _Crop:
    """Return the same crop turned half a turn, for text that runs upside down."""
    return _Crop(
        cv2.rotate(crop.image, cv2.ROTATE_180),  # type: ignore[arg-type]
        crop.corners,
        crop.centre,
        -crop.down,
        (crop.angle + 180) % 360,
        crop.length,
        crop.height,
    )


def may_hold_mrz(words: list[OcrWord]) -> bool:
    """Whether a page's words hint at an MRZ.

    A line that reads like one does, or a run of fillers (`<`, or `>` where the page was
    read upside down). Brackets that close are text, not fillers misread: a receipt's
    "(GST ID No :001092886528)" does not send its page to the MRZ reader.
    """
    lines: dict[int, list[str]] = {}
    for w in words:
        lines.setdefault(w.line_key, []).append(w.text)
    for parts in lines.values():
        text = _BRACKETED.sub(r"\1", " ".join(parts))
        if mrz_like(text) or "<<<<" in text or ">>>>" in text:
            return True
    return False


_BRACKETED = re.compile(r"[(\[{]([^()\[\]{}]*)[)\]}]")
"""Text in a pair of brackets: "(GST REG NO 000243941376)" is no MRZ with one filler."""


def with_mrz_lines(words: list[OcrWord], reading: MrzReading | None) -> list[OcrWord]:
    """Replace the page's words on the MRZ by the MRZ reader's lines, one word per line.

    A word belongs to the MRZ when its centre lies inside one of the MRZ lines' boxes.
    The MRZ words keep the text as read (the parser repairs it and says so) and carry a
    confidence per character.
    """
    if reading is None:
        return words
    boxes = [line.box for line in reading.lines]
    kept = [
        w
        for w in words
        if not any(b.x0 <= w.box.cx <= b.x1 and b.y0 <= w.box.cy <= b.y1 for b in boxes)
    ]
    key = max((w.line_key for w in words), default=0) + 1
    for i, line in enumerate(reading.lines):
        conf = sum(line.confidences) / len(line.confidences) if line.confidences else 0.0
        kept.append(OcrWord(line.text, line.box, conf, key + i, line.confidences))
    return kept
