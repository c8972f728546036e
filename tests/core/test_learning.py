"""Learning: XOR 100 %, two moons > 97 %, iris > 95 % held out, regression R^2 > 0.95."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from core import keras

L = keras.layers
DATA = Path(__file__).resolve().parents[2] / "resources" / "datasets"


def _standardise(train: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    mu, sd = train.mean(axis=0), train.std(axis=0) + 1e-8
    return [(a - mu) / sd for a in (train, *others)]


def test_xor_reaches_100_percent() -> None:
    keras.utils.set_random_seed(0)
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([0, 1, 1, 0], dtype=np.float32)
    model = keras.Sequential(
        [L.Dense(8, activation="tanh", input_shape=(2,)), L.Dense(1, activation="sigmoid")]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"]
    )
    model.fit(x, y, epochs=300, batch_size=4, verbose=0)
    _, acc = model.evaluate(x, y, verbose=0)
    assert acc == 1.0


def _two_moons(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    t = rng.uniform(0, np.pi, n)
    lab = rng.integers(0, 2, n)
    x = np.where(
        lab[:, None] == 0, np.c_[np.cos(t), np.sin(t)], np.c_[1 - np.cos(t), 0.5 - np.sin(t)]
    )
    return (x + 0.1 * rng.standard_normal((n, 2))).astype(np.float32), lab.astype(np.float32)


def test_two_moons_above_97_percent() -> None:
    rng = np.random.default_rng(1)
    x, y = _two_moons(1000, rng)
    xt, yt = _two_moons(500, rng)
    x, xt = _standardise(x, xt)
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [
            L.Dense(16, activation="relu", input_shape=(2,)),
            L.Dense(16, activation="relu"),
            L.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"]
    )
    model.fit(x, y, epochs=40, batch_size=32, verbose=0)
    _, acc = model.evaluate(xt, yt, verbose=0)
    assert acc > 0.97


def _iris() -> tuple[np.ndarray, np.ndarray]:
    try:
        from sklearn.datasets import load_iris

        d = load_iris()
        return d.data.astype(np.float32), d.target
    except ImportError:
        df = pd.read_csv(DATA / "iris.csv")
        codes, _ = pd.factorize(df.iloc[:, -1])
        return df.iloc[:, :4].to_numpy(np.float32), codes


def test_iris_above_95_percent_held_out() -> None:
    x, y = _iris()
    rng = np.random.default_rng(0)
    parts = [rng.permutation(np.flatnonzero(y == c)) for c in range(3)]
    train = np.concatenate([p[:35] for p in parts])  # stratified: 105 train, 45 held out
    test = np.concatenate([p[35:] for p in parts])
    xtr, xte = _standardise(x[train], x[test])
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [L.Dense(16, activation="relu", input_shape=(4,)), L.Dense(3, activation="softmax")]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(xtr, y[train], epochs=100, batch_size=16, verbose=0)
    _, acc = model.evaluate(xte, y[test], verbose=0)
    assert acc > 0.95
    onehot = keras.utils.to_categorical(y)
    model.compile(
        optimizer=keras.optimizers.Adam(0.01), loss="categorical_crossentropy", metrics=["accuracy"]
    )
    _, acc2 = model.evaluate(xte, onehot[test], verbose=0)
    assert acc2 == acc


def test_regression_r2_above_095() -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((600, 5)).astype(np.float32)
    w = np.array([2.0, -1.0, 0.5, 3.0, 0.0])
    y = (x @ w + 1.0 + 0.3 * rng.standard_normal(600)).astype(np.float32)
    keras.utils.set_random_seed(3)
    model = keras.Sequential([L.Dense(16, activation="relu", input_shape=(5,)), L.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae", "r2_score"])
    model.fit(x[:500], y[:500], epochs=40, batch_size=32, verbose=0)
    loss, mae, r2 = model.evaluate(x[500:], y[500:], verbose=0)
    assert r2 > 0.95 and mae < 0.6
