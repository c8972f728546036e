"""The graph document with the real layer catalog (core.engine.layers.spec.CATALOG)."""

from __future__ import annotations

import json

import pytest

import core.engine.layers  # noqa: F401  (registers the layer classes)
from core.document.graph import Graph, TooManyInputsError, UnknownLayerError
from core.document.graph_io import graph_from_dict, graph_to_dict
from core.engine.layers.spec import CATALOG, default_params, get_layer_class
from core.errors import FormatError


def test_defaults_names_and_arity_come_from_the_registry() -> None:
    g = Graph(CATALOG)
    i = g.add_node("Input")
    d = g.add_node("Dense", {"units": 4})
    bn = g.add_node("BatchNormalization")
    add = g.add_node("Add")
    assert (i.name, d.name, bn.name, add.name) == ("input", "dense", "batch_normalization", "add")
    assert d.params == {**default_params(get_layer_class("Dense")), "units": 4}
    assert i.params == default_params(get_layer_class("Input"))
    with pytest.raises(TooManyInputsError, match="'input' is an Input layer"):
        g.connect(d.id, i.id)
    g.connect(i.id, d.id)
    g.connect(i.id, bn.id)
    g.connect(d.id, add.id)
    g.connect(bn.id, add.id)  # merges take any number of inputs
    with pytest.raises(TooManyInputsError):
        g.connect(bn.id, d.id)
    with pytest.raises(UnknownLayerError, match="Did you mean 'Dense'"):
        g.add_node("Dens")


def test_json_round_trip_with_tuple_defaults() -> None:
    g = Graph(CATALOG)
    i = g.add_node("Input", {"shape": (28, 28, 1)})
    f = g.add_node("Flatten")
    g.connect(i.id, f.id)
    d = json.loads(json.dumps(graph_to_dict(g)))
    assert d["nodes"][0]["params"]["shape"] == [28, 28, 1]
    assert graph_to_dict(graph_from_dict(d, CATALOG)) == d


def test_from_dict_unknown_type_with_real_catalog() -> None:
    d = {"format_version": 1, "nodes": [{"id": "n1", "type": "Conv9D", "name": "c"}]}
    with pytest.raises(FormatError, match="node 1 \\('c'\\): Unknown layer type 'Conv9D'"):
        graph_from_dict(d, CATALOG)
