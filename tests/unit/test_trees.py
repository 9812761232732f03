"""LightGBM's trees scored with numpy give what `Booster.predict` gives."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest

from paperclerk.learning.trees import TreeModel


def _data(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 2, (600, 6))
    x[rng.random(x.shape) < 0.15] = 0.0
    x[rng.random(x.shape) < 0.1] = np.nan
    y = (np.nan_to_num(x[:, 0]) + np.nan_to_num(x[:, 1]) * x[:, 2].clip(-1, 1)) > 0.3
    return x, y.astype(np.float64)


@pytest.mark.parametrize(
    "params",
    [
        {"objective": "binary"},
        {"objective": "binary", "zero_as_missing": True},
        {"objective": "binary", "use_missing": False},
        {"objective": "regression"},
        {"objective": "binary", "sigmoid": 0.5, "num_leaves": 3},
    ],
)
def test_numpy_scores_equal_lightgbm(params: dict[str, object]) -> None:
    x, y = _data(1)
    booster = lgb.train(
        {**params, "verbose": -1, "min_data_in_leaf": 5, "seed": 1},
        lgb.Dataset(x, y),
        num_boost_round=40,
    )
    trees = TreeModel.from_text(booster.model_to_string())
    probe, _ = _data(2)
    np.testing.assert_allclose(trees.predict(probe), booster.predict(probe), rtol=0, atol=1e-12)


def test_one_leaf_trees_and_refusals() -> None:
    x = np.zeros((20, 2))
    booster = lgb.train({"objective": "regression", "verbose": -1}, lgb.Dataset(x, np.ones(20)), 3)
    trees = TreeModel.from_text(booster.model_to_string())
    np.testing.assert_allclose(trees.predict(x), booster.predict(x), atol=1e-12)
    cats = np.random.default_rng(0).integers(0, 8, (2000, 1)).astype(float)
    categorical = lgb.train(
        {"objective": "binary", "verbose": -1, "min_data_in_leaf": 5, "min_data_per_group": 5},
        lgb.Dataset(cats, np.isin(cats[:, 0], [2, 5]).astype(float), categorical_feature=[0]),
        5,
    )
    with pytest.raises(ValueError, match="categorical"):
        TreeModel.from_text(categorical.model_to_string())
    multi = lgb.train(
        {"objective": "multiclass", "num_class": 3, "verbose": -1, "min_data_in_leaf": 5},
        lgb.Dataset(cats, cats[:, 0] % 3),
        3,
    )
    with pytest.raises(ValueError, match="single-output"):
        TreeModel.from_text(multi.model_to_string())
