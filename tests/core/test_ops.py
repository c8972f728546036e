"""Every op's gradient by central differences (float64), stability and dtype checks."""

from __future__ import annotations

import numpy as np
import pytest

from core.engine import ops
from core.engine.autograd import Tensor
from core.errors import DataError
from tests.core.gradcheck import check_grads

RNG = np.random.default_rng(42)


def away(shape: tuple[int, ...], margin: float = 0.1) -> np.ndarray:
    """Random values at least `margin` away from 0 (no kinks for relu/abs)."""
    x = RNG.standard_normal(shape)
    return np.sign(x) * (margin + np.abs(x))


BINARY = [ops.add, ops.sub, ops.mul, ops.div, ops.maximum, ops.minimum]
BROADCAST_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((1,), (2, 3))]


@pytest.mark.parametrize("op", BINARY, ids=lambda f: f.__name__)
@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
def test_binary_broadcasting(op, shapes) -> None:
    a = away(shapes[0])
    b = away(shapes[1]) + (3.0 if op in (ops.maximum, ops.minimum) else 0.0) * 0
    if op in (ops.maximum, ops.minimum):
        b = b + 0.05  # no ties
    check_grads(op, a, b)


def test_operators_with_constants() -> None:
    x = away((2, 3))
    check_grads(lambda t: 2.0 - t * 3.0 + 1.0 / t - (-t) ** 2, x)
    check_grads(lambda t: t**3, x)
    check_grads(lambda t: ops.pow(t, 0.5), np.abs(x))
    check_grads(lambda t, e: ops.pow(t, e), np.abs(x) + 0.5, RNG.standard_normal((3,)))


@pytest.mark.parametrize(
    "shapes", [((3, 4), (4, 2)), ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (5, 4, 2))], ids=str
)
def test_matmul_broadcasting(shapes) -> None:
    check_grads(ops.matmul, RNG.standard_normal(shapes[0]), RNG.standard_normal(shapes[1]))


@pytest.mark.parametrize("op", [ops.sum, ops.mean, ops.max, ops.min], ids=lambda f: f.__name__)
@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions(op, axis, keepdims) -> None:
    x = RNG.permutation(24).astype(float).reshape(2, 3, 4) / 7  # distinct: no ties
    check_grads(lambda t: op(t, axis=axis, keepdims=keepdims), x)


def test_max_ties_share_gradient() -> None:
    x = Tensor(np.array([1.0, 3.0, 3.0]), requires_grad=True)
    x.max().backward()
    np.testing.assert_allclose(x.grad, [0, 0.5, 0.5])


def test_max_and_min_gradients_keep_a_float32_input_float32_ties_and_nan_included() -> None:
    x = Tensor(np.array([[1, 3, 3, 3], [2, np.nan, 5, 0]], np.float32), requires_grad=True)
    with pytest.warns(RuntimeWarning, match="invalid value"):  # the NaN row's 0 / 0
        ops.max(x, axis=1).sum().backward()
    third = np.float32(1) / np.float32(3)
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad[0], [0, third, third, third])
    assert np.isnan(x.grad[1]).all()  # a NaN maximum equals nothing: 0 / 0 shares
    y = Tensor(np.array([4, 1, 1], np.float32), requires_grad=True)
    (ops.min(y) * 2).backward()
    assert y.grad.dtype == np.float32
    np.testing.assert_array_equal(y.grad, [0, 1, 1])


def test_shaping_ops() -> None:
    x = RNG.standard_normal((2, 3, 4))
    check_grads(lambda t: t.reshape(6, 4), x)
    check_grads(lambda t: t.transpose(2, 0, 1), x)
    check_grads(lambda t: t.T, x)
    check_grads(lambda t: t[:, 1:, ::2], x)
    check_grads(lambda t: t[np.array([0, 0, 1])], x)  # repeated fancy index
    check_grads(lambda t: t[..., 1], x)


def test_concatenate_and_stack() -> None:
    a, b, c = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 1)), RNG.standard_normal((2, 2))
    check_grads(lambda x, y, z: ops.concatenate([x, y, z], axis=-1), a, b, c)
    check_grads(lambda x, y: ops.concatenate([x, y], axis=0), a, a + 1)
    check_grads(lambda x, y: ops.stack([x, y], axis=1), a, a * 2)
    check_grads(lambda x, y: ops.stack([x, y, x], axis=0), a, a * 2)


UNARY = {
    "exp": ops.exp,
    "log": lambda t: ops.log(ops.abs(t)),
    "sqrt": lambda t: ops.sqrt(ops.abs(t)),
    "abs": ops.abs,
    "clip": lambda t: ops.clip(t, -0.5, 0.7),
    "tanh": ops.tanh,
    "sigmoid": ops.sigmoid,
    "relu": ops.relu,
    "leaky_relu": lambda t: ops.leaky_relu(t, 0.1),
    "elu": lambda t: ops.elu(t, 0.7),
    "selu": ops.selu,
    "gelu_exact": ops.gelu,
    "gelu_tanh": lambda t: ops.gelu(t, approximate=True),
    "softplus": ops.softplus,
    "softsign": ops.softsign,
    "swish": ops.swish,
    "hard_sigmoid": ops.hard_sigmoid,
    "softmax": ops.softmax,
    "softmax_axis0": lambda t: ops.softmax(t, axis=0),
    "log_softmax": ops.log_softmax,
    "log_softmax_axis0": lambda t: ops.log_softmax(t, axis=0),
    "neg": ops.neg,
}


@pytest.mark.parametrize("name", list(UNARY))
def test_unary(name: str) -> None:
    x = away((3, 5)) * 2
    if name == "clip":
        x = x[np.abs(np.abs(x) - 0.6) > 0.05].reshape(-1)[:8]  # away from the bounds
    check_grads(UNARY[name], x)


def test_where() -> None:
    cond = RNG.random((3, 4)) > 0.5
    check_grads(
        lambda a, b: ops.where(cond, a, b), RNG.standard_normal((3, 4)), RNG.standard_normal((4,))
    )


def test_activation_values_match_keras_formulas() -> None:
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    t = Tensor(x, dtype=np.float64)
    from math import erf

    np.testing.assert_allclose(ops.sigmoid(t).data, 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(ops.elu(t).data, np.where(x > 0, x, np.expm1(x)))
    np.testing.assert_allclose(ops.softplus(t).data, np.log1p(np.exp(x)))
    np.testing.assert_allclose(ops.gelu(t).data, [0.5 * v * (1 + erf(v / np.sqrt(2))) for v in x])
    np.testing.assert_allclose(
        ops.gelu(t, approximate=True).data,
        0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
    )
    np.testing.assert_allclose(ops.hard_sigmoid(t).data, np.clip(x / 6 + 0.5, 0, 1))
    np.testing.assert_allclose(
        ops.selu(t).data,
        1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x)),
    )
    np.testing.assert_allclose(ops.leaky_relu(t).data, np.where(x > 0, x, 0.2 * x))


# ------------------------------------------------------------------ fused losses
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_softmax_cross_entropy_grads(reduction: str) -> None:
    z = RNG.standard_normal((4, 3))
    t = RNG.random((4, 3))
    t /= t.sum(1, keepdims=True)
    check_grads(lambda a, b: ops.softmax_cross_entropy(a, b, reduction=reduction), z, t)
    check_grads(lambda a: ops.softmax_cross_entropy(a, t.T, axis=0, reduction=reduction), z.T)


def test_softmax_cross_entropy_matches_log_softmax() -> None:
    z = RNG.standard_normal((5, 4))
    t = np.eye(4)[[0, 1, 2, 3, 1]]
    loss = ops.softmax_cross_entropy(Tensor(z, dtype=np.float64), t).data
    ref = -(t * ops.log_softmax(Tensor(z, dtype=np.float64)).data).sum(1)
    np.testing.assert_allclose(loss, ref)
    sparse = ops.sparse_softmax_cross_entropy(Tensor(z, dtype=np.float64), [0, 1, 2, 3, 1]).data
    np.testing.assert_allclose(sparse, ref)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_sparse_softmax_cross_entropy_grads(reduction: str) -> None:
    z = RNG.standard_normal((5, 4))
    labels = np.array([0, 3, 2, 3, 1])
    check_grads(lambda a: ops.sparse_softmax_cross_entropy(a, labels, reduction=reduction), z)
    check_grads(lambda a: ops.sparse_softmax_cross_entropy(a, labels[:, None]), z)


def test_sparse_labels_out_of_range() -> None:
    with pytest.raises(DataError, match=r"\[0, 3\).*Received: 3"):
        ops.sparse_softmax_cross_entropy(Tensor(np.zeros((2, 3))), [0, 3])
    with pytest.raises(DataError, match="Received: -1"):
        ops.sparse_softmax_cross_entropy(Tensor(np.zeros((2, 3))), [-1, 0])
    with pytest.raises(DataError, match="non-integer"):
        ops.sparse_softmax_cross_entropy(Tensor(np.zeros((2, 3))), [0.5, 1.0])


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_sigmoid_bce_grads(reduction: str) -> None:
    z = RNG.standard_normal((4, 3)) * 3
    t = RNG.random((4, 3))
    check_grads(lambda a, b: ops.sigmoid_binary_cross_entropy(a, b, reduction=reduction), z, t)
    check_grads(lambda a: ops.sigmoid_binary_cross_entropy(a, t[:1], reduction=reduction), z)


def test_sigmoid_bce_matches_formula() -> None:
    z = RNG.standard_normal(6)
    t = RNG.random(6)
    s = 1 / (1 + np.exp(-z))
    ref = -(t * np.log(s) + (1 - t) * np.log(1 - s))
    got = ops.sigmoid_binary_cross_entropy(Tensor(z, dtype=np.float64), t).data
    np.testing.assert_allclose(got, ref)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_losses_stable_at_huge_logits(dtype) -> None:
    z = Tensor(
        np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]], dtype=dtype),
        requires_grad=True,
    )
    onehot = np.array([[0, 1, 0], [1, 0, 0]], dtype=dtype)
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        for loss in (
            ops.softmax_cross_entropy(z, onehot, reduction="mean"),
            ops.sparse_softmax_cross_entropy(z, [1, 0], reduction="mean"),
            ops.sigmoid_binary_cross_entropy(z, onehot, reduction="mean"),
            ops.log_softmax(z).sum(),
            ops.softmax(z).sum(),
            ops.sigmoid(z).sum(),
            ops.softplus(z).sum(),
        ):
            z.grad = None
            assert np.isfinite(loss.data).all()
            loss.backward()
            assert np.isfinite(z.grad).all()
            assert z.grad.dtype == dtype
    ce = ops.softmax_cross_entropy(z, onehot).data
    np.testing.assert_allclose(ce, [2000.0, 2000.0 + np.log1p(np.exp(-1.0))], rtol=1e-6)
    bce = ops.sigmoid_binary_cross_entropy(z, onehot).data
    np.testing.assert_allclose(bce[0], [1000.0, 1000.0, np.log(2)], rtol=1e-6)


# ------------------------------------------------------------------ fused layers
@pytest.mark.parametrize("activation", list(ops.ACTIVATION_RULES))
def test_dense_all_activations(activation: str) -> None:
    x = RNG.standard_normal((4, 5))
    w = RNG.standard_normal((5, 3))
    b = RNG.standard_normal(3)
    check_grads(lambda a, k, c: ops.dense(a, k, c, activation), x, w, b)


def test_dense_matches_composed_ops() -> None:
    x, w, b = RNG.standard_normal((4, 5)), RNG.standard_normal((5, 3)), RNG.standard_normal(3)
    for name, fn in [("relu", ops.relu), ("softmax", ops.softmax), ("elu", ops.elu)]:
        fused = ops.dense(
            Tensor(x, dtype=np.float64),
            Tensor(w, dtype=np.float64),
            Tensor(b, dtype=np.float64),
            name,
        ).data
        np.testing.assert_allclose(fused, fn(Tensor(x @ w + b, dtype=np.float64)).data)


def test_dense_without_bias_and_3d_input() -> None:
    check_grads(
        lambda a, k: ops.dense(a, k, None, "tanh"),
        RNG.standard_normal((2, 3, 4)),
        RNG.standard_normal((4, 2)),
    )
    check_grads(
        lambda a, k, c: ops.dense(a, k, c, "relu"),
        away((2, 3, 4)),
        RNG.standard_normal((4, 2)),
        RNG.standard_normal(2),
    )


def test_dense_keeps_float32() -> None:
    w = Tensor(np.ones((3, 2), dtype=np.float32), requires_grad=True)
    y = ops.dense(np.ones((4, 3)), w, None, "gelu")  # float64 input follows the kernel dtype
    assert y.dtype == np.float32


@pytest.mark.parametrize("axes,pshape", [((0,), (1, 4)), ((1,), (3, 1)), ((0, 1), (1, 1))])
def test_normalize_grads(axes, pshape) -> None:
    x = RNG.standard_normal((3, 4))
    g = RNG.standard_normal(pshape).reshape(-1) + 1
    b = RNG.standard_normal(pshape).reshape(-1)
    check_grads(lambda a, gg, bb: ops.normalize(a, gg, bb, axes, 1e-3, pshape)[0], x, g, b)
    check_grads(lambda a: ops.normalize(a, None, None, axes, 1e-3, pshape)[0], x)
