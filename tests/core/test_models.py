"""Models: Sequential and functional DAGs, compile/evaluate/predict, summary, configs, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core import keras
from core.errors import ConfigError, DataError, GraphError

L = keras.layers
RNG = np.random.default_rng(3)
X = RNG.standard_normal((64, 8)).astype(np.float32)
Y = (X[:, 0] + X[:, 1] > 0).astype(np.float32)


def _seed_model() -> keras.Sequential:
    return keras.Sequential(
        [
            L.Dense(10, activation="relu", input_shape=(8,)),
            L.Dense(10, activation="relu"),
            L.Dense(1, activation="sigmoid"),
        ]
    )


def test_sequential_add_and_input_and_lazy_build() -> None:
    a = keras.Sequential()
    a.add(keras.Input(shape=(8,)))
    a.add(L.Dense(4, activation="relu"))
    a.add(L.Dense(1))
    assert a.built and a.count_params() == 8 * 4 + 4 + 5 and len(a.layers) == 2
    lazy = keras.Sequential([L.Dense(3), L.Dense(1)])
    assert not lazy.built
    assert lazy.predict(X, verbose=0).shape == (64, 1)
    assert lazy.built and lazy.count_params() == 27 + 4


def test_functional_dag_with_branches_add_concatenate() -> None:
    inp = keras.Input(shape=(8,))
    a = L.Dense(6, activation="relu", name="a")(inp)
    b = L.Dense(6, activation="tanh", name="b")(inp)
    s = L.Add(name="add")([a, b])
    c = L.Concatenate(name="cat")([s, inp])
    out = L.Dense(1, activation="sigmoid", name="out")(c)
    model = keras.Model(inp, out)
    assert [la.name for la in model.layers][1:] == ["a", "b", "add", "cat", "out"]
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    h = model.fit(X, Y, epochs=3, batch_size=16, verbose=0)
    assert len(h.history["accuracy"]) == 3
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "Connected to" in text and "a[0][0], b[0][0]" in text
    # by hand: the same forward in NumPy
    wa, ba = model.get_layer("a").get_weights()
    wb, bb = model.get_layer("b").get_weights()
    wo, bo = model.get_layer("out").get_weights()
    hsum = np.maximum(X @ wa + ba, 0) + np.tanh(X @ wb + bb)
    expected = 1 / (1 + np.exp(-(np.concatenate([hsum, X], axis=1) @ wo + bo)))
    np.testing.assert_allclose(model.predict(X, verbose=0), expected, rtol=1e-4, atol=1e-6)


def test_multiple_inputs_and_outputs() -> None:
    i1, i2 = keras.Input(shape=(3,)), keras.Input(shape=(2,))
    h = L.Concatenate()([L.Dense(4)(i1), i2])
    o1, o2 = L.Dense(1, name="o1")(h), L.Dense(2, name="o2")(h)
    model = keras.Model([i1, i2], [o1, o2])
    x1, x2 = RNG.standard_normal((20, 3)), RNG.standard_normal((20, 2))
    p1, p2 = model.predict([x1, x2], verbose=0)
    assert p1.shape == (20, 1) and p2.shape == (20, 2)
    model.compile(optimizer="sgd", loss="mse")
    before = model.evaluate([x1, x2], [np.zeros((20, 1)), np.zeros((20, 2))], verbose=0)
    model.fit([x1, x2], [np.zeros((20, 1)), np.zeros((20, 2))], epochs=5, verbose=0)
    after = model.evaluate([x1, x2], [np.zeros((20, 1)), np.zeros((20, 2))], verbose=0)
    assert after < before


def test_missing_input_is_a_graph_error() -> None:
    i1, i2 = keras.Input(shape=(3,)), keras.Input(shape=(3,))
    out = L.Add()([i1, i2])
    with pytest.raises(GraphError, match="not in the model's inputs"):
        keras.Model(i1, out)


def test_evaluate_return_convention_and_predict_batches() -> None:
    model = _seed_model()
    model.compile(optimizer="adam", loss="binary_crossentropy")
    assert isinstance(model.evaluate(X, Y, verbose=0), float)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy", "auc"])
    res = model.evaluate(X, Y, verbose=0)
    assert isinstance(res, list) and len(res) == 3
    d = model.evaluate(X, Y, verbose=0, return_dict=True)
    assert set(d) == {"loss", "accuracy", "auc"}
    np.testing.assert_allclose(
        model.predict(X, batch_size=7, verbose=0),
        model.predict(X, batch_size=64, verbose=0),
        rtol=1e-6,
    )


def test_fused_loss_matches_probability_loss() -> None:
    model = _seed_model()
    model.compile(optimizer="adam", loss="binary_crossentropy")
    fused = model.evaluate(X, Y, verbose=0)
    assert model._fused == ["sigmoid"]
    p = model.predict(X, verbose=0)[:, 0].astype(np.float64)
    p = np.clip(p, 1e-7, 1 - 1e-7)
    plain = -(Y * np.log(p) + (1 - Y) * np.log(1 - p)).mean()
    assert fused == pytest.approx(plain, rel=1e-5)


def test_train_on_batch_and_weights_round_trip() -> None:
    model = _seed_model()
    model.compile(
        optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy", metrics=["accuracy"]
    )
    w0 = model.get_weights()
    loss, acc = model.train_on_batch(X, Y)
    assert np.isfinite(loss) and 0 <= acc <= 1
    assert not np.allclose(model.get_weights()[0], w0[0])
    model.set_weights(w0)
    np.testing.assert_array_equal(model.get_weights()[0], w0[0])
    with pytest.raises(ConfigError, match="Expected 6 arrays"):
        model.set_weights(w0[:2])


@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_config_round_trip_through_json(kind: str) -> None:
    if kind == "sequential":
        model = _seed_model()
    else:
        inp = keras.Input(shape=(8,))
        h = L.Dense(5, activation="relu")(inp)
        out = L.Dense(1)(L.Add()([L.Dense(5)(h), h]))
        model = keras.Model(inp, out)
    config = json.loads(json.dumps(model.get_config()))
    again = type(model).from_config(config)
    again.set_weights(model.get_weights())
    np.testing.assert_allclose(again.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)
    assert again.count_params() == model.count_params()


def test_get_layer_suggests() -> None:
    model = _seed_model()
    name = model.layers[0].name
    assert model.get_layer(name) is model.layers[0]
    with pytest.raises(ConfigError, match="Did you mean"):
        model.get_layer(name + "x")


def test_bad_input_errors() -> None:
    model = _seed_model()
    with pytest.raises(ConfigError, match="compile"):
        model.fit(X, Y, verbose=0)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    with pytest.raises(DataError, match="same number of rows.*64 rows.*60"):
        model.fit(X, Y[:60], verbose=0)
    bad = X.copy()
    bad[5, 2] = np.nan
    with pytest.raises(DataError, match="fit: x, row 5, column '2': Expected finite") as info:
        model.fit(bad, Y, verbose=0)
    assert (info.value.row, info.value.column, info.value.received) == (5, "2", "nan")
    with pytest.raises(DataError, match=r"Expected input of shape \(None, 8\).*\(64, 7\)"):
        model.fit(X[:, :7], Y, verbose=0)
    with pytest.raises(ConfigError, match="Did you mean 'adam'"):
        model.compile(optimizer="adma", loss="mse")
    with pytest.raises(ConfigError, match="Did you mean 'mse'"):
        model.compile(optimizer="adam", loss="mes")
    with pytest.raises(ConfigError, match="Did you mean 'accuracy'"):
        model.compile(optimizer="adam", loss="mse", metrics=["accuracyy"])


def test_sparse_labels_out_of_range_in_fit() -> None:
    model = keras.Sequential([L.Dense(3, activation="softmax", input_shape=(8,))])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(DataError, match=r"\[0, 3\).*Received: 3"):
        model.fit(X, np.arange(64) % 4, verbose=0)


def test_dropout_and_batchnorm_train_and_predict() -> None:
    model = keras.Sequential(
        [
            L.Dense(8, input_shape=(8,)),
            L.BatchNormalization(),
            L.Activation("relu"),
            L.Dropout(0.3),
            L.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(X, Y, epochs=3, verbose=0)
    assert model.count_params() == 72 + 32 + 9
    assert len(model.non_trainable_weights) == 2
    p1 = model.predict(X, verbose=0)
    np.testing.assert_array_equal(p1, model.predict(X, verbose=0))  # no dropout at inference
