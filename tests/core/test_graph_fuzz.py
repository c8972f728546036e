"""Random-edit state machine: the graph stays consistent and undo data is exact."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from core.document.graph import (
    MISSING,
    EdgeAdded,
    EdgeRemoved,
    Graph,
    GraphReset,
    NodeAdded,
    NodeRemoved,
    NodeRenamed,
)
from core.document.graph_io import graph_from_dict, graph_to_dict, subgraph_dict
from core.errors import GraphError
from tests.core.test_graph import FakeCatalog

TYPES = list(FakeCatalog.ARITY)


class Mirror:
    """A view that rebuilds the document from events only (as the canvas will)."""

    def __init__(self, g: Graph) -> None:
        self.g = g
        self.nodes: set[str] = set(g.nodes)
        self.edges: set[Any] = set(g.edges)
        self.names: dict[str, str] = {n.id: n.name for n in g.nodes.values()}

    def __call__(self, ev: Any) -> None:
        if isinstance(ev, NodeAdded):
            assert ev.node_id not in self.nodes
            self.nodes.add(ev.node_id)
            self.names[ev.node_id] = self.g.node(ev.node_id).name
        elif isinstance(ev, NodeRemoved):
            assert not any(ev.node_id in (e.src, e.dst) for e in self.edges)
            self.nodes.remove(ev.node_id)
            del self.names[ev.node_id]
        elif isinstance(ev, EdgeAdded):
            assert ev.edge.src in self.nodes and ev.edge.dst in self.nodes
            self.edges.add(ev.edge)
        elif isinstance(ev, EdgeRemoved):
            self.edges.remove(ev.edge)
        elif isinstance(ev, NodeRenamed):
            assert self.names[ev.node_id] == ev.old
            self.names[ev.node_id] = ev.new
        elif isinstance(ev, GraphReset):
            self.nodes = set(self.g.nodes)
            self.edges = set(self.g.edges)
            self.names = {n.id: n.name for n in self.g.nodes.values()}


class GraphMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.g = Graph(FakeCatalog())
        self.mirror = Mirror(self.g)
        self.g.subscribe(self.mirror)
        self.undo: list[tuple[dict[str, Any], Any]] = []

    def ids(self) -> list[str]:
        return list(self.g.nodes)

    @rule(t=st.sampled_from(TYPES), x=st.floats(-1e4, 1e4))
    def add(self, t: str, x: float) -> None:
        self.g.add_node(t, x=x)

    @precondition(lambda self: len(self.g) >= 2)
    @rule(i=st.integers(0, 10**6), j=st.integers(0, 10**6))
    def connect(self, i: int, j: int) -> None:
        ids = self.ids()
        src, dst = ids[i % len(ids)], ids[j % len(ids)]
        reason = self.g.can_connect(src, dst)
        n_edges = len(self.g.edges)
        try:
            self.g.connect(src, dst)
        except GraphError as exc:
            assert reason == str(exc)
            assert len(self.g.edges) == n_edges
        else:
            assert reason is None

    @precondition(lambda self: len(self.g.edges) >= 1)
    @rule(i=st.integers(0, 10**6))
    def disconnect(self, i: int) -> None:
        e = self.g.edges[i % len(self.g.edges)]
        assert self.g.disconnect(e.src, e.dst) == e

    @precondition(lambda self: len(self.g) >= 1)
    @rule(i=st.integers(0, 10**6))
    def remove_then_maybe_restore(self, i: int) -> None:
        ids = self.ids()
        before = graph_to_dict(self.g)
        node, edges = self.g.remove_node(ids[i % len(ids)])
        if i % 2:
            self.g.restore_node(node, edges)
            assert graph_to_dict(self.g) == before

    @precondition(lambda self: len(self.g) >= 1)
    @rule(i=st.integers(0, 10**6), units=st.integers(-3, 50) | st.none())
    def set_params(self, i: int, units: int | None) -> None:
        ids = self.ids()
        nid = ids[i % len(ids)]
        before = graph_to_dict(self.g)
        old = self.g.set_params(nid, {"units": units, "extra": MISSING})
        self.g.set_params(nid, old)
        assert graph_to_dict(self.g) == before
        self.g.set_params(nid, {"units": units})

    @precondition(lambda self: len(self.g) >= 1)
    @rule(i=st.integers(0, 10**6), name=st.sampled_from(["a", "b", "dense", "dense_1", "x_2"]))
    def rename(self, i: int, name: str) -> None:
        ids = self.ids()
        nid = ids[i % len(ids)]
        try:
            self.g.rename(nid, name)
        except GraphError:
            assert self.g.node_by_name(name).id != nid
        else:
            assert self.g.node(nid).name == name

    @precondition(lambda self: len(self.g) >= 1)
    @rule(i=st.integers(0, 10**6), k=st.integers(1, 4))
    def copy_paste(self, i: int, k: int) -> None:
        ids = self.ids()
        chosen = [ids[(i + s) % len(ids)] for s in range(k)]
        sub = subgraph_dict(self.g, chosen)
        n = len(self.g)
        new = self.g.paste(graph_from_dict(sub, self.g.catalog), (10, 10))
        assert len(self.g) == n + len(set(chosen)) == n + len(new)

    @rule()
    def reload(self) -> None:
        d = graph_to_dict(self.g)
        self.g.load(graph_from_dict(json.loads(json.dumps(d)), self.g.catalog))
        assert graph_to_dict(self.g) == d

    @invariant()
    def consistent(self) -> None:
        g = self.g
        names = [n.name for n in g.nodes.values()]
        assert len(names) == len(set(names))
        assert all(g.node_by_name(n.name) is n for n in g.nodes.values())
        for e in g.edges:
            assert e.src in g.nodes and e.dst in g.nodes and e.src != e.dst
            assert e.src in g.inputs_of(e.dst) and e.dst in g.outputs_of(e.src)
        for nid, node in g.nodes.items():
            lo, hi = FakeCatalog.ARITY[node.type]
            n_in = len(g.inputs_of(nid))
            assert hi is None or n_in <= hi
            assert len(set(g.inputs_of(nid))) == n_in
        order = g.topological_order()
        assert sorted(order) == sorted(g.nodes)
        pos = {n: i for i, n in enumerate(order)}
        assert all(pos[e.src] < pos[e.dst] for e in g.edges)
        assert self.mirror.nodes == set(g.nodes)
        assert self.mirror.edges == set(g.edges)
        assert self.mirror.names == {n.id: n.name for n in g.nodes.values()}


GraphMachine.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
TestGraphMachine = GraphMachine.TestCase
