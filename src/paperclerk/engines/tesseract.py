"""Tesseract (the Debian package) as an optional OCR engine."""

from __future__ import annotations

import os
import shutil

from paperclerk.engines.base import OcrWord
from paperclerk.errors import EngineError, EngineUnavailableError
from paperclerk.ingest.types import Image
from paperclerk.model.geometry import Box


class TesseractEngine:
    """Tesseract LSTM OCR through pytesseract; words come with their own line numbers."""

    name = "tesseract"

    def __init__(self, threads: int = 0, lang: str = "eng") -> None:
        if shutil.which("tesseract") is None:
            raise EngineUnavailableError(
                "tesseract is not installed (Debian: apt-get install tesseract-ocr)"
            )
        import pytesseract

        self._tess = pytesseract
        self._lang = lang
        if threads:
            os.environ.setdefault("OMP_THREAD_LIMIT", str(threads))

    @property
    def version(self) -> str:
        """Return the tesseract version."""
        return f"tesseract-{self._tess.get_tesseract_version()}"

    def read(self, image: Image) -> list[OcrWord]:
        """Run tesseract on a BGR image and return its words with line grouping."""
        try:
            data = self._tess.image_to_data(
                image[:, :, ::-1],
                lang=self._lang,
                config="--psm 3",
                output_type=self._tess.Output.DICT,
                timeout=120,
            )
        except RuntimeError as exc:  # pytesseract raises RuntimeError on timeout
            raise EngineError(f"tesseract timed out: {exc}") from exc
        except Exception as exc:
            raise EngineError(f"tesseract failed: {exc}") from exc
        words: list[OcrWord] = []
        line_keys: dict[tuple[int, int, int], int] = {}
        for i, text in enumerate(data["text"]):
            text = (text or "").strip()
            conf = float(data["conf"][i])
            if not text or conf < 0:
                continue
            key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            line_key = line_keys.setdefault(key, len(line_keys))
            x, y, w, h = data["left"][i], data["top"][i], data["width"][i], data["height"][i]
            box = Box(x0=x, y0=y, x1=x + w, y1=y + h)
            words.append(OcrWord(text, box, min(conf / 100.0, 1.0), line_key))
        return words
