"""The confusion matrix as a heat map: rows are the actual class, columns the predicted one.

`ConfusionMatrix.set_report(report)` shows a `core.evaluation.ClassificationReport`;
`set_normalized(True)` writes each row's shares instead of counts (the colour is
always the row share, so a rare class's mistakes are as visible as a common
one's). Clicking a cell selects it and emits `cellClicked(actual, predicted)`;
the page then lists that cell's rows. A class with no evaluated rows keeps its
row, greyed, with support 0.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from app.results.text import percent
from app.theme import ACCENT, BORDER, MUTED, TEXT

_LOW, _HIGH = QColor("#f3f6fd"), QColor("#1f4fb4")
_RIGHT_LOW, _RIGHT_HIGH = QColor("#f1f8f2"), QColor("#2e7d32")


def _blend(a: QColor, b: QColor, t: float) -> QColor:
    t = min(max(t, 0.0), 1.0)
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


class ConfusionMatrix(QWidget):
    """A clickable heat map of a classification report (see the module docstring)."""

    cellClicked = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("confusionMatrix")
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.report: Any = None
        self.normalized = False
        self.selected: tuple[int, int] | None = None

    # ------------------------------------------------------------------ state
    def set_report(self, report: Any) -> None:
        same_classes = self.report is not None and self.report.labels == report.labels
        self.report = report
        if not same_classes:
            self.selected = None
            self.setMinimumHeight(self.sizeHint().height())
        self.updateGeometry()
        self.update()

    def set_normalized(self, on: bool) -> None:
        self.normalized = bool(on)
        self.update()

    def select(self, cell: tuple[int, int] | None) -> None:
        self.selected = cell
        self.update()

    def cell_text(self, i: int, j: int) -> str:
        """What cell (i, j) shows: its count, or its share of row i."""
        if self.normalized:
            return percent(float(self.report.normalized[i, j]), 0)
        return str(int(self.report.matrix[i, j]))

    # ------------------------------------------------------------------ geometry
    def _k(self) -> int:
        return len(self.report.labels) if self.report is not None else 0

    def _label_width(self) -> int:
        fm = QFontMetrics(self.font())
        names = self.report.labels if self.report is not None else ()
        widest = max((fm.horizontalAdvance(n) for n in names), default=40)
        return min(max(widest + 16, 48), 140)

    def _grid(self) -> tuple[QRect, int, int]:
        """The rectangle of the cells, and a cell's width and height."""
        k = max(self._k(), 1)
        left, top = self._label_width() + 22, 40
        w = max(min((self.width() - left - 8) // k, 120), 14)
        h = max(min((self.height() - top - 8) // k, 48), 14)
        return QRect(left, top, w * k, h * k), w, h

    def cell_rect(self, i: int, j: int) -> QRect:
        """Where cell (actual i, predicted j) is drawn (for clicks and tests)."""
        grid, w, h = self._grid()
        return QRect(grid.left() + j * w, grid.top() + i * h, w, h)

    def cell_at(self, pos: QPoint) -> tuple[int, int] | None:
        grid, w, h = self._grid()
        if self.report is None or not grid.contains(pos):
            return None
        return (pos.y() - grid.top()) // h, (pos.x() - grid.left()) // w

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        k = max(self._k(), 2)
        w, h = (90, 40) if k <= 4 else (64, 32) if k <= 8 else (40, 22)
        return QSize(self._label_width() + 30 + w * k, 48 + h * k)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        k = max(self._k(), 2)
        return QSize(self._label_width() + 30 + 24 * k, 48 + 20 * k)

    # ------------------------------------------------------------------ events
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        cell = self.cell_at(event.position().toPoint())
        if cell is None or event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        self.select(cell)
        self.cellClicked.emit(*cell)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        cell = self.cell_at(event.position().toPoint())
        if cell is None:
            QToolTip.hideText()
            return
        i, j = cell
        labels, n = self.report.labels, int(self.report.matrix[i, j])
        share = percent(float(self.report.normalized[i, j]), 0)
        row = "row" if n == 1 else "rows"
        QToolTip.showText(
            event.globalPosition().toPoint(),
            f"Actual '{labels[i]}', predicted '{labels[j]}': {n} {row} ({share} of "
            f"'{labels[i]}').\nClick to list them.",
            self,
        )

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        if self.report is None:
            return
        p = QPainter(self)
        self._paint_axes(p)
        self._paint_cells(p)
        if self.selected is not None and max(self.selected) < self._k():
            p.setPen(QPen(QColor(ACCENT), 3))
            p.drawRect(self.cell_rect(*self.selected).adjusted(1, 1, -2, -2))
        p.end()

    def _paint_axes(self, p: QPainter) -> None:
        """Axis titles and class names: predicted across the top, actual down the left."""
        grid, w, h = self._grid()
        fm = QFontMetrics(self.font())
        center = Qt.AlignmentFlag.AlignCenter
        p.setPen(QColor(MUTED))
        p.drawText(QRect(grid.left(), 2, grid.width(), 16), center, "Predicted")
        p.save()
        p.translate(4, grid.center().y())
        p.rotate(-90)
        p.drawText(QRect(-grid.height() // 2, 0, grid.height(), 16), center, "Actual")
        p.restore()
        elide = Qt.TextElideMode.ElideRight
        for j, name in enumerate(self.report.labels):
            rect = QRect(grid.left() + j * w, 20, w, 18)
            p.drawText(rect, center, fm.elidedText(name, elide, w - 4))
        label_w = self._label_width()
        right = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight
        for i, name in enumerate(self.report.labels):
            p.setPen(QColor(MUTED if self.report.support[i] == 0 else TEXT))
            rect = QRect(20, grid.top() + i * h, label_w - 4, h)
            p.drawText(rect, right, fm.elidedText(name, elide, label_w - 6))

    def _paint_cells(self, p: QPainter) -> None:
        """Each cell filled by its row share (green on the diagonal), with its number."""
        _grid, w, h = self._grid()
        support, shares = self.report.support, self.report.normalized
        bold = QFont(self.font())
        bold.setBold(True)
        show_text = w >= 22 and h >= 16
        for i in range(self._k()):
            absent = support[i] == 0
            for j in range(self._k()):
                rect = self.cell_rect(i, j)
                share = float(shares[i, j])
                if absent:
                    fill = QColor("#f4f4f4")
                elif i == j:
                    fill = _blend(_RIGHT_LOW, _RIGHT_HIGH, share)
                else:
                    fill = _blend(_LOW, _HIGH, share)
                p.fillRect(rect, fill)
                p.setPen(QPen(QColor(BORDER), 1))
                p.drawRect(rect.adjusted(0, 0, -1, -1))
                if show_text:
                    dark = share > 0.55 and not absent
                    p.setPen(QColor("white" if dark else (MUTED if absent else TEXT)))
                    p.setFont(bold if i == j else self.font())
                    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.cell_text(i, j))
                    p.setFont(self.font())
