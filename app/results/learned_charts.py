"""The pyqtgraph charts of the "What it learned" page: layer histograms and labelled bars.

`HistogramGrid` draws one row per layer (its name above), weights on the left
and gradients on the right: the shown epoch's histogram filled, the first
recorded epoch's as a grey outline behind it, the spread (standard deviation)
in the title, on axes fixed over the whole run (so moving through
the epochs shows the distribution move, not the axes). `BarChart` draws
labelled horizontal bars, first item at the top, with optional error whiskers
and a colour for negative values; when there are more names than rows its height
shows legibly (30 columns of a real table), the first ones are drawn and a last
row says how many smaller ones are left out. `shown()` returns what is drawn,
which the tests read. Both only draw what they are given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.theme import MUTED, TEXT

__all__ = ["BarChart", "HistogramGrid"]

_FILL = {"weights": (53, 102, 214, 150), "gradients": (230, 120, 20, 150)}
_LINE = {"weights": (40, 80, 180), "gradients": (200, 95, 10)}
_FIRST = pg.mkPen((150, 156, 166), width=1, style=pg.QtCore.Qt.PenStyle.DashLine)
ROW_HEIGHT = 150


def _range(snapshots: Sequence[Any], kind: str) -> tuple[float, float, float] | None:
    """(low, high, top count) over every epoch's `kind` histogram of one layer."""
    hists = [getattr(s, kind) for s in snapshots if getattr(s, kind) is not None]
    hists = [h for h in hists if h.total]
    if not hists:
        return None
    low = min(float(h.edges[0]) for h in hists)
    high = max(float(h.edges[-1]) for h in hists)
    top = max(float(h.counts.max()) for h in hists)
    return low, high, top


class _Cell:
    """One plot: the shown epoch's histogram over the first epoch's outline."""

    def __init__(self, plot: pg.PlotItem, kind: str) -> None:
        self.plot, self.kind = plot, kind
        plot.showGrid(x=True, y=False, alpha=0.2)
        plot.hideButtons()
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        plot.getAxis("left").setStyle(showValues=False)
        plot.getAxis("left").setWidth(8)
        bottom = plot.getAxis("bottom")
        bottom.enableAutoSIPrefix(False)
        bottom.setStyle(maxTickLevel=0)  # major ticks only: small plots, no crowded labels
        self.first = pg.PlotDataItem(stepMode="center", pen=_FIRST)
        self.current = pg.PlotDataItem(
            stepMode="center", fillLevel=0, brush=_FILL[kind], pen=pg.mkPen(_LINE[kind], width=1)
        )
        plot.addItem(self.first)
        plot.addItem(self.current)
        self.counts: np.ndarray | None = None
        self.edges: np.ndarray | None = None

    def show(self, hist: Any | None, first: Any | None, span: Any, title: str) -> None:
        self.plot.setTitle(title, color=MUTED, size="8pt")
        if hist is None or not hist.total:
            self.current.setData([], [])
            self.first.setData([], [])
            self.counts = self.edges = None
            return
        self.counts, self.edges = hist.counts, hist.edges
        self.current.setData(hist.edges, hist.counts)
        if first is not None and first.total and first is not hist:
            self.first.setData(first.edges, first.counts)
        else:
            self.first.setData([], [])
        if span is not None:
            low, high, top = span
            self.plot.setXRange(low, high, padding=0.02)
            self.plot.setYRange(0, top * 1.05, padding=0)


def _title(kind: str, hist: Any | None) -> str:
    if hist is None or not hist.total:
        return f"{kind}: {'none yet' if kind == 'gradients' else 'no finite values'}"
    return f"{kind} · sd {hist.std:.1e}" if 0 < hist.std < 1e-3 else f"{kind} · sd {hist.std:.3g}"


class HistogramGrid(pg.GraphicsLayoutWidget):
    """Weights and gradients histograms, one row per layer (see the module docstring)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setBackground("w")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.layers: list[str] = []
        self.cells: dict[tuple[str, str], _Cell] = {}
        self._spans: dict[tuple[str, str], Any] = {}
        self._first: dict[str, Any] = {}

    def set_layers(self, layers: Sequence[str], histories: Mapping[str, Sequence[Any]]) -> None:
        """Lay out one row per layer; the axes span each layer's whole history."""
        if list(layers) != self.layers:
            self.clear()
            self.cells = {}
            for row, name in enumerate(layers):
                label = self.addLabel(name, row=2 * row, col=0, colspan=2, color=TEXT, bold=True)
                label.setMaximumHeight(22)
                for col, kind in enumerate(("weights", "gradients")):
                    plot = self.addPlot(row=2 * row + 1, col=col)
                    plot.setMinimumWidth(120)
                    self.cells[(name, kind)] = _Cell(plot, kind)
            self.layers = list(layers)
            self.setMinimumHeight(ROW_HEIGHT * max(len(self.layers), 1))
        self._spans = {
            (name, kind): _range(histories.get(name, ()), kind)
            for name in self.layers
            for kind in ("weights", "gradients")
        }
        self._first = {name: (histories.get(name) or [None])[0] for name in self.layers}

    def show_epoch(self, snapshots: Mapping[str, Any]) -> None:
        """Draw each layer's snapshot (a `LayerSnapshot`) of the chosen epoch."""
        for name in self.layers:
            snap, first = snapshots.get(name), self._first.get(name)
            for kind in ("weights", "gradients"):
                hist = getattr(snap, kind) if snap is not None else None
                first_hist = getattr(first, kind) if first is not None else None
                self.cells[(name, kind)].show(
                    hist, first_hist, self._spans.get((name, kind)), _title(kind, hist)
                )


class _NamesAxis(pg.AxisItem):
    """A left axis that writes a name at each whole-number position."""

    def __init__(self) -> None:
        super().__init__("left")
        self.names: list[str] = []
        self.setTextPen(pg.mkPen(TEXT))

    def set_names(self, names: Sequence[str]) -> None:
        self.names = list(names)
        self.setTicks([[(i, n) for i, n in enumerate(self.names)]])


class BarChart(pg.PlotWidget):
    """Horizontal bars with names, first at the top (see the module docstring)."""

    def __init__(self, parent: QWidget | None = None, *, x_label: str = "") -> None:
        self.names_axis = _NamesAxis()
        super().__init__(parent, axisItems={"left": self.names_axis}, background="w")
        item = self.getPlotItem()
        item.hideButtons()
        item.setMenuEnabled(False)
        item.setMouseEnabled(x=False, y=False)
        item.showGrid(x=True, y=False, alpha=0.2)
        item.invertY(True)
        item.getAxis("bottom").setTextPen(pg.mkPen(MUTED))
        item.getAxis("bottom").enableAutoSIPrefix(False)
        if x_label:
            item.setLabel("bottom", x_label, color=MUTED)
        self.zero = pg.InfiniteLine(pos=0, angle=90, pen=pg.mkPen((120, 126, 136), width=1))
        item.addItem(self.zero)
        self.bars: pg.BarGraphItem | None = None
        self.whiskers: pg.ErrorBarItem | None = None
        self._names: list[str] = []
        self._values = np.zeros(0)
        self._all: tuple[list[str], np.ndarray, Sequence[float] | None] = ([], np.zeros(0), None)
        self._colours = ((53, 102, 214), (214, 69, 69))

    #: Height of one bar's row, in pixels: fewer rows than names fit, the rest are summed up.
    ROW_PX = 14

    def set_bars(
        self,
        names: Sequence[str],
        values: Sequence[float],
        errors: Sequence[float] | None = None,
        *,
        positive: tuple[int, int, int] = (53, 102, 214),
        negative: tuple[int, int, int] = (214, 69, 69),
    ) -> None:
        """Bars for `names` in the order given (put the largest first): as many as the
        chart's height gives a readable row, and a last row saying how many more there are."""
        self._all = ([str(n) for n in names], np.asarray(values, dtype=np.float64), errors)
        self._colours = (positive, negative)
        self.setMinimumHeight(min(70 + 12 * len(self._all[0]), 200))
        self._draw()

    def rows_that_fit(self) -> int:
        """How many bars the chart's current height shows legibly (at least 3)."""
        plot_px = self.height() - 45  # the bottom axis and its label
        return max(3, plot_px // self.ROW_PX)

    def _draw(self) -> None:
        item = self.getPlotItem()
        for old in (self.bars, self.whiskers):
            if old is not None:
                item.removeItem(old)
        self.bars = self.whiskers = None
        names, values, errors = self._all
        positive, negative = self._colours
        fit = self.rows_that_fit()
        hidden = len(names) - fit + 1 if len(names) > fit else 0
        keep = len(names) - hidden
        self._names = names[:keep] + ([f"… {hidden} more, smaller"] if hidden else [])
        self._values = values[:keep]
        self.names_axis.set_names(self._names)
        n = len(self._values)
        if n == 0:
            return
        y = np.arange(n, dtype=np.float64)
        v = self._values
        brushes = [pg.mkBrush(*(positive if b >= 0 else negative)) for b in v]
        self.bars = pg.BarGraphItem(
            x0=np.minimum(v, 0), y=y, width=np.abs(v), height=0.62, brushes=brushes, pen=None
        )
        item.addItem(self.bars)
        err = None if errors is None else np.asarray(errors, dtype=np.float64)[:keep]
        if err is not None:
            self.whiskers = pg.ErrorBarItem(
                x=v, y=y, left=err, right=err, beam=0.18, pen=pg.mkPen((60, 66, 76), width=1)
            )
            item.addItem(self.whiskers)
        span = np.abs(v) + (err if err is not None else 0)
        reach = float(np.max(span)) if span.size else 1.0
        reach = reach if reach > 0 else 1.0
        low = -reach if (v < 0).any() else 0.0
        item.setXRange(low, reach, padding=0.06)
        item.setYRange(-0.6, len(self._names) - 0.4, padding=0)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        drawn = getattr(self, "_all", None)  # None while the base class is being built
        if drawn is not None and len(drawn[0]) > 0:
            self._draw()

    def shown(self) -> list[tuple[str, float]]:
        """(name, value) of each bar drawn, top to bottom."""
        if self.bars is None:
            return []
        opts = self.bars.opts
        x0, width = np.asarray(opts["x0"]), np.asarray(opts["width"])
        drawn = np.where(x0 < 0, x0, width)  # a negative bar starts at its value
        return [(self._names[int(i)], float(v)) for i, v in zip(opts["y"], drawn, strict=True)]
