"""The seed program runs unchanged with `import core as tf` or `from core import keras`."""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import numpy as np


def _data() -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(7)
    x = rng.standard_normal((768, 8)).astype(np.float32)
    w = rng.standard_normal(8)
    y = (x @ w + 0.5 * rng.standard_normal(768) > 0).astype(np.float32)
    return x[:614], x[614:], y[:614], y[614:]


def test_seed_program_as_tf_keras() -> None:
    import core as tf

    X_train, X_test, y_train, y_test = _data()  # noqa: N806 - the article's names
    tf.keras.utils.set_random_seed(0)
    out = io.StringIO()
    with redirect_stdout(out):
        model = tf.keras.Sequential(
            [
                tf.keras.layers.Dense(10, activation="relu", input_shape=(8,)),
                tf.keras.layers.Dense(10, activation="relu"),
                tf.keras.layers.Dense(1, activation="sigmoid"),
            ]
        )
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        model.fit(X_train, y_train, epochs=10, batch_size=32)
        loss, accuracy = model.evaluate(X_test, y_test)
    assert model.count_params() == 211
    assert 0 < loss < 0.6 and accuracy > 0.75
    text = out.getvalue()
    assert "Epoch 10/10" in text and "20/20" in text and "accuracy:" in text


def test_seed_program_from_core_import_keras() -> None:
    from core import keras

    X_train, X_test, y_train, y_test = _data()  # noqa: N806
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.layers.Dense(10, activation="relu", input_shape=(8,)),
            keras.layers.Dense(10, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(X_train, y_train, epochs=10, batch_size=32, verbose=0)
    loss, accuracy = model.evaluate(X_test, y_test, verbose=0)
    assert len(history.history["loss"]) == 10 and history.epoch == list(range(10))
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert accuracy > 0.75
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    assert any("Total params: 211" in line for line in lines)
