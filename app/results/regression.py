"""Regression diagnostics (pyqtgraph): predicted against actual, and the residuals' histogram.

The scatter has the identity line (a perfect model puts every point on it);
with more than `MAX_POINTS` rows an evenly spread sample is drawn and the
title says so. The histogram of residuals (predicted − actual, in the
target's units) has a line at zero; bins are only for drawing, every number
comes from `core.evaluation`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg

from app.results.curves import COLORS

#: Most points the scatter draws (a sample beyond, spread evenly over the rows).
MAX_POINTS = 5_000
BINS = 30


def _plot(xlabel: str, ylabel: str) -> pg.PlotWidget:
    w = pg.PlotWidget(background="w")
    w.setMinimumHeight(200)
    item = w.getPlotItem()
    item.setLabel("bottom", xlabel)
    item.setLabel("left", ylabel)
    item.showGrid(x=True, y=True, alpha=0.15)
    item.hideButtons()
    item.setMenuEnabled(False)
    return w


class RegressionPanel:
    """Predicted vs actual and the residual histogram (the page lays them out).

    The plot items are made once; each evaluation only sets their data.
    """

    def __init__(self) -> None:
        self.scatter = _plot("actual", "predicted")
        self.residuals = _plot("residual (predicted − actual)", "rows")
        self.titles: dict[str, str] = {}
        self.points_drawn = 0
        dashed = pg.mkPen((150, 150, 150), width=1, style=pg.QtCore.Qt.PenStyle.DashLine)
        item = self.scatter.getPlotItem()
        self._identity = item.plot([0, 1], [0, 1], pen=dashed)
        self._points = pg.ScatterPlotItem(size=5, pen=None, brush=(*COLORS[0], 150))
        item.addItem(self._points)
        hist = self.residuals.getPlotItem()
        self._bars = pg.BarGraphItem(
            x0=[0], x1=[1], height=[0], brush=(*COLORS[0], 170), pen=pg.mkPen("w", width=0.5)
        )
        hist.addItem(self._bars)
        hist.addItem(pg.InfiniteLine(0, angle=90, pen=pg.mkPen((213, 94, 0), width=2)))

    def set_evaluation(self, ev: Any) -> None:
        report = ev.model.regression
        actual, predicted = report.actual, report.predicted
        target = f"'{ev.target}'" if ev.target else "the target"
        n = len(actual)
        idx = np.linspace(0, n - 1, MAX_POINTS).astype(np.int64) if n > MAX_POINTS else slice(None)
        lo = float(min(actual.min(), predicted.min()))
        hi = float(max(actual.max(), predicted.max()))
        pad = 0.02 * (hi - lo or 1.0)
        self._identity.setData([lo - pad, hi + pad], [lo - pad, hi + pad])
        xs, ys = actual[idx], predicted[idx]
        self.points_drawn = len(xs)
        self._points.setData(xs, ys)
        sample = f" ({self.points_drawn:,} of {n:,} rows drawn)" if n > MAX_POINTS else ""
        self.titles["scatter"] = f"Predicted against actual {target}{sample}"
        item = self.scatter.getPlotItem()
        item.setTitle(self.titles["scatter"], size="10pt", color="#1f2430")
        item.setXRange(lo - pad, hi + pad, padding=0)
        item.setYRange(lo - pad, hi + pad, padding=0)

        res = report.residuals
        span = float(np.max(np.abs(res))) or 1.0
        counts, edges = np.histogram(res, bins=BINS, range=(-span, span))
        self._bars.setOpts(x0=edges[:-1], x1=edges[1:], height=counts)
        hist = self.residuals.getPlotItem()
        self.titles["residuals"] = f"Residuals of {n:,} rows"
        hist.setTitle(self.titles["residuals"], size="10pt", color="#1f2430")
        hist.enableAutoRange()
