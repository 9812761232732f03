"""Find text-line quads on a page cheaply, with RapidOCR's text detector.

The detector does not see the whole page: the page is scaled so that its characters are
about `_TARGET_CHAR_PX` high (measured from connected components) and the detector runs
on the `_WINDOW_PX`-square window with the most text in it. That keeps the cost flat,
one small inference, whatever the page size. The ONNX models (detector and the 0/180
direction classifier used by the orientation step) ship inside the rapidocr wheel and
are loaded once per process; nothing is ever downloaded.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from paperclerk.ingest.types import Image
from paperclerk.settings import get_settings

Quads = npt.NDArray[np.float32]  # (n, 4, 2) points, clockwise from top-left

CLS_BATCH = 6  # lines per direction-classifier batch
MIN_ASPECT = 2.0  # long/short side ratio for a box to count as a text line
_TARGET_CHAR_PX = 14.0  # character height the detector sees
_WINDOW_PX = 320  # side of the square window the detector runs on (multiple of 32)
_ANALYSIS_SIDE = 800  # max side of the greyscale copy used to measure text size
_MIN_LINES = 3  # fewer lines than this in the window: retry on the whole page
_FALLBACK_SIDE = 640  # max side of the whole-page retry

_lock = threading.Lock()
_models: dict[str, Any] = {}


def _model_dir() -> Path:
    import rapidocr

    return Path(rapidocr.__file__).resolve().parent / "models"


def _thread_count() -> int:
    wanted = get_settings().ocr_threads
    if wanted > 0:
        return wanted
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def load_models() -> tuple[Any, Any]:
    """Return the (text detector, direction classifier) pair, built once per process."""
    with _lock:
        if not _models:
            import rapidocr
            from rapidocr.ch_ppocr_cls import TextClassifier
            from rapidocr.ch_ppocr_det import TextDetector
            from rapidocr.utils.parse_parameters import ParseParams

            cfg = ParseParams.load(Path(rapidocr.__file__).resolve().parent / "config.yaml")
            engine = cfg.EngineConfig.onnxruntime
            # Always set the thread count: left unset, onnxruntime can oversubscribe.
            engine.intra_op_num_threads = _thread_count()
            engine.inter_op_num_threads = 1
            cfg.Det.engine_cfg = engine
            cfg.Det.model_path = str(_model_dir() / "PP-OCRv6_det_small.onnx")
            cfg.Det.limit_type = "max"
            cfg.Det.limit_side_len = 4 * _WINDOW_PX  # we size the input ourselves
            cfg.Cls.engine_cfg = engine
            cfg.Cls.model_path = str(_model_dir() / "ch_ppocr_mobile_v2.0_cls_mobile.onnx")
            cfg.Cls.cls_batch_num = 2 * CLS_BATCH  # each line is read both ways up
            det = TextDetector(cfg.Det)
            # Our tiles are already sized: replace the resize-and-normalise step.
            det.get_preprocess = _DetInput  # type: ignore[method-assign,assignment]
            _models["det"] = det
            _models["cls"] = TextClassifier(cfg.Cls)
        return _models["det"], _models["cls"]


class _DetInput:
    """Normalise a tile exactly like rapidocr's DetPreProcess, (x/255 - 0.5)/0.5, in one call.

    Our tiles already have sides that are multiples of 32, so the resize step is skipped.
    """

    def __call__(self, img: Image) -> npt.NDArray[np.float32]:
        blob = cv2.dnn.blobFromImage(img, 1 / 127.5, mean=(127.5, 127.5, 127.5), swapRB=False)
        return np.asarray(blob, dtype=np.float32)


def _analysis_binary(image: Image) -> tuple[npt.NDArray[np.uint8], float]:
    """Return a small ink mask (text = 1) of the page and its scale to the page."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    h, w = grey.shape[:2]
    scale = min(1.0, _ANALYSIS_SIDE / max(h, w))
    if scale < 1.0:
        grey = cv2.resize(grey, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    ink = cv2.adaptiveThreshold(grey, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 12)
    return ink.astype(np.uint8), scale


def text_mask(ink: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.uint8], float | None]:
    """Keep only character-like blobs of an ink mask; return (mask, median blob size).

    Logos, stamps, black dots and photo regions are dropped, so the densest window is a
    block of text. The size is None when there are too few characters to measure.
    """
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if count < 2:
        return ink, None
    h, w = ink.shape
    size = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    keep = (
        (stats[:, cv2.CC_STAT_AREA] >= 6)
        & (size >= 3)
        & (stats[:, cv2.CC_STAT_WIDTH] < w / 8)
        & (stats[:, cv2.CC_STAT_HEIGHT] < h / 8)
    )
    keep[0] = False  # the background
    if keep.sum() < 8:
        return ink, None
    mask = keep.astype(np.uint8)[labels]
    return mask, float(np.median(size[keep]))


def _densest_window(ink: npt.NDArray[np.uint8], win_w: int, win_h: int) -> tuple[int, int]:
    """Top-left corner of the win_w x win_h window of `ink` holding the most ink."""
    h, w = ink.shape
    win_w, win_h = min(win_w, w), min(win_h, h)
    integral = cv2.integral(ink)
    step = max(1, min(win_w, win_h) // 8)
    ys = np.arange(0, h - win_h + 1, step)
    xs = np.arange(0, w - win_w + 1, step)
    yy, xx = np.meshgrid(ys, xs, indexing="ij")
    sums = (
        integral[yy + win_h, xx + win_w]
        - integral[yy, xx + win_w]
        - integral[yy + win_h, xx]
        + integral[yy, xx]
    )
    iy, ix = np.unravel_index(int(np.argmax(sums)), sums.shape)
    return int(xs[ix]), int(ys[iy])


def detect_lines(image: Image) -> Quads:
    """Find text-line quads on a BGR page, in the page's pixel coordinates.

    Runs the detector on the most inky window of the page, scaled so characters are
    about 14 px high; this keeps the cost flat (about one 320x320 inference) whatever
    the page size. Returns an empty (0, 4, 2) array when no text is found.
    """
    h, w = image.shape[:2]
    ink, ink_scale = _analysis_binary(image)
    ink, char_px = text_mask(ink)
    full_page = min(1.0, _FALLBACK_SIDE / max(h, w))
    scale = min(2.0, _TARGET_CHAR_PX * ink_scale / char_px) if char_px else full_page
    scaled_w, scaled_h = max(1, round(w * scale)), max(1, round(h * scale))
    area = _WINDOW_PX * _WINDOW_PX
    if scaled_w * scaled_h <= 1.3 * area:
        x0 = y0 = 0
        crop_w, crop_h = w, h
    else:
        win_w = min(scaled_w, max(_WINDOW_PX, area // scaled_h))
        win_h = min(scaled_h, max(_WINDOW_PX, area // scaled_w))
        # Search in the ink mask, then cut the same region out of the full page.
        to_ink = ink_scale / scale
        ix, iy = _densest_window(ink, round(win_w * to_ink), round(win_h * to_ink))
        x0, y0 = round(ix / ink_scale), round(iy / ink_scale)
        crop_w, crop_h = min(w - x0, round(win_w / scale)), min(h - y0, round(win_h / scale))
    quads = _detect_in(image, x0, y0, crop_w, crop_h, scale)
    if _line_count(quads) < _MIN_LINES and (crop_w, crop_h) != (w, h):
        # The window missed the text (or the size estimate was off): look at the whole
        # page once, at a modest size. Rare, so the extra inference is affordable.
        quads = _detect_in(image, 0, 0, w, h, full_page)
    return quads


def _detect_in(image: Image, x0: int, y0: int, crop_w: int, crop_h: int, scale: float) -> Quads:
    """Run the detector on a region of the page scaled by `scale`; quads in page pixels."""
    det, _ = load_models()
    region: npt.NDArray[Any] = image[y0 : y0 + crop_h, x0 : x0 + crop_w]
    if region.ndim == 2:
        region = cv2.cvtColor(region, cv2.COLOR_GRAY2BGR)
    size = (max(32, round(crop_w * scale / 32) * 32), max(32, round(crop_h * scale / 32) * 32))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    tile = cv2.resize(region, size, interpolation=interp)
    result = det(tile)
    if result.boxes is None or len(result.boxes) == 0:
        return np.zeros((0, 4, 2), dtype=np.float32)
    quads = np.asarray(result.boxes, dtype=np.float32).copy()
    quads[:, :, 0] = quads[:, :, 0] * (crop_w / size[0]) + x0
    quads[:, :, 1] = quads[:, :, 1] * (crop_h / size[1]) + y0
    return quads


def _line_count(quads: Quads) -> int:
    if len(quads) == 0:
        return 0
    _, long_len, short_len = line_sides(quads)
    return int((long_len / short_len > MIN_ASPECT).sum())


def line_sides(quads: Quads) -> tuple[npt.NDArray[np.float32], ...]:
    """Long side vector, long length and short length of every quad."""
    e1 = quads[:, 1] - quads[:, 0]
    e2 = quads[:, 2] - quads[:, 1]
    l1 = np.linalg.norm(e1, axis=1)
    l2 = np.linalg.norm(e2, axis=1)
    long_vec = np.where((l1 >= l2)[:, None], e1, e2)
    return long_vec, np.maximum(l1, l2), np.minimum(l1, l2) + 1e-6
