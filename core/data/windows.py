"""A time series as windows: numeric columns in time order (the file's row order, or
sorted by their date/time column when there is one: `time_column`) become samples of
`window` consecutive rows, each one followed by the next
`horizon` values of the target column to forecast; a new window starts every
`stride` rows. `split_windows` assigns every window to the split its targets
fall in, so that training, validation and test follow each other in time and
no target crosses a boundary. The fitted `Windowing` (which columns, window,
horizon, stride) is plain JSON and travels with the rest of the
preprocessing; on new rows it forecasts from every window, one per row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import ConfigError, DataError, FormatError

KIND = "series"
#: The longest window and horizon accepted.
MAX_STEPS = 100_000
DEFAULT_WINDOW = 24


def _steps(name: str, value: Any, error: type[Exception]) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_STEPS:
        raise error(
            f"Expected {name} as a whole number of rows from 1 to {MAX_STEPS:,}. Received: "
            f"{value!r}."
        )
    return int(value)


def _columns(value: Any, error: type[Exception]) -> tuple[str, ...] | None:
    if value is None:
        return None
    if (
        not isinstance(value, (list, tuple))
        or not value
        or not all(isinstance(c, str) for c in value)
    ):
        raise error(
            f"Expected the series columns as a list of column names, or null for every "
            f"numeric column. Received: {value!r}."
        )
    return tuple(value)


@dataclass(frozen=True)
class SeriesOptions:
    """The user's choices for a series (`DataConfig.input`); `columns` None = every numeric
    column (the target's own past included)."""

    columns: tuple[str, ...] | None = None
    window: int = DEFAULT_WINDOW
    horizon: int = 1
    stride: int = 1

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SeriesOptions:
        unknown = sorted(set(d) - {"kind", "columns", "window", "horizon", "stride"})
        if unknown:
            raise ConfigError(
                "Expected series settings among ['columns', 'horizon', 'kind', 'stride', "
                f"'window']. Received unknown keys: {unknown}."
            )
        return cls(
            _columns(d.get("columns"), ConfigError),
            _steps("window", d.get("window", DEFAULT_WINDOW), ConfigError),
            _steps("horizon", d.get("horizon", 1), ConfigError),
            _steps("stride", d.get("stride", 1), ConfigError),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": KIND,
            "columns": list(self.columns) if self.columns is not None else None,
            "window": self.window,
            "horizon": self.horizon,
            "stride": self.stride,
        }


@dataclass(frozen=True)
class Windowing:
    """Fitted: windows of `window` rows over `columns` (in this order: the features of
    each time step) forecasting the next `horizon` values of `target`."""

    columns: tuple[str, ...]
    target: str
    window: int
    horizon: int = 1
    stride: int = 1
    #: The date/time column the rows are sorted by before windowing (None: file order).
    time_column: str | None = None
    kind: str = KIND

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (self.window, len(self.columns))

    @property
    def span(self) -> int:
        """Rows one training example covers: its window and its targets."""
        return self.window + self.horizon

    def check_length(self, n_rows: int, *, path: str | None = None) -> None:
        """DataError when a series of `n_rows` rows holds no whole window and horizon."""
        if n_rows < self.span:
            raise DataError(
                f"Expected a series of at least window + horizon = {self.window} + "
                f"{self.horizon} = {self.span} rows. Received: {n_rows} row(s). Make the "
                "window or the horizon shorter, or add rows.",
                path=path,
            )

    def windows(self, steps: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """(len(starts), window, features) float32: the rows `starts[i]` .. + window - 1
        of `steps` (rows x features), copied into one array."""
        from core.resources import check_allocation

        check_allocation(
            "the series windows",
            "windows",
            (len(starts), *self.input_shape),
            fix="Use a larger stride or a shorter window.",
        )
        view = np.lib.stride_tricks.sliding_window_view(steps, self.window, axis=0)
        # view[s] is (features, window): the window's rows as its last axis
        return np.ascontiguousarray(view[starts].transpose(0, 2, 1), dtype=np.float32)

    def targets(self, values: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """(len(starts), horizon): the target values after each window."""
        offsets = starts[:, None] + self.window + np.arange(self.horizon)[None, :]
        return values[offsets]

    def forecast_starts(self, n_rows: int) -> np.ndarray:
        """Every window of a series of `n_rows` rows (stride 1), the last one ending at the
        last row: each forecasts the `horizon` rows after it, known or not."""
        return np.arange(max(n_rows - self.window + 1, 0))

    def shape_table(
        self, df: Any, flat: np.ndarray, *, path: str | None = None, header_lines: int = 1
    ) -> np.ndarray:
        """The windows of the preprocessed rows `flat` (rows x columns) that forecast."""
        if len(flat) < self.window:
            raise DataError(
                f"Expected at least {self.window} rows (one window) to forecast from. "
                f"Received: {len(flat)} row(s). Add earlier rows of the series.",
                path=path,
            )
        return self.windows(flat, self.forecast_starts(len(flat)))

    def prediction_names(self) -> list[str]:
        """The forecast columns of a predictions table: one per step ahead."""
        if self.horizon == 1:
            return ["prediction"]
        return [f"prediction_t+{k + 1}" for k in range(self.horizon)]

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """`n` standardized windows to check an export on."""
        return rng.standard_normal((n, *self.input_shape)).astype(np.float32)

    def describe(self) -> str:
        cols = ", ".join(f"'{c}'" for c in self.columns)
        return (
            f"the columns {cols} standardized as fitted (the pipeline's 'columns') and cut "
            f"into windows of {self.window} consecutive rows (oldest first); each window "
            f"forecasts the next {self.horizon} value(s) of '{self.target}'"
        )

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "kind": KIND,
            "columns": list(self.columns),
            "target": self.target,
            "window": self.window,
            "horizon": self.horizon,
            "stride": self.stride,
        }
        if self.time_column is not None:
            d["time"] = self.time_column
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Windowing:
        columns = _columns(d.get("columns"), FormatError)
        target = d.get("target")
        time_column = d.get("time")
        if columns is None or not isinstance(target, str):
            raise FormatError(
                "Expected the series windowing with its columns and target. Received: "
                f"columns {d.get('columns')!r}, target {target!r}."
            )
        if time_column is not None and not isinstance(time_column, str):
            raise FormatError(
                f"Expected the series' time column as a column name. Received: {time_column!r}."
            )
        return cls(
            columns,
            target,
            _steps("window", d.get("window"), FormatError),
            _steps("horizon", d.get("horizon", 1), FormatError),
            _steps("stride", d.get("stride", 1), FormatError),
            time_column,
        )


@dataclass(frozen=True)
class WindowSplit:
    """Window starts per split (train, validation, test) and the row boundaries of the
    splits: rows [0, a) train, [a, b) validation, [b, n) test."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    a: int
    b: int


def split_windows(
    windowing: Windowing, n_rows: int, n_val_rows: int, n_test_rows: int
) -> WindowSplit:
    """The windows of a series of `n_rows` rows whose last `n_val_rows + n_test_rows` rows
    are validation, then test: a window belongs to the split its targets fall in (its
    inputs may reach back into the part before, which is known at that time); one whose
    targets straddle a boundary is left out. Starts follow the stride from row 0."""
    a = n_rows - n_val_rows - n_test_rows
    b = a + n_val_rows
    starts = np.arange(0, n_rows - windowing.span + 1, windowing.stride)
    first = starts + windowing.window  # the first target row of each window
    last = first + windowing.horizon  # one past the last target row
    train = starts[last <= a]
    val = starts[(first >= a) & (last <= b)]
    test = starts[(first >= b) & (last <= n_rows)]
    return WindowSplit(train, val, test, a, b)
