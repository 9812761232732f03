"""What a model's documents looked like when it was trained, and how far live ones moved away.

A drift reference is kept in the model card (`ModelCard.drift_reference`). It holds, for
each signal, the share of training documents in each of `BINS` equal confidence bins
[0, 0.1), …, [0.9, 1.0]: the mean OCR word confidence of a document (`word_confidence`) and
the confidence of each key field (`fields`), as the model gave it on documents it had not
seen (the cross-fitted predictions). It also holds each field's accuracy among the
documents the thresholds would have sent to a person (`reviewed_accuracy`): the figure
reviewers' confirmations are compared with, since they only see those documents.

Live documents are compared with the reference by the population stability index (PSI),
the usual measure of how far a distribution moved: below 0.1 nothing, 0.1–0.25 a little,
above 0.25 a real change.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from paperclerk.model import Page

BINS = 10
WORD_CONFIDENCE = "word_confidence"
"""The signal of the mean OCR word confidence of a document."""
FLOOR = 1e-3
"""The share an empty bin counts as, so that PSI stays finite."""


def bin_shares(values: Iterable[float], bins: int = BINS) -> list[float]:
    """Return the share of values in each of `bins` equal bins over [0, 1] (all 0 if none)."""
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, max(0, int(float(value) * bins)))] += 1
    total = sum(counts)
    return [c / total if total else 0.0 for c in counts]


def shares_mean(shares: Sequence[float]) -> float:
    """Return the mean a binned distribution stands for (each bin at its centre)."""
    bins = len(shares)
    total = sum(shares)
    if not total:
        return 0.0
    return sum(s * (i + 0.5) / bins for i, s in enumerate(shares)) / total


def psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    """Return the population stability index of `actual` shares against `expected` ones.

    Σ (a − e)·ln(a / e) over the bins, each share at least `FLOOR`.
    """
    total = 0.0
    for e, a in zip(expected, actual, strict=True):
        e, a = max(e, FLOOR), max(a, FLOOR)
        total += (a - e) * math.log(a / e)
    return total


def mean_word_confidence(pages: Iterable[Page]) -> float | None:
    """Return the mean recognition confidence of a document's words (None without words)."""
    values = [w.confidence for page in pages for w in page.words]
    return sum(values) / len(values) if values else None


def build_reference(
    word_confidences: Iterable[float | None],
    field_confidences: Iterable[Mapping[str, float]],
    reviewed: Iterable[Mapping[str, bool]] = (),
) -> dict[str, Any]:
    """Return a drift reference (see the module doc) from the training documents' figures.

    `field_confidences` holds, per document, each field's confidence (0 where it was not
    found); `reviewed`, per document the thresholds would send to a person, whether each
    field was right.
    """
    words = [w for w in word_confidences if w is not None]
    per_field: dict[str, list[float]] = {}
    for doc in field_confidences:
        for name, conf in doc.items():
            per_field.setdefault(name, []).append(conf)
    right: dict[str, list[bool]] = {}
    for doc in reviewed:
        for name, ok in doc.items():
            right.setdefault(name, []).append(ok)
    return {
        "bins": BINS,
        "documents": len(words),
        WORD_CONFIDENCE: [round(s, 4) for s in bin_shares(words)],
        "fields": {
            name: [round(s, 4) for s in bin_shares(values)]
            for name, values in sorted(per_field.items())
        },
        "field_documents": {name: len(values) for name, values in sorted(per_field.items())},
        "reviewed_accuracy": {
            name: round(sum(oks) / len(oks), 4) for name, oks in sorted(right.items())
        },
        "reviewed_documents": max((len(oks) for oks in right.values()), default=0),
    }
