"""A connection on the canvas: a smooth cubic curve with an arrow head.

The item holds only the two node ids; its geometry is recomputed from the two
node items' port positions when either moves (`update_path`). It paints, and
it hit-tests with a widened stroke so a thin curve is still easy to select.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QPainter, QPainterPath, QPainterPathStroker, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from app.canvas.style import PORT_RADIUS

if TYPE_CHECKING:
    from app.canvas.scene import CanvasScene

__all__ = ["ARROW", "EdgeItem", "curve_path"]

ARROW = 9.0


def curve_path(p0: QPointF, p1: QPointF) -> QPainterPath:
    """A left-to-right cubic from p0 to p1 (control points pulled horizontally)."""
    dx = max(40.0, abs(p1.x() - p0.x()) * 0.5)
    path = QPainterPath(p0)
    path.cubicTo(QPointF(p0.x() + dx, p0.y()), QPointF(p1.x() - dx, p1.y()), p1)
    return path


class EdgeItem(QGraphicsItem):
    """The edge src -> dst; geometry from the node items, data from nothing."""

    def __init__(self, src: str, dst: str) -> None:
        super().__init__()
        self.src = src
        self.dst = dst
        self._path = QPainterPath()
        self._tip = QPointF()
        self._hit = QPainterPath()
        self._rect = QRectF()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(-1)
        self.setAcceptHoverEvents(True)

    def canvas(self) -> CanvasScene:
        return self.scene()  # type: ignore[return-value]

    def set_endpoints(self, p0: QPointF, p1: QPointF) -> None:
        """Recompute the curve from the output port p0 to the input port p1."""
        tip = QPointF(p1.x() - PORT_RADIUS - 1.0, p1.y())
        end = QPointF(tip.x() - ARROW + 1.0, tip.y())
        path = curve_path(p0, end)
        self.prepareGeometryChange()
        self._path, self._tip = path, tip
        stroker = QPainterPathStroker()
        stroker.setWidth(10.0)
        self._hit = stroker.createStroke(path)
        self._rect = (
            path.boundingRect()
            .united(QRectF(tip.x() - ARROW - 2, tip.y() - ARROW, ARROW + 4, 2 * ARROW))
            .adjusted(-3, -3, 3, 3)
        )

    def boundingRect(self) -> QRectF:
        return self._rect

    def shape(self) -> QPainterPath:
        return self._hit

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        style = self.canvas().style
        color = style.edge_selected if self.isSelected() else style.edge
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(color, 2.2 if self.isSelected() else 1.7)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)
        # Arrow head along the final tangent (horizontal by construction).
        angle = math.radians(self._path.angleAtPercent(1.0))
        tip = self._tip
        back = QPointF(-math.cos(angle) * ARROW, math.sin(angle) * ARROW)
        side = QPointF(-back.y() * 0.5, back.x() * 0.5)
        head = QPolygonF([tip, tip + back + side, tip + back - side])
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(color))
        painter.drawPolygon(head)
