"""Live plots: epoch/validation curves, log scale, hover, export, 100k points.

The Qt-free data behind them (buffers, thinning, smoothing) is tested in test_series.
"""

from __future__ import annotations

import csv

import numpy as np

from app.plots import PlotsPanel
from app.series import DISPLAY_POINTS
from app.worker import BatchChunk
from benchmarks.plots_redraw import batch_chunk


def chunk(start: int, n: int, batches: int = 100) -> BatchChunk:
    return batch_chunk(start, n, batches)


def test_chunks_and_epochs_fill_curves(qtbot) -> None:
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.add_chunk(chunk(0, 100))
    panel.add_epoch(0, {"loss": 0.5, "accuracy": 0.7, "val_loss": 0.6, "val_accuracy": 0.65})
    assert set(panel.plots) == {"loss", "accuracy"}
    assert panel.plots["loss"].points("batch") == 100
    assert panel.plots["loss"].points("train") == 1
    assert panel.plots["accuracy"].points("val") == 1
    qtbot.waitUntil(lambda: not panel.plots["loss"].dirty, timeout=1000)  # the 10 Hz timer
    x, y = panel.plots["loss"].curves["val"].getData()
    assert list(x) == [1.0] and list(y) == [0.6]


def test_redraw_only_when_dirty(qtbot, monkeypatch) -> None:
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.add_chunk(chunk(0, 10))
    panel.redraw()
    calls = []
    curve = panel.plots["loss"].curves["batch"]
    monkeypatch.setattr(curve, "setData", lambda *a, **k: calls.append(1))
    panel.redraw()
    assert calls == []
    panel.add_chunk(chunk(10, 10))
    panel.redraw()
    assert calls == [1]


def test_log_scale_toggle_and_autoscale(qtbot) -> None:
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.add_chunk(chunk(0, 50))
    panel.log_action.trigger()
    assert panel.plots["loss"].plot.getAxis("left").logMode
    assert panel.plots["accuracy"].plot.getAxis("left").logMode
    panel.log_action.trigger()
    assert not panel.plots["loss"].plot.getAxis("left").logMode
    loss = panel.plots["loss"]
    loss.plot.vb.setRange(xRange=(10, 20), yRange=(5, 6), padding=0)
    loss._on_manual_range()  # what a pan/zoom with the mouse does
    assert not loss.follow
    panel.autoscale_action.trigger()
    assert loss.follow
    (x0, x1), (y0, y1) = loss.plot.vb.viewRange()
    xs, ys = loss.buffers["batch"].view()
    assert x0 <= xs.min() and xs.max() <= x1
    assert y0 <= ys.min() and ys.max() <= y1


def test_thinned_batch_curve_keeps_full_data(qtbot) -> None:
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    for start in range(0, 50_000, 5000):
        panel.add_chunk(chunk(start, 5000, batches=1000))
    loss = panel.plots["loss"]
    panel.redraw()
    x, y = loss.curves["batch"].getData()
    assert 1000 <= len(x) <= 2 * 2000  # bucket means, not 50,000 points
    full_x, full_y = loss.buffers["batch"].view()
    assert full_x.size == 50_000 and loss.raw_batch.size == 50_000
    assert full_x[0] <= x[0] and x[-1] <= full_x[-1]
    # each drawn point is the mean of its bucket
    b = loss.thinned.bucket
    np.testing.assert_allclose(y[0], full_y[:b].mean())
    np.testing.assert_allclose(y[3], full_y[3 * b : 4 * b].mean())
    panel.add_chunk(chunk(50_000, 1, batches=1000))  # an unfinished bucket is drawn too
    panel.redraw()
    x, _ = loss.curves["batch"].getData()
    done = (50_001 // b) * b
    np.testing.assert_allclose(x[-1], loss.buffers["batch"].view()[0][done:].mean())


def test_ranges_follow_data_without_auto_range(qtbot) -> None:
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.add_chunk(chunk(0, 100))
    panel.redraw()
    vb = panel.plots["loss"].plot.vb
    assert not any(vb.autoRangeEnabled())
    first = vb.viewRange()
    panel.add_chunk(chunk(100, 1))  # inside the current range: the axes stay as they are
    panel.redraw()
    assert vb.viewRange() == first
    panel.add_chunk(chunk(101, 400))  # beyond it: the range grows with headroom
    panel.redraw()
    (x0, x1), _ = vb.viewRange()
    assert x0 <= 0.0 and x1 >= 5.01


def test_the_epoch_axis_grows_no_further_than_the_runs_end(qtbot) -> None:
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.set_run_end(5)
    panel.add_chunk(chunk(0, 100))  # epoch 1 of 5: the axis grows by half its span
    panel.redraw()
    loss = panel.plots["loss"]
    (_, x1), _ = loss.plot.vb.viewRange()
    assert 1.0 <= x1 < 5.0
    panel.add_chunk(chunk(100, 300))  # epoch 4: half its span more would pass epoch 5
    panel.redraw()
    assert loss.plot.vb.viewRange()[0][1] == 5.0
    panel.add_epoch(0, {"loss": 0.5, "precision": 0.7})  # a plot made later has the same end
    assert panel.plots["precision"].x_end == 5.0
    panel.add_chunk(chunk(400, 99))  # up to the end: no new range
    panel.redraw()
    assert loss.plot.vb.viewRange()[0][1] == 5.0
    panel.add_chunk(chunk(499, 101))  # past it (the end was wrong): it grows as before
    panel.redraw()
    assert loss.plot.vb.viewRange()[0][1] >= 6.0
    panel.set_run_end(None)
    assert loss.x_end is None


def test_the_loss_plot_leads_the_epoch_axis_from_the_start(qtbot) -> None:
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.add_epoch(0, {"accuracy": 0.7, "loss": 0.5})
    assert panel.plots["loss"].drives_x and not panel.plots["accuracy"].drives_x
    panel.reset()
    assert list(panel.plots) == ["loss"] and panel.plots["loss"].drives_x


def test_redraw_and_paint_hold_the_gui_gate(qtbot, monkeypatch) -> None:
    import pyqtgraph as pg

    from app.worker import GuiGate

    gate = GuiGate()
    panel = PlotsPanel(gate=gate)
    qtbot.addWidget(panel)
    panel.resize(600, 400)
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.wait(50)
    seen = []
    curve = panel.plots["loss"].curves["batch"]
    orig = curve.setData
    curve.setData = lambda *a, **k: (seen.append(gate.is_busy()), orig(*a, **k))[1]
    panel.add_chunk(chunk(0, 10))
    panel.redraw()
    assert seen == [True] and not gate.is_busy()
    painted = []
    orig_paint = pg.GraphicsView.paintEvent
    monkeypatch.setattr(
        pg.GraphicsView,
        "paintEvent",
        lambda *a: (painted.append(gate.is_busy()), orig_paint(*a))[1],
    )
    before = panel.graphics.paints
    panel.graphics.viewport().repaint()
    assert panel.graphics.paints > before
    assert painted and all(painted) and not gate.is_busy()


def test_hover_readout_names_values(qtbot) -> None:
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.add_chunk(chunk(0, 100))
    panel.add_epoch(0, {"loss": 0.25, "val_loss": 0.5})
    text = panel.show_readout("loss", 1.0)
    assert "train (epoch) 0.25" in text and "validation (epoch) 0.5" in text
    assert panel.readout.text() == text


def test_export_png_and_csv(qtbot, tmp_path) -> None:
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.resize(600, 400)
    panel.add_chunk(chunk(0, 20))
    panel.add_epoch(0, {"loss": 0.5, "val_loss": 0.6})
    png = tmp_path / "c.png"
    assert panel.export_png(png) and png.stat().st_size > 1000
    rows = panel.export_csv(tmp_path / "c.csv")
    with open(tmp_path / "c.csv", newline="") as fh:
        data = list(csv.reader(fh))
    assert data[0] == ["quantity", "series", "epoch", "value"]
    assert len(data) == rows + 1
    assert ["loss", "val", "1.0", "0.6"] in data
    assert sum(1 for r in data if r[:2] == ["accuracy", "batch"]) == 20


def test_hundred_thousand_points_draw_a_bounded_curve(qtbot, monkeypatch) -> None:
    """A frame's work does not grow with the history (its time: benchmarks.plots_redraw)."""
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.resize(800, 500)
    panel.show()
    for start in range(0, 100_000, 1000):
        panel.add_chunk(chunk(start, 1000, batches=1000))
    panel.redraw()
    assert panel.plots["loss"].points("batch") == 100_000
    sent: list[tuple[str, int]] = []

    def spy(name: str, set_data):  # wraps pyqtgraph's setData, which still runs
        def recording(x, y, *args, **kwargs):
            sent.append((name, len(x)))
            return set_data(x, y, *args, **kwargs)

        return recording

    for name, curve in panel.plots["loss"].curves.items():
        monkeypatch.setattr(curve, "setData", spy(name, curve.setData))
    for i in range(5):
        panel.add_chunk(chunk(100_000 + i, 1, batches=1000))
        panel.redraw()
        panel.graphics.repaint()
    assert [name for name, _ in sent] == ["batch"] * 5  # only the curve that changed
    assert all(n <= DISPLAY_POINTS + 1 for _, n in sent), sent


def test_clear_empties_curves(qtbot) -> None:
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.add_chunk(chunk(0, 10))
    panel.clear()
    assert panel.plots["loss"].points("batch") == 0
    x, _ = panel.plots["loss"].curves["batch"].getData()
    assert x is None or len(x) == 0


def test_one_legend_above_the_plots_covers_no_curve(qtbot) -> None:
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.resize(1200, 280)
    panel.show()
    panel.add_chunk(chunk(0, 500))
    panel.add_epoch(0, {"loss": 0.5, "accuracy": 0.7, "val_loss": 0.6, "val_accuracy": 0.65})
    panel.redraw()
    qtbot.wait(50)
    legend = panel.legend
    assert [label.text for _sample, label in legend.items] == [
        "batch (smoothed)",
        "train (epoch)",
        "validation (epoch)",
    ]
    box = legend.sceneBoundingRect()
    assert box.height() <= 30
    for plot in panel.plots.values():
        assert not box.intersects(plot.plot.vb.sceneBoundingRect()), plot.name
        assert plot.plot.legend is None  # no legend inside a plot


def test_a_range_change_costs_one_paint(qtbot) -> None:
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 300)
    panel.show()
    qtbot.waitExposed(panel)
    panel.add_chunk(chunk(0, 50))
    panel.redraw()
    qtbot.wait(50)
    for start in (50, 500, 5000):  # each leaves the view: the ranges grow
        before = panel.plots["loss"]._x_range
        panel.add_chunk(chunk(start, start * 2))
        paints = panel.graphics.paints
        panel.redraw()
        qtbot.wait(60)
        assert panel.plots["loss"]._x_range != before
        assert panel.graphics.paints - paints == 1


def test_grid_keeps_plots_tall_and_wide(qtbot) -> None:
    """Two plots stack in a narrow panel and sit side by side in a wide one; five plots
    take more columns rather than rows that would leave a plot under 200 px."""
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)

    def rects():
        qtbot.wait(60)  # the re-arrangement follows the resize on the next turn
        return [p.plot.sceneBoundingRect() for p in panel.plots.values()]

    panel.add_epoch(0, {"loss": 0.5, "accuracy": 0.7})
    panel.resize(620, 640)
    a, b = rects()
    assert a.bottom() <= b.top() + 1 and a.width() >= a.height()  # stacked
    panel.resize(1200, 640)
    a, b = rects()
    assert a.right() <= b.left() + 1 and a.width() >= a.height()  # side by side
    panel.add_epoch(0, {"precision": 0.7, "recall": 0.6, "auc": 0.8})
    panel.resize(900, 640)
    shown = rects()
    assert len(shown) == 5 and min(r.height() for r in shown) >= 200


def test_many_epochs_draw_a_thinned_line_without_marks(qtbot) -> None:
    """Hundreds of epochs (a fast network) cost a frame no more than ~250 points and no
    symbols; the axes paint from a cache (their time: benchmarks.ui_latency)."""
    from PySide6.QtWidgets import QGraphicsItem

    from app.plots import EPOCH_DISPLAY_POINTS, SYMBOL_LIMIT

    panel = PlotsPanel()
    qtbot.addWidget(panel)
    loss = panel.plots["loss"]
    cached = QGraphicsItem.CacheMode.DeviceCoordinateCache
    assert all(loss.plot.getAxis(side).cacheMode() == cached for side in ("left", "bottom"))
    for epoch in range(SYMBOL_LIMIT):
        panel.add_epoch(epoch, {"loss": 1.0 / (epoch + 1), "val_loss": 2.0 / (epoch + 1)})
    panel.redraw()
    assert loss.curves["train"].opts["symbol"] == "o"  # each epoch marked while few
    assert len(loss.curves["train"].getData()[0]) == SYMBOL_LIMIT
    for epoch in range(SYMBOL_LIMIT, 700):
        panel.add_epoch(epoch, {"loss": 1.0 / (epoch + 1), "val_loss": 2.0 / (epoch + 1)})
    panel.redraw()
    for series in ("train", "val"):
        x, y = loss.curves[series].getData()
        assert loss.curves[series].opts["symbol"] is None
        assert EPOCH_DISPLAY_POINTS // 2 <= len(x) <= EPOCH_DISPLAY_POINTS + 1
        assert x[-1] <= 700.0 and loss.points(series) == 700  # all kept for hover and CSV
    text = panel.show_readout("loss", 700.0)  # the last epoch's own values, not a bucket mean
    assert "train (epoch) 0.001429" in text and "validation (epoch) 0.002857" in text
    panel.clear()
    panel.add_epoch(0, {"loss": 0.5})
    panel.redraw()
    assert loss.curves["train"].opts["symbol"] == "o"


def test_epochs_of_one_delivery_draw_what_they_draw_one_by_one(qtbot) -> None:
    """A delivery's epochs go in as one piece per series: the same points, ranges and
    plots as the same epochs added one at a time (text values are skipped)."""
    from core.engine.training import EpochEnded

    events = [
        EpochEnded(e, 9, {"loss": 1.0 / (e + 1), "val_loss": 2.0 / (e + 1), "note": "x"}, 0.0)
        for e in range(6)
    ]
    together, one_by_one = PlotsPanel(), PlotsPanel()
    qtbot.addWidget(together)
    qtbot.addWidget(one_by_one)
    together.add_epoch_events(events[:4])
    together.add_epoch_events(events[4:])
    for event in events:
        one_by_one.add_epoch_event(event)
    assert set(together.plots) == set(one_by_one.plots) == {"loss"}
    for series in ("train", "val"):
        a, b = together.plots["loss"], one_by_one.plots["loss"]
        for got, want in zip(a.buffers[series].view(), b.buffers[series].view(), strict=True):
            np.testing.assert_array_equal(got, want)
        assert a.points(series) == 6
    np.testing.assert_allclose(together.plots["loss"].buffers["val"].view()[1][-1], 2.0 / 6)
    assert together.plots["loss"].extent.y_range(False) == (1.0 / 6, 2.0)
