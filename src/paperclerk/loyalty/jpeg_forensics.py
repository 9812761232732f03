"""A painted region in a twice-compressed JPEG: blocks that lack the earlier compression.

A receipt photo edited in an image editor (the total painted over, a bigger amount typed in)
and saved again as JPEG was compressed twice everywhere except where it was painted. The
file's 8×8 grid is the grid of the first compression too (the editor does not move the
picture), so every unedited block's DCT coefficients still sit close to the lattice of the
first quantisation step (aligned double JPEG; Lin et al. 2009, Bianchi & Piva 2012), and
the painted blocks, compressed only once, do not. `compression.py` looks for the opposite
(a region compressed earlier at a lower quality than the rest, a pasted patch).

The check runs in three steps, on the blocks with texture only (flat paper says nothing):

1. the earlier steps are estimated from the picture itself: for each low AC frequency the
   coefficients of all textured blocks, snapped to the file's own step, are tested for
   periodicity at every step larger than the file's; a clear period is an earlier step.
   A file compressed once (a re-photograph, a scan saved once) shows no period: no finding;
2. every textured block is compressed again with the earlier steps (the file's own steps at
   the other frequencies) and with steps 25 % larger, and compared in pixels with itself
   (the JPEG ghost, Farid 2009): a block once quantised on that lattice changes much less
   with the earlier steps than with the larger ones. The comparison is made in pixels
   because print clips at black and white: clipped blocks leave the lattice in the DCT
   domain but come back to the same pixels;
3. a finding needs a compact window of textured blocks most of which lack the dip, while
   the rest of the picture mostly shows it; the strength is the window's binomial surprise
   (n · KL(share inside ‖ share outside)), so a picture whose lattice is weak everywhere
   needs a larger, purer window.

It cannot see an edit when the first compression was finer than the last (a scan saved at
quality 100, the usual case for SROIE scans: step 1 everywhere leaves no lattice), when the
picture was never a JPEG before (a PNG original: every block is compressed once, the picture
is consistent), or when the picture was moved, scaled or rotated before saving.

Thresholds were set on the 245 SROIE receipts outside the validation split
(`scripts/tune_jpeg_forensics.py`): 2 of 245 scans (0.8 %), 1 of 245 scans re-saved at
quality 85-95 and none of 207 re-photographs flagged; 31 % of totals painted over and
saved at quality 85/90/95 found (34 % with the cash line too; 37 % at 95, 25 % at 85),
14 % at quality 70-98 (none at 70, 39 % at 98), none on a never-JPEG original. Every
finding's box lay on a painted amount. The coarser the last compression, the closer its
steps come to the earlier ones and the less the painted blocks stand out.

Cost: the decoding of the luminance, one DCT of the textured blocks and two compressions
of their mosaic: about 0.25 s on a 1-3 MP receipt, about 1 s on a 35 MP page scan.
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
JPEG_MAGIC = b"\xff\xd8\xff"
MAX_PIXELS = 40_000_000  # larger pictures are not analysed
TEXTURE_STD = 8.0  # grey levels: a block flatter than this says nothing
# the low AC frequencies (row, column) searched for an earlier step, in zigzag order
FREQUENCIES = (
    (0, 1), (1, 0), (2, 0), (1, 1), (0, 2), (0, 3), (1, 2), (2, 1), (3, 0), (4, 0),
    (3, 1), (2, 2), (1, 3), (0, 4), (0, 5), (1, 4), (2, 3), (3, 2), (4, 1), (5, 0),
)  # fmt: skip
MAX_STEP = 64  # largest earlier step looked for
MIN_COEFFICIENTS = 200  # non-zero coefficients a frequency needs for its period to be tested
MIN_PERIODICITY = 0.15  # periodicity (0..1) an earlier step needs at least
PERIODICITY_NOISE = 6.0  # ... and at least this many times the chance level 1 / sqrt(n)
MIN_FREQUENCIES = 3  # frequencies with an earlier step a picture needs to be analysed
REFERENCE_SCALE = 1.25  # the comparison steps: earlier steps this much larger
ERROR_FLOOR = 0.5  # mean squared error added to the reference error (noise-free blocks)
DIP_RATIO = 0.6  # error ratio at or above this: the block lacks the earlier compression
WINDOWS = ((5, 5), (9, 3), (13, 5))  # window shapes (columns, rows) in blocks
MIN_WINDOW_BLOCKS = 10  # textured blocks a window needs
MIN_INSIDE_SHARE = 0.5  # share of a window's textured blocks lacking the dip
MIN_SURPRISE = 55.0  # n · KL(inside ‖ outside) a finding needs (nats)
MOSAIC_COLUMNS = 256  # blocks per row of the mosaic of textured blocks

_ORTHO_DCT = np.array(
    [
        [
            (np.sqrt(1 / 8) if k == 0 else 0.5) * np.cos((2 * n + 1) * k * np.pi / 16)
            for n in range(8)
        ]
        for k in range(8)
    ],
    dtype=np.float32,
)


@dataclass(frozen=True)
class PaintedRegion:
    """A region of a twice-compressed JPEG whose blocks were compressed only once."""

    box: tuple[int, int, int, int]  # x, y, width, height (pixels) of the window found
    earlier_steps: tuple[tuple[int, int, int], ...]  # (row, column, step) of the first JPEG
    final_quality_steps: tuple[int, ...]  # the file's own steps at those frequencies
    blocks: int  # textured blocks in the window
    inside_share: float  # share of them lacking the earlier compression
    outside_share: float  # the same share in the rest of the picture
    surprise: float  # n · KL(inside ‖ outside), nats: the strength of the finding


def _decode(data: bytes) -> tuple[Array, Array] | None:
    """Return the luminance (uint8) and its quantisation table (8×8) of a JPEG file."""
    if not data.startswith(JPEG_MAGIC):
        return None
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format != "JPEG" or img.width * img.height > MAX_PIXELS:
                return None
            tables = getattr(img, "quantization", None) or {}
            if 0 not in tables or len(tables[0]) != 64:
                return None
            table = np.asarray(tables[0], dtype=np.float32).reshape(8, 8)  # natural order
            img.draft("L", img.size)
            return np.asarray(img.convert("L"), dtype=np.uint8), table
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


def _block_view(grey: Array) -> Array:
    """Return the image cut into its 8×8 blocks, shape (rows, cols, 8, 8)."""
    h, w = (grey.shape[0] // 8) * 8, (grey.shape[1] // 8) * 8
    return grey[:h, :w].reshape(h // 8, 8, w // 8, 8).transpose(0, 2, 1, 3)


def _textured(blocks: Array) -> Array:
    """Return which blocks have texture (grey standard deviation at least TEXTURE_STD)."""
    rng = blocks.max(axis=(2, 3)).astype(np.int16) - blocks.min(axis=(2, 3))
    textured = np.zeros(rng.shape, dtype=bool)
    varied = rng >= int(2 * TEXTURE_STD)  # a range r allows a deviation of r / 2 at most
    textured[varied] = blocks[varied].astype(np.float32).std(axis=(-1, -2)) >= TEXTURE_STD
    return textured


def earlier_steps(coefficients: Array, table: Array) -> Array:
    """Return the table of a first compression found in blocks' DCT coefficients.

    `coefficients` are the textured blocks' DCT coefficients (n, 8, 8), `table` the file's
    steps. A frequency whose coefficients, snapped to the file's step, are clearly periodic
    with a larger step gets that step; the others keep the file's own. The periodicity of
    a step q is |mean exp(2πi c / q)| over the non-zero coefficients, computed from their
    histogram; of near-equal peaks the largest step is taken (a step's divisors peak too).
    """
    found = table.copy()
    for u, v in FREQUENCIES:
        step = float(table[u, v])
        k = np.rint(coefficients[:, u, v] / step).astype(np.int64)
        k = k[k != 0]
        if len(k) < MIN_COEFFICIENTS:
            continue
        values, counts = np.unique(k, return_counts=True)
        candidates = np.arange(int(step) + 2, MAX_STEP, dtype=np.float64)
        if len(candidates) == 0:
            continue
        phase = np.exp(2j * np.pi * np.outer(values * step, 1.0 / candidates))
        score = np.abs(counts @ phase) / len(k)
        best = float(score.max())
        if best < MIN_PERIODICITY or best < PERIODICITY_NOISE / np.sqrt(len(k)):
            continue
        found[u, v] = candidates[np.nonzero(score >= 0.9 * best)[0][-1]]
    return found


def _mosaic(blocks: Array) -> Array:
    """Lay (n, 8, 8) blocks out row by row on a grid MOSAIC_COLUMNS blocks wide (uint8)."""
    n = len(blocks)
    cols = min(n, MOSAIC_COLUMNS)
    rows = -(-n // cols)
    grid = np.zeros((rows * cols, 8, 8), dtype=np.uint8)
    grid[:n] = blocks
    return np.ascontiguousarray(
        grid.reshape(rows, cols, 8, 8).transpose(0, 2, 1, 3).reshape(rows * 8, cols * 8)
    )


def _block_errors(mosaic: Array, blocks: Array, table: Array) -> Array:
    """Return each block's mean squared change when compressed with `table` (n,)."""
    buffer = io.BytesIO()
    qtable = [int(x) for x in np.clip(table, 1, 255).ravel()]
    Image.fromarray(mosaic, mode="L").save(buffer, "JPEG", qtables=[qtable])
    buffer.seek(0)
    with Image.open(buffer) as again:
        decoded = np.asarray(again, dtype=np.float32)
    rows, cols = decoded.shape[0] // 8, decoded.shape[1] // 8
    back = decoded.reshape(rows, 8, cols, 8).transpose(0, 2, 1, 3).reshape(-1, 8, 8)
    diff = back[: len(blocks)] - blocks
    return np.asarray((diff * diff).mean(axis=(1, 2)))


def _kl(a: Array, p: Array) -> Array:
    """Return the Kullback-Leibler divergence of Bernoulli(a) from Bernoulli(p)."""
    a = np.clip(a, 1e-6, 1 - 1e-6)
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.asarray(a * np.log(a / p) + (1 - a) * np.log((1 - a) / (1 - p)))


def lacking_blocks(grey: Array, table: Array) -> tuple[Array, Array, Array] | None:
    """Return (textured, lacking, earlier table) block maps of a JPEG's luminance.

    `lacking` marks the textured blocks that do not show the dip of the earlier compression;
    None when the picture shows no earlier compression coarser than the file's own.
    """
    blocks = _block_view(grey)
    textured = _textured(blocks)
    chosen = blocks[textured]
    if len(chosen) < MIN_COEFFICIENTS:
        return None
    signed = chosen.astype(np.float32) - 128.0
    coefficients = np.einsum("ij,njk,lk->nil", _ORTHO_DCT, signed, _ORTHO_DCT)
    first = earlier_steps(coefficients, table)
    changed = first != table
    if int(changed.sum()) < MIN_FREQUENCIES:
        return None
    reference = first.copy()
    reference[changed] = np.ceil(first[changed] * REFERENCE_SCALE)
    mosaic = _mosaic(chosen)
    pixels = chosen.astype(np.float32)
    ratio = _block_errors(mosaic, pixels, first) / (
        _block_errors(mosaic, pixels, reference) + ERROR_FLOOR
    )
    lacking = np.zeros(textured.shape, dtype=bool)
    lacking[textured] = ratio >= DIP_RATIO
    return textured, lacking, first


def painted_region(data: bytes, *, min_surprise: float = MIN_SURPRISE) -> PaintedRegion | None:
    """Return a region of a twice-compressed JPEG that was compressed only once, if any.

    Why: an amount painted over in an editor and saved as JPEG again leaves the painted
    blocks without the first compression's lattice that the rest of the picture keeps.
    None for files that are not JPEGs, pictures with no earlier compression coarser than
    the file's (nothing to compare), and consistent pictures. `min_surprise=0` returns the
    strongest window whatever its strength (for tuning).
    """
    decoded = _decode(data)
    if decoded is None:
        return None
    grey, table = decoded
    maps = lacking_blocks(grey, table)
    if maps is None:
        return None
    textured, lacking, first = maps
    tex = textured.astype(np.float32)
    lack = lacking.astype(np.float32)
    total_tex, total_lack = float(tex.sum()), float(lack.sum())
    best: PaintedRegion | None = None
    for cols, rows in WINDOWS:
        inside = cv2.boxFilter(
            lack, -1, (cols, rows), normalize=False, borderType=cv2.BORDER_CONSTANT
        )
        count = cv2.boxFilter(
            tex, -1, (cols, rows), normalize=False, borderType=cv2.BORDER_CONSTANT
        )
        share = inside / np.maximum(count, 1.0)
        outside = (total_lack - inside) / np.maximum(total_tex - count, 1.0)
        ok = (count >= MIN_WINDOW_BLOCKS) & (share >= MIN_INSIDE_SHARE) & (share > outside)
        surprise = np.where(ok, count * _kl(share, outside), 0.0)
        r, c = np.unravel_index(int(np.argmax(surprise)), surprise.shape)
        value = float(surprise[r, c])
        if value <= 0.0 or value < min_surprise or (best is not None and value <= best.surprise):
            continue
        # the box filter anchors its windows at their centre
        x0, y0 = max(0, int(c) - cols // 2), max(0, int(r) - rows // 2)
        changed = np.argwhere(first != table)
        best = PaintedRegion(
            box=(8 * int(x0), 8 * int(y0), 8 * cols, 8 * rows),
            earlier_steps=tuple((int(u), int(v), int(first[u, v])) for u, v in changed),
            final_quality_steps=tuple(int(table[u, v]) for u, v in changed),
            blocks=int(count[r, c]),
            inside_share=float(share[r, c]),
            outside_share=float(outside[r, c]),
            surprise=value,
        )
    return best
