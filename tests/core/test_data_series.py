"""Time series: numeric columns in time order become windows (window length,
horizon, stride); the split is by time with no window's targets crossing a
boundary and no batch mixing the parts; a series shorter than window + horizon
is a clear error with the numbers; the windowing is stored as JSON."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.data import DataConfig, Pipeline, prepare, read_csv
from core.data.windows import Windowing, split_windows
from core.errors import ConfigError, DataError, FormatError


def _series(path: Path, n: int = 100, **columns: np.ndarray) -> Path:
    """A CSV whose `t` column is the row index (so targets tell which rows they are)."""
    frame = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=n).astype(str)})
    frame["t"] = np.arange(n, dtype=float)
    for name, values in columns.items():
        frame[name] = values
    frame.to_csv(path, index=False)
    return path


def _raw(**series: object) -> dict[str, object]:
    """Settings that keep the numbers as they are (no scaling), to read rows back."""
    return {"scale": "none", "scale_target": False, "input": {"kind": "series", **series}}


def test_windows_hold_consecutive_rows_and_the_next_values(tmp_path: Path) -> None:
    csv = _series(tmp_path / "s.csv", 100)
    config = DataConfig(
        target="t", validation_split=0.2, test_split=0.1, **_raw(window=5, horizon=2)
    )
    ds = prepare(read_csv(csv), config)
    assert ds.input_shape == (5, 1) and ds.time_ordered
    assert ds.task.kind == "regression" and ds.task.output_units == 2
    first = ds.x_train[0, :, 0].tolist()
    assert first == [0, 1, 2, 3, 4] and ds.y_train[0].tolist() == [5, 6]
    for x, y in ((ds.x_train, ds.y_train), (ds.x_val, ds.y_val), (ds.x_test, ds.y_test)):
        starts = x[:, 0, 0]
        np.testing.assert_array_equal(x[:, :, 0], starts[:, None] + np.arange(5))
        np.testing.assert_array_equal(y, starts[:, None] + 5 + np.arange(2))
        assert (np.diff(starts) > 0).all()  # kept in time order


def test_split_is_by_time_and_no_target_crosses_a_boundary(tmp_path: Path) -> None:
    csv = _series(tmp_path / "s.csv", 100)
    config = DataConfig(
        target="t", validation_split=0.2, test_split=0.1, **_raw(window=5, horizon=2)
    )
    ds = prepare(read_csv(csv), config)
    a, b = 70, 90  # rows 0-69 train, 70-89 validation, 90-99 test
    assert ds.y_train.max() < a
    assert ds.y_val.min() >= a and ds.y_val.max() < b
    assert ds.y_test.min() >= b
    # windows whose two targets straddle a boundary (69|70, 89|90) are left out
    assert 69 - 5 not in ds.x_train[:, 0, 0] and 89 - 5 not in ds.x_val[:, 0, 0]
    # validation windows may look back into training rows: known at that time
    assert ds.x_val[:, 0, 0].min() == a - 5
    assert (
        "split by time, in the order of 'date': rows 1-70 train, rows 71-90 validation, "
        "rows 91-100 test" in ds.notices[1]
    )
    # shuffled batches of the training part never hold a later row
    rng = np.random.default_rng(0)
    for _, y in ds.batches(7, rng):
        assert y.max() < a


def test_scaling_is_fitted_on_the_training_rows_only(tmp_path: Path) -> None:
    csv = _series(tmp_path / "s.csv", 100)
    config = DataConfig(target="t", validation_split=0.3, input={"kind": "series", "window": 4})
    ds = prepare(read_csv(csv), config)
    spec = ds.pipeline.columns[0]
    assert spec.offset == pytest.approx(np.arange(70).mean())
    assert ds.pipeline.target_scaling.offset == pytest.approx(np.arange(70).mean())
    assert abs(float(ds.y_train.mean())) < 0.1  # standardized on training rows


def test_stride_and_several_columns(tmp_path: Path) -> None:
    n = 60
    csv = _series(tmp_path / "s.csv", n, temp=np.sin(np.arange(n)), load=np.arange(n) * 2.0)
    config = DataConfig(
        target="load",
        validation_split=0.25,
        **_raw(columns=["temp", "load"], window=6, horizon=1, stride=3),
    )
    ds = prepare(read_csv(csv), config)
    assert ds.input_shape == (6, 2)
    assert ds.pipeline.input_spec.columns == ("temp", "load")
    starts = ds.x_train[:, 0, 1] / 2
    assert (starts % 3 == 0).all()
    np.testing.assert_allclose(
        ds.x_train[:, :, 0], np.sin(starts[:, None] + np.arange(6)), rtol=1e-6
    )
    # default columns: every numeric column but an index (the row counter 't', ignored as
    # its suggested role says) and not the date text; a role makes the counter a series
    ds = prepare(read_csv(csv), DataConfig(target="load", input={"kind": "series", "window": 6}))
    assert ds.pipeline.input_spec.columns == ("temp", "load")
    config = DataConfig(target="load", roles={"t": "feature"}, input={"kind": "series"})
    assert prepare(read_csv(csv), config).pipeline.input_spec.columns == ("t", "temp", "load")


def test_series_shorter_than_window_and_horizon_says_the_numbers(tmp_path: Path) -> None:
    csv = _series(tmp_path / "s.csv", 20)
    config = DataConfig(target="t", input={"kind": "series", "window": 24, "horizon": 1})
    with pytest.raises(
        DataError,
        match=r"Expected a series of at least window \+ horizon = 24 \+ 1 = 25 rows\. "
        r"Received: 20 row\(s\)",
    ) as info:
        prepare(read_csv(csv), config)
    assert info.value.path == str(csv)


@pytest.mark.parametrize(
    ("share", "window", "horizon", "message"),
    [
        (
            0.5,
            19,
            2,
            r"Expected training rows for at least one window: window \+ horizon = 19 \+ 2 "
            r"= 21 rows\. Received: 20 training row\(s\) of 40",
        ),
        (
            0.05,
            4,
            3,
            r"Expected at least one validation window: its targets need horizon = 3 "
            r"row\(s\) inside the validation part\. Received: a validation part of 2 row\(s\)",
        ),
    ],
)
def test_parts_too_short_for_a_window_say_why(
    tmp_path: Path, share: float, window: int, horizon: int, message: str
) -> None:
    csv = _series(tmp_path / "s.csv", 40)
    settings = {"kind": "series", "window": window, "horizon": horizon}
    config = DataConfig(target="t", validation_split=share, input=settings)
    with pytest.raises(DataError, match=message):
        prepare(read_csv(csv), config)


def test_empty_target_cells_leave_their_windows_out(tmp_path: Path) -> None:
    values = np.arange(50, dtype=float)
    values[[10, 45]] = np.nan
    csv = _series(tmp_path / "s.csv", 50, y=values)
    config = DataConfig(target="y", validation_split=0.2, **_raw(columns=["t"], window=3))
    ds = prepare(read_csv(csv), config)
    assert 10 not in ds.y_train and not np.isnan(ds.y_train).any()
    text = " | ".join(ds.notices)
    assert "left out 1 training window(s) whose target 'y' has an empty cell" in text
    assert "left out 1 validation window(s)" in text


def test_text_in_a_series_column_names_the_row(tmp_path: Path) -> None:
    csv = _series(tmp_path / "s.csv", 30)
    frame = pd.read_csv(csv)
    frame["t"] = frame["t"].astype(str)
    frame.loc[7, "t"] = "n/a?"
    frame.to_csv(csv, index=False)
    with pytest.raises(DataError, match="Expected a number. Received: 'n/a\\?' on data row 8"):
        prepare(read_csv(csv), DataConfig(target="t", input={"kind": "series", "window": 3}))


def test_unknown_columns_and_tasks_are_refused(tmp_path: Path) -> None:
    csv = _series(tmp_path / "s.csv", 30)
    with pytest.raises(DataError, match="Expected a series column named 'sales'") as info:
        prepare(read_csv(csv), DataConfig(target="sales", input={"kind": "series", "window": 3}))
    assert info.value.column == "sales"
    with pytest.raises(DataError, match="Expected a regression task for a series forecast"):
        prepare(read_csv(csv), DataConfig(task="binary", input={"kind": "series", "window": 3}))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"window": 0}, "window as a whole number"),
        ({"horizon": 1.5}, "horizon as a whole number"),
        ({"stride": True}, "stride as a whole number"),
        ({"columns": []}, "series columns as a list"),
        ({"columns": "t"}, "series columns as a list"),
        ({"lag": 2}, "unknown keys"),
    ],
)
def test_bad_series_settings(settings: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        DataConfig(input={"kind": "series", **settings})


def test_windowing_round_trips_as_json(tmp_path: Path) -> None:
    csv = _series(tmp_path / "s.csv", 60, y=np.cos(np.arange(60)))
    settings = {"kind": "series", "columns": ["t", "y"], "window": 8, "horizon": 2}
    ds = prepare(read_csv(csv), DataConfig(target="y", input=settings))
    d = ds.pipeline.to_dict()
    assert d["input"] == {
        "kind": "series",
        "columns": ["t", "y"],
        "target": "y",
        "window": 8,
        "horizon": 2,
        "stride": 1,
        "time": "date",
    }
    assert Pipeline.from_dict(d) == ds.pipeline
    bad = dict(d, input={"kind": "series", "columns": ["t"], "window": 8})
    with pytest.raises(FormatError, match="series windowing with its columns and target"):
        Pipeline.from_dict(bad)
    # new rows: one forecast per row from the window ending there
    frame = pd.read_csv(csv)
    x = ds.pipeline.transform(frame)
    assert x.shape == (60 - 8 + 1, 8, 2)


def test_split_windows_directly() -> None:
    w = Windowing(("v",), "v", window=3, horizon=1, stride=1)
    s = split_windows(w, 10, 2, 1)
    assert (s.a, s.b) == (7, 9)
    assert s.train.tolist() == [0, 1, 2, 3]
    assert s.val.tolist() == [4, 5]
    assert s.test.tolist() == [6]
