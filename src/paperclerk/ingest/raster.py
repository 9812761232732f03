"""Decode JPEG, PNG, TIFF and WebP into upright BGR uint8 pages.

Pillow does the decoding; this module adds what a document pipeline needs on top: a
pixel-count guard checked from the header before any pixel is decoded (bombs), EXIF
orientation (phone photos), every frame of a multi-page TIFF/WebP as a page, every Pillow
mode mapped to 3-channel BGR (alpha flattened onto white paper), and truncated or damaged
files reported as CorruptInputError instead of half-grey pages.
"""

from __future__ import annotations

import io
import logging
import warnings
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image as PILImage
from PIL import ImageFile, ImageOps, UnidentifiedImageError

from paperclerk.errors import CorruptInputError, LimitExceededError
from paperclerk.ingest.sniff import JPEG, PNG, TIFF, WEBP
from paperclerk.ingest.types import Image
from paperclerk.settings import Settings

_log = logging.getLogger(__name__)

_PIL_FORMATS = {JPEG: "JPEG", PNG: "PNG", TIFF: "TIFF", WEBP: "WEBP"}
_NAMES = {JPEG: "JPEG", PNG: "PNG", TIFF: "TIFF", WEBP: "WebP"}


def load_raster(data: bytes, media_type: str, settings: Settings) -> list[Image]:
    """Decode every frame of a raster image into an upright BGR uint8 array.

    Raises LimitExceededError for too many frames or pixels (checked before decoding),
    and CorruptInputError when the file cannot be fully decoded.
    """
    name = _NAMES[media_type]
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        # Someone in this process switched on silent truncation: Pillow will now pad
        # cut-off files with grey instead of failing. Say so; we cannot undo a global.
        _log.warning("PIL.ImageFile.LOAD_TRUNCATED_IMAGES is on: truncated images pass")
    with _open(data, media_type, settings) as img:
        frames = _check_frames(img, media_type, settings)
        pages = []
        for index in range(frames):
            pages.append(_decode_frame(img, index, frames, name, settings))
        return pages


def check_raster(data: bytes, media_type: str, settings: Settings) -> int:
    """Check a raster image from its headers, decoding no pixel; return its page count.

    The same refusals as `load_raster` for an unreadable header, too many frames and too
    many pixels; a file damaged after its headers (truncated pixel data) still passes and
    `load_raster` reports it.
    """
    name = _NAMES[media_type]
    with _open(data, media_type, settings) as img:
        frames = _check_frames(img, media_type, settings)
        for index in range(frames):
            _seek_and_check(img, index, frames, name, settings)
        return frames


def _open(data: bytes, media_type: str, settings: Settings) -> PILImage.Image:
    """Open an image with Pillow, which reads its header only.

    Pillow refuses on its own an image far over its built-in pixel limit; that refusal
    states the configured limit, as `_seek_and_check` does, not Pillow's.
    """
    name = _NAMES[media_type]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            return PILImage.open(io.BytesIO(data), formats=[_PIL_FORMATS[media_type]])
    except PILImage.DecompressionBombError as exc:
        raise LimitExceededError(
            f"The {name} image is too large to decode safely: it declares more pixels than "
            f"the {settings.max_pixels:,} accepted per page."
        ) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise CorruptInputError(f"The {name} file is damaged and cannot be read: {exc}") from exc


def _check_frames(img: PILImage.Image, media_type: str, settings: Settings) -> int:
    """Return how many pages the image holds; refuse more than `settings.max_pages`."""
    # Only TIFF and WebP hold pages. A JPEG's extra frames (MPO from phones) are
    # previews or depth maps, and an animated PNG is not a document.
    frames = int(getattr(img, "n_frames", 1)) if media_type in (TIFF, WEBP) else 1
    if frames > settings.max_pages:
        raise LimitExceededError(
            f"The {_NAMES[media_type]} file has {frames} pages; "
            f"at most {settings.max_pages} are accepted."
        )
    return frames


def _seek_and_check(
    img: PILImage.Image, index: int, frames: int, name: str, settings: Settings
) -> str:
    """Go to frame `index` and refuse an empty or oversized one; return its " (page i of n)"."""
    where = f" (page {index + 1} of {frames})" if frames > 1 else ""
    try:
        if index:
            img.seek(index)
    except (EOFError, OSError, ValueError) as exc:
        raise CorruptInputError(f"The {name} file is damaged{where}: {exc}") from exc
    width, height = img.size
    if width <= 0 or height <= 0:
        raise CorruptInputError(f"The {name} file declares an empty image{where}.")
    if width * height > settings.max_pixels:
        raise LimitExceededError(
            f"The {name} image{where} is {width}x{height} = {width * height:,} pixels; "
            f"at most {settings.max_pixels:,} are accepted."
        )
    return where


def _decode_frame(
    img: PILImage.Image, index: int, frames: int, name: str, settings: Settings
) -> Image:
    where = _seek_and_check(img, index, frames, name, settings)
    try:
        img.load()
        frame = _exif_upright(img)
        return to_bgr(frame)
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise CorruptInputError(
            f"The {name} file is truncated or damaged{where} and cannot be decoded: {exc}"
        ) from exc


def _exif_upright(img: PILImage.Image) -> PILImage.Image:
    """Apply the EXIF orientation tag; a broken EXIF block is ignored, not fatal."""
    try:
        turned = ImageOps.exif_transpose(img)
    except Exception:  # EXIF parsing has many failure modes; the pixels are still fine.
        return img
    return turned if turned is not None else img


def to_bgr(img: PILImage.Image) -> Image:
    """Convert a Pillow image of any mode to a contiguous BGR uint8 array.

    Transparency is composited onto white (paper), 16/32-bit and float greyscale are
    scaled to 8 bits, palettes, 1-bit, CMYK and YCbCr go through RGB.
    """
    mode = img.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        grey = _scale_to_u8(np.asarray(img))
        return np.ascontiguousarray(np.repeat(grey[:, :, None], 3, axis=2))
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        mode == "P" and "transparency" in img.info
    )
    if has_alpha:
        rgba = img.convert("RGBA")
        paper = PILImage.new("RGBA", rgba.size, (255, 255, 255, 255))
        rgb = PILImage.alpha_composite(paper, rgba).convert("RGB")
    elif mode == "RGB":
        rgb = img
    else:
        rgb = img.convert("RGB")
    arr = np.asarray(rgb, dtype=np.uint8)
    return np.ascontiguousarray(arr[:, :, ::-1])


def _scale_to_u8(arr: npt.NDArray[Any]) -> Image:
    values = arr.astype(np.float64)
    if arr.dtype.kind in "ui" and values.size and values.max() <= 65535 and values.min() >= 0:
        # 16-bit data: fixed scale keeps dark pages dark (no contrast stretch).
        return np.clip(values / 257.0, 0, 255).round().astype(np.uint8)
    lo, hi = (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)
    if hi <= lo:
        return np.full(arr.shape, 255 if hi > 0 else 0, dtype=np.uint8)
    return ((values - lo) * (255.0 / (hi - lo))).round().astype(np.uint8)
