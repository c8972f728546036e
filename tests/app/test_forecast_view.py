"""The forecast example as a person uses it: opened from the examples, its Data page
says the rows are ordered by their time column; a short run from the Training page
brings Results forward with the forecast along time (the whole actual series, the test
forecasts over it, the parts shaded), a step ahead picked from the list redraws it, and
the page needs no scrolling at 1400x900. A copy trained with `layerforge train` opens
with the same plot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt

from app.results.hub import READY
from core.cli.__main__ import main
from tests.app._gui_helpers import click_page, make_window

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "resources" / "examples" / "forecast.lfproj"
LOAD = REPO / "resources" / "datasets" / "load.csv"
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def window(qtbot: Any, request: Any) -> Any:
    """The main window at the size the page must fit (1400x900), its runs ended after."""
    w = make_window(qtbot)
    request.addfinalizer(w.training.session.shutdown)
    w.resize(1400, 900)
    return w


def _type_epochs(qtbot: Any, window: Any, epochs: int) -> None:
    click_page(qtbot, window, "training")
    spin = window.training.training_panel.epochs
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, str(epochs))
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert window.controller.project.train_config["epochs"] == epochs


def _check_forecast_plot(qtbot: Any, window: Any) -> Any:
    """The plot shows the whole series and the test forecasts; returns the panel."""
    view, ev = window.results.view, window.results.hub.evaluation
    f = ev.forecast
    assert f is not None and f.split == "test" and f.horizon == 6 and f.dated
    panel = view.forecast
    assert panel.isVisible() and view.regression_charts.isVisible()
    x, y = panel.actual_curve.getOriginalDataset()
    actual = pd.read_csv(LOAD)["load_mw"].to_numpy()
    assert len(x) == len(y) == len(actual) == 1344
    assert y == pytest.approx(actual)  # the file is already in time order
    px, py = panel.forecast_curve.getOriginalDataset()
    assert len(px) == len(py) == ev.n_rows == len(window.training.session.dataset.x_test)
    assert py == pytest.approx(ev.values)  # the table's forecasts are the first step's
    assert [s.name for s in f.spans] == ["training", "validation", "test"]
    assert panel.steps.isVisible() and panel.steps.count() == 6
    # nothing below the fold: the charts fit the page without scrolling
    scroll = view.charts.parentWidget().parentWidget()
    assert view.charts.height() <= scroll.viewport().height()
    assert not scroll.verticalScrollBar().isVisible()
    return panel


def test_forecast_example_trains_and_shows_the_forecast_along_time(qtbot: Any, window: Any) -> None:
    assert window.files.open_example(str(EXAMPLE), ask=False)
    session = window.training.session
    qtbot.waitUntil(lambda: session.dataset is not None, timeout=20_000)
    click_page(qtbot, window, "data")
    notices = window.training.data_panel.notices_label
    assert notices.isVisible()
    assert "rows ordered by 'time' (the file already lists them in that order)" in notices.text()
    assert "split by time, in the order of 'time'" in notices.text()
    assert "Rows ordered by 'time'." in window.training.data_panel.samples.series_info.text()

    _type_epochs(qtbot, window, 3)
    with qtbot.waitSignal(session.runFinished, timeout=120_000):
        qtbot.mouseClick(window.training.training_panel.start_button, LEFT)
    hub = window.results.hub
    qtbot.waitUntil(lambda: hub.status == READY, timeout=10_000)
    assert session.epochs_done == 3
    assert window.workspace.current_key() == "results"
    panel = _check_forecast_plot(qtbot, window)
    f = hub.evaluation.forecast

    # six steps ahead, picked from the list with the keyboard
    panel.steps.setFocus()
    qtbot.keyClick(panel.steps, Qt.Key.Key_End)
    six = f.step(6)
    px, py = panel.forecast_curve.getOriginalDataset()
    assert panel.step == 6 and np.array_equal(px, six.x) and py == pytest.approx(six.predicted)
    assert f"off by {six.mae:.4g} on average" in panel.caption.text()
    assert "row 6 after its window" in panel.caption.text()

    # the first view shows the forecasts and the series before them; then the whole series
    box = panel.plot.getPlotItem().getViewBox()
    (lo, hi), _ = box.viewRange()
    assert f.x[0] < lo < six.x.min() and hi >= six.x.max()
    qtbot.mouseClick(panel.whole, LEFT)
    (lo, hi), _ = box.viewRange()
    assert lo <= f.x[0] and hi >= f.x[-1]
    window.controller.mark_clean()


def test_a_project_trained_from_the_command_line_opens_with_the_forecast(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    project = json.loads(EXAMPLE.read_text("utf-8"))
    project["data"]["path"] = str(LOAD)
    path = tmp_path / "forecast.lfproj"
    path.write_text(json.dumps(project), "utf-8")
    assert main(["train", str(path), "--epochs", "2", "--quiet"]) == 0
    assert window.files.open_path(str(path))
    hub = window.results.hub
    qtbot.waitUntil(lambda: hub.status == READY, timeout=20_000)
    click_page(qtbot, window, "results")
    panel = _check_forecast_plot(qtbot, window)
    assert panel.step == 1 and panel.steps.currentText() == "t+1 ahead"
    window.controller.mark_clean()
