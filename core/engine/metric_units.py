"""Metrics reported in a target's own units when the network learns a rescaled target.

A regression network trained on a standardized target `(y - offset) / scale`
sees standardized values; `InTargetUnits` wraps any metric so that it is
updated with `y * scale + offset` for both the true values and the
predictions. Its log name is the wrapped metric's ("mae", "r2"), so a user
reads mean absolute errors in their own units under the usual Keras names.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.engine.metrics import ACCURACY_NAMES, Metric, get

__all__ = ["InTargetUnits", "in_target_units"]


class InTargetUnits(Metric):
    """`metric` computed on `y * scale + offset` (see the module docstring)."""

    def __init__(self, metric: Any, offset: float, scale: float) -> None:
        self.metric = get(metric)
        self.offset = float(offset)
        self.scale = float(scale)
        super().__init__(self.metric.name, self.metric.dtype)

    def reset_state(self) -> None:
        # called by Metric.__init__ as well, after `metric` is set
        self.metric.reset_state()

    def _units(self, y: Any) -> np.ndarray:
        return np.asarray(getattr(y, "data", y), dtype=np.float64) * self.scale + self.offset

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        self.metric.update_state(self._units(y_true), self._units(y_pred), sample_weight)

    def result(self) -> float:
        return self.metric.result()

    def get_config(self) -> dict[str, Any]:
        return {
            "metric": {
                "class_name": type(self.metric).__name__,
                "config": self.metric.get_config(),
            },
            "offset": self.offset,
            "scale": self.scale,
        }

    def __repr__(self) -> str:
        return f"InTargetUnits({self.metric!r}, offset={self.offset:g}, scale={self.scale:g})"


def in_target_units(metrics: list[Any], scaling: Any | None) -> list[Any]:
    """`metrics` wrapped by `InTargetUnits` for a target scaling (anything with `offset`
    and `scale`); unchanged when `scaling` is None. "accuracy" names are left as they
    are (they belong to classifiers, which have no target scaling)."""
    if scaling is None:
        return list(metrics)
    return [
        m if m in ACCURACY_NAMES else InTargetUnits(m, scaling.offset, scaling.scale)
        for m in metrics
    ]
