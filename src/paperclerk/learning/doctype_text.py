"""What the document-type classifier reads of a document: its text and layout features.

Shared by training (`learning.doctype`, scikit-learn) and reading (`learning.doctype_inference`,
numpy only), so both see a document the same way.
"""

from __future__ import annotations

import math
import re

from paperclerk.model import Page

MAX_PAGES = 3
MAX_CHARS = 6000
LAYOUT_WEIGHT = 0.1
"""The layout block is down-weighted so that telling words win over shape."""
AMOUNT_END = re.compile(r"\d[.,]\d\d\s*\S{0,3}$")
MRZ_LINE = re.compile(r"[A-Z0-9<]{5,}<<|<<[A-Z0-9<]{5,}")
DIGIT = re.compile(r"\d")


def document_text(pages: list[Page]) -> str:
    """Return the text the classifier reads: first pages, lower-cased, every digit as 0.

    Digits carry no type information but explode the vocabulary; their shapes stay.
    """
    text = "\n".join(p.text for p in pages[:MAX_PAGES])[:MAX_CHARS]
    return DIGIT.sub("0", text.lower())


def layout_features(pages: list[Page]) -> list[float]:
    """Return the layout features of a document, each roughly in 0..1."""
    lines = [line.text for p in pages[:MAX_PAGES] for line in p.lines]
    tokens = [t for line in lines for t in line.split()]
    alpha = [t for t in tokens if any(c.isalpha() for c in t)]
    first = pages[0] if pages else None
    aspect = 0.0
    if first is not None and first.width > 0 and first.height > 0:
        aspect = max(0.0, min(1.5, math.log(first.height / first.width)))
    n_lines = max(len(lines), 1)
    return [
        math.log1p(len(lines)) / 5,
        sum(1 for t in tokens if DIGIT.search(t)) / max(len(tokens), 1),
        sum(1 for line in lines if AMOUNT_END.search(line)) / n_lines,
        aspect,
        min(sum(1 for line in lines if MRZ_LINE.search(line.replace(" ", ""))), 3) / 3,
        math.log1p(len(pages)) / math.log(10),
        sum(1 for t in alpha if t.isupper()) / max(len(alpha), 1),
        min(sum(len(line) for line in lines) / n_lines / 60, 2.0),
    ]
