"""The trainer generator: events, running logs, stop, divergence guard, determinism."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from core import keras
from core.engine.training import BatchEnded, EpochEnded, TrainingFinished, train

L = keras.layers
RNG = np.random.default_rng(5)
X = RNG.standard_normal((100, 8)).astype(np.float32)
Y = (X[:, 0] - X[:, 2] > 0).astype(np.float32)


def _model(seed: int = 0, lr: float = 0.01) -> keras.Sequential:
    keras.utils.set_random_seed(seed)
    m = keras.Sequential(
        [
            L.Dense(10, activation="relu", input_shape=(8,)),
            L.Dropout(0.2),
            L.Dense(1, activation="sigmoid"),
        ]
    )
    m.compile(optimizer=keras.optimizers.Adam(lr), loss="binary_crossentropy", metrics=["accuracy"])
    return m


def test_event_sequence_and_running_logs() -> None:
    m = _model()
    events = list(train(m, X, Y, epochs=2, batch_size=32, validation_split=0.2))
    batches = [e for e in events if isinstance(e, BatchEnded)]
    epochs = [e for e in events if isinstance(e, EpochEnded)]
    assert len(batches) == 2 * 3 and len(epochs) == 2
    assert isinstance(events[-1], TrainingFinished) and events[-1].reason == "completed"
    assert (batches[0].epoch, batches[0].batch, batches[0].batches) == (0, 0, 3)
    assert batches[2].samples_seen == 80 and batches[-1].samples_seen == 160
    assert set(epochs[0].logs) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    # the last batch's running average is the epoch's training loss
    assert batches[2].logs["loss"] == pytest.approx(epochs[0].logs["loss"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        batches[0].epoch = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        batches[0].logs["loss"] = 0.0  # type: ignore[index]


def test_closing_the_generator_leaves_a_consistent_model() -> None:
    m = _model()
    gen = train(m, X, Y, epochs=5, batch_size=10)
    for i, _ev in enumerate(gen):
        if i == 4:
            break
    gen.close()
    assert not m.stop_training
    assert m.optimizer.iterations == 5
    w = m.get_weights()
    assert all(np.isfinite(a).all() for a in w)
    assert np.shares_memory(m.trainable_weights[0].data, m.optimizer.parameter_buffer)
    more = list(train(m, X, Y, epochs=1, batch_size=10))
    assert more[-1].reason == "completed"


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_divergence_restores_last_good_epoch() -> None:
    m = _model(lr=1.0)
    xs = X.copy()
    xs[60:] *= 1e30  # overflow to inf in the second epoch's batches at the latest
    good: list[list[np.ndarray]] = []
    events = []
    for ev in train(m, xs, Y, epochs=5, batch_size=50, shuffle=False):
        events.append(ev)
        if isinstance(ev, EpochEnded):
            good.append(m.get_weights())
    fin = events[-1]
    assert isinstance(fin, TrainingFinished) and fin.reason == "diverged"
    assert "lower learning rate" in fin.message and f"epoch {fin.epoch + 1}" in fin.message
    assert "batch" in fin.message
    expected = good[-1] if good else None
    if expected is not None:
        for a, b in zip(m.get_weights(), expected, strict=True):
            np.testing.assert_array_equal(a, b)
    assert all(np.isfinite(a).all() for a in m.get_weights())


def test_same_seed_bit_identical() -> None:
    def run() -> tuple[list[np.ndarray], dict[str, list[float]]]:
        m = _model(seed=11)
        h = m.fit(X, Y, epochs=3, batch_size=16, verbose=0, validation_split=0.1)
        return m.get_weights(), h.history

    w1, h1 = run()
    w2, h2 = run()
    assert h1 == h2
    for a, b in zip(w1, w2, strict=True):
        assert a.tobytes() == b.tobytes()
    m = _model(seed=12)
    h3 = m.fit(X, Y, epochs=3, batch_size=16, verbose=0, validation_split=0.1).history
    assert h3 != h1


def test_seed_argument_controls_shuffle() -> None:
    def run(seed: int) -> list[float]:
        m = _model(seed=0)
        ev = [
            e
            for e in train(m, X, Y, epochs=1, batch_size=10, seed=seed)
            if isinstance(e, BatchEnded)
        ]
        return [e.logs["loss"] for e in ev]

    assert run(1) == run(1)
    assert run(1) != run(2)


def test_validation_data_and_initial_epoch() -> None:
    m = _model()
    h = m.fit(
        X[:80], Y[:80], epochs=3, initial_epoch=1, verbose=0, validation_data=(X[80:], Y[80:])
    )
    assert h.epoch == [1, 2] and "val_accuracy" in h.history
