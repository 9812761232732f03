"""The one interface every OCR engine implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from paperclerk.ingest.types import Image
from paperclerk.model.geometry import Box


@dataclass(frozen=True)
class OcrWord:
    """A recognised word before it is placed into the document model."""

    text: str
    box: Box
    confidence: float
    line_key: int
    char_confidences: tuple[float, ...] | None = None
    """One confidence per character, where the reader gives them (MRZ lines)."""


@dataclass(frozen=True)
class LineReading:
    """One text line recognised from a crop, with each character's place and confidence.

    `positions` are the characters' centres as fractions (0..1) of the crop's width, as
    the recogniser's CTC columns place them; the MRZ reader lines them up on its grid.
    """

    text: str
    confidence: float
    positions: tuple[float, ...]
    char_confidences: tuple[float, ...]


class OcrEngine(Protocol):
    """Reads words with boxes and confidences from one page image."""

    name: str

    @property
    def version(self) -> str:
        """Engine and model version, recorded in every document it reads."""
        ...

    def read(self, image: Image) -> list[OcrWord]:
        """Return the words on a BGR page image.

        `line_key` groups the words the engine saw as one line.
        """
        ...


@runtime_checkable
class LineEngine(Protocol):
    """An engine that can detect lines without reading them and read chosen crops.

    The MRZ reader needs this to read only the lines it wants, at any angle; engines
    without it (Tesseract) leave the MRZ to the words of the whole page.
    """

    def detect_lines(self, image: Image) -> list[np.ndarray]:
        """Return the quadrilaterals of the text lines, in image pixels."""
        ...

    def recognise_lines(self, crops: list[Image]) -> list[LineReading]:
        """Recognise one text line per crop."""
        ...
