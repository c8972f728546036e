"""core.document.analysis warns (without blocking training) when a Dense without an
activation feeds another Dense directly: the two collapse into one linear layer."""

from __future__ import annotations

import core.engine.layers  # noqa: F401 - registers the layer types
from core.document.analysis import analyze
from core.document.graph import Graph
from core.engine.layers.spec import CATALOG


def chain(*layers: tuple[str, dict]) -> tuple[Graph, list[str]]:
    g = Graph(catalog=CATALOG)
    ids = [g.add_node("Input", {"shape": [4]}).id]
    for kind, params in layers:
        ids.append(g.add_node(kind, params).id)
        g.connect(ids[-2], ids[-1])
    return g, ids


def test_linear_dense_into_dense_warns_with_a_relu_fix() -> None:
    g, ids = chain(("Dense", {"units": 8}), ("Dense", {"units": 1, "activation": "sigmoid"}))
    a = analyze(g)
    assert a.ok and not a.problems  # advice only: the network still trains
    (w,) = a.warnings
    assert w.node_id == ids[1] and w.related == (ids[2],)
    assert "two linear layers in a row work as one" in w.message
    assert w.fix is not None and w.fix.kind == "set_params"
    assert (w.fix.node_id, w.fix.params) == (ids[1], {"activation": "relu"})


def test_explicit_linear_counts_and_each_linear_layer_is_named() -> None:
    g, ids = chain(
        ("Dense", {"units": 8, "activation": "linear"}),
        ("Dense", {"units": 8}),
        ("Dense", {"units": 1}),
    )
    assert [w.node_id for w in analyze(g).warnings] == [ids[1], ids[2]]


def test_no_warning_with_an_activation_a_layer_between_or_a_linear_output() -> None:
    relu, _ = chain(("Dense", {"units": 8, "activation": "relu"}), ("Dense", {"units": 1}))
    between, _ = chain(
        ("Dense", {"units": 8}), ("Activation", {"activation": "tanh"}), ("Dense", {"units": 1})
    )
    regression, _ = chain(("Dense", {"units": 1}))  # a linear output layer: nothing follows
    for g in (relu, between, regression):
        assert analyze(g).warnings == []
