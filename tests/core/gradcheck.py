"""Central-difference gradient checking for core ops, layers and losses.

`check_grads(fn, *inputs)` runs `fn` on float64 Tensors made from the float
inputs, back-propagates a random output cotangent, and compares every input's
gradient with central differences of the same weighted sum. Non-float inputs
(integer labels, boolean masks) are passed through unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from core.engine.autograd import Tensor


def _scalar(out: Any, weights: np.ndarray) -> float:
    data = out.data if isinstance(out, Tensor) else np.asarray(out)
    return float(np.sum(data.astype(np.float64) * weights))


def check_grads(
    fn: Callable[..., Tensor],
    *inputs: Any,
    eps: float = 1e-6,
    rtol: float = 1e-6,
    seed: int = 0,
) -> None:
    """Assert that fn's analytic input gradients match central differences.

    The error per input is max|analytic - numeric| / max(max|numeric|, max|analytic|, 1e-3),
    which must stay below `rtol`. Raises AssertionError naming the input.
    """
    arrays = [
        np.array(x, dtype=np.float64, order="C") if np.asarray(x).dtype.kind == "f" else x
        for x in inputs
    ]
    is_var = [isinstance(a, np.ndarray) and a.dtype == np.float64 for a in arrays]

    def run(values: list[Any], grad: bool) -> tuple[Tensor, list[Any]]:
        args = [
            Tensor(v, requires_grad=grad, dtype=np.float64) if var else v
            for v, var in zip(values, is_var, strict=True)
        ]
        return fn(*args), args

    out, args = run(arrays, True)
    rng = np.random.default_rng(seed)
    weights = rng.standard_normal(np.shape(out.data))
    if not out.requires_grad:
        raise AssertionError("fn's output does not depend on any differentiable input")
    out.backward(weights.astype(out.data.dtype))
    for i, (arr, var) in enumerate(zip(arrays, is_var, strict=True)):
        if not var:
            continue
        analytic = args[i].grad
        analytic = np.zeros_like(arr) if analytic is None else np.asarray(analytic)
        numeric = np.zeros_like(arr)
        flat = arr.reshape(-1)
        num_flat = numeric.reshape(-1)
        for j in range(flat.size):
            old = flat[j]
            flat[j] = old + eps
            plus = _scalar(run(arrays, False)[0], weights)
            flat[j] = old - eps
            minus = _scalar(run(arrays, False)[0], weights)
            flat[j] = old
            num_flat[j] = (plus - minus) / (2 * eps)
        if analytic.shape != arr.shape:
            raise AssertionError(
                f"input {i}: gradient shape {analytic.shape} != input shape {arr.shape}"
            )
        scale = max(np.abs(numeric).max(initial=0), np.abs(analytic).max(initial=0), 1e-3)
        err = np.abs(analytic - numeric).max(initial=0) / scale
        if not err < rtol:
            raise AssertionError(
                f"input {i}: relative gradient error {err:.3g} >= {rtol:g}\n"
                f"analytic:\n{analytic}\nnumeric:\n{numeric}"
            )
