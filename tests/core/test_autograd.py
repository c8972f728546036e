"""Autograd engine: accumulation, no_grad, detach, deep chains, in-place grad views,
and the one-way autograd <- ops import (Tensor's operators come from a table ops fills)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.engine import ops
from core.engine.autograd import Tensor, no_grad
from tests.core.gradcheck import check_grads


def test_reused_tensor_gets_both_paths() -> None:
    x = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True, dtype=np.float64)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, 2 * x.data)


def test_reused_tensor_gradcheck() -> None:
    rng = np.random.default_rng(1)
    check_grads(lambda x: (x * x + x) * x, rng.standard_normal((3, 4)))


def test_deep_chain_of_5000_ops_has_no_recursion_error() -> None:
    x = Tensor(np.array(1.0), requires_grad=True, dtype=np.float64)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.backward()
    assert x.grad == pytest.approx(1.0001**5000)


def test_no_grad_records_nothing() -> None:
    x = Tensor(np.ones(3), requires_grad=True)
    with no_grad():
        y = (x * 2).sum()
    assert not y.requires_grad
    assert y._parents == ()
    with pytest.raises(RuntimeError):
        y.backward()
    z = (x * 2).sum()  # re-enabled after the block
    assert z.requires_grad


def test_detach_cuts_the_graph() -> None:
    x = Tensor(np.array([2.0]), requires_grad=True)
    d = (x * 3).detach()
    assert not d.requires_grad
    y = (x * d).sum()
    y.backward()
    np.testing.assert_allclose(x.grad, [6.0])  # d is a constant 6


def test_gradients_accumulate_across_two_backward_calls() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, [3 + 2, 3 + 4])


def test_preset_grad_view_is_accumulated_in_place() -> None:
    flat = np.zeros(6, dtype=np.float32)
    w = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    w.grad = flat.reshape(2, 3)
    view = w.grad
    (w * 2).sum().backward()
    assert w.grad is view
    np.testing.assert_allclose(flat, 2.0)
    (w * 2).sum().backward()
    np.testing.assert_allclose(flat, 4.0)


def test_fused_dense_accumulates_into_preset_views() -> None:
    rng = np.random.default_rng(0)
    flat = np.zeros(3 * 2 + 2, dtype=np.float32)
    w = Tensor(rng.standard_normal((3, 2)).astype(np.float32), requires_grad=True)
    b = Tensor(np.zeros(2, dtype=np.float32), requires_grad=True)
    w.grad, b.grad = flat[:6].reshape(3, 2), flat[6:]
    x = rng.standard_normal((4, 3)).astype(np.float32)
    ops.dense(x, w, b, "linear").sum().backward()
    np.testing.assert_allclose(
        flat[:6].reshape(3, 2), x.sum(0)[:, None] * np.ones((1, 2)), rtol=1e-6
    )
    np.testing.assert_allclose(flat[6:], [4.0, 4.0])
    ops.dense(x, w, b, "linear").sum().backward()
    np.testing.assert_allclose(flat[6:], [8.0, 8.0])


def test_shared_weight_used_twice_accumulates() -> None:
    w = Tensor(np.array([[2.0]]), requires_grad=True, dtype=np.float64)
    x = Tensor(np.array([[3.0]]), dtype=np.float64)
    y = ops.dense(ops.dense(x, w, None, "linear"), w, None, "linear")  # x w w
    y.sum().backward()
    np.testing.assert_allclose(w.grad, [[2 * 3 * 2.0]])


def test_backward_needs_scalar_or_grad() -> None:
    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="scalar"):
        (x * 2).backward()
    (x * 2).backward(np.ones(3))
    np.testing.assert_allclose(x.grad, 2.0)


def test_retain_graph_allows_second_backward() -> None:
    x = Tensor(np.array([1.0]), requires_grad=True)
    y = (x * 5).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad, [10.0])


def test_float32_stays_float32() -> None:
    x = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    y = ops.gelu(ops.softplus(x * 0.5 + 1) / 3.0, approximate=True)
    y = ops.log_softmax(ops.elu(ops.leaky_relu(y, 0.1)))
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def _engine_imports(module: object) -> set[str]:
    tree = ast.parse(Path(module.__file__).read_text())  # type: ignore[attr-defined]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found |= {f"{node.module}.{a.name}" for a in node.names} | {node.module}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return {m for m in found if m.startswith("core.engine")}


def test_autograd_and_ops_import_in_one_direction() -> None:
    from core.engine import autograd

    # Tensor knows the ops only by their table; it reports its walk to a recording trace
    assert _engine_imports(autograd) == {"core.engine.tracing", "core.engine.tracing.walk_log"}
    assert "core.engine.autograd" in _engine_imports(ops)


def test_every_operator_is_registered_by_ops() -> None:
    from core.engine.autograd import OPERATOR_NAMES, OPERATORS

    for name in OPERATOR_NAMES:
        assert getattr(OPERATORS, name) is getattr(ops, name)


def test_operators_work_in_a_fresh_interpreter_that_imports_only_autograd() -> None:
    code = (
        "from core.engine.autograd import Tensor\n"
        "x = Tensor([1.0, 2.0], requires_grad=True)\n"
        "((x * x).sum() - x.sum() / 2).backward()\n"
        "print(x.grad.tolist())\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[1.5, 3.5]"
