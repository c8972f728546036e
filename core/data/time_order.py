"""A series table's time column, and the rows put in its order. `find_time_column`
names the column that holds dates or times: a datetime column, or a text column whose
first cells parse as dates with pandas (most of them, when its name says date or time).
`order_by_time` parses all of it and sorts the rows by it (a stable sort, so a file
already in time order is unchanged). A cell that is not a date, an empty cell, or a time
given twice is a `DataError` naming the column and the first bad data row, and saying
what to do. Numeric columns (a year, a counter) and text columns whose first cells are
not dates (weekday names, labels) are never taken for dates: those tables keep the
file's order."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import DataError

#: Column names that say "this is when": matched as whole words, any case.
TIME_WORDS = re.compile(r"(^|[^a-z])(date|time|datetime|timestamp)([^a-z]|$)", re.I)
#: Cells looked at to decide whether a column whose name says nothing holds dates.
SNIFF = 20


@dataclass(frozen=True)
class TimeOrder:
    """The rows of a series in time order: `order[i]` is the file position of the i-th row
    in time; `times` are the parsed times in that order (datetime64[ns])."""

    column: str
    order: np.ndarray
    times: np.ndarray

    @property
    def moved(self) -> bool:
        """True when the file listed the rows out of time order."""
        return bool(np.any(self.order != np.arange(len(self.order))))

    def notice(self) -> str:
        how = (
            "the file listed them out of order"
            if self.moved
            else "the file already lists them in that order"
        )
        return f"rows ordered by '{self.column}' ({how})"


def _parse(values: pd.Series) -> pd.Series:
    """Datetimes of `values` (NaT where a cell is not one), without pandas' format warnings."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return values
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed = pd.to_datetime(values.astype("string"), errors="coerce")
        except (ValueError, TypeError, OverflowError):
            parsed = pd.to_datetime(values.astype("string"), errors="coerce", format="mixed")
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed


def _is_text(s: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)


def find_time_column(df: pd.DataFrame, skip: tuple[str, ...] = ()) -> str | None:
    """The first column holding dates or times, or None (numeric columns never count)."""
    for name in df.columns:
        s = df[name]
        if str(name) in skip:
            continue
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            return str(name)
        if not _is_text(s):
            continue
        sample = s.dropna().head(SNIFF)
        if not len(sample):
            continue
        share = float(_parse(sample).notna().mean())
        # a name that says so needs most cells to be dates; any other name all of them
        if share == 1.0 or (share >= 0.5 and TIME_WORDS.search(str(name))):
            return str(name)
    return None


def order_by_time(df: pd.DataFrame, column: str, *, path: str | None = None) -> TimeOrder:
    """Parse `column` and sort the rows by it; DataError at the first cell that is not a
    date or time, or at the first time that repeats an earlier row's."""
    raw = df[column]
    times = _parse(raw)
    bad = np.flatnonzero(times.isna().to_numpy())
    if len(bad):
        pos = int(bad[0])
        cell = raw.iloc[pos]
        shown = "an empty cell" if pd.isna(cell) else f"'{cell}'"
        raise DataError(
            f"Expected a date or time in every cell of '{column}': the series' rows are put "
            f"in its order before they are cut into windows. Received: {shown} on data row "
            f"{pos + 1} ({len(bad)} such cell(s) in all). Correct or delete that row, or drop "
            "the column if the rows are already in time order.",
            path=path,
            row=pos + 1,
            column=column,
        )
    values = times.to_numpy(dtype="datetime64[ns]")
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    same = np.flatnonzero(ordered[1:] == ordered[:-1])
    if len(same):
        # the first row (in file order) that repeats the time of an earlier one
        pairs = [(max(order[i], order[i + 1]), min(order[i], order[i + 1])) for i in same]
        later, first = min(pairs)
        raise DataError(
            f"Expected each row of the series at its own time in '{column}'. Received: data "
            f"rows {first + 1} and {later + 1} both at {pd.Timestamp(values[later])} "
            f"({len(same)} repeated time(s) in all). Keep one row per time (average or "
            "delete the repeats), then open the file again.",
            path=path,
            row=int(later) + 1,
            column=column,
        )
    return TimeOrder(column, order, ordered)


def in_time_order(
    df: pd.DataFrame, column: str | None, *, path: str | None = None
) -> tuple[pd.DataFrame, np.ndarray, TimeOrder | None]:
    """(the rows sorted by `column`, the file position of each, the order) for new rows of
    a series trained in that order; a table without the column keeps its file order."""
    if column is None or column not in {str(c) for c in df.columns}:
        return df, np.arange(len(df)), None
    order = order_by_time(df, column, path=path)
    if not order.moved:
        return df, order.order, order
    return df.iloc[order.order].reset_index(drop=True), order.order, order
