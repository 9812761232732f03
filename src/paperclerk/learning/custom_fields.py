"""Extractors of document types and fields a user defines, trained from a few examples.

A type (`TypeSpec`) names its fields and each field's value type. Training takes documents
whose pages are read and whose values a person gave (a label file, or the review screen):
each value is looked for on the page (a value not printed is reported, never guessed), and
one ranker per field (`learning.ranker.FieldRanker`, the built-in extractors' calibrated
LightGBM ranker, here with mined hard negatives) learns to pick the run of words that holds
it among every run that could (`learning.field_spans`); a second stage adds where each
candidate stands from the other fields' first picks. The label words before a value count
with leave-one-out counts, so the cross-fitted confidences the calibration is fitted on
are those of unseen documents.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator

from paperclerk.extract.base import Extraction
from paperclerk.learning.base_fields import BASE_FEATURES, BaseValues, base_rows, base_values
from paperclerk.learning.calibration import choose_threshold
from paperclerk.learning.code_checks import EXAMPLES, check_format, checker, compact
from paperclerk.learning.field_spans import (
    FEATURES,
    Anchor,
    Context,
    ContextCounts,
    Featurizer,
    Span,
    ValueType,
    context_of,
    normalise_value,
    page_lines,
    relation_names,
    relation_rows,
    spans,
)
from paperclerk.learning.ranker import FieldRanker, Group, columns_for
from paperclerk.learning.type_profile import TypeProfile, learn_profile
from paperclerk.model import (
    Alternative,
    Box,
    ExtractedField,
    FieldSource,
    FieldValue,
    Page,
    Provenance,
    Word,
    union_all,
)
from paperclerk.parsers import parse_amount, parse_date

CUSTOM_KIND_PREFIX = "fields:"
"""Registry kind of a user type's extractor: `fields:<type name>`."""
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
OUTPUT_CUT = 0.5
"""Confidence under which a field that training saw absent is left empty."""
MIN_CONFIDENCE = 0.1
"""Confidence under which any field is left empty: the model all but rules its pick out.

On the shared Factur-X PDFs' held-back folds 9 of the 11 picks under it were wrong;
returning them cost precision and gave a reviewer nothing to confirm."""
MAX_ALTERNATIVES = 3
OWN_FEATURES = FEATURES + BASE_FEATURES
"""A candidate's own features: its place, its context, how it stands to built-in values."""
NEGATIVES = 100
"""Wrong candidates per document each ranker trains on, half of them the hardest (mined)."""


def parse_value_type(text: str) -> tuple[ValueType, str | None]:
    """Read a value type as the command line writes it: `date`, or `code:iban` with its check.

    Raise ValueError for an unknown type or check.
    """
    kind, _, check = text.strip().partition(":")
    value_type = ValueType(kind.strip())
    if check:
        check_format(check.strip())
    return value_type, check.strip() or None


def is_type_name(name: str) -> bool:
    """Whether a text can name a user type or field: lower case letters, digits and _."""
    return bool(_NAME.match(name))


def custom_kind(type_name: str) -> str:
    """Return the registry kind of a user type's extractor."""
    return CUSTOM_KIND_PREFIX + type_name


class FieldSpec(BaseModel):
    """One field of a user's document type.

    A `code` field names its `check`: a python-stdnum format (`iban`, `vatin`, `iso6346`…)
    whose check digits each candidate must pass.
    """

    name: str
    value_type: ValueType = ValueType.TEXT
    required: bool = False
    gating: bool = False
    check: str | None = None

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("a field name is lower case letters, digits and _, at most 63")
        return value

    @model_validator(mode="after")
    def _valid_check(self) -> FieldSpec:
        if self.value_type == ValueType.CODE and not self.check:
            raise ValueError(f"field {self.name}: a code names its check ({EXAMPLES}, …)")
        if self.check is not None:
            if self.value_type != ValueType.CODE:
                raise ValueError(f"field {self.name}: only a code has a check")
            check_format(self.check)
        return self

    def candidates(self, pages: list[Page]) -> list[Span]:
        """Return every run of words that can hold the field's value (and passes its check)."""
        return spans(pages, self.value_type, checker(self.check) if self.check else None)


class TypeSpec(BaseModel):
    """A document type a user defined: its name and fields."""

    name: str
    description: str = ""
    fields: list[FieldSpec] = Field(default_factory=list)
    created_at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("a type name is lower case letters, digits and _, at most 63")
        return value

    def field(self, name: str) -> FieldSpec | None:
        """Return the spec of one field, if the type has it."""
        return next((f for f in self.fields if f.name == name), None)


@dataclass
class LabelledDocument:
    """A document's pages and the values a person gave (None: the field is absent)."""

    id: str
    pages: list[Page]
    fields: dict[str, str | None]


def find_value(pages: list[Page], spec: FieldSpec, value: str) -> list[Span]:
    """Return the candidate spans that hold a value (every place it is printed), likeliest first.

    A place whose words run on into other words of letters ("Hôtel Saint Denis" for the
    city "Saint Denis", "Metallbau Leipzig GmbH" for "Leipzig") is the value's text inside
    another value: places that stand apart come first, then reading order.
    """
    target = normalise_value(spec.value_type, value)
    if target is None:
        return []
    found = [s for s in spec.candidates(pages) if _same(spec, s.text, target)]
    lines = {p.index: page_lines(p) for p in pages}
    return sorted(found, key=lambda s: runs_on(lines[s.page][s.line], s))


def runs_on(line: list[Word], span: Span) -> int:
    """Return on how many sides (0 to 2) a span runs on into a neighbouring word of letters.

    A neighbour that ends a label ("Name:") or a span word that ends with a comma or a
    colon ("MA VILLE," before the country) is a boundary, as are digits and the line's ends.
    """
    before = line[span.start - 1].text if span.start > 0 else ""
    after = line[span.end].text if span.end < len(line) else ""
    return int(_wordy(before) and not before.endswith((":", ",", ";"))) + int(
        _wordy(after) and not span.words[-1].text.endswith((":", ",", ";"))
    )


def _wordy(text: str) -> bool:
    return bool(text) and any(c.isalpha() for c in text) and not any(c.isdigit() for c in text)


def _same(spec: FieldSpec, text: str, target: str) -> bool:
    return normalise_value(spec.value_type, text) == target


def typed_value(spec: FieldSpec, text: str) -> FieldValue:
    """Return the typed value of a span's text (amount, date, a code compacted, else as printed)."""
    if spec.value_type == ValueType.AMOUNT:
        return parse_amount(text)
    if spec.value_type == ValueType.DATE:
        return parse_date(text, dayfirst=True)
    if spec.check is not None:
        return compact(spec.check, text)
    return " ".join(text.split())


@dataclass
class FieldOutcome:
    """What training found of one field: where values were missing, and held-out figures."""

    labelled: int = 0
    found: int = 0
    absent: int = 0
    not_found: list[dict[str, str]] = field(default_factory=list)
    held_out: list[tuple[float, bool]] = field(default_factory=list)
    by_document: dict[str, tuple[float, bool]] = field(default_factory=dict)
    """The cross-fitted confidence and rightness of `held_out`, per document id."""

    def to_json(self) -> dict[str, Any]:
        """Return the outcome as JSON (the training report)."""
        right = sum(ok for _, ok in self.held_out)
        return {
            "labelled": self.labelled,
            "found_on_page": self.found,
            "absent": self.absent,
            "not_found": self.not_found,
            "cross_fitted_accuracy": round(right / len(self.held_out), 4)
            if self.held_out
            else None,
        }


class CustomFieldModel:
    """The trained extractor of one user type: two rankers and label counts per field.

    The first stage ranks a field's candidates on their own; the second adds where each
    candidate stands from the other fields' first-stage picks (`field_spans.relation_rows`).
    A field's value is the second stage's pick, or the first's where that one is surer.
    """

    def __init__(
        self,
        spec: TypeSpec,
        stage1: dict[str, FieldRanker],
        rankers: dict[str, FieldRanker],
        counts: dict[str, ContextCounts],
        cuts: dict[str, float],
        thresholds: dict[str, float],
        profile: TypeProfile | None = None,
    ) -> None:
        self.spec = spec
        self.stage1 = stage1
        self.rankers = rankers
        self.counts = counts
        self.cuts = cuts
        self.thresholds = thresholds
        self.profile = profile or TypeProfile()

    def others(self, name: str) -> list[str]:
        """Return the fields whose picks the second stage of `name` looks at."""
        return [f.name for f in self.spec.fields if f.name != name and f.name in self.stage1]

    def extract(self, pages: list[Page]) -> Extraction:
        """Return each field's value, confidence, place on the page and alternatives."""
        trained = [f for f in self.spec.fields if f.name in self.stage1]
        candidates = {f.name: f.candidates(pages) for f in trained}
        base = base_values(pages)
        rows = {
            f.name: _own_rows(f, self.counts[f.name], pages, candidates[f.name], base)
            for f in trained
        }
        first = {
            name: self.stage1[name].scores(
                columns_for(rows[name], OWN_FEATURES, self.stage1[name].feature_names)
            )
            if candidates[name]
            else []
            for name in candidates
        }
        anchors = {name: _anchor(candidates[name], self.stage1[name], first[name])
                   for name in candidates}  # fmt: skip
        out = Extraction()
        for spec in self.spec.fields:
            ranker = self.rankers.get(spec.name)
            if ranker is None or not candidates.get(spec.name):
                continue
            others = self.others(spec.name)
            near = [anchors[o] for o in others]
            features = columns_for(
                _with_relations(pages, candidates[spec.name], rows[spec.name], near),
                OWN_FEATURES + relation_names(others),
                ranker.feature_names,
            )
            found = _surer(
                _best(spec, candidates[spec.name], ranker, ranker.scores(features)),
                _best(spec, candidates[spec.name], self.stage1[spec.name], first[spec.name]),
            )
            if found is not None and found.confidence >= self.cuts.get(spec.name, 0.0):
                out.fields[spec.name] = found
        return out

    def to_json(self) -> dict[str, Any]:
        """Return the model as plain JSON."""
        return {
            "type": self.spec.model_dump(mode="json"),
            "stage1": {n: r.to_json() for n, r in self.stage1.items()},
            "rankers": {n: r.to_json() for n, r in self.rankers.items()},
            "counts": {n: c.to_json() for n, c in self.counts.items()},
            "cuts": self.cuts,
            "thresholds": self.thresholds,
            "profile": self.profile.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CustomFieldModel:
        """Rebuild a model written by `to_json`."""
        return cls(
            TypeSpec.model_validate(data["type"]),
            {n: FieldRanker.from_json(r) for n, r in data["stage1"].items()},
            {n: FieldRanker.from_json(r) for n, r in data["rankers"].items()},
            {n: ContextCounts.from_json(c) for n, c in data["counts"].items()},
            {n: float(v) for n, v in data.get("cuts", {}).items()},
            {n: float(v) for n, v in data.get("thresholds", {}).items()},
            TypeProfile.from_json(data.get("profile")),
        )

    def save(self, path: Path) -> None:
        """Write the model as gzipped JSON."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with gzip.open(path, "wt", encoding="utf-8") as out:
            json.dump(self.to_json(), out)

    @classmethod
    def load(cls, path: Path) -> CustomFieldModel:
        """Read a model written by `save`."""
        with gzip.open(path, "rt", encoding="utf-8") as src:
            return cls.from_json(json.load(src))


def _top(candidates: list[Span], ranker: FieldRanker, rows: list[list[float]]) -> Anchor | None:
    """Return a field's first-stage pick, or None when it has no candidate."""
    if not candidates:
        return None
    return _anchor(
        candidates, ranker, ranker.scores(columns_for(rows, OWN_FEATURES, ranker.feature_names))
    )


def _anchor(candidates: list[Span], ranker: FieldRanker, scores: list[float]) -> Anchor | None:
    if not candidates:
        return None
    best = max(range(len(scores)), key=scores.__getitem__)
    return Anchor(candidates[best], ranker.confidence(scores[best]))


def _surer(second: ExtractedField | None, first: ExtractedField | None) -> ExtractedField | None:
    """Return the second stage's reading, or the first stage's where that one is surer.

    The second stage learnt where a value stands from the other fields' picks; on a layout
    no example shares those picks may be wrong, and the first stage's own reading, sure of
    itself, is the better one. Both confidences are calibrated on cross-fitted picks (from
    4 labelled documents on; with fewer, both are the rankers' raw scores).
    """
    if first is not None and (second is None or first.confidence > second.confidence):
        return first
    return second


def _with_relations(
    pages: list[Page], candidates: list[Span], rows: list[list[float]], near: list[Anchor | None]
) -> list[list[float]]:
    relations = relation_rows(pages, candidates, near)
    return [own + rel for own, rel in zip(rows, relations, strict=True)]


def _best(
    spec: FieldSpec, candidates: list[Span], ranker: FieldRanker, scores: list[float]
) -> ExtractedField | None:
    order = sorted(range(len(candidates)), key=lambda i: -scores[i])
    top = candidates[order[0]]
    value = typed_value(spec, top.text)
    if value is None:
        return None
    seen = {normalise_value(spec.value_type, top.text)}
    alternatives = []
    for i in order[1:]:
        other = candidates[i]
        key = normalise_value(spec.value_type, other.text)
        if key in seen:
            continue
        seen.add(key)
        alternatives.append(
            Alternative(
                value=typed_value(spec, other.text),
                raw_text=other.text,
                score=round(ranker.confidence(scores[i]), 4),
                provenance=_provenance(other),
            )
        )
        if len(alternatives) == MAX_ALTERNATIVES:
            break
    return ExtractedField(
        name=spec.name,
        value=value,
        raw_text=top.text,
        confidence=round(ranker.confidence(scores[order[0]]), 4),
        provenance=_provenance(top),
        source=FieldSource.MODEL,
        alternatives=alternatives,
    )


def _provenance(span: Span) -> Provenance:
    box: Box | None = union_all([w.box for w in span.words])
    return Provenance(page=span.page, box=box, word_ids=[w.id for w in span.words])


def _context(pages: list[Page], span: Span) -> Context:
    """Return what surrounds a span on its page."""
    return context_of(page_lines(next(p for p in pages if p.index == span.page)), span)


def _where(pages: list[Page], places: list[Span]) -> set[tuple[int, int, int, int]]:
    """Return the places of a value that stand apart best (`runs_on`): those a pick should find."""
    lines = {p.index: page_lines(p) for p in pages}
    bleed = [runs_on(lines[s.page][s.line], s) for s in places]
    return {(s.page, s.line, s.start, s.end) for s, b in zip(places, bleed, strict=True)
            if b == min(bleed)}  # fmt: skip


@dataclass
class _Prepared:
    """One field's training material: counts, and each document's candidates and rows."""

    stats: ContextCounts
    targets: dict[str, str | None]
    places: dict[str, set[tuple[int, int, int, int]]] = field(default_factory=dict)
    """Per document, the places of its value that training counts as right (`_where`)."""
    candidates: dict[str, list[Span]] = field(default_factory=dict)
    rows: dict[str, list[list[float]]] = field(default_factory=dict)


def _own_rows(
    spec: FieldSpec,
    counts: ContextCounts,
    pages: list[Page],
    found: list[Span],
    base: BaseValues,
    leave_out: str | None = None,
) -> list[list[float]]:
    """Return each candidate's `OWN_FEATURES`."""
    rows = Featurizer(counts, leave_out=leave_out).rows(pages, found)
    extra = base_rows(base, spec.value_type, found)
    return [own + more for own, more in zip(rows, extra, strict=True)]


def _prepare(
    fspec: FieldSpec,
    documents: list[LabelledDocument],
    outcome: FieldOutcome,
    base: dict[str, BaseValues],
) -> _Prepared:
    """Find each labelled value on its page, count its context, featurise every document."""
    stats = ContextCounts()
    targets: dict[str, str | None] = {}
    chosen: dict[str, set[tuple[int, int, int, int]]] = {}
    for doc in documents:
        if fspec.name not in doc.fields:
            continue
        outcome.labelled += 1
        value = doc.fields[fspec.name]
        if value is None or not str(value).strip():
            outcome.absent += 1
            targets[doc.id] = None
            continue
        places = find_value(doc.pages, fspec, value)
        if not places:
            outcome.not_found.append({"document": doc.id, "value": str(value)})
            continue
        outcome.found += 1
        targets[doc.id] = normalise_value(fspec.value_type, value)
        stats.add(doc.id, _context(doc.pages, places[0]))
        chosen[doc.id] = _where(doc.pages, places)
    prepared = _Prepared(stats, targets, chosen)
    for doc in documents:
        found = fspec.candidates(doc.pages)
        prepared.candidates[doc.id] = found
        prepared.rows[doc.id] = _own_rows(fspec, stats, doc.pages, found, base[doc.id], doc.id)
    return prepared


def _groups(
    fspec: FieldSpec, prepared: _Prepared, extra: dict[str, list[list[float]]] | None = None
) -> list[Group]:
    groups = []
    for doc_id, target in prepared.targets.items():
        places = prepared.places.get(doc_id, set())
        labels = [
            int(target is not None and (c.page, c.line, c.start, c.end) in places)
            for c in prepared.candidates[doc_id]
        ]
        rows = prepared.rows[doc_id]
        if extra is not None:
            rows = [own + rel for own, rel in zip(rows, extra[doc_id], strict=True)]
        groups.append(Group(rows, labels, key=doc_id))
    return groups


def train_custom_fields(
    spec: TypeSpec, documents: list[LabelledDocument], folds: int = 5
) -> tuple[CustomFieldModel, dict[str, FieldOutcome]]:
    """Train a user type's extractor on labelled documents; return it and what training saw.

    A field needs at least two documents whose value was found on the page. The second
    stage of a field learns from the other fields' first-stage picks as they would be on a
    new document: cross-fitted where the other field was labelled. Thresholds per field
    keep the error of fields passing them at 1 % on cross-fitted predictions (none when no
    cut does), for the decision policy's gating fields. The type's profile
    (`type_profile`) is learnt from every document, for recognising the type.
    """
    outcomes = {f.name: FieldOutcome() for f in spec.fields}
    base = {doc.id: base_values(doc.pages) for doc in documents}
    prepared = {f.name: _prepare(f, documents, outcomes[f.name], base) for f in spec.fields}
    usable = [f for f in spec.fields if outcomes[f.name].found >= 2]
    by_name = {f.name: f for f in usable}
    stage1: dict[str, FieldRanker] = {}
    anchors: dict[str, dict[str, Anchor | None]] = {}
    for fspec in usable:
        ranker = FieldRanker(OWN_FEATURES, max_negatives=NEGATIVES, mine_hard=True)
        groups = _groups(fspec, prepared[fspec.name])
        ranker.fit(groups, folds=max(2, min(folds, len(groups) // 2)))
        stage1[fspec.name] = ranker
        mine = prepared[fspec.name]
        crossed = {h.key: h for h in ranker.held_out if h.index >= 0}
        anchors[fspec.name] = {}
        for doc in documents:
            pick = crossed.get(doc.id)
            candidates = mine.candidates[doc.id]
            if pick is not None:
                anchor = Anchor(candidates[pick.index], ranker.confidence(pick.score))
                anchors[fspec.name][doc.id] = anchor
            else:
                anchors[fspec.name][doc.id] = _top(candidates, ranker, mine.rows[doc.id])
    model = CustomFieldModel(
        spec, stage1, {}, {}, {}, {}, learn_profile([d.pages for d in documents])
    )
    pages = {doc.id: doc.pages for doc in documents}
    for fspec in usable:
        mine, outcome = prepared[fspec.name], outcomes[fspec.name]
        others = model.others(fspec.name)
        extra = {
            doc_id: relation_rows(
                pages[doc_id], mine.candidates[doc_id], [anchors[o][doc_id] for o in others]
            )
            for doc_id in mine.targets
        }
        names = OWN_FEATURES + relation_names(others)
        ranker = FieldRanker(names, max_negatives=NEGATIVES, mine_hard=True)
        groups = _groups(by_name[fspec.name], mine, extra)
        held = ranker.fit(groups, folds=max(2, min(folds, len(groups) // 2)))
        outcome.held_out = [(ranker.confidence(h.score), bool(h.right)) for h in held]
        outcome.by_document = {h.key: pair for h, pair in zip(held, outcome.held_out, strict=True)}
        model.rankers[fspec.name], model.counts[fspec.name] = ranker, mine.stats
        model.cuts[fspec.name] = OUTPUT_CUT if outcome.absent else MIN_CONFIDENCE
        chosen = choose_threshold(outcome.held_out, 0.01)
        if chosen is not None:
            model.thresholds[fspec.name] = round(chosen, 4)
    return model, outcomes
