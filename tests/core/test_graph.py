"""Tests for core.document.graph: every edit, every event, every refusal (JSON: test_graph_io)."""

from __future__ import annotations

from typing import Any

import pytest

from core.document import graph as graph_mod
from core.document.graph import (
    MISSING,
    CycleError,
    DuplicateEdgeError,
    Edge,
    EdgeAdded,
    EdgeNotFoundError,
    EdgeRemoved,
    Graph,
    GraphReset,
    InvalidNameError,
    NameTakenError,
    Node,
    NodeAdded,
    NodeIdTakenError,
    NodeMoved,
    NodeNotFoundError,
    NodeRemoved,
    NodeRenamed,
    ParamsChanged,
    PortTakenError,
    SelfLoopError,
    TooManyInputsError,
    UnknownLayerError,
)
from core.document.graph_io import graph_from_dict, graph_to_dict, subgraph_dict
from core.errors import GraphError
from core.naming import snake_case


class FakeCatalog:
    """A small stand-in for core.engine.layers.spec.CATALOG."""

    ARITY = {
        "Input": (0, 0),
        "Dense": (1, 1),
        "Dropout": (1, 1),
        "Flatten": (1, 1),
        "Add": (2, None),
        "Concatenate": (2, None),
        "BatchNormalization": (1, 1),
        "Pair": (2, 2),
    }
    DEFAULTS: dict[str, dict[str, Any]] = {
        "Input": {"shape": [4]},
        "Dense": {"units": 10, "activation": "linear"},
        "Dropout": {"rate": 0.5},
        "Concatenate": {"axis": -1},
    }

    def has(self, type_name: str) -> bool:
        return type_name in self.ARITY

    def input_arity(self, type_name: str) -> tuple[int, int | None]:
        return self.ARITY[type_name]

    def default_params(self, type_name: str) -> dict[str, Any]:
        return dict(self.DEFAULTS.get(type_name, {}))

    def base_name(self, type_name: str) -> str:
        return snake_case(type_name)

    def types(self) -> list[str]:
        return list(self.ARITY)


@pytest.fixture
def g() -> Graph:
    return Graph(FakeCatalog())


@pytest.fixture
def events(g: Graph) -> list[Any]:
    got: list[Any] = []
    g.subscribe(got.append)
    return got


def chain(g: Graph, *types: str) -> list[str]:
    ids = [g.add_node(t).id for t in types]
    for a, b in zip(ids, ids[1:], strict=False):
        g.connect(a, b)
    return ids


# ------------------------------------------------------------------ add / names / ids


def test_add_node_merges_defaults_and_names_keras_style(g: Graph, events: list[Any]) -> None:
    d0 = g.add_node("Dense", {"units": 3})
    d1 = g.add_node("Dense")
    d2 = g.add_node("Dense", x=5, y=-2.5)
    bn = g.add_node("BatchNormalization")
    assert [d0.name, d1.name, d2.name, bn.name] == [
        "dense",
        "dense_1",
        "dense_2",
        "batch_normalization",
    ]
    assert d0.params == {"units": 3, "activation": "linear"}
    assert d1.params == {"units": 10, "activation": "linear"}
    assert (d2.x, d2.y) == (5.0, -2.5)
    assert [d0.id, d1.id, d2.id, bn.id] == ["n1", "n2", "n3", "n4"]
    assert events == [NodeAdded("n1"), NodeAdded("n2"), NodeAdded("n3"), NodeAdded("n4")]
    assert list(g.nodes) == ["n1", "n2", "n3", "n4"]
    assert len(g) == 4 and "n1" in g and "zz" not in g


def test_auto_name_reuses_the_smallest_free_suffix(g: Graph) -> None:
    ids = [g.add_node("Dense").id for _ in range(3)]
    g.remove_node(ids[1])
    assert g.add_node("Dense").name == "dense_1"


def test_add_node_params_are_copied(g: Graph) -> None:
    params = {"shape": [3]}
    node = g.add_node("Input", params)
    params["shape"].append(9)
    assert node.params["shape"] == [3]


def test_add_node_explicit_name_and_id(g: Graph) -> None:
    node = g.add_node("Dense", name="hidden", node_id="n7")
    assert node.name == "hidden" and node.id == "n7"
    assert g.add_node("Dense").id == "n8"  # the counter jumps past explicit ids
    with pytest.raises(NameTakenError, match="'hidden' is already used"):
        g.add_node("Dense", name="hidden")
    with pytest.raises(NodeIdTakenError):
        g.add_node("Dense", node_id="n7")
    with pytest.raises(GraphError):
        g.add_node("Dense", node_id="")


def test_add_node_unknown_type_suggests(g: Graph, events: list[Any]) -> None:
    with pytest.raises(UnknownLayerError, match="Did you mean 'Dense'"):
        g.add_node("Dnse")
    assert events == [] and len(g) == 0


def test_add_node_rejects_bad_position(g: Graph) -> None:
    with pytest.raises(GraphError, match="finite number"):
        g.add_node("Dense", x=float("nan"))
    with pytest.raises(GraphError):
        g.add_node("Dense", y="1")  # type: ignore[arg-type]


def test_default_catalog_accepts_any_type() -> None:
    g = Graph()
    a = g.add_node("MyFancyLayer")
    b = g.add_node("Other")
    assert a.name == "my_fancy_layer"
    g.connect(a.id, b.id)
    c = g.add_node("Other")
    g.connect(c.id, b.id)  # unlimited inputs
    assert g.inputs_of(b.id) == [a.id, c.id]
    with pytest.raises(UnknownLayerError):
        g.add_node("")


def test_node_and_node_by_name(g: Graph) -> None:
    d = g.add_node("Dense")
    assert g.node(d.id) is d and g.node_by_name("dense") is d
    assert g.has_name("dense") and not g.has_name("x")
    with pytest.raises(NodeNotFoundError, match="'n99'"):
        g.node("n99")
    with pytest.raises(NodeNotFoundError, match="Did you mean 'dense'"):
        g.node_by_name("dens")


def test_nodes_mapping_is_read_only(g: Graph) -> None:
    g.add_node("Dense")
    with pytest.raises(TypeError):
        g.nodes["x"] = Node("x", "Dense", "x", {})  # type: ignore[index]


# ------------------------------------------------------------------ connect


def test_connect_assigns_next_free_port_and_orders_inputs(g: Graph, events: list[Any]) -> None:
    a, b, c = (g.add_node("Dense").id for _ in range(3))
    cat = g.add_node("Concatenate").id
    events.clear()
    e1 = g.connect(b, cat)
    e2 = g.connect(c, cat, port=5)
    e3 = g.connect(a, cat)
    assert (e1.port, e2.port, e3.port) == (0, 5, 1)
    assert g.inputs_of(cat) == [b, a, c]
    assert [e.port for e in g.input_edges(cat)] == [0, 1, 5]
    assert g.outputs_of(a) == [cat]
    assert events == [EdgeAdded(e1), EdgeAdded(e2), EdgeAdded(e3)]
    assert g.edges == (e1, e2, e3)


def test_connect_refuses_self_loop(g: Graph) -> None:
    d = g.add_node("Dense").id
    with pytest.raises(SelfLoopError, match="cannot feed itself: 'dense'"):
        g.connect(d, d)


def test_connect_refuses_cycle_with_both_names(g: Graph, events: list[Any]) -> None:
    d0, d1, d2 = chain(g, "Dense", "Dense", "Dense")
    n_events = len(events)
    with pytest.raises(CycleError) as info:
        g.connect(d2, d1)
    assert str(info.value) == (
        "Connecting 'dense_2' to 'dense_1' would make a loop: 'dense_1' already feeds 'dense_2'."
    )
    add = g.add_node("Add").id
    g.connect(d2, add)
    with pytest.raises(
        CycleError, match="'dense' already feeds 'add' \\(through 'dense_1', 'dense_2'\\)"
    ):
        g.connect(add, d0)
    assert len(events) == n_events + 2  # the add and its edge only


def test_connect_refuses_duplicate(g: Graph) -> None:
    a = g.add_node("Dense").id
    add = g.add_node("Add").id
    g.connect(a, add)
    with pytest.raises(DuplicateEdgeError, match="'dense' is already connected to 'add'"):
        g.connect(a, add)


def test_connect_refuses_too_many_inputs(g: Graph) -> None:
    a, b, d = (g.add_node("Dense").id for _ in range(3))
    g.connect(a, d)
    with pytest.raises(
        TooManyInputsError,
        match="'dense_2' \\(Dense\\) takes 1 input and already has one from 'dense'",
    ):
        g.connect(b, d)
    p = g.add_node("Pair").id
    c = g.add_node("Dense").id
    g.connect(a, p)
    g.connect(b, p)
    with pytest.raises(TooManyInputsError, match="at most 2 inputs and already has 2"):
        g.connect(c, p)


def test_connect_refuses_into_input(g: Graph) -> None:
    i = g.add_node("Input").id
    d = g.add_node("Dense").id
    with pytest.raises(TooManyInputsError, match="'input' is an Input layer and takes no inputs"):
        g.connect(d, i)


def test_connect_port_refusals(g: Graph) -> None:
    a, b = g.add_node("Dense").id, g.add_node("Dense").id
    cat = g.add_node("Concatenate").id
    d = g.add_node("Dense").id
    g.connect(a, cat, port=1)
    with pytest.raises(PortTakenError, match="Input 1 of 'concatenate' is already connected"):
        g.connect(b, cat, port=1)
    with pytest.raises(GraphError, match="whole number"):
        g.connect(b, cat, port=-1)
    with pytest.raises(GraphError, match="whole number"):
        g.connect(b, cat, port=True)  # type: ignore[arg-type]
    with pytest.raises(TooManyInputsError, match="no input 1"):
        g.connect(b, d, port=1)
    assert g.connect(b, cat).port == 0


def test_connect_unknown_node(g: Graph) -> None:
    a = g.add_node("Dense").id
    with pytest.raises(NodeNotFoundError):
        g.connect(a, "nope")
    with pytest.raises(NodeNotFoundError):
        g.connect("nope", a)


def test_can_connect_returns_reason(g: Graph) -> None:
    a, b = chain(g, "Dense", "Dense")
    assert g.can_connect(a, b) is not None and "already connected" in g.can_connect(a, b)
    assert "loop" in (g.can_connect(b, a) or "")
    c = g.add_node("Dense").id
    assert g.can_connect(b, c) is None
    assert g.can_connect(c, "missing") is not None


def test_disconnect(g: Graph, events: list[Any]) -> None:
    a, b = chain(g, "Dense", "Dense")
    events.clear()
    e = g.disconnect(a, b)
    assert e == Edge(a, b, 0) and g.edges == () and events == [EdgeRemoved(e)]
    assert g.inputs_of(b) == [] and g.outputs_of(a) == []
    with pytest.raises(EdgeNotFoundError, match="'dense' is not connected to 'dense_1'"):
        g.disconnect(a, b)


def test_disconnect_keeps_other_ports(g: Graph) -> None:
    a, b, c = (g.add_node("Dense").id for _ in range(3))
    cat = g.add_node("Concatenate").id
    for n in (a, b, c):
        g.connect(n, cat)
    g.disconnect(b, cat)
    assert [(e.src, e.port) for e in g.input_edges(cat)] == [(a, 0), (c, 2)]
    assert g.connect(b, cat).port == 1  # the gap is filled first


# ------------------------------------------------------------------ remove / restore


def test_remove_node_removes_edges_and_emits(g: Graph, events: list[Any]) -> None:
    a, b, c = chain(g, "Input", "Dense", "Dense")
    events.clear()
    node, edges = g.remove_node(b)
    assert node.name == "dense" and edges == [Edge(a, b, 0), Edge(b, c, 0)]
    assert events == [EdgeRemoved(edges[0]), EdgeRemoved(edges[1]), NodeRemoved(b)]
    assert list(g.nodes) == [a, c] and g.edges == ()
    assert not g.has_name("dense")
    with pytest.raises(NodeNotFoundError):
        g.remove_node(b)


def test_restore_node_is_exact_undo(g: Graph, events: list[Any]) -> None:
    i, d0, d1 = chain(g, "Input", "Dense", "Dense")
    x = g.add_node("Dense").id
    cat = g.add_node("Concatenate").id
    g.connect(d1, cat)
    g.connect(x, cat)
    g.move(d0, 12, 34)
    g.set_params(d0, {"units": 7})
    before = graph_to_dict(g)
    node, edges = g.remove_node(d1)
    assert g.add_node("Dense").id not in (d1,)  # a removed id is never reused
    g.remove_node(list(g.nodes)[-1])
    events.clear()
    g.restore_node(node, edges)
    assert graph_to_dict(g) == before
    assert events[0] == NodeAdded(d1)
    assert set(events[1:]) == {EdgeAdded(e) for e in edges}
    assert g.inputs_of(cat) == [d1, x]
    assert list(g.nodes) == [i, d0, d1, x, cat]


def test_restore_node_refusals(g: Graph) -> None:
    a, b = chain(g, "Dense", "Dense")
    node, edges = g.remove_node(b)
    with pytest.raises(NodeIdTakenError):
        g.restore_node(g.node(a), [])
    g.add_node("Dense", name="dense_1")  # someone took the name
    with pytest.raises(NameTakenError):
        g.restore_node(node, edges)
    g.rename(g.node_by_name("dense_1").id, "other")
    g.remove_node(a)
    with pytest.raises(NodeNotFoundError, match="is gone"):
        g.restore_node(node, edges)
    with pytest.raises(GraphError, match="does not touch"):
        g.restore_node(node, [Edge("x", "y", 0)])
    assert b not in g


def test_restore_node_port_taken(g: Graph) -> None:
    a = g.add_node("Dense").id
    b = g.add_node("Dense").id
    c = g.add_node("Dense").id
    g.connect(a, c)
    node, edges = g.remove_node(a)
    g.connect(b, c)
    with pytest.raises(PortTakenError):
        g.restore_node(node, edges)


def test_removed_node_copy_is_independent(g: Graph) -> None:
    d = g.add_node("Dense")
    node, _ = g.remove_node(d.id)
    d.params["units"] = 99
    g.restore_node(node, [])
    assert g.node(d.id).params["units"] == 10


# ------------------------------------------------------------------ move / params / rename


def test_move(g: Graph, events: list[Any]) -> None:
    d = g.add_node("Dense").id
    events.clear()
    g.move(d, 1, 2.5)
    assert (g.node(d).x, g.node(d).y) == (1.0, 2.5)
    assert events == [NodeMoved(d, 1.0, 2.5)]
    with pytest.raises(GraphError):
        g.move(d, float("inf"), 0)
    with pytest.raises(NodeNotFoundError):
        g.move("zz", 0, 0)


def test_set_params_returns_old_values_for_undo(g: Graph, events: list[Any]) -> None:
    d = g.add_node("Dense").id
    events.clear()
    old = g.set_params(d, {"units": 3, "use_bias": False, "activation": "linear"})
    assert old == {"units": 10, "use_bias": MISSING, "activation": "linear"}
    assert events == [ParamsChanged(d, {"units": 3, "use_bias": False})]
    assert g.node(d).params == {"units": 3, "activation": "linear", "use_bias": False}
    events.clear()
    g.set_params(d, old)  # exact undo
    assert g.node(d).params == {"units": 10, "activation": "linear"}
    assert events == [ParamsChanged(d, {"units": 10, "use_bias": MISSING})]
    events.clear()
    assert g.set_params(d, {"units": 10}) == {"units": 10}
    assert events == []  # nothing changed, nothing emitted
    g.set_params(d, {"units": 10.0})  # a type change is a change
    assert events == [ParamsChanged(d, {"units": 10.0})]
    with pytest.raises(NodeNotFoundError):
        g.set_params("zz", {})
    with pytest.raises(GraphError):
        g.set_params(d, {1: 2})  # type: ignore[dict-item]


def test_set_params_copies_values(g: Graph) -> None:
    i = g.add_node("Input").id
    shape = [3, 3]
    g.set_params(i, {"shape": shape})
    shape.append(1)
    assert g.node(i).params["shape"] == [3, 3]
    assert repr(MISSING) == "MISSING"


def test_rename(g: Graph, events: list[Any]) -> None:
    a, b = g.add_node("Dense").id, g.add_node("Dense").id
    events.clear()
    g.rename(a, "  hidden ")
    assert g.node(a).name == "hidden" and g.node_by_name("hidden").id == a
    assert not g.has_name("dense")
    assert events == [NodeRenamed(a, "dense", "hidden")]
    g.rename(a, "hidden")
    assert len(events) == 1
    with pytest.raises(NameTakenError, match="'dense_1' is already used"):
        g.rename(a, "dense_1")
    with pytest.raises(InvalidNameError, match="cannot be empty"):
        g.rename(a, "  ")
    with pytest.raises(NameTakenError):  # InvalidNameError is a NameTakenError
        g.rename(a, "")
    with pytest.raises(InvalidNameError, match="'/'"):
        g.rename(a, "a/b")
    assert g.add_node("Dense").name == "dense"  # the freed name comes back
    assert b in g


# ------------------------------------------------------------------ order, clear, observers


def test_topological_order_respects_edges_and_document_order(g: Graph) -> None:
    d_late = g.add_node("Dense").id
    i = g.add_node("Input").id
    d2 = g.add_node("Dense").id
    add = g.add_node("Add").id
    g.connect(i, d2)
    g.connect(d2, add)
    g.connect(d_late, add)
    order = g.topological_order()
    assert order == [d_late, i, d2, add]
    g2 = Graph(FakeCatalog())
    x, y = g2.add_node("Dense").id, g2.add_node("Input").id
    g2.connect(y, x)
    assert g2.topological_order() == [y, x]


def test_clear(g: Graph, events: list[Any]) -> None:
    chain(g, "Input", "Dense")
    events.clear()
    g.clear()
    assert len(g) == 0 and g.edges == () and events == [GraphReset()]
    assert g.add_node("Dense").id == "n1"


def test_subscribe_unsubscribe_and_failing_subscriber(g: Graph) -> None:
    got: list[Any] = []
    unsub = g.subscribe(got.append)
    g.add_node("Dense")
    unsub()
    unsub()  # twice is harmless
    g.add_node("Dense")
    assert got == [NodeAdded("n1")]

    def boom(event: Any) -> None:
        raise RuntimeError("view bug")

    late: list[Any] = []
    g.subscribe(boom)
    g.subscribe(late.append)
    with pytest.raises(RuntimeError):
        g.add_node("Dense")
    assert late == [NodeAdded("n3")]  # later subscribers still hear about it


def test_events_are_frozen() -> None:
    ev = NodeMoved("n1", 1.0, 2.0)
    with pytest.raises(AttributeError):
        ev.x = 3.0  # type: ignore[misc]
    with pytest.raises(AttributeError):
        Edge("a", "b", 0).port = 1  # type: ignore[misc]


# ------------------------------------------------------------------ JSON form


def build_sample(g: Graph) -> dict[str, str]:
    i = g.add_node("Input", {"shape": (8,)}, x=10, y=20).id
    a = g.add_node("Dense", {"units": 16, "activation": "relu"}, x=100).id
    b = g.add_node("Dense", {"units": 8}, x=100, y=80).id
    cat = g.add_node("Concatenate").id
    out = g.add_node("Dense", {"units": 1, "activation": "sigmoid"}, name="out").id
    g.connect(i, a)
    g.connect(i, b)
    g.connect(b, cat)
    g.connect(a, cat)
    g.connect(cat, out)
    return {"i": i, "a": a, "b": b, "cat": cat, "out": out}


def test_load_replaces_content_with_one_reset(g: Graph, events: list[Any]) -> None:
    other = Graph(FakeCatalog())
    build_sample(other)
    g.add_node("Dropout")
    events.clear()
    g.load(other)
    assert events == [GraphReset()]
    assert graph_to_dict(g) == graph_to_dict(other)
    g.load(Graph(FakeCatalog()))
    assert len(g) == 0


def test_load_copies_so_the_source_stays_independent(g: Graph) -> None:
    other = Graph(FakeCatalog())
    ids = build_sample(other)
    g.load(other)
    g.set_params(ids["a"], {"units": 99})
    g.remove_node(ids["out"])
    assert other.node(ids["a"]).params.get("units") != 99 and ids["out"] in other
    assert len(g.edges) == len(other.edges) - 1


# ------------------------------------------------------------------ copy / paste


def test_paste_gives_fresh_ids_unique_names_and_offsets(g: Graph, events: list[Any]) -> None:
    ids = build_sample(g)
    sub = subgraph_dict(g, [ids["a"], ids["cat"], ids["out"]])
    events.clear()
    new = g.paste(graph_from_dict(sub, g.catalog), (30, 40))
    assert len(new) == 3 and not set(new) & set(ids.values())
    names = [g.node(n).name for n in new]
    assert names == ["dense_2", "concatenate_1", "out_1"]
    assert g.node(new[0]).x == g.node(ids["a"]).x + 30
    assert g.node(new[2]).y == g.node(ids["out"]).y + 40
    assert g.inputs_of(new[1]) == [new[0]]  # port compacted to 0
    assert g.inputs_of(new[2]) == [new[1]]
    assert [type(e) for e in events] == [NodeAdded] * 3 + [EdgeAdded] * 2
    again = g.paste(graph_from_dict(sub, g.catalog), (0, 0))
    assert [g.node(n).name for n in again] == ["dense_3", "concatenate_2", "out_2"]


def test_paste_into_empty_graph_keeps_names(g: Graph) -> None:
    other = Graph(FakeCatalog())
    ids = build_sample(other)
    new = g.paste(graph_from_dict(subgraph_dict(other, ids.values()), g.catalog))
    assert [g.node(n).name for n in new] == ["input", "dense", "dense_1", "concatenate", "out"]
    assert len(g.edges) == 5


def test_graph_error_hierarchy() -> None:
    for cls in (
        CycleError,
        DuplicateEdgeError,
        TooManyInputsError,
        UnknownLayerError,
        SelfLoopError,
        NodeNotFoundError,
        NameTakenError,
        PortTakenError,
        EdgeNotFoundError,
        NodeIdTakenError,
    ):
        assert issubclass(cls, GraphError)


def test_graph_module_imports_only_stdlib() -> None:
    """graph, graph_io, versioning and naming import only stdlib, core.errors and each other."""
    import sys

    import core.document.graph_io as graph_io
    import core.document.versioning as versioning_mod
    import core.naming as naming_mod
    from tests._imports import imported_modules, top_level

    allowed = set(sys.stdlib_module_names) | {"__future__"}
    own = {"core.errors", "core.naming", "core.document.versioning", "core.document.graph"}
    for module in (graph_mod, graph_io, versioning_mod, naming_mod):
        names = imported_modules(module)
        first_party = {n for n in names if n.split(".")[0] == "core"}
        assert first_party <= own, (module.__name__, first_party - own)
        assert top_level(names - first_party) <= allowed, module.__name__
    assert "core.document.graph_io" not in imported_modules(graph_mod)  # one direction
