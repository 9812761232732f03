"""A trained document-type classifier over page text and a few layout features.

Text: TF-IDF over lower-cased text with digits mapped to 0, as character 2–4-grams within
words and as word 1–2-grams. Layout: line count, share of numeric tokens, share of lines
that end in an amount, how much taller than wide the first page is (receipts; a wide page
counts as 0, so text rather than shape tells an ID card from a short snippet), MRZ-like
lines (`<<`), page count, share of upper-case words, mean line length. The layout block is
down-weighted so that telling words win over shape. Both feed a class-balanced logistic
regression, whose probabilities are the confidence.

Small classes: the vocabulary is chosen per class (the n-grams most common *within* each
class), so a class with a handful of examples keeps its distinctive words instead of losing
them to the large classes; and training adds random runs of lines ("snippets") of each
longer example, more of them for small classes, so a few telling lines decide the type
rather than the document's length.

Adding a document type from a handful of examples:
1. add a member to `DocType` in `paperclerk/model/document.py` (the JSON contract);
2. add 3–5 or more real examples of it (pages with words) to the training examples, e.g.
   reviewed documents, beside the corpus of `datasets/doctype_data.py`;
3. call `DocTypeClassifier.fit` on all examples and `save` the model (the default one is
   rebuilt by `doctype_training.train_default_doctype`). Add more as review confirms them.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from paperclerk.datasets.dataset import DocTypeExample
from paperclerk.learning.doctype_inference import INFERENCE_FORMAT
from paperclerk.learning.doctype_text import LAYOUT_WEIGHT, document_text, layout_features
from paperclerk.model import DocType, Page

FORMAT = 1
CHAR_FEATURES_PER_CLASS = 2500
WORD_FEATURES_PER_CLASS = 800
C = 10.0
SNIPPET_TARGET = 120
MAX_SNIPPETS = 6
SNIPPET_MIN_LINES = 6


def inference_path(model_path: Path) -> Path:
    """Return where the reading side of a model file is written (`doctype.npz` beside it)."""
    return model_path.with_suffix(".npz")


def examples_hash(examples: list[DocTypeExample]) -> str:
    """Return a sha256 over the sorted (label, text) pairs of examples; order-independent."""
    pairs = sorted((label.value, "\f".join(p.text for p in pages)) for pages, label in examples)
    data = json.dumps(pairs, ensure_ascii=False).encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()


def line_snippet(pages: list[Page], rng: random.Random) -> list[Page]:
    """Return a one-page document holding a random run of a few lines of `pages`.

    Training on such snippets teaches the model that a few telling lines (an MRZ, 'Invoice'
    and 'Due date') decide the type, not the length of the document: OCR often returns
    only part of a page, and without them short inputs all look like the short `other`s.
    """
    page = pages[0]
    n = len(page.lines)
    size = rng.randint(2, max(2, min(12, n // 2)))
    start = rng.randint(0, n - size)
    lines = page.lines[start : start + size]
    keep = {word_id for line in lines for word_id in line.word_ids}
    words = [w for w in page.words if w.id in keep]
    return [page.model_copy(update={"lines": lines, "words": words})]


def _augmented(examples: list[DocTypeExample]) -> list[DocTypeExample]:
    """Return the examples followed by line snippets of the longer ones (seeded).

    Every example of at least a few lines gives one snippet; examples of small types give
    more (up to MAX_SNIPPETS), so a type learnt from a handful of documents still sees
    its telling lines in many contexts.
    """
    rng = random.Random(0)
    counts = Counter(label for _, label in examples)
    out = list(examples)
    for pages, label in examples:
        if pages and len(pages[0].lines) >= SNIPPET_MIN_LINES:
            n = max(1, min(MAX_SNIPPETS, round(SNIPPET_TARGET / counts[label])))
            out.extend((line_snippet(pages, rng), label) for _ in range(n))
    return out


def _per_class_vocabulary(
    texts: list[str], labels: list[str], vectorizer: TfidfVectorizer, per_class: int
) -> dict[str, int]:
    """Pick, for every class, the n-grams found in the largest share of its documents.

    The union is the vocabulary (sorted, so the column order is deterministic).
    """
    counts = vectorizer.fit_transform(texts)
    names = vectorizer.get_feature_names_out()
    present = (counts > 0).astype(np.float64).tocsc()
    label_arr = np.array(labels)
    chosen: set[str] = set()
    for cls in sorted(set(labels)):
        rows = np.flatnonzero(label_arr == cls)
        share = np.asarray(present[rows].mean(axis=0)).ravel()
        # Stable sort on (-share, name) so ties resolve the same way on every run.
        order = np.lexsort((names, -share))[:per_class]
        chosen.update(str(names[i]) for i in order if share[i] > 0)
    return {name: i for i, name in enumerate(sorted(chosen))}


def _char_vectorizer(vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 4),
        lowercase=False,
        sublinear_tf=True,
        min_df=1 if vocabulary else 2,
        vocabulary=vocabulary,
        dtype=np.float32,
    )


def _word_vectorizer(vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="word",
        ngram_range=(1, 2),
        lowercase=False,
        token_pattern=r"(?u)\b\w\w+\b",
        sublinear_tf=True,
        min_df=1 if vocabulary else 2,
        vocabulary=vocabulary,
        dtype=np.float32,
    )


class DocTypeClassifier:
    """Predicts the DocType of a document's pages with class probabilities.

    Deterministic: the same examples give the same model and the same probabilities.
    """

    def __init__(self) -> None:
        self._char: TfidfVectorizer | None = None
        self._word: TfidfVectorizer | None = None
        self._scaler: StandardScaler | None = None
        self._clf: LogisticRegression | None = None
        self._data_hash = ""

    @property
    def version(self) -> str:
        """Model version for `Document.model_versions`: format plus a training-data hash."""
        return f"doctype-lr-{FORMAT}-{self._data_hash[:12] or 'unfitted'}"

    @property
    def classes(self) -> list[DocType]:
        """The document types the fitted model can predict."""
        if self._clf is None:
            return []
        return [DocType(str(c)) for c in self._clf.classes_]

    def fit(self, examples: list[DocTypeExample]) -> None:
        """Learn from (pages, doc type) examples; at least two types, any count per type.

        A type with 3–5 examples is enough to be recognised on documents close to them;
        the balanced class weights keep small types from being drowned by large ones.
        """
        if len({label for _, label in examples}) < 2:
            raise ValueError("DocTypeClassifier.fit needs examples of at least two types")
        self._data_hash = examples_hash(examples)
        examples = _augmented(examples)
        labels = [label.value for _, label in examples]
        texts = [document_text(pages) for pages, _ in examples]
        char_vocab = _per_class_vocabulary(
            texts, labels, _char_vectorizer(), CHAR_FEATURES_PER_CLASS
        )
        word_vocab = _per_class_vocabulary(
            texts, labels, _word_vectorizer(), WORD_FEATURES_PER_CLASS
        )
        self._char = _char_vectorizer(char_vocab).fit(texts)
        self._word = _word_vectorizer(word_vocab).fit(texts)
        self._scaler = StandardScaler().fit(
            np.array([layout_features(pages) for pages, _ in examples])
        )
        self._clf = LogisticRegression(C=C, class_weight="balanced", max_iter=5000, random_state=0)
        self._clf.fit(self._features(texts, [pages for pages, _ in examples]), labels)

    def predict(self, pages: list[Page]) -> tuple[DocType, float, dict[str, float]]:
        """Return the most likely type, its probability and the probability of every type.

        A document without any text is `other` with a uniform distribution: there is
        nothing to learn its type from, and the low confidence sends it to review.
        """
        if self._clf is None:
            raise RuntimeError("DocTypeClassifier.predict called before fit or load")
        if not any(line.text.strip() for p in pages for line in p.lines):
            uniform = round(1.0 / len(self._clf.classes_), 4)
            return DocType.OTHER, uniform, {str(c): uniform for c in self._clf.classes_}
        proba = self._clf.predict_proba(self._features([document_text(pages)], [pages]))[0]
        scores = {
            str(c): round(float(p), 4) for c, p in zip(self._clf.classes_, proba, strict=True)
        }
        best = int(np.argmax(proba))
        return DocType(str(self._clf.classes_[best])), round(float(proba[best]), 4), scores

    def save(self, path: Path) -> None:
        """Write the fitted model to `path` (joblib, compressed); same model, same bytes."""
        if self._clf is None:
            raise RuntimeError("DocTypeClassifier.save called before fit")
        for vectorizer in (self._char, self._word):
            # scikit-learn caches id(stop_words) here (a memory address); dropping it keeps
            # the file byte-for-byte reproducible. It is recomputed on the next use.
            vars(vectorizer).pop("_stop_words_id", None)
        payload: dict[str, Any] = {
            "format": FORMAT,
            "sklearn": sklearn.__version__,
            "data_hash": self._data_hash,
            "char": self._char,
            "word": self._word,
            "scaler": self._scaler,
            "clf": self._clf,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(payload, path, compress=("xz", 6))
        self.export_inference(inference_path(path))

    def export_inference(self, path: Path) -> None:
        """Write the fitted numbers as `.npz` for `doctype_inference.DocTypeModel`.

        Vocabularies in column order, idf weights, the scaler and the regression: all a
        worker needs to predict as `predict` does, without scikit-learn.
        """
        if self._clf is None or self._char is None or self._word is None:
            raise RuntimeError("DocTypeClassifier.export_inference called before fit")
        assert self._scaler is not None
        arrays: dict[str, Any] = {
            "format": np.array(INFERENCE_FORMAT),
            "version": np.array(self.version),
            "classes": np.array([str(c) for c in self._clf.classes_]),
            "coef": self._clf.coef_,
            "intercept": self._clf.intercept_,
            "scaler_mean": self._scaler.mean_,
            "scaler_scale": self._scaler.scale_,
        }
        for name, vectorizer in (("char", self._char), ("word", self._word)):
            terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
            arrays[f"{name}_terms"] = np.array(terms)
            arrays[f"{name}_idf"] = vectorizer.idf_
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            np.savez_compressed(out, **arrays)

    @classmethod
    def load(cls, path: Path) -> DocTypeClassifier:
        """Read a model written by `save`. Only load files you trust (joblib is pickle)."""
        payload = joblib.load(path)
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            raise ValueError(f"{path} is not a doctype model of format {FORMAT}")
        model = cls()
        model._char = payload["char"]
        model._word = payload["word"]
        model._scaler = payload["scaler"]
        model._clf = payload["clf"]
        model._data_hash = str(payload["data_hash"])
        return model

    def _features(self, texts: list[str], docs: list[list[Page]]) -> sp.csr_matrix:
        """Stack the text TF-IDF blocks and the scaled, down-weighted layout features."""
        assert self._char is not None and self._word is not None and self._scaler is not None
        layout: npt.NDArray[np.float64] = self._scaler.transform(
            np.array([layout_features(pages) for pages in docs])
        )
        return sp.hstack(
            [
                self._char.transform(texts),
                self._word.transform(texts),
                sp.csr_matrix(layout * LAYOUT_WEIGHT),
            ],
            format="csr",
        )
