"""Model's public step interface: fit, evaluate, predict and the trainer go through it.

`train_step`, `test_step` and `predict_step` overrides in a subclass are honoured by
every loop (Keras 3's contract), and `compute_loss` / `compute_metrics` are enough to
write a custom step.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from core import keras
from core.engine.training import EpochEnded, TrainingFinished, train
from core.errors import ConfigError

L = keras.layers
RNG = np.random.default_rng(11)
X = RNG.standard_normal((96, 6)).astype(np.float32)
Y = (X[:, 0] + X[:, 3] > 0).astype(np.float32)


class CountingModel(keras.Sequential):
    """Counts every step the loops take, then does the default work."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls = {"train": 0, "test": 0, "predict": 0}

    def train_step(self, data: Any) -> dict[str, float]:
        self.calls["train"] += 1
        return super().train_step(data)

    def test_step(self, data: Any) -> dict[str, float]:
        self.calls["test"] += 1
        return super().test_step(data)

    def predict_step(self, data: Any) -> Any:
        self.calls["predict"] += 1
        return super().predict_step(data)


class FrozenFirstLayer(keras.Sequential):
    """A hand-written step (the Keras docs pattern) that never updates the first layer."""

    def train_step(self, data: Any) -> dict[str, float]:
        x, y = data
        self.optimizer.zero_grad()
        y_pred = self(x, training=True)
        loss = self.compute_loss(x, y, y_pred)
        loss.backward()
        for w in self.layers[0].trainable_weights:
            w.grad[...] = 0.0
        self.optimizer.step()
        self.metrics[0].update_state(float(loss.data), count=len(y))
        return self.compute_metrics(x, y, y_pred)


def _layers() -> list[Any]:
    return [L.Dense(5, activation="relu", input_shape=(6,)), L.Dense(1, activation="sigmoid")]


def _compiled(cls: type, seed: int = 0, **compile_kw: Any) -> Any:
    keras.utils.set_random_seed(seed)
    model = cls(_layers())
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss="binary_crossentropy",
        metrics=["accuracy"],
        **compile_kw,
    )
    return model


def test_fit_evaluate_and_predict_call_the_overridden_steps() -> None:
    model = _compiled(CountingModel)
    model.fit(X, Y, epochs=3, batch_size=32, validation_split=0.25, verbose=0)
    # 72 training rows -> 3 batches a epoch; 24 validation rows -> 1 test step a epoch
    assert model.calls == {"train": 9, "test": 3, "predict": 0}
    model.evaluate(X, Y, batch_size=40, verbose=0)
    assert model.calls["test"] == 3 + 3
    out = model.predict(X, batch_size=50, verbose=0)
    assert model.calls["predict"] == 2 and out.shape == (96, 1)
    model.train_on_batch(X[:8], Y[:8])
    assert model.calls["train"] == 10


def test_the_trainer_generator_calls_the_overridden_train_step() -> None:
    model = _compiled(CountingModel)
    events = list(train(model, X, Y, epochs=2, batch_size=10))
    assert model.calls["train"] == 2 * 10
    assert isinstance(events[-1], TrainingFinished) and events[-1].reason == "completed"


def test_a_hand_written_train_step_is_what_trains() -> None:
    model = _compiled(FrozenFirstLayer)
    model.build((None, 6))
    first, last = model.layers[0].get_weights(), model.layers[1].get_weights()
    history = model.fit(X, Y, epochs=4, batch_size=16, verbose=0)
    for before, after in zip(first, model.layers[0].get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)
    assert not np.allclose(last[0], model.layers[1].get_weights()[0])
    # its logs are the running loss and the compiled metrics, epoch by epoch
    assert set(history.history) == {"loss", "accuracy"}
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_compute_loss_matches_the_fused_default_step() -> None:
    model = _compiled(keras.Sequential)
    model.prepare(X, Y)
    fused = model.evaluate(X, Y, batch_size=len(X), verbose=0, return_dict=True)
    plain = model.compute_loss(X, Y, model(X))
    assert float(plain.data) == pytest.approx(fused["loss"], rel=1e-5)
    model.reset_metrics()
    logs = model.compute_metrics(X, Y, model(X))
    assert logs["accuracy"] == pytest.approx(fused["accuracy"])


def test_a_step_that_returns_only_the_batch_loss_is_still_guarded() -> None:
    class BatchLossOnly(keras.Sequential):
        def train_step(self, data: Any) -> dict[str, float]:
            x, y = data
            self.optimizer.zero_grad()
            loss = self.compute_loss(x, y, self(x, training=True))
            loss.backward()
            self.optimizer.step()
            return {"loss": float(loss.data) * (1e6 if self.optimizer.iterations > 3 else 1.0)}

    model = _compiled(BatchLossOnly)
    events = list(train(model, X, Y, epochs=3, batch_size=16))
    assert isinstance(events[-1], TrainingFinished)
    assert events[-1].reason == "diverged"
    assert "1000x" in events[-1].message
    assert not [e for e in events if isinstance(e, EpochEnded)]


def test_step_data_of_the_wrong_arity_is_a_clear_error() -> None:
    model = _compiled(keras.Sequential)
    x, y = model.prepare(X, Y)
    with pytest.raises(ConfigError, match=r"\(x, y\)"):
        model.train_step((x, y, None, None))


def test_logs_hold_floats_for_a_metric_that_keeps_its_state_in_variables() -> None:
    class Positives(keras.metrics.Metric):
        def __init__(self, name: str = "positives", **kwargs: Any) -> None:
            super().__init__(name=name, **kwargs)
            self.hits = self.add_weight(name="hits", initializer="zeros")

        def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
            self.hits.assign_add(float((np.asarray(y_pred) > 0.5).sum()))

        def result(self) -> Any:
            return self.hits

    model = _compiled(keras.Sequential)
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=[Positives()])
    history = model.fit(X, Y, epochs=2, batch_size=32, verbose=0)
    assert all(type(v) is float for v in history.history["positives"])
    logs = model.evaluate(X, Y, verbose=0, return_dict=True)
    assert type(logs["positives"]) is float and 0 <= logs["positives"] <= len(X)


def test_a_term_added_with_add_loss_is_part_of_every_step_loss() -> None:
    class Penalised(keras.layers.Layer):
        def call(self, inputs: Any) -> Any:
            self.add_loss(7.0)
            return inputs

    keras.utils.set_random_seed(0)
    plain = keras.Sequential(_layers())
    plain.compile(optimizer="sgd", loss="binary_crossentropy")
    keras.utils.set_random_seed(0)
    penalised = keras.Sequential([*_layers(), Penalised()])
    penalised.compile(optimizer="sgd", loss="binary_crossentropy")
    base = plain.evaluate(X, Y, batch_size=len(X), verbose=0)
    assert penalised.evaluate(X, Y, batch_size=len(X), verbose=0) == pytest.approx(base + 7.0)
    logs = penalised.train_on_batch(X, Y, return_dict=True)
    assert logs["loss"] == pytest.approx(base + 7.0, rel=1e-5)
