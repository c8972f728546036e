"""The Training page: settings and controls on the left; the run's read-out and plots beside them.

`TrainingPage` only arranges widgets the training UI made: the fit checks and
the `TrainingPanel` (settings, buttons) in a column that scrolls only when
the window is very short, and beside it the panel's `readout` (position,
speed, latest values, test score, outcome) above the plots, which take the
rest of the page. `add_beside_plots` puts another live view to the right of
the plots (the compact decision-boundary map), behind a splitter of its own.
The splitter between the two sides can be dragged; its position is part of
the person's saved layout (`layout_state`).
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

from app.widgets.splitters import make_splitter, pack_splitters, unpack_splitters

#: Default width of the settings column (px): the form and two buttons a row.
SETTINGS_WIDTH = 360
#: Default width of a view beside the plots (px).
BESIDE_PLOTS_WIDTH = 380


def scrolling(widget: QWidget) -> QScrollArea:
    """`widget` in a frameless scroll area, so a tall panel never sets the window's height."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    # Panels lay themselves out to the column's width; they scroll only vertically.
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setWidget(widget)
    return scroll


class TrainingPage(QWidget):
    """`settings` (a column) beside `readout` over `plots`."""

    def __init__(
        self,
        settings: list[QWidget],
        readout: QWidget,
        plots: QWidget,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        column = QWidget()
        column.setObjectName("trainingSettings")
        column_layout = QVBoxLayout(column)
        column_layout.setContentsMargins(0, 0, 4, 0)
        for widget in settings:
            column_layout.addWidget(widget)
        column_layout.setStretch(column_layout.count() - 1, 1)
        self.settings_scroll = scrolling(column)
        self.settings_scroll.setMinimumWidth(280)

        right = QFrame()
        right.setObjectName("trainingRun")
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(8, 4, 0, 0)
        right_layout.setSpacing(6)
        right_layout.addWidget(readout)
        self.plots_splitter = make_splitter(
            Qt.Orientation.Horizontal, "trainingPlotsSplitter", [(plots, 1)]
        )
        right_layout.addWidget(self.plots_splitter, 1)

        self.splitter = make_splitter(
            Qt.Orientation.Horizontal,
            "trainingSplitter",
            [(self.settings_scroll, 0), (right, 1)],
        )
        self.splitter.setSizes([SETTINGS_WIDTH, 1000])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.splitter)

    def add_beside_plots(self, widget: QWidget) -> None:
        """Show `widget` to the right of the plots, `BESIDE_PLOTS_WIDTH` wide at first."""
        splitter = self.plots_splitter
        splitter.addWidget(widget)
        splitter.setStretchFactor(splitter.count() - 1, 0)
        total = max(sum(splitter.sizes()), 1000)
        beside = [BESIDE_PLOTS_WIDTH] * (splitter.count() - 1)
        splitter.setSizes([max(total - sum(beside), 1)] + beside)

    def layout_state(self) -> QByteArray:
        """The splitters' positions, for the person's saved layout."""
        return pack_splitters(self.splitter, self.plots_splitter)

    def restore_layout_state(self, state: QByteArray) -> bool:
        return unpack_splitters(state, self.splitter, self.plots_splitter)
