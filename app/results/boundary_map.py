"""The decision-boundary map: the network's prediction over a plane through the user's data.

`BoundaryMap` shows a `core.evaluation` boundary plan as a pyqtgraph map:
the predicted class (paler where the network is unsure) or, for regression,
the predicted value as a heat map, with the training points on top in their
class colours. Two pickers choose the plane: two numeric inputs (the other
inputs held at their median, which the page says) or "PCA (all features)".
The default is the two most important inputs once there is a trained model
to rank them with, else the only two inputs, else PCA. The map is drawn from
`app.live_model.LiveModel`'s twin, never from the model being trained; it
redraws when the twin takes new weights (about ten times a second during a
run, at most `MAX_HZ`), after a run and when a model is restored. A network
with one input shows a curve and a sentence saying why; data with text
inputs only shows the reason instead of a map. Every choice, caption and
colour comes from `core.evaluation.boundary_map`; this module only draws.
`app.results.boundary_view` puts it on the workspace's Boundary page.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.live_model import LiveModel
from app.plots import _GatedGraphicsLayoutWidget as GatedGraphics
from app.session import TrainingSession
from app.worker import GUI_GATE
from core.errors import LayerForgeError
from core.evaluation.boundary import CURVE, BoundaryPlan, BoundaryRenderer, plan_for_dataset
from core.evaluation.boundary_map import (
    AXIS_PCA,
    Choice,
    axis_options,
    axis_title,
    axis_units,
    choice_of,
    grid_rgba,
    held_note,
    numeric_positions,
    pick_axis,
    point_rgba,
    rank_features,
)
from core.evaluation.plots import PALETTE
from core.evaluation.results import target_units

#: Most redraws a second (the twin takes weights about ten times a second).
MAX_HZ = 10.0
#: Cells per axis of the map.
RESOLUTION = 200
NO_DATA = "Open a CSV in the Data panel: the map shows what the network predicts across it."
NO_MODEL = "Press Start: the map shows what the network predicts, and moves as it learns."


class BoundaryMap(QWidget):
    """The decision-boundary map of the session's model; see the module docstring.

    Signals: `redrawn()` after each redraw of the map (or curve).
    """

    redrawn = Signal()

    def __init__(
        self, session: TrainingSession, live: LiveModel, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("BoundaryMap")
        self.session = session
        self.live = live
        self.plan: BoundaryPlan | None = None
        self.redraws = 0
        self._renderer: BoundaryRenderer | None = None
        self._dataset: Any = None
        self._ranked: list[int] = []
        self._chosen: Choice | None = None  # the user's pick; None: the default
        #: The default axes wait for a ranking (a restored model); `_ranked` is that ranking.
        self._rank_pending = False
        self._ranked_valid = False
        self._units: tuple[tuple[float, float], ...] = ()
        self._value_range = (0.0, 1.0)
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
        self.rate = QLabel()
        self.rate.setObjectName("boundaryRate")
        self.rate.setProperty("role", "muted")
        self.note = QLabel()
        self.note.setObjectName("boundaryNote")
        self.note.setProperty("role", "muted")
        self.note.setWordWrap(True)
        self.explanation = QLabel()
        self.explanation.setObjectName("boundaryExplanation")
        self.explanation.setWordWrap(True)
        self.legend = QLabel()
        self.legend.setObjectName("boundaryLegend")
        self.legend.setWordWrap(True)

        self.graphics = GatedGraphics(GUI_GATE)
        self.graphics.setBackground("w")
        self.plot: pg.PlotItem = self.graphics.addPlot()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.image = pg.ImageItem()
        self.points = pg.ScatterPlotItem(size=7, pen=pg.mkPen(255, 255, 255, 230, width=1))
        self.curves: list[pg.PlotDataItem] = []
        self.plot.addItem(self.image)
        self.plot.addItem(self.points)

        pickers = QHBoxLayout()
        pickers.setContentsMargins(0, 0, 0, 0)
        pickers.addWidget(QLabel("Across:"))
        pickers.addWidget(self.x_picker)
        pickers.addSpacing(12)
        pickers.addWidget(QLabel("Up:"))
        pickers.addWidget(self.y_picker)
        pickers.addSpacing(12)
        pickers.addWidget(self.rate, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(pickers)
        layout.addWidget(self.note)
        layout.addWidget(self.explanation)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.legend)

        session.dataChanged.connect(self._on_data)
        session.modelChanged.connect(self._on_model)
        session.runStarted.connect(lambda _fresh: setattr(self, "_ranked_valid", False))
        live.weightsUpdated.connect(self._on_weights)
        self._on_data()
        self._on_model()

    # ------------------------------------------------------------------ state
    def shows_map(self) -> bool:
        """True when the page draws a 2-D map (not a curve, an explanation or nothing)."""
        return self.plan is not None and choice_of(self.plan) is not None

    def _on_data(self) -> None:
        dataset = self.session.dataset
        if dataset is not self._dataset:
            self._dataset = dataset
            self._chosen = None
            self._ranked = numeric_positions(dataset) if dataset is not None else []
            self._ranked_valid = False
        self._replan()

    def _on_model(self) -> None:
        """A trained model was restored (or the map is first built with one): rank the
        inputs with it, once the twin holds its weights, and default to the top two."""
        session = self.session
        if session.model is not None and session.epochs_done > 0 and not session.is_running():
            self._rank_pending = True
            self._ranked_valid = False
            self._rank()

    def _rank(self) -> None:
        """Rank the inputs with the trained twin (when idle); a pending default follows."""
        session, dataset = self.session, self.session.dataset
        if session.is_running() or session.epochs_done == 0 or dataset is None:
            return
        if not self.live.available:
            return
        if not self._ranked_valid:
            try:
                self._ranked = rank_features(self.live.predict, dataset)
            except LayerForgeError:
                return
            self._ranked_valid = True
        if self._rank_pending:
            self._rank_pending = False
            if self._chosen is None:
                self._replan()

    def _on_weights(self) -> None:
        self._rank()
        self.schedule()

    def _default_choice(self) -> Choice | None:
        dataset = self.session.dataset
        if self._chosen is not None:
            return self._chosen
        if dataset is not None and len(self._ranked) >= 2 and self.live.available:
            return (self._ranked[0], self._ranked[1])
        return None  # the plan's own default: the two inputs, else PCA

    def _replan(self) -> None:
        dataset = self.session.dataset
        self.plan, self._renderer = None, None
        if dataset is None:
            self._show_text(NO_DATA)
            return
        try:
            self.plan = plan_for_dataset(dataset, features=self._default_choice())
            if self.plan.drawable:
                self._renderer = BoundaryRenderer(self.plan, RESOLUTION)
        except LayerForgeError as exc:
            self._show_text(f"No map can be drawn: {' '.join(str(exc).split())}")
            return
        plan = self.plan
        units = target_units(getattr(dataset, "pipeline", None))
        if dataset.task.kind == "regression" and len(dataset.y_train):
            values = units(dataset.y_train).ravel()
            self._value_range = (float(np.min(values)), float(np.max(values)))
        self._units = axis_units(plan, getattr(dataset, "pipeline", None))
        self._sync_pickers(dataset)
        self.note.setText(held_note(plan, getattr(dataset, "pipeline", None)))
        self.explanation.setText(plan.reason)
        self.explanation.setVisible(bool(plan.reason))
        self.graphics.setVisible(plan.drawable)
        self._draw_points()
        self._set_legend()
        self._stale = True
        self.schedule()

    def _show_text(self, text: str) -> None:
        for picker in (self.x_picker, self.y_picker):
            picker.clear()
            picker.setEnabled(False)
        self.note.setText("")
        self.legend.setText("")
        self.explanation.setText(text)
        self.explanation.setVisible(True)
        self.graphics.setVisible(False)
        self.image.clear()
        self.points.clear()

    def _sync_pickers(self, dataset: Any) -> None:
        plan = self.plan
        assert plan is not None
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
        current = choice_of(self.plan) if self.plan is not None else None
        if value is None or current is None:
            return
        self._chosen = pick_axis(current, which, value, self._ranked)
        self._replan()

    # ------------------------------------------------------------------ drawing
    def _display(self, u: np.ndarray, axis: int) -> np.ndarray:
        offset, scale = self._units[axis] if axis < len(self._units) else (0.0, 1.0)
        return offset + scale * np.asarray(u, dtype=np.float64)

    def _draw_points(self) -> None:
        plan, dataset = self.plan, self.session.dataset
        for curve in self.curves:
            self.plot.removeItem(curve)
        self.curves = []
        if plan is None or dataset is None or plan.points is None or not plan.drawable:
            self.points.clear()
            return
        kind = dataset.task.kind
        targets = np.asarray(plan.point_targets)
        colors = point_rgba(targets, kind, len(dataset.task.class_labels), self._value_range)
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
            lo, hi = self._value_range
            self.legend.setText(
                f"Colour: the predicted value, from {lo:.3g} (dark purple) to {hi:.3g} (yellow); "
                "the points are training rows in their own value's colour."
            )
            return
        items = " ".join(
            f"<span style='color:{PALETTE[k % len(PALETTE)]}'>■</span> {label}"
            for k, label in enumerate(dataset.task.class_labels[:8])
        )
        self.legend.setText(
            f"{items} &nbsp;·&nbsp; the map is the predicted class, paler where the network "
            "is unsure; the points are training rows."
        )

    def schedule(self) -> None:
        """Redraw soon: now, or when `1 / MAX_HZ` has passed since the last redraw."""
        self._stale = True
        if not self.isVisible():
            return
        wait = self._last_draw + 1.0 / MAX_HZ - time.perf_counter()
        if wait <= 0:
            self.redraw()
        elif not self._timer.isActive():
            self._timer.start(int(wait * 1000) + 1)

    def _predict(self, x: np.ndarray) -> np.ndarray:
        units = target_units(getattr(self.session.dataset, "pipeline", None))
        return units(self.live.predict(x))

    def redraw(self) -> None:
        """Draw the map (or curve) from the twin's current weights."""
        self._last_draw = time.perf_counter()
        self._stale = False
        self.rate.setText(self.live.rate_note())
        plan, renderer, dataset = self.plan, self._renderer, self.session.dataset
        if plan is None or renderer is None or dataset is None:
            return
        if not self.live.available:
            self.image.clear()
            for curve in self.curves:
                curve.clear()
            if not plan.reason:
                self.explanation.setText(NO_MODEL)
                self.explanation.setVisible(True)
            return
        if not plan.reason:
            self.explanation.setVisible(False)
        with GUI_GATE.busy():
            kind = dataset.task.kind
            grid = renderer.render(self._predict, kind, dataset.task.class_labels)
            if plan.mode == CURVE:
                self._draw_curve(grid)
            else:
                self._draw_image(grid)
        self.redraws += 1
        self.redrawn.emit()

    def _draw_image(self, grid: Any) -> None:
        rgba = grid_rgba(grid, self._value_range)
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
        if not self.curves:
            self.curves = [self.plot.plot(pen=pg.mkPen(PALETTE[0], width=2))]
        self.curves[0].setData(self._display(grid.xs, 0), ys)

    # ------------------------------------------------------------------ visibility
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self.live.acquire(self)
        if self._stale:
            QTimer.singleShot(0, self.schedule)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt override)
        super().hideEvent(event)
        self.live.release(self)
