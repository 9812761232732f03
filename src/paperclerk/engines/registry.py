"""Creates OCR engines by name, once per process."""

from __future__ import annotations

import threading

from paperclerk.engines.base import OcrEngine
from paperclerk.errors import EngineUnavailableError

ENGINE_NAMES = ("rapid", "tesseract")
_engines: dict[str, OcrEngine] = {}
_lock = threading.Lock()


def get_engine(name: str = "rapid", threads: int = 0) -> OcrEngine:
    """Return the engine called `name`, loading its models on first use only."""
    with _lock:
        if name not in _engines:
            if name == "rapid":
                from paperclerk.engines.rapid import RapidOcrEngine

                _engines[name] = RapidOcrEngine(threads=threads)
            elif name == "tesseract":
                from paperclerk.engines.tesseract import TesseractEngine

                _engines[name] = TesseractEngine(threads=threads)
            else:
                raise EngineUnavailableError(
                    f"unknown OCR engine {name!r}; choose one of {', '.join(ENGINE_NAMES)}"
                )
        return _engines[name]
