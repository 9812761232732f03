"""Documents drawn for browser tests: a page image and the result a worker would store.

The words' boxes are exact (or grown on purpose, to overlap like real OCR boxes), and the
fields and line items are what a test needs, so the review screen can be tested on the
situations that stored wrong data, without depending on what OCR makes of a drawing.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

from paperclerk.model import (
    Decision,
    DecisionOutcome,
    DocType,
    Document,
    ExtractedField,
    FieldSource,
    LineItem,
    Page,
    Provenance,
)
from paperclerk.model.geometry import Box
from paperclerk.model.page import Line, Word

FONT = 26
PITCH = 40


@dataclass
class Drawn:
    """A drawn page: the PNG, the words by text, and the document being built."""

    png: bytes
    doc: Document
    words: dict[str, list[str]] = field(default_factory=dict)  # text → word ids

    def ids(self, text: str) -> list[str]:
        """Return the ids of the words of one text line of the drawing (e.g. "12 HIGH ST")."""
        return [i for t in text.split() for i in self.words[t][:1]]

    def set(self, name: str, value: str, confidence: float = 0.5, text: str = "") -> None:
        """Give the document field `name` the value `value`, read from the words of `text`."""
        ids = self.ids(text) if text else []
        self.doc.fields[name] = ExtractedField(
            name=name, value=value, raw_text=text or value, confidence=confidence,
            provenance=Provenance(page=0, word_ids=ids) if ids else None,
            source=FieldSource.MODEL,
        )  # fmt: skip

    def item(self, **cells: str) -> None:
        """Add a line item with these cell values."""
        fields = {
            k: ExtractedField(name=k, value=v, raw_text=v, confidence=0.5, source=FieldSource.MODEL)
            for k, v in cells.items()
        }
        self.doc.line_items.append(LineItem(index=len(self.doc.line_items), fields=fields))


def drawn(
    lines: list[str],
    doc_type: DocType = DocType.RECEIPT,
    size: tuple[int, int] = (620, 900),
    grow: int = 0,
    top: int = 20,
) -> Drawn:
    """Draw `lines` of text and build the document a worker would store for them.

    `grow` enlarges every word box by that many pixels up and down, so the boxes of
    neighbouring lines overlap as they do in real OCR output.
    """
    width, height = size
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    words: list[Word] = []
    page_lines: list[Line] = []
    by_text: dict[str, list[str]] = {}
    for li, text in enumerate(lines):
        x, y = 20.0, float(top + PITCH * li)
        ids = []
        for token in text.split():
            x0, y0, x1, y1 = draw.textbbox((x, y), token, font_size=FONT)
            draw.text((x, y), token, fill="black", font_size=FONT)
            box = Box(x0=x0, y0=max(0, y0 - grow), x1=x1, y1=min(height, y1 + grow))
            wid = f"p0-w{len(words)}"
            words.append(Word(id=wid, text=token, box=box, norm_box=box.normalised(width, height),
                              confidence=0.9, line_id=f"p0-l{li}"))  # fmt: skip
            by_text.setdefault(token, []).append(wid)
            ids.append(wid)
            x = x1 + 12
        if ids:
            first, last = words[-len(ids)], words[-1]
            page_lines.append(Line(id=f"p0-l{li}", text=text, word_ids=ids, confidence=0.9,
                                   box=Box(x0=first.box.x0, y0=first.box.y0,
                                           x1=last.box.x1, y1=last.box.y1)))  # fmt: skip
    out = io.BytesIO()
    image.save(out, "PNG")
    png = out.getvalue()
    doc = Document(
        sha256=hashlib.sha256(png).hexdigest(),
        media_type="image/png",
        size_bytes=len(png),
        pages=[Page(index=0, width=width, height=height, words=words, lines=page_lines)],
        doc_type=doc_type,
        doc_type_confidence=0.99,
        decision=Decision(
            outcome=DecisionOutcome.NEEDS_REVIEW,
            reasons=["drawn for a test"],
            low_confidence_fields=["merchant_address"],
        ),
    )
    return Drawn(png, doc, by_text)
