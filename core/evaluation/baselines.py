"""The baseline a model must beat: the majority class, or the training mean.

A `Baseline` is fitted on the training rows (class counts, or the mean of the
target) and is small plain data, so it can travel in a model bundle's
metadata (`to_dict` / `from_dict`). Its predictions are scored with the same
metrics as the model's. The majority baseline's probabilities are the class
shares of the training rows, the same for every row (so its ROC area is 0.5).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import FormatError

__all__ = ["Baseline", "baseline_from_targets", "class_codes", "training_baseline"]


def class_codes(y: Any, kind: str) -> np.ndarray:
    """Integer class codes from training targets: 0/1 column (binary) or one-hot rows."""
    arr = np.asarray(y)
    if kind == "binary":
        return (arr.reshape(len(arr), -1)[:, 0] >= 0.5).astype(np.int64)
    if arr.ndim == 2 and arr.shape[1] > 1:
        return np.argmax(arr, axis=1).astype(np.int64)
    return arr.reshape(-1).astype(np.int64)


@dataclass(frozen=True)
class Baseline:
    """Majority class (classification) or mean value (regression) of the training rows."""

    kind: str
    labels: tuple[str, ...] = ()
    class_counts: tuple[int, ...] = ()
    mean: float | None = None
    source: str = "training rows"

    @property
    def is_classification(self) -> bool:
        return self.kind != "regression"

    @property
    def majority(self) -> int:
        """Code of the most frequent class (the first one on a tie)."""
        return int(np.argmax(self.class_counts))

    @property
    def majority_label(self) -> str:
        return self.labels[self.majority]

    def describe(self) -> str:
        """What the baseline does, in words: "always guessing 'no'"."""
        if self.is_classification:
            if self.source != "training rows":
                return f"always guessing '{self.majority_label}' (the most common class here)"
            return f"always guessing '{self.majority_label}'"
        where = "training" if self.source == "training rows" else "evaluated rows'"
        return f"always guessing the {where} mean ({self.mean:.4g})"

    def predicted_values(self, n: int) -> np.ndarray:
        return np.full(n, float(self.mean if self.mean is not None else 0.0))

    def predicted_classes(self, n: int) -> np.ndarray:
        return np.full(n, self.majority, dtype=np.int64)

    def probabilities(self, n: int) -> np.ndarray:
        counts = np.asarray(self.class_counts, dtype=np.float64)
        return np.tile(counts / counts.sum(), (n, 1))

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "labels": list(self.labels),
            "class_counts": list(self.class_counts),
            "mean": self.mean,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Baseline:
        try:
            kind = str(d["kind"])
            counts = tuple(int(c) for c in d.get("class_counts") or ())
            mean = d.get("mean")
            base = cls(
                kind=kind,
                labels=tuple(str(lab) for lab in d.get("labels") or ()),
                class_counts=counts,
                mean=None if mean is None else float(mean),
                source=str(d.get("source", "training rows")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise FormatError(f"Expected a baseline description. Received {d!r} ({exc}).") from None
        if base.is_classification and (
            len(counts) != len(base.labels) or len(counts) < 2 or sum(counts) <= 0
        ):
            raise FormatError(
                "Expected one training count per class in the baseline. "
                f"Received {len(counts)} counts for {len(base.labels)} classes."
            )
        if not base.is_classification and base.mean is None:
            raise FormatError("Expected the training mean in a regression baseline. Received none.")
        return base


def baseline_from_targets(
    kind: str, labels: Sequence[str], y: Any, source: str = "training rows"
) -> Baseline:
    """Fit the baseline on training targets as the model saw them (see `class_codes`)."""
    if kind == "regression":
        values = np.asarray(y, dtype=np.float64).reshape(-1)
        return Baseline("regression", mean=float(values.mean()), source=source)
    labels = tuple(str(lab) for lab in labels)
    codes = class_codes(y, kind)
    counts = np.bincount(codes, minlength=len(labels))
    return Baseline(kind, labels, tuple(int(c) for c in counts), source=source)


def training_baseline(dataset: Any) -> Baseline:
    """The baseline of a `core.data.Dataset`, fitted on its training rows (target units)."""
    from core.evaluation.results import target_units

    task = dataset.task
    y = target_units(getattr(dataset, "pipeline", None))(dataset.y_train)
    return baseline_from_targets(task.kind, task.class_labels, y)
