"""Creates OCR engines by name, once per process."""

from __future__ import annotations

import threading
from collections.abc import Callable
from enum import StrEnum

from paperclerk.engines.base import OcrEngine
from paperclerk.errors import EngineUnavailableError


class Engine(StrEnum):
    """The OCR engines paperclerk can run; the values are the CLI's and settings' names."""

    RAPID = "rapid"
    TESSERACT = "tesseract"


def _rapid(threads: int) -> OcrEngine:
    from paperclerk.engines.rapid import RapidOcrEngine

    return RapidOcrEngine(threads=threads)


def _tesseract(threads: int) -> OcrEngine:
    from paperclerk.engines.tesseract import TesseractEngine

    return TesseractEngine(threads=threads)


FACTORIES: dict[Engine, Callable[[int], OcrEngine]] = {
    Engine.RAPID: _rapid,
    Engine.TESSERACT: _tesseract,
}
"""How each engine is made, given its thread count (imports happen on first use only)."""

ENGINE_NAMES = tuple(e.value for e in Engine)
_engines: dict[Engine, OcrEngine] = {}
_lock = threading.Lock()


def engine_named(name: Engine | str) -> Engine:
    """Return the engine called `name`; an unknown name raises `EngineUnavailableError`."""
    try:
        return Engine(name)
    except ValueError:
        raise EngineUnavailableError(
            f"unknown OCR engine {name!r}; choose one of {', '.join(ENGINE_NAMES)}"
        ) from None


def get_engine(name: Engine | str = Engine.RAPID, threads: int = 0) -> OcrEngine:
    """Return the engine called `name`, loading its models on first use only."""
    engine = engine_named(name)
    with _lock:
        if engine not in _engines:
            _engines[engine] = FACTORIES[engine](threads)
        return _engines[engine]
