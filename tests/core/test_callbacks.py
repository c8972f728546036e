"""Callbacks: EarlyStopping, ReduceLROnPlateau, TerminateOnNaN, LambdaCallback, progress bar."""

from __future__ import annotations

import io

import numpy as np
import pytest

from core import keras
from core.engine.callbacks import Callback
from core.engine.training import TrainingFinished, train

L = keras.layers
RNG = np.random.default_rng(9)
X = RNG.standard_normal((64, 4)).astype(np.float32)
Y = (X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.1 * RNG.standard_normal(64)).astype(np.float32)


def _model(lr: float = 0.01) -> keras.Sequential:
    keras.utils.set_random_seed(0)
    m = keras.Sequential([L.Dense(8, activation="tanh", input_shape=(4,)), L.Dense(1)])
    m.compile(optimizer=keras.optimizers.SGD(lr), loss="mse")
    return m


class _Script(Callback):
    """Feeds a scripted monitor value into the logs (runs before the callback under test)."""

    def __init__(self, values: list[float]) -> None:
        super().__init__()
        self.values = values
        self.weights: list[list[np.ndarray]] = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs["score"] = self.values[epoch]  # type: ignore[index]
        self.weights.append(self.model.get_weights())


def test_early_stopping_patience_and_restore_best_weights() -> None:
    m = _model()
    script = _Script([1.0, 0.5, 0.7, 0.6, 0.9, 0.1])
    es = keras.callbacks.EarlyStopping(monitor="score", patience=2, restore_best_weights=True)
    events = list(train(m, X, Y, epochs=6, callbacks=[script, es]))
    fin = events[-1]
    assert isinstance(fin, TrainingFinished) and fin.reason == "early_stopping"
    assert es.stopped_epoch == 3 and fin.epoch == 3
    for a, b in zip(m.get_weights(), script.weights[1], strict=True):
        np.testing.assert_array_equal(a, b)


def test_early_stopping_min_delta_mode_and_start() -> None:
    m = _model()
    script = _Script([0.5, 0.55, 0.56, 0.57, 0.58, 0.59])
    es = keras.callbacks.EarlyStopping(monitor="score", mode="max", min_delta=0.05, patience=1)
    list(train(m, X, Y, epochs=6, callbacks=[script, es]))
    assert es.stopped_epoch == 1  # 0.55 - 0.05 is not > 0.5: no improvement, patience 1
    es2 = keras.callbacks.EarlyStopping(monitor="score", mode="max", patience=0, start_from_epoch=4)
    script2 = _Script([0.9, 0.1, 0.1, 0.1, 0.5, 0.4])
    list(train(_model(), X, Y, epochs=6, callbacks=[script2, es2]))
    assert es2.stopped_epoch == 5


def test_reduce_lr_on_plateau() -> None:
    m = _model(lr=0.1)
    script = _Script([1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    rl = keras.callbacks.ReduceLROnPlateau(monitor="score", factor=0.5, patience=2, min_lr=0.02)
    lrs: list[float] = []
    spy = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda e, logs: lrs.append(m.optimizer.learning_rate)
    )
    list(train(m, X, Y, epochs=6, callbacks=[script, rl, spy]))
    assert lrs == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.025])
    list(train(m, X, Y, epochs=6, callbacks=[_Script([1.0] * 6), rl, spy]))
    assert m.optimizer.learning_rate == pytest.approx(0.02)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_terminate_on_nan_stops_and_guard_reports_divergence() -> None:
    m = _model(lr=1e6)
    big = X * 1e20
    events = list(
        train(
            m, big, Y * 1e20, epochs=3, batch_size=8, callbacks=[keras.callbacks.TerminateOnNaN()]
        )
    )
    fin = events[-1]
    assert fin.reason == "diverged"
    assert all(np.isfinite(a).all() for a in m.get_weights())


def test_lambda_callback_hooks_and_stop_training() -> None:
    calls: list[str] = []
    m = _model()

    def on_batch_end(batch: int, logs: dict) -> None:
        calls.append(f"b{batch}")
        if batch == 1:
            m.stop_training = True

    cb = keras.callbacks.LambdaCallback(
        on_train_begin=lambda logs: calls.append("begin"),
        on_epoch_begin=lambda e, logs: calls.append(f"e{e}"),
        on_train_batch_end=on_batch_end,
        on_train_end=lambda logs: calls.append("end"),
    )
    events = list(train(m, X, Y, epochs=3, batch_size=16, callbacks=[cb]))
    assert calls == ["begin", "e0", "b0", "b1", "end"]
    assert events[-1].reason == "stopped"


def test_progress_bar_like_keras() -> None:
    m = _model()
    out = io.StringIO()
    m.fit(X, Y, epochs=2, batch_size=16, verbose=1, stream=out)
    text = out.getvalue()
    assert "Epoch 1/2" in text and "Epoch 2/2" in text
    line = [ln for ln in text.splitlines() if ln.startswith("4/4")][0]
    assert "━" * 20 in line and "/step - loss: " in line
    out2 = io.StringIO()
    m.fit(X, Y, epochs=1, batch_size=16, verbose=2, stream=out2, validation_split=0.25)
    assert "val_loss:" in out2.getvalue() and "━" not in out2.getvalue()


def test_history_callback_in_fit() -> None:
    m = _model()
    h = m.fit(X, Y, epochs=3, verbose=0)
    assert h.epoch == [0, 1, 2] and list(h.history) == ["loss"]
    assert m.history is h
