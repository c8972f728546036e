"""keras.ops on the engine: values against NumPy, gradients by central differences."""

from __future__ import annotations

import numpy as np
import pytest

from core.engine.autograd import Tensor
from core.keras import ops
from tests.core.gradcheck import check_grads

RNG = np.random.default_rng(7)
A = RNG.normal(size=(3, 4))
B = RNG.normal(size=(4, 2))
POS = RNG.uniform(0.5, 2.0, size=(3, 4))

UNARY = [
    ("square", lambda x: ops.square(x), lambda a: a * a, A),
    ("sqrt", lambda x: ops.sqrt(x), np.sqrt, POS),
    ("exp", lambda x: ops.exp(x), np.exp, A),
    ("log", lambda x: ops.log(x), np.log, POS),
    ("log1p", lambda x: ops.log1p(x), np.log1p, POS),
    ("relu", lambda x: ops.relu(x), lambda a: np.maximum(a, 0), A),
    ("sigmoid", lambda x: ops.sigmoid(x), lambda a: 1 / (1 + np.exp(-a)), A),
    ("tanh", lambda x: ops.tanh(x), np.tanh, A),
    ("abs", lambda x: ops.abs(x), np.abs, A),
    ("negative", lambda x: ops.negative(x), np.negative, A),
    ("mean", lambda x: ops.mean(x, axis=1), lambda a: a.mean(axis=1), A),
    ("sum", lambda x: ops.sum(x, axis=[0, 1]), np.sum, A),
    ("max", lambda x: ops.max(x, axis=0, keepdims=True), lambda a: a.max(0, keepdims=True), A),
    ("var", lambda x: ops.var(x, axis=-1), lambda a: a.var(axis=-1), A),
    ("std", lambda x: ops.std(x), np.std, A),
    ("clip", lambda x: ops.clip(x, -0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5), A),
    (
        "softmax",
        lambda x: ops.softmax(x),
        lambda a: np.exp(a) / np.exp(a).sum(-1, keepdims=True),
        A,
    ),
    ("logsumexp", lambda x: ops.logsumexp(x, axis=1), lambda a: np.log(np.exp(a).sum(1)), A),
    ("norm", lambda x: ops.norm(x, axis=-1), lambda a: np.linalg.norm(a, axis=-1), A),
    ("expand_squeeze", lambda x: ops.squeeze(ops.expand_dims(x, 1), 1), lambda a: a, A),
    ("reshape", lambda x: ops.reshape(x, (4, -1)), lambda a: a.reshape(4, -1), A),
    ("transpose", lambda x: ops.transpose(x), np.transpose, A),
    ("take", lambda x: ops.take(x, np.array([2, 0, 2]), axis=0), lambda a: a[[2, 0, 2]], A),
    ("power", lambda x: ops.power(x, 3), lambda a: a**3, A),
    (
        "log_softmax",
        lambda x: ops.log_softmax(x),
        lambda a: a - np.log(np.exp(a).sum(-1))[:, None],
        A,
    ),
]


@pytest.mark.parametrize(("name", "fn", "ref", "x"), UNARY, ids=[u[0] for u in UNARY])
def test_unary_ops_values_and_gradients(name, fn, ref, x) -> None:
    np.testing.assert_allclose(fn(x).numpy(), ref(x), rtol=1e-5, atol=1e-6)
    check_grads(fn, x)


def test_binary_ops_values_and_gradients() -> None:
    np.testing.assert_allclose(ops.matmul(A, B).numpy(), A @ B, rtol=1e-6)
    check_grads(lambda a, b: ops.matmul(a, b), A, B)
    check_grads(lambda a, b: ops.divide(a, b), A, POS)
    check_grads(lambda a, b: ops.subtract(a, b), A, POS)
    check_grads(lambda a, b: ops.maximum(a, b), A, POS - 1.2)
    check_grads(lambda a, b: ops.where(A > 0, a, b), A, POS)
    check_grads(lambda a, b: ops.concatenate([a, b], axis=0), A, POS)
    check_grads(lambda a: ops.split(a, 2, axis=1)[1], A)
    v = RNG.normal(size=4)
    np.testing.assert_allclose(ops.matmul(A, v).numpy(), A @ v, rtol=1e-6)
    check_grads(lambda a, b: ops.dot(a, b), v, v * 2)


def test_non_differentiable_ops_keep_their_dtype() -> None:
    t = ops.convert_to_tensor([1, 2, 3])
    assert t.dtype == np.int64
    assert ops.cast(t, "float32").dtype == np.float32
    mask = ops.greater(t, 1)
    assert mask.dtype == np.bool_ and mask.numpy().tolist() == [False, True, True]
    both = ops.logical_and(mask, ops.less(t, 3))
    assert both.numpy().tolist() == [False, True, False]
    assert ops.argmax(ops.convert_to_tensor(A), axis=1).numpy().tolist() == A.argmax(1).tolist()
    assert ops.one_hot([0, 2], 3).numpy().tolist() == [[1, 0, 0], [0, 0, 1]]
    assert ops.shape(ops.zeros((2, 5))) == (2, 5)
    # a bool tensor summed counts its True values (cast to float first, as Keras code does)
    assert float(ops.sum(ops.cast(mask, "float32")).data) == 2.0


def test_cast_of_a_tracked_tensor_keeps_the_gradient() -> None:
    x = Tensor(A, requires_grad=True)
    y = ops.sum(ops.cast(x, "float64") * 2.0)
    y.backward()
    np.testing.assert_allclose(x.grad, np.full(A.shape, 2.0))


def test_crossentropy_ops_match_the_loss_functions() -> None:
    y = np.array([[1.0], [0.0], [1.0]])
    p = np.array([[0.9], [0.2], [0.6]])
    expected = -(y * np.log(p) + (1 - y) * np.log(1 - p)).reshape(-1)
    np.testing.assert_allclose(ops.binary_crossentropy(y, p).numpy(), expected, rtol=1e-5)
    logits = RNG.normal(size=(3, 4))
    labels = np.array([0, 3, 1])
    sm = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    ref = -np.log(sm[np.arange(3), labels])
    out = ops.sparse_categorical_crossentropy(labels, logits, from_logits=True)
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-5)
