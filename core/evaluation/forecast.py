"""A forecast along time: what the forecast plot draws, Qt-free. `forecast_of` takes a
series' `Timeline` (the target for every row in time order, the times, where training,
validation and test begin) and the model's forecasts for the windows of one part (in
the target's units, one column per step ahead) and gives a `Forecast`: the x of every
row (seconds since 1970 UTC when the series has a time column, else the row number in
time order, from 1), the actual series, the parts as spans of x, and for each step
ahead k (`Forecast.step(k)`) where the forecasts land (row start + window + k - 1) with
the predicted and actual values there and their mean absolute error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core.errors import DataError

if TYPE_CHECKING:  # core.data loads pandas; the app's start-up imports this module
    from core.data.timeline import Timeline

__all__ = ["Forecast", "Span", "StepForecast", "forecast_of"]


@dataclass(frozen=True)
class Span:
    """One part of the series (training, validation, test) from x0 to x1."""

    name: str
    x0: float
    x1: float


@dataclass(frozen=True)
class StepForecast:
    """The forecasts `step` rows ahead of each window: at `rows` (0-based, time order)."""

    step: int
    rows: np.ndarray
    x: np.ndarray
    predicted: np.ndarray
    actual: np.ndarray

    @property
    def mae(self) -> float:
        return float(np.mean(np.abs(self.predicted - self.actual))) if len(self.rows) else 0.0


@dataclass(frozen=True)
class Forecast:
    """The series and the forecasts of one part's windows; see the module docstring."""

    target: str
    split: str
    x: np.ndarray
    actual: np.ndarray
    spans: tuple[Span, ...]
    starts: np.ndarray
    window: int
    predicted: np.ndarray
    time_column: str | None = None

    @property
    def horizon(self) -> int:
        return int(self.predicted.shape[1])

    @property
    def dated(self) -> bool:
        """True when x holds times (seconds since 1970 UTC), not row numbers."""
        return self.time_column is not None

    @property
    def n_rows(self) -> int:
        return int(len(self.actual))

    def step_names(self) -> list[str]:
        """'t+1' … 't+horizon': how far ahead each step forecasts."""
        return [f"t+{k}" for k in range(1, self.horizon + 1)]

    def step(self, k: int = 1) -> StepForecast:
        """The forecasts `k` steps ahead (1 = the row right after each window)."""
        if not 1 <= k <= self.horizon:
            raise DataError(
                f"Expected a step ahead from 1 to {self.horizon}. Received: {k!r}. Pick one "
                "of the forecast's steps."
            )
        rows = self.starts + self.window + (k - 1)
        return StepForecast(
            k, rows, self.x[rows], self.predicted[:, k - 1].copy(), self.actual[rows]
        )


def _x(timeline: Timeline) -> np.ndarray:
    if timeline.times is not None and timeline.time_column is not None:
        ns = np.asarray(timeline.times, dtype="datetime64[ns]").astype(np.int64)
        return ns.astype(np.float64) / 1e9
    return np.arange(1, timeline.n_rows + 1, dtype=np.float64)


def forecast_of(timeline: Timeline, split: str, predicted: np.ndarray) -> Forecast:
    """The `Forecast` of the windows of part `split` (a key of `timeline.starts`), whose
    forecasts `predicted` (windows x horizon) are in the target's units."""
    if split not in timeline.starts:
        raise DataError(
            f"Expected forecasts of one of the series' parts "
            f"({', '.join(sorted(timeline.starts))}). Received: {split!r}."
        )
    starts = np.asarray(timeline.starts[split], dtype=np.int64)
    values = np.asarray(predicted, dtype=np.float64).reshape(len(starts), -1)
    if values.shape[1] != timeline.horizon:
        raise DataError(
            f"Expected {timeline.horizon} forecast value(s) per window (the horizon). "
            f"Received: {values.shape[1]}."
        )
    x = _x(timeline)
    n = timeline.n_rows
    spans = tuple(
        Span(name, float(x[lo]), float(x[min(hi, n - 1)])) for name, lo, hi in timeline.parts
    )
    return Forecast(
        timeline.target,
        split,
        x,
        np.asarray(timeline.values, dtype=np.float64),
        spans,
        starts,
        timeline.window,
        values,
        timeline.time_column if timeline.times is not None else None,
    )
