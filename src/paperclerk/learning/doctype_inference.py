"""The document-type classifier's reading side, in numpy: no scikit-learn in a worker.

`learning.doctype.DocTypeClassifier` trains with scikit-learn (TF-IDF, a scaler and a
logistic regression) and writes, beside its joblib file, the fitted numbers as a plain
`.npz` (`export_inference`): each TF-IDF block's vocabulary and idf weights, the scaler's
means and scales, and the regression's coefficients. `DocTypeModel` reads that file and
computes the same probabilities as `DocTypeClassifier.predict`: the n-grams as
scikit-learn cuts them (`char_wb` 2–4 within words, word 1–2-grams), sublinear term
frequency, l2 rows in float32, softmax over the classes. A worker therefore loads neither
scikit-learn nor SciPy (about 90 MB of its memory).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import numpy.typing as npt

from paperclerk.learning.doctype_text import LAYOUT_WEIGHT, document_text, layout_features
from paperclerk.model import DocType, Page

INFERENCE_FORMAT = 1
_WHITE_SPACES = re.compile(r"\s\s+")
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def char_wb_ngrams(text: str, low: int = 2, high: int = 4) -> list[str]:
    """Return character n-grams within words, padded with a space, as scikit-learn does."""
    out: list[str] = []
    for word in _WHITE_SPACES.sub(" ", text).split():
        padded = f" {word} "
        for n in range(low, high + 1):
            offset = 0
            out.append(padded[offset : offset + n])
            while offset + n < len(padded):
                offset += 1
                out.append(padded[offset : offset + n])
            if offset == 0:  # a word shorter than n counts once
                break
    return out


def word_ngrams(text: str, low: int = 1, high: int = 2) -> list[str]:
    """Return word n-grams of tokens of two or more word characters, as scikit-learn does."""
    tokens = _TOKEN.findall(text)
    out = list(tokens) if low == 1 else []
    for n in range(max(low, 2), min(high, len(tokens)) + 1):
        out.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return out


class _Tfidf:
    """One TF-IDF block: vocabulary → column, idf per column (float32, l2 rows)."""

    def __init__(self, terms: npt.NDArray[np.str_], idf: npt.NDArray[np.float32]) -> None:
        self.columns = {str(t): i for i, t in enumerate(terms)}
        self.idf = idf.astype(np.float32)

    def row(self, grams: list[str]) -> npt.NDArray[np.float32]:
        """Return the block's row for one document's n-grams."""
        out = np.zeros(len(self.idf), dtype=np.float32)
        counts = Counter(g for g in grams if g in self.columns)
        if not counts:
            return out
        index = np.array([self.columns[g] for g in counts], dtype=np.int64)
        tf = np.array(list(counts.values()), dtype=np.float32)
        tf = np.log(tf, dtype=np.float32) + np.float32(1.0)
        values = tf * self.idf[index]
        norm = np.sqrt(np.sum(values * values, dtype=np.float32), dtype=np.float32)
        if norm > 0:
            values = values / norm
        out[index] = values
        return out


class DocTypeModel:
    """The fitted classifier's numbers: predicts as `DocTypeClassifier.predict` does."""

    def __init__(self, path: Path) -> None:
        data = np.load(path, allow_pickle=False)
        if int(data["format"]) != INFERENCE_FORMAT:
            raise ValueError(f"{path} is not a doctype inference file of format {INFERENCE_FORMAT}")
        self.version = str(data["version"])
        self.classes = [str(c) for c in data["classes"]]
        self._char = _Tfidf(data["char_terms"], data["char_idf"])
        self._word = _Tfidf(data["word_terms"], data["word_idf"])
        self._mean = data["scaler_mean"].astype(np.float64)
        self._scale = data["scaler_scale"].astype(np.float64)
        self._coef = data["coef"].astype(np.float64)
        self._intercept = data["intercept"].astype(np.float64)

    def predict(self, pages: list[Page]) -> tuple[DocType, float, dict[str, float]]:
        """Return the most likely type, its probability and the probability of every type.

        A document without any text is `other` with a uniform distribution.
        """
        if not any(line.text.strip() for p in pages for line in p.lines):
            uniform = round(1.0 / len(self.classes), 4)
            return DocType.OTHER, uniform, {c: uniform for c in self.classes}
        text = document_text(pages)
        layout = (np.array(layout_features(pages)) - self._mean) / self._scale
        x = np.concatenate(
            [
                self._char.row(char_wb_ngrams(text)).astype(np.float64),
                self._word.row(word_ngrams(text)).astype(np.float64),
                layout * LAYOUT_WEIGHT,
            ]
        )
        logits = self._coef @ x + self._intercept
        if len(self.classes) == 2:  # scikit-learn's binary case: one column of coefficients
            p1 = 1.0 / (1.0 + np.exp(-logits[0]))
            proba = np.array([1.0 - p1, p1])
        else:
            shifted = np.exp(logits - logits.max())
            proba = shifted / shifted.sum()
        scores = {c: round(float(p), 4) for c, p in zip(self.classes, proba, strict=True)}
        best = int(np.argmax(proba))
        return DocType(self.classes[best]), round(float(proba[best]), 4), scores
