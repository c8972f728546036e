"""The network check names the layer a network is missing between the data and a layer
that takes another kind of tensor (core.document.shape_fixes): a Reshape to an image
before a Conv2D, an Embedding before an LSTM on token ids, a Reshape to (steps, 1)
before a recurrent layer on a flat series; and the problem is gone once the fix is in."""

from __future__ import annotations

import pytest

from core.document.analysis import Fix, analyze
from core.document.graph import Graph
from core.engine.layers import CATALOG


def _pair(first: dict, layer: str, params: dict) -> tuple[Graph, str, str]:
    g = Graph(catalog=CATALOG)
    i = g.add_node("Input", first).id
    n = g.add_node(layer, params).id
    g.connect(i, n)
    return g, i, n


def _apply(g: Graph, fix: Fix) -> str:
    """Insert the fix's layer on the edge, the way the app's command does."""
    assert fix.kind == "insert_layer" and fix.after is not None and fix.layer_type
    g.disconnect(fix.after, fix.node_id)
    new = g.add_node(fix.layer_type, fix.params).id
    g.connect(fix.after, new)
    g.connect(new, fix.node_id)
    return new


@pytest.mark.parametrize(
    ("n", "image"),
    [(64, (8, 8, 1)), (784, (28, 28, 1)), (3072, (32, 32, 3))],
)
def test_conv2d_on_flat_pixels_offers_a_reshape_to_a_square_image(n: int, image: tuple) -> None:
    g, i, c = _pair({"shape": [n]}, "Conv2D", {"filters": 4})
    (p,) = analyze(g, n_features=n).problems
    dims = ", ".join(map(str, image))
    assert p.node_id == c and p.related == (i,)
    assert p.message == (
        "Conv2D 'conv2d' needs an image-shaped input (height, width, channels); 'input' gives "
        f"(None, {n}). Insert Reshape({dims})?"
    )
    assert p.fix == Fix(
        f"Insert Reshape({dims})", "insert_layer", c, {"target_shape": list(image)}, "Reshape", i
    )
    r = _apply(g, p.fix)
    an = analyze(g, n_features=n)
    assert an.ok and an.shapes[r] == (None, *image)
    assert an.shapes[c] == (None, image[0] - 2, image[1] - 2, 4)


def test_a_grid_without_channels_gets_one_and_the_data_shape_wins() -> None:
    g, i, p = _pair({"shape": [8, 8]}, "MaxPooling2D", {})
    (prob,) = analyze(g).problems
    assert prob.fix is not None and prob.fix.params == {"target_shape": [8, 8, 1]}
    # 50 values make no square image, but the data's own (5, 10, 1) images hold 50
    g, i, c = _pair({"shape": [50]}, "Conv2D", {"filters": 2})
    (prob,) = analyze(g).problems
    assert prob.fix is None
    assert "Its 50 values make no square image" in prob.message
    flat = g.add_node("Flatten").id
    inp = g.add_node("Input", {"shape": [5, 10, 1]}).id
    g.remove_node(i)
    g.connect(inp, flat)
    g.connect(flat, c)
    (prob,) = analyze(g, input_shape=(5, 10, 1)).problems
    assert prob.fix is not None and prob.fix.params == {"target_shape": [5, 10, 1]}


def test_an_input_that_disagrees_with_the_data_is_the_one_problem() -> None:
    g, i, c = _pair({"shape": [64]}, "Conv2D", {"filters": 4})
    (p,) = analyze(g, input_shape=(8, 8, 1)).problems
    assert p.node_id == i and p.fix is not None and p.fix.label == "Set Input shape to (8, 8, 1)"
    g.set_params(i, p.fix.params)
    assert analyze(g, input_shape=(8, 8, 1)).ok


@pytest.mark.parametrize(("layer", "masked"), [("LSTM", True), ("GRU", True), ("Conv1D", False)])
def test_token_ids_into_a_sequence_layer_offer_an_embedding(layer: str, masked: bool) -> None:
    params = {"filters": 8} if layer == "Conv1D" else {"units": 8}
    g, i, n = _pair({"shape": [20]}, layer, params)
    name = g.node(n).name
    (p,) = analyze(g, input_shape=(20,), vocabulary_size=502).problems
    assert p.message == (
        f"{layer} '{name}' needs a sequence of vectors (steps, features); 'input' gives token "
        "ids (None, 20), one number per word. Insert Embedding(input_dim=502, output_dim=32)?"
    )
    want = {"input_dim": 502, "output_dim": 32} | ({"mask_zero": True} if masked else {})
    assert p.fix == Fix("Insert Embedding(502, 32)", "insert_layer", n, want, "Embedding", i)
    e = _apply(g, p.fix)
    an = analyze(g, input_shape=(20,), vocabulary_size=502)
    assert an.ok and an.shapes[e] == (None, 20, 32)


def test_a_flat_series_into_an_lstm_offers_a_reshape_to_steps() -> None:
    g, i, n = _pair({"shape": [24]}, "LSTM", {"units": 4})
    (p,) = analyze(g, n_features=24).problems
    assert p.message.endswith("'input' gives (None, 24). Insert Reshape(24, 1)?")
    assert p.fix is not None and p.fix.params == {"target_shape": [24, 1]}
    _apply(g, p.fix)
    assert analyze(g, n_features=24).ok


def test_a_layer_error_other_than_the_rank_keeps_the_layers_own_words() -> None:
    g, i, c = _pair({"shape": [4, 4, 1]}, "Conv2D", {"filters": 2, "kernel_size": 9})
    (p,) = analyze(g).problems
    assert p.fix is None and "9x9 kernel is larger than its 4x4 input" in p.message
