"""LightGBM's trees evaluated with numpy: a trained ranker scores without loading LightGBM.

LightGBM trains the rankers (`learning.ranker`); scoring only walks the trees of its text
model (`Booster.model_to_string`), which this module reads. A worker then never imports
LightGBM, nor scikit-learn, which LightGBM's package imports when it is installed: together
about 100 MB of every worker's memory. Numerical splits with every missing-value rule are
read; a model with categorical splits or another objective than binary or regression is
refused (ValueError), and training keeps the scores LightGBM itself gives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

ZERO = 1e-35
"""LightGBM's `kZeroThreshold`: a value this close to 0 counts as zero."""
_DEFAULT_LEFT = 2
_MISSING_SHIFT = 2
_MISSING_ZERO, _MISSING_NAN = 1, 2

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class _Tree:
    feature: npt.NDArray[np.int64]
    threshold: Floats
    decision: npt.NDArray[np.int64]
    left: npt.NDArray[np.int64]
    right: npt.NDArray[np.int64]
    leaf: Floats


class TreeModel:
    """A LightGBM text model, scored with numpy as `Booster.predict` scores it.

    The trees are stacked into padded arrays, so each step down walks every row in every
    tree at once: a few numpy operations per level instead of per tree.
    """

    def __init__(self, trees: list[_Tree], sigmoid: float | None) -> None:
        self.trees = trees
        self.sigmoid = sigmoid
        width = max((len(t.feature) for t in trees), default=0) or 1
        leaves = max((len(t.leaf) for t in trees), default=1)
        n = len(trees)
        self._feature = np.zeros((n, width), dtype=np.int64)
        self._threshold = np.zeros((n, width))
        self._decision = np.zeros((n, width), dtype=np.int64)
        self._left = np.full((n, width), -1, dtype=np.int64)
        self._right = np.full((n, width), -1, dtype=np.int64)
        self._leaf = np.zeros((n, leaves))
        self._start = np.zeros(n, dtype=np.int64)
        for i, t in enumerate(trees):
            k = len(t.feature)
            self._feature[i, :k], self._threshold[i, :k] = t.feature, t.threshold
            self._decision[i, :k] = t.decision
            self._left[i, :k], self._right[i, :k] = t.left, t.right
            self._leaf[i, : len(t.leaf)] = t.leaf
            self._start[i] = 0 if k else -1  # a one-leaf tree starts at its leaf
        self._width = width
        self._depth = max((_depth(t) for t in trees), default=0)

    @classmethod
    def from_text(cls, text: str) -> TreeModel:
        """Read LightGBM's text format (`Booster.model_to_string`)."""
        header, _, body = text.partition("\nTree=")
        fields = _fields(header)
        objective = fields.get("objective", "").split()
        if int(fields.get("num_class", "1")) != 1 or not objective:
            raise ValueError("only single-output LightGBM models are read")
        sigmoid: float | None = None
        if objective[0] == "binary":
            options = dict(o.split(":", 1) for o in objective[1:] if ":" in o)
            sigmoid = float(options.get("sigmoid", "1"))
        elif objective[0] not in ("regression", "lambdarank", "rank_xendcg"):
            raise ValueError(f"LightGBM objective {objective[0]!r} is not read")
        trees = []
        for block in ("Tree=" + body).split("\nTree=") if body else []:
            part = _fields(block.split("end of trees")[0])
            if "num_cat" in part and int(part["num_cat"]) > 0:
                raise ValueError("categorical splits are not read")
            trees.append(_tree(part))
        return cls(trees, sigmoid)

    def raw(self, x: Floats) -> Floats:
        """Return the sum of the trees' outputs per row (LightGBM's raw score)."""
        n, t = len(x), len(self.trees)
        if not t:
            return np.zeros(n)
        base = (np.arange(t) * self._width)[None, :]
        node = np.broadcast_to(self._start, (n, t)).copy()
        row_base = (np.arange(n) * x.shape[1])[:, None]
        flat_x = np.ascontiguousarray(x, dtype=np.float64).ravel()
        for _ in range(self._depth):
            inner = node >= 0
            if not inner.any():
                break
            at = base + np.where(inner, node, 0)
            value = flat_x.take(row_base + self._feature.take(at))
            decision = self._decision.take(at)
            missing = (decision >> _MISSING_SHIFT) & 3
            value = np.where(np.isnan(value) & (missing != _MISSING_NAN), 0.0, value)
            is_missing = ((missing == _MISSING_ZERO) & (np.abs(value) <= ZERO)) | (
                (missing == _MISSING_NAN) & np.isnan(value)
            )
            go_left = np.where(
                is_missing, (decision & _DEFAULT_LEFT) > 0, value <= self._threshold.take(at)
            )
            step = np.where(go_left, self._left.take(at), self._right.take(at))
            node = np.where(inner, step, node)
        leaves = (np.arange(t) * self._leaf.shape[1])[None, :] + ~node
        return np.asarray(self._leaf.take(leaves).sum(axis=1), dtype=np.float64)

    def predict(self, x: Floats) -> Floats:
        """Return what `Booster.predict` returns: the probability for a binary model."""
        raw = self.raw(x)
        if self.sigmoid is None:
            return raw
        return np.asarray(1.0 / (1.0 + np.exp(-self.sigmoid * raw)), dtype=np.float64)


def _depth(tree: _Tree) -> int:
    """Return how many splits the deepest leaf of a tree lies under."""
    if not len(tree.feature):
        return 0
    deepest, stack = 0, [(0, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        for child in (tree.left[node], tree.right[node]):
            if child >= 0:
                stack.append((int(child), depth + 1))
    return deepest


def _fields(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip()] = value.strip()
    return out


def _ints(text: str) -> npt.NDArray[np.int64]:
    return np.array([int(v) for v in text.split()], dtype=np.int64)


def _floats(text: str) -> Floats:
    return np.array([float(v) for v in text.split()], dtype=np.float64)


def _tree(part: dict[str, str]) -> _Tree:
    leaf = _floats(part["leaf_value"])
    if int(part["num_leaves"]) == 1:
        empty = np.zeros(0, dtype=np.int64)
        return _Tree(empty, np.zeros(0), empty, empty, empty, leaf)
    return _Tree(
        _ints(part["split_feature"]),
        _floats(part["threshold"]),
        _ints(part["decision_type"]),
        _ints(part["left_child"]),
        _ints(part["right_child"]),
        leaf,
    )
