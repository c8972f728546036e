"""Layers: gradients, shapes, parameter counts, configs, errors, symbolic API, Keras numbers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import core.engine.layers as L
from core.engine.autograd import Tensor
from core.engine.layers.spec import CATALOG, layer_classes
from core.errors import ConfigError, ShapeError

RNG = np.random.default_rng(7)


@pytest.fixture(autouse=True)
def _fresh_names() -> None:
    L.reset_names()


def check_layer_grads(
    layer: L.Layer,
    x: np.ndarray | list[np.ndarray],
    training: bool = False,
    before: Callable[[], None] | None = None,
    eps: float = 1e-6,
    rtol: float = 1e-6,
) -> None:
    """Central differences for the inputs and every trainable weight of a float64 layer."""
    xs = [np.array(a, dtype=np.float64) for a in (x if isinstance(x, list) else [x])]

    def forward(grad: bool) -> tuple[Tensor, list[Tensor]]:
        if before is not None:
            before()
        ts = [Tensor(a, requires_grad=grad, dtype=np.float64) for a in xs]
        out = layer(ts if isinstance(x, list) else ts[0], training=training)
        return out, ts

    out, ts = forward(True)
    weights = np.random.default_rng(0).standard_normal(out.shape)
    for v in layer.trainable_weights:
        v.grad = None
    out.backward(weights)
    targets = [(a, t.grad) for a, t in zip(xs, ts, strict=True)]
    targets += [(v.data, v.grad) for v in layer.trainable_weights]
    for k, (arr, analytic) in enumerate(targets):
        numeric = np.zeros_like(arr)
        flat, nflat = arr.reshape(-1), numeric.reshape(-1)
        for j in range(flat.size):
            old = flat[j]
            flat[j] = old + eps
            plus = float((forward(False)[0].data * weights).sum())
            flat[j] = old - eps
            minus = float((forward(False)[0].data * weights).sum())
            flat[j] = old
            nflat[j] = (plus - minus) / (2 * eps)
        scale = max(np.abs(numeric).max(), np.abs(analytic).max(), 1e-3)
        err = np.abs(analytic - numeric).max() / scale
        assert err < rtol, f"target {k}: error {err:.3g}\n{analytic}\n{numeric}"


def built(layer: L.Layer, shape: Any) -> L.Layer:
    layer.build(shape, rng=np.random.default_rng(0))
    layer.built = True
    return layer


# ------------------------------------------------------------------- gradients
@pytest.mark.parametrize("act", ["linear", "relu", "sigmoid", "tanh", "softmax", "gelu", "elu"])
def test_dense_grads(act: str) -> None:
    layer = built(L.Dense(3, activation=act, dtype="float64"), (None, 4))
    check_layer_grads(layer, RNG.standard_normal((5, 4)))


def test_dense_no_bias_and_3d_input() -> None:
    layer = built(L.Dense(2, use_bias=False, dtype="float64"), (None, 3, 4))
    check_layer_grads(layer, RNG.standard_normal((2, 3, 4)))


def test_shared_dense_used_twice() -> None:
    layer = built(L.Dense(4, activation="tanh", dtype="float64"), (None, 4))

    class Twice(L.Layer):
        def call(self, inputs: Any, training: bool = False) -> Tensor:
            return layer(layer(inputs))

        @property
        def trainable_weights(self) -> list:
            return layer.trainable_weights

    check_layer_grads(Twice(), RNG.standard_normal((3, 4)))


def test_activation_layer_grads() -> None:
    for act in ["relu", "softmax", "swish", "selu", "softsign", "leaky_relu"]:
        check_layer_grads(L.Activation(act, dtype="float64"), RNG.standard_normal((3, 4)) + 0.05)


def test_dropout_grads_with_fixed_mask() -> None:
    layer = L.Dropout(0.4, dtype="float64")

    def reseed() -> None:
        layer.rng = np.random.default_rng(3)

    check_layer_grads(layer, RNG.standard_normal((4, 5)), training=True, before=reseed)


@pytest.mark.parametrize("shape,axis", [((6, 3), -1), ((4, 3, 2), 1), ((4, 3, 2), -1)])
def test_batchnorm_grads_training_and_inference(shape, axis) -> None:
    layer = built(L.BatchNormalization(axis=axis, dtype="float64"), (None,) + shape[1:])
    for v in layer.weights:
        v.data[...] = RNG.standard_normal(v.shape) * 0.3 + (1.5 if "variance" in v.path else 0)
    check_layer_grads(layer, RNG.standard_normal(shape), training=True)
    check_layer_grads(layer, RNG.standard_normal(shape), training=False)


@pytest.mark.parametrize("shape,axis", [((3, 5), -1), ((2, 3, 4), -1), ((2, 3, 4), (1, 2))])
def test_layernorm_grads(shape, axis) -> None:
    layer = built(L.LayerNormalization(axis=axis, dtype="float64"), (None,) + shape[1:])
    for v in layer.weights:
        v.data[...] = RNG.standard_normal(v.shape)
    check_layer_grads(layer, RNG.standard_normal(shape))


def test_shaping_and_merge_grads() -> None:
    check_layer_grads(L.Flatten(), RNG.standard_normal((2, 3, 4)))
    check_layer_grads(L.Reshape((4, -1)), RNG.standard_normal((2, 3, 4)))
    a, b = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    check_layer_grads(L.Add(), [a, b, a * 2])
    check_layer_grads(L.Concatenate(), [a, RNG.standard_normal((3, 2))])
    check_layer_grads(
        L.Concatenate(axis=1), [RNG.standard_normal((2, 1, 3)), RNG.standard_normal((2, 2, 3))]
    )


# --------------------------------------------------------- Keras-equivalent numbers
def test_dense_hand_computed() -> None:
    layer = L.Dense(2, activation="relu")
    layer.build((None, 3))
    layer.set_weights(
        [
            np.array([[1, -1], [2, 0], [0, 1]], dtype=np.float32),
            np.array([0.5, -3.0], dtype=np.float32),
        ]
    )
    out = layer(np.array([[1.0, 1.0, 1.0], [0.0, 1.0, -1.0]], dtype=np.float32))
    np.testing.assert_allclose(out.data, [[3.5, 0.0], [2.5, 0.0]])
    assert out.dtype == np.float32


def test_batchnorm_train_vs_inference_hand_computed() -> None:
    layer = L.BatchNormalization(momentum=0.9, epsilon=0.0)
    x = np.array([[1.0, 10.0], [3.0, 30.0]], dtype=np.float32)
    y = layer(x, training=True)
    # batch mean (2, 20), biased variance (1, 100): outputs are -1, +1 per column.
    np.testing.assert_allclose(y.data, [[-1, -1], [1, 1]], rtol=1e-6)
    np.testing.assert_allclose(layer.moving_mean.data, [0.2, 2.0], rtol=1e-6)
    np.testing.assert_allclose(layer.moving_variance.data, [0.9 + 0.1, 0.9 + 10.0], rtol=1e-6)
    # Inference uses the moving statistics: (x - 0.2) / sqrt(1.0), (x - 2) / sqrt(10.9).
    y = layer(x, training=False)
    np.testing.assert_allclose(
        y.data, [[0.8, 8 / np.sqrt(10.9)], [2.8, 28 / np.sqrt(10.9)]], rtol=1e-6
    )
    assert [v.path.split("/")[1] for v in layer.weights] == [
        "gamma",
        "beta",
        "moving_mean",
        "moving_variance",
    ]
    assert len(layer.trainable_weights) == 2 and len(layer.non_trainable_weights) == 2


def test_layernorm_hand_computed() -> None:
    layer = L.LayerNormalization(epsilon=0.0)
    y = layer(np.array([[1.0, 3.0], [0.0, 4.0]], dtype=np.float32))
    np.testing.assert_allclose(y.data, [[-1, 1], [-1, 1]], rtol=1e-6)


def test_dropout_inverted_and_identity_at_inference() -> None:
    layer = L.Dropout(0.5, seed=1)
    x = np.ones((200, 50), dtype=np.float32)
    assert layer(x).data is x or np.array_equal(layer(x).data, x)
    y = layer(x, training=True).data
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert abs(y.mean() - 1.0) < 0.05
    a = L.Dropout(0.5, seed=5)(x, training=True).data
    b = L.Dropout(0.5, seed=5)(x, training=True).data
    np.testing.assert_array_equal(a, b)


def test_activation_output_hook() -> None:
    d = L.Dense(3, activation="sigmoid")
    x = RNG.standard_normal((2, 4)).astype(np.float32)
    y = d(x)
    assert d.output_activation == "sigmoid"
    logits = d.call_pre_activation(x)
    np.testing.assert_allclose(y.data, 1 / (1 + np.exp(-logits.data)), rtol=1e-6)
    a = L.Activation("softmax")
    assert a.output_activation == "softmax"
    assert a.call_pre_activation(x).data is x or np.array_equal(a.call_pre_activation(x).data, x)


# ------------------------------------------------------ shapes and parameter counts
CASES: list[tuple[Callable[[], L.Layer], Any]] = [
    (lambda: L.Dense(10), (None, 8)),
    (lambda: L.Dense(3, use_bias=False), (None, 2, 5)),
    (lambda: L.Activation("softmax"), (None, 4)),
    (lambda: L.Dropout(0.3), (None, 6)),
    (lambda: L.BatchNormalization(), (None, 5)),
    (lambda: L.BatchNormalization(axis=1), (None, 3, 4)),
    (lambda: L.LayerNormalization(), (None, 2, 6)),
    (lambda: L.Flatten(), (None, 2, 3, 4)),
    (lambda: L.Reshape((3, -1)), (None, 12)),
    (lambda: L.Reshape((2, 2, 3)), (None, 12)),
    (lambda: L.Add(), [(None, 4), (None, 4), (None, 4)]),
    (lambda: L.Concatenate(), [(None, 4), (None, 2)]),
    (lambda: L.Concatenate(axis=1), [(None, 1, 3), (None, 2, 3)]),
]


@pytest.mark.parametrize("make,shape", CASES)
def test_output_shape_and_param_count_agree_with_real_layer(make, shape) -> None:
    layer = make()
    expected = layer.compute_output_shape(shape)
    count = layer.count_params_for(shape)
    multi = isinstance(shape, list)
    shapes = shape if multi else [shape]
    xs = [RNG.standard_normal((2,) + tuple(s[1:])).astype(np.float32) for s in shapes]
    out = layer(xs if multi else xs[0])
    assert (None,) + out.shape[1:] == tuple(expected)
    assert count == layer.count_params() == sum(v.size for v in layer.weights)


def test_dense_8_to_10_has_90_params() -> None:
    assert L.Dense(10).count_params_for((None, 8)) == 90
    assert L.Dense(10).compute_output_shape((None, 8)) == (None, 10)


def test_seed_network_has_211_params() -> None:
    x = L.Input(shape=(8,))
    layers = [
        L.Dense(10, activation="relu"),
        L.Dense(10, activation="relu"),
        L.Dense(1, activation="sigmoid"),
    ]
    h = x
    total = 0
    for layer in layers:
        total += layer.count_params_for(h.shape)
        h = layer(h)
    assert total == 211 == sum(layer.count_params() for layer in layers)


# ------------------------------------------------------------------ configs
def all_layers() -> list[L.Layer]:
    return [
        L.InputLayer(shape=(4, 2)),
        L.Dense(
            7,
            activation="tanh",
            use_bias=False,
            kernel_initializer="he_normal",
            kernel_regularizer="l1_l2",
            kernel_regularizer_factor=0.5,
            name="d",
        ),
        L.Dense(
            3,
            kernel_regularizer={"class_name": "L1L2", "config": {"l1": 0.1, "l2": 0.2}},
            input_shape=(8,),
        ),
        L.Activation("gelu"),
        L.Dropout(0.25, seed=3),
        L.BatchNormalization(momentum=0.9, center=False, trainable=False),
        L.LayerNormalization(epsilon=1e-5, scale=False),
        L.Flatten(),
        L.Reshape((2, -1)),
        L.Add(),
        L.Concatenate(axis=1),
        L.ReLU(max_value=6.0, negative_slope=0.1, threshold=0.5),
        L.LeakyReLU(negative_slope=0.2),
        L.Softmax(axis=-1),
        L.Normalization(axis=-1, mean=[1.0, 2.0], variance=[4.0, 9.0], invert=True),
        L.Conv2D(8, (3, 5), strides=2, padding="same", activation="relu", use_bias=False),
        L.Conv1D(4, 3, padding="causal", dilation_rate=2, kernel_regularizer="l2"),
        L.MaxPooling2D((3, 3), strides=2, padding="same"),
        L.AveragePooling2D(),
        L.MaxPooling1D(3),
        L.AveragePooling1D(2, strides=1),
        L.GlobalAveragePooling2D(keepdims=True),
        L.GlobalMaxPooling2D(),
        L.GlobalAveragePooling1D(),
        L.GlobalMaxPooling1D(),
        L.Embedding(100, 8, mask_zero=True, embeddings_initializer="normal"),
        L.SimpleRNN(5, activation="relu", return_sequences=True, go_backwards=True),
        L.LSTM(6, dropout=0.2, unit_forget_bias=False, recurrent_regularizer="l1", seed=3),
        L.GRU(4, recurrent_activation="hard_sigmoid", zero_output_for_mask=True),
        L.Bidirectional(L.LSTM(3, return_sequences=True), merge_mode="sum"),
        L.Bidirectional("GRU", units=5),
        L.TimeDistributed(L.Dense(3, activation="tanh")),
        L.TimeDistributed("Dense", units=2),
        L.SpatialDropout1D(0.3, seed=1),
        L.SpatialDropout2D(0.1),
        L.Rescaling(1 / 127.5, offset=-1.0),
        L.Rescaling([0.5, 2.0]),
        L.ZeroPadding2D(((1, 0), (2, 3))),
        L.UpSampling2D((2, 1)),
        L.Permute((2, 1, 3)),
        L.RepeatVector(4),
    ]


@pytest.mark.parametrize("layer", all_layers(), ids=lambda layer: type(layer).__name__)
def test_config_json_round_trip(layer: L.Layer) -> None:
    config = layer.get_config()
    text = json.dumps(config)
    again = type(layer).from_config(json.loads(text))
    assert again.get_config() == config
    assert config["name"] == layer.name
    wrapped = L.serialize(layer)
    assert L.deserialize(json.loads(json.dumps(wrapped))).get_config() == config


def test_every_registered_layer_is_covered_and_described() -> None:
    covered = {L.type_name(type(layer)) for layer in all_layers()}
    for cls in layer_classes():
        name = L.type_name(cls)
        assert name in covered, name
        assert cls.DESCRIPTION and cls.CATEGORY in (
            "Core",
            "Activations",
            "Normalization & Regularization",
            "Merge",
            "Reshaping",
            "Convolution",
            "Pooling",
            "Recurrent",
            "Text",
        )
        assert CATALOG.has(name)
        defaults = CATALOG.default_params(name)
        layer = cls(**defaults)  # the inspector's defaults construct a layer
        assert isinstance(layer, L.Layer)
    assert CATALOG.input_arity("Input") == (0, 0)
    assert CATALOG.input_arity("Add") == (2, None)
    assert CATALOG.input_arity("Dense") == (1, 1)
    assert any(p.key for p in L.Dense.PARAMS if p.name == "units")


# ------------------------------------------------------------------ errors
def test_dense_units_zero_message() -> None:
    with pytest.raises(ConfigError) as err:
        L.Dense(units=0)
    expected = "Dense: argument `units` Expected a positive integer. Received: units=0"
    assert str(err.value) == expected


def test_unknown_activation_suggests() -> None:
    with pytest.raises(ConfigError, match=r"Unknown activation 'rellu'.*Did you mean 'relu'\?"):
        L.Dense(3, activation="rellu")


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: L.Dense(units=2.5), "units"),
        (lambda: L.Dense(units="8"), "units"),
        (lambda: L.Dense(4, use_bias="yes"), "use_bias"),
        (lambda: L.Dense(4, kernel_initializer="glorot_unifrom"), "glorot_uniform"),
        (lambda: L.Dense(4, kernel_regularizer="l3"), "kernel_regularizer"),
        (lambda: L.Dense(4, unitz=3), "Did you mean 'units'"),
        (lambda: L.Dropout(1.0), r"\[0, 1\)"),
        (lambda: L.Dropout(-0.1), "rate"),
        (lambda: L.BatchNormalization(momentum=1.5), "momentum"),
        (lambda: L.Reshape((-1, -1)), "at most one -1"),
        (lambda: L.Reshape("abc"), "target_shape"),
        (lambda: L.Input(shape=(0,)), "shape"),
        (lambda: L.Dense(4, name=""), "name"),
    ],
)
def test_bad_arguments(make, match) -> None:
    with pytest.raises(ConfigError, match=match):
        make()


def test_shape_errors_are_plain() -> None:
    with pytest.raises(ShapeError) as err:
        L.Add().compute_output_shape([(None, 10), (None, 8)])
    assert err.value.message == "Add needs inputs of the same shape. Received: (10,) and (8,)"
    with pytest.raises(ShapeError, match="12 values"):
        L.Reshape((5,)).compute_output_shape((None, 12))
    with pytest.raises(ShapeError, match="match except along axis"):
        L.Concatenate().compute_output_shape([(None, 2, 3), (None, 3, 3)])


def test_set_weights_copies_into_existing_arrays() -> None:
    layer = L.Dense(2)
    layer.build((None, 3))
    flat = np.zeros(8, dtype=np.float32)
    views = [flat[:6].reshape(3, 2), flat[6:]]
    for v, view in zip(layer.weights, views, strict=True):
        view[...] = v.data
        v.data = view  # what a flat-buffer optimizer does
    new = [np.arange(6, dtype=np.float32).reshape(3, 2), np.array([7, 8], dtype=np.float32)]
    layer.set_weights(new)
    np.testing.assert_array_equal(flat, [0, 1, 2, 3, 4, 5, 7, 8])
    assert layer.kernel.data.base is flat
    with pytest.raises(ConfigError, match=r"dense.*\(3, 2\).*\(2, 3\)"):
        layer.set_weights([np.zeros((2, 3)), np.zeros(2)])
    with pytest.raises(ConfigError, match="Expected 2 arrays"):
        layer.set_weights([np.zeros((3, 2))])


def test_regularization_loss() -> None:
    layer = L.Dense(2, kernel_regularizer="l2", bias_regularizer="l1", bias_regularizer_factor=0.5)
    layer.build((None, 3))
    layer.set_weights([np.ones((3, 2)), np.array([-1.0, 2.0])])
    loss = layer.regularization_loss()
    assert loss.item() == pytest.approx(0.01 * 6 + 0.5 * 3)
    loss.backward()
    np.testing.assert_allclose(layer.kernel.grad, 0.02 * np.ones((3, 2)))
    np.testing.assert_allclose(layer.bias.grad, [-0.5, 0.5])
    assert L.Dense(2).regularization_loss() is None


# ------------------------------------------------------------------ symbolic API
def test_auto_names() -> None:
    assert [L.Dense(1).name, L.Dense(1).name, L.BatchNormalization().name] == [
        "dense",
        "dense_1",
        "batch_normalization",
    ]
    L.reset_names()
    assert L.Dense(1).name == "dense"


def test_symbolic_graph_records_history() -> None:
    inp = L.Input(shape=(8,), name="x")
    d1, d2 = L.Dense(10, activation="relu"), L.Dense(10)
    a, b = d1(inp), d2(inp)
    merged = L.Add()([a, b])
    cat = L.Concatenate()([merged, inp])
    assert inp.shape == (None, 8) and isinstance(inp.layer, L.InputLayer)
    assert inp._history[1] == ()
    assert merged.shape == (None, 10)
    assert cat.shape == (None, 18)
    layer, inbound = cat._history
    assert isinstance(layer, L.Concatenate) and inbound == (merged, inp)
    assert merged._history[1] == (a, b)
    assert d1.built and d1.count_params() == 90


def test_symbolic_mismatch_names_both_layers() -> None:
    inp = L.Input(shape=(8,))
    a = L.Dense(10)(inp)
    b = L.Dense(8)(inp)
    with pytest.raises(ShapeError) as err:
        L.Add()([a, b])
    assert "Add 'add' cannot combine (10,) from 'dense' with (8,) from 'dense_1'" in str(err.value)
    with pytest.raises(ShapeError, match=r"Reshape 'reshape' cannot take \(3,\) from 'input_1'"):
        L.Reshape((2, -1))(L.Input(shape=(3,)))


def test_shared_layer_called_twice_symbolically() -> None:
    shared = L.Dense(4)
    x1, x2 = L.Input(shape=(3,)), L.Input(shape=(3,))
    y1, y2 = shared(x1), shared(x2)
    assert y1._history[0] is y2._history[0] is shared
    assert len(shared.weights) == 2


def test_call_builds_with_given_rng_deterministically() -> None:
    x = np.ones((1, 4), dtype=np.float32)
    a = L.Dense(3)(x, rng=np.random.default_rng(11)).data
    b = L.Dense(3)(x, rng=np.random.default_rng(11)).data
    np.testing.assert_array_equal(a, b)
