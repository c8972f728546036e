"""The forecast plot of a series (pyqtgraph): the actual values along time with the
model's forecasts of the evaluated part (test, else validation) over them.

The training, validation and test parts are shaded and named; the x axis shows dates
when the series has a time column, else the row number in time order. For a horizon
above 1 a choice picks how many steps ahead to show (t+1 first). "Forecasts" (the
first view: the forecasts and as much of the series before them) and "Whole series"
set the x range; the mouse zooms and pans as in every chart. Every
number comes from `core.evaluation.forecast`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QLabel,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from app.results.curves import COLORS
from app.results.parts import heading, titled

#: Fill of each part of the series (training, validation, test), with some alpha.
SHADES = {"training": (0, 114, 178, 18), "validation": (230, 159, 0, 30), "test": (0, 158, 115, 30)}
ACTUAL = (110, 120, 135)


class ForecastPanel(QWidget):
    """See the module docstring; `set_forecast(f)` draws a `core` `Forecast`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("forecastPanel")
        self.forecast: Any = None
        self.step = 1
        self.plot = pg.PlotWidget(background="w")
        self.plot.setObjectName("forecastPlot")
        self.plot.setMinimumHeight(220)
        item = self.plot.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.15)
        item.hideButtons()
        item.setMenuEnabled(False)
        item.setMouseEnabled(x=True, y=False)
        item.setAutoVisible(y=True)  # the y range follows the part of the series in view
        self.legend = item.addLegend(offset=(10, 8), labelTextColor="#1f2430")
        self.legend.setBrush(pg.mkBrush(255, 255, 255, 220))
        self.actual_curve = item.plot([], [], pen=pg.mkPen(ACTUAL, width=1), name="actual")
        self.forecast_curve = item.plot([], [], pen=pg.mkPen(COLORS[1], width=2), name="forecast")
        for curve in (self.actual_curve, self.forecast_curve):
            curve.setClipToView(True)
            curve.setDownsampling(auto=True, method="peak")
        self._regions: list[Any] = []
        self._dated: bool | None = None
        self.steps = QComboBox()
        self.steps.setObjectName("forecastStep")
        self.steps.setToolTip("How many steps ahead of each window the forecasts shown are")
        self.zoom = QPushButton("Forecasts")
        self.zoom.setToolTip("Show the forecasts with the part of the series before them")
        self.whole = QPushButton("Whole series")
        group = QButtonGroup(self)
        for b in (self.zoom, self.whole):
            b.setCheckable(True)
            group.addButton(b)
        self.zoom.setChecked(True)
        self.caption = QLabel()
        self.caption.setObjectName("forecastCaption")
        self.caption.setProperty("role", "muted")
        # one line, cut when narrow (the tooltip holds it all): a wrapping label would make
        # the scroll area size the charts by their preferred heights, below the fold
        self.caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        titled(
            self,
            heading("Forecast along time"),
            [self.steps, self.zoom, self.whole],
            [self.caption, self.plot],
        )
        self.steps.currentIndexChanged.connect(lambda i: self.show_step(i + 1))
        self.whole.clicked.connect(self._fit_x)
        self.zoom.clicked.connect(self._fit_x)

    # ------------------------------------------------------------------ drawing
    def set_forecast(self, forecast: Any) -> None:
        """Draw `forecast` (a `core.evaluation.forecast.Forecast`) from its first step."""
        self.forecast = forecast
        self._set_axis(forecast.dated)
        item = self.plot.getPlotItem()
        item.setLabel("left", forecast.target)
        item.setLabel(
            "bottom", f"time ('{forecast.time_column}')" if forecast.dated else "row (time order)"
        )
        for region in self._regions:
            item.removeItem(region)
        self._regions = []
        known = forecast.actual[np.isfinite(forecast.actual)]
        bottom = float(min(known.min(), forecast.predicted.min())) if len(known) else 0.0
        for span in forecast.spans:
            region = pg.LinearRegionItem(
                (span.x0, span.x1),
                movable=False,
                brush=pg.mkBrush(*SHADES.get(span.name, (128, 128, 128, 20))),
                pen=pg.mkPen(None),
            )
            region.setZValue(-10)
            item.addItem(region)
            # a TextItem, not an InfLineLabel: parenting a label to the region's line
            # crashes PySide6 6.11 with pyqtgraph 0.14
            label = pg.TextItem(span.name, color="#52606d", anchor=(0, 1))
            label.setPos(span.x0, bottom)
            item.addItem(label, ignoreBounds=True)
            self._regions += [region, label]
        self.actual_curve.setData(forecast.x, forecast.actual, connect="finite")
        self.steps.blockSignals(True)
        self.steps.clear()
        self.steps.addItems([f"{name} ahead" for name in forecast.step_names()])
        self.steps.blockSignals(False)
        self.steps.setVisible(forecast.horizon > 1)
        self.show_step(1)
        self._fit_x()

    def show_step(self, k: int) -> None:
        """Show the forecasts `k` steps ahead of each window."""
        f = self.forecast
        if f is None or not 1 <= k <= f.horizon:
            return
        self.step = k
        if self.steps.currentIndex() != k - 1:
            self.steps.setCurrentIndex(k - 1)
        s = f.step(k)
        self.forecast_curve.setData(s.x, s.predicted)
        self.legend.getLabel(self.forecast_curve).setText(f"forecast t+{k} ({f.split})")
        ahead = "the row right after" if k == 1 else f"row {k} after"
        self.caption.setText(
            f"{len(s.rows):,} {f.split} forecasts (orange), each for {ahead} its window, "
            f"off by {s.mae:.4g} on average; grey: the actual series ({f.n_rows:,} rows)."
        )
        self.caption.setToolTip(self.caption.text())

    def _fit_x(self) -> None:
        f = self.forecast
        if f is None:
            return
        item = self.plot.getPlotItem()
        if self.zoom.isChecked() and len(f.starts):
            s = f.step(self.step)
            lo, hi = float(s.x.min()), float(s.x.max())
            # as much of the series before the forecasts as they span, and a bit more
            item.setXRange(max(lo - 1.25 * (hi - lo), float(f.x[0])), hi, padding=0.02)
        else:
            item.setXRange(float(f.x[0]), float(f.x[-1]), padding=0.01)
        item.enableAutoRange(axis="y")

    def _set_axis(self, dated: bool) -> None:
        """Dates (UTC, as the series gives them) or plain numbers on the x axis."""
        if self._dated == dated:
            return
        self._dated = dated
        axis = (
            pg.DateAxisItem(orientation="bottom", utcOffset=0) if dated else pg.AxisItem("bottom")
        )
        self.plot.getPlotItem().setAxisItems({"bottom": axis})
