"""A per-field candidate scorer: gradient-boosted trees plus a calibration of the top pick.

LightGBM trains the trees and scikit-learn fits the calibration, both imported only when a
model is trained; a trained ranker scores with numpy (`learning.trees`), so a worker that
only reads documents loads neither.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from paperclerk.learning.trees import TreeModel

if TYPE_CHECKING:
    import lightgbm as lgb

PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 5,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.9,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "seed": 7,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 2,
    "max_bin": 63,
    "verbose": -1,
}
ROUNDS = 200
# One document's few hundred candidates: starting threads costs twenty times the work itself.
PREDICT_THREADS = 1
# Most spans of a page are easy negatives; keeping a sample of them trains as well, faster.
MAX_NEGATIVES = 40
MIN_EVIDENCE = 30
"""Fewest confirmed winners a curve of their own is fitted on."""


@dataclass
class Group:
    """The candidates of one document for one field: feature rows and which are right."""

    features: list[list[float]]
    labels: list[int]
    # Whether each candidate is exactly right (labels may be lenient for training), and
    # whether the document's words are like those met in use (OCR, not typed-in ground truth).
    exact: list[int] | None = None
    calibrate: bool = True
    key: str = ""
    # Whether something independent of the ranker confirms each candidate's value.
    evidence: list[bool] | None = None


@dataclass
class HeldOut:
    """A cross-fitted top candidate: its document, raw score, whether right, and evidence."""

    key: str
    score: float
    right: int
    evidence: bool = False
    index: int = -1
    """Which of the group's candidates was on top."""


@dataclass
class Calibration:
    """Maps the raw score of a document's top candidate to the chance that it is right."""

    x: list[float] = field(default_factory=lambda: [0.0, 1.0])
    y: list[float] = field(default_factory=lambda: [0.0, 1.0])

    def __call__(self, score: float) -> float:
        """Return the calibrated probability of a raw top score."""
        return float(np.interp(score, self.x, self.y))

    @classmethod
    def fit(cls, scores: list[float], correct: list[int]) -> Calibration:
        """Fit a monotone map from top scores to observed correctness (isotonic regression)."""
        if len(set(correct)) < 2:
            p = float(np.mean(correct)) if correct else 0.5
            return cls([0.0, 1.0], [p, p])
        from sklearn.isotonic import IsotonicRegression

        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(scores, correct)
        return cls([float(v) for v in iso.X_thresholds_], [float(v) for v in iso.y_thresholds_])


def _folds(groups: list[Group], folds: int) -> list[int]:
    """Assign each group a fold; groups of one document (same key) share it.

    A receipt is trained on twice (OCR'd words and typed-in words): were its copies in
    different folds, the held-out copy would be scored by a model that saw its twin, and
    the calibration would promise more than new documents keep.
    """
    order: dict[str, int] = {}
    out = []
    for i, g in enumerate(groups):
        key = g.key or f"#{i}"
        out.append(order.setdefault(key, len(order)) % folds)
    return out


class FieldRanker:
    """Scores candidates of one field; the best one per document becomes the value."""

    def __init__(
        self,
        feature_names: list[str],
        max_negatives: int = MAX_NEGATIVES,
        mine_hard: bool = False,
    ) -> None:
        """Name the features; `max_negatives` per document are trained on, a sample.

        With `mine_hard`, a first model trained on a random sample scores every candidate,
        and half of the sample is then the negatives it scored highest (wrong candidates
        that look right), the rest drawn at random, for the model kept.
        """
        self.feature_names = feature_names
        self.max_negatives = max_negatives
        self.mine_hard = mine_hard
        self.model_text: str | None = None  # LightGBM's text model, as saved
        self.trees: TreeModel | None = None  # the same trees, scored with numpy
        self.calibration = Calibration()
        # Winners whose value something independent confirms (`Group.evidence`: a total
        # that equals cash paid less change) get a curve of their own.
        self.evidence_calibration: Calibration | None = None
        # The cross-fitted top candidates of the last `fit` (not saved with the model).
        self.held_out: list[HeldOut] = []

    def confidence(self, score: float, evidence: bool = False) -> float:
        """Return the calibrated chance that a top candidate of this score is right.

        A candidate that independent evidence confirms is never less sure than its score
        alone makes it: the evidence curve is fitted on few winners, so where it has seen
        almost none (low scores) it can read 0 where the common curve knows better.
        """
        common = self.calibration(score)
        if evidence and self.evidence_calibration is not None:
            return max(common, self.evidence_calibration(score))
        return common

    def fit(self, groups: list[Group], folds: int = 3) -> list[HeldOut]:
        """Train on all groups; calibrate on cross-fitted predictions.

        Returns the held-out top candidates the calibration was fitted on. Winners with the
        confirming evidence get their own curve when there are at least `MIN_EVIDENCE`.
        """
        held_out: list[HeldOut] = []
        usable = [g for g in groups if g.features]
        fold_of = _folds(usable, folds)
        if len(usable) >= 2 * folds:
            for k in range(folds):
                train = [g for g, f in zip(usable, fold_of, strict=True) if f != k]
                test = [g for g, f in zip(usable, fold_of, strict=True) if f == k]
                booster = self._train(train)
                for g in test:
                    if not g.calibrate:
                        continue
                    scores = booster.predict(
                        np.asarray(g.features, dtype=np.float64), num_threads=PREDICT_THREADS
                    )
                    top = int(np.argmax(scores))
                    right = g.exact if g.exact is not None else g.labels
                    sure = bool(g.evidence and g.evidence[top])
                    held_out.append(HeldOut(g.key, float(scores[top]), right[top], sure, top))
            self.calibrate(held_out)
        self.model_text = self._train(usable).model_to_string()
        self.trees = TreeModel.from_text(self.model_text)
        self.held_out = held_out
        return held_out

    def calibrate(self, held_out: list[HeldOut]) -> None:
        """Fit the calibration curves on cross-fitted top candidates.

        The common curve on all of them; winners with the confirming evidence get their own
        when there are at least `MIN_EVIDENCE` of them (else they share the common one).
        """
        self.calibration = Calibration.fit([h.score for h in held_out], [h.right for h in held_out])
        confirmed = [h for h in held_out if h.evidence]
        self.evidence_calibration = (
            Calibration.fit([h.score for h in confirmed], [h.right for h in confirmed])
            if len(confirmed) >= MIN_EVIDENCE
            else None
        )

    def _train(self, groups: list[Group]) -> lgb.Booster:
        first = self._train_on(groups, None)
        if not self.mine_hard:
            return first
        scored = [
            first.predict(np.asarray(g.features, dtype=np.float64), num_threads=PREDICT_THREADS)
            for g in groups
        ]
        return self._train_on(groups, scored)

    def _train_on(self, groups: list[Group], scored: list[Any] | None) -> lgb.Booster:
        rows: list[list[float]] = []
        labels: list[int] = []
        rng = np.random.default_rng(7)
        for n, g in enumerate(groups):
            negatives = [i for i, label in enumerate(g.labels) if not label]
            if len(negatives) > self.max_negatives:
                negatives = self._sample(negatives, rng, scored[n] if scored else None)
            keep = sorted([i for i, label in enumerate(g.labels) if label] + negatives)
            rows.extend(g.features[i] for i in keep)
            labels.extend(g.labels[i] for i in keep)
        x = np.asarray(rows, dtype=np.float64)
        y = np.asarray(labels, dtype=np.float64)
        if len(set(y.tolist())) < 2:
            y = y.copy()
            y[0] = 1.0 - y[0]
        import lightgbm as lgb

        data = lgb.Dataset(x, y, feature_name=self.feature_names, free_raw_data=True)
        return lgb.train(PARAMS, data, num_boost_round=ROUNDS)

    def _sample(self, negatives: list[int], rng: np.random.Generator, scores: Any) -> list[int]:
        budget = self.max_negatives
        hard: list[int] = []
        if scores is not None:
            hard = sorted(negatives, key=lambda i: -float(scores[i]))[: budget // 2]
        chosen = set(hard)
        rest = [i for i in negatives if i not in chosen]
        drawn = rng.choice(rest, budget - len(hard), replace=False).tolist() if rest else []
        return sorted(chosen | set(drawn))

    def scores(self, features: list[list[float]]) -> list[float]:
        """Return the raw score of every candidate."""
        if not features or self.trees is None:
            return []
        x = np.asarray(features, dtype=np.float64)
        return [float(s) for s in self.trees.predict(x)]

    def to_json(self) -> dict[str, Any]:
        """Return the model as plain JSON (trees as LightGBM's text format)."""
        assert self.model_text is not None
        return {
            "features": self.feature_names,
            "booster": self.model_text,
            "calibration": {"x": self.calibration.x, "y": self.calibration.y},
            "evidence_calibration": (
                {"x": self.evidence_calibration.x, "y": self.evidence_calibration.y}
                if self.evidence_calibration is not None
                else None
            ),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FieldRanker:
        """Rebuild a ranker written by `to_json`."""
        ranker = cls(list(data["features"]))
        curve = data.get("evidence_calibration")
        if curve:
            ranker.evidence_calibration = Calibration(list(curve["x"]), list(curve["y"]))
        ranker.model_text = str(data["booster"])
        ranker.trees = TreeModel.from_text(ranker.model_text)
        ranker.calibration = Calibration(
            list(data["calibration"]["x"]), list(data["calibration"]["y"])
        )
        return ranker


def columns_for(
    rows: list[list[float]], computed: list[str], wanted: list[str]
) -> list[list[float]]:
    """Pick, in a stored ranker's order, the features it was trained on from those computed.

    Features are added as the code learns; a model trained before keeps working on the
    ones it knows. A feature the code no longer computes means the model must be retrained.
    """
    if wanted == computed:
        return rows
    missing = [name for name in wanted if name not in computed]
    if missing:
        raise ValueError(f"this model needs features no longer computed {missing}: retrain it")
    index = [computed.index(name) for name in wanted]
    return [[row[i] for i in index] for row in rows]
