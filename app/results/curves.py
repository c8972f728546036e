"""ROC and precision-recall curves with their areas (pyqtgraph), one-vs-rest for many classes.

`CurvesPanel.set_evaluation(ev)` draws `ev.model.roc` (one curve per class,
the chance diagonal, the macro area in the title) and `ev.pr_curves` (with
each class's share of rows as its chance level). For a two-class task it also
marks the operating point of the current threshold on both curves, so the
slider's effect is visible there too. The legend gives each class's area.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg

from app.results.text import score

#: Line colours of the classes, in order (colour-blind-safe, Okabe-Ito).
COLORS = (
    (0, 114, 178),
    (213, 94, 0),
    (0, 158, 115),
    (204, 121, 167),
    (230, 159, 0),
    (86, 180, 233),
    (120, 120, 120),
    (240, 228, 66),
)


def _plot(title: str, xlabel: str, ylabel: str) -> pg.PlotWidget:
    w = pg.PlotWidget(background="w")
    w.setMinimumHeight(200)
    item = w.getPlotItem()
    item.setTitle(title, size="10pt", color="#1f2430")
    item.setLabel("bottom", xlabel)
    item.setLabel("left", ylabel)
    item.showGrid(x=True, y=True, alpha=0.15)
    item.setXRange(0, 1, padding=0.02)
    item.setYRange(0, 1, padding=0.02)
    item.setMouseEnabled(x=False, y=False)
    item.hideButtons()
    item.setMenuEnabled(False)
    return w


def _legend(label: str, curve: Any, binary: bool) -> str:
    """'AUC 0.851' (two classes), "setosa: AUC 0.990", or "virginica: no rows"."""
    if curve.auc is None:
        return f"{label}: no rows" if not binary else "no AUC (one class only)"
    return f"AUC {score(curve.auc)}" if binary else f"{label}: AUC {score(curve.auc)}"


class CurvesPanel:
    """The ROC plot and the precision-recall plot (the page lays them out).

    `set_evaluation` draws the curves; `set_threshold` moves only the operating
    point (the curves do not depend on the threshold).
    """

    def __init__(self) -> None:
        self.roc = _plot("ROC", "false positive rate", "true positive rate")
        self.pr = _plot("Precision–recall", "recall", "precision")
        self.titles: dict[str, str] = {}
        self.drawn: Any = None  # the ROC curves drawn now
        self._points: list[Any] = []

    def set_evaluation(self, ev: Any) -> None:
        roc_item, pr_item = self.roc.getPlotItem(), self.pr.getPlotItem()
        for item in (roc_item, pr_item):
            item.clear()
            if item.legend is not None:
                item.legend.scene().removeItem(item.legend)
                item.legend = None
            item.addLegend(offset=(8, -8) if item is pr_item else (-8, -8), labelTextSize="8pt")
        dashed = pg.mkPen((160, 160, 160), width=1, style=pg.QtCore.Qt.PenStyle.DashLine)
        roc_item.plot([0, 1], [0, 1], pen=dashed)
        model = ev.model
        binary = ev.task == "binary"
        for k, (label, curve) in enumerate(model.roc.items()):
            self._curve(roc_item, curve, k, _legend(label, curve, binary))
        for k, (label, curve) in enumerate(ev.pr_curves.items()):
            self._curve(pr_item, curve, k, _legend(label, curve, binary))
            if binary:  # chance level: the positive class's share of the rows
                share = float(np.mean(np.asarray(ev.actual) == 1)) if ev.n_rows else 0.0
                pr_item.plot([0, 1], [share, share], pen=dashed)
        roc_what = "ROC AUC" if binary else "ROC, macro AUC"
        self.titles["roc"] = f"{roc_what} {score(model.roc_auc)}"
        self._points = []
        if binary:
            self.titles["pr"] = f"Precision–recall, AUC {score(model.pr_auc)} ('{ev.labels[1]}')"
            spot = {"symbol": "o", "symbolSize": 9, "symbolBrush": (213, 94, 0), "pen": None}
            self._points = [roc_item.plot([0], [0], name="threshold", **spot)]
            self._points.append(pr_item.plot([0], [0], **spot))
            self.set_threshold(ev)
        else:
            self.titles["pr"] = "Precision–recall (one vs rest)"
        roc_item.setTitle(self.titles["roc"], size="10pt", color="#1f2430")
        pr_item.setTitle(self.titles["pr"], size="10pt", color="#1f2430")
        self.drawn = model.roc

    @staticmethod
    def _curve(item: Any, curve: Any, k: int, name: str) -> None:
        line = item.plot(
            curve.x, curve.y, pen=pg.mkPen(COLORS[k % len(COLORS)], width=2), name=name
        )
        line.setDownsampling(auto=True, method="peak")  # 100k-point curves draw fast
        line.setClipToView(True)

    def set_threshold(self, ev: Any) -> None:
        """Put the operating point at the threshold of `ev` (a two-class evaluation):
        ROC (1 - recall of class 0, recall of class 1), PR (recall, precision of class 1)."""
        if not self._points:
            return
        report = ev.model.classification
        recall, precision = report.recall, report.precision
        self._points[0].setData([1.0 - recall[0]], [recall[1]])
        self._points[1].setData([recall[1]], [precision[1]])
        legend = self.roc.getPlotItem().legend
        if legend is not None:
            legend.getLabel(self._points[0]).setText(f"threshold {ev.threshold:.2f}")
