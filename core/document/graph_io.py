"""The network document's JSON form: `graph_to_dict`, `graph_from_dict`, `subgraph_dict`.

A graph is stored as a versioned, JSON-only dict: `format_version`,
`next_id`, `nodes` (id, type, name, params and, on the canvas, x/y) and
`edges` (src, dst, port; canonical order: by destination in document order,
then port). `graph_from_dict` checks the envelope, migrates older versions
(`MIGRATIONS`), and refuses a malformed document with a `FormatError` that
says which node or edge is wrong and how; it builds the `Graph` through the
document's own public edits, so a file can hold nothing an edit could not
make. `subgraph_dict` is the clipboard form of some selected layers.

Like `core.document.graph`, this module imports only the standard library
and the standard-library-only `core.errors` and `core.document.versioning`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from core.document.graph import CycleError, Graph, LayerCatalog, Node
from core.document.versioning import Migration, migrate
from core.errors import FormatError, GraphError

__all__ = ["FORMAT_VERSION", "MIGRATIONS", "graph_from_dict", "graph_to_dict", "subgraph_dict"]

#: The network format this LayerForge writes.
FORMAT_VERSION = 1
#: version -> function turning a dict of that version into one of version + 1.
MIGRATIONS: dict[int, Migration] = {}


# --------------------------------------------------------------------------- writing


def _to_json(value: Any, where: str) -> Any:
    """`value` with tuples turned into lists; refuse what JSON cannot hold."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise GraphError(f"{where}: Expected a finite number. Received: {value!r}")
        return value
    if isinstance(value, (list, tuple)):
        return [_to_json(v, where) for v in value]
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise GraphError(f"{where}: Expected text keys. Received: {k!r}")
            out[k] = _to_json(v, where)
        return out
    item = getattr(value, "item", None)  # NumPy scalars, without importing NumPy
    if callable(item):
        try:
            converted = item()
        except (TypeError, ValueError):
            converted = value
        if converted is not value and not hasattr(converted, "item"):
            return _to_json(converted, where)
    raise GraphError(
        f"{where}: Expected a number, text, true/false, null or a list of them. "
        f"Received: {value!r} ({type(value).__name__})"
    )


def _node_dict(node: Node, positions: bool) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": node.id,
        "type": node.type,
        "name": node.name,
        "params": _to_json(node.params, f"layer '{node.name}'"),
    }
    if positions:
        d["x"], d["y"] = node.x, node.y
    return d


def _edge_dicts(graph: Graph, ids: Iterable[str], keep: set[str] | None = None) -> list[dict]:
    """Edges into `ids` (by destination, then port), optionally only those from `keep`."""
    return [
        {"src": e.src, "dst": e.dst, "port": e.port}
        for nid in ids
        for e in graph.input_edges(nid)
        if keep is None or e.src in keep
    ]


def graph_to_dict(graph: Graph, *, positions: bool = True) -> dict[str, Any]:
    """The document as JSON-ready types; without `positions`, no canvas x/y."""
    return {
        "format_version": FORMAT_VERSION,
        "next_id": graph.next_id_value(),
        "nodes": [_node_dict(n, positions) for n in graph.nodes.values()],
        "edges": _edge_dicts(graph, graph.nodes),
    }


def subgraph_dict(graph: Graph, ids: Iterable[str]) -> dict[str, Any]:
    """The selected layers and the edges between them, in `graph_to_dict` form."""
    wanted = {graph.node(nid).id for nid in ids}
    chosen = [nid for nid in graph.nodes if nid in wanted]
    return {
        "format_version": FORMAT_VERSION,
        "nodes": [_node_dict(graph.node(n), True) for n in chosen],
        "edges": _edge_dicts(graph, chosen, keep=wanted),
    }


# --------------------------------------------------------------------------- reading


def _fmt_error(where: str, message: str) -> FormatError:
    return FormatError(f"{where}: {message}")


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _add_node(graph: Graph, i: int, nd: Any) -> None:
    where = f"node {i}"
    if not isinstance(nd, dict):
        raise _fmt_error(where, f"expected an object. Received: {type(nd).__name__}")
    name = nd.get("name")
    if isinstance(name, str):
        where = f"node {i} ('{name}')"
    for key in ("id", "type", "name"):
        if key not in nd:
            raise _fmt_error(where, f"missing '{key}'")
        if not isinstance(nd[key], str) or not nd[key]:
            raise _fmt_error(where, f"'{key}' must be non-empty text. Received: {nd[key]!r}")
    if nd["id"] in graph:
        raise _fmt_error(where, f"id '{nd['id']}' is used twice")
    params = nd.get("params", {})
    if not isinstance(params, dict) or not all(isinstance(k, str) for k in params):
        raise _fmt_error(where, f"'params' must be an object. Received: {params!r}")
    for key in ("x", "y"):
        if not _is_number(nd.get(key, 0.0)):
            raise _fmt_error(where, f"'{key}' must be a finite number. Received: {nd[key]!r}")
    try:
        graph.add_node(
            nd["type"],
            params,
            x=nd.get("x", 0.0),
            y=nd.get("y", 0.0),
            name=name,
            node_id=nd["id"],
        )
    except GraphError as exc:
        raise _fmt_error(where, str(exc)) from None


def _add_edge(graph: Graph, i: int, ed: Any) -> None:
    where = f"edge {i}"
    if not isinstance(ed, dict):
        raise _fmt_error(where, f"expected an object. Received: {type(ed).__name__}")
    for key in ("src", "dst"):
        if key not in ed:
            raise _fmt_error(where, f"missing '{key}'")
        if not isinstance(ed[key], str) or ed[key] not in graph:
            raise _fmt_error(where, f"'{key}' names no layer in the file: {ed[key]!r}")
    src, dst = graph.node(ed["src"]), graph.node(ed["dst"])
    where = f"edge {i} ('{src.name}' -> '{dst.name}')"
    port = ed.get("port")
    if isinstance(port, bool) or not isinstance(port, int) or port < 0:
        raise _fmt_error(where, f"'port' must be a whole number >= 0. Received: {port!r}")
    # The file's own words for what a connect would refuse with an editing hint.
    if src.id == dst.id:
        raise _fmt_error(where, f"a layer cannot feed itself ('{src.name}')")
    if dst.id in graph.outputs_of(src.id):
        raise _fmt_error(where, "the two layers are connected twice")
    taken = {e.port for e in graph.input_edges(dst.id)}
    if port in taken:
        raise _fmt_error(where, f"input {port} is used twice")
    hi = graph.catalog.input_arity(dst.type)[1]
    if hi is not None and (len(taken) >= hi or port >= hi):
        raise _fmt_error(
            where, f"'{dst.name}' ({dst.type}) takes at most {hi} input{'s' if hi != 1 else ''}"
        )
    try:
        graph.connect(src.id, dst.id, port)
    except CycleError:
        raise FormatError(
            f"{where}: the network contains a loop through '{dst.name}' and '{src.name}'; "
            "a network must flow one way."
        ) from None
    except GraphError as exc:
        raise _fmt_error(where, str(exc)) from None


def graph_from_dict(d: Any, catalog: LayerCatalog | None = None) -> Graph:
    """Parse (and migrate) a dict from `graph_to_dict`; FormatError says what and where."""
    if not isinstance(d, dict):
        raise FormatError(
            f"Expected a network description (a JSON object). Received: {type(d).__name__}"
        )
    if d.get("format_version") is None:
        raise FormatError("The network description has no 'format_version'.")
    d = migrate(d, FORMAT_VERSION, MIGRATIONS, what="network")
    graph = Graph(catalog)
    nodes = d.get("nodes", [])
    edges = d.get("edges", [])
    if not isinstance(nodes, list):
        raise FormatError(f"'nodes' must be a list. Received: {type(nodes).__name__}")
    if not isinstance(edges, list):
        raise FormatError(f"'edges' must be a list. Received: {type(edges).__name__}")
    for i, nd in enumerate(nodes, start=1):
        _add_node(graph, i, nd)
    for i, ed in enumerate(edges, start=1):
        _add_edge(graph, i, ed)
    next_id = d.get("next_id")
    if next_id is not None:
        if isinstance(next_id, bool) or not isinstance(next_id, int) or next_id < 1:
            raise FormatError(f"'next_id' must be a whole number >= 1. Received: {next_id!r}")
        graph.reserve_ids(next_id)
    return graph
