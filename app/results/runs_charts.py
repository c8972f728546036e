"""The Runs page's charts: the loss and main-metric curves of several runs, overlaid.

`RunCharts.show(records, colour_of)` draws each run's training curve (solid)
and validation curve (dashed) in its colour on two pyqtgraph plots, loss and
the metric `core.evaluation.runs.overlay_metric` picks for them, with a
legend by run id. Imported only when the Runs page is first shown
(pyqtgraph is not loaded at start-up).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QWidget

from app.results.curves import COLORS
from core.evaluation.runs import RunRecord, overlay_metric


def _plot(title: str) -> pg.PlotWidget:
    w = pg.PlotWidget(background="w")
    w.setMinimumHeight(200)
    item = w.getPlotItem()
    item.setTitle(title, size="10pt", color="#1f2430")
    item.setLabel("bottom", "epoch")
    item.showGrid(x=True, y=True, alpha=0.15)
    item.hideButtons()
    item.setMenuEnabled(False)
    return w


def _values(values: Sequence[float | None]) -> np.ndarray:
    return np.array([math.nan if v is None else float(v) for v in values], dtype=float)


def _rising(curves: Sequence[Sequence[float | None]]) -> bool:
    """True when the curves end higher than they start, on the whole."""
    ends = [
        (float(c[-1]), float(c[0]))
        for c in curves
        if len(c) > 1 and c[0] is not None and c[-1] is not None
    ]
    return bool(ends) and sum(last - first for last, first in ends) > 0


class RunCharts(QWidget):
    """The loss plot and the metric plot, side by side; see the module docstring."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loss = _plot("Loss")
        self.metric = _plot("Metric")
        self.metric_name: str | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.loss, 1)
        row.addWidget(self.metric, 1)

    def show_runs(self, records: Sequence[RunRecord], colour_of: Callable[[str], int]) -> None:
        """Draw these runs; `colour_of(run_id)` is the run's colour number (stable)."""
        self.metric_name = overlay_metric(records)
        name = self.metric_name
        self._draw(self.loss, "loss", "Loss", records, colour_of)
        title = name.replace("_", " ").capitalize() if name else "No metric"
        self._draw(self.metric, name, title, records, colour_of)

    def _draw(
        self,
        widget: pg.PlotWidget,
        name: str | None,
        title: str,
        records: Sequence[RunRecord],
        colour_of: Callable[[str], int],
    ) -> None:
        item = widget.getPlotItem()
        item.clear()
        if item.legend is not None:
            item.legend.scene().removeItem(item.legend)
            item.legend = None
        # The legend goes where the curves are not: top right over falling curves (a loss),
        # bottom right over rising ones (an accuracy).
        rising = name is not None and _rising([r.history.get(name) or [] for r in records])
        item.addLegend(
            offset=(-8, -8) if rising else (-8, 8),
            labelTextSize="8pt",
            brush=pg.mkBrush(255, 255, 255, 220),
        )
        if not records:
            title = f"{title}: select runs in the table"
        elif name is not None:
            title = f"{title} (solid: training, dashed: validation)"
        item.setTitle(title, size="10pt", color="#1f2430")
        if name is None:
            return
        for record in records:
            color = COLORS[colour_of(record.id) % len(COLORS)]
            train, val = record.history.get(name), record.history.get(f"val_{name}")
            if train:
                x = np.arange(1, len(train) + 1)
                item.plot(x, _values(train), pen=pg.mkPen(color, width=2), name=record.id)
            if val:
                x = np.arange(1, len(val) + 1)
                dash = pg.mkPen(color, width=2, style=Qt.PenStyle.DashLine)
                item.plot(x, _values(val), pen=dash, name=None if train else record.id)

    @staticmethod
    def names(widget: pg.PlotWidget) -> list[str]:
        """The run ids in a plot's legend, in drawing order."""
        return [i.name() for i in widget.getPlotItem().listDataItems() if i.name()]
