"""Fingerprints of a receipt: exact bytes, the picture (perceptual hashes) and the purchase.

A receipt sent twice is rarely the same file: it is photographed again, turned, cropped,
in other light, at another size, re-encoded. So the picture is first brought to a canonical
form — cropped to the paper when a sheet outline is visible, turned so the text lines run
across (projection-profile search over 90° turns and small angles), cut to the ink's
bounding box, resized to a fixed grid and normalised for light — and then hashed:

- `phash`: 64-bit block-mean hash (4×16 cells: darker than the median cell?); the index key.
- `vhash`: 512-bit block-mean hash (16×32 cells); the verifier that tells apart different
  receipts of the same shop (same template) as far as their layout differs.

The canonical form is upright or upside down; which one is not decided (that would need
OCR). `query_hashes` therefore gives the hashes of both, and lookups try each.

Two more fingerprints serve the print verifier (`paperclerk.loyalty.layout`): the print
itself, small, and `partial_keys`, digests of each pair of fields read (shop + total,
day + time…) that name the candidates it checks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from paperclerk.ingest.types import IngestedFile
from paperclerk.loyalty.ink import ink_mask
from paperclerk.loyalty.layout import encode_layout, layout_of
from paperclerk.model import Document
from paperclerk.preprocess.crop import crop_to_paper
from paperclerk.preprocess.deskew import rotate_expanded

Array = npt.NDArray[Any]

WORK_SIDE = 640  # the longer side of the working copy
GRID_W = 64  # the canonical print map is 2 × GRID_W pixels wide
VGRID_W, VGRID_H = 16, 32  # the verifier's grid: 512 bits
GRID_BLUR = 0.7  # sigma (grid cells) of the blur that forgives small misalignments
SPREAD = 1.8  # half-window in standard deviations of the ink (1.73 covers uniform print)
SMALL_ANGLES = np.arange(-12.0, 12.01, 1.0)  # deskew search, degrees


@dataclass(frozen=True)
class ImageHashes:
    """Perceptual hashes of one orientation of a receipt picture."""

    phash: int  # unsigned 64-bit
    vhash: bytes  # 64 bytes
    aspect: float  # height / width of the canonical (ink) box


@dataclass(frozen=True)
class Fingerprint:
    """Everything duplicate detection needs to know about one submitted receipt."""

    sha256: str
    image: ImageHashes | None
    flipped: ImageHashes | None  # the same picture turned 180°
    content_key: str | None  # merchant + date + time + total + receipt number
    purchase_key: str | None  # merchant + date + total (looser)
    amount_key: str | None  # date + total (loosest; needs the picture to agree too)
    purchase_date: dt.date | None = None  # with a similar picture: a possible duplicate
    partial_keys: tuple[str, ...] = ()  # pairs of fields read: candidates for the verifier
    layout: bytes | None = None  # the print (`paperclerk.loyalty.layout`), 2-bit PNG
    fields: dict[str, str] = field(default_factory=dict)  # shop, day, time, total, number
    confident: frozenset[str] = frozenset()  # which of `fields` were read confidently


def sha256_of(data: bytes) -> str:
    """Return the hex sha256 of the bytes (identical-file duplicates)."""
    return hashlib.sha256(data).hexdigest()


def _shrink(image: Array, side: int) -> Array:
    h, w = image.shape[:2]
    scale = side / max(h, w)
    if scale >= 1.0:
        return image
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def _resize_to(image: Array, side: int) -> Array:
    h, w = image.shape[:2]
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    method = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return np.asarray(cv2.resize(image, size, interpolation=method))


def _line_score(mask: Array) -> float:
    """Score how well text lines run across: variance of the row sums of the ink."""
    rows = mask.sum(axis=1, dtype=np.float64)
    return float(rows.var() / max(1.0, rows.mean() ** 2 + 1.0))


def orientation_angle(ink: Array) -> float:
    """Return the rotation (degrees, counter-clockwise) that makes the text lines horizontal.

    Searches the small angles around 0° and around 90° on a small copy of the ink mask;
    the turn with the strongest row profile wins.
    """
    small = _shrink(ink.astype(np.uint8) * 255, 300)
    best, best_score = 0.0, -1.0
    for base in (0.0, 90.0):
        for extra in SMALL_ANGLES:
            turned = rotate_expanded(small, base + float(extra))
            score = _line_score(turned > 127)
            if score > best_score:
                best, best_score = base + float(extra), score
    # refine to half a degree around the best
    for extra in (-0.5, -0.25, 0.25, 0.5):
        score = _line_score(rotate_expanded(small, best + extra) > 127)
        if score > best_score:
            best, best_score = best + extra, score
    return best


def _ink_window(weight: Array) -> tuple[float, float, float, float] | None:
    """Return (cx, cy, half_w, half_h): the window of the print from its moments.

    Centre and spread of the ink, weighted by how dark it is, not its extremes: a speck,
    a torn corner, a faint stroke that light makes appear or vanish, or a slightly
    different crop move the extremes a lot but the weighted moments very little.
    """
    total = float(weight.sum())
    if total < 50.0:
        return None
    ys, xs = np.indices(weight.shape, dtype=np.float64)
    cx, cy = float((xs * weight).sum() / total), float((ys * weight).sum() / total)
    sx = float(np.sqrt(((xs - cx) ** 2 * weight).sum() / total))
    sy = float(np.sqrt(((ys - cy) ** 2 * weight).sum() / total))
    if sx < 3 or sy < 3:
        return None
    return cx, cy, SPREAD * sx, SPREAD * sy


def ink_weight(grey: Array, ink: Array) -> Array:
    """Return the darkness of each ink pixel relative to its paper (0..1), 0 elsewhere."""
    background = cv2.blur(grey, (31, 31)).astype(np.float32) + 1.0
    darkness = np.clip(1.0 - grey.astype(np.float32) / background, 0.0, 1.0)
    return np.asarray(darkness * (ink > 0), dtype=np.float32)


def canonical_grey(image: Array) -> Array | None:
    """Return the canonical grey picture of a receipt (text across, cut to the ink), or None.

    None means there is no print to hash (a blank or nearly blank picture).
    """
    work = _shrink(image, 2 * WORK_SIDE)
    if work.ndim == 3:
        work, _ = crop_to_paper(work)
        work = cv2.cvtColor(work, cv2.COLOR_BGR2GRAY)
    work = _resize_to(work, WORK_SIDE)  # every picture is worked on at the same size
    ink = ink_mask(work)
    angle = orientation_angle(ink)
    # the print alone (1 ink, 0 paper or table): the table around the sheet must not count
    turned = rotate_expanded(ink.astype(np.float32), angle)
    window = _ink_window(turned)
    if window is None:
        return None
    cx, cy, hw, hh = window
    src = np.array([[cx - hw, cy - hh], [cx + hw, cy - hh], [cx - hw, cy + hh]], np.float32)
    out_w, out_h = 2 * GRID_W, round(2 * GRID_W * hh / hw)
    dst = np.array([[0, 0], [out_w, 0], [0, out_h]], np.float32)
    matrix = cv2.getAffineTransform(src, dst)
    canonical = cv2.warpAffine(
        turned,
        matrix,
        (out_w, max(1, out_h)),
        flags=cv2.INTER_AREA,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )
    return np.asarray(1.0 - canonical, dtype=np.float32)  # dark print on white, like paper


def _block_bits(canonical: Array, cols: int, rows: int) -> npt.NDArray[np.bool_]:
    """Return one bit per cell of a cols×rows grid: is the cell darker than the median cell."""
    cells = cv2.resize(canonical.astype(np.float32), (cols, rows), interpolation=cv2.INTER_AREA)
    cells = cv2.GaussianBlur(cells, (0, 0), GRID_BLUR)
    return np.asarray((cells < np.median(cells)).flatten())


def hashes_of(canonical: Array) -> ImageHashes:
    """Hash a canonical picture: 64-bit key hash, 512-bit verifier, aspect ratio.

    Both are block-mean hashes (one bit per cell: darker than the median cell): a small
    misalignment flips only bits at the edges of print blocks, where DCT-sign hashes of
    text texture flip at random.
    """
    bits64 = _block_bits(canonical, 4, 16)
    bitsv = _block_bits(canonical, VGRID_W, VGRID_H)  # 512 bits
    phash = int("".join("1" if b else "0" for b in bits64), 2)
    vhash = np.packbits(bitsv).tobytes()
    h, w = canonical.shape[:2]
    return ImageHashes(phash=phash, vhash=vhash, aspect=h / max(1, w))


def image_hashes(image: Array) -> tuple[ImageHashes, ImageHashes] | None:
    """Return the hashes of a receipt picture and of it turned 180°, or None when blank."""
    canonical = canonical_grey(image)
    if canonical is None:
        return None
    return hashes_of(canonical), hashes_of(cv2.rotate(canonical, cv2.ROTATE_180))


def hamming64(a: int, b: int) -> int:
    """Return the number of differing bits of two 64-bit hashes."""
    return (a ^ b).bit_count()


def hamming_bytes(a: bytes, b: bytes) -> int:
    """Return the number of differing bits of two equally long byte strings."""
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).bit_count()


def _norm_text(text: object) -> str:
    value = unicodedata.normalize("NFKC", str(text)).casefold()
    value = re.sub(r"\b(sdn|bhd|ltd|gmbh|inc|llc|plc|s\.?a\.?|co)\b\.?", " ", value)
    return re.sub(r"[^0-9a-z]+", "", value)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def content_keys(doc: Document) -> tuple[str | None, str | None, str | None]:
    """Return (content, purchase, amount) keys read from the document; None where fields lack.

    The content key needs merchant, date and total and adds time and receipt number when
    read; the purchase key is merchant + date + total alone (a second photo that OCR read
    less completely still meets it); the amount key is date + total (the shop's name is
    the field OCR most often reads differently from one photo to the next).
    """
    merchant, day, total = (
        doc.value("merchant_name"),
        doc.value("transaction_date"),
        doc.value("total"),
    )
    if not (isinstance(day, dt.date) and isinstance(total, Decimal)):
        return None, None, None
    amount = _digest(f"{day.isoformat()}|{total.normalize():f}")
    if not merchant:
        return None, None, amount
    base = f"{_norm_text(merchant)}|{day.isoformat()}|{total.normalize():f}"
    time, number = doc.value("transaction_time"), doc.value("receipt_number")
    full = f"{base}|{time or ''}|{_norm_text(number) if number else ''}"
    return _digest(full), _digest(base), amount


def _time_text(value: object) -> str | None:
    """Return a time of day as HH:MM (seconds are the digits OCR most often misreads)."""
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    found = re.search(r"(\d{1,2})[:.](\d{2})", str(value)) if value else None
    return f"{int(found.group(1)):02d}:{found.group(2)}" if found else None


def read_fields(doc: Document) -> dict[str, str]:
    """Return the identifying fields read from a receipt, normalised, that are present."""
    merchant, day, total = (
        doc.value("merchant_name"),
        doc.value("transaction_date"),
        doc.value("total"),
    )
    number = doc.value("receipt_number")
    fields = {
        "shop": _norm_text(merchant) if merchant else "",
        "day": day.isoformat() if isinstance(day, dt.date) else "",
        "time": _time_text(doc.value("transaction_time")) or "",
        "total": f"{total.normalize():f}" if isinstance(total, Decimal) and total > 0 else "",
        "number": _norm_text(number) if number else "",
    }
    return {k: v for k, v in fields.items() if len(v) >= (3 if k in ("shop", "number") else 1)}


CONFIDENT = 0.8  # a field read at least this sure may contradict another picture's
FIELD_OF = {"shop": "merchant_name", "day": "transaction_date", "time": "transaction_time",
            "total": "total", "number": "receipt_number"}  # fmt: skip


def confident_fields(doc: Document, fields: dict[str, str]) -> frozenset[str]:
    """Return which identifying fields were read with at least `CONFIDENT` confidence."""
    return frozenset(
        key
        for key in fields
        if (f := doc.fields.get(FIELD_OF[key])) is not None and f.confidence >= CONFIDENT
    )


def partial_keys(doc: Document) -> tuple[str, ...]:
    """Return a digest for every pair of identifying fields read (shop + total, day + time…).

    Two photos of one receipt are seldom read identically (a date missed, a digit
    misread), but they nearly always agree on some pair of fields; the pairs name the
    candidates that the print verifier then checks.
    """
    fields = sorted(read_fields(doc).items())
    return tuple(
        _digest(f"{a}={va}|{b}={vb}")
        for i, (a, va) in enumerate(fields)
        for b, vb in fields[i + 1 :]
    )


def fingerprint(ingested: IngestedFile, doc: Document | None = None) -> Fingerprint:
    """Compute every fingerprint of a submitted receipt (the document gives the content keys).

    The picture hashes and the print are taken from the first page (a receipt is one page).
    """
    image = ingested.pages[0].image if ingested.pages else None
    hashes = image_hashes(image) if image is not None else None
    levels = layout_of(image) if image is not None else None
    content, purchase, amount = content_keys(doc) if doc is not None else (None, None, None)
    day = doc.value("transaction_date") if doc is not None else None
    read = read_fields(doc) if doc is not None else {}
    return Fingerprint(
        sha256=ingested.sha256,
        image=hashes[0] if hashes else None,
        flipped=hashes[1] if hashes else None,
        content_key=content,
        purchase_key=purchase,
        amount_key=amount,
        purchase_date=day if isinstance(day, dt.date) else None,
        partial_keys=partial_keys(doc) if doc is not None else (),
        layout=encode_layout(levels) if levels is not None else None,
        fields=read,
        confident=confident_fields(doc, read) if doc is not None else frozenset(),
    )
