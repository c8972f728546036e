"""ONNX nodes for the activation and preprocessing layers only the ONNX export adds.

ReLU (with its max_value, negative_slope and threshold, as the engine's
`relu_general`), LeakyReLU, Softmax along any axis, and Normalization
((x - mean) / max(sqrt(variance), 1e-7), or the inverse with invert=True,
with the constants computed in float32 exactly as the engine does). `LAYERS`
maps each layer type to the function that writes it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.export.graph_ir import Step
from core.export.onnx_builder import Builder

__all__ = ["LAYERS"]

#: The engine's floor on a Normalization layer's standard deviation.
_NORMALIZATION_EPSILON = 1e-7


def _relu(b: Builder, step: Step, ins: list[str], mask: str | None) -> str:
    cfg, base, x = step.config, step.name, ins[0]
    cap = cfg.get("max_value")
    slope = float(cfg.get("negative_slope") or 0.0)
    threshold = float(cfg.get("threshold") or 0.0)
    if cap is None and not slope and not threshold:
        return b.op("Relu", [x], base)
    at = b.const(f"{base}_threshold", threshold)
    below = b.op("Less", [x, at], base)
    leak = b.op("Mul", [b.op("Sub", [x, at], base), b.const(f"{base}_slope", slope)], base)
    y = b.op("Where", [below, leak, x], base)
    if cap is not None:
        top = b.const(f"{base}_max_value", float(cap))
        y = b.op("Where", [b.op("GreaterOrEqual", [x, top], base), top, y], base)
    return y


def _leaky_relu(b: Builder, step: Step, ins: list[str], mask: str | None) -> str:
    alpha = float(step.config.get("negative_slope", 0.3))
    return b.op("LeakyRelu", [ins[0]], step.name, alpha=alpha)


def _softmax(b: Builder, step: Step, ins: list[str], mask: str | None) -> str:
    axis: Any = step.config.get("axis", -1)
    axis = axis[0] if isinstance(axis, (list, tuple)) else axis
    return b.op("Softmax", [ins[0]], step.name, axis=int(axis))


def _normalization(b: Builder, step: Step, ins: list[str], mask: str | None) -> str:
    shape = step.in_shapes[0]
    ndim = len(shape)
    axis = step.config.get("axis", -1)
    axes = {a % ndim for a in (axis if isinstance(axis, (list, tuple)) else [axis])}
    bshape = [int(shape[i]) if i in axes else 1 for i in range(ndim)]  # type: ignore[arg-type]
    mean = step.weights["mean"].reshape(bshape).astype(np.float32)
    std = np.maximum(np.sqrt(step.weights["variance"]), _NORMALIZATION_EPSILON)
    std = std.reshape(bshape).astype(np.float32)
    base, x = step.name, ins[0]
    if step.config.get("invert"):
        y = b.op("Mul", [x, b.const(f"{base}_std", std)], base)
        return b.op("Add", [y, b.const(f"{base}_mean", mean)], base)
    y = b.op("Sub", [x, b.const(f"{base}_mean", mean)], base)
    return b.op("Mul", [y, b.const(f"{base}_inverse_std", (1.0 / std).astype(np.float32))], base)


LAYERS = {
    "ReLU": _relu,
    "LeakyReLU": _leaky_relu,
    "Softmax": _softmax,
    "Normalization": _normalization,
}
