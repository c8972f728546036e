"""Losses with Keras names, arguments, defaults and reduction semantics.

Each loss computes, in NumPy, a per-sample value and its derivative with
respect to the predictions, and returns the reduced loss as ONE autograd node
("sum_over_batch_size" by default, like Keras). Cross-entropies from
probabilities clip to [1e-7, 1 - 1e-7] as Keras does; `from_logits=True`
uses the stable log-sum-exp / log1p(exp(-|z|)) forms, and `call_from_logits`
lets a model feed pre-activation logits when the last layer ends in sigmoid or
softmax (the fused path TensorFlow also takes). `get(identifier)` resolves the
Keras string names ("mse", "binary_crossentropy", ...).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

import numpy as np

from core.engine.autograd import Tensor, as_tensor
from core.engine.tracing import traceable
from core.engine.workspace import FRESH, Fresh, Workspace
from core.errors import ConfigError, DataError
from core.naming import snake_case

EPSILON = 1e-7
Step = tuple[Callable[..., Any], tuple[Any, ...]]
KernelSteps = tuple[list[Step], np.ndarray, np.ndarray, np.ndarray | None]
REDUCTIONS = ("sum_over_batch_size", "sum", "none", None)


def _array(x: Any) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def _match_targets(y_true: np.ndarray, pred: np.ndarray, owner: str) -> np.ndarray:
    """y_true in pred's shape and dtype: (n,) against (n, 1) is accepted like Keras.

    One target per row against several outputs per row (n,) or (n, 1) vs (n, k) is
    broadcast across the outputs, as Keras does.
    """
    if y_true.shape != pred.shape:
        one_per_row = pred.ndim == 2 and y_true.size == pred.shape[0] and y_true.ndim <= 2
        if one_per_row and y_true.size != pred.size:
            y_true = np.broadcast_to(y_true.reshape(-1, 1), pred.shape)
        elif y_true.size != pred.size:
            raise DataError(
                f"{owner}: Expected targets of shape {pred.shape} to match the model output. "
                f"Received: targets of shape {y_true.shape}. Check the number of output units "
                "and the label encoding (one-hot vs integer labels)."
            )
        y_true = y_true.reshape(pred.shape)
    if y_true.dtype != pred.dtype:
        y_true = y_true.astype(pred.dtype)
    return y_true


def _sigmoid(z: np.ndarray) -> np.ndarray:
    out = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + out), out / (1.0 + out)).astype(z.dtype, copy=False)


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    return e


def _sparse_labels(y_true: Any, pred: np.ndarray, owner: str) -> np.ndarray:
    lab = _array(y_true)
    classes = pred.shape[-1]
    if lab.shape == pred.shape[:-1] + (1,):
        lab = lab[..., 0]
    if lab.shape != pred.shape[:-1]:
        raise DataError(
            f"{owner}: Expected integer labels of shape {pred.shape[:-1]} for an output of "
            f"shape {pred.shape}. Received: labels of shape {lab.shape}. One-hot targets need "
            "categorical_crossentropy."
        )
    if lab.dtype.kind == "f":
        if not np.all(np.isfinite(lab)) or np.any(lab != np.floor(lab)):
            bad = lab[~np.isfinite(lab) | (lab != np.floor(lab))].reshape(-1)[0]
            raise DataError(
                f"{owner}: Expected whole-number class labels in [0, {classes}). Received: {bad!r}."
            )
    lab = lab.astype(np.intp, copy=False)
    if lab.size and (lab.min() < 0 or lab.max() >= classes):
        bad = lab[(lab < 0) | (lab >= classes)].reshape(-1)[0]
        raise DataError(
            f"{owner}: Expected class labels in [0, {classes}) for a {classes}-class output. "
            f"Received: {int(bad)}. Encode labels as 0..{classes - 1}, or give the last layer "
            "more units."
        )
    return lab


class Loss:
    """Base class: `call_numpy` gives per-sample values and d(value)/d(pred)."""

    def __init__(
        self,
        name: str | None = None,
        reduction: str | None = "sum_over_batch_size",
        dtype: Any = None,
    ) -> None:
        if reduction not in REDUCTIONS:
            raise ConfigError(
                f"{type(self).__name__}: Expected reduction one of 'sum_over_batch_size', "
                f"'sum', 'none'. Received: reduction={reduction!r}"
            )
        self.name = name or snake_case(type(self).__name__)
        self.reduction = reduction
        self.dtype = dtype

    # subclasses: per-sample loss (batch dims) and gradient (pred shape)
    def call_numpy(self, y_true: Any, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    #: Whether `targets` only reshapes or casts y_true (no per-batch checks or arithmetic),
    #: so a plan may prepare the targets of its target array once, as a view.
    static_targets = False

    def compute(
        self, y_true: Any, pred: np.ndarray, logits: bool, ws: Fresh | Workspace = FRESH
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """(per-sample values, d(values)/d(pred), probabilities or None) of y_true and pred.

        `logits` asks for the loss of pre-activation logits (cross-entropies). Built-in
        losses write every array into `ws` (see `core.engine.workspace`).
        """
        return self.kernel(self.targets(y_true, pred, ws), pred, logits, ws)

    def targets(self, y_true: Any, pred: np.ndarray, ws: Fresh | Workspace = FRESH) -> Any:
        """y_true checked and prepared for `kernel` (the default: as given)."""
        return y_true

    def kernel(
        self, t: Any, pred: np.ndarray, logits: bool, ws: Fresh | Workspace = FRESH
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """`compute` on prepared targets: the `kernel_steps` when the loss has them, else
        `call_numpy`."""
        planned = self.kernel_steps(t, pred, logits, ws)
        if planned is None:
            values, grad = self.call_numpy(t, pred)
            return values, grad, None
        steps, values, grad, probs = planned
        for fn, args in steps:
            fn(*args)
        return values, grad, probs

    def kernel_steps(
        self, t: Any, pred: np.ndarray, logits: bool, ws: Fresh | Workspace = FRESH
    ) -> KernelSteps | None:
        """The kernel as a list of NumPy calls over arrays taken from `ws`, with the arrays
        that will hold (values, grad, probabilities); None when it has no such form.

        Eager runs the list at once; a plan keeps it and replays it every step.
        """
        return None

    def call(self, y_true: Any, y_pred: Any) -> Tensor:
        """Per-sample losses as a Tensor (Keras's `Loss.call`)."""
        return self._node(y_true, as_tensor(y_pred), None, "none")

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        if type(self).call_numpy is Loss.call_numpy and type(self).call is not Loss.call:
            # a Keras-style subclass: call(y_true, y_pred) gives per-sample Tensor values
            values = as_tensor(self.call(_target(y_true, y_pred), as_tensor(y_pred)))
            return reduce_values(values, sample_weight, self.reduction)
        return self._node(y_true, as_tensor(y_pred), sample_weight, self.reduction)

    @traceable
    def _node(
        self,
        y_true: Any,
        pred: Tensor,
        sample_weight: Any,
        reduction: str | None,
        logits: bool = False,
    ) -> Tensor:
        values, grad, _ = self.compute(y_true, pred.data, logits)
        return self._wrap(values, grad, pred, sample_weight, reduction)

    def _wrap(
        self,
        values: np.ndarray,
        grad: np.ndarray,
        pred: Tensor,
        sample_weight: Any,
        reduction: str | None,
    ) -> Tensor:
        """Per-sample `values` and d(values)/d(pred) as one graph node, weighted and reduced."""
        dtype = pred.data.dtype
        weights = None
        if sample_weight is not None:
            weights = np.asarray(_array(sample_weight), dtype=dtype)
            if weights.shape != values.shape:
                weights = np.broadcast_to(
                    weights.reshape(weights.shape + (1,) * (values.ndim - weights.ndim))
                    if weights.ndim < values.ndim
                    else weights,
                    values.shape,
                )
            values = values * weights
        if reduction in ("none", None):

            def backward_none(g: np.ndarray) -> tuple[np.ndarray]:
                gg = g if weights is None else g * weights
                return (grad * gg.reshape(gg.shape + (1,) * (grad.ndim - gg.ndim)),)

            return Tensor._make(values.astype(dtype, copy=False), (pred,), backward_none)
        scale = reduction_scale(values, reduction)
        out = np.asarray(np.add.reduce(values, axis=None) * scale, dtype=dtype)
        cast = dtype.type

        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            factor = float(g) * scale
            if weights is None:
                return (grad * cast(factor),)
            w = (weights * factor).astype(dtype, copy=False)
            return (grad * w.reshape(w.shape + (1,) * (grad.ndim - w.ndim)),)

        return Tensor._make(out, (pred,), backward)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Loss:
        return cls(**config)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.get_config()})"


def reduction_scale(values: np.ndarray, reduction: str | None) -> float:
    """The factor a reduced loss applies to the sum of its per-sample values."""
    return 1.0 if reduction == "sum" else 1.0 / max(values.size, 1)


class MeanSquaredError(Loss):
    """mean((y_true - y_pred) ** 2, axis=-1)."""

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "mean_squared_error",
        dtype: Any = None,
    ) -> None:
        super().__init__(name, reduction, dtype)

    static_targets = True

    def call_numpy(self, y_true: Any, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        values, grad, _ = self.compute(y_true, y_pred, False)
        return values, grad

    def targets(self, y_true: Any, pred: np.ndarray, ws: Fresh | Workspace = FRESH) -> Any:
        return _match_targets(_array(y_true), pred, "mean_squared_error")

    def kernel_steps(
        self, t: Any, pred: np.ndarray, logits: bool, ws: Fresh | Workspace = FRESH
    ) -> KernelSteps:
        d = ws.get("d", pred.shape, pred.dtype)
        sq = ws.get("sq", pred.shape, pred.dtype)
        steps: list[Step] = [(np.subtract, (pred, t, d)), (np.multiply, (d, d, sq))]
        if d.ndim > 1:
            values = ws.get("values", pred.shape[:-1], pred.dtype)
            steps += _mean_last(sq, values)
            steps.append((np.multiply, (d, 2.0 / d.shape[-1], d)))
        else:
            values = sq
            steps.append((np.multiply, (d, 2.0, d)))
        return steps, values, d, None


class MeanAbsoluteError(Loss):
    """mean(abs(y_true - y_pred), axis=-1)."""

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "mean_absolute_error",
        dtype: Any = None,
    ) -> None:
        super().__init__(name, reduction, dtype)

    def call_numpy(self, y_true: Any, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t = _match_targets(_array(y_true), y_pred, "mean_absolute_error")
        d = y_pred - t
        k = d.shape[-1] if d.ndim > 1 else 1
        values = np.abs(d).mean(axis=-1) if d.ndim > 1 else np.abs(d)
        return values, np.sign(d) * (1.0 / k)


class Huber(Loss):
    """0.5 x^2 where |x| <= delta, else delta * (|x| - 0.5 delta); mean over the last axis."""

    def __init__(
        self,
        delta: float = 1.0,
        reduction: str | None = "sum_over_batch_size",
        name: str = "huber_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(name, reduction, dtype)
        if isinstance(delta, bool) or not isinstance(delta, (int, float)) or not delta > 0:
            raise ConfigError(f"Huber: Expected `delta` > 0. Received: delta={delta!r}")
        self.delta = float(delta)

    def call_numpy(self, y_true: Any, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t = _match_targets(_array(y_true), y_pred, "huber")
        d = y_pred - t
        a = np.abs(d)
        small = a <= self.delta
        elem = np.where(small, 0.5 * d * d, self.delta * (a - 0.5 * self.delta))
        grad = np.where(small, d, self.delta * np.sign(d))
        k = d.shape[-1] if d.ndim > 1 else 1
        values = elem.mean(axis=-1) if d.ndim > 1 else elem
        return values, grad * (1.0 / k)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "delta": self.delta}


class _CrossEntropy(Loss):
    """Shared parts: from_logits, and the fused entry point for logits."""

    def __init__(
        self, from_logits: bool, name: str, reduction: str | None, dtype: Any = None
    ) -> None:
        super().__init__(name, reduction, dtype)
        self.from_logits = bool(from_logits)

    def call_numpy(self, y_true: Any, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        values, grad, _ = self.compute(y_true, y_pred, False)
        return values, grad

    def kernel(
        self, t: Any, pred: np.ndarray, logits: bool, ws: Fresh | Workspace = FRESH
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        if logits or self.from_logits:
            return super().kernel(t, pred, True, ws)
        values, grad = self._probs(t, pred)
        return values, grad, None

    def kernel_steps(
        self, t: Any, pred: np.ndarray, logits: bool, ws: Fresh | Workspace = FRESH
    ) -> KernelSteps | None:
        return self._logits_steps(t, pred, ws) if logits or self.from_logits else None

    def call_from_logits(self, y_true: Any, logits: Any, sample_weight: Any = None) -> Tensor:
        """The same loss computed from the last layer's pre-activation logits (fused, stable)."""
        return self._node(y_true, as_tensor(logits), sample_weight, self.reduction, True)

    @traceable
    def call_from_logits_with_probs(
        self, y_true: Any, logits: Any, sample_weight: Any = None
    ) -> tuple[Tensor, np.ndarray]:
        """`call_from_logits` plus the probabilities (sigmoid/softmax of the logits) it computed
        on the way, so metrics need not recompute them."""
        logits = as_tensor(logits)
        values, grad, probs = self.compute(y_true, logits.data, True)
        return self._wrap(values, grad, logits, sample_weight, self.reduction), probs

    def _logits_steps(self, t: Any, z: np.ndarray, ws: Fresh | Workspace) -> KernelSteps:
        """The loss of logits `z`, its gradient and the probabilities, as NumPy calls."""
        raise NotImplementedError

    def _probs(self, t: Any, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "from_logits": self.from_logits}


class BinaryCrossentropy(_CrossEntropy):
    """-(t log p + (1 - t) log(1 - p)), mean over the last axis."""

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "binary_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(from_logits, name, reduction, dtype)
        self.label_smoothing = _smoothing("BinaryCrossentropy", label_smoothing)
        self.axis = int(axis)
        self.static_targets = not self.label_smoothing

    def targets(self, y_true: Any, pred: np.ndarray, ws: Fresh | Workspace = FRESH) -> np.ndarray:
        t = _match_targets(_array(y_true), pred, "binary_crossentropy")
        if self.label_smoothing:
            smoothed = np.multiply(t, 1.0 - self.label_smoothing, out=ws.get("t", t.shape, t.dtype))
            smoothed += 0.5 * self.label_smoothing
            return smoothed
        return t

    def _finish(
        self, elem: np.ndarray, grad: np.ndarray, ws: Fresh | Workspace = FRESH
    ) -> tuple[np.ndarray, np.ndarray]:
        if elem.ndim > 1:
            k = elem.shape[-1]
            if k == 1:  # the mean over one unit is that unit
                return elem.reshape(elem.shape[:-1]), grad
            grad *= 1.0 / k
            return np.mean(elem, axis=-1, out=ws.get("values", elem.shape[:-1], elem.dtype)), grad
        return elem, grad

    def _logits_steps(self, t: Any, z: np.ndarray, ws: Fresh | Workspace) -> KernelSteps:
        elem = ws.get("elem", z.shape, z.dtype)
        p = ws.get("p", z.shape, z.dtype)
        grad = ws.get("grad", z.shape, z.dtype)
        steps: list[Step] = [
            (np.logaddexp, (0.0, z, elem)),  # softplus(z) = max(z, 0) + log1p(exp(-|z|))
            (np.subtract, (z, elem, p)),  # log sigmoid(z) ...
            (np.exp, (p, p)),  # ... and sigmoid(z), in (0, 1]
            (np.multiply, (z, t, grad)),
            (np.subtract, (elem, grad, elem)),  # softplus(z) - z t
            (np.subtract, (p, t, grad)),
        ]
        if elem.ndim > 1 and elem.shape[-1] > 1:  # the mean over the units
            values = ws.get("values", z.shape[:-1], z.dtype)
            steps.append((np.multiply, (grad, 1.0 / elem.shape[-1], grad)))
            steps += _mean_last(elem, values)
        else:
            values = elem.reshape(elem.shape[:-1]) if elem.ndim > 1 else elem
        return steps, values, grad, p

    def _probs(self, t: Any, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pc = np.clip(p, EPSILON, 1.0 - EPSILON)
        elem = -(t * np.log(pc) + (1.0 - t) * np.log(1.0 - pc))
        grad = ((pc - t) / (pc * (1.0 - pc))) * ((p >= EPSILON) & (p <= 1.0 - EPSILON))
        return self._finish(elem, grad.astype(p.dtype, copy=False))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "label_smoothing": self.label_smoothing, "axis": self.axis}


class CategoricalCrossentropy(_CrossEntropy):
    """-sum(t log p) over the class axis; probabilities are renormalised first, like Keras."""

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "categorical_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(from_logits, name, reduction, dtype)
        self.label_smoothing = _smoothing("CategoricalCrossentropy", label_smoothing)
        self.axis = int(axis)
        self.static_targets = not self.label_smoothing

    def targets(self, y_true: Any, pred: np.ndarray, ws: Fresh | Workspace = FRESH) -> np.ndarray:
        t = _array(y_true)
        if t.shape != pred.shape:
            raise DataError(
                f"categorical_crossentropy: Expected one-hot targets of shape {pred.shape}. "
                f"Received: targets of shape {t.shape}. For integer class labels use "
                "sparse_categorical_crossentropy."
            )
        t = t.astype(pred.dtype, copy=False)
        if self.label_smoothing:
            t = t * (1.0 - self.label_smoothing) + self.label_smoothing / pred.shape[-1]
        return t

    def _logits_steps(self, t: Any, z: np.ndarray, ws: Fresh | Workspace) -> KernelSteps:
        steps, e, s, logp = _softmax_steps(z, ws, log=True)
        values = ws.get("values", z.shape[:-1], z.dtype)
        steps += [
            (np.multiply, (t, logp, logp)),
            (np.add.reduce, (logp, -1, None, values)),
            (np.negative, (values, values)),  # -sum(t log p)
            (np.true_divide, (e, s, e)),  # the probabilities
            (np.add.reduce, (t, -1, None, s, True)),
            (np.multiply, (e, s, logp)),  # grad = p sum(t) - t
            (np.subtract, (logp, t, logp)),
        ]
        return steps, values, logp, e

    def _probs(self, t: Any, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        s = p.sum(axis=-1, keepdims=True)
        q = p / s
        qc = np.clip(q, EPSILON, 1.0 - EPSILON)
        values = -(t * np.log(qc)).sum(axis=-1)
        dq = -t / qc * ((q >= EPSILON) & (q <= 1.0 - EPSILON))
        grad = dq / s - (dq * p).sum(axis=-1, keepdims=True) / (s * s)
        return values, grad.astype(p.dtype, copy=False)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "label_smoothing": self.label_smoothing, "axis": self.axis}


class SparseCategoricalCrossentropy(_CrossEntropy):
    """Categorical cross-entropy against integer labels in [0, classes)."""

    def __init__(
        self,
        from_logits: bool = False,
        ignore_class: int | None = None,
        reduction: str | None = "sum_over_batch_size",
        name: str = "sparse_categorical_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(from_logits, name, reduction, dtype)
        self.ignore_class = None if ignore_class is None else int(ignore_class)

    def targets(
        self, y_true: Any, pred: np.ndarray, ws: Fresh | Workspace = FRESH
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """(labels checked to lie in [0, classes), the rows to keep or None)."""
        lab = _array(y_true)
        keep = None
        if self.ignore_class is not None:
            lab = np.asarray(lab).copy()
            keep = lab.reshape(pred.shape[:-1]) != self.ignore_class
            lab[lab == self.ignore_class] = 0
        return _sparse_labels(lab, pred, "sparse_categorical_crossentropy"), keep

    def kernel(
        self, t: Any, pred: np.ndarray, logits: bool, ws: Fresh | Workspace = FRESH
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        values, grad, probs = super().kernel(t, pred, logits, ws)
        if logits or self.from_logits:
            values, grad = self._mask(values, grad, t[1])
        return values, grad, probs

    def _logits_steps(self, t: Any, z: np.ndarray, ws: Fresh | Workspace) -> KernelSteps:
        lab = t[0]
        rows = z.shape[:-1]
        steps, e, s, shifted = _softmax_steps(z, ws, log=False)
        at = ws.get("at", rows, np.intp)  # flat positions of the labelled logits
        values = ws.get("values", rows, z.dtype)
        pick = ws.get("pick", rows, z.dtype)
        grad = ws.get("grad", z.shape, z.dtype)
        steps += [
            (np.add, (_row_starts(rows, z.shape[-1], ws), lab, at)),  # row * classes + label
            (np.log, (s.reshape(rows), values)),
            (shifted.reshape(-1).take, (at, 0, pick, "clip")),  # labels are checked
            (np.subtract, (values, pick, values)),  # log sum exp - the label's shifted logit
            (np.true_divide, (e, s, e)),  # the probabilities
            (np.copyto, (grad, e)),
            (e.reshape(-1).take, (at, 0, pick, "clip")),
            (np.subtract, (pick, 1, pick)),
            (grad.reshape(-1).put, (at, pick, "clip")),  # grad = p - onehot(label)
        ]
        return steps, values, grad, e

    def _probs(self, t: Any, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lab, keep = t
        s = p.sum(axis=-1, keepdims=True)
        idx = lab[..., None]
        pt = np.take_along_axis(p, idx, axis=-1)
        q = pt / s
        qc = np.clip(q, EPSILON, 1.0 - EPSILON)
        values = -np.log(qc)[..., 0]
        dq = -1.0 / qc * ((q >= EPSILON) & (q <= 1.0 - EPSILON))
        grad = np.broadcast_to(-(dq * pt) / (s * s), p.shape).copy()
        np.put_along_axis(grad, idx, np.take_along_axis(grad, idx, axis=-1) + dq / s, axis=-1)
        return self._mask(values, grad.astype(p.dtype, copy=False), keep)

    @staticmethod
    def _mask(
        values: np.ndarray, grad: np.ndarray, keep: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        if keep is None:
            return values, grad
        return values * keep, grad * keep[..., None]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "ignore_class": self.ignore_class}


def _softmax_steps(
    z: np.ndarray, ws: Fresh | Workspace, log: bool
) -> tuple[list[Step], np.ndarray, np.ndarray, np.ndarray]:
    """Steps computing (exp(shifted), row sums, shifted - log(row sums) or shifted) of logits
    `z` over the last axis, where shifted = z - max(z)."""
    row = ws.get("rows", z.shape[:-1] + (1,), z.dtype)
    shifted = ws.get("shifted", z.shape, z.dtype)
    e = ws.get("e", z.shape, z.dtype)
    steps: list[Step] = [
        (np.maximum.reduce, (z, -1, None, row, True)),
        (np.subtract, (z, row, shifted)),
        (np.exp, (shifted, e)),
        (np.add.reduce, (e, -1, None, row, True)),  # the row sums replace the maxima
    ]
    if log:
        log_s = ws.get("log_s", row.shape, z.dtype)
        steps += [(np.log, (row, log_s)), (np.subtract, (shifted, log_s, shifted))]
    return steps, e, row, shifted


def _mean_last(a: np.ndarray, out: np.ndarray) -> list[Step]:
    """Steps for the mean of `a` over its last axis into `out`."""
    return [(np.add.reduce, (a, -1, None, out)), (np.true_divide, (out, a.shape[-1], out))]


def _row_starts(rows: tuple[int, ...], classes: int, ws: Fresh | Workspace) -> np.ndarray:
    """The flat index of each row's first class (0, classes, 2 classes, ...)."""
    if isinstance(ws, Workspace) and "row_starts" in ws.arrays:
        return ws.arrays["row_starts"]
    starts = np.arange(0, int(np.prod(rows, dtype=np.intp)) * classes, classes, dtype=np.intp)
    out = ws.get("row_starts", rows, np.intp)
    out[...] = starts.reshape(rows)
    return out


def _smoothing(owner: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ConfigError(
            f"{owner}: Expected `label_smoothing` in [0, 1]. Received: label_smoothing={value!r}"
        )
    return float(value)


# ------------------------------------------------------------ functional forms
def mean_squared_error(y_true: Any, y_pred: Any) -> Tensor:
    return MeanSquaredError(reduction="none")(y_true, y_pred)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Tensor:
    return MeanAbsoluteError(reduction="none")(y_true, y_pred)


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Tensor:
    return Huber(delta, reduction="none")(y_true, y_pred)


def binary_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0
) -> Tensor:
    return BinaryCrossentropy(from_logits, label_smoothing, reduction="none")(y_true, y_pred)


def categorical_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0
) -> Tensor:
    return CategoricalCrossentropy(from_logits, label_smoothing, reduction="none")(y_true, y_pred)


def sparse_categorical_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, ignore_class: int | None = None
) -> Tensor:
    return SparseCategoricalCrossentropy(from_logits, ignore_class, reduction="none")(
        y_true, y_pred
    )


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error

ALL_LOSSES: dict[str, type[Loss]] = {
    "MeanSquaredError": MeanSquaredError,
    "MeanAbsoluteError": MeanAbsoluteError,
    "Huber": Huber,
    "BinaryCrossentropy": BinaryCrossentropy,
    "CategoricalCrossentropy": CategoricalCrossentropy,
    "SparseCategoricalCrossentropy": SparseCategoricalCrossentropy,
}
_ALIASES: dict[str, type[Loss]] = {
    "mean_squared_error": MeanSquaredError,
    "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError,
    "mae": MeanAbsoluteError,
    "huber": Huber,
    "huber_loss": Huber,
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
}


def serialize(loss: Loss) -> dict[str, Any]:
    return {"class_name": type(loss).__name__, "config": loss.get_config()}


def deserialize(config: dict[str, Any]) -> Loss:
    cls = ALL_LOSSES.get(str(config.get("class_name")))
    if cls is None:
        return get(str(config.get("class_name")))
    return cls.from_config(config.get("config", {}))


def get(identifier: Any) -> Loss:
    """A Loss from a Keras name ("mse", "binary_crossentropy", "Huber"), config or instance."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = _ALIASES.get(identifier) or ALL_LOSSES.get(identifier)
        if cls is not None:
            return cls()
        names = sorted(_ALIASES)
        close = difflib.get_close_matches(identifier, names + list(ALL_LOSSES), n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise ConfigError(
            f"Unknown loss. Expected one of: {', '.join(names)} (or a Loss instance). "
            f"Received: {identifier!r}.{hint}"
        )
    if callable(identifier):
        return LossFunctionWrapper(identifier)
    raise ConfigError(f"Expected a loss name or Loss instance. Received: {identifier!r}")


@traceable
def _target(y_true: Any, y_pred: Any) -> Tensor:
    """y_true as a constant Tensor in y_pred's float type and rank (Keras squeezes or
    expands a trailing axis of 1 the same way)."""
    arr = np.asarray(getattr(y_true, "data", y_true))
    pred = as_tensor(y_pred)
    if arr.ndim == pred.data.ndim - 1 and pred.data.shape[-1:] == (1,):
        arr = arr[..., None]
    elif arr.ndim == pred.data.ndim + 1 and arr.shape[-1:] == (1,):
        arr = arr[..., 0]
    return Tensor(arr.astype(pred.data.dtype, copy=False))


def reduce_values(values: Tensor, sample_weight: Any, reduction: str | None) -> Tensor:
    """Per-sample loss values weighted by `sample_weight` and reduced like Keras."""
    if sample_weight is not None:
        w = np.asarray(getattr(sample_weight, "data", sample_weight), dtype=values.data.dtype)
        w = w.reshape(w.shape + (1,) * (values.data.ndim - w.ndim))
        values = values * w
    if reduction in ("none", None):
        return values
    if reduction == "sum":
        return values.sum()
    return values.sum() * (1.0 / max(values.data.size, 1))


class LossFunctionWrapper(Loss):
    """A user function (y_true, y_pred Tensor) -> per-sample Tensor, mean-reduced."""

    def __init__(
        self, fn: Any, name: str | None = None, reduction: str | None = "sum_over_batch_size"
    ) -> None:
        super().__init__(name or getattr(fn, "__name__", "loss"), reduction)
        self.fn = fn

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        values = as_tensor(self.fn(_target(y_true, y_pred), as_tensor(y_pred)))
        return reduce_values(values, sample_weight, self.reduction)
