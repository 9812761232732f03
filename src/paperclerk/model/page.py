"""Pages, lines and words: what OCR or a PDF text layer makes of pixels."""

from __future__ import annotations

from pydantic import BaseModel, Field

from paperclerk.model.geometry import Box, NormBox


class Word(BaseModel):
    """One word with its box, recognition confidence and the line it belongs to."""

    id: str = Field(description="Stable id within the document, e.g. 'p0-w12'.")
    text: str
    box: Box
    norm_box: NormBox
    confidence: float = Field(ge=0.0, le=1.0)
    line_id: str
    char_confidences: list[float] | None = Field(
        None,
        description="Recognition confidence of each character, where the reader gives one "
        "(the lines of a machine readable zone, read on their own); null elsewhere.",
    )


class Line(BaseModel):
    """A line of words in reading order."""

    id: str
    text: str
    box: Box
    word_ids: list[str]
    confidence: float = Field(ge=0.0, le=1.0)


class Page(BaseModel):
    """One page of a document with the words read from it."""

    index: int = Field(ge=0)
    width: int = Field(ge=0, description="Width in pixels of the image the boxes refer to.")
    height: int = Field(ge=0)
    rotation_applied: int = Field(0, description="Degrees (0/90/180/270) the page was turned.")
    skew_corrected: float = Field(0.0, description="Degrees of skew removed.")
    cropped: bool = Field(False, description="Whether the page was cropped to the paper.")
    text_source: str = Field("ocr", description="'ocr' or 'pdf-text' (born-digital text layer).")
    image_sha256: str | None = Field(
        None,
        pattern=r"^[0-9a-f]{64}$",
        description=(
            "sha256 of the page as shown for review (the pixels the boxes refer to, as a JPEG"
            " at most 1400 px wide) in the service's blob store; null when none was stored"
            " (retention=none, the command line, results from before it was kept)."
        ),
    )
    words: list[Word] = Field(default_factory=list)
    lines: list[Line] = Field(default_factory=list)

    @property
    def text(self) -> str:
        """The page text, one line per text line in reading order."""
        return "\n".join(line.text for line in self.lines)
