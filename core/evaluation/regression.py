"""Regression diagnostics: MAE, RMSE, R², residuals and predicted against actual.

R² compares the model's squared error with the spread of the actual values;
when every evaluated row has the same target value there is no spread, so R²
is None and `r2_note` says why (scikit-learn returns an arbitrary 0 or 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import DataError

__all__ = ["RegressionReport", "regression_report"]


def _column(values: Any, what: str) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise DataError(f"Expected one {what} per row. Received shape {arr.shape}.")
    return arr


@dataclass(frozen=True)
class RegressionReport:
    """Errors of predicted values against actual values (residual = predicted - actual)."""

    actual: np.ndarray
    predicted: np.ndarray
    mae: float
    rmse: float
    r2: float | None
    r2_note: str = ""

    @property
    def n_rows(self) -> int:
        return int(len(self.actual))

    @property
    def residuals(self) -> np.ndarray:
        return self.predicted - self.actual

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"mae": self.mae, "rmse": self.rmse, "r2": self.r2}
        if self.r2_note:
            d["r2_note"] = self.r2_note
        return d


def _format(value: float) -> str:
    return f"{value:.6g}"


def regression_report(actual: Any, predicted: Any) -> RegressionReport:
    """MAE, RMSE and R² (None for a single-valued target, with the reason)."""
    y = _column(actual, "actual value")
    p = _column(predicted, "prediction")
    if len(y) != len(p):
        raise DataError(
            f"Expected as many predictions as actual values. Received {len(p)} and {len(y)}."
        )
    if len(y) == 0:
        raise DataError("Expected at least one row to evaluate. Received none.")
    err = p - y
    mae = float(np.mean(np.abs(err)))
    sse = float(np.dot(err, err))
    rmse = float(np.sqrt(sse / len(y)))
    centred = y - y.mean()
    sst = float(np.dot(centred, centred))
    if sst == 0.0 or np.all(y == y[0]):
        note = (
            f"no R²: every one of the {len(y)} evaluated rows has the target value "
            f"{_format(float(y[0]))}, and R² compares the errors with the spread of the "
            "target, which is zero here"
        )
        return RegressionReport(y, p, mae, rmse, None, note)
    return RegressionReport(y, p, mae, rmse, 1.0 - sse / sst)
