"""A series along time, as a forecast plot needs it: the target's values in its own units
for every row in time order, the times of the rows when the series has a time column,
where the training, validation and test parts begin, and the windows of each part (by
the row each window starts at). `Dataset.timeline` holds one for a series; Qt-free."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Timeline:
    """`parts`: (name, first row, end row) of each part in time order, e.g. ("training",
    0, a), ("validation", a, b), ("test", b, n); `starts[name]` the first input row of each
    window of that part (`split` names: train, validation, test, or data for rows that
    were not split); a window's targets are rows start + window + k, k < horizon."""

    target: str
    values: np.ndarray
    window: int
    horizon: int
    parts: tuple[tuple[str, int, int], ...] = ()
    starts: dict[str, np.ndarray] = field(default_factory=dict)
    times: np.ndarray | None = None
    time_column: str | None = None

    @property
    def n_rows(self) -> int:
        return int(len(self.values))
