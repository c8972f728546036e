"""The Results page: the headline on top, the charts of the task, the predictions table.

`ResultsView(hub)` shows the hub's current evaluation: the sentence and the
model-vs-baseline metrics first (visible without scrolling), then, for
classification, the confusion matrix (counts or row shares; for two classes
the threshold slider), the per-class metrics and the ROC/PR curves, or, for
regression, predicted against actual and the residuals (for a series, under
the forecast along time); the predictions
table sits on the right. Clicking a matrix cell lists that cell's rows in the
table ("Show all rows" clears it). Without results the page says why
(nothing trained yet, a run in progress, a problem). The page redraws only
while it is on screen: results that arrive while another page is shown are
drawn when it comes forward; the pyqtgraph charts are built on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.results.class_table import ClassTable
from app.results.confusion import ConfusionMatrix
from app.results.headline import Headline
from app.results.hub import READY, ResultsHub
from app.results.parts import Pair, heading, titled
from app.results.predictions import PredictionsPanel
from app.results.threshold import ThresholdSlider

if TYPE_CHECKING:
    from app.results.curves import CurvesPanel
    from app.results.forecast import ForecastPanel
    from app.results.regression import RegressionPanel


class MatrixCard(QWidget):
    """The confusion matrix with its counts / row-share toggle and the threshold slider."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.matrix = ConfusionMatrix()
        self.counts_button = QPushButton("Counts")
        self.share_button = QPushButton("Row %")
        self.share_button.setToolTip("Each actual class's row as shares of its rows")
        group = QButtonGroup(self)
        for b in (self.counts_button, self.share_button):
            b.setCheckable(True)
            group.addButton(b)
        self.counts_button.setChecked(True)
        self.threshold = ThresholdSlider()
        buttons = [self.counts_button, self.share_button]
        titled(self, heading("Confusion matrix"), buttons, [self.matrix, self.threshold], grow=0)
        self.share_button.toggled.connect(self.matrix.set_normalized)


class ResultsView(QWidget):
    """The page over a `ResultsHub`; see the module docstring."""

    def __init__(self, hub: ResultsHub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultsView")
        self.hub = hub
        self.status = QLabel()
        self.status.setObjectName("resultsStatus")
        self.status.setProperty("role", "heading")
        self.status.setWordWrap(True)
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.headline = Headline()
        self.card = MatrixCard()
        self.matrix = self.card.matrix
        self.threshold = self.card.threshold
        self.class_table = ClassTable()
        self.predictions = PredictionsPanel()
        self._curves: CurvesPanel | None = None
        self._regression: RegressionPanel | None = None
        self._forecast: ForecastPanel | None = None

        self.charts = QWidget()
        self.charts.setObjectName("resultsCharts")
        self.classification = QWidget()
        per_class = QWidget()
        side = QVBoxLayout(per_class)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(heading("Per class"))
        side.addWidget(self.class_table)
        side.addStretch(1)
        self._class_layout = QVBoxLayout(self.classification)
        self._class_layout.setContentsMargins(0, 0, 0, 0)
        self._class_layout.addWidget(Pair(self.card, per_class, 620, (3, 2)))
        self._charts_layout = QVBoxLayout(self.charts)
        self._charts_layout.setContentsMargins(0, 0, 6, 0)
        self._charts_layout.addWidget(self.classification)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.charts)
        self.body = QSplitter(Qt.Orientation.Horizontal)
        self.body.setChildrenCollapsible(False)
        self.body.addWidget(scroll)
        self.body.addWidget(self.predictions)
        self.body.setStretchFactor(0, 1)
        self.body.setStretchFactor(1, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 8)
        layout.setSpacing(8)
        layout.addWidget(self.status)
        layout.addWidget(self.headline)
        layout.addWidget(self.body, 1)

        self._dirty = True
        self._actual: Any = None  # the rows of the evaluation shown (a new one clears a filter)
        self._cell: tuple[int, int] | None = None
        hub.changed.connect(self.refresh)
        self.matrix.cellClicked.connect(self.show_cell)
        self.threshold.thresholdChanged.connect(hub.set_threshold)
        self.predictions.show_all.clicked.connect(self._clear_cell)
        self.refresh()

    # ------------------------------------------------------------------ saved layout
    def layout_state(self) -> QByteArray:
        """Where the person put the divider between the charts and the table."""
        return self.body.saveState()

    def restore_layout_state(self, state: QByteArray) -> bool:
        return bool(self.body.restoreState(state))

    # ------------------------------------------------------------------ lazily built charts
    @property
    def curves(self) -> CurvesPanel:
        if self._curves is None:
            from app.results.curves import CurvesPanel

            self._curves = CurvesPanel()
            self._curves.roc.setObjectName("rocPlot")
            self._curves.pr.setObjectName("prPlot")
            self._class_layout.addWidget(heading("ROC and precision–recall"))
            pair = Pair(self._curves.roc, self._curves.pr, 520)
            self._class_layout.addWidget(pair, 1)
            pair.show()  # added to a page on screen: not shown by the layout until later
        return self._curves

    @property
    def forecast(self) -> ForecastPanel:
        """The forecast along time of a series, above the regression charts."""
        if self._forecast is None:
            from app.results.forecast import ForecastPanel

            self._forecast = ForecastPanel()
            self._charts_layout.insertWidget(1, self._forecast, 3)
        return self._forecast

    @property
    def regression(self) -> RegressionPanel:
        if self._regression is None:
            from app.results.regression import RegressionPanel

            self._regression = RegressionPanel()
            panel = self._regression
            self.regression_charts = Pair(panel.scatter, panel.residuals, 520)
            self.regression_charts.setObjectName("regressionCharts")
            self._charts_layout.addWidget(self.regression_charts, 2)
        return self._regression

    # ------------------------------------------------------------------ drawing
    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self._dirty:
            self.refresh()

    def refresh(self) -> None:
        """Show the hub's state (now when on screen, else when the page comes forward)."""
        if not self.isVisible():
            self._dirty = True
            return
        self._dirty = False
        ev = self.hub.evaluation
        ready = self.hub.status == READY and ev is not None
        self.status.setText(self.hub.message)
        self.headline.setVisible(ready)  # hide before showing: one layout pass, not two
        self.body.setVisible(ready)
        self.status.setVisible(not ready)
        if not ready:
            self._actual = None
            return
        if ev.actual is not self._actual:  # another evaluation, not another threshold
            self._actual = ev.actual
            self._cell = None
            self.predictions.set_filter(None)
        self.headline.set_evaluation(ev)
        if ev.is_classification:
            self._show_classification(ev)
        else:
            self.regression.set_evaluation(ev)
            if ev.forecast is not None:
                self.forecast.set_forecast(ev.forecast)
        if self._forecast is not None:
            self._forecast.setVisible(ev.forecast is not None)
        self.classification.setVisible(ev.is_classification)
        if self._regression is not None:
            self.regression_charts.setVisible(not ev.is_classification)
        self.predictions.set_table(ev.predictions)
        if self._cell is not None:
            self.show_cell(*self._cell)

    def _show_classification(self, ev: Any) -> None:
        report = ev.model.classification
        self.matrix.set_report(report)
        self.matrix.select(self._cell)
        self.class_table.set_report(report)
        binary = ev.task == "binary"
        self.threshold.setVisible(binary)
        if binary:
            self.threshold.set_threshold(float(ev.threshold), ev.labels[1])
        if self.curves.drawn is ev.model.roc:  # the same curves at another threshold
            self.curves.set_threshold(ev)
        else:
            self.curves.set_evaluation(ev)

    # ------------------------------------------------------------------ the cell filter
    def show_cell(self, actual: int, predicted: int) -> None:
        """List the rows of matrix cell (actual, predicted) in the predictions table."""
        ev = self.hub.evaluation
        if ev is None or ev.model.classification is None:
            return
        report = ev.model.classification
        self._cell = (actual, predicted)
        self.matrix.select(self._cell)
        a, p = report.labels[actual], report.labels[predicted]
        self.predictions.set_filter(
            report.cell_rows(actual, predicted), f"actual '{a}', predicted '{p}'"
        )

    def _clear_cell(self) -> None:
        self._cell = None
        self.matrix.select(None)
