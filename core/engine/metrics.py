"""Stateful metrics with Keras names: update_state / result / reset_state in NumPy.

Metrics never touch autograd: they read plain arrays (probabilities, or the
probabilities a model derives from its logits), so updating them after every
batch costs a few vectorised NumPy calls. Log names follow Keras 3: the name
a user passed as a string ("accuracy", "acc", "mae", "mse", "auc"), or the
class's snake-case default ("precision", "recall", "auc", "r2_score",
"binary_accuracy", ...). `get(identifier)` resolves strings; `resolve_accuracy`
turns "accuracy" into the binary, categorical or sparse variant the way
Keras's compile does (from the loss and the output shape).
"""

from __future__ import annotations

import difflib
from typing import Any

import numpy as np

from core.errors import ConfigError
from core.naming import snake_case


def _np(x: Any) -> np.ndarray:
    return np.asarray(getattr(x, "data", x))


def _weights(sample_weight: Any, n: int) -> np.ndarray | None:
    if sample_weight is None:
        return None
    w = _np(sample_weight).astype(np.float64).reshape(-1)
    if w.size != n:
        w = np.broadcast_to(w, (n,))
    return w


class Metric:
    """Base class of stateful metrics, with Keras 3's contract for subclasses.

    A subclass calls `super().__init__(name=..., **kwargs)` first, then creates its
    state with `self.add_weight(name=..., shape=(), initializer="zeros")` (Variables
    with assign/assign_add) and implements `update_state` and `result`; the default
    `reset_state` puts every such variable back to its initial value. `__init__`
    does not call `reset_state`, so state created after `super().__init__()` is fine.
    The built-in metrics below keep plain NumPy state and reset it in their own
    `__init__`.
    """

    def __init__(self, name: str | None = None, dtype: Any = None, **kwargs: Any) -> None:
        if kwargs:
            raise ConfigError(
                f"{type(self).__name__}: unknown argument(s) {sorted(kwargs)}. Expected name "
                "and dtype."
            )
        self.name = name or snake_case(type(self).__name__)
        self.dtype = dtype
        self._variables: list[tuple[Any, np.ndarray]] = []

    def add_weight(
        self,
        name: str | None = None,
        shape: Any = (),
        initializer: Any = "zeros",
        dtype: Any = None,
        **kwargs: Any,
    ) -> Any:
        """A state Variable (not trained); reset_state restores its initial value."""
        from core.engine import initializers
        from core.engine.layers.base import Variable

        shape = (shape,) if isinstance(shape, int) else tuple(shape or ())
        data = initializers.get(initializer)(shape, str(np.dtype(dtype or "float32")), None)
        var = Variable(np.array(data), trainable=False, path=f"{self.name}/{name or 'variable'}")
        if not hasattr(self, "_variables"):
            self._variables = []
        self._variables.append((var, np.array(data)))
        return var

    add_variable = add_weight

    @property
    def variables(self) -> list[Any]:
        return [v for v, _ in getattr(self, "_variables", [])]

    def reset_state(self) -> None:
        for var, initial in getattr(self, "_variables", []):
            var.data[...] = initial

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        raise NotImplementedError

    def result(self) -> Any:
        raise NotImplementedError

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        """Keras: update the state with this batch and return the running result."""
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Metric:
        return cls(**config)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def scalar(value: Any) -> float:
    """A metric result as a Python float (results may be Tensors or NumPy scalars)."""
    return float(np.asarray(getattr(value, "data", value)))


class Mean(Metric):
    """Weighted running mean of the values given to update_state (used for the loss)."""

    def __init__(self, name: str | None = None, dtype: Any = None) -> None:
        super().__init__(name, dtype)
        self.reset_state()

    def reset_state(self) -> None:
        self.total = 0.0
        self.count = 0.0

    def update_state(
        self, values: Any, sample_weight: Any = None, *, count: float | None = None
    ) -> None:
        if count is not None and type(values) is float:  # the trainer's per-batch loss
            self.total += values * count
            self.count += count
            return
        v = _np(values)
        if count is not None:  # a batch mean that stands for `count` samples
            self.total += float(v) * count
            self.count += count
            return
        w = _weights(sample_weight, v.size)
        if w is None:
            self.total += float(v.sum())
            self.count += v.size
        else:
            self.total += float((v.reshape(-1) * w).sum())
            self.count += float(w.sum())

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0


class MeanMetricWrapper(Metric):
    """Running mean of a per-sample function fn(y_true, y_pred) -> values."""

    def __init__(self, fn: Any, name: str | None = None, dtype: Any = None) -> None:
        self._fn = fn
        super().__init__(name or getattr(fn, "__name__", "metric"), dtype)
        self.reset_state()

    def reset_state(self) -> None:
        self.total = 0.0
        self.count = 0.0

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        values = np.asarray(self._fn(_np(y_true), _np(y_pred)), dtype=np.float64).reshape(-1)
        w = _weights(sample_weight, values.size)
        if w is None:
            self.total += float(values.sum())
            self.count += values.size
        else:
            self.total += float((values * w).sum())
            self.count += float(w.sum())

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}


def _align(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    if y_true.shape != y_pred.shape and y_true.size == y_pred.size:
        return y_true.reshape(y_pred.shape)
    return y_true


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> np.ndarray:
    t, p = _np(y_true), _np(y_pred)
    t = _align(t, p)
    eq = (t > 0.5) == (p > threshold)
    return eq.mean(axis=-1) if eq.ndim > 1 else eq.astype(np.float64)


def categorical_accuracy(y_true: Any, y_pred: Any) -> np.ndarray:
    t, p = _np(y_true), _np(y_pred)
    return (np.argmax(t, axis=-1) == np.argmax(p, axis=-1)).astype(np.float64)


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> np.ndarray:
    t, p = _np(y_true), _np(y_pred)
    t = t.reshape(p.shape[:-1]) if t.size == int(np.prod(p.shape[:-1])) else t
    return (t.astype(np.int64) == np.argmax(p, axis=-1)).astype(np.float64)


def mean_absolute_error(y_true: Any, y_pred: Any) -> np.ndarray:
    t, p = _np(y_true), _np(y_pred)
    d = np.abs(p.astype(np.float64) - _align(t, p))
    return d.mean(axis=-1) if d.ndim > 1 else d


def mean_squared_error(y_true: Any, y_pred: Any) -> np.ndarray:
    t, p = _np(y_true), _np(y_pred)
    d = p.astype(np.float64) - _align(t, p)
    d = d * d
    return d.mean(axis=-1) if d.ndim > 1 else d


class _CountingAccuracy(MeanMetricWrapper):
    """An accuracy whose unweighted update counts hits directly (the same sums, fewer passes),
    in scratch arrays kept per batch shape (a planned training step allocates nothing)."""

    def _scratch(self, shape: tuple[int, ...], dtype: Any) -> tuple[np.ndarray, np.ndarray]:
        """Two arrays of `shape` kept for this batch shape (a few shapes at most)."""
        cache = self.__dict__.setdefault("_scratch_arrays", {})
        pair = cache.get((shape, dtype))
        if pair is None:
            if len(cache) > 8:
                cache.clear()
            pair = cache[(shape, dtype)] = (np.empty(shape, dtype), np.empty(shape, dtype))
        return pair

    def _hits(self, t: np.ndarray, p: np.ndarray) -> np.ndarray | None:
        """Boolean hits, one per sample, or None when the general path must decide."""
        raise NotImplementedError

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        if sample_weight is None:
            t = y_true if type(y_true) is np.ndarray else _np(y_true)
            hits = self._hits(t, y_pred if type(y_pred) is np.ndarray else _np(y_pred))
            if hits is not None:
                self.total += float(np.count_nonzero(hits))
                self.count += hits.size
                return
        super().update_state(y_true, y_pred, sample_weight)


class BinaryAccuracy(_CountingAccuracy):
    def __init__(
        self, name: str = "binary_accuracy", dtype: Any = None, threshold: float = 0.5
    ) -> None:
        self.threshold = float(threshold)
        super().__init__(lambda t, p: binary_accuracy(t, p, self.threshold), name, dtype)

    def _hits(self, t: np.ndarray, p: np.ndarray) -> np.ndarray | None:
        if p.ndim > 1 and p.shape[-1] != 1:  # several outputs: a per-sample mean
            return None
        if t.shape != p.shape:
            if t.size != p.size:
                return None
            t = t.reshape(p.shape)
        hits, above = self._scratch(p.shape, bool)
        np.greater(t, 0.5, out=hits)
        return np.equal(hits, np.greater(p, self.threshold, out=above), out=hits)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, name: str = "categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(categorical_accuracy, name, dtype)


class SparseCategoricalAccuracy(_CountingAccuracy):
    def __init__(self, name: str = "sparse_categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(sparse_categorical_accuracy, name, dtype)

    def _hits(self, t: np.ndarray, p: np.ndarray) -> np.ndarray | None:
        if p.ndim != 2 or t.size != p.shape[0]:
            return None
        n = (p.shape[0],)
        best = np.argmax(p, axis=-1, out=self._scratch(n, np.intp)[0])
        labels = t.reshape(-1).astype(np.int64, copy=False)
        return np.equal(labels, best, out=self._scratch(n, bool)[0])


class MeanAbsoluteError(MeanMetricWrapper):
    def __init__(self, name: str = "mean_absolute_error", dtype: Any = None) -> None:
        super().__init__(mean_absolute_error, name, dtype)


class MeanSquaredError(MeanMetricWrapper):
    def __init__(self, name: str = "mean_squared_error", dtype: Any = None) -> None:
        super().__init__(mean_squared_error, name, dtype)


class _Confusion(Metric):
    """True/false positive/negative counts at one threshold, elementwise (Keras semantics).

    `class_id` restricts the counts to one column of a multi-output prediction.
    """

    def __init__(
        self,
        thresholds: float | None = None,
        name: str | None = None,
        dtype: Any = None,
        class_id: int | None = None,
        top_k: int | None = None,
    ) -> None:
        t = 0.5 if thresholds is None else thresholds
        if isinstance(t, (list, tuple)):
            if len(t) != 1:
                raise ConfigError(
                    f"{type(self).__name__}: Expected one threshold. Received: thresholds={t!r}"
                )
            t = t[0]
        if not 0 <= float(t) <= 1:
            raise ConfigError(
                f"{type(self).__name__}: Expected thresholds in [0, 1]. Received: {t!r}"
            )
        if top_k is not None:
            raise ConfigError(
                f"{type(self).__name__}: top_k is not supported yet. Expected top_k=None."
            )
        self.thresholds = float(t)
        self.class_id = None if class_id is None else int(class_id)
        super().__init__(name, dtype)
        self.reset_state()

    def reset_state(self) -> None:
        self.tp = self.fp = self.fn = self.tn = 0.0

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        p = _np(y_pred)
        t = _align(_np(y_true), p) > 0.5
        if self.class_id is not None:
            p, t = p[..., self.class_id], t[..., self.class_id]
        pos = p > self.thresholds
        if sample_weight is None:
            self.tp += float(np.count_nonzero(pos & t))
            self.fp += float(np.count_nonzero(pos & ~t))
            self.fn += float(np.count_nonzero(~pos & t))
            self.tn += float(np.count_nonzero(~pos & ~t))
        else:
            w = np.broadcast_to(_np(sample_weight).reshape((-1,) + (1,) * (p.ndim - 1)), p.shape)
            self.tp += float(w[pos & t].sum())
            self.fp += float(w[pos & ~t].sum())
            self.fn += float(w[~pos & t].sum())
            self.tn += float(w[~pos & ~t].sum())

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "thresholds": self.thresholds}
        if self.class_id is not None:
            config["class_id"] = self.class_id
        return config


class Precision(_Confusion):
    def __init__(
        self,
        thresholds: float | None = None,
        top_k: int | None = None,
        class_id: int | None = None,
        name: str = "precision",
        dtype: Any = None,
    ) -> None:
        super().__init__(thresholds, name, dtype, class_id, top_k)

    def result(self) -> float:
        d = self.tp + self.fp
        return self.tp / d if d else 0.0


class Recall(_Confusion):
    def __init__(
        self,
        thresholds: float | None = None,
        top_k: int | None = None,
        class_id: int | None = None,
        name: str = "recall",
        dtype: Any = None,
    ) -> None:
        super().__init__(thresholds, name, dtype, class_id, top_k)

    def result(self) -> float:
        d = self.tp + self.fn
        return self.tp / d if d else 0.0


class _Count(_Confusion):
    """One confusion count (TruePositives, ...) at `thresholds` (default 0.5)."""

    _field = "tp"

    def __init__(
        self, thresholds: float | None = None, name: str | None = None, dtype: Any = None
    ) -> None:
        super().__init__(thresholds, name, dtype)

    def result(self) -> float:
        return float(getattr(self, self._field))


class TruePositives(_Count):
    _field = "tp"


class FalsePositives(_Count):
    _field = "fp"


class TrueNegatives(_Count):
    _field = "tn"


class FalseNegatives(_Count):
    _field = "fn"


class AUC(Metric):
    """Area under the ROC curve from confusion counts at `num_thresholds` thresholds.

    Thresholds are Keras's: -eps, i/(n-1) for i in 1..n-2, 1+eps; a prediction
    counts as positive above a threshold; the area is the trapezoid rule
    (summation_method="interpolation"). Counts are binned with one searchsorted
    and a bincount per batch.
    """

    def __init__(
        self,
        num_thresholds: int = 200,
        curve: str = "ROC",
        summation_method: str = "interpolation",
        name: str = "auc",
        dtype: Any = None,
        thresholds: Any = None,
        multi_label: bool = False,
        num_labels: Any = None,
        label_weights: Any = None,
        from_logits: bool = False,
    ) -> None:
        if thresholds is not None or multi_label or label_weights is not None:
            raise ConfigError(
                "AUC: thresholds=, multi_label=True and label_weights= are not supported yet. "
                "Expected the defaults."
            )
        self.from_logits = bool(from_logits)
        if int(num_thresholds) <= 1:
            raise ConfigError(
                f"AUC: Expected num_thresholds > 1. Received: num_thresholds={num_thresholds!r}"
            )
        if curve not in ("ROC", "PR"):
            raise ConfigError(f"AUC: Expected curve='ROC' or 'PR'. Received: {curve!r}")
        if summation_method != "interpolation":
            raise ConfigError(
                "AUC: Expected summation_method='interpolation' (the one supported). "
                f"Received: {summation_method!r}"
            )
        self.num_thresholds = int(num_thresholds)
        self.curve = curve
        self.summation_method = summation_method
        eps = 1e-7
        inner = [(i + 1) / (self.num_thresholds - 1) for i in range(self.num_thresholds - 2)]
        self._thresholds = np.array([0.0 - eps, *inner, 1.0 + eps])
        super().__init__(name, dtype)
        self.reset_state()

    def reset_state(self) -> None:
        n = self.num_thresholds
        self.tp = np.zeros(n)
        self.fp = np.zeros(n)
        self.tn = np.zeros(n)
        self.fn = np.zeros(n)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        p = _np(y_pred).astype(np.float64).reshape(-1)
        if self.from_logits:
            p = 1.0 / (1.0 + np.exp(-p))
        t = (_np(y_true).reshape(-1) > 0.5) if _np(y_true).size == p.size else None
        if t is None:
            raise ConfigError(
                f"AUC: Expected targets with one value per prediction ({p.size}). "
                f"Received: {_np(y_true).size} values."
            )
        if sample_weight is None:
            w = np.ones_like(p)
        else:
            sw = _np(sample_weight).astype(np.float64).reshape(-1)
            w = np.repeat(sw, max(p.size // max(sw.size, 1), 1))
        n = self.num_thresholds
        # bucket k = number of thresholds strictly below p: p > thr[j] for j < k
        k = np.searchsorted(self._thresholds, p, side="left")
        pos_counts = np.bincount(k[t], weights=w[t], minlength=n + 1)
        neg_counts = np.bincount(k[~t], weights=w[~t], minlength=n + 1)
        # above[j] = sum over k > j
        pos_above = np.cumsum(pos_counts[::-1])[::-1][1:]
        neg_above = np.cumsum(neg_counts[::-1])[::-1][1:]
        self.tp += pos_above
        self.fp += neg_above
        self.fn += pos_counts.sum() - pos_above
        self.tn += neg_counts.sum() - neg_above

    def result(self) -> float:
        if self.curve == "PR":
            return self._pr_auc()
        with np.errstate(divide="ignore", invalid="ignore"):
            tpr = np.where(self.tp + self.fn > 0, self.tp / (self.tp + self.fn), 0.0)
            fpr = np.where(self.fp + self.tn > 0, self.fp / (self.fp + self.tn), 0.0)
        heights = (tpr[:-1] + tpr[1:]) / 2.0
        return float(np.sum((fpr[:-1] - fpr[1:]) * heights))

    def _pr_auc(self) -> float:
        """Keras's interpolated PR-AUC (Davis & Goadrich 2006) from the confusion counts."""
        tp, fp, fn = self.tp, self.fp, self.fn

        def div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            return np.divide(a, b, out=np.zeros_like(a, dtype=np.float64), where=b != 0)

        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = div(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        ratio = np.where(both, div(p[:-1], np.maximum(p[1:], 0)), 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_ratio = np.where(ratio > 0, np.log(np.where(ratio > 0, ratio, 1.0)), 0.0)
        inc = div(slope * (dtp + intercept * log_ratio), np.maximum(tp[1:] + fn[1:], 0))
        return float(np.sum(inc))

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
        }


class R2Score(Metric):
    """Coefficient of determination 1 - SS_res / SS_tot, per output then averaged."""

    def __init__(
        self,
        class_aggregation: str | None = "uniform_average",
        num_regressors: int = 0,
        name: str = "r2_score",
        dtype: Any = None,
    ) -> None:
        if class_aggregation not in ("uniform_average", "variance_weighted_average", None):
            raise ConfigError(
                "R2Score: Expected class_aggregation 'uniform_average', "
                f"'variance_weighted_average' or None. Received: {class_aggregation!r}"
            )
        self.class_aggregation = class_aggregation
        self.num_regressors = int(num_regressors)
        super().__init__(name, dtype)
        self.reset_state()

    def reset_state(self) -> None:
        self.count = 0.0
        self.sum = None
        self.sq_sum = None
        self.res = None

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        p = _np(y_pred).astype(np.float64)
        p = p.reshape(len(p), -1) if p.ndim != 2 else p
        t = _np(y_true).astype(np.float64).reshape(p.shape)
        w = (
            np.ones((len(p), 1))
            if sample_weight is None
            else _np(sample_weight).astype(np.float64).reshape(-1, 1)
        )
        if self.sum is None:
            k = p.shape[1]
            self.sum, self.sq_sum, self.res = np.zeros(k), np.zeros(k), np.zeros(k)
        self.sum += (t * w).sum(axis=0)
        self.sq_sum += (t * t * w).sum(axis=0)
        self.res += (((t - p) ** 2) * w).sum(axis=0)
        self.count += float(w.sum())

    def result(self) -> float:
        if self.sum is None or not self.count:
            return 0.0
        mean = self.sum / self.count
        total = self.sq_sum - self.sum * mean
        with np.errstate(divide="ignore", invalid="ignore"):
            raw = np.where(total > 0, 1.0 - self.res / np.where(total > 0, total, 1.0), 0.0)
        if self.class_aggregation == "variance_weighted_average" and total.sum() > 0:
            r2 = float((raw * total).sum() / total.sum())
        else:
            r2 = float(raw.mean())
        if self.num_regressors and self.count - self.num_regressors - 1 > 0:
            n, k = self.count, self.num_regressors
            r2 = 1 - (1 - r2) * (n - 1) / (n - k - 1)
        return r2

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "class_aggregation": self.class_aggregation,
            "num_regressors": self.num_regressors,
        }


ALL_METRICS: dict[str, type[Metric]] = {
    cls.__name__: cls
    for cls in (
        BinaryAccuracy,
        CategoricalAccuracy,
        SparseCategoricalAccuracy,
        Precision,
        Recall,
        AUC,
        MeanAbsoluteError,
        MeanSquaredError,
        R2Score,
        Mean,
        TruePositives,
        FalsePositives,
        TrueNegatives,
        FalseNegatives,
    )
}
_STRINGS: dict[str, type[Metric]] = {
    "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "precision": Precision,
    "recall": Recall,
    "auc": AUC,
    "mae": MeanAbsoluteError,
    "mean_absolute_error": MeanAbsoluteError,
    "mse": MeanSquaredError,
    "mean_squared_error": MeanSquaredError,
    "r2_score": R2Score,
    "r2": R2Score,
    "true_positives": TruePositives,
    "false_positives": FalsePositives,
    "true_negatives": TrueNegatives,
    "false_negatives": FalseNegatives,
}
ACCURACY_NAMES = ("accuracy", "acc")

from core.engine import metric_classes as _more  # noqa: E402 - registers the classes it defines

ALL_METRICS.update({cls.__name__: cls for cls in _more.CLASSES})
_STRINGS.update(_more.STRINGS)


def resolve_accuracy(
    name: str,
    loss_name: str,
    output_shape: tuple[Any, ...],
    y_true_shape: tuple[int, ...] | None = None,
) -> Metric:
    """Keras's rule for the string "accuracy": binary, sparse or categorical."""
    last = output_shape[-1] if output_shape else 1
    if "sparse" in loss_name:
        return SparseCategoricalAccuracy(name=name)
    if loss_name.startswith("binary") or last == 1:
        return BinaryAccuracy(name=name)
    if y_true_shape is not None and (
        len(y_true_shape) < len(output_shape) or (y_true_shape[-1:] == (1,) and last != 1)
    ):
        return SparseCategoricalAccuracy(name=name)
    return CategoricalAccuracy(name=name)


def get(identifier: Any) -> Metric:
    """A Metric from a string ("precision", "mae", "auc"), config, instance or function.

    A string keeps its spelling as the log name, like Keras ("mae" logs as "mae").
    "accuracy" needs the loss and shapes: models call `resolve_accuracy` instead.
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier in ACCURACY_NAMES:
            return BinaryAccuracy(name=identifier)
        cls = _STRINGS.get(identifier) or ALL_METRICS.get(identifier)
        if cls is not None:
            name = identifier if identifier in _STRINGS else None
            return cls(name=name) if name else cls()
        names = sorted({*_STRINGS, *ACCURACY_NAMES})
        close = difflib.get_close_matches(identifier, names + list(ALL_METRICS), n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise ConfigError(
            f"Unknown metric. Expected one of: {', '.join(names)} (or a Metric instance). "
            f"Received: {identifier!r}.{hint}"
        )
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise ConfigError(f"Expected a metric name or Metric instance. Received: {identifier!r}")


def serialize(metric: Metric) -> dict[str, Any]:
    return {"class_name": type(metric).__name__, "config": metric.get_config()}


def deserialize(config: dict[str, Any]) -> Metric:
    cls = ALL_METRICS.get(str(config.get("class_name")))
    if cls is None:
        return get(str(config.get("class_name")))
    return cls.from_config(config.get("config", {}))
