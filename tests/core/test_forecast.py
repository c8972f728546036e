"""The forecast along time (core.evaluation.forecast) against a hand computation: where
each step's forecasts land, their actual values, the parts as spans, dates as x; and
the evaluation of a trained series carries it (the app's path and the CLI's)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.cli.__main__ import main
from core.data import DataConfig, prepare, read_csv
from core.data.timeline import Timeline
from core.errors import DataError
from core.evaluation import evaluate_dataset
from core.evaluation.forecast import Span, forecast_of

ROOT = Path(__file__).resolve().parents[2]


def _timeline(times: np.ndarray | None = None) -> Timeline:
    # 10 rows; window 3, horizon 2; training rows 0-5, validation 6-7, test 8-9
    values = np.array([10.0, 11, 12, 13, 14, 15, 16, 17, 18, 19])
    return Timeline(
        "load",
        values,
        window=3,
        horizon=2,
        parts=(("training", 0, 6), ("validation", 6, 8), ("test", 8, 10)),
        starts={"train": np.array([0, 1]), "validation": np.array([3]), "test": np.array([5])},
        times=times,
        time_column=None if times is None else "date",
    )


def test_each_step_lands_window_plus_k_minus_one_rows_after_the_window_start() -> None:
    tl = _timeline()
    f = forecast_of(tl, "train", np.array([[13.5, 15.0], [14.0, 14.0]]))
    assert f.horizon == 2 and f.step_names() == ["t+1", "t+2"] and not f.dated
    assert f.x.tolist() == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]  # row numbers from 1
    first = f.step(1)  # windows at rows 0-2 and 1-3 forecast rows 3 and 4 first
    assert first.rows.tolist() == [3, 4] and first.x.tolist() == [4, 5]
    assert first.actual.tolist() == [13, 14] and first.predicted.tolist() == [13.5, 14.0]
    assert first.mae == pytest.approx((0.5 + 0.0) / 2)
    second = f.step(2)  # ... and rows 4 and 5 two steps ahead
    assert second.rows.tolist() == [4, 5] and second.actual.tolist() == [14, 15]
    assert second.predicted.tolist() == [15.0, 14.0]
    assert second.mae == pytest.approx((1.0 + 1.0) / 2)
    # training from row 1 to the first validation row, and so on to the last row
    assert f.spans == (Span("training", 1, 7), Span("validation", 7, 9), Span("test", 9, 10))
    with pytest.raises(DataError, match="step ahead from 1 to 2"):
        f.step(3)
    # each window is named by the data row (from 1) of its last input row: rows 3 and 4
    assert tl.window_rows("train").tolist() == [3, 4]
    moved = Timeline("load", tl.values, 3, 2, starts=tl.starts, file_rows=np.arange(10, 0, -1))
    assert moved.window_rows("train").tolist() == [8, 7]


def test_dates_become_seconds_since_1970() -> None:
    times = pd.date_range("2024-01-01", periods=10, freq="h").to_numpy()
    f = forecast_of(_timeline(times), "test", np.array([[18.0, 20.0]]))
    assert f.dated and f.time_column == "date"
    assert f.x[0] == pd.Timestamp("2024-01-01", tz="UTC").timestamp()
    assert np.diff(f.x).tolist() == [3600.0] * 9
    assert f.step(2).x.tolist() == [f.x[9]] and f.step(2).actual.tolist() == [19.0]


def test_a_forecast_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(DataError, match="2 forecast value"):
        forecast_of(_timeline(), "train", np.zeros((2, 3)))
    with pytest.raises(DataError, match="one of the series' parts"):
        forecast_of(_timeline(), "data", np.zeros((2, 2)))


def _series_csv(path: Path, n: int = 80) -> Path:
    frame = pd.DataFrame(
        {
            "date": pd.date_range("2024-03-01", periods=n, freq="D").astype(str),
            "v": np.sin(np.arange(n) / 4.0) * 5 + 20,
        }
    )
    frame.to_csv(path, index=False)
    return path


def test_the_evaluation_of_a_series_has_the_test_forecasts_in_the_targets_units(
    tmp_path: Path,
) -> None:
    csv = _series_csv(tmp_path / "s.csv")
    settings = {"kind": "series", "window": 4, "horizon": 2}
    ds = prepare(read_csv(csv), DataConfig(target="v", test_split=0.25, input=settings))
    # a "model" that forecasts the last value of its window for both steps, in scaled units
    ev = evaluate_dataset(None, ds, predict=lambda x: np.repeat(x[:, -1, :], 2, axis=1))
    f = ev.forecast
    assert f is not None and f.split == "test" and f.n_rows == 80
    values = pd.read_csv(csv)["v"].to_numpy()
    assert f.actual == pytest.approx(values)
    step = f.step(1)
    # the last value of each window, back in the target's units
    assert step.predicted == pytest.approx(values[step.rows - 1], abs=1e-4)
    assert step.actual == pytest.approx(values[step.rows])
    assert step.rows[0] >= 60 and [s.name for s in f.spans] == ["training", "validation", "test"]
    assert len(step.rows) == ev.n_rows  # the table's rows are the first step's
    assert f.step(2).rows.tolist() == (step.rows + 1).tolist()
    # the headline's scores are the first step's, and it says so
    mae = ev.model.regression.mae
    assert ev.headline.startswith(f"Off by {mae:.3g} on average on {ev.n_rows} test rows")
    assert "forecasting one step ahead (t+1 of 2)" in ev.headline


def test_evaluate_report_holds_the_forecast_plot(tmp_path: Path) -> None:
    project = json.loads((ROOT / "resources/examples/forecast.lfproj").read_text("utf-8"))
    project["data"]["path"] = str(ROOT / "resources/datasets/load.csv")
    project["training"]["epochs"] = 2
    path = tmp_path / "f.lfproj"
    path.write_text(json.dumps(project), "utf-8")
    model, report = tmp_path / "f.lfmodel", tmp_path / "r.html"
    assert main(["train", str(path), "--out", str(model), "--quiet", "--no-record"]) == 0
    data = str(ROOT / "resources/datasets/load.csv")
    assert main(["evaluate", str(model), "--data", data, "--report", str(report)]) == 0
    text = report.read_text("utf-8")
    assert "Forecast along time" in text and 'alt="forecast of' in text
