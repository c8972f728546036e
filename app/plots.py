"""Live training curves with pyqtgraph: loss and each metric, per batch and per epoch.

`PlotsPanel` shows one plot per quantity ("loss", then each metric), in a
grid whose plots come closest to a landscape shape while each stays at least
`MIN_PLOT_HEIGHT` tall. Each plot has three curves created once:
the per-batch value smoothed with an exponential moving average, the per-epoch
training value and the per-epoch validation value. Data arrives as
`app.worker.BatchChunk`s and epoch events and is appended to growing NumPy
buffers (capacity doubles, full data kept for CSV export and the hover
read-out); the buffers, the thinning, the smoothing and the view ranges are
the Qt-free `app.series`. A ~10 Hz timer calls `setData` only on plots that
changed; it ticks slower (down to 4 Hz) when the frames (redraw and paint) would
take more than 5 % of the time in CPU seconds of the GUI thread
(`app.pacing.FramePacer`). Each frame must stay cheap because it competes
with the training thread for the GIL: the batch curve is drawn from bucket
means of at most ~2,000 points (`ThinnedSeries`), the epoch curves from at most ~250 and
without symbols past `SYMBOL_LIMIT` epochs, the axes (with their grid) paint
from a pixmap cache, the view ranges are computed from running
min/max and grow in steps (pyqtgraph's auto-range would rescan the data and
re-lay out the axis text every frame), and redraws and paints run inside
`app.worker.GUI_GATE.busy()` so that the worker pauses meanwhile. The toolbar
offers a log-scale toggle, autoscale, and export of the curves as PNG and CSV;
one legend in its own row above the plots names the three series (inside a
plot it would cover curves); moving the mouse over a plot shows the values
under the cursor.
"""

from __future__ import annotations

import csv
import math
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QPaintEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.pacing import FramePacer
from app.series import X_HEADROOM, Extent, GrowingSeries, ThinnedSeries, ema, grown_range
from app.worker import GUI_GATE, GuiGate

#: Redraw period of the plots (ms): ~10 Hz is plenty for training curves.
REDRAW_MS = 100
#: The longest it gets when frames are costly (`app.pacing.FramePacer`).
SLOWEST_REDRAW_MS = 250
#: A plot gets at least this height (px) before the grid adds a column instead of a row.
MIN_PLOT_HEIGHT = 230
#: The plot shape the grid aims for: this many times as wide as tall.
PLOT_ASPECT = 1.6

SERIES = ("batch", "train", "val")
SERIES_LABELS = {"batch": "batch (smoothed)", "train": "train (epoch)", "val": "validation (epoch)"}
_PENS = {
    "batch": pg.mkPen((120, 160, 220), width=1),
    "train": pg.mkPen((30, 90, 200), width=2),
    "val": pg.mkPen((230, 120, 20), width=2),
}
_SYMBOLS = {"batch": None, "train": "o", "val": "s"}
#: The epoch curves mark each epoch with a symbol while they have at most this many points;
#: past it the marks merge into a line anyway and only cost paint time.
SYMBOL_LIMIT = 60
#: The epoch curves draw at most ~this many points (bucket means past it, like the batch
#: curve): a 2 px line costs ~3 us a segment to paint, 2.3 ms for 700 epochs.
EPOCH_DISPLAY_POINTS = 250


class MetricPlot:
    """One quantity's plot: smoothed batch curve, train-epoch and validation-epoch curves."""

    def __init__(self, name: str, plot_item: pg.PlotItem) -> None:
        self.name = name
        self.plot = plot_item
        self.buffers = {s: GrowingSeries() for s in SERIES}
        self.raw_batch = GrowingSeries()
        self.thinned = ThinnedSeries(self.buffers["batch"])
        self.thinned_epochs = {
            s: ThinnedSeries(self.buffers[s], EPOCH_DISPLAY_POINTS) for s in ("train", "val")
        }
        self.extent = Extent()
        self._ema_last: float | None = None
        self.dirty = False
        #: The curves whose data changed since the last redraw (only they get `setData`).
        self.stale: set[str] = set()
        self.log_y = False
        #: True while the plot follows the data (our own ranges); a manual pan/zoom ends it.
        self.follow = True
        self._x_range: tuple[float, float] | None = None
        self._y_range: tuple[float, float] | None = None
        #: The epoch the run will end at, when known: the epoch axis grows no further than it.
        self.x_end: float | None = None
        #: Whether this plot sets the shared epoch axis (the first plot; the others are
        #: linked to it, and one made later from less data must not narrow it).
        self.drives_x = True
        plot_item.setTitle(name)
        plot_item.showGrid(x=True, y=True, alpha=0.25)
        plot_item.setLabel("bottom", "epoch")
        # a fraction of an epoch (one Step) must not turn the label into "epoch (x0.001)"
        plot_item.getAxis("bottom").enableAutoSIPrefix(False)
        plot_item.setClipToView(True)
        plot_item.hideButtons()  # its "A" button would hand the ranges back to auto-range
        plot_item.vb.disableAutoRange()
        plot_item.vb.sigRangeChangedManually.connect(self._on_manual_range)
        self.curves: dict[str, pg.PlotDataItem] = {}
        for s in SERIES:
            kw: dict[str, Any] = {"pen": _PENS[s], "name": SERIES_LABELS[s]}
            if _SYMBOLS[s]:
                kw.update(
                    symbol=_SYMBOLS[s], symbolSize=5, symbolBrush=_PENS[s].color(), symbolPen=None
                )
            self.curves[s] = plot_item.plot(**kw)
        self._symbols = True
        # The axes (and the grid they draw) are cached as pixmaps: they change only when a
        # range grows, and replaying their pictures cost ~3 ms of every frame.
        for side in ("left", "bottom"):
            plot_item.getAxis(side).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def add_batches(self, x: np.ndarray, y: np.ndarray) -> None:
        self.raw_batch.extend(x, y)
        smooth = ema(np.asarray(y, dtype=np.float64), self._ema_last)
        if smooth.size and math.isfinite(smooth[-1]):
            self._ema_last = float(smooth[-1])
        self.buffers["batch"].extend(x, smooth)
        self.extent.add(np.asarray(x, dtype=np.float64), smooth)
        self.stale.add("batch")
        self.dirty = True

    def add_epoch(self, series: str, x: float, y: float) -> None:
        self.add_epochs(series, np.asarray([x], dtype=np.float64), np.asarray([y]))

    def add_epochs(self, series: str, x: np.ndarray, y: np.ndarray) -> None:
        y = np.asarray(y, dtype=np.float64)
        self.buffers[series].extend(x, y)
        self.extent.add(np.asarray(x, dtype=np.float64), y)
        self.stale.add(series)
        self.dirty = True

    def display_data(self, series: str) -> tuple[np.ndarray, np.ndarray]:
        """What the curve draws: bucket means for the batch curve and for epoch curves of
        more than `EPOCH_DISPLAY_POINTS` points, every point otherwise."""
        if series == "batch":
            return self.thinned.view()
        return self.thinned_epochs[series].view()

    def redraw(self) -> None:
        if not self.dirty:
            return
        if self.follow:  # the range first, so that clip-to-view sees the new one
            self.follow_data()
        stale = self.stale or set(SERIES)  # dirty with nothing named: redraw every curve
        symbols = self.buffers["train"].size <= SYMBOL_LIMIT
        if symbols != self._symbols:
            self._symbols = symbols
            for s in ("train", "val"):
                self.curves[s].setSymbol(_SYMBOLS[s] if symbols else None)
        for s, curve in self.curves.items():
            if s not in stale:
                continue
            x, y = self.display_data(s)
            if self.log_y:
                y = np.where(y > 0, y, np.nan)
            curve.setData(x, y, connect="finite")
        self.stale = set()
        self.dirty = False

    def follow_data(self, reset: bool = False) -> None:
        """Set the view ranges from the running extent; they change only when data leaves them."""
        if reset:
            self._x_range = self._y_range = None
        yr = self.extent.y_range(self.log_y)
        if yr is None or not math.isfinite(self.extent.x_max):
            return
        y_range = grown_range(self._y_range, *yr)
        if not self.drives_x:  # linked to the first plot's epoch axis, which follows the data
            if y_range != self._y_range:
                self._y_range = y_range
                self.plot.vb.setYRange(*y_range, padding=0)
            return
        x_max = max(self.extent.x_max, 1e-9)
        x_range = grown_range(self._x_range, 0.0, x_max, keep_zero=True, headroom=X_HEADROOM)
        if self.x_end is not None and x_max <= self.x_end < x_range[1]:
            x_range = (x_range[0], self.x_end)  # the run's last epoch: the axis is complete
        if x_range == self._x_range and y_range == self._y_range:
            return
        self._x_range, self._y_range = x_range, y_range
        self.plot.vb.setRange(xRange=x_range, yRange=y_range, padding=0)

    def _on_manual_range(self, *_args: Any) -> None:
        self.follow = False

    def autoscale(self) -> None:
        """Fit the view to the data and follow it again."""
        self.follow = True
        self.follow_data(reset=True)

    def clear(self) -> None:
        for b in self.buffers.values():
            b.clear()
        self.raw_batch.clear()
        self.thinned.clear()
        for thinned in self.thinned_epochs.values():
            thinned.clear()
        self.extent.clear()
        self._ema_last = None
        self.follow = True
        self._x_range = self._y_range = None
        self.stale = set(SERIES)
        self.dirty = True

    def points(self, series: str) -> int:
        return self.buffers[series].size

    def value_at(self, x: float) -> dict[str, float]:
        """The value of each curve nearest to epoch position `x`."""
        out: dict[str, float] = {}
        for s in SERIES:
            xs, ys = self.buffers[s].view()
            if xs.size == 0:
                continue
            i = int(np.clip(np.searchsorted(xs, x), 0, xs.size - 1))
            if i > 0 and abs(xs[i - 1] - x) < abs(xs[i] - x):
                i -= 1
            out[s] = float(ys[i])
        return out


class _GatedGraphicsLayoutWidget(pg.GraphicsLayoutWidget):
    """A GraphicsLayoutWidget whose paint runs inside the GUI gate (the worker pauses)."""

    def __init__(self, gate: GuiGate | None) -> None:
        super().__init__()
        self.gate = gate
        self.paints = 0
        #: Wall and GUI-thread CPU seconds spent painting (for benchmarks.ui_latency).
        self.paint_wall = 0.0
        self.paint_cpu = 0.0

    def paintEvent(self, ev: QPaintEvent) -> None:  # noqa: N802 - Qt override
        self.paints += 1
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            if self.gate is None:
                super().paintEvent(ev)
                return
            with self.gate.busy():
                super().paintEvent(ev)
        finally:
            self.paint_wall += time.perf_counter() - wall
            self.paint_cpu += time.thread_time() - cpu


class PlotsPanel(QWidget):
    """The plots' widget: one `MetricPlot` per quantity, toolbar, hover read-out."""

    hoverText = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, gate: GuiGate | None = GUI_GATE) -> None:
        super().__init__(parent)
        self.setObjectName("PlotsPanel")
        self.plots: dict[str, MetricPlot] = {}
        self._log_y = False
        self._x_end: float | None = None
        self.gate = gate
        self.redraws = 0
        self.graphics = _GatedGraphicsLayoutWidget(gate)
        self.graphics.setBackground("w")
        # One legend for all plots, in its own row above them: the series are the same in
        # every plot, and a legend inside a plot would cover its curves. It is part of the
        # graphics, so exported PNGs carry it.
        self.legend = pg.LegendItem(
            colCount=len(SERIES),
            horSpacing=24,
            verSpacing=0,
            labelTextColor=(60, 60, 60),
            labelTextSize="9pt",
        )
        self.legend.setObjectName("plotLegend")
        self.graphics.addItem(self.legend, row=0, col=0)
        self._plot_grid = self.graphics.addLayout(row=1, col=0)
        self.legend.layout.setContentsMargins(4, 0, 4, 0)
        self.legend.setMaximumHeight(22)
        self._plot_grid.setContentsMargins(0, 0, 0, 0)
        self._columns = 1
        grid = self.graphics.ci.layout
        grid.setVerticalSpacing(0)
        grid.setRowStretchFactor(1, 1)
        grid.setAlignment(self.legend, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.readout = QLabel("Press Train to start; the curves appear here.")
        self.readout.setObjectName("plotReadout")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        self.log_action = QAction("Log scale", self, checkable=True)
        self.log_action.setToolTip("Show the values on a logarithmic axis")
        self.log_action.toggled.connect(self.set_log_scale)
        self.autoscale_action = QAction("Autoscale", self)
        self.autoscale_action.setToolTip("Fit every plot to its data")
        self.autoscale_action.triggered.connect(self.autoscale)
        self.png_action = QAction("Export PNG…", self)
        self.png_action.triggered.connect(self._export_png_dialog)
        self.csv_action = QAction("Export CSV…", self)
        self.csv_action.triggered.connect(self._export_csv_dialog)
        for action in (self.log_action, self.autoscale_action, self.png_action, self.csv_action):
            button = QToolButton()
            button.setDefaultAction(action)
            bar.addWidget(button)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.readout)

        #: The frame rate follows the frames' cost (`app.pacing`): 10 Hz while a frame
        #: (redraw and paint) takes at most 5 % of the time, slower (4 Hz at least) when more.
        self.pacer = FramePacer(REDRAW_MS / 1000, SLOWEST_REDRAW_MS / 1000)
        self._painted = 0.0  # the graphics' paint_cpu when the last frame was counted
        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self._frame)
        self._timer.start()
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.plot_for("loss")

    def set_note(self, name: str, note: str) -> None:
        """Title the `name` plot "name (note)", or just "name" when `note` is empty
        (e.g. a loss computed on a standardized target, not in the target's units)."""
        self.plot_for(name).plot.setTitle(f"{name} ({note})" if note else name)

    # -- data in ---------------------------------------------------------------------------
    def plot_for(self, name: str) -> MetricPlot:
        plot = self.plots.get(name)
        if plot is None:
            item = pg.PlotItem()
            n = len(self.plots)
            if self._columns_for(n + 1) == self._columns:
                self._plot_grid.addItem(item, row=n // self._columns, col=n % self._columns)
            first = next(iter(self.plots.values()), None)
            if first is not None:
                item.setXLink(first.plot)
            item.setLogMode(y=self._log_y)
            plot = MetricPlot(name, item)
            plot.drives_x = first is None
            plot.log_y = self._log_y
            plot.x_end = self._x_end
            if not self.plots:
                for series in SERIES:
                    self.legend.addItem(plot.curves[series], SERIES_LABELS[series])
                self.legend.setMaximumWidth(self.legend.layout.minimumWidth() + 20)
            self.plots[name] = plot
            if item not in self._plot_grid.items:
                self._arrange()
        return plot

    def _columns_for(self, n: int) -> int:
        """Columns of the plot grid for `n` plots: the arrangement whose plots come closest
        to a landscape shape (`PLOT_ASPECT` wide for 1 tall), among those that keep every
        plot at least `MIN_PLOT_HEIGHT` tall (the most columns when none does)."""
        width, height = self.graphics.width(), self.graphics.height()
        if n <= 1 or width <= 0 or height <= 0:
            return max(min(n, 2), 1)
        best, best_score = n, -1.0
        for cols in range(1, n + 1):
            rows = math.ceil(n / cols)
            if height / rows < MIN_PLOT_HEIGHT:
                continue
            score = min(width / cols, PLOT_ASPECT * height / rows)
            if score > best_score:
                best, best_score = cols, score
        return best

    def _arrange(self) -> None:
        """Lay the plots out again in `_columns_for` columns, in their order."""
        self._columns = self._columns_for(len(self.plots))
        items = [p.plot for p in self.plots.values()]
        for item in items:
            if item in self._plot_grid.items:
                self._plot_grid.removeItem(item)
        for i, item in enumerate(items):
            self._plot_grid.addItem(item, row=i // self._columns, col=i % self._columns)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        QTimer.singleShot(0, self._arrange_if_needed)  # once the graphics have their size

    def _arrange_if_needed(self) -> None:
        if self.plots and self._columns_for(len(self.plots)) != self._columns:
            self._arrange()

    def add_chunk(self, chunk: Any) -> None:
        """Append a `BatchChunk`'s per-batch values (x = position in epochs)."""
        x = np.asarray(chunk.epoch_pos, dtype=np.float64)
        for key, values in chunk.series.items():
            if key.startswith("val_") or key in ("batch", "size"):
                continue
            self.plot_for(key).add_batches(x, np.asarray(values, dtype=np.float64))

    def add_epoch(self, epoch: int, logs: Mapping[str, Any]) -> None:
        """Append an epoch's training and validation values at x = epoch + 1."""
        x = float(epoch) + 1.0
        for key, value in logs.items():
            try:
                v = float(value)
            except (TypeError, ValueError):
                continue
            if key.startswith("val_"):
                self.plot_for(key[4:]).add_epoch("val", x, v)
            else:
                self.plot_for(key).add_epoch("train", x, v)

    def add_epoch_event(self, event: Any) -> None:
        self.add_epoch_events((event,))

    def add_epoch_events(self, events: Sequence[Any]) -> None:
        """Append the epochs of one delivery (`EpochEnded`s), each series in one piece:
        a fast network delivers dozens of epochs ten times a second."""
        columns: dict[tuple[str, str], tuple[list[float], list[float]]] = {}
        for event in events:
            x = float(event.epoch) + 1.0
            for key, value in dict(event.logs).items():
                try:
                    v = float(value)
                except (TypeError, ValueError):
                    continue
                where = (key[4:], "val") if key.startswith("val_") else (key, "train")
                xs, ys = columns.setdefault(where, ([], []))
                xs.append(x)
                ys.append(v)
        for (key, series), (xs, ys) in columns.items():
            self.plot_for(key).add_epochs(series, np.asarray(xs), np.asarray(ys))

    def clear(self) -> None:
        for plot in self.plots.values():
            plot.clear()
        self.redraw()
        self.readout.setText("")

    def set_run_end(self, epochs: float | None) -> None:
        """The epoch the coming run ends at (None: unknown). The epoch axis grows in steps
        of half its span but never past it, so the last steps of a run, where a fast
        network crosses hundreds of epochs a second, lay the axes out once, not each time."""
        self._x_end = None if epochs is None or epochs <= 0 else float(epochs)
        for plot in self.plots.values():
            plot.x_end = self._x_end

    def reset(self, metrics: Iterable[str] = ()) -> None:
        """Start over with no data: the loss plot and one plot per name in `metrics` (the
        coming run's), and no chart left for a metric of another run or task.

        A plot that is there already is emptied, not made again, and a missing one is made
        now, before the run's thread starts: a new plot costs ~20 ms and its first paint
        ~10 ms more, and made at a run's first delivery that was the longest the window
        stalled during a run (74-120 ms with the rest of that delivery)."""
        metrics = tuple(metrics)
        wanted = {"loss", *metrics}
        gone = [n for n in self.plots if n not in wanted]
        for name in gone:
            self._plot_grid.removeItem(self.plots.pop(name).plot)
        self.plot_for("loss")  # made first, with the panel: it leads the epoch axis
        if gone:
            self._arrange()
        for name in metrics:
            self.plot_for(name)
        self.clear()

    def show_curves(self, batch_curves: Mapping[str, Any], history: Mapping[str, Any]) -> None:
        """Draw saved curves (a restored model): the per-batch series ("epoch_pos" and one
        array per log) and the per-epoch logs (None where a value was missing)."""
        self.reset()
        pos = batch_curves.get("epoch_pos")
        if pos is not None and len(pos):
            series = {k: v for k, v in batch_curves.items() if k != "epoch_pos"}
            self.add_chunk(SimpleNamespace(epoch_pos=pos, series=series))
        epochs = max((len(v) for v in history.values()), default=0)
        for i in range(epochs):
            logs = {k: v[i] for k, v in history.items() if i < len(v) and v[i] is not None}
            self.add_epoch(i, logs)
        self.redraw()

    # -- drawing ---------------------------------------------------------------------------
    def _frame(self) -> None:
        """The timer's tick: redraw what changed, and pace the next tick by what the last
        frames cost the GUI thread's CPU (this redraw plus the paints since the last counted
        frame; not the wall time, which counts waits for the GIL while the worker runs)."""
        t0 = time.thread_time()
        if not self.redraw():
            return
        painted = self.graphics.paint_cpu
        self.pacer.add(time.thread_time() - t0 + painted - self._painted)
        self._painted = painted
        self._timer.setInterval(round(self.pacer.interval() * 1000))

    def redraw(self) -> bool:
        """Give the changed curves their new data; False when nothing had changed."""
        if not any(plot.dirty for plot in self.plots.values()):
            return False
        self.redraws += 1
        if self.gate is None:
            self._redraw_plots()
            return True
        with self.gate.busy():
            self._redraw_plots()
        return True

    def _redraw_plots(self) -> None:
        for plot in self.plots.values():
            plot.redraw()
        # A range change leaves the view's transform to be updated at the start of the next
        # paint, which then invalidates the scene and costs a second paint; update it now.
        for plot in self.plots.values():
            plot.plot.vb.prepareForPaint()

    def set_log_scale(self, on: bool) -> None:
        self._log_y = bool(on)
        if self.log_action.isChecked() != self._log_y:
            self.log_action.setChecked(self._log_y)
        for plot in self.plots.values():
            plot.log_y = self._log_y
            plot.plot.setLogMode(y=self._log_y)
            plot.stale = set(SERIES)
            plot.dirty = True
            if plot.follow:
                plot.follow_data(reset=True)
        self.redraw()

    def autoscale(self) -> None:
        """Fit every plot to its data and follow new data again."""
        for plot in self.plots.values():
            plot.autoscale()

    def _on_mouse_moved(self, pos: QPointF) -> None:
        for name, plot in self.plots.items():
            vb = plot.plot.vb
            if not plot.plot.sceneBoundingRect().contains(pos):
                continue
            x = float(vb.mapSceneToView(pos).x())
            self.show_readout(name, x)
            return

    def show_readout(self, name: str, x: float) -> str:
        values = self.plots[name].value_at(x)
        parts = [f"{SERIES_LABELS[s]} {v:.4g}" for s, v in values.items()]
        text = f"{name} at epoch {x:.2f}: " + (", ".join(parts) if parts else "no data")
        self.readout.setText(text)
        self.hoverText.emit(text)
        return text

    # -- export ----------------------------------------------------------------------------
    def export_png(self, path: str | os.PathLike[str]) -> bool:
        self.redraw()
        return bool(self.graphics.grab().save(str(path), "PNG"))

    def rows(self) -> Iterable[tuple[str, str, float, float]]:
        for name, plot in self.plots.items():
            xs, ys = plot.raw_batch.view()
            for x, y in zip(xs.tolist(), ys.tolist(), strict=True):
                yield name, "batch", x, y
            for s in ("batch", "train", "val"):
                label = "batch_smoothed" if s == "batch" else s
                xs, ys = plot.buffers[s].view()
                for x, y in zip(xs.tolist(), ys.tolist(), strict=True):
                    yield name, label, x, y

    def export_csv(self, path: str | os.PathLike[str]) -> int:
        """Write every curve as rows quantity,series,epoch,value; returns the row count."""
        n = 0
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["quantity", "series", "epoch", "value"])
            for row in self.rows():
                writer.writerow([row[0], row[1], repr(row[2]), repr(row[3])])
                n += 1
        return n

    def _export_png_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export curves as PNG", "curves.png", "PNG image (*.png)"
        )
        if path:
            self.export_png(path)

    def _export_csv_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export curves as CSV", "curves.csv", "CSV file (*.csv)"
        )
        if path:
            self.export_csv(path)
