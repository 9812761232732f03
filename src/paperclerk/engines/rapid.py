"""RapidOCR with the PP-OCRv6 models that ship inside the rapidocr wheel."""

from __future__ import annotations

import logging
import os
import threading
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from paperclerk.engines.base import LineReading, OcrWord
from paperclerk.errors import EngineError, EngineUnavailableError
from paperclerk.ingest.types import Image
from paperclerk.model.geometry import Box

DET_MODEL = "PP-OCRv6_det_small.onnx"
REC_MODEL = "PP-OCRv6_rec_small.onnx"
REC_HEIGHT = 48
"""Height in pixels every line crop is scaled to for recognition (the model's input)."""
REC_MIN_WIDTH = 320
"""Least width of a recognition batch: shorter lines are padded with blank columns to it.

The padding changes what the recogniser reads. 160 made reading 32 % faster, but a model
trained and measured on that OCR lost 1.6 points end to end on the validation split (the
spaces of address lines; docs/measurements.md, issue 19)."""
REC_BATCH = 3
"""Line crops recognised together, sorted by width (each batch padded to its widest).

6 was 8 % faster and lost 1.6 points end to end the same way; 1 and 2 were no faster."""


def wheel_model_dir() -> Path:
    """Return the folder of models inside the installed rapidocr wheel."""
    try:
        import rapidocr
    except ImportError as exc:  # pragma: no cover - rapidocr is a hard dependency
        raise EngineUnavailableError("rapidocr is not installed") from exc
    return Path(rapidocr.__file__).parent / "models"


class RapidOcrEngine:
    """Default OCR engine: PP-OCRv6 text detection and recognition on onnxruntime.

    Settings are given from code and every model path points into the wheel, so the
    engine never tries to download anything. Per-line text direction is not classified
    here: page orientation is fixed beforehand by the pre-processing stage.
    """

    name = "rapid"

    def __init__(
        self,
        threads: int = 0,
        det_limit_side: int = 960,
        rec_min_width: int = REC_MIN_WIDTH,
        rec_batch: int = REC_BATCH,
    ) -> None:
        models = wheel_model_dir()
        for model in (DET_MODEL, REC_MODEL):
            if not (models / model).is_file():
                raise EngineUnavailableError(f"model {model} missing from the rapidocr wheel")
        from rapidocr import RapidOCR

        threads = threads or (os.cpu_count() or 1)
        params: dict[str, Any] = {
            "Global.log_level": "error",
            "Global.use_cls": False,
            "Global.return_word_box": True,
            "Global.text_score": 0.4,
            "Det.model_path": str(models / DET_MODEL),
            "Det.limit_type": "max",
            "Det.limit_side_len": det_limit_side,
            "Rec.model_path": str(models / REC_MODEL),
            "Rec.rec_batch_num": rec_batch,
            "Rec.rec_img_shape": [3, REC_HEIGHT, rec_min_width],
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
        }
        self._ocr = RapidOCR(params=params)
        logging.getLogger("RapidOCR").setLevel(logging.ERROR)
        self._lock = threading.Lock()
        self._rec = (rec_min_width, rec_batch)

    @property
    def version(self) -> str:
        """Return the rapidocr version, the model names and the recognition batching.

        Batching is part of it because padding a line to a batch's width changes what the
        recogniser reads; cached OCR made with other batching is not reused.
        """
        width, batch = self._rec
        return f"rapidocr-{metadata.version('rapidocr')}/PP-OCRv6-small/rec{width}x{batch}"

    def read(self, image: Image) -> list[OcrWord]:
        """Detect and recognise text lines, returning one OcrWord per recognised word."""
        try:
            with self._lock:
                result: Any = self._ocr(image)
        except Exception as exc:
            raise EngineError(f"RapidOCR failed: {exc}") from exc
        return self._words(result)

    def detect_lines(self, image: Image) -> list[np.ndarray]:
        """Return the text lines' quadrilaterals (4×2 float arrays, image pixels), unread.

        The detector finds lines at any angle; a caller that only needs some of them (the
        MRZ reader) crops and recognises those with `recognise_lines`.
        """
        try:
            with self._lock:
                result: Any = self._ocr._load_det_model()(image)  # type: ignore[no-untyped-call]
        except Exception as exc:
            raise EngineError(f"RapidOCR detection failed: {exc}") from exc
        boxes = getattr(result, "boxes", None)
        return [] if boxes is None else [np.asarray(b, dtype=np.float32) for b in boxes]

    def recognise_lines(self, crops: list[Image]) -> list[LineReading]:
        """Recognise one text line per crop, with character positions and confidences."""
        if not crops:
            return []
        from rapidocr.ch_ppocr_rec.typings import TextRecInput

        try:
            with self._lock:
                result: Any = self._ocr._load_rec_model()(  # type: ignore[no-untyped-call]
                    TextRecInput(img=list(crops), return_word_box=True)
                )
        except Exception as exc:
            raise EngineError(f"RapidOCR recognition failed: {exc}") from exc
        out = []
        for text, score, info in zip(result.txts, result.scores, result.word_results, strict=True):
            width = float(getattr(info, "line_txt_len", 0.0) or 1.0)
            cols = [c for word in (getattr(info, "word_cols", None) or []) for c in word]
            confs = list(getattr(info, "confs", None) or [])
            text = str(text)
            if len(cols) != len(text.replace(" ", "")) or len(confs) != len(text):
                cols, confs = [], []
            out.append(
                LineReading(
                    text=text,
                    confidence=float(score),
                    positions=tuple(min(1.0, (c + 0.5) / width) for c in cols),
                    char_confidences=tuple(float(c) for c in confs),
                )
            )
        return out

    @staticmethod
    def _words(result: Any) -> list[OcrWord]:
        """Flatten RapidOCR's lines and per-word results into OcrWords."""
        txts = getattr(result, "txts", None)
        boxes = getattr(result, "boxes", None)
        if txts is None or boxes is None:
            return []
        scores = list(getattr(result, "scores", None) or [1.0] * len(txts))
        word_results = getattr(result, "word_results", None) or ()
        words: list[OcrWord] = []
        for line_key, (line_text, line_score, quad) in enumerate(
            zip(txts, scores, boxes, strict=False)
        ):
            parts = word_results[line_key] if line_key < len(word_results) else ()
            if parts:
                for text, score, wquad in parts:
                    if str(text).strip():
                        words.append(OcrWord(str(text), Box.around(wquad), float(score), line_key))
            elif str(line_text).strip():
                words.append(
                    OcrWord(str(line_text), Box.around(quad.tolist()), float(line_score), line_key)
                )
        return words
