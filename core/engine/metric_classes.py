"""More Keras metric classes: cross-entropies, RMSE, MAPE, Accuracy, top-k and Sum.

Each follows `core.engine.metrics` (NumPy state, `update_state` / `result` /
`reset_state`); importing `core.engine.metrics` registers them for `get()`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.engine.metrics import Mean, MeanMetricWrapper, _align, _np

_EPS = 1e-7


def _probs(p: np.ndarray, from_logits: bool, sigmoid: bool) -> np.ndarray:
    if not from_logits:
        return p
    if sigmoid:
        return 1.0 / (1.0 + np.exp(-p))
    e = np.exp(p - p.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def binary_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0
) -> np.ndarray:
    p = _probs(_np(y_pred).astype(np.float64), from_logits, True)
    t = _align(_np(y_true), p)
    if label_smoothing:
        t = t * (1.0 - label_smoothing) + 0.5 * label_smoothing
    p = np.clip(p, _EPS, 1 - _EPS)
    v = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    return v.mean(axis=-1) if v.ndim > 1 else v


def categorical_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0
) -> np.ndarray:
    p = _probs(_np(y_pred).astype(np.float64), from_logits, False)
    t = _np(y_true).astype(np.float64)
    if label_smoothing:
        t = t * (1.0 - label_smoothing) + label_smoothing / p.shape[-1]
    p = np.clip(p / p.sum(axis=-1, keepdims=True), _EPS, 1 - _EPS)
    return -(t * np.log(p)).sum(axis=-1)


def sparse_categorical_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False
) -> np.ndarray:
    p = _probs(_np(y_pred).astype(np.float64), from_logits, False)
    labels = _np(y_true).reshape(-1).astype(np.int64)
    p = np.clip(p / p.sum(axis=-1, keepdims=True), _EPS, 1 - _EPS).reshape(len(labels), -1)
    return -np.log(p[np.arange(len(labels)), labels])


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> np.ndarray:
    p = _np(y_pred).astype(np.float64)
    t = _align(_np(y_true), p)
    v = 100.0 * np.abs((t - p) / np.maximum(np.abs(t), _EPS))
    return v.mean(axis=-1) if v.ndim > 1 else v


def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> np.ndarray:
    return sparse_top_k_categorical_accuracy(np.argmax(_np(y_true), axis=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> np.ndarray:
    p = _np(y_pred)
    labels = _np(y_true).reshape(-1).astype(np.int64)
    top = np.argsort(-p, axis=-1)[:, :k]
    return (top == labels[:, None]).any(axis=1).astype(np.float64)


def accuracy(y_true: Any, y_pred: Any) -> np.ndarray:
    p = _np(y_pred)
    t = _align(_np(y_true), p)
    eq = (t == p).astype(np.float64)
    return eq.mean(axis=-1) if eq.ndim > 1 else eq


class _Crossentropy(MeanMetricWrapper):
    """A cross-entropy metric: its loss function with `from_logits`, and label smoothing
    where that loss has it (`label_smoothing` None: it has none)."""

    def __init__(
        self,
        fn: Any,
        name: str,
        dtype: Any,
        from_logits: bool,
        label_smoothing: float | None = None,
    ) -> None:
        self.from_logits = bool(from_logits)
        self.label_smoothing = None if label_smoothing is None else float(label_smoothing)
        extra = () if self.label_smoothing is None else (self.label_smoothing,)
        super().__init__(lambda t, p: fn(t, p, self.from_logits, *extra), name, dtype)

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "from_logits": self.from_logits}
        if self.label_smoothing is not None:
            config["label_smoothing"] = self.label_smoothing
        return config


class BinaryCrossentropy(_Crossentropy):
    def __init__(
        self,
        name: str = "binary_crossentropy",
        dtype: Any = None,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(binary_crossentropy, name, dtype, from_logits, label_smoothing)


class CategoricalCrossentropy(_Crossentropy):
    def __init__(
        self,
        name: str = "categorical_crossentropy",
        dtype: Any = None,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
    ) -> None:
        super().__init__(categorical_crossentropy, name, dtype, from_logits, label_smoothing)


class SparseCategoricalCrossentropy(_Crossentropy):
    def __init__(
        self,
        name: str = "sparse_categorical_crossentropy",
        dtype: Any = None,
        from_logits: bool = False,
        axis: int = -1,
    ) -> None:
        super().__init__(sparse_categorical_crossentropy, name, dtype, from_logits)


class RootMeanSquaredError(Mean):
    """sqrt of the mean squared error over everything seen (not the mean of batch RMSEs)."""

    def __init__(self, name: str = "root_mean_squared_error", dtype: Any = None) -> None:
        super().__init__(name, dtype)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        p = _np(y_pred).astype(np.float64)
        d = p - _align(_np(y_true), p)
        super().update_state(d * d, sample_weight)

    def result(self) -> float:
        return float(np.sqrt(super().result()))


class MeanAbsolutePercentageError(MeanMetricWrapper):
    def __init__(self, name: str = "mean_absolute_percentage_error", dtype: Any = None) -> None:
        super().__init__(mean_absolute_percentage_error, name, dtype)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal the labels exactly."""

    def __init__(self, name: str = "accuracy", dtype: Any = None) -> None:
        super().__init__(accuracy, name, dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy", dtype: Any = None):
        self.k = int(k)
        super().__init__(lambda t, p: top_k_categorical_accuracy(t, p, self.k), name, dtype)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    def __init__(
        self, k: int = 5, name: str = "sparse_top_k_categorical_accuracy", dtype: Any = None
    ) -> None:
        self.k = int(k)
        super().__init__(lambda t, p: sparse_top_k_categorical_accuracy(t, p, self.k), name, dtype)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "k": self.k}


class Sum(Mean):
    """The running (weighted) sum of the values given to update_state."""

    def result(self) -> float:
        return float(self.total)


CLASSES = (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    RootMeanSquaredError,
    MeanAbsolutePercentageError,
    Accuracy,
    TopKCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    Sum,
)

STRINGS = {
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "mape": MeanAbsolutePercentageError,
    "mean_absolute_percentage_error": MeanAbsolutePercentageError,
    "top_k_categorical_accuracy": TopKCategoricalAccuracy,
    "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy,
}
