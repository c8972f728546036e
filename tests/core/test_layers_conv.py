"""Image and sequence layers: convolution, pooling, padding, upsampling, Permute, RepeatVector,
SpatialDropout and Rescaling — central-difference gradients in float64, shapes and parameter
counts, plain errors, and agreement with real Keras 3 (same weights, same outputs, same
one-step SGD and Adam updates)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import core.engine.layers as L
from core import keras
from core.errors import ConfigError, ShapeError
from tests.core.keras_twin import assert_matches_keras
from tests.core.test_layers import check_layer_grads

RNG = np.random.default_rng(21)
IMG = RNG.standard_normal((3, 7, 6, 2))
SEQ = RNG.standard_normal((3, 8, 2))


@pytest.fixture(autouse=True)
def _fresh_names() -> None:
    L.reset_names()


def f64(layer: L.Layer, shape: tuple[int | None, ...]) -> L.Layer:
    layer.build((None,) + shape, rng=np.random.default_rng(0))
    layer.built = True
    for v in layer.weights:  # non-zero biases so every term is exercised
        v.data[...] = RNG.standard_normal(v.shape) * 0.5
    return layer


# ------------------------------------------------------------------- gradients
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"strides": 2, "padding": "same", "activation": "relu"},
        {"kernel_size": (2, 3), "dilation_rate": (2, 1), "activation": "tanh"},
        {"strides": (1, 2), "use_bias": False, "activation": "gelu"},
    ],
    ids=["valid", "same_stride_relu", "dilated_tanh", "nobias_gelu"],
)
def test_conv2d_grads(kwargs: dict[str, Any]) -> None:
    kwargs = {"kernel_size": 3, **kwargs}
    layer = f64(L.Conv2D(3, dtype="float64", **kwargs), IMG.shape[1:])
    check_layer_grads(layer, IMG + 0.01)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"padding": "causal", "dilation_rate": 2}, {"padding": "same", "strides": 3}],
    ids=["valid", "causal_dilated", "same_stride"],
)
def test_conv1d_grads(kwargs: dict[str, Any]) -> None:
    layer = f64(L.Conv1D(4, 3, dtype="float64", **kwargs), SEQ.shape[1:])
    check_layer_grads(layer, SEQ)


@pytest.mark.parametrize(
    "make,x",
    [
        (lambda: L.MaxPooling2D(), IMG),
        (lambda: L.MaxPooling2D((3, 2), strides=(2, 1), padding="same"), IMG),
        (lambda: L.AveragePooling2D(), IMG),
        (lambda: L.AveragePooling2D(3, strides=2, padding="same"), IMG),
        (lambda: L.MaxPooling1D(3, strides=2), SEQ),
        (lambda: L.AveragePooling1D(padding="same"), SEQ),
        (lambda: L.GlobalAveragePooling2D(), IMG),
        (lambda: L.GlobalMaxPooling2D(keepdims=True), IMG),
        (lambda: L.GlobalAveragePooling1D(), SEQ),
        (lambda: L.GlobalMaxPooling1D(), SEQ),
        (lambda: L.ZeroPadding2D(((1, 2), (0, 3))), IMG),
        (lambda: L.UpSampling2D((2, 3)), IMG),
        (lambda: L.Permute((2, 1)), SEQ),
        (lambda: L.Permute((3, 1, 2)), IMG),
        (lambda: L.RepeatVector(3), SEQ[:, 0]),
        (lambda: L.Rescaling(0.5, offset=-1.0), IMG),
        (lambda: L.Rescaling([1.0, 2.0], offset=[0.5, -0.5]), IMG),
    ],
    ids=lambda v: "" if isinstance(v, np.ndarray) else None,
)
def test_shaping_and_pooling_grads(make, x) -> None:
    check_layer_grads(make(), x)


def test_average_pooling_same_counts_only_real_cells() -> None:
    # TensorFlow's rule, which Keras's JAX backend follows. (Keras 3.15's torch backend pads
    # an uneven "same" window explicitly and then counts the padded zeros.)
    x = np.arange(1.0, 7.0).reshape(1, 2, 3, 1)
    out = L.AveragePooling2D((2, 2), padding="same")(x).numpy()[0, :, :, 0]
    np.testing.assert_allclose(out, [[(1 + 2 + 4 + 5) / 4, (3 + 6) / 2]])


def test_max_pooling_sends_a_tie_to_the_first_maximum_only() -> None:
    x = np.array([[[[1.0], [3.0]], [[3.0], [2.0]]]])  # a 2x2 window with a tied maximum
    from core.engine.autograd import Tensor

    t = Tensor(x, requires_grad=True)
    L.MaxPooling2D()(t).backward(np.ones((1, 1, 1, 1)))
    np.testing.assert_array_equal(t.grad[0, :, :, 0], [[0.0, 1.0], [0.0, 0.0]])


@pytest.mark.parametrize("cls,shape", [(L.SpatialDropout1D, SEQ), (L.SpatialDropout2D, IMG)])
def test_spatial_dropout_drops_whole_channels(cls, shape) -> None:
    layer = cls(0.5, seed=4, dtype="float64")

    def reseed() -> None:
        layer.rng = np.random.default_rng(3)

    check_layer_grads(layer, shape, training=True, before=reseed)
    out = cls(0.5, seed=1)(np.ones((64,) + shape.shape[1:], np.float32), training=True).numpy()
    per_channel = out.reshape(64, -1, shape.shape[-1])
    assert np.all(per_channel.min(axis=1) == per_channel.max(axis=1))  # all steps/pixels alike
    assert set(np.unique(out)) == {0.0, 2.0}
    assert cls(0.5)(shape).numpy() is not None
    np.testing.assert_array_equal(
        cls(0.5)(shape.astype(np.float32)).numpy(), shape.astype(np.float32)
    )


# ----------------------------------------------------------- shapes and counts
CASES: list[tuple[Any, tuple[int | None, ...], tuple[int | None, ...], int]] = [
    (lambda: L.Conv2D(16, 3), (28, 28, 1), (26, 26, 16), 160),
    (lambda: L.Conv2D(8, (3, 5), strides=2, padding="same"), (9, 10, 3), (5, 5, 8), 368),
    (lambda: L.Conv2D(4, 3, dilation_rate=2, use_bias=False), (9, 9, 2), (5, 5, 4), 72),
    (lambda: L.Conv1D(6, 5, padding="causal"), (20, 3), (20, 6), 96),
    (lambda: L.Conv1D(6, 7, strides=3), (None, 4), (None, 6), 174),
    (lambda: L.MaxPooling2D(), (26, 26, 16), (13, 13, 16), 0),
    (lambda: L.MaxPooling2D(3, strides=2, padding="same"), (7, 8, 2), (4, 4, 2), 0),
    (lambda: L.AveragePooling1D(4), (10, 3), (2, 3), 0),
    (lambda: L.GlobalAveragePooling2D(), (5, 5, 7), (7,), 0),
    (lambda: L.GlobalMaxPooling1D(keepdims=True), (9, 7), (1, 7), 0),
    (lambda: L.ZeroPadding2D(2), (5, 6, 1), (9, 10, 1), 0),
    (lambda: L.UpSampling2D(), (5, 6, 1), (10, 12, 1), 0),
    (lambda: L.Permute((2, 1)), (5, 3), (3, 5), 0),
    (lambda: L.RepeatVector(4), (3,), (4, 3), 0),
    (lambda: L.Rescaling(1 / 255), (8, 8, 1), (8, 8, 1), 0),
    (lambda: L.SpatialDropout2D(0.2), (8, 8, 3), (8, 8, 3), 0),
]


@pytest.mark.parametrize("make,shape,out,params", CASES)
def test_output_shape_and_param_count(make, shape, out, params) -> None:
    layer = make()
    assert layer.compute_output_shape((None,) + shape) == (None,) + out
    assert layer.count_params_for((None,) + shape) == params
    concrete = tuple(11 if d is None else d for d in shape)
    y = layer(RNG.standard_normal((2,) + concrete).astype(np.float32))
    assert y.shape[1:] == tuple(11 if d is None else d for d in out) or None in out
    assert layer.count_params() == params


def test_weight_layouts_are_keras() -> None:
    conv = L.Conv2D(16, (3, 5))
    conv.build((None, 10, 10, 3))
    assert [tuple(w.shape) for w in conv.get_weights()] == [(3, 5, 3, 16), (16,)]
    assert [v.path for v in conv.weights] == ["conv2d/kernel", "conv2d/bias"]
    c1 = L.Conv1D(4, 2)
    c1.build((None, 10, 3))
    assert [tuple(w.shape) for w in c1.get_weights()] == [(2, 3, 4), (4,)]


# ---------------------------------------------------------------------- errors
def test_kernel_larger_than_input_says_so_with_layer_name_and_shapes() -> None:
    inp = keras.Input((2, 2, 1))
    with pytest.raises(ShapeError) as err:
        keras.layers.Conv2D(8, 3, name="conv_a")(inp)
    text = str(err.value)
    assert "Conv2D 'conv_a' cannot take (2, 2, 1)" in text
    assert "3x3 kernel is larger than its 2x2 input" in text and "padding='same'" in text
    with pytest.raises(ShapeError, match=r"Conv2D 'c' cannot take \(4, 4, 1\).*dilated to 5x5"):
        L.Conv2D(2, 3, dilation_rate=2, name="c")(np.zeros((1, 4, 4, 1), np.float32))
    with pytest.raises(ShapeError, match=r"3 kernel is larger than its 2 input"):
        keras.Sequential([keras.Input((2, 4)), keras.layers.Conv1D(2, 3)])
    seq = keras.Sequential([keras.Input((None, 4)), keras.layers.Conv1D(2, 3, name="var")])
    with pytest.raises(ShapeError, match=r"Conv1D 'var': the 3 kernel is larger than its 2 input"):
        seq.predict(np.zeros((1, 2, 4), np.float32), verbose=0)
    with pytest.raises(ShapeError, match="2x2 pooling window is larger than its 1x3 input"):
        L.MaxPooling2D()(keras.Input((1, 3, 2)))


def test_image_layer_on_flat_input_suggests_a_reshape() -> None:
    with pytest.raises(ShapeError, match=r"height, width, channels.*Received: \(64,\).*Reshape"):
        keras.layers.Conv2D(4, 3)(keras.Input((64,)))
    with pytest.raises(ShapeError, match=r"\(steps, channels\)"):
        keras.layers.MaxPooling1D()(keras.Input((8, 8, 1)))


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: L.Conv2D(4, 3, data_format="channels_first"), "channels_last"),
        (lambda: L.Conv2D(4, 0), "kernel_size"),
        (lambda: L.Conv2D(4, (3, 3, 3)), "kernel_size"),
        (lambda: L.Conv2D(4, 3, strides=2, dilation_rate=2), "dilation_rate > 1"),
        (lambda: L.Conv2D(4, 3, padding="causal"), "padding"),
        (lambda: L.Conv2D(4, 3, groups=2), "groups"),
        (lambda: L.Conv2D(0, 3), "filters"),
        (lambda: L.MaxPooling2D(padding="full"), "padding"),
        (lambda: L.UpSampling2D(interpolation="bilinear"), "nearest"),
        (lambda: L.Permute((1, 3)), "permutation"),
        (lambda: L.ZeroPadding2D((1, 2, 3)), "padding"),
        (lambda: L.SpatialDropout1D(1.0), "rate"),
    ],
)
def test_bad_arguments(make, match) -> None:
    with pytest.raises(ConfigError, match=match):
        make()


# ---------------------------------------------------------------- real Keras
X_IMG = RNG.standard_normal((4, 9, 8, 3)).astype(np.float32)
X_SEQ = RNG.standard_normal((4, 10, 3)).astype(np.float32)


@pytest.mark.parametrize(
    "make,x",
    [
        (lambda k: k.layers.Conv2D(4, 3), X_IMG),
        (lambda k: k.layers.Conv2D(5, (3, 2), strides=2, padding="same", activation="relu"), X_IMG),
        (lambda k: k.layers.Conv2D(3, 2, dilation_rate=(2, 3), use_bias=False), X_IMG),
        (lambda k: k.layers.Conv1D(4, 3, strides=2, padding="same", activation="tanh"), X_SEQ),
        (lambda k: k.layers.Conv1D(4, 3, padding="causal", dilation_rate=2), X_SEQ),
        (lambda k: k.layers.MaxPooling2D(), X_IMG),
        (lambda k: k.layers.MaxPooling2D(3, strides=2, padding="same"), X_IMG),
        (lambda k: k.layers.AveragePooling2D(3, strides=1, padding="same"), X_IMG),
        (lambda k: k.layers.MaxPooling1D(3, strides=2, padding="same"), X_SEQ),
        (lambda k: k.layers.AveragePooling1D(2), X_SEQ),
        (lambda k: k.layers.GlobalAveragePooling2D(), X_IMG),
        (lambda k: k.layers.GlobalMaxPooling2D(), X_IMG),
        (lambda k: k.layers.GlobalAveragePooling1D(keepdims=True), X_SEQ),
        (lambda k: k.layers.GlobalMaxPooling1D(), X_SEQ),
        (lambda k: k.layers.ZeroPadding2D(((1, 0), (2, 1))), X_IMG),
        (lambda k: k.layers.UpSampling2D((2, 1)), X_IMG),
        (lambda k: k.layers.Permute((2, 1)), X_SEQ),
        (lambda k: k.layers.RepeatVector(3), X_SEQ[:, 0]),
        (lambda k: k.layers.Rescaling(1 / 255, offset=-0.5), X_IMG),
        (lambda k: k.layers.SpatialDropout1D(0.0), X_SEQ),  # random masks differ
        (lambda k: k.layers.SpatialDropout2D(0.0), X_IMG),
    ],
    ids=[
        "conv2d",
        "conv2d_same_stride_relu",
        "conv2d_dilated_nobias",
        "conv1d_same_stride_tanh",
        "conv1d_causal_dilated",
        "maxpool2d",
        "maxpool2d_same",
        "avgpool2d_same",
        "maxpool1d_same",
        "avgpool1d",
        "gap2d",
        "gmp2d",
        "gap1d_keepdims",
        "gmp1d",
        "zeropad2d",
        "upsample2d",
        "permute",
        "repeatvector",
        "rescaling",
        "spatialdropout1d",
        "spatialdropout2d",
    ],
)
def test_matches_keras(make, x) -> None:
    assert_matches_keras(make, x)


def test_cnn_on_digits_learns() -> None:
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[..., None]
    y = digits.target
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(16, 3, activation="relu", padding="same"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(x[:1400], y[:1400], epochs=12, batch_size=32, verbose=0)
    _, acc = model.evaluate(x[1400:], y[1400:], verbose=0)
    assert acc >= 0.9
