"""Undo commands: every edit of the project as one QUndoCommand.

Project fields (the data file, the data settings, the training settings) change
through `SetAttrCommand`, a small command that sets one attribute and puts the
old value back on undo (as orange-canvas-core's `SetAttrCommand`); a gesture
that changes several fields is a `ProjectEditCommand` whose children are
`SetAttrCommand`s (run in order on redo and in reverse on undo), so no
command branches on what it edits; restoring a run puts a
`ReplaceGraphCommand` before them (the whole network and the training
settings in one step). `DeleteRunsCommand` deletes recorded runs and puts
them back where they were.

Each command calls only `core.document.graph.Graph` methods and remembers exactly what
it needs to undo itself (removed nodes with their edges and ports, old
parameter values, old positions), so undo and redo give back the same
`graph_to_dict(graph)` byte for byte. One command is one user gesture: a whole drag
is one `MoveNodesCommand`, consecutive typing in one inspector field merges
into one `SetParamsCommand`, and a one-click fix is one `ApplyFixCommand`.

Commands are "primed" by the controller: `execute()` performs the first redo
in Python (so a refused edit raises a typed `GraphError` before anything is
pushed), and the `redo()` that `QUndoStack.push` calls right after is skipped.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

from PySide6.QtGui import QUndoCommand

from core.document.graph import MISSING, Edge, Graph, Node
from core.document.graph_io import graph_from_dict
from core.errors import GraphError
from core.evaluation.runs import RunRecord, insert_run, remove_run

__all__ = [
    "AddNodeCommand",
    "ApplyFixCommand",
    "ConnectCommand",
    "DeleteRunsCommand",
    "DisconnectCommand",
    "GraphCommand",
    "MoveNodesCommand",
    "PasteCommand",
    "ProjectEditCommand",
    "RemoveNodesCommand",
    "RenameCommand",
    "ReplaceGraphCommand",
    "SetAttrCommand",
    "SetParamsCommand",
]

SET_PARAMS_ID = 4101
SET_ATTR_ID = 4102
INSERT_GAP = 260.0  # one auto-layout column


class SetAttrCommand(QUndoCommand):
    """Set `obj.<name>` to `value`; undo sets the old value back.

    Values are replaced, never changed in place, so keeping the old object is enough to
    undo. `changed(name)` runs after every set (the owner announces the change). With
    a `merge_key`, a command merges into the previous one when both set the same
    attribute of the same object with the same key (typing in one field, or clicking
    a spin box's arrow, is one undo step); a merge that returns to the old value
    makes the command obsolete, and the stack drops it.
    """

    def __init__(
        self,
        obj: object,
        name: str,
        value: Any,
        text: str = "",
        *,
        changed: Callable[[str], None] | None = None,
        merge_key: Hashable | None = None,
    ) -> None:
        super().__init__(text or f"Set {name.replace('_', ' ')}")
        self.obj = obj
        self.name = name
        self.old = getattr(obj, name)
        self.value = value
        self.changed = changed
        self.merge_key = merge_key

    def _set(self, value: Any) -> None:
        setattr(self.obj, self.name, value)
        if self.changed is not None:
            self.changed(self.name)

    def redo(self) -> None:
        self._set(self.value)

    def undo(self) -> None:
        self._set(self.old)

    def id(self) -> int:
        return SET_ATTR_ID if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 (Qt override)
        if not (
            isinstance(other, SetAttrCommand)
            and other.obj is self.obj
            and other.name == self.name
            and other.merge_key == self.merge_key
        ):
            return False
        self.value = other.value
        self.setText(other.text())
        if self.value == self.old:
            self.setObsolete(True)
        return True


class ProjectEditCommand(QUndoCommand):
    """One gesture that sets several project fields: a `SetAttrCommand` child per field.

    `changes` maps attribute names of `obj` to their new values. Redo runs the children
    in order and undo in reverse order; `changed(name)` runs for each field once all of
    them are set, so a listener never sees half an edit (a new data file with the old
    file's settings). `first` are other commands (a `ReplaceGraphCommand`) run before
    the fields on redo and after them on undo. The children are kept and run here, not
    given to Qt as child commands: PySide6 does not hand a child command's ownership to
    its Qt parent, so a Python child would be freed twice (or too early).
    """

    def __init__(
        self,
        obj: object,
        changes: Mapping[str, Any],
        text: str,
        *,
        changed: Callable[[str], None] | None = None,
        first: Sequence[QUndoCommand] = (),
    ) -> None:
        super().__init__(text)
        self.changed = changed
        self.fields = [SetAttrCommand(obj, n, v, text) for n, v in changes.items()]
        self.children_: list[QUndoCommand] = [*first, *self.fields]

    def _announce(self) -> None:
        if self.changed is not None:
            for child in self.fields:
                self.changed(child.name)

    def redo(self) -> None:
        for child in self.children_:
            child.redo()
        self._announce()

    def undo(self) -> None:
        for child in reversed(self.children_):
            child.undo()
        self._announce()


class DeleteRunsCommand(QUndoCommand):
    """Delete recorded runs from `project.runs`; undo puts each back at its place.

    `changed()` runs after every redo and undo (the owner announces the new list).
    """

    def __init__(
        self, project: Any, records: Sequence[RunRecord], changed: Callable[[], None]
    ) -> None:
        n = len(records)
        super().__init__(f"Delete run {records[0].id}" if n == 1 else f"Delete {n} runs")
        self.project = project
        self.ids = [r.id for r in records]
        self.changed = changed
        self._removed: list[tuple[int, RunRecord]] = []

    def redo(self) -> None:
        self._removed = [remove_run(self.project, i) for i in self.ids]
        self.changed()

    def undo(self) -> None:
        for index, record in reversed(self._removed):
            insert_run(self.project, record, index)
        self._removed = []
        self.changed()


class GraphCommand(QUndoCommand):
    """Base: a command that edits `graph`; subclasses implement `_do` and `_undo`."""

    def __init__(self, graph: Graph, text: str) -> None:
        super().__init__(text)
        self.graph = graph
        self._skip_redo = False

    def execute(self) -> None:
        """Perform the edit now (may raise GraphError); the next `redo()` is then skipped."""
        self._do()
        self._skip_redo = True

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        self._do()

    def undo(self) -> None:
        self._undo()

    def _do(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _undo(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class ReplaceGraphCommand(GraphCommand):
    """Replace the whole network with a copy of `new` (restoring a run); undo puts the
    previous network back exactly (ids, names, positions, connections)."""

    def __init__(self, graph: Graph, new: Graph, text: str = "Replace the network") -> None:
        super().__init__(graph, text)
        self._new = new
        self._old = Graph(graph.catalog)
        self._old.load(graph)

    def _do(self) -> None:
        self.graph.load(self._new)

    def _undo(self) -> None:
        self.graph.load(self._old)


class AddNodeCommand(GraphCommand):
    """Add one layer; undo removes it, redo restores the same id, name and params."""

    def __init__(
        self,
        graph: Graph,
        type_name: str,
        x: float,
        y: float,
        params: Mapping[str, Any] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(graph, f"Add {type_name}")
        self._type = type_name
        self._xy = (x, y)
        self._params = dict(params) if params else None
        self._name = name
        self._node: Node | None = None
        self.node_id: str | None = None

    def _do(self) -> None:
        if self._node is None:
            node = self.graph.add_node(
                self._type, self._params, x=self._xy[0], y=self._xy[1], name=self._name
            )
            self.node_id = node.id
            self._node = copy.deepcopy(node)
        else:
            self.graph.restore_node(self._node, ())

    def _undo(self) -> None:
        assert self.node_id is not None
        self._node, _ = self.graph.remove_node(self.node_id)


class RemoveNodesCommand(GraphCommand):
    """Remove layers and their edges; undo restores exact ids, names, edges and ports."""

    def __init__(self, graph: Graph, ids: list[str]) -> None:
        n = len(ids)
        super().__init__(graph, f"Delete {n} layer{'s' if n != 1 else ''}")
        for nid in ids:
            graph.node(nid)  # refuse unknown ids before anything changes
        self._ids = list(dict.fromkeys(ids))
        self._removed: list[tuple[Node, list[Edge]]] = []

    def _do(self) -> None:
        self._removed = [self.graph.remove_node(nid) for nid in self._ids]

    def _undo(self) -> None:
        # Reverse order: an edge between two removed nodes was taken with the first.
        for node, edges in reversed(self._removed):
            self.graph.restore_node(node, edges)
        self._removed = []


class ConnectCommand(GraphCommand):
    """Connect src into dst (lowest free input unless `port` is given)."""

    def __init__(self, graph: Graph, src: str, dst: str, port: int | None = None) -> None:
        super().__init__(graph, f"Connect {graph.node(src).name} → {graph.node(dst).name}")
        self._src, self._dst, self._port = src, dst, port

    def _do(self) -> None:
        edge = self.graph.connect(self._src, self._dst, self._port)
        self._port = edge.port

    def _undo(self) -> None:
        self.graph.disconnect(self._src, self._dst)


class DisconnectCommand(GraphCommand):
    """Remove the edge src -> dst; undo reconnects it on the same input port."""

    def __init__(self, graph: Graph, src: str, dst: str) -> None:
        super().__init__(graph, f"Disconnect {graph.node(src).name} → {graph.node(dst).name}")
        self._src, self._dst = src, dst
        self._port: int | None = None

    def _do(self) -> None:
        self._port = self.graph.disconnect(self._src, self._dst).port

    def _undo(self) -> None:
        self.graph.connect(self._src, self._dst, self._port)


class MoveNodesCommand(GraphCommand):
    """Move layers to new positions (one drag, or an auto-layout) in one step."""

    def __init__(
        self, graph: Graph, moves: Mapping[str, tuple[float, float]], text: str = ""
    ) -> None:
        n = len(moves)
        super().__init__(graph, text or f"Move {n} layer{'s' if n != 1 else ''}")
        self._new = {nid: (float(x), float(y)) for nid, (x, y) in moves.items()}
        self._old = {nid: (graph.node(nid).x, graph.node(nid).y) for nid in self._new}

    def _do(self) -> None:
        for nid, (x, y) in self._new.items():
            self.graph.move(nid, x, y)

    def _undo(self) -> None:
        for nid, (x, y) in self._old.items():
            self.graph.move(nid, x, y)


def _same(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    if a.keys() != b.keys():
        return False
    return all(
        (a[k] is MISSING and b[k] is MISSING)
        or (
            a[k] is not MISSING
            and b[k] is not MISSING
            and type(a[k]) is type(b[k])
            and a[k] == b[k]
        )
        for k in a
    )


class SetParamsCommand(GraphCommand):
    """Set parameters of one layer; consecutive edits of the same fields merge."""

    def __init__(
        self, graph: Graph, node_id: str, changes: Mapping[str, Any], merge: bool = True
    ) -> None:
        node = graph.node(node_id)
        keys = ", ".join(changes)
        super().__init__(graph, f"Set {keys} of {node.name}")
        self.node_id = node_id
        self._new = copy.deepcopy(dict(changes))
        self._old: dict[str, Any] | None = None
        self._merge = merge

    def id(self) -> int:
        return SET_PARAMS_ID if self._merge else -1

    def _do(self) -> None:
        old = self.graph.set_params(self.node_id, self._new)
        if self._old is None:
            self._old = old
            if _same(old, self._new):
                self.setObsolete(True)  # nothing changed: QUndoStack drops it

    def _undo(self) -> None:
        assert self._old is not None
        self.graph.set_params(self.node_id, self._old)

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetParamsCommand) or not (self._merge and other._merge):
            return False
        if other.node_id != self.node_id or other._new.keys() != self._new.keys():
            return False
        self._new = copy.deepcopy(other._new)
        self.setText(other.text())
        if self._old is not None and _same(self._old, self._new):
            self.setObsolete(True)
        return True


class RenameCommand(GraphCommand):
    """Rename one layer."""

    def __init__(self, graph: Graph, node_id: str, name: str) -> None:
        old = graph.node(node_id).name
        super().__init__(graph, f"Rename {old} → {name}")
        self._id, self._old, self._new = node_id, old, name

    def _do(self) -> None:
        self.graph.rename(self._id, self._new)
        self._new = self.graph.node(self._id).name  # stripped form
        if self._new == self._old:
            self.setObsolete(True)

    def _undo(self) -> None:
        self.graph.rename(self._id, self._old)


class PasteCommand(GraphCommand):
    """Paste a `subgraph_dict` with fresh ids; redo after undo recreates the same ids.

    The data is parsed here, so a malformed clipboard is refused (FormatError)
    before anything is pushed.
    """

    def __init__(
        self, graph: Graph, data: Mapping[str, Any], offset: tuple[float, float], text: str = ""
    ) -> None:
        super().__init__(graph, text or "Paste")
        self._part = graph_from_dict(dict(data), catalog=graph.catalog)
        self._offset = offset
        self.ids: list[str] = []
        self._nodes: list[Node] = []
        self._edges: list[Edge] = []

    def _do(self) -> None:
        if not self._nodes:
            self.ids = self.graph.paste(self._part, self._offset)
            ids = set(self.ids)
            self._nodes = [copy.deepcopy(self.graph.node(n)) for n in self.ids]
            self._edges = [e for e in self.graph.edges if e.src in ids and e.dst in ids]
            return
        for node in self._nodes:
            self.graph.restore_node(node, ())
        for e in self._edges:
            self.graph.connect(e.src, e.dst, e.port)

    def _undo(self) -> None:
        nodes = []
        for nid in reversed(self.ids):
            node, _ = self.graph.remove_node(nid)
            nodes.append(node)
        self._nodes = nodes[::-1]


class ApplyFixCommand(GraphCommand):
    """A one-click fix from the shape check: insert a layer on an edge, or set params.

    `fix` has the attributes of `core.document.analysis.Fix`: label, kind ("insert_layer" or
    "set_params"), node_id (the layer with the problem), params, layer_type and
    after (the layer feeding `node_id` on the edge where the new layer goes; when
    None, the first input of `node_id`).
    """

    def __init__(self, graph: Graph, fix: Any) -> None:
        super().__init__(graph, str(getattr(fix, "label", "Apply fix")))
        self._kind = getattr(fix, "kind", None)
        self._node_id: str = fix.node_id
        graph.node(self._node_id)
        self._params = dict(getattr(fix, "params", None) or {})
        self._old_params: dict[str, Any] | None = None
        self._inserted: Node | None = None
        self._port: int | None = None
        self._xy = (0.0, 0.0)
        self._shifts: dict[str, tuple[float, float, float, float]] = {}
        if self._kind == "insert_layer":
            self._layer_type = getattr(fix, "layer_type", None)
            if not self._layer_type:
                raise GraphError("The fix names no layer type to insert.")
            after = getattr(fix, "after", None)
            if after is None:
                inputs = graph.inputs_of(self._node_id)
                after = inputs[0] if inputs else None
            self._after: str | None = after
        elif self._kind != "set_params":
            raise GraphError(
                f"Expected a fix of kind 'insert_layer' or 'set_params'. Received: {self._kind!r}"
            )

    def _do(self) -> None:
        g = self.graph
        if self._kind == "set_params":
            old = g.set_params(self._node_id, self._params)
            if self._old_params is None:
                self._old_params = old
            return
        if self._inserted is None:
            self._plan_room()
        if self._after is not None:
            self._port = g.disconnect(self._after, self._node_id).port
        for nid, (x, y, _, _) in self._shifts.items():
            g.move(nid, x, y)
        if self._inserted is None:
            node = g.add_node(self._layer_type, self._params, x=self._xy[0], y=self._xy[1])
            self._inserted = copy.deepcopy(node)
            if self._after is not None:
                g.connect(self._after, node.id, 0)
            self._port = g.connect(node.id, self._node_id, self._port).port
            return
        nid = self._inserted.id
        edges = [Edge(nid, self._node_id, self._port if self._port is not None else 0)]
        if self._after is not None:
            edges.insert(0, Edge(self._after, nid, 0))
        g.restore_node(self._inserted, edges)

    def _plan_room(self) -> None:
        """Where the new layer goes; shift `node_id` and what follows it right if crowded."""
        g = self.graph
        dst = g.node(self._node_id)
        self._shifts = {}
        if self._after is None:
            self._xy = (dst.x - INSERT_GAP, dst.y)
            return
        src = g.node(self._after)
        if dst.x - src.x >= 2 * INSERT_GAP:
            self._xy = ((src.x + dst.x) / 2.0, (src.y + dst.y) / 2.0)
            return
        self._xy = (max(dst.x, src.x + INSERT_GAP), dst.y)
        shift = self._xy[0] + INSERT_GAP - dst.x
        todo, seen = [self._node_id], {self._node_id}
        while todo:
            nid = todo.pop()
            node = g.node(nid)
            self._shifts[nid] = (node.x + shift, node.y, node.x, node.y)
            for m in g.outputs_of(nid):
                if m not in seen:
                    seen.add(m)
                    todo.append(m)

    def _undo(self) -> None:
        g = self.graph
        if self._kind == "set_params":
            assert self._old_params is not None
            g.set_params(self._node_id, self._old_params)
            return
        assert self._inserted is not None
        self._inserted, _ = g.remove_node(self._inserted.id)
        for nid, (_, _, x, y) in self._shifts.items():
            g.move(nid, x, y)
        if self._after is not None:
            g.connect(self._after, self._node_id, self._port)

    @property
    def inserted_id(self) -> str | None:
        return self._inserted.id if self._inserted is not None else None
