"""A port on a node card: the input (left) or output (right) connection point.

Ports paint a small circle whose colour tells, while a connection is being
dragged, whether the layer can take that connection (green) or not (dimmed).
Pressing on an output port starts a connection drag that the scene runs; the
port itself holds only its node id and side.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneHoverEvent,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from app.canvas.style import PORT_RADIUS

if TYPE_CHECKING:
    from app.canvas.scene import CanvasScene

__all__ = ["PortItem", "PortState"]

HIT_RADIUS = 11.0


class PortState(Enum):
    NORMAL = 0
    VALID = 1
    INVALID = 2
    TARGET = 3  # valid and under the cursor


class PortItem(QGraphicsItem):
    """Input or output port of one node (a child of its NodeItem)."""

    def __init__(self, node_id: str, is_output: bool, parent: QGraphicsItem) -> None:
        super().__init__(parent)
        self.node_id = node_id
        self.is_output = is_output
        self.state = PortState.NORMAL
        self._hover = False
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setZValue(2)
        self.setToolTip("Drag to an input to connect" if is_output else "Input")

    def canvas(self) -> CanvasScene:
        return self.scene()  # type: ignore[return-value]

    def boundingRect(self) -> QRectF:
        return QRectF(-HIT_RADIUS, -HIT_RADIUS, 2 * HIT_RADIUS, 2 * HIT_RADIUS)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(self.boundingRect())
        return path

    def set_state(self, state: PortState) -> None:
        if state is not self.state:
            self.state = state
            self.update()

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        style = self.canvas().style
        r = PORT_RADIUS
        fill, border = style.port, style.port_border
        if self.state is PortState.VALID:
            fill, border = style.port_valid.lighter(170), style.port_valid
        elif self.state is PortState.TARGET:
            fill, border, r = style.port_valid, style.port_valid.darker(120), r + 2
        elif self.state is PortState.INVALID:
            fill, border = style.card, style.port_invalid
        elif self._hover:
            fill, border, r = style.selected.lighter(180), style.selected, r + 1
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(border, 1.6))
        painter.setBrush(QBrush(fill))
        painter.drawEllipse(QPointF(0, 0), r, r)

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hover = True
        self.update()

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hover = False
        self.update()

    # Connection drag (outputs only): the scene does the work.
    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self.is_output and event.button() == Qt.MouseButton.LeftButton:
            self.canvas().begin_connect(self.node_id, event.scenePos())
            event.accept()
        else:
            event.ignore()

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        self.canvas().update_connect(event.scenePos())

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        self.canvas().finish_connect(event.scenePos())
