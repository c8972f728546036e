"""A series along time, as a forecast plot needs it: the target's values in its own units
for every row in time order, the times of the rows when the series has a time column,
where the training, validation and test parts begin, and the windows of each part (by
the row each window starts at), and where each row is in the file. `Dataset.timeline`
holds one for a series; Qt-free."""

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
    #: The file's data row (from 1) of each row in time order; None: the same order.
    file_rows: np.ndarray | None = None

    @property
    def n_rows(self) -> int:
        return int(len(self.values))

    def window_rows(self, part: str) -> np.ndarray:
        """The file's data row (from 1) of the last input row of each window of `part`:
        where its forecast is made, as `layerforge predict` and `evaluate` number them."""
        last = np.asarray(self.starts[part], dtype=np.int64) + self.window - 1
        return last + 1 if self.file_rows is None else np.asarray(self.file_rows)[last]
