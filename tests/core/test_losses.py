"""Losses: values against the Keras formulas, gradients by central differences, configs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.engine import losses
from core.engine.autograd import Tensor
from core.errors import ConfigError, DataError
from tests.core.gradcheck import check_grads

RNG = np.random.default_rng(0)
Y_REG = RNG.standard_normal((5, 3))
P_REG = RNG.standard_normal((5, 3))
Y_BIN = (RNG.random((6, 1)) > 0.5).astype(float)
P_BIN = RNG.uniform(0.05, 0.95, (6, 1))
Z = RNG.standard_normal((6, 4)) * 2
LABELS = np.array([0, 3, 1, 2, 3, 0])
ONEHOT = np.eye(4)[LABELS]
P_CAT = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)


def _value(loss: losses.Loss, y: np.ndarray, p: np.ndarray) -> float:
    return float(loss(y, Tensor(p, dtype=np.float64)).data)


def test_regression_values() -> None:
    d = P_REG - Y_REG
    assert _value(losses.MeanSquaredError(), Y_REG, P_REG) == pytest.approx((d**2).mean())
    assert _value(losses.get("mae"), Y_REG, P_REG) == pytest.approx(np.abs(d).mean())
    a = np.abs(d)
    hub = np.where(a <= 0.5, 0.5 * d**2, 0.5 * (a - 0.25)).mean()
    assert _value(losses.Huber(delta=0.5), Y_REG, P_REG) == pytest.approx(hub)


def test_crossentropy_values() -> None:
    bce = -(Y_BIN * np.log(P_BIN) + (1 - Y_BIN) * np.log(1 - P_BIN)).mean()
    assert _value(losses.get("binary_crossentropy"), Y_BIN, P_BIN) == pytest.approx(bce)
    cce = -(ONEHOT * np.log(P_CAT)).sum(axis=1).mean()
    assert _value(losses.CategoricalCrossentropy(), ONEHOT, P_CAT) == pytest.approx(cce)
    assert _value(losses.SparseCategoricalCrossentropy(), LABELS, P_CAT) == pytest.approx(cce)
    assert _value(losses.CategoricalCrossentropy(from_logits=True), ONEHOT, Z) == pytest.approx(cce)
    assert _value(
        losses.SparseCategoricalCrossentropy(from_logits=True), LABELS, Z
    ) == pytest.approx(cce)
    zb = np.log(P_BIN / (1 - P_BIN))
    assert _value(losses.BinaryCrossentropy(from_logits=True), Y_BIN, zb) == pytest.approx(bce)


def test_label_smoothing_like_keras() -> None:
    t = Y_BIN * 0.8 + 0.1
    bce = -(t * np.log(P_BIN) + (1 - t) * np.log(1 - P_BIN)).mean()
    got = _value(losses.BinaryCrossentropy(label_smoothing=0.2), Y_BIN, P_BIN)
    assert got == pytest.approx(bce)
    t = ONEHOT * 0.9 + 0.1 / 4
    cce = -(t * np.log(P_CAT)).sum(axis=1).mean()
    got = _value(losses.CategoricalCrossentropy(label_smoothing=0.1), ONEHOT, P_CAT)
    assert got == pytest.approx(cce)


def test_clipping_from_probabilities() -> None:
    # p = 0 with target 1: Keras clips to 1e-7 -> -log(1e-7)
    got = _value(losses.BinaryCrossentropy(), np.array([[1.0]]), np.array([[0.0]]))
    assert got == pytest.approx(-np.log(1e-7), rel=1e-6)


@pytest.mark.parametrize(
    ("loss", "y", "p"),
    [
        (losses.MeanSquaredError(), Y_REG, P_REG),
        (losses.MeanAbsoluteError(), Y_REG, P_REG),
        (losses.Huber(delta=0.7), Y_REG, P_REG),
        (losses.BinaryCrossentropy(), Y_BIN, P_BIN),
        (losses.BinaryCrossentropy(label_smoothing=0.1), Y_BIN, P_BIN),
        (losses.BinaryCrossentropy(from_logits=True), Y_BIN, Z[:, :1]),
        (losses.CategoricalCrossentropy(), ONEHOT, P_CAT),
        (losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1), ONEHOT, Z),
        (losses.SparseCategoricalCrossentropy(), LABELS, P_CAT),
        (losses.SparseCategoricalCrossentropy(from_logits=True), LABELS, Z),
    ],
    ids=[
        "mse",
        "mae",
        "huber",
        "bce",
        "bce-smooth",
        "bce-logits",
        "cce",
        "cce-logits",
        "scce",
        "scce-logits",
    ],
)
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none"])
def test_gradients_central_differences(
    loss: losses.Loss, y: np.ndarray, p: np.ndarray, reduction: str
) -> None:
    loss.reduction = reduction
    try:
        check_grads(lambda pred: loss(y, pred), p)
    finally:
        loss.reduction = "sum_over_batch_size"


def test_sample_weight_gradients() -> None:
    w = np.array([1.0, 0.0, 2.0, 0.5, 1.0, 3.0])
    check_grads(lambda pred: losses.BinaryCrossentropy()(Y_BIN, pred, sample_weight=w), P_BIN)
    full = losses.BinaryCrossentropy(reduction="none")(Y_BIN, Tensor(P_BIN, dtype=np.float64))
    got = _value_w(losses.BinaryCrossentropy(), Y_BIN, P_BIN, w)
    assert got == pytest.approx(float((full.data * w).sum() / 6))


def _value_w(loss: losses.Loss, y: np.ndarray, p: np.ndarray, w: np.ndarray) -> float:
    return float(loss(y, Tensor(p, dtype=np.float64), sample_weight=w).data)


def test_stable_at_large_logits() -> None:
    z = np.array([[1000.0], [-1000.0], [1000.0]], dtype=np.float32)
    y = np.array([[0.0], [1.0], [1.0]], dtype=np.float32)
    zt = Tensor(z, requires_grad=True)
    out = losses.BinaryCrossentropy(from_logits=True)(y, zt)
    out.backward()
    assert np.isfinite(out.data) and out.data == pytest.approx(2000 / 3)
    assert np.all(np.isfinite(zt.grad))
    zc = Tensor(np.array([[1000.0, -1000.0, 0.0]], np.float32), requires_grad=True)
    out = losses.SparseCategoricalCrossentropy(from_logits=True)(np.array([1]), zc)
    out.backward()
    assert out.data == pytest.approx(2000.0) and np.all(np.isfinite(zc.grad))


def test_fused_logits_equal_probability_path() -> None:
    z = RNG.standard_normal((8, 1))
    p = 1 / (1 + np.exp(-z))
    y = (RNG.random((8, 1)) > 0.5).astype(float)
    bce = losses.BinaryCrossentropy()
    a = float(bce(y, Tensor(p, dtype=np.float64)).data)
    b = float(bce.call_from_logits(y, Tensor(z, dtype=np.float64)).data)
    assert a == pytest.approx(b, rel=1e-9)


def test_targets_of_shape_n_accepted_for_n_by_1() -> None:
    flat = _value(losses.BinaryCrossentropy(), Y_BIN[:, 0], P_BIN)
    assert flat == pytest.approx(_value(losses.BinaryCrossentropy(), Y_BIN, P_BIN))


def test_sparse_label_out_of_range_message() -> None:
    with pytest.raises(DataError, match=r"\[0, 4\).*Received: 4"):
        losses.SparseCategoricalCrossentropy(from_logits=True)(np.array([0, 4]), Z[:2])
    with pytest.raises(DataError, match="Received: -1"):
        losses.SparseCategoricalCrossentropy()(np.array([-1, 0]), P_CAT[:2])
    with pytest.raises(DataError, match="whole-number"):
        losses.SparseCategoricalCrossentropy()(np.array([0.5, 0.0]), P_CAT[:2])


def test_shape_mismatch_message() -> None:
    with pytest.raises(DataError, match="Expected one-hot targets of shape"):
        losses.CategoricalCrossentropy()(LABELS, P_CAT)


def test_get_unknown_suggests() -> None:
    with pytest.raises(ConfigError, match="Did you mean 'binary_crossentropy'"):
        losses.get("binary_crosentropy")
    with pytest.raises(ConfigError, match="reduction"):
        losses.MeanSquaredError(reduction="avg")


@pytest.mark.parametrize("name", sorted(losses.ALL_LOSSES))
def test_config_round_trip(name: str) -> None:
    loss = losses.ALL_LOSSES[name](reduction="sum")
    again = losses.deserialize(json.loads(json.dumps(losses.serialize(loss))))
    assert type(again) is type(loss) and again.get_config() == loss.get_config()


def test_string_names_resolve() -> None:
    for name, cls in [
        ("mse", losses.MeanSquaredError),
        ("mean_absolute_error", losses.MeanAbsoluteError),
        ("huber", losses.Huber),
        ("categorical_crossentropy", losses.CategoricalCrossentropy),
        ("sparse_categorical_crossentropy", losses.SparseCategoricalCrossentropy),
    ]:
        assert isinstance(losses.get(name), cls)
    assert losses.get("mse").name == "mean_squared_error"
