"""The activation-health pill under a layer card: "40 % dead", "10 % saturated".

After a run the "What it learned" hub measures each hidden relu/sigmoid/tanh
layer (`core.evaluation.health`) and hands the results to the scene, which
tells each card; the card shows this pill at its lower edge. It holds only
what it displays (text, level, tooltip): amber with white text when the share
is over the warning threshold, a pale amber when some units are flagged, quiet
grey when none are. The plain-words hint is its tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

__all__ = ["HealthBadge"]

PAD_X, HEIGHT = 6.0, 16.0
#: (fill, border, text) per health level.
COLOURS = {
    "warning": ("#D99A00", "#C58B00", "#FFFFFF"),
    "note": ("#FFF4DB", "#E8C36A", "#8A5A00"),
    "ok": ("#F1F5F1", "#C9D6CA", "#4C6B50"),
}


class HealthBadge(QGraphicsItem):
    """A small pill; `show_health` sets what it says, `clear_health` hides it."""

    def __init__(self, parent: QGraphicsItem) -> None:
        super().__init__(parent)
        self.setZValue(3)
        self.setVisible(False)
        self.text = ""
        self.level = "ok"
        self._font = QFont()
        self._font.setPointSizeF(7.8)
        self._font.setWeight(QFont.Weight.DemiBold)
        self._width = 0.0

    def show_health(self, text: str, level: str, tip: str) -> None:
        self.prepareGeometryChange()
        self.text, self.level = text, level if level in COLOURS else "ok"
        self._width = QFontMetricsF(self._font).horizontalAdvance(text) + 2 * PAD_X
        self.setToolTip(tip)
        self.setVisible(True)
        self.update()

    def clear_health(self) -> None:
        self.text = ""
        self.setToolTip("")
        self.setVisible(False)

    @property
    def width(self) -> float:
        return self._width

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return QRectF(-1, -1, self._width + 2, HEIGHT + 2)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        fill, border, text = COLOURS[self.level]
        rect = QRectF(0, 0, self._width, HEIGHT)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(border), 1.0))
        painter.setBrush(QBrush(QColor(fill)))
        painter.drawRoundedRect(rect, HEIGHT / 2, HEIGHT / 2)
        painter.setFont(self._font)
        painter.setPen(QColor(text))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.text)
