"""Differentiable convolution, pooling, padding and upsampling over channels_last tensors.

Each op is one graph node with one backward closure, in the style of
`core.engine.ops`: `conv` (1-D or 2-D, strides, dilation, explicit padding, a
fused activation from `ACTIVATION_RULES`) gathers the input windows into one
matrix (im2col on strided views) and runs one GEMM; its backward is two GEMMs
plus one strided add per kernel position (never a loop over pixels). `pool`
does max and average pooling with a loop over the few window offsets only;
`zero_pad` and `upsample` are slicing and repeating. 1-D inputs (batch, steps,
channels) run through the 2-D code with a height of 1. `conv_output_length` is
the shape rule (Keras's "valid", "same" and "causal") the layers share.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from core.engine.autograd import Tensor, as_tensor, is_grad_enabled
from core.engine.ops import ACTIVATION_RULES, _linear_fwd
from core.engine.tracing import traceable

Pads = tuple[tuple[int, int], tuple[int, int]]

#: Below this many input channels, im2col copies one kernel position at a time
#: (a strided 6-D copy with a tiny inner dimension is slower than 9 slice copies).
_FEW_CHANNELS = 8


def conv_output_length(
    size: int | None, kernel: int, stride: int, dilation: int, padding: str
) -> tuple[int | None, int, int]:
    """(output length, pad before, pad after) along one axis, as Keras computes them.

    "valid": no padding; "same": output = ceil(size / stride), padding split with the
    extra cell after (TensorFlow's rule); "causal": all padding before (Conv1D). An
    unknown `size` gives an unknown length. The output length may be < 1 for "valid"
    (the caller reports a kernel larger than its input).
    """
    span = (kernel - 1) * dilation + 1
    if size is None:
        return None, 0, 0
    if padding == "valid":
        return (size - span) // stride + 1 if size >= span else 0, 0, 0
    if padding == "causal":
        return (size - 1) // stride + 1, span - 1, 0
    out = -(-size // stride)
    total = max((out - 1) * stride + span - size, 0)
    return out, total // 2, total - total // 2


def _as_2d(
    xd: np.ndarray, *per_axis: tuple[Any, ...]
) -> tuple[np.ndarray, bool, list[tuple[Any, ...]]]:
    """A 1-D input (N, L, C) as (N, 1, L, C), its per-axis arguments led by a unit axis."""
    if xd.ndim != 3:
        return xd, False, [tuple(a) for a in per_axis]
    units = (1, 1, (0, 0))
    return xd[:, None], True, [(u,) + tuple(a) for u, a in zip(units, per_axis, strict=False)]


def _padded(xd: np.ndarray, pads: Pads, fill: float = 0.0) -> np.ndarray:
    (pt, pb), (pl, pr) = pads
    if not (pt or pb or pl or pr):
        return xd
    n, h, w, c = xd.shape
    xp = np.full((n, h + pt + pb, w + pl + pr, c), fill, dtype=xd.dtype)
    xp[:, pt : pt + h, pl : pl + w] = xd
    return xp


def _window(
    xp: np.ndarray, i: int, j: int, out_hw: tuple[int, int], strides: tuple[int, int]
) -> np.ndarray:
    """The view of `xp` that kernel position (i, j) (already dilated) reads: (N, OH, OW, C)."""
    oh, ow = out_hw
    sh, sw = strides
    return xp[:, i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw]


def _im2col(
    xp: np.ndarray,
    kernel_hw: tuple[int, int],
    out_hw: tuple[int, int],
    strides: tuple[int, int],
    dilation: tuple[int, int],
) -> np.ndarray:
    """The (N*OH*OW, KH*KW*C) matrix of input windows (rows: output pixels)."""
    n, _, _, c = xp.shape
    kh, kw = kernel_hw
    oh, ow = out_hw
    dh, dw = dilation
    if c >= _FEW_CHANNELS:
        s = xp.strides
        view = as_strided(
            xp,
            (n, oh, ow, kh, kw, c),
            (s[0], s[1] * strides[0], s[2] * strides[1], s[1] * dh, s[2] * dw, s[3]),
            writeable=False,
        )
        return view.reshape(n * oh * ow, kh * kw * c)
    cols = np.empty((n, oh, ow, kh, kw, c), dtype=xp.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, :, i, j] = _window(xp, i * dh, j * dw, out_hw, strides)
    return cols.reshape(n * oh * ow, kh * kw * c)


@traceable
def conv(
    x: Any,
    kernel: Tensor,
    bias: Tensor | None,
    strides: tuple[int, ...],
    dilation: tuple[int, ...],
    pads: tuple[tuple[int, int], ...],
    activation: str = "linear",
) -> Tensor:
    """activation(conv(x, kernel) + bias) as ONE graph node (cross-correlation, as Keras).

    x is (N, H, W, C) with kernel (KH, KW, C, F), or (N, L, C) with kernel (K, C, F);
    strides, dilation and pads (one (before, after) pair per spatial axis) match the
    spatial rank. The output is (N, OH, OW, F) or (N, OL, F).
    """
    x = as_tensor(x)
    xd, wd = x.data, kernel.data
    x4, one_d, (strides, dilation, pads) = _as_2d(xd, strides, dilation, pads)
    w4 = wd[None] if one_d else wd
    n, h, w, c = x4.shape
    kh, kw, _, f = w4.shape
    sh, sw = strides
    dh, dw = dilation
    xp = _padded(x4, pads)  # type: ignore[arg-type]
    oh = (xp.shape[1] - (kh - 1) * dh - 1) // sh + 1
    ow = (xp.shape[2] - (kw - 1) * dw - 1) // sw + 1
    cols = _im2col(xp, (kh, kw), (oh, ow), (sh, sw), (dh, dw))
    wmat = w4.reshape(kh * kw * c, f)
    z = np.dot(cols, wmat)
    if bias is not None:
        z += bias.data
    forward, backward, needs_z = ACTIVATION_RULES[activation]
    if forward is _linear_fwd:
        y, act_bwd, z_keep = z, None, None
    elif needs_z:
        y, act_bwd, z_keep = forward(z), backward, z
    else:
        y, act_bwd, z_keep = forward(z, z), backward, None
    out_shape = (n, ow, f) if one_d else (n, oh, ow, f)
    parents = (x, kernel) if bias is None else (x, kernel, bias)
    if not is_grad_enabled() or not any(p.requires_grad for p in parents):
        return Tensor._make(y.reshape(out_shape), (), _no_backward)
    (pt, _), (pl, _) = pads  # type: ignore[misc]

    def backward(g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        g2 = g.reshape(-1, f)
        gz = g2 if act_bwd is None else act_bwd(g2, z_keep, y)
        gw = np.dot(cols.T, gz).reshape(wd.shape) if kernel.requires_grad else None
        gb = None
        if bias is not None and bias.requires_grad:  # ones @ gz: a GEMV, 20x a column sum
            gb = np.dot(np.ones(len(gz), gz.dtype), gz)
        gx = None
        if x.requires_grad:
            gcols = np.dot(gz, wmat.T).reshape(n, oh, ow, kh, kw, c)
            gxp = np.zeros(xp.shape, dtype=xd.dtype)
            for i in range(kh):
                for j in range(kw):
                    _window(gxp, i * dh, j * dw, (oh, ow), (sh, sw))[...] += gcols[:, :, :, i, j]
            gx = gxp[:, pt : pt + h, pl : pl + w]
            gx = gx[:, 0] if one_d else gx
        return (gx, gw) if bias is None else (gx, gw, gb)

    return Tensor._make(y.reshape(out_shape), parents, backward)


def _no_backward(g: np.ndarray) -> tuple[()]:
    return ()


@traceable
def pool(
    x: Any,
    pool_size: tuple[int, ...],
    strides: tuple[int, ...],
    pads: tuple[tuple[int, int], ...],
    mode: str,
) -> Tensor:
    """Max or average pooling ("max" / "avg") over the spatial axes of a channels_last x.

    x is (N, H, W, C) or (N, L, C). Max pooling ignores padding and sends each
    output's gradient to the first maximum of its window (TensorFlow's rule);
    average pooling divides by the number of real (unpadded) cells in each window.
    """
    x = as_tensor(x)
    xd = x.data
    x4, one_d, (pool_size, strides, pads) = _as_2d(xd, pool_size, strides, pads)
    n, h, w, c = x4.shape
    ph, pw = pool_size
    sh, sw = strides
    padded = any(a or b for a, b in pads)
    fill = -np.inf if mode == "max" else 0.0
    xp = _padded(x4, pads, fill)  # type: ignore[arg-type]
    oh = (xp.shape[1] - ph) // sh + 1
    ow = (xp.shape[2] - pw) // sw + 1
    hw = (oh, ow)
    offsets = [(i, j) for i in range(ph) for j in range(pw)]
    windows = [_window(xp, i, j, hw, (sh, sw)) for i, j in offsets]
    y = windows[0].copy()
    count: Any = None
    if mode == "max":
        for win in windows[1:]:
            np.maximum(y, win, out=y)
    else:
        for win in windows[1:]:
            y += win
        if padded:
            ones = _padded(np.ones((1, h, w, 1), dtype=xd.dtype), pads)  # type: ignore[arg-type]
            count = sum(_window(ones, i, j, hw, (sh, sw)) for i, j in offsets)
        else:
            count = float(ph * pw)
        y /= count
    (pt, _), (pl, _) = pads  # type: ignore[misc]
    out = y[:, 0] if one_d else y

    def backward(g: np.ndarray) -> tuple[np.ndarray]:
        g4 = g[:, None] if one_d else g
        gxp = np.zeros(xp.shape, dtype=xd.dtype)
        grad_windows = [_window(gxp, i, j, hw, (sh, sw)) for i, j in offsets]
        if mode == "max":
            # The first window position holding the maximum takes the gradient: what is
            # left after each position is handed on, and the last one takes the rest.
            left = g4.copy()
            for win, gwin in zip(windows[:-1], grad_windows[:-1], strict=True):
                part = left * (win == y)
                gwin += part
                left -= part
            grad_windows[-1] += left
        else:
            share = g4 / count
            for gwin in grad_windows:
                gwin += share
        gx = gxp[:, pt : pt + h, pl : pl + w]
        return (gx[:, 0] if one_d else gx,)

    return Tensor._make(out, (x,), backward)


@traceable
def zero_pad(x: Any, pads: tuple[tuple[int, int], ...]) -> Tensor:
    """x with zeros added before/after each non-batch axis listed in `pads` (in order)."""
    x = as_tensor(x)
    xd = x.data
    full = ((0, 0),) + tuple(pads) + ((0, 0),) * (xd.ndim - 1 - len(pads))
    out = np.pad(xd, full)
    inner = tuple(slice(a, a + n) for (a, _), n in zip(full, xd.shape, strict=True))
    return Tensor._make(out, (x,), lambda g: (g[inner],))


@traceable
def upsample(x: Any, size: tuple[int, ...]) -> Tensor:
    """Nearest-neighbour upsampling: repeat each spatial cell `size[k]` times along axis k+1."""
    x = as_tensor(x)
    xd = x.data
    out = xd
    for axis, s in enumerate(size, start=1):
        if s != 1:
            out = np.repeat(out, s, axis=axis)
    split = [xd.shape[0]]
    for axis, s in enumerate(size, start=1):
        split += [xd.shape[axis], s]
    split += list(xd.shape[1 + len(size) :])
    sum_axes = tuple(2 + 2 * k for k in range(len(size)))

    def backward(g: np.ndarray) -> tuple[np.ndarray]:
        return (g.reshape(split).sum(axis=sum_axes),)

    return Tensor._make(out, (x,), backward)


def pool_output_shape(
    spatial: tuple[int | None, ...],
    pool_size: tuple[int, ...],
    strides: tuple[int, ...],
    padding: str,
) -> tuple[tuple[int | None, ...], tuple[tuple[int, int], ...]]:
    """(output spatial shape, pads) of a pooling window; lengths < 1 mean "too small"."""
    dims, pads = [], []
    for size, k, s in zip(spatial, pool_size, strides, strict=True):
        length, before, after = conv_output_length(size, k, s, 1, padding)
        dims.append(length)
        pads.append((before, after))
    return tuple(dims), tuple(pads)
