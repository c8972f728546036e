"""The decision-boundary map: the network's prediction over a plane through the user's data.

`BoundaryMap` draws a `app.results.boundary_state.BoundaryState` (the plan
every map of the window shares) with pyqtgraph: the predicted class (paler
where the network is unsure) or, for regression, the predicted value as a
heat map, with the training points on top in their class colours. The full
map (the Boundary page) has two pickers that choose the plane: two numeric
inputs (the other inputs held at their median, which it says) or "PCA (all
features)"; the compact map (beside the plots on the Training page) shows
the same plane with one line saying which. Maps are drawn from
`app.live_model.LiveModel`'s twin, never from the model being trained: a
visible map redraws when the twin takes new weights (about five times a
second during a run, at most `MAX_HZ`, the compact map `COMPACT_MAX_HZ`),
after a run and when a model is restored. A network with one input shows a
curve and a sentence saying why; data with text inputs only shows the reason
instead of a map. Every choice,
caption and colour comes from `core.evaluation.boundary_map`; this module
only draws.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QTimer, Signal
from PySide6.QtGui import QHideEvent, QPainter, QShowEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.live_model import LiveModel
from app.plots import _GatedGraphicsLayoutWidget as GatedGraphics
from app.results.boundary_state import COMPACT_RESOLUTION, RESOLUTION, BoundaryState
from app.widgets.labels import make_label
from app.worker import GUI_GATE
from core.evaluation.boundary import CURVE
from core.evaluation.boundary_map import (
    AXIS_PCA,
    axis_options,
    axis_title,
    choice_of,
    grid_rgba,
    held_note,
    point_rgba,
)
from core.evaluation.plots import PALETTE

#: Most redraws a second (the twin takes weights about five times a second during a
#: run, and more often when a paused run is stepped).
MAX_HZ = 10.0
#: The same for the compact map beside the live plots: it shares the window with them
#: during every run, and each redraw predicts its whole grid on the GUI thread (time the
#: training thread waits for the GIL), so it follows the run a few times a second.
COMPACT_MAX_HZ = 4.0
NO_MODEL = "Press Train: the map shows what the network predicts, and moves as it learns."


class BoundaryMap(QWidget):
    """One view of the window's `BoundaryState`; see the module docstring.

    `compact`: no pickers, notes or legend, one caption line (for the Training page).
    Signals: `redrawn()` after each redraw of the map (or curve).
    """

    redrawn = Signal()

    def __init__(
        self,
        state: BoundaryState,
        live: LiveModel,
        parent: QWidget | None = None,
        *,
        compact: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("BoundaryMapCompact" if compact else "BoundaryMap")
        self.state = state
        self.session = state.session
        self.live = live
        self.compact = compact
        self.redraws = 0
        self._curve_items: list[pg.PlotDataItem] = []
        self._last_draw = -1.0
        self._stale = True
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.redraw)

        self.x_picker = QComboBox()
        self.x_picker.setObjectName("boundaryX")
        self.y_picker = QComboBox()
        self.y_picker.setObjectName("boundaryY")
        for which, picker in enumerate((self.x_picker, self.y_picker)):
            picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            picker.activated.connect(lambda index, w=which: self._picked(w, index))
        self.rate = make_label(name="boundaryRate", role="muted", wrap=False)
        self.note = make_label(name="boundaryNote", role="muted")
        self.explanation = make_label(name="boundaryExplanation")
        self.legend = make_label(name="boundaryLegend")
        self.caption = make_label(name="boundaryCaption", role="muted")

        self.graphics = GatedGraphics(GUI_GATE)
        self.graphics.setBackground("w")
        # cells scaled up smoothly: a soft edge where the class changes, not a staircase
        self.graphics.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        self.plot: pg.PlotItem = self.graphics.addPlot()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.image = pg.ImageItem()
        size = 5 if compact else 7
        self.points = pg.ScatterPlotItem(size=size, pen=pg.mkPen(255, 255, 255, 230, width=1))
        self.plot.addItem(self.image)
        self.plot.addItem(self.points)

        layout = QVBoxLayout(self)
        if compact:
            layout.setContentsMargins(0, 0, 0, 0)
            layout.addWidget(self.caption)
            layout.addWidget(self.explanation)
            layout.addWidget(self.graphics, 1)
            layout.addWidget(self.legend)
            self.plot.getAxis("left").setWidth(36)
        else:
            pickers = QHBoxLayout()
            pickers.setContentsMargins(0, 0, 0, 0)
            pickers.addWidget(QLabel("Across:"))
            pickers.addWidget(self.x_picker)
            pickers.addSpacing(12)
            pickers.addWidget(QLabel("Up:"))
            pickers.addWidget(self.y_picker)
            pickers.addSpacing(12)
            pickers.addWidget(self.rate, 1)
            layout.setContentsMargins(6, 6, 6, 6)
            layout.addLayout(pickers)
            layout.addWidget(self.note)
            layout.addWidget(self.explanation)
            layout.addWidget(self.graphics, 1)
            layout.addWidget(self.legend)

        state.planChanged.connect(self._on_plan)
        live.weightsUpdated.connect(self.schedule)
        self._on_plan()

    # ------------------------------------------------------------------ the plane
    @property
    def plan(self) -> Any:
        return self.state.plan

    def shows_map(self) -> bool:
        """True when this draws a 2-D map (not a curve, an explanation or nothing)."""
        return self.state.shows_map()

    def _on_plan(self) -> None:
        plan, dataset = self.state.plan, self.session.dataset
        if plan is None or dataset is None:
            self._show_text(self.state.problem)
            return
        self._sync_pickers(dataset)
        self.note.setText(held_note(plan, getattr(dataset, "pipeline", None)))
        self.caption.setText(self._caption())
        self.caption.setToolTip(self.note.text())
        self.explanation.setText(plan.reason)
        self.explanation.setVisible(bool(plan.reason))
        self.graphics.setVisible(plan.drawable)
        self._draw_points()
        self._set_legend()
        self.schedule()

    def _caption(self) -> str:
        plan = self.state.plan
        if plan is None or not plan.drawable:
            return ""
        if choice_of(plan) == AXIS_PCA:
            return f"Decision boundary: PCA of all {len(plan.feature_names)} inputs"
        if plan.mode == CURVE:
            return f"Prediction along '{plan.axis_names[0]}'"
        held = " (others at their median)" if len(plan.feature_names) > 2 else ""
        return f"Decision boundary: {plan.axis_names[0]} × {plan.axis_names[1]}{held}"

    def _show_text(self, text: str) -> None:
        for picker in (self.x_picker, self.y_picker):
            picker.clear()
            picker.setEnabled(False)
        for label in (self.note, self.legend, self.caption):
            label.setText("")
        self.explanation.setText(text)
        self.explanation.setVisible(True)
        self.graphics.setVisible(False)
        self.image.clear()
        self.points.clear()

    def _sync_pickers(self, dataset: Any) -> None:
        plan = self.state.plan
        choice = choice_of(plan)
        options = axis_options(dataset) if choice is not None else []
        for which, picker in enumerate((self.x_picker, self.y_picker)):
            picker.blockSignals(True)
            picker.clear()
            for option in options:
                picker.addItem(option.label, option.value)
            if choice == AXIS_PCA:
                picker.setCurrentIndex(0)
            elif choice is not None:
                picker.setCurrentIndex(max(picker.findData(choice[which]), 0))
            elif which < len(plan.axis_names):  # a curve: its one input, nothing to choose
                picker.addItem(plan.axis_names[which])
            picker.setEnabled(len(options) > 2)
            picker.blockSignals(False)

    def _picked(self, which: int, index: int) -> None:
        picker = self.x_picker if which == 0 else self.y_picker
        value = picker.itemData(index)
        if value is not None:
            self.state.choose(which, value)

    # ------------------------------------------------------------------ drawing
    def _display(self, u: np.ndarray, axis: int) -> np.ndarray:
        units = self.state.units
        offset, scale = units[axis] if axis < len(units) else (0.0, 1.0)
        return offset + scale * np.asarray(u, dtype=np.float64)

    @property
    def curves(self) -> list[pg.PlotDataItem]:
        """The curve drawn for a one-input network (empty otherwise)."""
        return self._curve_items

    def _draw_points(self) -> None:
        plan, dataset = self.state.plan, self.session.dataset
        for curve in self._curve_items:
            self.plot.removeItem(curve)
        self._curve_items = []
        if plan is None or dataset is None or plan.points is None or not plan.drawable:
            self.points.clear()
            return
        kind = dataset.task.kind
        targets = np.asarray(plan.point_targets)
        colors = point_rgba(targets, kind, len(dataset.task.class_labels), self.state.value_range)
        brushes = [pg.mkBrush(*c) for c in colors]
        xs = self._display(plan.points[:, 0], 0)
        if plan.mode == CURVE:
            ys = targets.astype(np.float64)
            self.plot.setLabel("left", self._curve_title(kind))
        else:
            ys = self._display(plan.points[:, 1], 1)
            self.plot.setLabel("left", axis_title(plan, 1))
        self.plot.setLabel("bottom", axis_title(plan, 0))
        self.points.setData(x=xs, y=ys, brush=brushes)
        (x0, x1) = plan.ranges[0]
        self.plot.setXRange(*self._display(np.array([x0, x1]), 0), padding=0)
        if plan.mode != CURVE:
            (y0, y1) = plan.ranges[1]
            self.plot.setYRange(*self._display(np.array([y0, y1]), 1), padding=0)
        else:
            self.plot.enableAutoRange(axis="y")
            self.image.clear()

    def _curve_title(self, kind: str) -> str:
        labels = self.session.dataset.task.class_labels if self.session.dataset else ()
        if kind == "regression":
            return "predicted value"
        if kind == "binary" and len(labels) == 2:
            return f"probability of '{labels[1]}'"
        return "predicted class"

    def _set_legend(self) -> None:
        dataset = self.session.dataset
        if dataset is None or self.plan is None or not self.plan.drawable:
            self.legend.setText("")
            return
        if dataset.task.kind == "regression":
            lo, hi = self.state.value_range
            if self.compact:
                self.legend.setText(f"predicted value: {lo:.3g} (purple) to {hi:.3g} (yellow)")
                return
            self.legend.setText(
                f"Colour: the predicted value, from {lo:.3g} (dark purple) to {hi:.3g} (yellow); "
                "the points are training rows in their own value's colour."
            )
            return
        items = " ".join(
            f"<span style='color:{PALETTE[k % len(PALETTE)]}'>■</span> {label}"
            for k, label in enumerate(dataset.task.class_labels[:8])
        )
        if self.compact:
            self.legend.setText(f"{items} &nbsp;·&nbsp; paler: unsure")
            return
        self.legend.setText(
            f"{items} &nbsp;·&nbsp; the map is the predicted class, paler where the network "
            "is unsure; the points are training rows."
        )

    def schedule(self) -> None:
        """Redraw soon: now, or when `1 / MAX_HZ` (`COMPACT_MAX_HZ`) has passed since the
        last redraw."""
        self._stale = True
        if not self.isVisible():
            return
        hz = COMPACT_MAX_HZ if self.compact else MAX_HZ
        wait = self._last_draw + 1.0 / hz - time.perf_counter()
        if not self.live.available and wait <= 0:
            # The model went away: Train drops the old one and loads the new run's first
            # weights in the same click. Drawn at once, the "no model" text came and went
            # within ~0.3 s (the map shrank and grew back, two relayouts of the page);
            # after the click's other slots the twin is loaded again.
            if not self._timer.isActive():
                self._timer.start(0)
        elif wait <= 0:
            self.redraw()
        elif not self._timer.isActive():
            self._timer.start(int(wait * 1000) + 1)

    def redraw(self) -> None:
        """Draw the map (or curve) from the twin's current weights (when on screen; a
        hidden map keeps its picture and redraws when it is shown again)."""
        if not self.isVisible():
            self._stale = True
            return
        self._last_draw = time.perf_counter()
        self._stale = False
        self.rate.setText(self.live.rate_note())
        plan, dataset = self.state.plan, self.session.dataset
        renderer = self.state.renderer(COMPACT_RESOLUTION if self.compact else RESOLUTION)
        if plan is None or renderer is None or dataset is None:
            return
        if not self.live.available:
            self.image.clear()
            for curve in self._curve_items:
                curve.clear()
            if not plan.reason:
                self.explanation.setText(NO_MODEL)
                self.explanation.setVisible(True)
            return
        if not plan.reason:
            self.explanation.setVisible(False)
        # The whole redraw runs inside the GUI gate: the training thread waits (GIL
        # released) instead of trading the GIL with the prediction at every NumPy call.
        with GUI_GATE.busy():
            kind, labels = dataset.task.kind, dataset.task.class_labels
            grid = renderer.render(self.state.predict, kind, labels)
            if plan.mode == CURVE:
                self._draw_curve(grid)
            else:
                self._draw_image(grid, grid_rgba(grid, self.state.value_range))
        self.redraws += 1
        self.redrawn.emit()

    def _draw_image(self, grid: Any, rgba: np.ndarray) -> None:
        self.image.setImage(rgba.transpose(1, 0, 2), autoLevels=False, levels=(0, 255))
        xs, ys = self._display(grid.xs, 0), self._display(grid.ys, 1)
        dx = (xs[-1] - xs[0]) / max(len(xs) - 1, 1)
        dy = (ys[-1] - ys[0]) / max(len(ys) - 1, 1)
        self.image.setRect(
            QRectF(xs[0] - dx / 2, ys[0] - dy / 2, xs[-1] - xs[0] + dx, ys[-1] - ys[0] + dy)
        )

    def _draw_curve(self, grid: Any) -> None:
        if grid.kind == "binary" and grid.confidence is not None:
            ys = grid.confidence[0]
        elif grid.kind == "regression":
            ys = grid.predicted[0]
        else:
            ys = grid.predicted[0].astype(np.float64)
        if not self._curve_items:
            self._curve_items = [self.plot.plot(pen=pg.mkPen(PALETTE[0], width=2))]
        self._curve_items[0].setData(self._display(grid.xs, 0), ys)

    # ------------------------------------------------------------------ visibility
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self.live.acquire(self)
        if self._stale:
            QTimer.singleShot(0, self.schedule)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt override)
        super().hideEvent(event)
        self.live.release(self)
