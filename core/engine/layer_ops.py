"""Traced ops for layers with state, randomness or constants read at call time.

Dropout's masks (also SpatialDropout's and a recurrent layer's input dropout, drawn
once per channel), BatchNormalization's moving statistics, Normalization's adapted
statistics, Rescaling's scale and offset, and ReLU's cap and threshold are computed
here, inside ops that `core.engine.tracing` records, so a replayed plan draws the
same masks, reads the current statistics and updates the moving averages exactly as
the eager step does (`EFFECT_OPS` write into their first argument).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.engine.autograd import Tensor, as_tensor
from core.engine.random import default_generator
from core.engine.tracing import traceable


@traceable
def dropout(x: Any, rate: float, rng: np.random.Generator | None = None) -> Tensor:
    """Zero a random `rate` of x and scale the rest by 1 / (1 - rate) (training only).

    The mask is drawn from `rng`, or from `core.engine.random.default_generator()` at the
    time of the call, so a replayed step draws exactly the masks eager would.
    """
    x = as_tensor(x)
    gen = rng if rng is not None else default_generator()
    keep = gen.random(x.data.shape, dtype=np.float64) >= rate
    mask = keep.astype(x.data.dtype)
    mask *= 1.0 / (1.0 - rate)
    return Tensor._make(x.data * mask, (x,), lambda g: (g * mask,))


@traceable
def shared_dropout(
    x: Any, rate: float, rng: np.random.Generator | None, shared_axes: tuple[int, ...]
) -> Tensor:
    """Dropout whose mask is drawn once along `shared_axes` and shared there.

    SpatialDropout1D shares along the steps (1,), SpatialDropout2D along the pixels
    (1, 2), a recurrent layer's input dropout along the steps (Keras's rules).
    """
    x = as_tensor(x)
    gen = rng if rng is not None else default_generator()
    shape = tuple(1 if i in shared_axes else n for i, n in enumerate(x.data.shape))
    keep = gen.random(shape, dtype=np.float64) >= rate
    mask = keep.astype(x.data.dtype)
    mask *= 1.0 / (1.0 - rate)
    return Tensor._make(x.data * mask, (x,), lambda g: (g * mask,))


@traceable
def rescale(x: Any, scale: float | tuple[float, ...], offset: float | tuple[float, ...]) -> Tensor:
    """x * scale + offset; a tuple applies along the last axis (Keras's Rescaling)."""
    x = as_tensor(x)
    dtype = x.data.dtype
    s = np.asarray(scale, dtype=dtype)
    return Tensor._make(x.data * s + np.asarray(offset, dtype=dtype), (x,), lambda g: (g * s,))


@traceable
def moving_average(variable: Tensor, value: np.ndarray, momentum: float) -> None:
    """variable = momentum * variable + (1 - momentum) * value, in place (no gradient).

    A traced effect: a replayed step updates the variable as the eager step did.
    """
    data = variable.data
    data *= momentum
    data += (1.0 - momentum) * value.reshape(data.shape)


@traceable
def batch_norm_inference(
    x: Any,
    moving_mean: Tensor,
    moving_variance: Tensor,
    gamma: Tensor | None,
    beta: Tensor | None,
    epsilon: float,
    shape: tuple[int, ...],
) -> Tensor:
    """Batch normalization with the moving statistics: an affine map read at call time."""
    x = as_tensor(x)
    inv = 1.0 / np.sqrt(moving_variance.data + epsilon)
    shift = -moving_mean.data * inv
    dtype = x.data.dtype
    y = x * inv.reshape(shape).astype(dtype) + shift.reshape(shape).astype(dtype)
    if gamma is not None:
        y = y * gamma.reshape(shape)
    if beta is not None:
        y = y + beta.reshape(shape)
    return y


#: Traced ops that write into their first argument (the plan checks nothing else does).
EFFECT_OPS = (moving_average,)


@traceable
def standardize(
    x: Any, mean: Tensor, variance: Tensor, invert: bool, shape: tuple[int, ...], epsilon: float
) -> Tensor:
    """(x - mean) / max(sqrt(variance), epsilon), or its inverse, with the current statistics."""
    x = as_tensor(x)
    dtype = x.data.dtype
    m = mean.data.reshape(shape).astype(dtype)
    std = np.maximum(np.sqrt(variance.data), epsilon).reshape(shape).astype(dtype)
    if invert:
        return x * std + m
    return (x - m) * (1.0 / std).astype(dtype)


@traceable
def relu_general(
    x: Any, max_value: float | None, negative_slope: float, threshold: float
) -> Tensor:
    """Keras ReLU with a cap, a slope below the threshold and the threshold itself."""
    x = as_tensor(x)
    z = x.data
    below = z < threshold
    out = np.where(below, negative_slope * (z - threshold), z)
    slope = np.where(below, negative_slope, 1.0)
    if max_value is not None:
        over = z >= max_value
        out = np.where(over, max_value, out)
        slope = np.where(over, 0.0, slope)
    slope = slope.astype(z.dtype)
    return Tensor._make(out.astype(z.dtype), (x,), lambda g: (g * slope,))
