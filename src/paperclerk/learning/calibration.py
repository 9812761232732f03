"""Reliability tables, per-field auto-approval thresholds and the automation rate."""

from __future__ import annotations

from dataclasses import dataclass, field

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


def choose_threshold(outcomes: list[tuple[float, bool]], max_error: float = 0.01) -> float:
    """Return the lowest confidence above which the measured error stays within `max_error`.

    Walks the outcomes from the most confident down and keeps the lowest cut at which the
    error of everything above it is still within bounds; 1.0 (nothing passes) when none is.
    """
    best = 1.0
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
            conf >= thresholds.get(name, 1.0) for name, (conf, _) in outcome.items()
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


def choose_thresholds(
    docs: list[DocOutcome], max_error: float = 0.01, steps: int = 26
) -> dict[str, float]:
    """Per-field thresholds that auto-approve the most documents within `max_error`.

    The bound is on the share of wrong fields among all fields of auto-approved documents,
    so a field that is right more often can carry a lower threshold than a harder one. Each
    field's threshold is the one that keeps that field's own error within a common level;
    the level is searched on a grid and the one with the most approvals is kept.
    """
    names = sorted({name for doc in docs for name in doc})
    best: tuple[float, dict[str, float]] = (-1.0, {name: 1.0 for name in names})
    for step in range(steps):
        level = max_error * 5 * step / (steps - 1)
        thresholds = {
            name: choose_threshold([d[name] for d in docs if name in d], level) for name in names
        }
        auto = Automation()
        for doc in docs:
            auto.add(doc, thresholds)
        if auto.field_error <= max_error and auto.rate > best[0]:
            best = (auto.rate, thresholds)
    return best[1]


@dataclass
class AutomationLevel:
    """Thresholds chosen for one error bound, and what they do on held-out documents."""

    max_error: float
    thresholds: dict[str, float]
    rate: float
    field_error: float


def automation_curve(
    chosen_on: list[DocOutcome],
    measured_on: list[DocOutcome],
    levels: tuple[float, ...] = (0.01, 0.02, 0.05),
    margin: float = 0.8,
) -> list[AutomationLevel]:
    """For each error bound: thresholds chosen on `chosen_on`, automation measured on `measured_on`.

    Shows what a stricter or looser bound would buy, with the thresholds always chosen on
    other documents than the ones measured (and with `margin` below the bound, as in training).
    """
    rows = []
    for level in levels:
        thresholds = choose_thresholds(chosen_on, level * margin)
        auto = Automation()
        for doc in measured_on:
            auto.add(doc, thresholds)
        rows.append(AutomationLevel(level, thresholds, auto.rate, auto.field_error))
    return rows
