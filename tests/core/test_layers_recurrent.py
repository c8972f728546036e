"""Sequence and text layers: Embedding, SimpleRNN, LSTM, GRU, Bidirectional, TimeDistributed —
central-difference gradients in float64 (with masks, backwards, every step returned), plain
errors for bad token ids naming the row, variable-length inputs, learning, and agreement with
real Keras 3 (same weights, same outputs, same one-step SGD and Adam updates)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import core.engine.layers as L
from core import keras
from core.engine.masking import get_mask, set_mask
from core.engine.recurrent_ops import embedding_lookup
from core.errors import ConfigError, DataError, ShapeError
from tests.core.gradcheck import check_grads
from tests.core.keras_twin import assert_matches_keras
from tests.core.test_layers import check_layer_grads

RNG = np.random.default_rng(31)
SEQ = RNG.standard_normal((3, 5, 2))
MASK = np.array([[0, 0, 1, 1, 1], [1, 1, 1, 0, 1], [1, 1, 1, 1, 0]], dtype=bool)


@pytest.fixture(autouse=True)
def _fresh_names() -> None:
    L.reset_names()


class WithMask(L.Layer):
    """Attach a fixed mask to the input (as an Embedding(mask_zero=True) would), then call."""

    def __init__(self, inner: L.Layer, mask: np.ndarray) -> None:
        super().__init__()
        self.inner = inner
        self.mask = mask

    def call(self, inputs: Any, training: bool = False) -> Any:
        return self.inner(set_mask(inputs, self.mask), training=training)


def f64(layer: L.Layer) -> L.Layer:
    layer.build((None,) + SEQ.shape[1:], rng=np.random.default_rng(0))
    layer.built = True
    for v in layer.weights:
        v.data[...] = RNG.standard_normal(v.shape) * 0.5
    return layer


RNNS = [
    (L.SimpleRNN, {}),
    (L.SimpleRNN, {"activation": "relu", "return_sequences": True}),
    (L.LSTM, {}),
    (L.LSTM, {"return_sequences": True, "go_backwards": True}),
    (L.LSTM, {"activation": "softsign", "recurrent_activation": "hard_sigmoid"}),
    (L.LSTM, {"use_bias": False, "return_sequences": True, "zero_output_for_mask": True}),
    (L.GRU, {}),
    (L.GRU, {"return_sequences": True, "go_backwards": True}),
    (L.GRU, {"activation": "relu", "recurrent_activation": "sigmoid", "use_bias": False}),
]


@pytest.mark.parametrize(
    "cls,kwargs", RNNS, ids=lambda v: v.__name__ if isinstance(v, type) else ""
)
@pytest.mark.parametrize("masked", [False, True], ids=["", "masked"])
def test_recurrent_grads(cls, kwargs, masked) -> None:
    layer = f64(cls(3, dtype="float64", **kwargs))
    check_layer_grads(WithMask(layer, MASK) if masked else layer, SEQ + 0.01, rtol=1e-5)


@pytest.mark.parametrize("merge", ["concat", "sum", "ave", "mul"])
@pytest.mark.parametrize("sequences", [False, True])
def test_bidirectional_grads(merge, sequences) -> None:
    inner = L.GRU(3, return_sequences=sequences, dtype="float64")
    layer = f64(L.Bidirectional(inner, merge_mode=merge, dtype="float64"))
    check_layer_grads(WithMask(layer, MASK), SEQ, rtol=1e-5)


def test_time_distributed_grads() -> None:
    dense = f64(L.TimeDistributed(L.Dense(4, activation="tanh", dtype="float64")))
    check_layer_grads(dense, SEQ)
    conv = L.TimeDistributed(L.Conv2D(2, 2, dtype="float64"))
    frames = RNG.standard_normal((2, 3, 4, 4, 1))
    conv.build((None,) + frames.shape[1:], rng=np.random.default_rng(0))
    check_layer_grads(conv, frames)
    assert conv.compute_output_shape((None, 3, 4, 4, 1)) == (None, 3, 3, 3, 2)


def test_embedding_gradient_accumulates_repeated_ids() -> None:
    ids = np.array([[1, 2, 1], [0, 4, 4]])
    check_grads(lambda table: embedding_lookup(ids, table), RNG.standard_normal((5, 3)))
    layer = L.Embedding(5, 3)
    table = layer(ids)  # builds
    np.testing.assert_array_equal(table.numpy(), layer.embeddings.numpy()[ids])
    t = layer(ids.astype(np.float32))
    t.backward(np.ones(t.shape, np.float32))
    np.testing.assert_array_equal(layer.embeddings.grad[:, 0], [1, 2, 1, 0, 2])


def test_embedding_takes_pretrained_vectors_as_keras_weights() -> None:
    vectors = np.arange(12, dtype=np.float32).reshape(4, 3)
    layer = L.Embedding(4, 3, weights=[vectors], trainable=False)
    model = keras.Sequential([keras.Input((2,)), layer, keras.layers.Flatten()])
    np.testing.assert_array_equal(
        model.predict(np.array([[3, 1]]), verbose=0), [[9, 10, 11, 3, 4, 5]]
    )
    assert model.trainable_weights == []
    with pytest.raises(ConfigError, match=r"Expected shape \(4, 3\). Received: \(5, 3\)"):
        L.Embedding(4, 3, weights=[np.zeros((5, 3))])


# --------------------------------------------------------------------- masks
def test_mask_zero_marks_padding_and_masked_steps_keep_the_state() -> None:
    ids = np.array([[0, 0, 3, 4], [3, 4, 0, 0]])
    emb = L.Embedding(5, 2, mask_zero=True)
    vectors = emb(ids)
    np.testing.assert_array_equal(get_mask(vectors), ids != 0)
    lstm = L.LSTM(3, return_sequences=True)
    out = lstm(vectors).numpy()
    # leading padding: the state stays at its initial zeros
    np.testing.assert_array_equal(out[0, :2], 0.0)
    # trailing padding: the output repeats the last real step (Keras's RNN loop)
    np.testing.assert_array_equal(out[1, 2], out[1, 1])
    np.testing.assert_array_equal(out[1, 3], out[1, 1])
    last = L.LSTM(3)
    last(vectors)
    last.set_weights(lstm.get_weights())
    np.testing.assert_allclose(last(vectors).numpy(), out[:, -1], rtol=1e-6)
    pooled = L.GlobalAveragePooling1D()(vectors).numpy()
    np.testing.assert_allclose(pooled[1], vectors.numpy()[1, :2].mean(axis=0), rtol=1e-6)


def test_mask_reaches_the_rnn_through_dropout_and_dense_in_a_model() -> None:
    inp = keras.Input((None,))
    h = keras.layers.Embedding(6, 3, mask_zero=True)(inp)
    h = keras.layers.Dropout(0.5)(h)
    h = keras.layers.Dense(3)(h)
    model = keras.Model(inp, keras.layers.SimpleRNN(2)(h))
    padded = model.predict(np.array([[1, 2, 0, 0]]), verbose=0)
    np.testing.assert_allclose(padded, model.predict(np.array([[1, 2]]), verbose=0), rtol=1e-6)
    assert not np.allclose(padded, model.predict(np.array([[1, 2, 2, 2]]), verbose=0))


# ------------------------------------------------------------- token id errors
def test_embedding_refuses_fractional_ids_and_ids_out_of_range_naming_the_row() -> None:
    layer = L.Embedding(10, 2, name="tokens")
    with pytest.raises(DataError) as err:
        layer(np.array([[1.0, 2.0], [3.0, 0.5]]))
    assert err.value.row == 1 and "whole-number token ids" in str(err.value)
    assert "Embedding 'tokens'" in str(err.value)
    with pytest.raises(DataError) as err:
        layer(np.array([[1, 2], [3, 4], [10, 0]]))
    assert err.value.row == 2
    assert "token ids in [0, 10)" in str(err.value) and "Received: 10" in str(err.value)
    assert "input_dim=11" in str(err.value)
    with pytest.raises(DataError, match="Received: -1"):
        layer(np.array([[-1, 2]]))


def test_fit_names_the_data_row_of_a_bad_token_id() -> None:
    x = RNG.integers(0, 50, (40, 6))
    x[37, 2] = 50
    model = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Embedding(50, 4),
            keras.layers.Flatten(),
            keras.layers.Dense(1),
        ]
    )
    model.compile(optimizer="adam", loss="mse")
    with pytest.raises(DataError) as err:
        model.fit(x, np.zeros(40), batch_size=8, verbose=0)
    assert err.value.row == 37 and str(err.value).startswith("fit: x: Embedding")
    with pytest.raises(DataError, match="row 1"):
        model.predict(np.array([[1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6.5]]), verbose=0)


def test_integer_ids_flow_in_and_variable_length_inputs_train() -> None:
    inp = keras.Input((None,), dtype="int32")
    h = keras.layers.Embedding(30, 4, mask_zero=True)(inp)
    out = keras.layers.Dense(1, activation="sigmoid")(keras.layers.GRU(3)(h))
    model = keras.Model(inp, out)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    for length in (5, 9):
        ids = RNG.integers(1, 30, (16, length)).astype(np.int64)
        model.fit(ids, RNG.integers(0, 2, 16), epochs=1, verbose=0)
        assert model.predict(ids, verbose=0).shape == (16, 1)


# ---------------------------------------------------------------- other errors
@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: L.LSTM(4, return_state=True), "return_state"),
        (lambda: L.LSTM(4, stateful=True), "stateful"),
        (lambda: L.GRU(4, recurrent_dropout=0.2), "recurrent_dropout"),
        (lambda: L.GRU(4, reset_after=False), "reset_after"),
        (lambda: L.SimpleRNN(0), "units"),
        (lambda: L.LSTM(4, activation="softmax"), "activation"),
        (lambda: L.Bidirectional(L.Dense(3)), "recurrent layer"),
        (lambda: L.Bidirectional(L.LSTM(3), merge_mode="max"), "merge_mode"),
        (lambda: L.Embedding(0, 3), "input_dim"),
    ],
)
def test_bad_arguments(make, match) -> None:
    with pytest.raises(ConfigError, match=match):
        make()


def test_recurrent_layer_on_flat_input_suggests_an_embedding() -> None:
    with pytest.raises(ShapeError, match=r"LSTM 'lstm' cannot take \(10,\).*Embedding"):
        keras.layers.LSTM(4)(keras.Input((10,)))


def test_weight_layouts_and_names_are_keras() -> None:
    shapes = {
        L.SimpleRNN(4): [(3, 4), (4, 4), (4,)],
        L.LSTM(4): [(3, 16), (4, 16), (16,)],
        L.GRU(4): [(3, 12), (4, 12), (2, 12)],
    }
    for layer, want in shapes.items():
        layer.build((None, 7, 3))
        assert [tuple(w.shape) for w in layer.get_weights()] == want
    lstm = L.LSTM(2)
    lstm.build((None, 5, 3))
    np.testing.assert_array_equal(lstm.bias.numpy(), [0, 0, 1, 1, 0, 0, 0, 0])  # forget = 1
    q = lstm.recurrent_kernel.numpy()  # (2, 8): orthonormal rows
    np.testing.assert_allclose(q @ q.T, np.eye(2), atol=1e-6)
    bi = L.Bidirectional(L.LSTM(4, name="enc"))
    bi.build((None, 7, 3))
    assert [la.name for la in (bi.forward_layer, bi.backward_layer)] == [
        "forward_enc",
        "backward_enc",
    ]
    assert len(bi.get_weights()) == 6 and bi.count_params() == 2 * (3 * 16 + 4 * 16 + 16)


# -------------------------------------------------------------------- learning
def test_lstm_learns_to_remember_the_first_token() -> None:
    """Only the first of 12 tokens decides the label: the LSTM must carry it to the end.

    Adam at 0.01 learns this in ~10 epochs but can then swing away from it for a
    while, and where it swings depends on the CPU's rounding (the earlier form of
    this test, 20 epochs and the last weights, passed on one CPU and failed on
    another). So it trains as a user would: gradients clipped, the weights with the
    lowest validation loss kept, and the test rows never seen until the end (seeds
    0-15 all scored >= 0.99 on the test rows this way).
    """
    keras.utils.set_random_seed(2)
    rng = np.random.default_rng(2)
    x = rng.integers(1, 8, (512, 12))
    y = (x[:, 0] > 4).astype(np.float32)
    model = keras.Sequential(
        [
            keras.Input((12,)),
            keras.layers.Embedding(8, 8),
            keras.layers.LSTM(16),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.01, clipnorm=1.0),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    best = keras.callbacks.EarlyStopping(monitor="val_loss", patience=8, restore_best_weights=True)
    model.fit(
        x[:320],
        y[:320],
        epochs=40,
        batch_size=32,
        verbose=0,
        validation_data=(x[320:416], y[320:416]),
        callbacks=[best],
    )
    assert model.evaluate(x[416:], y[416:], verbose=0)[1] >= 0.95


# ---------------------------------------------------------------- real Keras
X_SEQ = RNG.standard_normal((4, 6, 3)).astype(np.float32)
IDS = RNG.integers(1, 12, (4, 7))
IDS[0, :3] = 0  # leading padding
IDS[2, -2:] = 0  # trailing padding


@pytest.mark.parametrize(
    "make,x",
    [
        (lambda k: k.layers.SimpleRNN(5), X_SEQ),
        (lambda k: k.layers.SimpleRNN(4, activation="relu", return_sequences=True), X_SEQ),
        (lambda k: k.layers.LSTM(5), X_SEQ),
        (lambda k: k.layers.LSTM(4, return_sequences=True, go_backwards=True), X_SEQ),
        (lambda k: k.layers.LSTM(3, use_bias=False, unit_forget_bias=False), X_SEQ),
        (lambda k: k.layers.GRU(5), X_SEQ),
        (lambda k: k.layers.GRU(4, return_sequences=True, go_backwards=True), X_SEQ),
        (lambda k: k.layers.Bidirectional(k.layers.LSTM(3)), X_SEQ),
        (lambda k: k.layers.Bidirectional(k.layers.GRU(3, return_sequences=True), "ave"), X_SEQ),
        (lambda k: k.layers.TimeDistributed(k.layers.Dense(4, activation="relu")), X_SEQ),
    ],
    ids=[
        "simplernn",
        "simplernn_relu_seq",
        "lstm",
        "lstm_seq_backwards",
        "lstm_nobias",
        "gru",
        "gru_seq_backwards",
        "bidirectional_lstm",
        "bidirectional_gru_seq_ave",
        "timedistributed_dense",
    ],
)
def test_matches_keras(make, x) -> None:
    assert_matches_keras(make, x)


@pytest.mark.parametrize(
    "make",
    [
        lambda k: k.layers.Embedding(12, 4),
        lambda k: k.Sequential([k.layers.Embedding(12, 4, mask_zero=True), k.layers.LSTM(3)]),
        lambda k: k.Sequential(
            [k.layers.Embedding(12, 4, mask_zero=True), k.layers.GRU(3, return_sequences=True)]
        ),
        lambda k: k.Sequential(
            [
                k.layers.Embedding(12, 4, mask_zero=True),
                k.layers.Bidirectional(k.layers.SimpleRNN(3, return_sequences=True)),
                k.layers.GlobalAveragePooling1D(),
            ]
        ),
    ],
    ids=["embedding", "masked_lstm", "masked_gru_seq", "masked_bidirectional_gap"],
)
def test_token_models_match_keras(make) -> None:
    assert_matches_keras(make, IDS, int_input=True)
