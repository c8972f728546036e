"""Keras model features on the engine: subclassed models and layers, models as layers,
add_loss, per-output compile, class/sample weights, PyDataset, the epoch cap, callbacks
with logs dicts, and a diverged run's History."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

import core as tf
from core import keras
from core.engine import settings
from core.keras import layers, ops

RNG = np.random.default_rng(5)
X = RNG.normal(size=(96, 4)).astype(np.float32)
Y = (X[:, 0] + X[:, 1] > 0).astype(np.float32)


class TwoLayer(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = layers.Dense(8, activation="relu")
        self.out = layers.Dense(1, activation="sigmoid")

    def call(self, inputs):
        return self.out(self.hidden(inputs))


def test_subclassed_model_trains_and_matches_the_same_functional_model() -> None:
    keras.utils.set_random_seed(1)
    sub = TwoLayer()
    sub.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy")
    sub.fit(X, Y, epochs=1, batch_size=96, shuffle=False, verbose=0)  # builds and steps once
    assert [la.name for la in sub.layers] == [sub.hidden.name, sub.out.name]
    assert len(sub.trainable_weights) == 4
    inp = keras.Input((4,))
    h = layers.Dense(8, activation="relu")(inp)
    func = keras.Model(inp, layers.Dense(1, activation="sigmoid")(h))
    func.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy")
    before = sub.get_weights()
    sub.fit(X, Y, epochs=1, batch_size=96, shuffle=False, verbose=0)
    func.set_weights(before)
    func.fit(X, Y, epochs=1, batch_size=96, shuffle=False, verbose=0)
    for a, b in zip(sub.get_weights(), func.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_custom_layer_add_loss_counts_in_the_loss() -> None:
    class Penalty(layers.Layer):
        def call(self, inputs):
            self.add_loss(0.5 * ops.sum(ops.square(inputs)))
            return inputs

    inp = keras.Input((4,))
    out = layers.Dense(1)(Penalty()(inp))
    model = keras.Model(inp, out)
    model.compile(optimizer="sgd", loss="mse")
    plain = keras.Model(inp, out)  # same layers, the penalty layer included
    loss = model.evaluate(X, Y, batch_size=96, verbose=0)
    mse = float(np.mean((model.predict(X, verbose=0)[:, 0] - Y) ** 2))
    assert loss == pytest.approx(mse + 0.5 * float((X**2).sum()), rel=1e-5)
    assert plain is not model


def test_model_inside_sequential_and_inside_a_functional_graph() -> None:
    base = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
    probs = keras.Sequential([base, layers.Softmax()])
    out = probs.predict(X, verbose=0)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-6)
    inp = keras.Input((4,))
    twice = keras.Model(inp, layers.add([base(inp), base(inp)]))
    np.testing.assert_allclose(twice.predict(X, verbose=0), 2 * base.predict(X, verbose=0))
    assert len(twice.trainable_weights) == 2  # shared, not copied


def test_per_output_losses_metrics_and_dict_data() -> None:
    a, b = keras.Input((4,), name="a"), keras.Input((2,), name="b")
    h = layers.concatenate([layers.Dense(6)(a), layers.Dense(6)(b)])
    score = layers.Dense(1, name="score")(h)
    label = layers.Dense(3, activation="softmax", name="label")(h)
    model = keras.Model([a, b], [score, label])
    model.compile(
        optimizer="adam",
        loss={"score": "mse", "label": "sparse_categorical_crossentropy"},
        loss_weights={"score": 0.0, "label": 1.0},
        metrics={"score": ["mae"], "label": ["accuracy"]},
    )
    xb = RNG.normal(size=(96, 2)).astype(np.float32)
    yl = RNG.integers(0, 3, 96)
    logs = model.evaluate({"a": X, "b": xb}, {"score": Y, "label": yl}, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "score_mae", "label_accuracy"}
    p_label = model.predict([X, xb], verbose=0)[1]
    ce = -np.mean(np.log(p_label[np.arange(96), yl]))
    assert logs["loss"] == pytest.approx(ce, rel=1e-4)  # the score loss has weight 0
    with pytest.raises(Exception, match="does not have"):
        model.compile(optimizer="adam", loss={"scores": "mse", "label": "mse"})
        model.evaluate([X, xb], [Y, yl], verbose=0)


def test_class_weight_equals_the_matching_sample_weight() -> None:
    def run(**kw):
        keras.utils.set_random_seed(3)
        m = keras.Sequential([keras.Input((4,)), layers.Dense(1, activation="sigmoid")])
        m.compile(optimizer=keras.optimizers.SGD(0.5), loss="binary_crossentropy")
        h = m.fit(X, Y, epochs=2, batch_size=16, shuffle=False, verbose=0, **kw)
        return m.get_weights(), h.history["loss"]

    w_class, loss_class = run(class_weight={0: 1.0, 1: 3.0})
    w_sample, loss_sample = run(sample_weight=np.where(Y == 1, 3.0, 1.0))
    w_plain, _ = run()
    for a, b in zip(w_class, w_sample, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert not np.allclose(w_class[0], w_plain[0])
    assert loss_class == pytest.approx(loss_sample)


def test_pydataset_batches_and_epoch_end() -> None:
    class Batches(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.ends = 0

        def __len__(self):
            return 3

        def __getitem__(self, i):
            return X[i * 32 : (i + 1) * 32], Y[i * 32 : (i + 1) * 32]

        def on_epoch_end(self):
            self.ends += 1

    data = Batches()
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(data, validation_data=data, epochs=2, verbose=0)
    assert data.ends == 2 and len(history.history["val_loss"]) == 2
    assert model.evaluate(data, verbose=0)[0] == pytest.approx(history.history["val_loss"][-1])


def test_max_epochs_caps_fit() -> None:
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    settings.set_max_epochs(2)
    try:
        assert len(model.fit(X, Y, epochs=50, verbose=0).history["loss"]) == 2
    finally:
        settings.set_max_epochs(None)


def test_callbacks_get_logs_dicts_and_the_keras_callbacks_work(tmp_path) -> None:
    seen: list[tuple[str, object]] = []

    class Spy(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen.append(("train_begin", dict(logs)))

        def on_epoch_end(self, epoch, logs=None):
            seen.append(("epoch_end", sorted(logs)))

        def on_train_batch_end(self, batch, logs=None):
            seen.append(("batch_end", sorted(logs)))

        def on_test_begin(self, logs=None):
            seen.append(("test_begin", dict(logs)))

    model = keras.Sequential([keras.Input((4,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy")
    log = tmp_path / "log.csv"
    rates = []
    cbs = [
        keras.callbacks.LearningRateScheduler(
            lambda epoch, lr: rates.append(lr) or 0.1 / (epoch + 1)
        ),
        Spy(),
        keras.callbacks.CSVLogger(str(log)),
        keras.callbacks.ModelCheckpoint(str(tmp_path / "m_{epoch:02d}.keras")),
    ]
    model.fit(X, Y, epochs=3, batch_size=48, validation_split=0.25, verbose=0, callbacks=cbs)
    model.evaluate(X, Y, verbose=0, callbacks=[Spy()])
    assert seen[0] == ("train_begin", {})
    assert ("batch_end", ["loss"]) in seen and ("test_begin", {}) in seen
    assert ("epoch_end", ["learning_rate", "loss", "val_loss"]) in seen
    rows = list(csv.reader(log.open()))
    assert rows[0] == ["epoch", "learning_rate", "loss", "val_loss"] and len(rows) == 4
    assert [float(r[1]) for r in rows[1:]] == pytest.approx([0.1, 0.05, 0.1 / 3])
    assert rates[1] == pytest.approx(0.1)
    assert sorted(p.name for p in tmp_path.glob("m_*.keras")) == [
        "m_01.keras",
        "m_02.keras",
        "m_03.keras",
    ]
    again = keras.models.load_model(tmp_path / "m_03.keras")
    np.testing.assert_allclose(again.predict(X, verbose=0), model.predict(X, verbose=0))


def test_backup_and_restore_resumes_an_interrupted_fit(tmp_path) -> None:
    class Interrupt(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:
                raise RuntimeError("interrupted")

    backup = keras.callbacks.BackupAndRestore(tmp_path / "backup")
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(RuntimeError):
        model.fit(X, Y, epochs=5, verbose=0, callbacks=[backup, Interrupt()])
    saved = model.get_weights()
    fresh = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
    fresh.compile(optimizer="sgd", loss="mse")
    history = fresh.fit(X, Y, epochs=5, verbose=0, callbacks=[backup])
    assert history.epoch == [2, 3, 4]  # resumed after the two backed-up epochs
    assert not (tmp_path / "backup").exists()  # removed once training completed
    assert saved is not None


def test_a_diverged_run_keeps_its_history() -> None:
    model = keras.Sequential(
        [keras.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(1)]
    )
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
    with pytest.warns(RuntimeWarning, match="diverged"):
        history = model.fit(X, X.sum(axis=1) * 1000, epochs=5, verbose=0)
    assert len(history.history["loss"]) == 1
    assert history.history["loss"][0] > 0
    assert model.last_run.reason == "diverged"


def test_tf_style_train_step_with_gradient_tape_is_honoured() -> None:
    calls = []

    class Custom(keras.Model):
        def train_step(self, data):
            x, y = data
            calls.append(len(x))
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compute_loss(y=y, y_pred=y_pred)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply(grads, self.trainable_variables)
            for m in self.metrics:
                m.update_state(loss) if m.name == "loss" else m.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    inp = keras.Input((4,))
    model = Custom(inp, layers.Dense(1)(inp))
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    history = model.fit(X, Y, epochs=3, batch_size=32, verbose=0)
    assert calls == [32] * 9
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert all(isinstance(v, float) and math.isfinite(v) for v in history.history["mae"])


def test_verbose_2_prints_one_keras_line_per_epoch(capsys) -> None:
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(X, Y, epochs=2, batch_size=32, verbose=2)
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln]
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert lines[1].startswith("3/3 - ") and "step - accuracy: " in lines[1]
    assert " - loss: " in lines[1]
