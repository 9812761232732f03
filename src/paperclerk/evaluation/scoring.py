"""Precision, recall and F1 per field, and the micro average over fields."""

from __future__ import annotations

import unicodedata
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
    docs: int = 0
    seconds: list[float] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    mismatches: list[dict[str, Any]] = field(default_factory=list)
    automation: Automation = field(default_factory=Automation)
    wall_seconds: float = 0.0

    def add(self, name: str, expected: Any, predicted: Any, correct: bool, doc: str) -> None:
        """Count one field of one document; a field the key lacks is not counted at all."""
        if expected is None:
            return
        score = self.fields.setdefault(name, FieldScore())
        score.expected += 1
        if predicted is not None:
            score.predicted += 1
            score.correct += int(correct)
        if not correct:
            self.mismatches.append(
                {"doc": doc, "field": name, "expected": str(expected), "predicted": str(predicted)}
            )

    @property
    def micro(self) -> FieldScore:
        """The counts of all fields added together."""
        total = FieldScore()
        for s in self.fields.values():
            total.predicted += s.predicted
            total.expected += s.expected
            total.correct += s.correct
        return total

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
            "micro_precision": round(self.micro.precision, 4),
            "micro_recall": round(self.micro.recall, 4),
            "fields": {
                name: {
                    "precision": round(s.precision, 4),
                    "recall": round(s.recall, 4),
                    "f1": round(s.f1, 4),
                    "predicted": s.predicted,
                    "expected": s.expected,
                    "correct": s.correct,
                }
                for name, s in self.fields.items()
            },
            "docs": self.docs,
            "seconds_per_doc": round(self.seconds_per_doc, 4),
            "median_seconds_per_doc": round(ordered[len(ordered) // 2], 4) if ordered else 0.0,
            "mean_latency_seconds": round(self.latency, 4),
            "automation_rate": round(self.automation.rate, 4),
            "auto_field_error": round(self.automation.field_error, 4),
            "auto_approved": self.automation.auto_approved,
            "reliability": [
                {"confidence_at_least": r.threshold, "fields": r.count, "error": r.error}
                for r in reliability_table(
                    [p for pairs in self.automation.per_field.values() for p in pairs]
                )
            ],
            "errors": self.errors,
            "mismatches": self.mismatches,
        }
