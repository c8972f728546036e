"""Allocation-free replay rules for convolution, pooling, global pooling and reshaping.

Each rule issues the NumPy calls of its eager op in `core.engine.conv_ops` or
`core.engine.ops`, in the same order, over arrays the plan allocates once: the padded
input, the im2col matrix, the GEMM outputs (`out=`), the max-pooling masks and the
padded input gradient. Views of those arrays (the kernel positions' windows, the
unpadded interior) are made when the plan is built, so a replayed step runs only
the arithmetic. The results are bit-identical to eager's (`tests/core/test_plan.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from core.engine import conv_ops, ops
from core.engine.autograd import Tensor
from core.engine.plan import Builder, GradWriter, Node, Step
from core.engine.plan_rules import (
    _bound,
    _raw,
    activation_backward_steps,
    activation_steps,
    first_edge,
    kernel_args,
)
from core.engine.tracing import Call


def _fill(a: np.ndarray, value: float) -> None:
    a.fill(value)


def _padded_steps(
    b: Builder, x4: np.ndarray, pads: Any, fill: float
) -> tuple[np.ndarray, list[Step]]:
    """`conv_ops._padded`: the padded input (its border filled once) and the interior copy."""
    (pt, pb), (pl, pr) = pads
    if not (pt or pb or pl or pr):
        return x4, []
    n, h, w, c = x4.shape
    xp = np.full((n, h + pt + pb, w + pl + pr, c), fill, dtype=x4.dtype)
    b.nbytes += xp.nbytes
    return xp, [(np.copyto, (xp[:, pt : pt + h, pl : pl + w], x4))]


def _grad_target(
    b: Builder, shape: tuple[int, ...], pads: Any, edge: np.ndarray, dtype: Any
) -> tuple[np.ndarray, list[Step]]:
    """The zeroed padded-gradient array and the copy of its interior into `edge` (none
    when there is no padding: the edge itself, seen padded-shaped, is written)."""
    (pt, pb), (pl, pr) = pads
    if not (pt or pb or pl or pr):
        return edge.reshape(shape), []
    gxp = np.empty(shape, dtype)
    b.nbytes += gxp.nbytes
    h, w = shape[1] - pt - pb, shape[2] - pl - pr
    interior = gxp[:, pt : pt + h, pl : pl + w]
    return gxp, [(np.copyto, (edge, interior.reshape(edge.shape)))]


def conv_rule(call: Call, b: Builder) -> Node | None:
    """`conv_ops.conv`: padding, im2col, GEMM, bias and activation into buffers; backward
    as eager's two GEMMs, bias sum and one strided add per kernel position."""
    a = _bound(call)
    if (args := kernel_args(a)) is None:
        return None
    x, kernel, bias = args
    out: Tensor = call.result
    xa = b.static(x, "op 'conv'")
    wd = kernel.data
    x4, one_d, (strides, dilation, pads) = conv_ops._as_2d(
        xa, a["strides"], a["dilation"], a["pads"]
    )
    w4 = wd[None] if one_d else wd
    n, h, w, c = x4.shape
    kh, kw, _, f = w4.shape
    (sh, sw), (dh, dw) = strides, dilation
    xp, steps = _padded_steps(b, x4, pads, 0.0)
    oh = (xp.shape[1] - (kh - 1) * dh - 1) // sh + 1
    ow = (xp.shape[2] - (kw - 1) * dw - 1) // sw + 1
    cols = np.empty((n * oh * ow, kh * kw * c), xa.dtype)
    b.nbytes += cols.nbytes
    cols6 = cols.reshape(n, oh, ow, kh, kw, c)
    if c >= conv_ops._FEW_CHANNELS:
        s = xp.strides
        view = as_strided(
            xp,
            (n, oh, ow, kh, kw, c),
            (s[0], s[1] * sh, s[2] * sw, s[1] * dh, s[2] * dw, s[3]),
            writeable=False,
        )
        steps.append((np.copyto, (cols6, view)))
    else:
        for i in range(kh):
            for j in range(kw):
                win = conv_ops._window(xp, i * dh, j * dw, (oh, ow), (sh, sw))
                steps.append((np.copyto, (cols6[:, :, :, i, j], win)))
    wmat = w4.reshape(kh * kw * c, f)
    z = np.empty((n * oh * ow, f), xa.dtype)
    b.nbytes += z.nbytes
    steps.append((np.dot, (cols, wmat, z)))
    if bias is not None:
        steps.append((np.add, (z, bias.data, z)))
    act = a["activation"]
    y, act_steps = activation_steps(act, z, b)
    steps += act_steps
    b.output(out, y.reshape(out.data.shape))
    (pt, _), (pl, _) = pads

    def make_backward(
        g: np.ndarray, edges: list[np.ndarray | None], writer: GradWriter
    ) -> list[Step]:
        gz, back = activation_backward_steps(act, g.reshape(-1, f), z, y, b)
        # the weights' gradients are the node's to its parents, as eager returns them
        if len(edges) > 1 and edges[1] is not None:
            back.append((np.dot, (cols.T, gz, edges[1].reshape(wmat.shape))))
        if len(edges) > 2 and edges[2] is not None:
            ones = np.ones(len(gz), gz.dtype)
            back.append((np.dot, (ones, gz, edges[2])))
        edge = edges[0] if edges else None
        if edge is not None:
            gcols = np.empty(cols.shape, np.result_type(gz, wmat))
            b.nbytes += gcols.nbytes
            back.append((np.dot, (gz, wmat.T, gcols)))
            gxp, copy_out = _grad_target(b, xp.shape, pads, edge, xa.dtype)
            back.append((_fill, (gxp, 0)))
            g6 = gcols.reshape(n, oh, ow, kh, kw, c)
            for i in range(kh):
                for j in range(kw):
                    win = conv_ops._window(gxp, i * dh, j * dw, (oh, ow), (sh, sw))
                    back.append((np.add, (win, g6[:, :, :, i, j], win)))
            back += copy_out
        return back

    return Node(call, steps, make_backward, False)


def pool_rule(call: Call, b: Builder) -> Node | None:
    """`conv_ops.pool`: max or average pooling over the kernel offsets into buffers; max
    pooling's backward hands each gradient to the first maximum as eager does."""
    a = _bound(call)
    x, mode = a["x"], a["mode"]
    if not isinstance(x, Tensor):
        return None
    xa = b.static(x, "op 'pool'")
    x4, one_d, (pool_size, strides, pads) = conv_ops._as_2d(
        xa, a["pool_size"], a["strides"], a["pads"]
    )
    n, h, w, c = x4.shape
    (ph, pw), (sh, sw) = pool_size, strides
    padded = any(p or q for p, q in pads)
    xp, steps = _padded_steps(b, x4, pads, -np.inf if mode == "max" else 0.0)
    oh = (xp.shape[1] - ph) // sh + 1
    ow = (xp.shape[2] - pw) // sw + 1
    hw = (oh, ow)
    offsets = [(i, j) for i in range(ph) for j in range(pw)]
    windows = [conv_ops._window(xp, i, j, hw, (sh, sw)) for i, j in offsets]
    y = np.empty((n, oh, ow, c), xa.dtype)
    b.nbytes += y.nbytes
    steps.append((np.copyto, (y, windows[0])))
    count: Any = None
    if mode == "max":
        steps += [(partial(np.maximum, out=y), (y, win)) for win in windows[1:]]
    else:
        steps += [(np.add, (y, win, y)) for win in windows[1:]]
        if padded:
            ones = conv_ops._padded(np.ones((1, h, w, 1), dtype=xa.dtype), pads)
            count = sum(conv_ops._window(ones, i, j, hw, (sh, sw)) for i, j in offsets)
        else:
            count = float(ph * pw)
        steps.append((np.true_divide, (y, count, y)))
    out: Tensor = call.result
    b.output(out, y[:, 0] if one_d else y)

    @first_edge
    def make_backward(g: np.ndarray, edge: np.ndarray, writer: GradWriter) -> list[Step]:
        g4 = g[:, None] if one_d else g
        gxp, copy_out = _grad_target(b, xp.shape, pads, edge, xa.dtype)
        grad_windows = [conv_ops._window(gxp, i, j, hw, (sh, sw)) for i, j in offsets]
        # Windows that tile the input without overlap or padding (the default strides):
        # each cell gets one `0 + part` from the zeroed gradient, written as `part + 0`
        # (the same bits, -0 included) without zeroing the covered cells first.
        tiled = not padded and (sh, sw) == (ph, pw)
        back: list[Step] = [(_fill, (gxp, 0))]
        if tiled:
            back = [(_fill, (rest, 0)) for rest in _uncovered(gxp, oh * sh, ow * sw)]
        if mode == "max":
            left, part = b.scratch(y), b.scratch(y)
            same = np.empty(y.shape, bool)
            back.append((np.copyto, (left, g4)))
            for win, gwin in zip(windows[:-1], grad_windows[:-1], strict=True):
                # eager's `left * (win == y)`; the bool operand is cast to y's dtype
                # through NumPy's ufunc buffer (np.getbufsize() elements, transient)
                back += [
                    (np.equal, (win, y, same)),
                    (np.multiply, (left, same, part)),
                    (np.add, (part, 0.0, gwin) if tiled else (gwin, part, gwin)),
                    (np.subtract, (left, part, left)),
                ]
            last = grad_windows[-1]
            back.append((np.add, (left, 0.0, last) if tiled else (last, left, last)))
        else:
            share = b.scratch(y)
            back.append((np.true_divide, (g4, count, share)))
            back += [
                (np.add, (share, 0.0, gwin) if tiled else (gwin, share, gwin))
                for gwin in grad_windows
            ]
        return back + copy_out

    return Node(call, steps, make_backward, False)


def _uncovered(a: np.ndarray, rows: int, cols: int) -> list[np.ndarray]:
    """The non-empty parts of `a` (N, H, W, C) outside its first `rows` x `cols` cells."""
    parts = [a[:, rows:], a[:, :rows, cols:]]
    return [p for p in parts if p.size]


def reshape_rule(call: Call, b: Builder) -> Node | None:
    """`ops.reshape` (Flatten, Reshape): the output is a view of the input's array; the
    gradient is copied back in the input's shape."""
    x = _bound(call)["a"]
    if not isinstance(x, Tensor):
        return None
    xa = b.static(x, "op 'reshape'")
    try:
        view = np.reshape(xa, call.result.data.shape, copy=False)
    except ValueError:  # a copy would be needed
        return None
    b.output(call.result, view)

    @first_edge
    def make_backward(g: np.ndarray, edge: np.ndarray, writer: GradWriter) -> list[Step]:
        return [(np.copyto, (edge, g.reshape(edge.shape)))]

    return Node(call, [], make_backward, False)


def _kept(axis: Any, ndim: int) -> tuple[int, ...]:
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(ax % ndim for ax in axes)


def mean_rule(call: Call, b: Builder) -> Node | None:
    """`ops.mean` over given axes (global average pooling): np.mean into a buffer; the
    gradient `g / count` broadcast back."""
    a = _bound(call)
    x, axis, keepdims = a["a"], a["axis"], a["keepdims"]
    if not isinstance(x, Tensor) or axis is None:
        return None
    xa = b.static(x, "op 'mean'")
    out: Tensor = call.result
    if out.data.dtype != xa.dtype or not xa.size:
        return None
    y = b.scratch(out.data)
    b.output(out, y)
    count = xa.size // (y.size or 1)
    kept_shape = np.mean(xa, axis=axis, keepdims=True).shape

    def run() -> None:
        np.mean(xa, axis=axis, keepdims=keepdims, out=y)

    @first_edge
    def make_backward(g: np.ndarray, edge: np.ndarray, writer: GradWriter) -> list[Step]:
        share = np.empty(g.shape, np.result_type(g, count))
        b.nbytes += share.nbytes
        return [
            (np.true_divide, (g, count, share)),
            (np.copyto, (edge, share.reshape(kept_shape))),
        ]

    return Node(call, [(run, ())], make_backward, False)


def max_rule(call: Call, b: Builder) -> Node | None:
    """`ops.max` over given axes (global max pooling): ties share the gradient equally,
    with eager's mask (equal-to-the-maximum in the input's float dtype, over its count)."""
    a = _bound(call)
    x, axis, keepdims = a["a"], a["axis"], a["keepdims"]
    if not isinstance(x, Tensor) or axis is None:
        return None
    xa = b.static(x, "op 'max'")
    axes = _kept(axis, xa.ndim)
    top = np.max(xa, axis=axis, keepdims=True)
    top = np.empty_like(top)
    same = np.empty(xa.shape, bool)
    mask = np.empty(xa.shape, ops.tie_share_dtype(xa.dtype))
    hits = np.empty(top.shape, mask.dtype)
    b.nbytes += top.nbytes + same.nbytes + mask.nbytes + hits.nbytes
    out: Tensor = call.result
    b.output(out, top if keepdims else top.reshape(out.data.shape))
    steps: list[Step] = [
        (_reduce_into, (np.maximum, xa, axes, top)),
        (np.equal, (xa, top, same)),
        (np.copyto, (mask, same)),
        (_reduce_into, (np.add, mask, axes, hits)),
        (np.true_divide, (mask, hits, mask)),
    ]

    @first_edge
    def make_backward(g: np.ndarray, edge: np.ndarray, writer: GradWriter) -> list[Step]:
        return [(np.multiply, (g.reshape(top.shape), mask, edge))]

    return Node(call, steps, make_backward, False)


def _reduce_into(ufunc: Any, a: np.ndarray, axes: tuple[int, ...], out: np.ndarray) -> None:
    ufunc.reduce(a, axis=axes, keepdims=True, out=out)


RULES: dict[Callable[..., Any], Callable[[Call, Builder], Node | None]] = {
    _raw(conv_ops.conv): conv_rule,
    _raw(conv_ops.pool): pool_rule,
    _raw(ops.reshape): reshape_rule,
    _raw(ops.mean): mean_rule,
    _raw(ops.max): max_rule,
}
