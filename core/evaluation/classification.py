"""Classification reports: accuracy, the confusion matrix and per-class precision/recall/F1.

Classes are integer codes 0..K-1 in the order of `labels`. Rows of the matrix
are the actual class, columns the predicted class. A class that none of the
evaluated rows has keeps its row (all zeros, support 0), so the matrix always
has every class the model knows. Division by zero (a class never predicted,
or never present) gives 0, as `sklearn.metrics` does with `zero_division=0`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import DataError

__all__ = [
    "ClassMetrics",
    "ClassificationReport",
    "classification_report",
    "confusion_matrix",
    "predict_classes",
]


@dataclass(frozen=True)
class ClassMetrics:
    """Precision, recall, F1 and support (rows actually of this class) of one class."""

    precision: float
    recall: float
    f1: float
    support: int

    def to_dict(self) -> dict[str, float | int]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "support": self.support,
        }


def _codes(y: Any, n_classes: int, what: str) -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise DataError(f"Expected one class code per row for {what}. Received shape {arr.shape}.")
    if arr.size and (arr.dtype.kind not in "iu" and not np.all(np.mod(arr, 1) == 0)):
        raise DataError(f"Expected whole-number class codes for {what}. Received {arr.dtype}.")
    codes = arr.astype(np.int64, copy=False)
    if codes.size and (codes.min() < 0 or codes.max() >= n_classes):
        raise DataError(
            f"Expected class codes 0..{n_classes - 1} for {what}. "
            f"Received values from {codes.min()} to {codes.max()}."
        )
    return codes


def confusion_matrix(y_true: Any, y_pred: Any, n_classes: int) -> np.ndarray:
    """Counts (K, K): entry [i, j] is the number of rows of class i predicted as class j."""
    t = _codes(y_true, n_classes, "the actual classes")
    p = _codes(y_pred, n_classes, "the predicted classes")
    if len(t) != len(p):
        raise DataError(
            f"Expected as many predictions as actual values. Received {len(p)} and {len(t)}."
        )
    return np.bincount(t * n_classes + p, minlength=n_classes * n_classes).reshape(
        n_classes, n_classes
    )


def _safe_divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.zeros(a.shape, dtype=np.float64)
    np.divide(a, b, out=out, where=b != 0)
    return out


def predict_classes(probabilities: Any, threshold: float | None = None) -> np.ndarray:
    """The predicted class per row: argmax, or for two classes `p(class 1) >= threshold`."""
    probs = np.asarray(probabilities, dtype=np.float64)
    if probs.ndim != 2 or probs.shape[1] < 2:
        raise DataError(
            f"Expected probabilities with one column per class. Received shape {probs.shape}."
        )
    if threshold is not None:
        if probs.shape[1] != 2:
            raise DataError(
                f"A decision threshold needs a two-class task. Received {probs.shape[1]} classes."
            )
        return (probs[:, 1] >= threshold).astype(np.int64)
    return np.argmax(probs, axis=1)


@dataclass(frozen=True)
class ClassificationReport:
    """Accuracy, confusion matrix and per-class metrics of one set of predictions.

    `y_true` and `y_pred` are kept so that a view can list the rows of one cell
    (`cell_rows`). `threshold` is the decision threshold of a binary report
    (None: argmax).
    """

    labels: tuple[str, ...]
    matrix: np.ndarray
    y_true: np.ndarray
    y_pred: np.ndarray
    threshold: float | None = None

    @property
    def n_rows(self) -> int:
        return int(self.matrix.sum())

    @property
    def accuracy(self) -> float:
        n = self.n_rows
        return float(np.trace(self.matrix) / n) if n else float("nan")

    @property
    def normalized(self) -> np.ndarray:
        """Row-normalised matrix: each actual class's row sums to 1 (0 for an absent class)."""
        rows = self.matrix.sum(axis=1, keepdims=True).astype(np.float64)
        return _safe_divide(
            self.matrix.astype(np.float64), np.broadcast_to(rows, self.matrix.shape)
        )

    @property
    def support(self) -> np.ndarray:
        return self.matrix.sum(axis=1)

    @property
    def precision(self) -> np.ndarray:
        return _safe_divide(np.diag(self.matrix).astype(np.float64), self.matrix.sum(axis=0))

    @property
    def recall(self) -> np.ndarray:
        return _safe_divide(np.diag(self.matrix).astype(np.float64), self.support)

    @property
    def f1(self) -> np.ndarray:
        p, r = self.precision, self.recall
        return _safe_divide(2 * p * r, p + r)

    @property
    def per_class(self) -> dict[str, ClassMetrics]:
        p, r, f, s = self.precision, self.recall, self.f1, self.support
        return {
            label: ClassMetrics(float(p[k]), float(r[k]), float(f[k]), int(s[k]))
            for k, label in enumerate(self.labels)
        }

    @property
    def macro_f1(self) -> float:
        return float(np.mean(self.f1)) if len(self.labels) else float("nan")

    @property
    def absent_classes(self) -> tuple[str, ...]:
        """Classes that none of the evaluated rows belong to (support 0)."""
        return tuple(lab for lab, s in zip(self.labels, self.support, strict=True) if s == 0)

    def cell_rows(self, actual: int, predicted: int) -> np.ndarray:
        """Positions (in the evaluated rows) of the rows in cell [actual, predicted]."""
        return np.flatnonzero((self.y_true == actual) & (self.y_pred == predicted))

    def to_dict(self) -> dict[str, Any]:
        """JSON form: accuracy, confusion_matrix {labels, matrix}, per_class."""
        return {
            "accuracy": self.accuracy,
            "confusion_matrix": {
                "labels": list(self.labels),
                "matrix": self.matrix.astype(int).tolist(),
            },
            "per_class": {k: v.to_dict() for k, v in self.per_class.items()},
        }


def classification_report(
    y_true: Any, y_pred: Any, labels: Sequence[str], threshold: float | None = None
) -> ClassificationReport:
    """The report for integer class codes `y_true` and `y_pred` (0..len(labels)-1)."""
    labels = tuple(str(lab) for lab in labels)
    k = len(labels)
    if k < 2:
        raise DataError(f"Expected at least two classes. Received {k}: {list(labels)}.")
    matrix = confusion_matrix(y_true, y_pred, k)
    return ClassificationReport(
        labels=labels,
        matrix=matrix,
        y_true=_codes(y_true, k, "the actual classes"),
        y_pred=_codes(y_pred, k, "the predicted classes"),
        threshold=threshold,
    )
