"""A layer card on the canvas: paints one graph node and hit-tests it.

The card holds only the node id. When it paints it reads the node (type, name,
key settings) from the graph and the node's output shape, parameter count and
problems from the scene's copy of the latest analysis: a rounded card with a
coloured category strip, "Dense 10 · relu" as the title, the layer name, the
output shape and parameter count, ports left and right, and a red outline and
"!" badge when the shape check reports a problem. After a run, a pill at its
lower edge shows the layer's activation health (`app.canvas.health_badge`),
which the scene holds. Moving the card moves its edges live; the scene turns
a finished drag into one undo step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from app.canvas.health_badge import HEIGHT as HEALTH_HEIGHT
from app.canvas.health_badge import HealthBadge
from app.canvas.port_item import PortItem
from app.canvas.style import CORNER, NODE_HEIGHT, NODE_WIDTH, STRIP, LayerMeta, key_settings

if TYPE_CHECKING:
    from app.canvas.scene import CanvasScene

__all__ = ["BadgeItem", "NodeItem"]

BADGE_RADIUS = 9.0


class BadgeItem(QGraphicsItem):
    """The "!" on a card with a problem (red) or only a warning (amber); clicking it
    applies the first fix."""

    def __init__(self, node_id: str, parent: QGraphicsItem) -> None:
        super().__init__(parent)
        self.node_id = node_id
        self.setZValue(3)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setVisible(False)

    def canvas(self) -> CanvasScene:
        return self.scene()  # type: ignore[return-value]

    def boundingRect(self) -> QRectF:
        r = BADGE_RADIUS + 1
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        style = self.canvas().style
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor("#FFFFFF"), 1.5))
        info = self.canvas().node_info(self.node_id)
        painter.setBrush(QBrush(style.problem if info.problems else style.warning))
        painter.drawEllipse(QPointF(0, 0), BADGE_RADIUS, BADGE_RADIUS)
        painter.setFont(style.badge_font)
        painter.setPen(QColor("#FFFFFF"))
        painter.drawText(self.boundingRect(), Qt.AlignmentFlag.AlignCenter, "!")

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        event.accept()

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self.boundingRect().contains(event.pos()):
            self.canvas().apply_first_fix(self.node_id)


class NodeItem(QGraphicsItem):
    """The card of one layer; position = the node's (x, y) = the card's top-left."""

    def __init__(self, node_id: str, meta: LayerMeta) -> None:
        super().__init__()
        self.node_id = node_id
        self.meta = meta
        flags = QGraphicsItem.GraphicsItemFlag
        self.setFlags(flags.ItemIsMovable | flags.ItemIsSelectable | flags.ItemSendsGeometryChanges)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setAcceptHoverEvents(True)
        self.input_port: PortItem | None = None
        if meta.has_input:
            self.input_port = PortItem(node_id, False, self)
            self.input_port.setPos(0.0, NODE_HEIGHT / 2)
            if meta.is_merge:
                self.input_port.setToolTip("Input (accepts several connections)")
        self.output_port = PortItem(node_id, True, self)
        self.output_port.setPos(NODE_WIDTH, NODE_HEIGHT / 2)
        self.badge = BadgeItem(node_id, self)
        self.badge.setPos(NODE_WIDTH - 4, 4)
        self.health_badge = HealthBadge(self)

    def canvas(self) -> CanvasScene:
        return self.scene()  # type: ignore[return-value]

    # ------------------------------------------------------------------ geometry

    def boundingRect(self) -> QRectF:
        return QRectF(-2, -2, NODE_WIDTH + 6, NODE_HEIGHT + 7)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, NODE_WIDTH, NODE_HEIGHT), CORNER, CORNER)
        return path

    def input_pos(self) -> QPointF:
        return self.pos() + QPointF(0.0, NODE_HEIGHT / 2)

    def output_pos(self) -> QPointF:
        return self.pos() + QPointF(NODE_WIDTH, NODE_HEIGHT / 2)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            scene = self.scene()
            if scene is not None:
                scene.node_item_moved(self)
        elif change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            self.setZValue(1 if value else 0)
        return super().itemChange(change, value)

    # ------------------------------------------------------------------ info

    def refresh(self) -> None:
        """Re-read problems for the badge and tooltip, then repaint."""
        info = self.canvas().node_info(self.node_id)
        problems = info.problems
        notes = problems or info.warnings
        self.badge.setVisible(bool(notes))
        self.badge.update()
        if notes:
            lines = [p.message for p in problems] + [f"Warning: {w.message}" for w in info.warnings]
            fixes = [p.fix.label for p in notes if p.fix is not None]
            if fixes:
                lines.append("Click the ! to fix: " + "; ".join(fixes))
            tip = "\n".join(lines)
        else:
            tip = self.meta.description
        self.setToolTip(tip)
        self.badge.setToolTip(tip)
        self.update()

    def refresh_health(self) -> None:
        """Show the activation health the scene holds for this layer, or hide the pill."""
        health = self.canvas().health_of(self.node_id)
        if health is None:
            self.health_badge.clear_health()
            return
        self.health_badge.show_health(health.label, health.level, health.hint)
        pill = self.health_badge
        pill.setPos(NODE_WIDTH - 12 - pill.width, NODE_HEIGHT - HEALTH_HEIGHT / 2)

    # ------------------------------------------------------------------ painting

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        scene = self.canvas()
        style = scene.style
        node = scene.graph.node(self.node_id)
        info = scene.node_info(self.node_id)
        has_problem = bool(info.problems)
        rect = QRectF(0, 0, NODE_WIDTH, NODE_HEIGHT)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)

        # Soft shadow, card, category strip.
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(style.card_shadow)
        painter.drawRoundedRect(rect.translated(0, 2.5), CORNER, CORNER)
        card = QPainterPath()
        card.addRoundedRect(rect, CORNER, CORNER)
        painter.setBrush(style.problem_fill if has_problem else style.card)
        painter.drawPath(card)
        painter.save()
        painter.setClipPath(card)
        category = "Input" if node.type == "Input" else self.meta.category
        painter.setBrush(style.category_color(category))
        painter.drawRect(QRectF(0, 0, STRIP, NODE_HEIGHT))
        painter.restore()
        if self.isSelected():
            pen = QPen(style.selected, 2.2)
        elif has_problem:
            pen = QPen(style.problem, 1.8)
        else:
            pen = QPen(style.card_border, 1.0)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), CORNER, CORNER)
        if self.isSelected() and has_problem:
            painter.setPen(QPen(style.problem, 1.2, Qt.PenStyle.DashLine))
            painter.drawRoundedRect(rect.adjusted(3, 3, -3, -3), CORNER - 2, CORNER - 2)

        # Text: title (type + key settings), name, shape and parameter count.
        left = STRIP + 10.0
        width = NODE_WIDTH - left - 12.0
        settings = key_settings(node.params, self.meta.key_params)
        title = node.type + (f" {settings}" if settings else "")
        painter.setFont(style.title_font)
        painter.setPen(style.text)
        title_w = width - (14.0 if has_problem or info.warnings else 0.0)  # room for the badge
        painter.drawText(
            QRectF(left, 8, title_w, 20),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            style.title_metrics.elidedText(title, Qt.TextElideMode.ElideRight, title_w),
        )
        painter.setFont(style.name_font)
        painter.setPen(style.text_muted)
        painter.drawText(
            QRectF(left, 28, width, 18),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            style.name_metrics.elidedText(node.name, Qt.TextElideMode.ElideMiddle, width),
        )
        painter.setPen(QPen(QColor(style.card_border).lighter(112), 1.0))
        painter.drawLine(QPointF(left, 51.5), QPointF(NODE_WIDTH - 10, 51.5))
        painter.setFont(style.info_font)
        painter.setPen(style.problem if has_problem and not info.shape else style.text_info)
        shape_text = info.shape or ("shape ?" if has_problem else "")
        painter.drawText(
            QRectF(left, 54, width, 18),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            style.info_metrics.elidedText(shape_text, Qt.TextElideMode.ElideRight, width * 0.6),
        )
        painter.setPen(style.text_muted)
        painter.drawText(
            QRectF(left, 54, width, 18),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            info.params,
        )
