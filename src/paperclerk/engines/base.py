"""The one interface every OCR engine implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from paperclerk.ingest.types import Image
from paperclerk.model.geometry import Box


@dataclass(frozen=True)
class OcrWord:
    """A recognised word before it is placed into the document model."""

    text: str
    box: Box
    confidence: float
    line_key: int


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
