"""The canvas view: zoom, pan, grid, keyboard, clipboard, context menus and drops.

`CanvasView` shows a `CanvasScene` and turns what a person does with mouse and
keys into controller calls: wheel zoom around the cursor, Ctrl +/−, fit to
view, panning with the middle button or Space+drag, Delete/Backspace,
copy/paste/duplicate through the clipboard (the selection as
`core.document.graph_io.subgraph_dict` JSON under a custom MIME type), right-click menus (add a
layer, auto-layout, fix a problem), and drops of palette layers and of
`.lfproj` files. It paints a subtle dot grid behind the items.
"""

from __future__ import annotations

import json
import math

from PySide6.QtCore import QMimeData, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QContextMenuEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPen,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView, QMenu, QWidget

from app.canvas.edge_item import EdgeItem
from app.canvas.node_item import NodeItem
from app.canvas.scene import CanvasScene
from app.canvas.style import NODE_HEIGHT, NODE_WIDTH, layer_types_by_category
from app.document import DocumentController
from core.document.graph_io import subgraph_dict

__all__ = ["LAYER_MIME", "PROJECT_SUFFIX", "SUBGRAPH_MIME", "CanvasView"]

LAYER_MIME = "application/x-layerforge-layer"
SUBGRAPH_MIME = "application/x-layerforge-subgraph"
PROJECT_SUFFIX = ".lfproj"
GRID = 20.0
MIN_SCALE, MAX_SCALE = 0.15, 3.0
PASTE_STEP = 30.0


class CanvasView(QGraphicsView):
    """The network editor widget; see the module docstring."""

    selectionChanged = Signal(list)
    message = Signal(str)
    projectDropped = Signal(str)

    def __init__(self, controller: DocumentController, parent: QWidget | None = None) -> None:
        self.controller = controller
        self.canvas = CanvasScene(controller)
        super().__init__(self.canvas, parent)
        self.canvas.setParent(self)
        self.setRenderHints(
            QPainter.RenderHint.Antialiasing
            | QPainter.RenderHint.TextAntialiasing
            | QPainter.RenderHint.SmoothPixmapTransform
        )
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing, True)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self._space = False
        self._pan_from: QPoint | None = None
        self._paste_count = 0
        self._clipboard_fallback: bytes | None = None
        self.canvas.selectionChanged.connect(self._emit_selection)
        self.canvas.message.connect(self.message)
        controller.documentReset.connect(self._on_reset)

    # ------------------------------------------------------------------ signals

    def _emit_selection(self) -> None:
        self.selectionChanged.emit(self.canvas.selected_ids())

    def _on_reset(self) -> None:
        self._paste_count = 0
        self.fit_all()

    # ------------------------------------------------------------------ zoom / pan

    def zoom(self) -> float:
        return self.transform().m11()

    def _scale_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zoom by `factor` keeping the scene point under viewport point `anchor` (or centre)."""
        target = min(MAX_SCALE, max(MIN_SCALE, self.zoom() * factor))
        factor = target / self.zoom()
        if abs(factor - 1.0) < 1e-9:
            return
        at = anchor if anchor is not None else QPointF(self.viewport().rect().center())
        fixed = self.mapToScene(at.toPoint())
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.scale(factor, factor)
        # Scroll so that `fixed` is under `at` again.
        now = self.mapToScene(at.toPoint())
        centre = self.mapToScene(self.viewport().rect().center())
        self.centerOn(centre - (now - fixed))

    def zoom_in(self) -> None:
        self._scale_by(1.2)

    def zoom_out(self) -> None:
        self._scale_by(1 / 1.2)

    def reset_zoom(self) -> None:
        self._scale_by(1.0 / self.zoom())

    def fit_all(self) -> None:
        """Show every layer (at most 100 % zoom), centred."""
        if not self.canvas.nodes:
            self.resetTransform()
            self.centerOn(0, 0)
            return
        rect = QRectF()
        for item in self.canvas.nodes.values():
            rect = rect.united(item.sceneBoundingRect())
        rect.adjust(-40, -40, 40, 40)
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom() > 1.0:
            self._scale_by(1.0 / self.zoom())
        elif self.zoom() < MIN_SCALE:
            self._scale_by(MIN_SCALE / self.zoom())
        self.centerOn(rect.center())

    def center_scene_pos(self) -> QPointF:
        """The scene point at the middle of the visible area (where a new layer goes)."""
        return self.mapToScene(self.viewport().rect().center())

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y() or event.angleDelta().x()
        if delta == 0:
            return
        self._scale_by(math.pow(1.0015, delta), event.position())
        event.accept()

    # ------------------------------------------------------------------ background

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        style = self.canvas.style
        painter.fillRect(rect, style.background)
        step = GRID
        while step * self.zoom() < 14:
            step *= 2
        left = math.floor(rect.left() / step) * step
        top = math.floor(rect.top() / step) * step
        major = step * 5
        painter.setPen(QPen(style.grid_line, 0))
        x = math.floor(rect.left() / major) * major
        while x < rect.right():
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
            x += major
        y = math.floor(rect.top() / major) * major
        while y < rect.bottom():
            painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
            y += major
        pen = QPen(style.grid_dot, 1.6 / max(self.zoom(), 0.1))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        points = []
        x = left
        while x < rect.right():
            y = top
            while y < rect.bottom():
                points.append(QPointF(x, y))
                y += step
            x += step
        if points:
            painter.drawPoints(points)

    # ------------------------------------------------------------------ mouse

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton or (
            self._space and event.button() == Qt.MouseButton.LeftButton
        ):
            self._pan_from = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            pos = event.position().toPoint()
            delta = pos - self._pan_from
            self._pan_from = pos
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().setCursor(
                Qt.CursorShape.OpenHandCursor if self._space else Qt.CursorShape.ArrowCursor
            )
            event.accept()
            return
        super().mouseReleaseEvent(event)

    # ------------------------------------------------------------------ keys

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if key == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_selection()
        elif event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
        elif event.matches(QKeySequence.StandardKey.Cut):
            self.copy_selection()
            self.delete_selection()
        elif event.matches(QKeySequence.StandardKey.Paste):
            self.paste()
        elif ctrl and key == Qt.Key.Key_D:
            self.duplicate_selection()
        elif event.matches(QKeySequence.StandardKey.SelectAll):
            self.canvas.select_ids(list(self.controller.graph.nodes))
        elif ctrl and key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_in()
        elif ctrl and key == Qt.Key.Key_Minus:
            self.zoom_out()
        elif ctrl and key == Qt.Key.Key_0:
            self.fit_all()
        elif key == Qt.Key.Key_Escape:
            if self.canvas.connecting:
                self.canvas.cancel_connect()
            else:
                self.canvas.clearSelection()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            if self._pan_from is None:
                self.viewport().unsetCursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    # ------------------------------------------------------------------ edit actions

    def delete_selection(self) -> bool:
        """Delete the selected layers and connections (one undo step)."""
        return self.controller.delete(self.canvas.selected_ids(), self.canvas.selected_edges())

    def copy_selection(self) -> bool:
        """Put the selected layers and the connections between them on the clipboard."""
        ids = self.canvas.selected_ids()
        if not ids:
            return False
        payload = json.dumps(subgraph_dict(self.controller.graph, ids)).encode("utf-8")
        mime = QMimeData()
        mime.setData(SUBGRAPH_MIME, payload)
        self._clipboard_fallback = payload
        QGuiApplication.clipboard().setMimeData(mime)
        _release_clipboard_at_quit()
        self._paste_count = 0
        n = len(ids)
        self.message.emit(f"Copied {n} layer{'s' if n != 1 else ''}")
        return True

    def _clipboard_payload(self) -> bytes | None:
        mime = QGuiApplication.clipboard().mimeData()
        if mime is not None:
            for fmt in (SUBGRAPH_MIME, "application/x-layerforge-graph"):
                if mime.hasFormat(fmt):
                    return bytes(mime.data(fmt).data())
        return self._clipboard_fallback

    def paste(self) -> list[str]:
        """Paste the clipboard's layers, shifted so copies never sit on the originals."""
        payload = self._clipboard_payload()
        if not payload:
            return []
        try:
            data = json.loads(payload.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            self.message.emit("The clipboard does not hold LayerForge layers.")
            return []
        self._paste_count += 1
        step = PASTE_STEP * self._paste_count
        ids = self.controller.paste(data, step, step)
        self.canvas.select_ids(ids)
        return ids

    def duplicate_selection(self) -> list[str]:
        ids = self.canvas.selected_ids()
        if not ids:
            return []
        data = subgraph_dict(self.controller.graph, ids)
        new = self.controller.paste(data, PASTE_STEP, PASTE_STEP)
        self.canvas.select_ids(new)
        return new

    def selected_ids(self) -> list[str]:
        return self.canvas.selected_ids()

    def add_layer_at(self, type_name: str, scene_pos: QPointF) -> str | None:
        """Add a layer whose card is centred on `scene_pos`; selects it."""
        nid = self.controller.add_node(
            type_name, round(scene_pos.x() - NODE_WIDTH / 2), round(scene_pos.y() - NODE_HEIGHT / 2)
        )
        if nid is not None:
            self.canvas.select_ids([nid])
        return nid

    def auto_layout(self) -> None:
        self.controller.auto_layout()
        self.fit_all()

    # ------------------------------------------------------------------ context menus

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = self.build_context_menu(event.pos())
        if menu is not None:
            menu.exec(event.globalPos())
        event.accept()

    def build_context_menu(self, view_pos: QPoint) -> QMenu:
        """The menu for a right-click at `view_pos` (a layer's menu, or the canvas menu)."""
        scene_pos = self.mapToScene(view_pos)
        item = self.itemAt(view_pos)
        while item is not None and not isinstance(item, (NodeItem, EdgeItem)):
            item = item.parentItem()
        menu = QMenu(self)
        if isinstance(item, NodeItem):
            nid = item.node_id
            if nid not in self.canvas.selected_ids():
                self.canvas.select_ids([nid])
            info = self.canvas.node_info(nid)
            for problem in (*info.problems, *info.warnings):
                fix = getattr(problem, "fix", None)
                if fix is not None:
                    act = menu.addAction(f"Fix: {fix.label}")
                    act.triggered.connect(lambda _=False, f=fix: self.controller.apply_fix(f))
            if not menu.isEmpty():
                menu.addSeparator()
            menu.addAction("Duplicate", self.duplicate_selection)
            menu.addAction("Copy", self.copy_selection)
            menu.addAction("Delete", self.delete_selection)
            return menu
        if isinstance(item, EdgeItem):
            src, dst = item.src, item.dst
            menu.addAction("Delete connection", lambda: self.controller.disconnect(src, dst))
            return menu
        add = menu.addMenu("Add layer")
        for category, types in layer_types_by_category(self.controller.graph.catalog).items():
            sub = add.addMenu(category)
            for t in types:
                act: QAction = sub.addAction(t)
                act.triggered.connect(lambda _=False, t=t, p=scene_pos: self.add_layer_at(t, p))
        add.setEnabled(not add.isEmpty())
        if self._clipboard_payload():
            menu.addAction("Paste", self.paste)
        menu.addSeparator()
        menu.addAction("Auto-layout", self.auto_layout)
        menu.addAction("Fit to view", self.fit_all)
        return menu

    # ------------------------------------------------------------------ drops

    @staticmethod
    def _project_path(mime: QMimeData) -> str | None:
        if mime.hasUrls():
            for url in mime.urls():
                if url.isLocalFile() and url.toLocalFile().lower().endswith(PROJECT_SUFFIX):
                    return url.toLocalFile()
        return None

    def _accepts(self, mime: QMimeData) -> bool:
        return mime.hasFormat(LAYER_MIME) or self._project_path(mime) is not None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._accepts(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._accepts(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        if mime.hasFormat(LAYER_MIME):
            type_name = bytes(mime.data(LAYER_MIME).data()).decode("utf-8", "replace").strip()
            pos = self.mapToScene(event.position().toPoint())
            if self.add_layer_at(type_name, pos) is not None:
                event.acceptProposedAction()
                self.setFocus()
                return
            event.ignore()
            return
        path = self._project_path(mime)
        if path is not None:
            event.acceptProposedAction()
            self.projectDropped.emit(path)
            return
        event.ignore()

    def export_image(self, path: str, scale: float = 2.0) -> bool:
        """Render every layer (not just the visible part) to PNG/JPEG, or to SVG by suffix."""
        rect = self.canvas.itemsBoundingRect().adjusted(-30, -30, 30, 30)
        if rect.isEmpty():
            return False
        self.canvas.clearSelection()
        if path.lower().endswith(".svg"):
            from PySide6.QtSvg import QSvgGenerator

            gen = QSvgGenerator()
            gen.setFileName(path)
            gen.setSize(rect.size().toSize())
            gen.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
            gen.setTitle("LayerForge network")
            items = list(self.canvas.nodes.values())
            for item in items:  # vector output: paint, do not blit cached pixmaps
                item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
            painter = QPainter(gen)
            target = QRectF(0, 0, rect.width(), rect.height())
            painter.fillRect(target, self.canvas.style.background)
            self.canvas.render(painter, target, rect)
            painter.end()
            for item in items:
                item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            return True
        image = QImage(
            int(rect.width() * scale), int(rect.height() * scale), QImage.Format.Format_ARGB32
        )
        image.fill(self.canvas.style.background)
        painter = QPainter(image)
        painter.setRenderHints(self.renderHints())
        self.canvas.render(painter, QRectF(image.rect()), rect)
        painter.end()
        return image.save(path)


def release_clipboard() -> None:
    """Clear the clipboard if it holds LayerForge layers.

    Qt deletes the clipboard's data while the application shuts down, after
    Python has let go of it; with PySide6 that crashes the process at exit. Our
    layers are of no use to other programs, so they are dropped first.
    """
    app = QGuiApplication.instance()
    if app is None:
        return
    mime = QGuiApplication.clipboard().mimeData()
    if mime is not None and mime.hasFormat(SUBGRAPH_MIME):
        QGuiApplication.clipboard().clear()


def _release_clipboard_at_quit() -> None:
    app = QGuiApplication.instance()
    if app is not None and not app.property("layerforgeClipboardHook"):
        app.setProperty("layerforgeClipboardHook", True)
        app.aboutToQuit.connect(release_clipboard)
