"""The canvas scene: a QGraphicsScene that mirrors the network document.

The scene creates, removes and repositions node and edge items only in answer
to graph events re-emitted by the `DocumentController` (`graphEvent`), and it
keeps a per-node digest of the latest analysis (shape text, parameter text,
problems) that the items read when they paint, and the activation health of
the trained model's layers by node id (`set_health`, given by the "What it
learned" hub after a run; empty otherwise). It turns gestures into
controller calls: a finished drag becomes one `move_nodes`, a connection drag
from an output port becomes `connect` (or a refusal with the reason), a click
on a problem badge becomes `apply_fix`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Signal
from PySide6.QtGui import QPen
from PySide6.QtWidgets import (
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsSceneMouseEvent,
)

from app.canvas.edge_item import EdgeItem, curve_path
from app.canvas.node_item import NodeItem
from app.canvas.port_item import PortItem, PortState
from app.canvas.style import CanvasStyle, LayerMeta, format_count, format_shape, layer_meta
from core.document.graph import (
    EdgeAdded,
    EdgeRemoved,
    GraphReset,
    NodeAdded,
    NodeMoved,
    NodeRemoved,
    NodeRenamed,
    ParamsChanged,
)

if TYPE_CHECKING:
    from app.document import DocumentController

__all__ = ["CanvasScene", "NodeInfo"]

SCENE_MARGIN = 2000.0


@dataclass(frozen=True)
class NodeInfo:
    """What the latest analysis says about one node, formatted for the card."""

    shape: str = ""
    params: str = ""
    problems: tuple[Any, ...] = field(default=())
    #: Advice that does not stop training (amber badge), e.g. stacked linear layers.
    warnings: tuple[Any, ...] = field(default=())


_EMPTY = NodeInfo()


def _by_node(items: Any) -> dict[str, list[Any]]:
    """Problems (or warnings) grouped by the node they are about."""
    out: dict[str, list[Any]] = {}
    for p in items or ():
        nid = getattr(p, "node_id", None)
        if nid is not None:
            out.setdefault(nid, []).append(p)
    return out


class CanvasScene(QGraphicsScene):
    """Items for every node and edge of `controller.graph`, kept in sync by events."""

    message = Signal(str)

    def __init__(self, controller: DocumentController, parent: Any = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.graph = controller.graph
        self.style = CanvasStyle()
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        self.setSceneRect(QRectF(-SCENE_MARGIN, -SCENE_MARGIN, 2 * SCENE_MARGIN, 2 * SCENE_MARGIN))
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[tuple[str, str], EdgeItem] = {}
        self._edges_of: dict[str, set[tuple[str, str]]] = {}
        self._meta: dict[str, LayerMeta] = {}
        self._info: dict[str, NodeInfo] = {}
        self._health: dict[str, Any] = {}
        self._syncing = False
        self._dragged: dict[str, NodeItem] = {}
        self._connect_src: str | None = None
        self._connect_line: QGraphicsPathItem | None = None
        self._connect_target: PortItem | None = None
        controller.graphEvent.connect(self._on_graph_event)
        controller.analysisChanged.connect(self.set_analysis)
        self.rebuild()

    # ------------------------------------------------------------------ lookups

    def meta(self, type_name: str) -> LayerMeta:
        meta = self._meta.get(type_name)
        if meta is None:
            meta = self._meta[type_name] = layer_meta(self.graph.catalog, type_name)
        return meta

    def node_info(self, node_id: str) -> NodeInfo:
        return self._info.get(node_id, _EMPTY)

    def health_of(self, node_id: str) -> Any | None:
        """The `core.evaluation.health.LayerHealth` shown on the node's card, or None."""
        return self._health.get(node_id)

    def set_health(self, health: Mapping[str, Any]) -> None:
        """Show these layers' activation health (node id -> LayerHealth); {} clears all."""
        changed = set(self._health) | set(health)
        self._health = dict(health)
        for nid in changed:
            item = self.nodes.get(nid)
            if item is not None:
                item.refresh_health()

    def selected_ids(self) -> list[str]:
        """Selected node ids in document order."""
        chosen = {i.node_id for i in self.selectedItems() if isinstance(i, NodeItem)}
        return [nid for nid in self.graph.nodes if nid in chosen]

    def selected_edges(self) -> list[tuple[str, str]]:
        return [(i.src, i.dst) for i in self.selectedItems() if isinstance(i, EdgeItem)]

    def select_ids(self, ids: list[str]) -> None:
        self.clearSelection()
        for nid in ids:
            item = self.nodes.get(nid)
            if item is not None:
                item.setSelected(True)

    def node_at(self, pos: QPointF) -> str | None:
        """The id of the node whose card or port is at scene position `pos`."""
        for item in self.items(pos):
            while item is not None and not isinstance(item, NodeItem):
                item = item.parentItem()
            if isinstance(item, NodeItem):
                return item.node_id
        return None

    # ------------------------------------------------------------------ mirroring

    def rebuild(self) -> None:
        """Drop every item and build them again from the graph."""
        self.cancel_connect()
        for item in list(self.nodes.values()) + list(self.edges.values()):
            self.removeItem(item)
        self.nodes.clear()
        self.edges.clear()
        self._edges_of.clear()
        self._dragged.clear()
        for nid in self.graph.nodes:
            self._add_node(nid)
        for e in self.graph.edges:
            self._add_edge(e.src, e.dst)
        self.ensure_rect()

    def _on_graph_event(self, event: Any) -> None:
        if isinstance(event, NodeMoved):
            item = self.nodes.get(event.node_id)
            if item is not None and (item.x(), item.y()) != (event.x, event.y):
                self._syncing = True
                try:
                    item.setPos(event.x, event.y)
                finally:
                    self._syncing = False
        elif isinstance(event, EdgeAdded):
            self._add_edge(event.edge.src, event.edge.dst)
        elif isinstance(event, EdgeRemoved):
            self._remove_edge(event.edge.src, event.edge.dst)
        elif isinstance(event, NodeAdded):
            self._add_node(event.node_id)
            self.ensure_rect()
        elif isinstance(event, NodeRemoved):
            self._remove_node(event.node_id)
        elif isinstance(event, (ParamsChanged, NodeRenamed)):
            item = self.nodes.get(event.node_id)
            if item is not None:
                item.update()
        elif isinstance(event, GraphReset):
            self._info.clear()
            self.rebuild()

    def _add_node(self, node_id: str) -> None:
        node = self.graph.node(node_id)
        item = NodeItem(node_id, self.meta(node.type))
        self._syncing = True
        try:
            item.setPos(node.x, node.y)
            self.addItem(item)
        finally:
            self._syncing = False
        self.nodes[node_id] = item
        self._edges_of.setdefault(node_id, set())
        item.refresh()
        item.refresh_health()

    def _remove_node(self, node_id: str) -> None:
        item = self.nodes.pop(node_id, None)
        self._dragged.pop(node_id, None)
        for key in list(self._edges_of.pop(node_id, ())):
            self._remove_edge(*key)
        if item is not None:
            self.removeItem(item)
        if self._connect_src == node_id:
            self.cancel_connect()

    def _add_edge(self, src: str, dst: str) -> None:
        item = EdgeItem(src, dst)
        self.edges[(src, dst)] = item
        self._edges_of.setdefault(src, set()).add((src, dst))
        self._edges_of.setdefault(dst, set()).add((src, dst))
        self._place_edge(item)
        self.addItem(item)

    def _remove_edge(self, src: str, dst: str) -> None:
        item = self.edges.pop((src, dst), None)
        self._edges_of.get(src, set()).discard((src, dst))
        self._edges_of.get(dst, set()).discard((src, dst))
        if item is not None:
            self.removeItem(item)

    def _place_edge(self, item: EdgeItem) -> None:
        s, d = self.nodes.get(item.src), self.nodes.get(item.dst)
        if s is not None and d is not None:
            item.set_endpoints(s.output_pos(), d.input_pos())

    def ensure_rect(self) -> None:
        """Grow the scene rect (rarely: the BSP index is rebuilt) to keep a margin round items."""
        if not self.nodes:
            return
        bounds = self.itemsBoundingRect().adjusted(
            -SCENE_MARGIN / 2, -SCENE_MARGIN / 2, SCENE_MARGIN / 2, SCENE_MARGIN / 2
        )
        rect = self.sceneRect()
        if not rect.contains(bounds):
            self.setSceneRect(
                rect.united(
                    bounds.adjusted(-SCENE_MARGIN, -SCENE_MARGIN, SCENE_MARGIN, SCENE_MARGIN)
                )
            )

    # ------------------------------------------------------------------ analysis

    def set_analysis(self, analysis: Any) -> None:
        """Take a new analysis; repaint only the cards whose digest changed."""
        shapes = getattr(analysis, "shapes", None) or {}
        counts = getattr(analysis, "param_counts", None) or {}
        problems = _by_node(getattr(analysis, "problems", None))
        warnings = _by_node(getattr(analysis, "warnings", None))
        for nid, item in self.nodes.items():
            info = NodeInfo(
                format_shape(shapes.get(nid)),
                format_count(counts.get(nid)) if nid in counts else "",
                tuple(problems.get(nid, ())),
                tuple(warnings.get(nid, ())),
            )
            if info != self._info.get(nid, _EMPTY):
                self._info[nid] = info
                item.refresh()

    def apply_first_fix(self, node_id: str) -> bool:
        """Apply the first fix of the node's problems, else of its warnings."""
        info = self.node_info(node_id)
        notes = info.problems or info.warnings
        for p in notes:
            if getattr(p, "fix", None) is not None:
                return self.controller.apply_fix(p.fix)
        if notes:
            self.message.emit(notes[0].message)
        return False

    # ------------------------------------------------------------------ moving

    def node_item_moved(self, item: NodeItem) -> None:
        """Called by a card whenever its position changed: move its edges along."""
        for key in self._edges_of.get(item.node_id, ()):
            edge = self.edges.get(key)
            if edge is not None:
                self._place_edge(edge)
        if not self._syncing:
            self._dragged[item.node_id] = item

    def commit_moves(self) -> bool:
        """Turn the live drag into one MoveNodes undo step."""
        if not self._dragged:
            return False
        moves = {nid: (it.x(), it.y()) for nid, it in self._dragged.items() if nid in self.graph}
        self._dragged.clear()
        done = self.controller.move_nodes(moves)
        self.ensure_rect()
        return done

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        self.commit_moves()

    # ------------------------------------------------------------------ connecting

    def begin_connect(self, src: str, pos: QPointF) -> None:
        """Start dragging a new connection out of `src`; mark which inputs can take it."""
        self.cancel_connect()
        self._connect_src = src
        line = QGraphicsPathItem()
        pen = QPen(self.style.drag_edge, 2.0)
        pen.setDashPattern([5.0, 3.0])
        line.setPen(pen)
        line.setZValue(5)
        self.addItem(line)
        self._connect_line = line
        for nid, item in self.nodes.items():
            ok = (
                item.input_port is not None
                and nid != src
                and self.graph.can_connect(src, nid) is None
            )
            if item.input_port is not None:
                item.input_port.set_state(PortState.VALID if ok else PortState.INVALID)
            if not ok:
                item.setOpacity(0.5)
        self.update_connect(pos)

    def update_connect(self, pos: QPointF) -> None:
        if self._connect_src is None or self._connect_line is None:
            return
        src = self.nodes.get(self._connect_src)
        if src is None:
            self.cancel_connect()
            return
        target_id = self.node_at(pos)
        target = self.nodes[target_id].input_port if target_id in self.nodes else None
        if target is not self._connect_target:
            if self._connect_target is not None and self._connect_target.state is PortState.TARGET:
                self._connect_target.set_state(PortState.VALID)
            self._connect_target = None
            if target is not None and target.state is PortState.VALID:
                target.set_state(PortState.TARGET)
                self._connect_target = target
        end = self._connect_target.scenePos() if self._connect_target is not None else pos
        self._connect_line.setPath(curve_path(src.output_pos(), end))

    def cancel_connect(self) -> None:
        if self._connect_line is not None:
            self.removeItem(self._connect_line)
        self._connect_line = None
        self._connect_target = None
        if self._connect_src is not None:
            for item in self.nodes.values():
                if item.input_port is not None:
                    item.input_port.set_state(PortState.NORMAL)
                if item.opacity() != 1.0:
                    item.setOpacity(1.0)
        self._connect_src = None

    def finish_connect(self, pos: QPointF) -> bool:
        """Connect to the layer under `pos`, or refuse with the reason (message)."""
        src = self._connect_src
        self.cancel_connect()
        if src is None or src not in self.graph:
            return False
        dst = self.node_at(pos)
        if dst is None:
            return False
        if dst == src and self.nodes[src].output_port.sceneBoundingRect().contains(pos):
            return False  # a click on the port, not a drag
        reason = self.graph.can_connect(src, dst)
        if reason is not None:
            self.message.emit(reason)
            return False
        return self.controller.connect(src, dst)

    @property
    def connecting(self) -> bool:
        return self._connect_src is not None
