"""The "What it learned" page (key "weights"): histograms through time, importance, explanations.

Three parts, each a view of `LearnedHub`: per-layer weight and gradient
histograms with a slider (and a play button) through the recorded epochs,
live during a run; permutation feature importance on the validation rows as
a bar chart, most important at the top; and the explanation of one evaluated
row (the test rows, else validation: the rows of the Results page's
predictions table) as each input column's contribution, with a row picker and
a "Worst row" button. `explain_row(index)` opens the page on a row, for other
pages: a double-click (or Enter) on a row of the Results page's predictions
table does so. The pyqtgraph parts are built when the page is first shown (pyqtgraph
is slow to import), and redraws wait until the page is visible. The positions of
its dividers are part of the person's saved layout (`layout_state`). `install(window)`
is the one call the main window makes: the hub, the page, and the health
badges on the canvas cards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.results.learned_hub import LearnedHub
from app.session import describe
from app.widgets.splitters import make_splitter, pack_splitters, unpack_splitters
from app.worker import GUI_GATE
from core.errors import LayerForgeError

if TYPE_CHECKING:
    from app.results.learned_charts import BarChart, HistogramGrid
    from core.evaluation.learned import RowExplanation

__all__ = ["LearnedUI", "LearnedView", "install"]

PAGE_KEY, PAGE_TITLE = "weights", "What it learned"
#: Coalesce histogram redraws during a run (ms): at most ~5 a second.
REDRAW_MS = 200
#: Time per epoch while playing through the histograms (ms).
PLAY_MS = 120
METHODS = (
    ("Integrated gradients", "integrated_gradients"),
    ("Gradient × input", "gradient_x_input"),
)


def _muted(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "muted")
    label.setWordWrap(True)
    return label


class LearnedView(QWidget):
    """The page (see the module docstring). `pageRequested` asks to be brought forward."""

    pageRequested = Signal()

    def __init__(self, hub: LearnedHub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.setObjectName("learnedView")
        self.built = False
        self._dirty = True
        self._follow = True
        self._epochs: list[int] = []
        self.explanation: RowExplanation | None = None
        self._saved_layout: QByteArray | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(10, 8, 10, 8)
        self.status = _muted()
        self.status.setObjectName("learnedStatus")
        self._layout.addWidget(self.status)
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.setInterval(REDRAW_MS)
        self._redraw_timer.timeout.connect(self._redraw_if_visible)
        self._play_timer = QTimer(self)
        self._play_timer.setInterval(PLAY_MS)
        self._play_timer.timeout.connect(self._play_step)
        hub.histogramsChanged.connect(self._histograms_changed)
        hub.modelChanged.connect(self._model_changed)
        hub.importanceChanged.connect(self._show_importance)
        hub.session.stateChanged.connect(lambda _state: self._update_status())
        self._update_status()

    # ------------------------------------------------------------------ building
    def ensure_built(self) -> None:
        """Build the charts (imports pyqtgraph) unless they are there."""
        if self.built:
            return
        from app.results.learned_charts import BarChart, HistogramGrid

        self.built = True
        importance = self._importance_box(BarChart(x_label="score lost when shuffled"))
        explain = self._explain_box(BarChart(x_label="◀ lowers · raises the prediction ▶"))
        vertical, horizontal = Qt.Orientation.Vertical, Qt.Orientation.Horizontal
        side = make_splitter(vertical, "learnedSide", [(importance, 2), (explain, 3)])
        histograms = self._histogram_box(HistogramGrid())
        split = make_splitter(horizontal, "learnedSplit", [(histograms, 1), (side, 1)])
        split.setSizes([560, 500])
        self._layout.addWidget(split, 1)
        self.splitters = (split, side)
        if self._saved_layout is not None:
            unpack_splitters(self._saved_layout, *self.splitters)
        self._histograms_changed()
        self._model_changed()
        self._show_importance()

    def _histogram_box(self, grid: HistogramGrid) -> QGroupBox:
        box = QGroupBox("Weights and gradients, layer by layer")
        lay = QVBoxLayout(box)
        caption = _muted(
            "Filled: the epoch on the slider; dashed: the first epoch. Gradients: each "
            "epoch's last batch."
        )
        caption.setToolTip(
            "Weights that stay where they started, or gradients that shrink to a spike at 0, "
            "mean that the layer has stopped learning."
        )
        lay.addWidget(caption)
        self.grid = grid
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(grid)
        lay.addWidget(scroll, 1)
        row = QHBoxLayout()
        self.play_button = QPushButton("▶ Play")
        self.play_button.setObjectName("learnedPlay")
        self.play_button.setToolTip("Step through the epochs")
        self.play_button.clicked.connect(self.toggle_play)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("learnedEpochSlider")
        self.slider.setRange(0, 0)
        self.slider.valueChanged.connect(self._slider_moved)
        self.epoch_label = QLabel("")
        self.epoch_label.setObjectName("learnedEpochLabel")
        self.epoch_label.setMinimumWidth(120)
        row.addWidget(self.play_button)
        row.addWidget(self.slider, 1)
        row.addWidget(self.epoch_label)
        lay.addLayout(row)
        return box

    def _importance_box(self, chart: BarChart) -> QGroupBox:
        box = QGroupBox("Which inputs matter")
        lay = QVBoxLayout(box)
        self.importance_caption = _muted()
        self.importance_caption.setObjectName("importanceCaption")
        self.importance_chart = chart
        lay.addWidget(self.importance_caption)
        lay.addWidget(chart, 1)
        return box

    def _explain_box(self, chart: BarChart) -> QGroupBox:
        box = QGroupBox("Why this prediction")
        lay = QVBoxLayout(box)
        row = QHBoxLayout()
        row.addWidget(QLabel("Row"))
        self.row_spin = QSpinBox()
        self.row_spin.setObjectName("explainRow")
        self.row_spin.setRange(1, 1)
        self.row_spin.setKeyboardTracking(False)
        self.row_spin.valueChanged.connect(lambda _v: self._explain_current())
        self.worst_button = QPushButton("Worst row")
        self.worst_button.setObjectName("explainWorst")
        self.worst_button.setToolTip("The row the model got most wrong")
        self.worst_button.clicked.connect(self.explain_worst)
        self.method = QComboBox()
        self.method.setObjectName("explainMethod")
        for text, key in METHODS:
            self.method.addItem(text, key)
        self.method.currentIndexChanged.connect(lambda _i: self._explain_current())
        self.rows_label = QLabel()
        self.rows_label.setProperty("role", "muted")
        row.addWidget(self.row_spin)
        row.addWidget(self.rows_label)
        row.addStretch(1)
        row.addWidget(self.worst_button)
        row.addWidget(self.method)
        lay.addLayout(row)
        self.sentence = QLabel("")
        self.sentence.setObjectName("explainSentence")
        self.sentence.setWordWrap(True)
        self.explain_chart = chart
        lay.addWidget(self.sentence)
        lay.addWidget(chart, 1)
        return box

    def layout_state(self) -> QByteArray:
        """The dividers' positions, for the person's saved layout."""
        if self.built:
            return pack_splitters(*self.splitters)
        return QByteArray(self._saved_layout) if self._saved_layout is not None else QByteArray()

    def restore_layout_state(self, state: QByteArray) -> bool:
        """Positions saved by `layout_state` (applied when the page is built)."""
        if self.built:
            return unpack_splitters(state, *self.splitters)
        self._saved_layout = QByteArray(state)
        return True

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self.ensure_built()
        if self._dirty:
            QTimer.singleShot(0, self._redraw_if_visible)

    # ------------------------------------------------------------------ status
    def _update_status(self) -> None:
        session = self.hub.session
        recorded = len(self.hub.histograms)
        if session.is_running():
            text = (
                "Training: the histograms follow each epoch. Importance and explanations "
                "come when the run ends."
            )
        elif self.hub.ready:
            text = (
                f"The trained model after {session.epochs_done} epoch(s). Importance is "
                "measured on the validation rows; explanations on the rows of the Results page."
            )
        elif recorded:
            text = "The model was dropped; train again to measure importance."
        else:
            text = "Train the network to see what it learned."
        self.status.setText(text)

    # ------------------------------------------------------------------ histograms
    def _histograms_changed(self) -> None:
        self._dirty = True
        self._update_status()
        if len(self.hub.histograms) < len(self._epochs):  # cleared: never show the old run
            self._redraw_if_visible()
        elif not self._redraw_timer.isActive():
            self._redraw_timer.start()

    def _redraw_if_visible(self) -> None:
        if self.built and self.isVisible():
            self.redraw_histograms()

    def redraw_histograms(self) -> None:
        """Take the recorded epochs, move the slider's range, draw the chosen epoch."""
        self._dirty = False
        recorder = self.hub.histograms
        self._epochs = recorder.epochs
        layers = recorder.layers
        with GUI_GATE.busy():
            self.grid.set_layers(layers, {name: recorder.history(name) for name in layers})
            last = max(len(self._epochs) - 1, 0)
            follow = self._follow or self.slider.value() > last
            self.slider.blockSignals(True)
            self.slider.setRange(0, last)
            if follow:
                self.slider.setValue(last)
            self.slider.blockSignals(False)
            self.slider.setEnabled(len(self._epochs) > 1)
            self.play_button.setEnabled(len(self._epochs) > 1)
            self._show_epoch()

    def _slider_moved(self, value: int) -> None:
        self._follow = value >= self.slider.maximum()
        with GUI_GATE.busy():
            self._show_epoch()

    def _show_epoch(self) -> None:
        if not self._epochs:
            self.grid.show_epoch({})
            self.epoch_label.setText("no epochs yet")
            return
        epoch = self._epochs[min(self.slider.value(), len(self._epochs) - 1)]
        self.grid.show_epoch(self.hub.histograms.at(epoch))
        self.epoch_label.setText(f"epoch {epoch + 1} of {self._epochs[-1] + 1}")

    @property
    def redraw_pending(self) -> bool:
        """True while new histograms wait for the page to be visible (or the redraw timer)."""
        return self._dirty

    def shown_epoch(self) -> int | None:
        """The epoch (0-based) the histograms show, None before any."""
        if not self._epochs:
            return None
        return self._epochs[min(self.slider.value(), len(self._epochs) - 1)]

    def toggle_play(self) -> None:
        if self._play_timer.isActive():
            self._play_timer.stop()
            self.play_button.setText("▶ Play")
            return
        if self.slider.value() >= self.slider.maximum():
            self.slider.setValue(0)
        self._play_timer.start()
        self.play_button.setText("■ Stop")

    def _play_step(self) -> None:
        if self.slider.value() >= self.slider.maximum():
            self.toggle_play()
            return
        self.slider.setValue(self.slider.value() + 1)

    # ------------------------------------------------------------------ model, importance
    def _model_changed(self) -> None:
        self._update_status()
        if not self.built:
            return
        n = self.hub.row_count() if self.hub.ready else 0
        for w in (self.row_spin, self.worst_button, self.method):
            w.setEnabled(n > 0)
        self.explanation = None
        self.explain_chart.set_bars([], [])
        if n == 0:
            self.rows_label.setText("")
            self.sentence.setText("Explanations come after training.")
            return
        ev = self.hub.evaluation()
        self.rows_label.setText(f"of {n} {ev.split if ev is not None else ''} rows")
        self.row_spin.blockSignals(True)
        self.row_spin.setRange(1, n)
        self.row_spin.blockSignals(False)
        self._explain_current()

    def _show_importance(self) -> None:
        if not self.built:
            return
        imp = self.hub.importance
        if imp is None:
            self.importance_chart.set_bars([], [])
            note = self.hub.importance_note or (
                "Measured when a run ends." if not self.hub.ready else ""
            )
            self.importance_caption.setText(note)
            return
        feats = imp.features
        self.importance_chart.set_bars(
            [f.name for f in feats], [f.mean for f in feats], [f.std for f in feats]
        )
        base = imp.baseline_score
        score = f"{base:.1%} accuracy" if imp.metric == "accuracy" else f"RMSE {base:.4g}"
        unused = all(f.mean == 0 and f.std == 0 for f in feats)
        self.importance_caption.setText(
            f"The {imp.describe()} ({imp.n_rows} validation rows; unshuffled: {score}). "
            + (
                "No column changes the score: the model gives every row the same answer "
                "(see the badges on the Network page)."
                if unused
                else "Near 0: the model hardly uses it."
            )
        )
        self.importance_caption.setToolTip(
            "Each column is shuffled 5 times and the model scored again; the whiskers show the "
            "spread over those shuffles."
        )

    # ------------------------------------------------------------------ explanations
    def explain_row(self, index: int) -> bool:
        """Show the explanation of evaluated row `index` (0-based, as in the Results page's
        predictions table) and ask to bring the page forward. False when there is no
        trained model or no such row (the page says why)."""
        self.ensure_built()
        self.pageRequested.emit()
        n = self.hub.row_count() if self.hub.ready else 0
        if not 0 <= index < n:
            self.sentence.setText(
                f"There is no row {index + 1} to explain: train the network first."
                if n == 0
                else f"There is no row {index + 1}: the evaluated rows are 1 to {n}."
            )
            return False
        self.row_spin.blockSignals(True)
        self.row_spin.setValue(index + 1)
        self.row_spin.blockSignals(False)
        return self._explain_current()

    def explain_worst(self) -> bool:
        pos = self.hub.worst_position() if self.hub.ready else None
        return pos is not None and self.explain_row(pos)

    def _explain_current(self) -> bool:
        if not self.hub.ready:
            return False
        try:
            position = self.row_spin.value() - 1
            self.explanation = self.hub.explain(position, self.method.currentData())
        except (LayerForgeError, ValueError, FloatingPointError) as exc:
            self.explanation = None
            self.explain_chart.set_bars([], [])
            self.sentence.setText(f"This row could not be explained: {describe(exc)}")
            return False
        names = [name for name, _ in self.explanation.contributions]
        values = [value for _, value in self.explanation.contributions]
        self.explain_chart.set_bars(names, values, positive=(46, 125, 50))
        self.sentence.setText(self.explanation.sentence)
        self.sentence.setToolTip(
            "Each bar is how much that input moved the prediction from what the model predicts "
            "for an average row: green raised it, red lowered it."
        )
        return True


@dataclass
class LearnedUI:
    """What `install` made: the hub and the page."""

    hub: LearnedHub
    view: LearnedView


def install(window: Any) -> LearnedUI:
    """Add the "What it learned" page to `window.workspace` and the health badges to its
    canvas; needs the training UI (`window.training.session`) installed first."""
    session = window.training.session
    hub = LearnedHub(session, window)
    view = LearnedView(hub)
    window.workspace.add_page(
        PAGE_KEY, PAGE_TITLE, view, tip="Weights, gradients, feature importance, explanations"
    )
    view.pageRequested.connect(lambda: window.workspace.show_page(PAGE_KEY))
    hub.healthChanged.connect(window.view.canvas.set_health)
    window.view.canvas.set_health(hub.shown_health)
    results = getattr(window, "results", None)
    if results is not None:
        explain_from_predictions(results.view.predictions, view)
    return LearnedUI(hub, view)


def explain_from_predictions(panel: Any, view: LearnedView) -> None:
    """A double-click (or Enter) on a row of the predictions table `panel` explains it."""

    def explain(index: Any) -> None:
        shown = panel.model.shown
        if index.isValid() and 0 <= index.row() < len(shown):
            view.explain_row(int(shown[index.row()]))

    panel.view.activated.connect(explain)
    panel.view.setStatusTip("Double-click a row to see why the model predicted it")
