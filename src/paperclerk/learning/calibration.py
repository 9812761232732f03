"""Reliability tables, per-field auto-approval thresholds and the automation rate."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

# One document's key fields: name → (confidence, whether the value was right).
DocOutcome = dict[str, tuple[float, bool]]


@dataclass
class ReliabilityRow:
    """Among fields with confidence ≥ c: how many, and the error rate measured on them."""

    threshold: float
    count: int
    error: float

    @property
    def expected_error(self) -> float:
        """The error rate the confidence promises at this threshold (1 − c)."""
        return 1.0 - self.threshold


def reliability_table(
    outcomes: list[tuple[float, bool]],
    thresholds: tuple[float, ...] = (0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99),
) -> list[ReliabilityRow]:
    """Measure the error among fields at or above each confidence threshold."""
    rows = []
    for c in thresholds:
        kept = [ok for conf, ok in outcomes if conf >= c]
        error = 1.0 - sum(kept) / len(kept) if kept else 0.0
        rows.append(ReliabilityRow(c, len(kept), round(error, 4)))
    return rows


def choose_threshold(outcomes: list[tuple[float, bool]], max_error: float = 0.01) -> float | None:
    """Return the lowest confidence above which the measured error stays within `max_error`.

    Walks the outcomes from the most confident down and keeps the lowest cut at which the
    error of everything above it is still within bounds; None when no cut is (the field can
    then never pass).
    """
    best: float | None = None
    wrong = 0
    ranked = sorted(outcomes, key=lambda o: -o[0])
    for n, (conf, ok) in enumerate(ranked, start=1):
        wrong += int(not ok)
        nxt = ranked[n][0] if n < len(ranked) else -1.0
        if nxt < conf and wrong / n <= max_error:
            best = conf
    return best


@dataclass
class Automation:
    """How many documents would pass untouched, and how wrong their fields were."""

    documents: int = 0
    auto_approved: int = 0
    auto_fields: int = 0
    auto_wrong: int = 0
    per_field: dict[str, list[tuple[float, bool]]] = field(default_factory=dict)

    def add(
        self, outcome: DocOutcome, thresholds: dict[str, float], approved: bool | None = None
    ) -> bool:
        """Count one document; return whether it would be auto-approved.

        The document passes when every field reaches its threshold, or as `approved` says
        when the pipeline's own decision (which also weighs rule findings) is given.
        """
        self.documents += 1
        for name, pair in outcome.items():
            self.per_field.setdefault(name, []).append(pair)
        auto = bool(outcome) and all(
            conf >= thresholds.get(name, math.inf) for name, (conf, _) in outcome.items()
        )
        if approved is not None:
            auto = approved
        if auto:
            self.auto_approved += 1
            self.auto_fields += len(outcome)
            self.auto_wrong += sum(1 for _, ok in outcome.values() if not ok)
        return auto

    @property
    def rate(self) -> float:
        """Share of documents auto-approved."""
        return self.auto_approved / self.documents if self.documents else 0.0

    @property
    def field_error(self) -> float:
        """Share of wrong fields among the auto-approved documents."""
        return self.auto_wrong / self.auto_fields if self.auto_fields else 0.0


MAX_COMBINATIONS = 200_000
"""Above this many threshold combinations the joint search gives way to the level grid."""


def choose_thresholds(
    docs: list[DocOutcome], max_error: float = 0.01, steps: int = 26
) -> dict[str, float]:
    """Per-field thresholds that auto-approve the most documents within `max_error`.

    The bound is on the share of wrong fields among all fields of auto-approved documents,
    so a field that is right more often can carry a lower threshold than a harder one.
    With few fields every combination of cuts (each field's distinct confidences) is tried;
    otherwise each field's threshold keeps that field's own error within a common level,
    searched on a grid. Ties go to the combination with fewer wrong fields, then to higher
    thresholds. A field that can never pass safely is left out.
    """
    names = sorted({name for doc in docs for name in doc})
    cuts = [sorted({d[n][0] for d in docs if n in d}) for n in names]
    if names and math.prod(len(c) + 1 for c in cuts) <= MAX_COMBINATIONS:
        return _joint_thresholds(docs, names, cuts, max_error)
    best: tuple[float, dict[str, float]] = (-1.0, {})
    for step in range(steps):
        level = max_error * 5 * step / (steps - 1)
        chosen = {
            name: choose_threshold([d[name] for d in docs if name in d], level) for name in names
        }
        thresholds = {name: t for name, t in chosen.items() if t is not None}
        auto = Automation()
        for doc in docs:
            auto.add(doc, thresholds)
        if auto.field_error <= max_error and auto.rate > best[0]:
            best = (auto.rate, thresholds)
    return best[1]


def _joint_thresholds(
    docs: list[DocOutcome], names: list[str], cuts: list[list[float]], max_error: float
) -> dict[str, float]:
    """Try every combination of per-field cuts (`inf` = never passes); keep the best."""
    conf = np.full((len(docs), len(names)), np.inf)
    wrong = np.zeros((len(docs), len(names)), dtype=np.int64)
    present = np.zeros((len(docs), len(names)), dtype=np.int64)
    for i, doc in enumerate(docs):
        for j, name in enumerate(names):
            if name in doc:
                conf[i, j], ok = doc[name]
                wrong[i, j], present[i, j] = int(not ok), 1
    has_any = present.sum(axis=1) > 0
    fields, errors = present.sum(axis=1), wrong.sum(axis=1)
    best_key: tuple[int, int, tuple[float, ...]] = (0, 0, ())
    best: tuple[float, ...] | None = None
    for combo in itertools.product(*[[*c, math.inf] for c in cuts]):
        passes = has_any & np.all((conf >= np.array(combo)) | (present == 0), axis=1)
        n_fields = int(fields[passes].sum())
        n_wrong = int(errors[passes].sum())
        if n_fields == 0 or n_wrong > max_error * n_fields:
            continue
        key = (int(passes.sum()), -n_wrong, combo)
        if best is None or key > best_key:
            best_key, best = key, combo
    if best is None:
        return {}
    return {n: float(t) for n, t in zip(names, best, strict=True) if t != math.inf}
