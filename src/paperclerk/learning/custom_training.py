"""Training a user type's extractor from a labelled folder, into the model registry.

`paperclerk train fields TYPE DIR` runs `train_type`: the folder's documents are read (OCR
cached, a text layer as it is), the type is defined from the label files when the registry
does not know it yet (`<registry>/types/<TYPE>.json`; value type text unless declared), a
fixed quarter of the documents (by id) is held back when there are at least
`MIN_FOR_VALIDATION`, the extractor trains on the rest, and the registry's gate promotes it
only if it scores at least as well as the live one on the held-back documents.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from paperclerk.datasets.dataset import in_validation
from paperclerk.datasets.labelled_folder import LabelledFile, field_names
from paperclerk.datasets.ocr_cache import read_pages_cached
from paperclerk.engines.base import OcrEngine
from paperclerk.extract.base import Extraction
from paperclerk.learning.custom_fields import (
    CustomFieldModel,
    FieldOutcome,
    FieldSpec,
    LabelledDocument,
    TypeSpec,
    custom_kind,
    train_custom_fields,
)
from paperclerk.learning.drift_reference import build_reference, mean_word_confidence
from paperclerk.learning.field_spans import ValueType, normalise_value
from paperclerk.learning.registry import ModelCard, Registry, code_version, new_model_id
from paperclerk.learning.user_types import MODEL_FILE, UserTypes, load_type, save_type

MIN_FOR_VALIDATION = 12
"""Fewest documents of which a quarter is held back to measure and gate a new model."""


def load_labelled(
    files: list[LabelledFile],
    engine: OcrEngine,
    cache_dir: Path,
    on_progress: Callable[[str], None] | None = None,
) -> list[LabelledDocument]:
    """Read each labelled file's pages as the pipeline does (OCR results cached)."""
    out = []
    for f in files:
        out.append(LabelledDocument(f.id, read_pages_cached(f.path, engine, cache_dir), f.fields))
        if on_progress:
            on_progress(f.id)
    return out


def define_type(
    registry: Registry,
    name: str,
    files: list[LabelledFile],
    declared: dict[str, tuple[ValueType, str | None]],
) -> TypeSpec:
    """Return the registry's type `name`, defining it from the label files if it is new.

    A new type gets the fields the label files name, each of its `declared` value type
    (and a code's check) or text. A known type gains the fields the labels add (so
    labelling a new field and training again is enough).
    """
    spec = load_type(registry, name) or TypeSpec(name=name)
    known = {f.name for f in spec.fields}
    for field_name in field_names(files):
        if field_name not in known:
            value_type, check = declared.get(field_name, (ValueType.TEXT, None))
            spec.fields.append(FieldSpec(name=field_name, value_type=value_type, check=check))
    save_type(registry, spec)
    return spec


@dataclass
class Score:
    """Field counts on labelled documents: values expected, predicted and right."""

    expected: int = 0
    predicted: int = 0
    correct: int = 0

    @property
    def f1(self) -> float:
        """The harmonic mean of precision and recall (0 with nothing to count)."""
        if not self.predicted or not self.expected or not self.correct:
            return 0.0
        precision, recall = self.correct / self.predicted, self.correct / self.expected
        return 2 * precision * recall / (precision + recall)


@dataclass(frozen=True)
class Compared:
    """One labelled value of a document beside what the model read for its field."""

    field: str
    expected: str
    predicted: str | None
    right: bool


def compare(model: CustomFieldModel, doc: LabelledDocument, read: Extraction) -> list[Compared]:
    """Pair every labelled value of the type with the value read, compared normalised.

    Values compare after `field_spans.normalise_value` (text with case, accents and spacing
    ignored, dates as days, amounts to the cent). A label of a field the type does not have,
    or saying the field is absent (null), is left out.
    """
    out = []
    for name, value in doc.fields.items():
        spec = model.spec.field(name)
        expected = normalise_value(spec.value_type, value) if spec else None
        if spec is None or value is None or expected is None:
            continue
        found = read.fields.get(name)
        predicted = None if found is None else str(found.value)
        right = predicted is not None and normalise_value(spec.value_type, predicted) == expected
        out.append(Compared(name, value, predicted, right))
    return out


def field_scores(model: CustomFieldModel, documents: list[LabelledDocument]) -> dict[str, Score]:
    """Count every labelled value per field: whether the model read it (compared normalised)."""
    scores: dict[str, Score] = {}
    for doc in documents:
        for c in compare(model, doc, model.extract(doc.pages)):
            score = scores.setdefault(c.field, Score())
            score.expected += 1
            score.predicted += c.predicted is not None
            score.correct += c.right
    return scores


def micro_score(model: CustomFieldModel, documents: list[LabelledDocument]) -> Score:
    """Return the counts of every field of `field_scores` added together."""
    total = Score()
    for score in field_scores(model, documents).values():
        total.expected += score.expected
        total.predicted += score.predicted
        total.correct += score.correct
    return total


def data_hash(documents: list[LabelledDocument]) -> str:
    """Hash what a model learns from: each document's words and labels."""
    digest = hashlib.sha256()
    for doc in sorted(documents, key=lambda d: d.id):
        words = [(w.text, round(w.box.x0), round(w.box.y0)) for p in doc.pages for w in p.words]
        digest.update(json.dumps([doc.id, words, sorted(doc.fields.items())]).encode())
    return digest.hexdigest()


@dataclass
class TypeTraining:
    """What `train_type` did: the card, whether it went live, and what training saw."""

    card: ModelCard
    promoted: bool
    outcomes: dict[str, FieldOutcome]
    validation: int


def live_model(registry: Registry, type_name: str) -> CustomFieldModel | None:
    """Return the live extractor of a user type, if one was promoted."""
    found = UserTypes(registry.root).extractor(type_name)
    return found.model if found is not None else None


def train_type(
    registry: Registry, spec: TypeSpec, documents: list[LabelledDocument], by: str
) -> TypeTraining:
    """Train a type's extractor, store it, and promote it if not worse than the live one."""
    validation = [d for d in documents if in_validation(d.id)]
    if len(documents) < MIN_FOR_VALIDATION or not validation:
        validation = []
    held = {d.id for d in validation}
    train = [d for d in documents if d.id not in held]
    model, outcomes = train_custom_fields(spec, train)
    kind = custom_kind(spec.name)
    card = ModelCard(
        id=new_model_id(kind.replace(":", "-")),
        kind=kind,
        created_at=dt.datetime.now(dt.UTC),
        training_data_hash=data_hash(train),
        validation_data_hash=data_hash(validation) if validation else None,
        code_version=code_version(),
        thresholds=model.thresholds,
        training_examples=len(train),
        training_sources={"labelled-folder": len(train)},
    )
    card.metrics = {"fields": {n: o.to_json() for n, o in outcomes.items()}}
    card.drift_reference = drift_reference(spec, train, outcomes, model.thresholds)
    score, live_score = None, None
    if validation:
        score = micro_score(model, validation).f1
        card.metrics["micro_f1"] = round(score, 4)
        card.metrics["validation_documents"] = len(validation)
        current = live_model(registry, spec.name)
        live_score = micro_score(current, validation).f1 if current else None
    folder = registry.folder(card.id)
    model.save(folder / MODEL_FILE)
    registry.save_card(card)
    promoted = registry.promote(card, score or 0.0, live_score, by)
    return TypeTraining(card, promoted, outcomes, len(validation))


def drift_reference(
    spec: TypeSpec,
    documents: list[LabelledDocument],
    outcomes: dict[str, FieldOutcome],
    thresholds: dict[str, float],
) -> dict[str, Any]:
    """Return the card's drift reference (`learning.drift_reference`) of a type's training.

    As for receipts: word confidence from each document's OCR'd pages, field confidence
    from the cross-fitted predictions (none at all without them), and each field's
    accuracy among the documents whose gating fields (every field when none is gating)
    `thresholds` would not all pass.
    """
    per_doc: dict[str, dict[str, tuple[float, bool]]] = {}
    for name, outcome in outcomes.items():
        for doc_id, pair in outcome.by_document.items():
            per_doc.setdefault(doc_id, {})[name] = pair
    if not per_doc:
        return {}  # too few documents to cross-fit (under 4): nothing to compare with
    gating = [f.name for f in spec.fields if f.gating] or [f.name for f in spec.fields]
    sent_to_review = [
        doc
        for doc in per_doc.values()
        if not all(doc[n][0] >= thresholds.get(n, math.inf) for n in gating if n in doc)
    ]
    return build_reference(
        (mean_word_confidence(d.pages) for d in documents),
        ({name: conf for name, (conf, _) in doc.items()} for doc in per_doc.values()),
        ({name: ok for name, (_, ok) in doc.items()} for doc in sent_to_review),
    )
