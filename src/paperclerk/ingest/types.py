"""What ingest hands to the rest of the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from paperclerk.model.geometry import Box

Image = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class TextLayerWord:
    """A word from the text layer of a born-digital PDF, in page pixels at render DPI."""

    text: str
    box: Box


@dataclass
class RawPage:
    """One page as pixels (BGR, uint8) and, for born-digital PDFs, its text layer."""

    index: int
    image: Image
    text_layer: list[TextLayerWord] = field(default_factory=list)

    @property
    def has_text_layer(self) -> bool:
        """Whether the page carries enough embedded text to skip OCR."""
        return sum(len(w.text) for w in self.text_layer) >= 20


@dataclass(frozen=True)
class CheckedFile:
    """An input checked without decoding its pixels: its media type and page count."""

    media_type: str
    pages: int


@dataclass
class IngestedFile:
    """A sniffed, decoded input: its media type, hash and pages."""

    media_type: str
    sha256: str
    size_bytes: int
    pages: list[RawPage]
    e_invoice_xml: bytes | None = None
    """The e-invoice XML: the input itself (an XML upload) or a PDF's Factur-X attachment."""
