"""Inconsistent JPEG compression: a region once compressed at a lower quality than the rest.

A receipt edited by pasting a region (a total cut from another copy, digits from a re-saved
version) carries that region's earlier JPEG compression into the final file. The JPEG
ghost (Farid, "Exposing digital forgeries from JPEG ghosts", 2009) shows it: the luminance
is compressed again at a quality q and compared with itself, 8×8 block by 8×8 block (the
file's own block grid). A block whose DCT coefficients were once quantised at q already
lies on q's lattice and changes much less at q than at q + 5; a block that never was
changes a little more at q than at q + 5, as compression error grows with the step size.

The comparison is made in pixels, not in DCT coefficients: print on paper clips at black
and white, and clipped blocks leave the lattice in the DCT domain but come back to the same
pixels when compressed again. Only blocks with some texture count (flat paper says
nothing), and a finding needs a compact region where most blocks show the ghost while
almost no block elsewhere does: a file compressed once at q shows the ghost everywhere,
which is consistent, and is not flagged. A region pasted off the 8×8 grid shows no ghost;
this check does not see it.

The thresholds were set on SROIE receipts outside the validation split (206 scans, 245
re-photographs, 206 scans saved again at quality 90, and each scan with a random band
pasted from a quality-50 and from a quality-65 copy): no scan, no re-photograph and one
re-saved scan flagged, half of the pasted bands found. A band over blank paper cannot be
found at all (no texture, no ghost), so the misses are partly unavoidable; a false alarm
costs a reviewer's look, so the balance leans to few alarms.

Cost: only textured blocks can show the ghost, and a greyscale baseline JPEG codes each
8×8 block on its own (its DCT, quantisation and inverse DCT see no other block), so the
textured blocks are gathered into a compact mosaic and only that is compressed again at
each quality; the errors are exactly those of compressing the whole picture. A receipt
scan is mostly blank paper (5 % of a 35-megapixel page scan is textured), so the check
costs the decoding of the luminance and little more. Blocks are found textured in two
steps: a block whose grey range is below 16 cannot reach the standard deviation of 8
(a range r allows at most r / 2), so only the rest are measured. `exhaustive=True` keeps
the former whole-picture path for comparisons (`benchmarks/claims.py`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, UnidentifiedImageError

Array = npt.NDArray[Any]
QUALITIES = tuple(range(35, 80, 5))  # earlier qualities looked for; q + 5 is compared too
TEXTURE_STD = 8.0  # grey levels: a block flatter than this says nothing
ERROR_FLOOR = 0.5  # mean squared error added to the q + 5 error (noise-free blocks)
DIP_RATIO = 0.6  # error at q over error at q + 5 below this: the block shows the ghost
WINDOW = 5  # blocks: the neighbourhood over which ghost shares are taken
MIN_TEXTURED_IN_WINDOW = 6
LOCAL_SHARE = 0.5  # share of a neighbourhood's textured blocks with the ghost
MIN_REGION_BLOCKS = 40  # ghost blocks a flagged region holds at least
MIN_INSIDE_SHARE = 0.45  # ghost share of the region's textured blocks
MAX_OUTSIDE_SHARE = 0.02  # ghost share of the textured blocks outside the region
MAX_REGION_SHARE = 0.6  # the region holds at most this share of all textured blocks
MAX_PIXELS = 40_000_000  # larger pictures are not analysed (the cost grows with the area)
JPEG_MAGIC = b"\xff\xd8\xff"
MOSAIC_COLUMNS = 256  # blocks per row of the mosaic of textured blocks (2048 pixels)
_MIN_TEXTURED_RANGE = int(2 * TEXTURE_STD)  # a block's grey range below this: flat


@dataclass(frozen=True)
class CompressionGhost:
    """A region whose blocks were compressed earlier at `quality`, unlike the rest."""

    quality: int
    box: tuple[int, int, int, int]  # x, y, width, height (pixels) around its ghost blocks
    inside_share: float  # share of the region's textured blocks with the ghost
    outside_share: float  # the same share outside the region
    ghost_blocks: int

    @property
    def score(self) -> float:
        """Return how much more of the region shows the ghost than of the rest (0..1)."""
        return self.inside_share - self.outside_share


def jpeg_luminance(data: bytes) -> Array | None:
    """Return the decoded luminance of a JPEG file (uint8), or None for any other file.

    The decoder's grey draft mode yields the file's Y plane without a round trip through
    RGB, so the pixel values are those the encoder's blocks produce.
    """
    if not data.startswith(JPEG_MAGIC):  # no decoder is opened for other files
        return None
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format != "JPEG" or img.width * img.height > MAX_PIXELS:
                return None
            img.draft("L", img.size)
            return np.asarray(img.convert("L"), dtype=np.uint8)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


def _blocks(grey: Array) -> Array:
    """Return the image cut into its 8×8 blocks, shape (rows, cols, 8, 8)."""
    h, w = (grey.shape[0] // 8) * 8, (grey.shape[1] // 8) * 8
    return grey[:h, :w].reshape(h // 8, 8, w // 8, 8).transpose(0, 2, 1, 3)


def textured_blocks(grey: Array) -> Array:
    """Return which 8×8 blocks have texture (grey standard deviation at least TEXTURE_STD).

    The standard deviation is measured only where the block's grey range allows it: two
    8×8 morphology filters give every block's maximum and minimum at little cost.
    """
    h, w = (grey.shape[0] // 8) * 8, (grey.shape[1] // 8) * 8
    whole = np.ascontiguousarray(grey[:h, :w])
    kernel = np.ones((8, 8), np.uint8)
    hi = cv2.dilate(whole, kernel, anchor=(0, 0), borderType=cv2.BORDER_REPLICATE)[::8, ::8]
    lo = cv2.erode(whole, kernel, anchor=(0, 0), borderType=cv2.BORDER_REPLICATE)[::8, ::8]
    varied = (hi.astype(np.int16) - lo.astype(np.int16)) >= _MIN_TEXTURED_RANGE
    textured = np.zeros(varied.shape, dtype=bool)
    measured = _blocks(whole)[varied].astype(np.float32)
    textured[varied] = measured.std(axis=(-1, -2)) >= TEXTURE_STD
    return textured


def _recompressed(grey: Array, quality: int) -> Array:
    """Return the greyscale image compressed at `quality` and decoded again (float32)."""
    buffer = io.BytesIO()
    Image.fromarray(grey, mode="L").save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    with Image.open(buffer) as again:
        return np.asarray(again, dtype=np.float32)


def _mosaic(blocks: Array) -> Array:
    """Lay (n, 8, 8) blocks out row by row on a grid MOSAIC_COLUMNS blocks wide (uint8)."""
    n = len(blocks)
    cols = min(n, MOSAIC_COLUMNS)
    rows = -(-n // cols)
    grid = np.zeros((rows * cols, 8, 8), dtype=np.uint8)  # flat padding blocks, ignored
    grid[:n] = blocks
    return np.ascontiguousarray(
        grid.reshape(rows, cols, 8, 8).transpose(0, 2, 1, 3).reshape(rows * 8, cols * 8)
    )


def recompression_errors(
    grey: Array, qualities: tuple[int, ...], where: Array | None = None
) -> Array:
    """Return the mean squared change of each 8×8 block when compressed at each quality.

    Shape (len(qualities), block rows, block columns); the JPEG codec is Pillow's (IJG
    quantisation tables, the ones most editors and phones use). With `where` (a mask of
    blocks) only those blocks are compressed again, laid out in a mosaic: each block is
    coded on its own, so their errors are exactly those of the whole picture; the other
    blocks get 0. Without it the whole picture is compressed (the former, slower path).
    """
    original = _blocks(grey)
    if where is None:
        image = _blocks(grey.astype(np.float32))
        out = [
            ((image - _blocks(_recompressed(grey, q))) ** 2).mean(axis=(-1, -2)) for q in qualities
        ]
        return np.stack(out)
    chosen = original[where]
    errors = np.zeros((len(qualities), *where.shape), dtype=np.float32)
    if not len(chosen):
        return errors
    mosaic = _mosaic(chosen)
    before = _blocks(mosaic.astype(np.float32)).reshape(-1, 8, 8)[: len(chosen)]
    for i, quality in enumerate(qualities):
        after = _blocks(_recompressed(mosaic, quality)).reshape(-1, 8, 8)[: len(chosen)]
        errors[i][where] = ((before - after) ** 2).mean(axis=(-1, -2))
    return errors


def _region(ghost: Array, textured: Array) -> Array | None:
    """Return the mask of blocks around dense clusters of ghost blocks, or None.

    A neighbourhood is dense when most of its textured blocks show the ghost; the region
    is every such neighbourhood, whole (one pasted patch may hold several lines of print
    with blank paper between them).
    """
    k = (WINDOW, WINDOW)
    ghosts = cv2.boxFilter(ghost.astype(np.float32), -1, k, normalize=False)
    counts = cv2.boxFilter(textured.astype(np.float32), -1, k, normalize=False)
    dense = (counts >= MIN_TEXTURED_IN_WINDOW) & (ghosts >= LOCAL_SHARE * np.maximum(counts, 1))
    if not dense.any():
        return None
    grown = cv2.dilate(dense.astype(np.uint8), np.ones(k, np.uint8))
    return np.asarray(grown > 0)


def find_ghost(grey: Array, *, exhaustive: bool = False) -> CompressionGhost | None:
    """Return the strongest region compressed earlier at a lower quality than the rest, if any.

    Only the textured blocks are compressed again; `exhaustive=True` compresses the whole
    picture as the first version did (same answer, several times slower on large scans).
    """
    if min(grey.shape[:2]) < 8 * WINDOW:
        return None
    qualities = (*QUALITIES, QUALITIES[-1] + 5)
    if exhaustive:
        errors = recompression_errors(grey, qualities)
        textured = _blocks(grey.astype(np.float32)).std(axis=(-1, -2)) >= TEXTURE_STD
    else:
        textured = textured_blocks(grey)
    total = int(textured.sum())
    if total < MIN_REGION_BLOCKS:
        return None
    if not exhaustive:
        errors = recompression_errors(grey, qualities, textured)
    best: CompressionGhost | None = None
    for i, quality in enumerate(QUALITIES):
        ghost = textured & (errors[i] < DIP_RATIO * (errors[i + 1] + ERROR_FLOOR))
        inside = _region(ghost, textured)
        if inside is None:
            continue
        rows, cols = np.nonzero(inside & ghost)  # the box: the ghost blocks of the region
        x, y = int(cols.min()), int(rows.min())
        w, h = int(cols.max()) + 1 - x, int(rows.max()) + 1 - y
        t_in, t_out = int((textured & inside).sum()), int((textured & ~inside).sum())
        g_in, g_out = int((ghost & inside).sum()), int((ghost & ~inside).sum())
        found = CompressionGhost(
            quality=quality,
            box=(8 * x, 8 * y, 8 * w, 8 * h),
            inside_share=round(g_in / max(1, t_in), 3),
            outside_share=round(g_out / max(1, t_out), 3),
            ghost_blocks=g_in,
        )
        if (
            g_in >= MIN_REGION_BLOCKS
            and found.inside_share >= MIN_INSIDE_SHARE
            and found.outside_share <= MAX_OUTSIDE_SHARE
            and t_in <= MAX_REGION_SHARE * total
            and (best is None or found.score > best.score)
        ):
            best = found
    return best


def compression_ghost(data: bytes, *, exhaustive: bool = False) -> CompressionGhost | None:
    """Return the region of a JPEG file compressed differently from the rest, or None.

    None for files that are not JPEG, too small or too large to analyse, or consistent.
    `exhaustive=True` runs the former whole-picture recompression (for benchmarks).
    """
    grey = jpeg_luminance(data)
    return None if grey is None else find_ghost(grey, exhaustive=exhaustive)
