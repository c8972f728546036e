"""The network document: nodes, edges, typed refusals and change events.

`Graph` is the single source of truth for the network on the canvas. Every edit
goes through one of its methods (add, remove, restore, connect, disconnect,
move, set_params, rename, paste, load, clear); each refused edit raises a typed
`GraphError` whose message names the layers involved in plain words, and each
accepted edit notifies subscribers with a frozen event so views can mirror the
document. Its JSON form (writing, reading with checks, migrations, the
clipboard form) is `core.document.graph_io`. This module imports only the
standard library (and the standard-library-only `core.errors` and
`core.naming`); layer knowledge comes through the `LayerCatalog` protocol.
"""

from __future__ import annotations

import copy
import difflib
import heapq
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

from core.errors import GraphError
from core.naming import snake_case

__all__ = [
    "MISSING",
    "CycleError",
    "DuplicateEdgeError",
    "Edge",
    "EdgeAdded",
    "EdgeNotFoundError",
    "EdgeRemoved",
    "Graph",
    "GraphEvent",
    "GraphReset",
    "InvalidNameError",
    "LayerCatalog",
    "NameTakenError",
    "Node",
    "NodeAdded",
    "NodeIdTakenError",
    "NodeMoved",
    "NodeNotFoundError",
    "NodeRemoved",
    "NodeRenamed",
    "ParamsChanged",
    "PortTakenError",
    "SelfLoopError",
    "TooManyInputsError",
    "UnknownLayerError",
]


# --------------------------------------------------------------------------- errors


class CycleError(GraphError):
    """The connection would close a loop."""


class DuplicateEdgeError(GraphError):
    """The two layers are already connected."""


class TooManyInputsError(GraphError):
    """The destination layer already has all the inputs it accepts."""


class UnknownLayerError(GraphError):
    """The layer type is not in the catalog."""


class SelfLoopError(GraphError):
    """A layer cannot be connected to itself."""


class NodeNotFoundError(GraphError):
    """No node with that id (or name) in the document."""


class NameTakenError(GraphError):
    """The name is already used by another layer (or is not a usable name)."""


class InvalidNameError(NameTakenError):
    """The name is empty or otherwise unusable."""


class NodeIdTakenError(GraphError):
    """A node with that id already exists."""


class PortTakenError(GraphError):
    """The destination input port already has a connection."""


class EdgeNotFoundError(GraphError):
    """The two layers are not connected."""


# --------------------------------------------------------------------------- data


@dataclass
class Node:
    """One layer on the canvas. Treat instances from `Graph.nodes` as read-only."""

    id: str
    type: str
    name: str
    params: dict[str, Any]
    x: float = 0.0
    y: float = 0.0


@dataclass(frozen=True)
class Edge:
    """`src` feeds `dst` at input position `port` (the order Concatenate uses)."""

    src: str
    dst: str
    port: int


class LayerCatalog(Protocol):
    """What the document needs to know about layer types (core.engine.layers.spec.CATALOG)."""

    def has(self, type_name: str) -> bool: ...

    def input_arity(self, type_name: str) -> tuple[int, int | None]: ...

    def default_params(self, type_name: str) -> dict[str, Any]: ...

    def base_name(self, type_name: str) -> str: ...


class _AnyCatalog:
    """Catalog used when none is given: any type, any number of inputs."""

    def has(self, type_name: str) -> bool:
        return bool(type_name)

    def input_arity(self, type_name: str) -> tuple[int, int | None]:
        return (0, None)

    def default_params(self, type_name: str) -> dict[str, Any]:
        return {}

    def base_name(self, type_name: str) -> str:
        return snake_case(type_name)


class _Missing:
    """Marker for "this parameter was not set" in `set_params` old values."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __deepcopy__(self, memo: dict[int, Any]) -> _Missing:
        return self


#: In the dict `set_params` returns, a key that was absent maps to MISSING;
#: passing MISSING as a value to `set_params` removes the key.
MISSING: Any = _Missing()


# --------------------------------------------------------------------------- events


@dataclass(frozen=True)
class NodeAdded:
    node_id: str


@dataclass(frozen=True)
class NodeRemoved:
    node_id: str


@dataclass(frozen=True)
class EdgeAdded:
    edge: Edge


@dataclass(frozen=True)
class EdgeRemoved:
    edge: Edge


@dataclass(frozen=True)
class NodeMoved:
    node_id: str
    x: float
    y: float


@dataclass(frozen=True)
class ParamsChanged:
    node_id: str
    changes: dict[str, Any] = field(hash=False)


@dataclass(frozen=True)
class NodeRenamed:
    node_id: str
    old: str
    new: str


@dataclass(frozen=True)
class GraphReset:
    pass


GraphEvent = (
    NodeAdded
    | NodeRemoved
    | EdgeAdded
    | EdgeRemoved
    | NodeMoved
    | ParamsChanged
    | NodeRenamed
    | GraphReset
)

# --------------------------------------------------------------------------- ids

_ID_RE = re.compile(r"^n(\d+)$")
_SUFFIX_RE = re.compile(r"^(.*?)_(\d+)$")


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


# --------------------------------------------------------------------------- graph


class Graph:
    """The editable network document. See the module docstring."""

    def __init__(self, catalog: LayerCatalog | None = None) -> None:
        self._catalog: LayerCatalog = catalog if catalog is not None else _AnyCatalog()
        self._nodes: dict[str, Node] = {}
        self._seq: dict[str, int] = {}
        self._removed_seq: dict[str, int] = {}
        self._next_seq = 0
        self._names: dict[str, str] = {}  # name -> id
        self._edges: dict[Edge, None] = {}
        self._in: dict[str, dict[int, Edge]] = {}
        self._out: dict[str, dict[str, Edge]] = {}
        self._counter = 1
        self._subscribers: list[Callable[[Any], None]] = []

    # ------------------------------------------------------------------ reading

    @property
    def catalog(self) -> LayerCatalog:
        return self._catalog

    @property
    def nodes(self) -> Mapping[str, Node]:
        """Read-only mapping id -> Node in document order."""
        return MappingProxyType(self._nodes)

    @property
    def edges(self) -> tuple[Edge, ...]:
        return tuple(self._edges)

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._nodes

    def node(self, node_id: str) -> Node:
        try:
            return self._nodes[node_id]
        except (KeyError, TypeError):
            raise NodeNotFoundError(f"No layer with id {node_id!r} in the network.") from None

    def node_by_name(self, name: str) -> Node:
        node_id = self._names.get(name)
        if node_id is None:
            close = difflib.get_close_matches(str(name), list(self._names), n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise NodeNotFoundError(f"No layer named {name!r} in the network.{hint}")
        return self._nodes[node_id]

    def has_name(self, name: str) -> bool:
        return name in self._names

    def inputs_of(self, node_id: str) -> list[str]:
        """Ids of the layers feeding `node_id`, ordered by port."""
        self.node(node_id)
        ins = self._in[node_id]
        return [ins[p].src for p in sorted(ins)]

    def input_edges(self, node_id: str) -> list[Edge]:
        self.node(node_id)
        ins = self._in[node_id]
        return [ins[p] for p in sorted(ins)]

    def outputs_of(self, node_id: str) -> list[str]:
        """Ids of the layers `node_id` feeds, in connection order."""
        self.node(node_id)
        return list(self._out[node_id])

    def topological_order(self) -> list[str]:
        """Every node id, each after all its inputs; ties keep document order."""
        index = {nid: i for i, nid in enumerate(self._nodes)}
        indeg = {nid: len(self._in[nid]) for nid in self._nodes}
        heap = [index[n] for n, d in indeg.items() if d == 0]
        heapq.heapify(heap)
        ids = list(self._nodes)
        order: list[str] = []
        while heap:
            nid = ids[heapq.heappop(heap)]
            order.append(nid)
            for dst in self._out[nid]:
                indeg[dst] -= 1
                if indeg[dst] == 0:
                    heapq.heappush(heap, index[dst])
        return order

    # ------------------------------------------------------------------ observers

    def subscribe(self, callback: Callable[[Any], None]) -> Callable[[], None]:
        """Call `callback(event)` after every change; returns the unsubscribe function."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def _emit(self, event: Any) -> None:
        error: BaseException | None = None
        for cb in list(self._subscribers):
            try:
                cb(event)
            except Exception as exc:  # deliver to everyone, then re-raise the first
                if error is None:
                    error = exc
        if error is not None:
            raise error

    # ------------------------------------------------------------------ naming

    def _unique_name(self, stem: str) -> str:
        if stem not in self._names:
            return stem
        i = 1
        while f"{stem}_{i}" in self._names:
            i += 1
        return f"{stem}_{i}"

    def _check_name(self, name: Any, node_id: str | None = None) -> str:
        if not isinstance(name, str) or not name.strip():
            raise InvalidNameError(f"A layer name cannot be empty. Received: {name!r}")
        name = name.strip()
        if "/" in name:
            raise InvalidNameError(f"A layer name cannot contain '/'. Received: {name!r}")
        owner = self._names.get(name)
        if owner is not None and owner != node_id:
            raise NameTakenError(
                f"The name '{name}' is already used by another layer. "
                f"Choose a different name, e.g. '{self._unique_name(name)}'."
            )
        return name

    def _new_id(self) -> str:
        while f"n{self._counter}" in self._nodes or f"n{self._counter}" in self._removed_seq:
            self._counter += 1
        nid = f"n{self._counter}"
        self._counter += 1
        return nid

    def _note_id(self, node_id: str) -> None:
        m = _ID_RE.match(node_id)
        if m:
            self._counter = max(self._counter, int(m.group(1)) + 1)

    def _label(self, node_id: str) -> str:
        node = self._nodes.get(node_id)
        return f"'{node.name}'" if node else repr(node_id)

    # ------------------------------------------------------------------ node edits

    def _check_type(self, type_name: Any) -> None:
        if not isinstance(type_name, str) or not self._catalog.has(type_name):
            known = list(getattr(self._catalog, "types", lambda: [])())
            close = difflib.get_close_matches(str(type_name), known, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise UnknownLayerError(f"Unknown layer type {type_name!r}.{hint}")

    def _insert(self, node: Node, seq: int | None = None) -> None:
        needs_sort = False
        if seq is None:
            seq = self._next_seq
            self._next_seq += 1
        else:
            needs_sort = any(self._seq[n] > seq for n in self._nodes)
        self._seq[node.id] = seq
        self._nodes[node.id] = node
        if needs_sort:
            self._nodes = dict(sorted(self._nodes.items(), key=lambda kv: self._seq[kv[0]]))
        self._names[node.name] = node.id
        self._in[node.id] = {}
        self._out[node.id] = {}
        self._note_id(node.id)

    def add_node(
        self,
        type: str,
        params: Mapping[str, Any] | None = None,
        *,
        x: float = 0.0,
        y: float = 0.0,
        name: str | None = None,
        node_id: str | None = None,
    ) -> Node:
        """Add a layer of `type`; `params` are merged over the catalog defaults."""
        self._check_type(type)
        if node_id is not None:
            if not isinstance(node_id, str) or not node_id:
                raise GraphError(f"A node id must be non-empty text. Received: {node_id!r}")
            if node_id in self._nodes:
                raise NodeIdTakenError(f"A layer with id '{node_id}' already exists.")
        if name is None:
            name = self._unique_name(self._catalog.base_name(type))
        else:
            name = self._check_name(name)
        merged = copy.deepcopy(dict(self._catalog.default_params(type)))
        merged.update(copy.deepcopy(dict(params or {})))
        nid = node_id if node_id is not None else self._new_id()
        node = Node(id=nid, type=type, name=name, params=merged, x=self._coord(x), y=self._coord(y))
        self._removed_seq.pop(nid, None)
        self._insert(node)
        self._emit(NodeAdded(nid))
        return node

    @staticmethod
    def _coord(v: Any) -> float:
        if not _is_number(v):
            raise GraphError(f"A position must be a finite number. Received: {v!r}")
        return float(v)

    def remove_node(self, node_id: str) -> tuple[Node, list[Edge]]:
        """Remove a node and its edges; returns what `restore_node` needs to undo it."""
        node = self.node(node_id)
        edges = [e for e in self._edges if e.src == node_id or e.dst == node_id]
        for e in edges:
            self._drop_edge(e)
            self._emit(EdgeRemoved(e))
        del self._nodes[node_id]
        del self._names[node.name]
        del self._in[node_id]
        del self._out[node_id]
        self._removed_seq[node_id] = self._seq.pop(node_id)
        self._emit(NodeRemoved(node_id))
        return copy.deepcopy(node), edges

    def restore_node(self, node: Node, edges: Iterable[Edge] = ()) -> None:
        """Exact undo of `remove_node`: same id, name, params, position and edge ports."""
        edges = list(edges)
        if node.id in self._nodes:
            raise NodeIdTakenError(f"A layer with id '{node.id}' already exists.")
        self._check_type(node.type)
        self._check_name(node.name)
        for e in edges:
            if node.id not in (e.src, e.dst):
                raise GraphError(f"Edge {e} does not touch the restored layer '{node.name}'.")
            other = e.dst if e.src == node.id else e.src
            if other != node.id and other not in self._nodes:
                raise NodeNotFoundError(
                    f"Cannot restore '{node.name}': the layer with id {other!r} it was "
                    "connected to is gone."
                )
            if e.dst != node.id and e.port in self._in[e.dst]:
                raise PortTakenError(
                    f"Cannot restore '{node.name}': input {e.port} of "
                    f"{self._label(e.dst)} is already connected."
                )
        seq = self._removed_seq.pop(node.id, None)
        restored = copy.deepcopy(node)
        self._insert(restored, seq)
        self._emit(NodeAdded(node.id))
        for e in edges:
            self._add_edge(e)
            self._emit(EdgeAdded(e))

    def move(self, node_id: str, x: float, y: float) -> None:
        node = self.node(node_id)
        node.x, node.y = self._coord(x), self._coord(y)
        self._emit(NodeMoved(node_id, node.x, node.y))

    def set_params(self, node_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Set parameters; returns their old values (MISSING where absent) for undo.

        Values are not validated here (build does that). A value of MISSING removes
        the key.
        """
        node = self.node(node_id)
        old: dict[str, Any] = {}
        changed: dict[str, Any] = {}
        for key, value in changes.items():
            if not isinstance(key, str):
                raise GraphError(f"Parameter names must be text. Received: {key!r}")
            before = node.params.get(key, MISSING)
            old[key] = copy.deepcopy(before)
            if before is MISSING and value is MISSING:
                continue
            if (
                before is not MISSING
                and value is not MISSING
                and before == value
                and (type(before) is type(value))
            ):
                continue
            changed[key] = copy.deepcopy(value)
        for key, value in changed.items():
            if value is MISSING:
                node.params.pop(key, None)
            else:
                node.params[key] = value
        if changed:
            self._emit(ParamsChanged(node_id, copy.deepcopy(changed)))
        return old

    def rename(self, node_id: str, new_name: str) -> None:
        node = self.node(node_id)
        new_name = self._check_name(new_name, node_id)
        if new_name == node.name:
            return
        old = node.name
        del self._names[old]
        node.name = new_name
        self._names[new_name] = node_id
        self._emit(NodeRenamed(node_id, old, new_name))

    # ------------------------------------------------------------------ edge edits

    def _free_port(self, dst: str) -> int:
        ins = self._in[dst]
        p = 0
        while p in ins:
            p += 1
        return p

    def check_connect(self, src: str, dst: str, port: int | None = None) -> None:
        """Raise the typed GraphError that `connect(src, dst, port)` would raise, if any."""
        s, d = self.node(src), self.node(dst)
        if src == dst:
            raise SelfLoopError(f"A layer cannot feed itself: '{s.name}' to '{s.name}'.")
        lo, hi = self._catalog.input_arity(d.type)
        if hi == 0:
            what = "an Input layer" if d.type == "Input" else f"a {d.type} layer"
            raise TooManyInputsError(
                f"'{d.name}' is {what} and takes no inputs — connect it into other "
                f"layers instead of connecting '{s.name}' into it."
            )
        if dst in self._out[src]:
            raise DuplicateEdgeError(f"'{s.name}' is already connected to '{d.name}'.")
        path = self._path(dst, src)
        if path is not None:
            via = path[1:-1]
            through = (
                " (through " + ", ".join(f"'{self._nodes[n].name}'" for n in via) + ")"
                if via
                else ""
            )
            raise CycleError(
                f"Connecting '{s.name}' to '{d.name}' would make a loop: "
                f"'{d.name}' already feeds '{s.name}'{through}."
            )
        ins = self._in[dst]
        if hi is not None and len(ins) >= hi:
            feeders = ", ".join(f"'{self._nodes[ins[p].src].name}'" for p in sorted(ins))
            if hi == 1:
                msg = (
                    f"'{d.name}' ({d.type}) takes 1 input and already has one from {feeders}"
                    f" — disconnect it before connecting '{s.name}'."
                )
            else:
                msg = (
                    f"'{d.name}' ({d.type}) takes at most {hi} inputs and already has "
                    f"{len(ins)} ({feeders}) — disconnect one before connecting '{s.name}'."
                )
            raise TooManyInputsError(msg)
        if port is not None:
            if isinstance(port, bool) or not isinstance(port, int) or port < 0:
                raise GraphError(f"An input port must be a whole number >= 0. Received: {port!r}")
            if hi is not None and port >= hi:
                raise TooManyInputsError(
                    f"'{d.name}' ({d.type}) has inputs 0 to {hi - 1}; there is no input {port}."
                )
            if port in ins:
                raise PortTakenError(
                    f"Input {port} of '{d.name}' is already connected to "
                    f"'{self._nodes[ins[port].src].name}'."
                )

    def _path(self, start: str, goal: str) -> list[str] | None:
        """A path of node ids start -> ... -> goal along edges, or None."""
        parent: dict[str, str | None] = {start: None}
        stack = [start]
        while stack:
            n = stack.pop()
            if n == goal:
                path = [n]
                while parent[path[-1]] is not None:
                    path.append(parent[path[-1]])  # type: ignore[arg-type]
                return path[::-1]
            for m in self._out[n]:
                if m not in parent:
                    parent[m] = n
                    stack.append(m)
        return None

    def can_connect(self, src: str, dst: str, port: int | None = None) -> str | None:
        """None if the connection is allowed, else the reason in plain words."""
        try:
            self.check_connect(src, dst, port)
        except GraphError as exc:
            return str(exc)
        return None

    def _add_edge(self, e: Edge) -> None:
        self._edges[e] = None
        self._in[e.dst][e.port] = e
        self._out[e.src][e.dst] = e

    def _drop_edge(self, e: Edge) -> None:
        del self._edges[e]
        del self._in[e.dst][e.port]
        del self._out[e.src][e.dst]

    def connect(self, src: str, dst: str, port: int | None = None) -> Edge:
        """Connect `src` into `dst` at `port` (None: the lowest free input)."""
        self.check_connect(src, dst, port)
        e = Edge(src, dst, self._free_port(dst) if port is None else port)
        self._add_edge(e)
        self._emit(EdgeAdded(e))
        return e

    def disconnect(self, src: str, dst: str) -> Edge:
        s, d = self.node(src), self.node(dst)
        e = self._out[src].get(dst)
        if e is None:
            raise EdgeNotFoundError(f"'{s.name}' is not connected to '{d.name}'.")
        self._drop_edge(e)
        self._emit(EdgeRemoved(e))
        return e

    # ------------------------------------------------------------------ whole document

    def _reset_state(self) -> None:
        self._nodes, self._seq, self._removed_seq = {}, {}, {}
        self._names, self._edges, self._in, self._out = {}, {}, {}, {}
        self._next_seq, self._counter = 0, 1

    def clear(self) -> None:
        self._reset_state()
        self._emit(GraphReset())

    def load(self, other: Graph) -> None:
        """Replace the whole content with a copy of `other`'s; one GraphReset.

        To load a dict, parse it first with `core.document.graph_io.graph_from_dict`
        (a malformed dict is refused there, before anything here changes).
        """
        self._reset_state()
        for nid in other._nodes:
            self._insert(copy.deepcopy(other._nodes[nid]))
        for nid in other._nodes:  # canonical order, as a save and reopen gives
            for e in other.input_edges(nid):
                self._add_edge(e)
        self._emit(GraphReset())

    def reserve_ids(self, next_id: int) -> None:
        """New layers get ids from `n{next_id}` on (or later); kept across save and reopen."""
        self._counter = max(self._counter, int(next_id))

    def next_id_value(self) -> int:
        """One more than the highest `n<number>` id in use (1 for an empty graph)."""
        highest = 0
        for nid in self._nodes:
            m = _ID_RE.match(nid)
            if m:
                highest = max(highest, int(m.group(1)))
        return highest + 1

    # ------------------------------------------------------------------ copy / paste

    def paste(self, part: Graph, offset: tuple[float, float] = (0.0, 0.0)) -> list[str]:
        """Add a copy of `part` with fresh ids and unique names, shifted by `offset`.

        Internal edges are kept (ports compacted per destination in port order).
        Returns the new ids in the order of `part`'s layers. All or nothing.
        (The clipboard form is `core.document.graph_io.subgraph_dict`; parse it
        with `graph_from_dict` first.)
        """
        dx, dy = self._coord(offset[0]), self._coord(offset[1])
        mapping: dict[str, str] = {}
        new_nodes: list[Node] = []
        taken = set(self._names)
        for node in part._nodes.values():
            stem = node.name
            if stem in taken:
                m = _SUFFIX_RE.match(stem)
                stem = m.group(1) if m and m.group(1) else stem
                i = 1
                candidate = stem
                while candidate in taken:
                    candidate = f"{stem}_{i}"
                    i += 1
            else:
                candidate = stem
            taken.add(candidate)
            nid = self._new_id()
            mapping[node.id] = nid
            params = copy.deepcopy(node.params)
            new_nodes.append(Node(nid, node.type, candidate, params, node.x + dx, node.y + dy))
        for node in new_nodes:
            self._insert(node)
            self._emit(NodeAdded(node.id))
        for nid in part._nodes:
            for p_new, p in enumerate(sorted(part._in[nid])):
                e = part._in[nid][p]
                edge = Edge(mapping[e.src], mapping[nid], p_new)
                self._add_edge(edge)
                self._emit(EdgeAdded(edge))
        return [mapping[n] for n in part._nodes]
