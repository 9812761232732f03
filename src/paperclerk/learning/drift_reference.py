"""What a model's documents looked like when it was trained, and how far live ones moved away.

A drift reference is kept in the model card (`ModelCard.drift_reference`). It holds, for
each signal, the cut points of `BINS` equal-count bins of the training documents, the
shares they make and the mean: the mean OCR word confidence of a document (`word_confidence`) and
the confidence of each key field (`fields`), as the model gave it on documents it had not
seen (the cross-fitted predictions). It also holds each field's accuracy among the
documents the thresholds would have sent to a person (`reviewed_accuracy`): the figure
reviewers' confirmations are compared with, since they only see those documents.

Live documents are compared with the reference by the population stability index (PSI),
the usual measure of how far a distribution moved: below 0.1 nothing, 0.1–0.25 a little,
above 0.25 a real change.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from paperclerk.model import Page

BINS = 10
REFERENCE_VERSION = 3
"""The shape of reference this code reads; a model card with another has none for it."""
WORD_CONFIDENCE = "word_confidence"
"""The signal of the mean OCR word confidence of a document."""
FLOOR = 1e-3
"""The share an empty bin counts as, so that PSI stays finite."""


def quantile_edges(values: Sequence[float], bins: int = BINS) -> list[float]:
    """Return the cut points that split `values` into `bins` bins of equal count.

    Equal-count bins, not equal-width ones: word confidences crowd into [0.9, 1], where
    equal-width bins would see no change at all. Repeated cut points (many equal values)
    are kept once.
    """
    ordered = sorted(values)
    if not ordered:
        return []
    cuts = {ordered[min(len(ordered) - 1, (len(ordered) * i) // bins)] for i in range(1, bins)}
    return sorted(cuts)


def bin_shares(values: Iterable[float], edges: Sequence[float]) -> list[float]:
    """Return the share of values in each bin the cut points make (a value on a cut goes up)."""
    counts = [0] * (len(edges) + 1)
    for value in values:
        counts[bisect.bisect_right(edges, value)] += 1
    total = sum(counts)
    return [c / total if total else 0.0 for c in counts]


def psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    """Return the population stability index of `actual` shares against `expected` ones.

    Σ (a − e)·ln(a / e) over the bins, each share at least `FLOOR`.
    """
    total = 0.0
    for e, a in zip(expected, actual, strict=True):
        e, a = max(e, FLOOR), max(a, FLOOR)
        total += (a - e) * math.log(a / e)
    return total


def distribution(values: Sequence[float], bins: int = BINS) -> dict[str, Any]:
    """Return a signal's reference: its cut points, the shares they make, mean and spread."""
    edges = quantile_edges(values, bins)
    mean = sum(values) / len(values) if values else 0.0
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values)) if values else 0.0
    return {
        "edges": edges,
        "shares": [round(x, 4) for x in bin_shares(values, edges)],
        "mean": round(mean, 6),
        "sd": round(sd, 6),
        "documents": len(values),
    }


def mean_word_confidence(pages: Iterable[Page]) -> float | None:
    """Return the mean recognition confidence of a document's OCR words (None without any).

    Only pages an OCR engine read count: a text layer's or a data set's given words say
    nothing about how readable the image was.
    """
    values = [w.confidence for page in pages if page.text_source == "ocr" for w in page.words]
    return sum(values) / len(values) if values else None


def build_reference(
    word_confidences: Iterable[float | None],
    field_confidences: Iterable[Mapping[str, float]],
    reviewed: Iterable[Mapping[str, bool]] = (),
) -> dict[str, Any]:
    """Return a drift reference (see the module doc) from the training documents' figures.

    `field_confidences` holds, per document, each field's confidence (0 where it was
    not found, which the reference leaves out: whether a field is printed at all varies
    with the documents, not with the model); `reviewed`, per document the thresholds
    would send to a person, whether each field was right.
    """
    words = [w for w in word_confidences if w is not None]
    per_field: dict[str, list[float]] = {}
    for doc in field_confidences:
        for name, conf in doc.items():
            if conf > 0:  # found: how sure the model is of what it finds
                per_field.setdefault(name, []).append(conf)
    right: dict[str, list[bool]] = {}
    for doc in reviewed:
        for name, ok in doc.items():
            right.setdefault(name, []).append(ok)
    return {
        "version": REFERENCE_VERSION,
        WORD_CONFIDENCE: distribution(words),
        "fields": {name: distribution(values) for name, values in sorted(per_field.items())},
        "reviewed_accuracy": {
            name: round(sum(oks) / len(oks), 4) for name, oks in sorted(right.items())
        },
        "reviewed_documents": max((len(oks) for oks in right.values()), default=0),
    }
