"""Tests for core.document.graph_io: the network's JSON form, its checks and migrations."""

from __future__ import annotations

import json
from typing import Any

import pytest

import core.document.graph_io as graph_io
from core.document.graph import Graph, NodeNotFoundError
from core.document.graph_io import graph_from_dict, graph_to_dict, subgraph_dict
from core.errors import FormatError, GraphError
from tests.core.test_graph import FakeCatalog, build_sample


@pytest.fixture
def g() -> Graph:
    return Graph(FakeCatalog())


def test_to_dict_is_json_and_round_trips(g: Graph) -> None:
    ids = build_sample(g)
    d = graph_to_dict(g)
    assert d["format_version"] == graph_io.FORMAT_VERSION == 1
    assert d["next_id"] == 6
    assert json.loads(json.dumps(d)) == d
    assert d["nodes"][0]["params"] == {"shape": [8]}
    g2 = graph_from_dict(json.loads(json.dumps(d)), catalog=FakeCatalog())
    assert graph_to_dict(g2) == d
    assert g2.inputs_of(ids["cat"]) == [ids["b"], ids["a"]]
    assert g2.node(ids["i"]).x == 10.0
    assert g2.add_node("Dense").id == "n6"


def test_to_dict_without_positions(g: Graph) -> None:
    build_sample(g)
    d = graph_to_dict(g, positions=False)
    assert all("x" not in n and "y" not in n for n in d["nodes"])
    g2 = graph_from_dict(d, catalog=FakeCatalog())
    assert all(n.x == 0.0 for n in g2.nodes.values())


def test_to_dict_edge_order_is_canonical(g: Graph) -> None:
    a, b = g.add_node("Dense").id, g.add_node("Dense").id
    cat = g.add_node("Concatenate").id
    g.connect(b, cat, port=1)
    g.connect(a, cat, port=0)
    assert [e["port"] for e in graph_to_dict(g)["edges"]] == [0, 1]


def test_to_dict_refuses_unsavable_params(g: Graph) -> None:
    d = g.add_node("Dense").id
    g.set_params(d, {"weird": object()})
    with pytest.raises(GraphError, match="layer 'dense'"):
        graph_to_dict(g)
    g.set_params(d, {"weird": float("nan")})
    with pytest.raises(GraphError, match="finite"):
        graph_to_dict(g)
    g.set_params(d, {"weird": {1: 2}})
    with pytest.raises(GraphError, match="text keys"):
        graph_to_dict(g)


def test_to_dict_converts_scalar_like_values(g: Graph) -> None:
    class Scalar:
        def item(self) -> int:
            return 3

    d = g.add_node("Dense").id
    g.set_params(d, {"units": Scalar(), "nested": {"t": (1, 2)}})
    assert graph_to_dict(g)["nodes"][0]["params"]["units"] == 3
    assert graph_to_dict(g)["nodes"][0]["params"]["nested"] == {"t": [1, 2]}


def test_next_id_does_not_change_on_add_then_undo(g: Graph) -> None:
    build_sample(g)
    before = graph_to_dict(g)
    nid = g.add_node("Dense").id
    g.remove_node(nid)
    assert graph_to_dict(g) == before


def test_from_dict_keeps_counter_above_next_id() -> None:
    d = {"format_version": 1, "next_id": 40, "nodes": [], "edges": []}
    assert graph_from_dict(d).add_node("Dense").id == "n40"


def test_from_dict_fills_missing_defaults() -> None:
    d = {"format_version": 1, "nodes": [{"id": "n1", "type": "Dense", "name": "d"}]}
    g = graph_from_dict(d, catalog=FakeCatalog())
    assert g.node("n1").params == {"units": 10, "activation": "linear"}


def test_from_dict_newer_format() -> None:
    with pytest.raises(FormatError) as info:
        graph_from_dict({"format_version": 3, "nodes": []})
    assert str(info.value) == (
        "This file was made by a newer LayerForge (format 3); this version reads up to "
        "format 1. Update LayerForge to open it."
    )


NODE = {"id": "n1", "type": "Dense", "name": "dense", "params": {}}


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "Expected a network description"),
        ({}, "no 'format_version'"),
        ({"format_version": "1"}, "'format_version' must be a whole number"),
        ({"format_version": 0}, "'format_version' must be a whole number"),
        ({"format_version": True}, "'format_version' must be a whole number"),
        ({"format_version": 1, "nodes": {}}, "'nodes' must be a list"),
        ({"format_version": 1, "edges": 3}, "'edges' must be a list"),
        ({"format_version": 1, "nodes": [3]}, "node 1: expected an object"),
        (
            {
                "format_version": 1,
                "nodes": [NODE, NODE | {"id": "n2", "name": "a"}, {"id": "n3", "name": "dense_1"}],
            },
            "node 3 \\('dense_1'\\): missing 'type'",
        ),
        ({"format_version": 1, "nodes": [NODE | {"id": 5}]}, "node 1 \\('dense'\\): 'id' must"),
        ({"format_version": 1, "nodes": [NODE, NODE | {"name": "x"}]}, "id 'n1' is used twice"),
        ({"format_version": 1, "nodes": [NODE, NODE | {"id": "n2"}]}, "'dense' is already used"),
        ({"format_version": 1, "nodes": [NODE | {"type": "Dnse"}]}, "Did you mean 'Dense'"),
        ({"format_version": 1, "nodes": [NODE | {"params": []}]}, "'params' must be an object"),
        ({"format_version": 1, "nodes": [NODE | {"x": "1"}]}, "'x' must be a finite number"),
        ({"format_version": 1, "nodes": [NODE | {"y": None}]}, "'y' must be a finite number"),
        ({"format_version": 1, "nodes": [NODE], "edges": ["a"]}, "edge 1: expected an object"),
        ({"format_version": 1, "nodes": [NODE], "edges": [{"src": "n1"}]}, "missing 'dst'"),
        (
            {"format_version": 1, "nodes": [NODE], "edges": [{"src": "n1", "dst": "n9"}]},
            "'dst' names no layer",
        ),
        (
            {
                "format_version": 1,
                "nodes": [NODE],
                "edges": [{"src": "n1", "dst": "n1", "port": 0}],
            },
            "cannot feed itself",
        ),
        (
            {
                "format_version": 1,
                "nodes": [NODE, NODE | {"id": "n2", "name": "b"}],
                "edges": [{"src": "n1", "dst": "n2"}],
            },
            "'port' must be a whole number",
        ),
        (
            {
                "format_version": 1,
                "nodes": [NODE, NODE | {"id": "n2", "name": "b"}],
                "edges": [{"src": "n1", "dst": "n2", "port": 0}] * 2,
            },
            "connected twice",
        ),
        (
            {
                "format_version": 1,
                "nodes": [NODE, NODE | {"id": "n2", "name": "b"}],
                "edges": [{"src": "n1", "dst": "n2", "port": 1}],
            },
            "takes at most 1 input",
        ),
        (
            {
                "format_version": 1,
                "nodes": [NODE, NODE | {"id": "n2", "name": "b"}],
                "edges": [
                    {"src": "n1", "dst": "n2", "port": 0},
                    {"src": "n2", "dst": "n1", "port": 0},
                ],
            },
            "contains a loop",
        ),
        (
            {"format_version": 1, "next_id": "7", "nodes": []},
            "'next_id' must be a whole number",
        ),
    ],
)
def test_from_dict_malformed(doc: Any, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        graph_from_dict(doc, catalog=FakeCatalog())


def test_from_dict_port_taken() -> None:
    nodes = [
        NODE,
        NODE | {"id": "n2", "name": "b"},
        {"id": "n3", "type": "Concatenate", "name": "c"},
    ]
    edges = [{"src": "n1", "dst": "n3", "port": 0}, {"src": "n2", "dst": "n3", "port": 0}]
    with pytest.raises(FormatError, match="edge 2 \\('b' -> 'c'\\): input 0 is used twice"):
        graph_from_dict({"format_version": 1, "nodes": nodes, "edges": edges}, FakeCatalog())


def test_from_dict_does_not_mutate_input(g: Graph) -> None:
    build_sample(g)
    d = graph_to_dict(g)
    snapshot = json.dumps(d)
    graph_from_dict(d, FakeCatalog()).set_params("n1", {"shape": [2]})
    assert json.dumps(d) == snapshot


def test_migrations_are_applied_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    def v1_to_v2(d: dict[str, Any]) -> dict[str, Any]:
        d["nodes"] = d.pop("layers")
        return d

    monkeypatch.setattr(graph_io, "FORMAT_VERSION", 2)
    monkeypatch.setitem(graph_io.MIGRATIONS, 1, v1_to_v2)
    old = {"format_version": 1, "layers": [NODE]}
    g = graph_from_dict(old)
    assert g.node("n1").name == "dense"
    assert graph_to_dict(g)["format_version"] == 2
    monkeypatch.delitem(graph_io.MIGRATIONS, 1)
    with pytest.raises(FormatError, match="missing migration"):
        graph_from_dict(old)


def test_subgraph_dict_keeps_internal_edges_only(g: Graph) -> None:
    ids = build_sample(g)
    sub = subgraph_dict(g, [ids["cat"], ids["a"], ids["out"]])
    assert [n["id"] for n in sub["nodes"]] == [ids["a"], ids["cat"], ids["out"]]
    assert sub["edges"] == [
        {"src": ids["a"], "dst": ids["cat"], "port": 1},
        {"src": ids["cat"], "dst": ids["out"], "port": 0},
    ]
    assert json.loads(json.dumps(sub)) == sub
    with pytest.raises(NodeNotFoundError):
        subgraph_dict(g, ["zz"])


def test_clipboard_with_unknown_type_is_refused_before_paste(g: Graph) -> None:
    data = {"format_version": 1, "nodes": [NODE | {"type": "Nope"}], "edges": []}
    with pytest.raises(FormatError, match="node 1 \\('dense'\\): Unknown layer type 'Nope'"):
        graph_from_dict(data, g.catalog)


def test_graph_module_holds_no_json_form() -> None:
    for name in ("to_dict", "from_dict", "subgraph_dict", "FORMAT_VERSION"):
        assert not hasattr(Graph, name), name
