"""A series with a date/time column is put in time order before it is cut into windows
(and says so); a cell that is not a date or a time given twice is a clear error naming
the column and the row; without a date column the file's order stays, even when it is
not the time order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.data import DataConfig, prepare, read_csv
from core.data.series_dataset import labelled_windows
from core.data.time_order import find_time_column
from core.errors import DataError
from core.evaluation import evaluate_dataset

SETTINGS = {"scale": "none", "scale_target": False}


def _config() -> DataConfig:
    series = {"kind": "series", "window": 3, "horizon": 1}
    return DataConfig(target="t", validation_split=0.2, test_split=0.2, input=series, **SETTINGS)


def _shuffled(path: Path, n: int = 40, **frame: object) -> Path:
    """Rows out of order; `t` counts the days from the first date (the time order)."""
    days = pd.date_range("2024-01-01", periods=n, freq="D")
    df = pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "t": np.arange(n, dtype=float)})
    for name, values in frame.items():
        df[name] = values
    order = np.random.default_rng(3).permutation(n)
    df.iloc[order].to_csv(path, index=False)
    return path


def test_rows_are_sorted_by_the_date_column_before_windowing(tmp_path: Path) -> None:
    table = read_csv(_shuffled(tmp_path / "s.csv"))
    assert table.df["t"].tolist() != sorted(table.df["t"])  # the file is out of order
    ds = prepare(table, _config())
    assert ds.notices[0] == "rows ordered by 'date' (the file listed them out of order)"
    assert "split by time, in the order of 'date': rows 1-24 train" in ds.notices[1]
    # every window holds consecutive days and forecasts the next one
    x = ds.x_train[:, :, 0]
    assert (np.diff(x, axis=1) == 1).all() and (ds.y_train[:, 0] == x[:, -1] + 1).all()
    assert ds.y_test[:, 0].min() >= 32  # the test rows are the last days
    assert ds.pipeline.input_spec.time_column == "date"
    assert ds.timeline.values.tolist() == list(range(40))
    # new rows in any order are windowed in the trained time order, rows named as in the file
    frame = pd.read_csv(tmp_path / "s.csv")
    x_new, y_new, rows = labelled_windows(ds.pipeline, frame)
    assert (np.diff(x_new[:, :, 0], axis=1) == 1).all()
    assert frame["t"].to_numpy()[rows - 1].tolist() == x_new[:, -1, 0].tolist()
    # the Results page's table names each test window by the file row its forecast is made on
    ev = evaluate_dataset(None, ds, predict=lambda x: x[:, -1, :])
    made_on = frame["t"].to_numpy()[ev.predictions.row - 1]
    assert made_on.tolist() == ds.x_test[:, -1, 0].tolist() == list(range(31, 39))


def test_rows_already_in_time_order_say_so(tmp_path: Path) -> None:
    days = pd.date_range("2024-01-01 00:00", periods=30, freq="h").astype(str)
    pd.DataFrame({"when": days, "t": np.arange(30.0)}).to_csv(tmp_path / "s.csv", index=False)
    ds = prepare(read_csv(tmp_path / "s.csv"), _config())
    assert ds.notices[0] == "rows ordered by 'when' (the file already lists them in that order)"


def _error(tmp_path: Path, change: dict[int, str | int]) -> DataError:
    """The error of a 30-day series whose date cells `change` (row -> text, or the row
    whose date it repeats)."""
    days = list(pd.date_range("2024-01-01", periods=30, freq="D").strftime("%Y-%m-%d"))
    for row, value in change.items():
        days[row] = value if isinstance(value, str) else days[value]
    pd.DataFrame({"date": days, "t": np.arange(30.0)}).to_csv(tmp_path / "s.csv", index=False)
    with pytest.raises(DataError) as info:
        prepare(read_csv(tmp_path / "s.csv"), _config())
    return info.value


def test_a_cell_that_is_not_a_date_names_the_column_and_row(tmp_path: Path) -> None:
    error = _error(tmp_path, {25: "soon"})
    text = str(error)
    assert "Expected a date or time in every cell of 'date'" in text
    assert "Received: 'soon' on data row 26" in text and "Correct or delete that row" in text
    assert error.column == "date" and error.row == 26


def test_a_time_given_twice_names_both_rows(tmp_path: Path) -> None:
    error = _error(tmp_path, {20: 7})
    text = str(error)
    assert "Expected each row of the series at its own time in 'date'" in text
    assert "data rows 8 and 21 both at 2024-01-08" in text and "Keep one row per time" in text
    assert error.column == "date" and error.row == 21


def test_without_a_date_column_the_files_order_stays(tmp_path: Path) -> None:
    t = np.random.default_rng(0).permutation(40).astype(float)
    labels = np.where(np.arange(40) % 2 == 0, "Mon", "Tue")
    pd.DataFrame({"day": labels, "t": t}).to_csv(tmp_path / "s.csv", index=False)
    ds = prepare(read_csv(tmp_path / "s.csv"), _config())
    assert not any("ordered by" in n for n in ds.notices)
    assert "in the file's row order" in ds.notices[0]
    assert ds.x_train[0, :, 0].tolist() == t[:3].tolist()  # the file's first three rows
    assert ds.pipeline.input_spec.time_column is None and ds.timeline.times is None


def test_which_columns_count_as_time() -> None:
    frame = pd.DataFrame(
        {
            "year": [2020, 2021, 2022],  # numbers: never a time column
            "day": ["Mon", "Tue", "Wed"],  # text that is not dates
            "stamp": ["2024-01-01 10:00", "2024-01-01 11:00", "2024-01-01 12:00"],
        }
    )
    assert find_time_column(frame) == "stamp"
    assert find_time_column(frame[["year", "day"]]) is None
    # a name that says date needs most cells to be dates; then a bad one is reported
    named = pd.DataFrame({"date": ["2024-01-01", "2024-01-02", "n/a"]})
    assert find_time_column(named) == "date"
    assert find_time_column(named.rename(columns={"date": "code"})) is None
    typed = pd.DataFrame({"x": [1.0], "at": pd.to_datetime(["2024-01-01"])})
    assert find_time_column(typed) == "at"
