"""Permutation feature importance: how much worse the model gets when a column is shuffled.

For each input column (all one-hot features of a categorical column move
together), the rows of that column are shuffled `n_repeats` times and the
model is scored again; the importance is the score lost: accuracy lost for
classification, root-mean-squared error gained for regression. This is
`sklearn.inspection.permutation_importance` with the accuracy or
`neg_root_mean_squared_error` scorer. Run it on the validation rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import DataError
from core.evaluation.baselines import class_codes
from core.evaluation.classification import predict_classes
from core.evaluation.results import Predict, probabilities_from_outputs

__all__ = [
    "FeatureGroup",
    "FeatureImportance",
    "Importances",
    "feature_groups",
    "permutation_importance",
]


@dataclass(frozen=True)
class FeatureGroup:
    """One input column and the positions of the network inputs it became."""

    name: str
    columns: tuple[int, ...]
    kind: str = "numeric"


def feature_groups(pipeline: Any | None, feature_names: Sequence[str] = ()) -> list[FeatureGroup]:
    """Groups from a fitted `core.data.Pipeline` (one per input column), else one per feature."""
    if pipeline is None:
        return [FeatureGroup(str(n), (i,)) for i, n in enumerate(feature_names)]
    groups, start = [], 0
    for spec in pipeline.columns:
        groups.append(FeatureGroup(spec.column, tuple(range(start, start + spec.width)), spec.kind))
        start += spec.width
    return groups


@dataclass(frozen=True)
class FeatureImportance:
    """The score lost when `name` is shuffled: mean and spread over the repeats."""

    name: str
    mean: float
    std: float
    scores: tuple[float, ...]


@dataclass(frozen=True)
class Importances:
    """All features' importances, most important first, and what was measured."""

    metric: str
    baseline_score: float
    features: tuple[FeatureImportance, ...]
    n_rows: int

    def describe(self) -> str:
        if self.metric == "accuracy":
            return "accuracy lost when the column is shuffled"
        return "rise in RMSE when the column is shuffled"

    def top(self, k: int) -> list[str]:
        return [f.name for f in self.features[:k]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "baseline_score": self.baseline_score,
            "rows": self.n_rows,
            "features": [{"name": f.name, "mean": f.mean, "std": f.std} for f in self.features],
        }


def _scorer(kind: str, y: np.ndarray) -> tuple[str, Callable[[np.ndarray], float]]:
    if kind == "regression":
        actual = np.asarray(y, dtype=np.float64).reshape(len(y), -1)[:, 0]

        def neg_rmse(out: np.ndarray) -> float:
            pred = np.asarray(out, dtype=np.float64).reshape(len(actual), -1)[:, 0]
            return -float(np.sqrt(np.mean((pred - actual) ** 2)))

        return "rmse", neg_rmse
    codes = class_codes(y, kind)
    threshold = 0.5 if kind == "binary" else None

    def accuracy(out: np.ndarray) -> float:
        pred = predict_classes(probabilities_from_outputs(out, kind), threshold)
        return float(np.mean(pred == codes))

    return "accuracy", accuracy


def permutation_importance(
    predict: Predict,
    x: np.ndarray,
    y: np.ndarray,
    *,
    kind: str,
    groups: Sequence[FeatureGroup] | None = None,
    n_repeats: int = 5,
    seed: int = 0,
) -> Importances:
    """Importances of `groups` (default: each network input) on rows `x`, targets `y`."""
    x = np.asarray(x, dtype=np.float32)
    n = len(x)
    if n < 2:
        raise DataError(
            f"Expected at least 2 rows to measure feature importance. Received {n}. "
            "Set a validation split in the Data settings."
        )
    if n_repeats < 1:
        raise DataError(f"Expected n_repeats >= 1. Received {n_repeats}.")
    groups = (
        list(groups)
        if groups is not None
        else [FeatureGroup(f"x{i}", (i,)) for i in range(x.shape[1])]
    )
    metric, score = _scorer(kind, y)
    base = score(predict(x))
    rng = np.random.default_rng(seed)
    stacked = np.empty((n_repeats * n, x.shape[1]), dtype=np.float32)
    results = []
    for g in groups:
        cols = list(g.columns)
        for r in range(n_repeats):
            block = stacked[r * n : (r + 1) * n]
            block[:] = x
            block[:, cols] = x[rng.permutation(n)][:, cols]
        out = np.asarray(predict(stacked))
        scores = [base - score(out[r * n : (r + 1) * n]) for r in range(n_repeats)]
        results.append(
            FeatureImportance(g.name, float(np.mean(scores)), float(np.std(scores)), tuple(scores))
        )
    results.sort(key=lambda f: -f.mean)
    return Importances(metric, abs(base) if metric == "rmse" else base, tuple(results), n)
