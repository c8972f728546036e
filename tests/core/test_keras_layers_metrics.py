"""New layers (ReLU, LeakyReLU, Softmax, Normalization), metric classes and regularizers,
checked by central differences and against real Keras 3 where it is installed."""

from __future__ import annotations

import numpy as np
import pytest

from core import keras
from core.engine import layers as L
from core.engine import metrics as M
from tests.core.gradcheck import check_grads

RNG = np.random.default_rng(11)
X = RNG.normal(size=(6, 5)) * 3


@pytest.fixture(scope="module")
def real_keras():
    return pytest.importorskip("keras")


@pytest.mark.parametrize(
    "make",
    [
        lambda: L.ReLU(),
        lambda: L.ReLU(max_value=2.0, negative_slope=0.1, threshold=0.5),
        lambda: L.LeakyReLU(),
        lambda: L.LeakyReLU(negative_slope=0.05),
        lambda: L.Softmax(),
        lambda: L.Softmax(axis=0),
    ],
    ids=["relu", "relu_args", "leaky", "leaky_args", "softmax", "softmax_axis0"],
)
def test_activation_layers_gradients_and_keras_values(make, real_keras) -> None:
    ours = make()
    check_grads(lambda x: ours(x), X + 0.013)  # away from the kinks
    cfg = {k: v for k, v in ours.get_config().items() if k not in ("name", "trainable")}
    theirs = getattr(real_keras.layers, type(ours).__name__)(**cfg)
    np.testing.assert_allclose(
        ours(X.astype(np.float32)).numpy(),
        np.asarray(theirs(X.astype(np.float32))),
        rtol=1e-5,
        atol=1e-6,
    )


def test_leaky_relu_keeps_keras2_alpha_and_the_keras3_default() -> None:
    assert L.LeakyReLU().negative_slope == 0.3
    assert L.LeakyReLU(alpha=0.1).negative_slope == 0.1


def test_softmax_layer_gets_the_fused_loss() -> None:
    inp = keras.Input((5,))
    out = keras.layers.Softmax()(keras.layers.Dense(3)(inp))
    model = keras.Model(inp, out)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    y = RNG.integers(0, 3, size=6)
    model.fit(X.astype(np.float32), y, epochs=1, verbose=0)
    assert model._fused == ["softmax"]


def test_normalization_adapt_matches_keras(real_keras) -> None:
    data = RNG.normal(loc=5.0, scale=[1.0, 2.0, 3.0], size=(200, 3)).astype(np.float32)
    ours = keras.layers.Normalization()
    ours.adapt(data)
    theirs = real_keras.layers.Normalization()
    theirs.adapt(data)
    np.testing.assert_allclose(ours(data).numpy(), np.asarray(theirs(data)), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ours.mean.numpy(), data.mean(0), rtol=1e-5)
    inv = keras.layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 9.0], invert=True)
    np.testing.assert_allclose(inv(np.array([[1.0, 1.0]])).numpy(), [[3.0, 5.0]])
    check_grads(lambda x: ours(x), RNG.normal(size=(4, 3)))


def test_normalization_adapt_before_a_model_uses_it() -> None:
    data = RNG.normal(loc=10.0, scale=4.0, size=(64, 2)).astype(np.float32)
    norm = keras.layers.Normalization(axis=-1)
    norm.adapt(data)
    model = keras.Sequential([keras.Input((2,)), norm, keras.layers.Dense(1)])
    out = model.predict(data, verbose=0)
    assert out.shape == (64, 1)
    assert [w.shape for w in norm.get_weights()] == [(2,), (2,), ()]


def test_input_with_an_integer_dtype() -> None:
    t = keras.Input(shape=(4,), dtype="int32")
    assert t.dtype == "int32"
    out = keras.layers.Dense(2)(t)
    model = keras.Model(t, out)
    assert model.predict(np.arange(8).reshape(2, 4), verbose=0).shape == (2, 2)


def _confusion_case():
    y = RNG.integers(0, 2, size=(64, 1)).astype(np.float32)
    p = np.clip(y * 0.6 + RNG.uniform(0, 0.6, size=(64, 1)), 0, 1).astype(np.float32)
    return y, p


@pytest.mark.parametrize(
    "name",
    [
        "TruePositives",
        "FalsePositives",
        "TrueNegatives",
        "FalseNegatives",
        "Precision",
        "Recall",
        "BinaryCrossentropy",
        "MeanSquaredError",
        "RootMeanSquaredError",
        "MeanAbsoluteError",
        "MeanAbsolutePercentageError",
        "AUC",
    ],
)
def test_metric_classes_match_keras(name, real_keras) -> None:
    y, p = _confusion_case()
    ours, theirs = getattr(keras.metrics, name)(), getattr(real_keras.metrics, name)()
    for lo in (0, 32):  # two batches: running state
        ours.update_state(y[lo : lo + 32], p[lo : lo + 32])
        theirs.update_state(y[lo : lo + 32], p[lo : lo + 32])
    assert M.scalar(ours.result()) == pytest.approx(float(theirs.result()), rel=1e-4, abs=1e-5)


def test_pr_auc_matches_keras(real_keras) -> None:
    y, p = _confusion_case()
    ours = keras.metrics.AUC(curve="PR")
    theirs = real_keras.metrics.AUC(curve="PR")
    ours.update_state(y, p)
    theirs.update_state(y, p)
    assert ours.result() == pytest.approx(float(theirs.result()), rel=1e-4)


def test_categorical_crossentropy_metrics_match_keras(real_keras) -> None:
    logits = RNG.normal(size=(16, 4)).astype(np.float32)
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    labels = RNG.integers(0, 4, size=16)
    onehot = np.eye(4, dtype=np.float32)[labels]
    for name, y in (("CategoricalCrossentropy", onehot), ("SparseCategoricalCrossentropy", labels)):
        ours, theirs = getattr(keras.metrics, name)(), getattr(real_keras.metrics, name)()
        ours.update_state(y, probs)
        theirs.update_state(y, probs)
        assert ours.result() == pytest.approx(float(theirs.result()), rel=1e-4)


def test_a_custom_metric_with_state_created_after_super_init() -> None:
    class Positives(keras.metrics.Metric):
        def __init__(self, name="positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.count = self.add_weight(name="count", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            hits = keras.ops.cast(keras.ops.greater(y_pred, 0.5), "float32")
            self.count.assign_add(keras.ops.sum(hits))

        def result(self):
            return self.count

    m = Positives()
    m.update_state(None, np.array([0.2, 0.7, 0.9]))
    m.update_state(None, np.array([0.6]))
    assert M.scalar(m.result()) == 3.0
    m.reset_state()
    assert M.scalar(m.result()) == 0.0


def test_lowercase_regularizers_are_the_classes_and_penalise(real_keras) -> None:
    r = keras.regularizers
    assert isinstance(r.l2(0.01), r.L2) and r.l1(0.02).l1 == 0.02
    both = r.l1_l2(l1=0.01, l2=0.02)
    w = RNG.normal(size=(3, 4))
    expected = 0.01 * np.abs(w).sum() + 0.02 * (w * w).sum()
    assert float(both(w).data) == pytest.approx(expected)
    theirs = real_keras.regularizers.l1_l2(l1=0.01, l2=0.02)
    assert float(theirs(w.astype(np.float32))) == pytest.approx(expected, rel=1e-5)
    dense = keras.layers.Dense(2, kernel_regularizer=r.l2(0.5))
    dense(np.ones((1, 3), np.float32))
    (penalty,) = dense.losses
    assert float(penalty.data) == pytest.approx(0.5 * float((dense.kernel.data**2).sum()))
