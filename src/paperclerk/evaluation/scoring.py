"""Precision, recall and F1 per field, and the micro average over fields."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from paperclerk.learning.calibration import Automation, reliability_table


def normalise_string(text: str) -> str:
    """NFKC, collapse whitespace, trim: the SROIE string comparison (case kept)."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


@dataclass
class FieldScore:
    """Counts for one field: predictions, ground-truth values and correct predictions."""

    predicted: int = 0
    expected: int = 0
    correct: int = 0

    @property
    def precision(self) -> float:
        """Correct / predicted."""
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        """Correct / expected."""
        return self.correct / self.expected if self.expected else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Scoreboard:
    """Field scores, per-document errors and timing of one evaluation run."""

    fields: dict[str, FieldScore] = field(default_factory=dict)
    fields_normalised: dict[str, FieldScore] = field(default_factory=dict)
    docs: int = 0
    seconds: list[float] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    mismatches: list[dict[str, Any]] = field(default_factory=list)
    automation: Automation = field(default_factory=Automation)
    wall_seconds: float = 0.0

    def add(
        self,
        name: str,
        expected: Any,
        predicted: Any,
        correct: bool,
        doc: str,
        correct_normalised: bool | None = None,
    ) -> None:
        """Count one field of one document; a field the key lacks is not counted at all.

        `correct_normalised` is the same comparison with what does not matter to a person
        ignored (see `evaluation.sroie.field_matches`); without it, the strict one counts.
        """
        if expected is None:
            return
        loose = correct if correct_normalised is None else correct_normalised
        for table, ok in ((self.fields, correct), (self.fields_normalised, loose)):
            score = table.setdefault(name, FieldScore())
            score.expected += 1
            if predicted is not None:
                score.predicted += 1
                score.correct += int(ok)
        if not correct:
            self.mismatches.append(
                {
                    "doc": doc,
                    "field": name,
                    "expected": str(expected),
                    "predicted": str(predicted),
                    "normalised_match": loose,
                }
            )

    @property
    def micro(self) -> FieldScore:
        """The counts of all fields added together (strict comparison)."""
        return _sum(self.fields.values())

    @property
    def micro_normalised(self) -> FieldScore:
        """The counts of all fields added together (normalised comparison)."""
        return _sum(self.fields_normalised.values())

    @property
    def seconds_per_doc(self) -> float:
        """Return seconds per document.

        When documents were read in parallel this is the run's wall time per document (the
        throughput), else the mean time of one document.
        """
        if self.wall_seconds and self.docs:
            return self.wall_seconds / self.docs
        return self.latency

    @property
    def latency(self) -> float:
        """Mean seconds from a document's start to its result."""
        return sum(self.seconds) / len(self.seconds) if self.seconds else 0.0

    def to_json(self) -> dict[str, Any]:
        """Return the figures with the keys the CLI documents."""
        ordered = sorted(self.seconds)
        return {
            "micro_f1": round(self.micro.f1, 4),
            "micro_f1_normalised": round(self.micro_normalised.f1, 4),
            "micro_precision": round(self.micro.precision, 4),
            "micro_recall": round(self.micro.recall, 4),
            "fields": _field_table(self.fields),
            "fields_normalised": _field_table(self.fields_normalised),
            "docs": self.docs,
            "seconds_per_doc": round(self.seconds_per_doc, 4),
            "median_seconds_per_doc": round(ordered[len(ordered) // 2], 4) if ordered else 0.0,
            "mean_latency_seconds": round(self.latency, 4),
            "automation_rate": round(self.automation.rate, 4),
            "auto_field_error": round(self.automation.field_error, 4),
            "auto_approved": self.automation.auto_approved,
            "reliability": _reliability(
                [p for pairs in self.automation.per_field.values() for p in pairs]
            ),
            "reliability_by_field": {
                name: _reliability(pairs) for name, pairs in self.automation.per_field.items()
            },
            "errors": self.errors,
            "mismatches": self.mismatches,
        }


def _sum(scores: Iterable[FieldScore]) -> FieldScore:
    total = FieldScore()
    for s in scores:
        total.predicted += s.predicted
        total.expected += s.expected
        total.correct += s.correct
    return total


def _field_table(fields: dict[str, FieldScore]) -> dict[str, dict[str, float | int]]:
    return {
        name: {
            "precision": round(s.precision, 4),
            "recall": round(s.recall, 4),
            "f1": round(s.f1, 4),
            "predicted": s.predicted,
            "expected": s.expected,
            "correct": s.correct,
        }
        for name, s in fields.items()
    }


def _reliability(outcomes: list[tuple[float, bool]]) -> list[dict[str, float | int]]:
    return [
        {"confidence_at_least": r.threshold, "fields": r.count, "error": r.error}
        for r in reliability_table(outcomes)
    ]
