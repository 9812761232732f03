"""Train the document-type model on the training side, measure it on the held-back side.

`train_default_doctype` (behind `paperclerk train classifier`):
1. gathers the corpus (`doctype_data.collect_corpus`) and splits the real documents by id
   (`datasets.dataset.in_validation`; synthetic ones always train);
2. cross-validates on the training side (5 folds, grouped so renderings of one document
   stay together) and derives from those predictions the abstain floors it would suggest
   (`suggest_floors`), to check the constants in `learning.doctype_floors` against;
3. fits on the training side, measures that model on the validation side (with and without
   abstaining) and saves it to `out`: the packaged model is this one, so the validation
   figures describe exactly the model that ships and `paperclerk eval types` on a folder of
   held-back documents measures it on documents it has never seen;
4. with `release`, also fits on every document and writes that model there (as
   `train receipts --release` does); it carries the figures of the split model.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support
from sklearn.model_selection import StratifiedGroupKFold

from paperclerk.datasets.dataset import DocTypeExample
from paperclerk.datasets.doctype_data import SEED, CorpusItem, collect_corpus
from paperclerk.datasets.other_docs import TEXT_SOURCES
from paperclerk.datasets.synthetic_docs import SYNTHETIC_TYPES
from paperclerk.learning.doctype import DocTypeClassifier, examples_hash
from paperclerk.learning.doctype_floors import (
    ABSTAIN_FLOOR,
    SYNTHETIC_ONLY_FLOOR,
    SYNTHETIC_ONLY_TYPES,
    abstain,
)
from paperclerk.model import DocType

KEEP_KNOWN = 0.99  # share of real known-type documents a floor must keep (CV, right or wrong)
FLOOR_STEP = 0.05
SOURCES = (
    "sroie",
    "invoice-pdf",
    "invoice-ocr",
    "invoice-text",
    "einvoice-pdf",
    "einvoice-ocr",
    "mrz-ocr",
    *TEXT_SOURCES,
    "icao-text",
    "icao-ocr",
    "synthetic",
)
FLOOR_CURVE = (0.4, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9, 0.95)


def cross_validated(
    examples: list[DocTypeExample],
    groups: list[str] | None = None,
    *,
    n_splits: int = 5,
    seed: int = SEED,
) -> tuple[list[str], list[str], list[float]]:
    """Return true labels, cross-validated predictions and their probabilities.

    Stratified k-fold with a fixed seed; with `groups`, examples of one group stay in one
    fold (renderings of one document).
    """
    labels = [label.value for _, label in examples]
    smallest = min(Counter(labels).values())
    k = max(2, min(n_splits, smallest))
    folds = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    group_ids = groups or [str(i) for i in range(len(examples))]
    predicted = [""] * len(examples)
    confidence = [0.0] * len(examples)
    for train_idx, test_idx in folds.split(np.zeros(len(labels)), labels, group_ids):
        model = DocTypeClassifier()
        model.fit([examples[i] for i in train_idx])
        for i in test_idx:
            doc_type, conf, _ = model.predict(examples[i][0])
            predicted[i], confidence[i] = doc_type.value, conf
    return labels, predicted, confidence


def cross_validate(
    examples: list[DocTypeExample],
    groups: list[str] | None = None,
    *,
    n_splits: int = 5,
    seed: int = SEED,
) -> tuple[list[str], list[str]]:
    """Return the true and cross-validated predicted labels (see `cross_validated`)."""
    labels, predicted, _ = cross_validated(examples, groups, n_splits=n_splits, seed=seed)
    return labels, predicted


def metrics_table(truth: list[str], predicted: list[str]) -> dict[str, dict[str, float]]:
    """Return precision, recall, F1 and support per class, plus the macro average."""
    classes = sorted(set(truth))
    p, r, f, s = precision_recall_fscore_support(
        truth, predicted, labels=classes, zero_division=0.0
    )
    table = {
        c: {
            "precision": round(float(p[i]), 4),
            "recall": round(float(r[i]), 4),
            "f1": round(float(f[i]), 4),
            "support": int(s[i]),
        }
        for i, c in enumerate(classes)
    }
    table["macro"] = {
        "precision": round(float(np.mean(p)), 4),
        "recall": round(float(np.mean(r)), 4),
        "f1": round(float(np.mean(f)), 4),
        "support": len(truth),
    }
    return table


def confusion(truth: list[str], predicted: list[str]) -> dict[str, dict[str, int]]:
    """Return the confusion matrix as {true type: {predicted type: count}} (zeros left out)."""
    labels = sorted(set(truth) | set(predicted))
    matrix = confusion_matrix(truth, predicted, labels=labels)
    return {
        t: {p: int(matrix[i, j]) for j, p in enumerate(labels) if matrix[i, j]}
        for i, t in enumerate(labels)
        if matrix[i].sum()
    }


def accuracy(truth: list[str], predicted: list[str]) -> float:
    """Return the share of predictions equal to the truth (0 for no documents)."""
    if not truth:
        return 0.0
    return round(float(np.mean([t == p for t, p in zip(truth, predicted, strict=True)])), 4)


def suggest_floors(
    truth: list[str], predicted: list[str], confidence: list[float], real: list[bool]
) -> dict[str, Any]:
    """Derive abstain floors from cross-validated predictions.

    General floor: the floors (multiples of `FLOOR_STEP`) that keep at least `KEEP_KNOWN`
    of the real documents of known types above them are acceptable; of those, the lowest
    that catches as many of the real `other` documents mistaken for a known type as the
    highest does (so no known document drops for nothing). Floor of the synthetic-only
    types: the highest multiple that keeps at least `KEEP_KNOWN` of the (synthetic)
    documents of those types predicted as such. Also returns what the floors in
    `learning.doctype_floors` do on these predictions: real known-type documents sent to
    `other`, and real `other` documents mistaken for a known type that are caught; and, for
    a few floors (`curve`), how many real known-type documents, caught real `other`
    documents and synthetic-only-type documents fall below each.
    """
    known_conf = sorted(
        c for t, c, r in zip(truth, confidence, real, strict=True) if r and t != "other"
    )
    synthetic_conf = sorted(
        c
        for t, p, c in zip(truth, predicted, confidence, strict=True)
        if t == p and t in SYNTHETIC_ONLY_TYPES
    )

    def highest(values: list[float]) -> float:
        if not values:
            return 0.0
        cut = values[int((1 - KEEP_KNOWN) * len(values))]
        return round(FLOOR_STEP * int(cut / FLOOR_STEP + 1e-9), 2)

    after = [
        abstain(DocType(p), c, {})[0].value for p, c in zip(predicted, confidence, strict=True)
    ]
    known = [i for i, t in enumerate(truth) if real[i] and t != "other"]
    other_wrong = [i for i, t in enumerate(truth) if real[i] and t == "other" and predicted[i] != t]
    curve = [
        {
            "floor": f,
            "real_known_below": sum(1 for c in known_conf if c < f),
            "real_other_mistyped_caught": sum(1 for i in other_wrong if confidence[i] < f),
            "synthetic_only_below": sum(1 for c in synthetic_conf if c < f),
        }
        for f in FLOOR_CURVE
    ]
    top = highest(known_conf)
    steps = [round(FLOOR_STEP * k, 2) for k in range(1, int(top / FLOOR_STEP + 1e-9) + 1)]

    def caught(floor: float) -> int:
        return sum(1 for i in other_wrong if confidence[i] < floor)

    suggested = min((f for f in steps if caught(f) == caught(top)), default=top)
    return {
        "suggested_floor": suggested,
        "suggested_synthetic_only_floor": highest(synthetic_conf),
        "floor": ABSTAIN_FLOOR,
        "synthetic_only_floor": SYNTHETIC_ONLY_FLOOR,
        "real_typed_synthetic_only": sum(
            1
            for p, c, r in zip(predicted, confidence, real, strict=True)
            if r and p in SYNTHETIC_ONLY_TYPES and c >= SYNTHETIC_ONLY_FLOOR
        ),
        "real_known_dropped": sum(
            1 for i in known if after[i] == "other" and predicted[i] != "other"
        ),
        "real_known": len(known),
        "real_other_mistyped": len(other_wrong),
        "real_other_caught": sum(1 for i in other_wrong if after[i] == "other"),
        "accuracy_real_raw": accuracy(
            [truth[i] for i in range(len(truth)) if real[i]],
            [predicted[i] for i in range(len(truth)) if real[i]],
        ),
        "accuracy_real_with_floor": accuracy(
            [truth[i] for i in range(len(truth)) if real[i]],
            [after[i] for i in range(len(truth)) if real[i]],
        ),
        "synthetic_only_typed": len(synthetic_conf),
        "curve": curve,
    }


def _counts(items: list[CorpusItem]) -> dict[str, dict[str, int]]:
    """Return example counts per class and per source."""
    return {
        "by_class": dict(sorted(Counter(i.label.value for i in items).items())),
        "by_source": dict(sorted(Counter(i.source for i in items).items())),
    }


def measure(model: DocTypeClassifier, items: list[CorpusItem]) -> dict[str, Any]:
    """Return a model's figures on documents: raw and after abstaining, per class, errors."""
    truth = [i.label.value for i in items]
    raw: list[str] = []
    after: list[str] = []
    for item in items:
        doc_type, conf, scores = model.predict(item.pages)
        raw.append(doc_type.value)
        after.append(abstain(doc_type, conf, scores)[0].value)
    return {
        "documents": len(items),
        "accuracy_raw": accuracy(truth, raw),
        "accuracy": accuracy(truth, after),
        "per_class": metrics_table(truth, after) if items else {},
        "confusion_matrix": confusion(truth, after) if items else {},
        "errors": [
            {"name": f"{it.source}/{it.name}", "true": t, "raw": r, "predicted": a}
            for it, t, r, a in zip(items, truth, raw, after, strict=True)
            if t != a
        ],
    }


def train_default_doctype(
    shared_data: Path,
    out: Path,
    *,
    cache_dir: Path | None = None,
    run_ocr: bool = True,
    release: Path | None = None,
) -> dict[str, Any]:
    """Train the document-type model on the training side, save it to `out`, report figures.

    The report holds: example counts per class and source on both sides, the sources
    that were missing on this machine (`absent_sources`; skipped, not an error), 5-fold
    cross-validated figures on the training side and the abstain floors they suggest,
    the saved model's figures on the held-back validation side (with and without
    abstaining), the model version, size and inference time. With `release`, a model fitted
    on every document is written there as well. Everything is seeded: reruns give the same
    models. Figures of payslips, bank statements and utility bills come from synthetic pages
    only: they show the types are learnable, not how well real ones are recognised.
    """
    corpus = collect_corpus(shared_data, cache_dir=cache_dir, run_ocr=run_ocr)
    train = [i for i in corpus if not i.held_back]
    valid = [i for i in corpus if i.held_back]
    examples = [(i.pages, i.label) for i in train]
    truth, predicted, confidence = cross_validated(examples, [i.fold_group for i in train])
    real = [i.source != "synthetic" for i in train]
    model = DocTypeClassifier()
    model.fit(examples)
    model.save(out)
    start = time.perf_counter()
    validation = measure(model, valid)
    per_doc_ms = (time.perf_counter() - start) * 1000 / max(len(valid), 1)
    report: dict[str, Any] = {
        "model_version": model.version,
        "model_path": str(out),
        "model_bytes": out.stat().st_size,
        "trained_on": f"training side only: {len(train)} documents "
        f"({sum(real)} real, {len(train) - sum(real)} synthetic); "
        f"{len(valid)} real documents held back for validation",
        "dataset_sha256": examples_hash(examples),
        "absent_sources": sorted(set(SOURCES) - {i.source for i in corpus}),
        "training_counts": _counts(train),
        "validation_counts": _counts(valid),
        "synthetic_only_classes": sorted(t.value for t in SYNTHETIC_TYPES if t != DocType.OTHER),
        "cross_validation": {
            "folds": 5,
            "accuracy": accuracy(truth, predicted),
            "accuracy_real_documents": accuracy(
                [t for t, r in zip(truth, real, strict=True) if r],
                [p for p, r in zip(predicted, real, strict=True) if r],
            ),
            "per_class": metrics_table(truth, predicted),
            "confusion_matrix": confusion(truth, predicted),
            "errors_real": [
                {
                    "name": f"{train[i].source}/{train[i].name}",
                    "true": truth[i],
                    "predicted": predicted[i],
                    "confidence": confidence[i],
                }
                for i in range(len(train))
                if real[i] and truth[i] != predicted[i]
            ],
            "errors_synthetic": sum(
                1 for i in range(len(train)) if not real[i] and truth[i] != predicted[i]
            ),
        },
        "floors": suggest_floors(truth, predicted, confidence, real),
        "validation": validation,
        "inference_ms_per_document": round(per_doc_ms, 3),
    }
    if release is not None:
        final = DocTypeClassifier()
        final.fit([(i.pages, i.label) for i in corpus])
        final.save(release)
        report["release"] = {
            "model_version": final.version,
            "model_path": str(release),
            "trained_on": f"all {len(corpus)} documents; figures above are the split model's",
        }
    return report
