"""Differentiable sequence ops: recurrent kernels (SimpleRNN, LSTM, GRU), the embedding
lookup, padding masks, masked means, repeating and reversing steps.

Each recurrence over a whole sequence is ONE graph node. The input projection
of every time step is one GEMM before the loop; each step then costs a few fused
NumPy calls writing into preallocated time-major buffers (`out=`), and the
backward pass walks the steps in reverse with the same economy before one GEMM
each for the kernel, recurrent-kernel and input gradients. Weights use Keras's
layouts (LSTM gates i, f, c, o; GRU gates z, r, h with `reset_after=True`
biases of shape (2, 3*units)), so weights move between Keras and LayerForge
unchanged. Masks follow Keras's RNN loop: a masked step keeps the previous
state and repeats the previous output. `go_backwards` reads the sequence from
the end and returns outputs in that order, as Keras does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.engine.autograd import Tensor, as_tensor, is_grad_enabled
from core.engine.blas import one_blas_thread
from core.engine.ops import ACTIVATION_RULES
from core.engine.tracing import traceable
from core.errors import DataError

#: Activations that are cheap in the fused kernels (the general path takes any other).
_FAST = ("tanh", "sigmoid")


def token_ids(data: Any, input_dim: int, where: str, row_offset: int = 0) -> np.ndarray:
    """`data` as an integer id array, or a DataError naming the first bad row.

    Whole-number floats are accepted (Keras casts them); fractional or non-finite
    values, and ids outside [0, input_dim), are refused.
    """
    arr = np.asarray(getattr(data, "data", data))
    if arr.dtype.kind == "f":
        whole = np.isfinite(arr) & (arr == np.floor(arr))
        if not whole.all():
            row = int(np.argwhere(~whole)[0][0])
            raise DataError(
                where=where,
                row=row + row_offset,
                expected=f"whole-number token ids in [0, {input_dim})",
                received=f"{float(arr[~whole].reshape(-1)[0])!r} (a float)",
                fix="Feed token ids (integers), e.g. from a tokenizer or "
                "keras.utils.pad_sequences; scaled or normalised values cannot index an "
                "embedding",
            )
        ids = arr.astype(np.intp)
    elif arr.dtype.kind in "iub":
        ids = arr.astype(np.intp, copy=False)
    else:
        raise DataError(
            where=where,
            expected=f"integer token ids in [0, {input_dim})",
            received=f"data of type {arr.dtype}",
            fix="Turn text into ids first (a tokenizer) and feed the ids",
        )
    if ids.size and (ids.min() < 0 or ids.max() >= input_dim):
        bad = (ids < 0) | (ids >= input_dim)
        row = int(np.argwhere(bad)[0][0])
        value = int(ids[bad].reshape(-1)[0])
        raise DataError(
            where=where,
            row=row + row_offset,
            expected=f"token ids in [0, {input_dim}) (input_dim={input_dim})",
            received=str(value),
            fix=f"Use input_dim={int(ids.max()) + 1} or more, or map ids at or above "
            f"{input_dim} to an 'unknown' id",
        )
    return ids


def embedding_lookup(ids: np.ndarray, table: Tensor) -> Tensor:
    """Rows of `table` (input_dim, output_dim) picked by integer `ids` of any shape.

    The gradient adds each output row back into the row it came from (repeated ids
    accumulate).
    """
    out = np.take(table.data, ids, axis=0)
    width = table.data.shape[1]

    def backward(g: np.ndarray) -> tuple[np.ndarray]:
        grad = np.zeros(table.data.shape, dtype=table.data.dtype)
        # One flat index per value: NumPy's 1-D add.at is several times faster than the
        # row-indexed form, and adds in the same order (the same bits).
        cells = (ids.reshape(-1, 1) * width + np.arange(width)).reshape(-1)
        np.add.at(grad.reshape(-1), cells, np.ascontiguousarray(g).reshape(-1))
        return (grad,)

    return Tensor._make(out, (table,), backward)


@traceable
def embedding(inputs: Any, table: Tensor, input_dim: int, where: str) -> Tensor:
    """The Embedding layer's op: check the ids in `inputs` (see `token_ids`), look them up."""
    return embedding_lookup(token_ids(inputs, input_dim, where), table)


@traceable
def padding_mask(inputs: Any) -> np.ndarray:
    """The (batch, steps) mask of real tokens: True where the id is not 0 (mask_zero)."""
    return np.asarray(getattr(inputs, "data", inputs)) != 0


@traceable
def masked_mean(x: Any, mask: np.ndarray, keepdims: bool = False) -> Tensor:
    """The mean over steps (axis 1) of the unmasked steps only (GlobalAveragePooling1D)."""
    x = as_tensor(x)
    weight = mask.astype(x.data.dtype)[:, :, None]
    count = weight.sum(axis=1, keepdims=True)
    share = weight / count
    out = (x.data * share).sum(axis=1, keepdims=keepdims)
    return Tensor._make(out, (x,), lambda g: ((g if keepdims else g[:, None]) * share,))


@traceable
def repeat_steps(x: Any, n: int) -> Tensor:
    """x (N, F) repeated n times along a new step axis: (N, n, F) (RepeatVector)."""
    x = as_tensor(x)
    out = np.repeat(x.data[:, None], n, axis=1)
    return Tensor._make(out, (x,), lambda g: (g.sum(axis=1),))


@traceable
def reverse_steps(x: Any) -> Tensor:
    """x (N, T, ...) with its step axis reversed (a Bidirectional layer's backward outputs)."""
    x = as_tensor(x)
    return Tensor._make(x.data[:, ::-1], (x,), lambda g: (g[:, ::-1],))


def _derivative(name: str, z: np.ndarray | None, y: np.ndarray) -> np.ndarray:
    """d act(z) / dz elementwise, from the activation table's backward rule."""
    return ACTIVATION_RULES[name][1](np.ones_like(y), z, y)


def _apply(name: str, z: np.ndarray, out: np.ndarray) -> None:
    """out[...] = act(z) (out may be z itself)."""
    forward, _, needs_z = ACTIVATION_RULES[name]
    if out is z and not needs_z:
        forward(z, z)
    else:
        out[...] = forward(z)


class _Sequence:
    """A batch-major input (N, T, D) laid out time-major for the loop, with its mask."""

    def __init__(self, x: Tensor, mask: np.ndarray | None, go_backwards: bool) -> None:
        xd = x.data
        if xd.ndim != 3:
            raise ValueError(f"Expected a sequence batch (batch, steps, features). Got {xd.shape}.")
        self.n, self.t, self.d = xd.shape
        self.dtype = xd.dtype
        self.backwards = go_backwards
        src = xd[:, ::-1] if go_backwards else xd
        self.xt = np.ascontiguousarray(src.transpose(1, 0, 2))  # (T, N, D)
        self.keep: np.ndarray | None = None  # (T, N, 1): 1 where the step counts
        if mask is not None:
            m = np.asarray(mask, dtype=bool)
            m = m[:, ::-1] if go_backwards else m
            if not m.all():
                self.keep = np.ascontiguousarray(m.T[:, :, None]).astype(xd.dtype)

    def project(self, weights: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
        """x_t @ weights (+ bias) for every step at once: (T, N, k)."""
        z = np.dot(self.xt.reshape(-1, self.d), weights)
        if bias is not None:
            z += bias
        return z.reshape(self.t, self.n, -1)

    def input_grad(self, dz: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """The gradient of x (N, T, D) from d(x_t @ weights) (T, N, k), in x's time order."""
        gx = np.dot(dz.reshape(-1, dz.shape[-1]), weights.T).reshape(self.t, self.n, self.d)
        gx = gx.transpose(1, 0, 2)
        return np.ascontiguousarray(gx[:, ::-1] if self.backwards else gx)

    def kernel_grad(self, dz: np.ndarray) -> np.ndarray:
        return np.dot(self.xt.reshape(-1, self.d).T, dz.reshape(-1, dz.shape[-1]))


def _outputs(h: np.ndarray, return_sequences: bool, zeroed: np.ndarray | None) -> np.ndarray:
    """(N, T, u) from the states H[1:] (T, N, u), or the last state (N, u).

    `zeroed` (T, N, 1) zeroes the outputs of masked steps (Keras's zero_output_for_mask).
    """
    if return_sequences:
        seq = h[1:] if zeroed is None else h[1:] * zeroed
        return np.ascontiguousarray(seq.transpose(1, 0, 2))
    return h[-1].copy()


def _output_grads(
    g: np.ndarray, steps: int, return_sequences: bool, zeroed: np.ndarray | None
) -> list[np.ndarray | None]:
    """The gradient reaching each step's output, time-major (None where none does)."""
    if return_sequences:
        gt = g.transpose(1, 0, 2)
        if zeroed is not None:
            gt = gt * zeroed
        return [gt[t] for t in range(steps)]
    return [None] * (steps - 1) + [g]


def _pack(out: np.ndarray, parents: tuple[Tensor, ...], backward: Any) -> Tensor:
    if not is_grad_enabled() or not any(p.requires_grad for p in parents):
        return Tensor._make(out, (), _no_backward)
    return Tensor._make(out, parents, backward)


def _no_backward(g: np.ndarray) -> tuple[()]:
    return ()


def _params(
    x: Any, kernel: Tensor, recurrent_kernel: Tensor, bias: Tensor | None
) -> tuple[Tensor, tuple[Tensor, ...]]:
    x = as_tensor(x)
    parents = (x, kernel, recurrent_kernel) + (() if bias is None else (bias,))
    return x, parents


# ------------------------------------------------------------------ SimpleRNN
@traceable
def simple_rnn(
    x: Any,
    kernel: Tensor,
    recurrent_kernel: Tensor,
    bias: Tensor | None,
    *,
    activation: str = "tanh",
    mask: np.ndarray | None = None,
    return_sequences: bool = False,
    go_backwards: bool = False,
    zero_output_for_mask: bool = False,
) -> Tensor:
    """Keras SimpleRNN over x (N, T, D): h_t = act(x_t @ kernel + h_{t-1} @ recurrent + bias)."""
    x, parents = _params(x, kernel, recurrent_kernel, bias)
    seq = _Sequence(x, mask, go_backwards)
    u = kernel.data.shape[1]
    w, rec = kernel.data, recurrent_kernel.data
    xw = seq.project(w, None if bias is None else bias.data)
    h = np.zeros((seq.t + 1, seq.n, u), dtype=seq.dtype)
    needs_z = ACTIVATION_RULES[activation][2]
    pre = np.empty_like(xw) if needs_z else None
    keep = seq.keep
    zeroed = keep if zero_output_for_mask else None
    with one_blas_thread():
        for t in range(seq.t):
            z = h[t + 1]
            np.dot(h[t], rec, out=z)
            z += xw[t]
            if pre is not None:
                pre[t] = z
            _apply(activation, z, z)
            if keep is not None:
                np.copyto(z, h[t], where=keep[t] == 0)

    def backward(g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        deriv = _derivative(activation, pre, h[1:])
        if keep is not None:
            deriv *= keep
            skip = 1 - keep
        dz = np.empty_like(xw)
        dh = np.zeros((seq.n, u), dtype=seq.dtype)
        rec_t = rec.T
        with one_blas_thread():
            for t, gout in zip(
                range(seq.t - 1, -1, -1),
                reversed(_output_grads(g, seq.t, return_sequences, zeroed)),
                strict=True,
            ):
                if gout is not None:
                    dh += gout
                d = dz[t]
                np.multiply(dh, deriv[t], out=d)
                if keep is not None:
                    dh *= skip[t]
                    dh += np.dot(d, rec_t)
                else:
                    np.dot(d, rec_t, out=dh)
        grads: list[np.ndarray | None] = [
            seq.input_grad(dz, w) if x.requires_grad else None,
            seq.kernel_grad(dz),
            np.dot(h[:-1].reshape(-1, u).T, dz.reshape(-1, u)),
        ]
        if bias is not None:
            grads.append(dz.reshape(-1, u).sum(axis=0))
        return tuple(grads)

    return _pack(_outputs(h, return_sequences, zeroed), parents, backward)


# ----------------------------------------------------------------------- LSTM
@traceable
def lstm(
    x: Any,
    kernel: Tensor,
    recurrent_kernel: Tensor,
    bias: Tensor | None,
    *,
    activation: str = "tanh",
    recurrent_activation: str = "sigmoid",
    mask: np.ndarray | None = None,
    return_sequences: bool = False,
    go_backwards: bool = False,
    zero_output_for_mask: bool = False,
) -> Tensor:
    """Keras LSTM over x (N, T, D) with gates i, f, c, o (kernel (D, 4u), recurrent (u, 4u)).

    Inside, the gates are reordered to i, f, o, c so the three recurrent-activation
    gates are one contiguous block; with the default tanh/sigmoid pair every gate is
    one tanh call (sigmoid(z) = 0.5 * tanh(z / 2) + 0.5, the halving folded into the
    weights, exact in binary).
    """
    x, parents = _params(x, kernel, recurrent_kernel, bias)
    seq = _Sequence(x, mask, go_backwards)
    u = recurrent_kernel.data.shape[0]
    order = np.r_[0 : 2 * u, 3 * u : 4 * u, 2 * u : 3 * u]  # i f c o -> i f o c
    s3 = 3 * u
    w = kernel.data[:, order]
    rec = recurrent_kernel.data[:, order]
    b = None if bias is None else bias.data[order]
    fast = activation == "tanh" and recurrent_activation == "sigmoid"
    if fast:
        half = np.ones(4 * u, dtype=seq.dtype)
        half[:s3] = 0.5
        gates = seq.project(w * half, None if b is None else b * half)
        rec_in = rec * half
    else:
        gates = seq.project(w, b)
        rec_in = rec
    pre = None if fast else np.empty_like(gates)
    n, steps = seq.n, seq.t
    c = np.zeros((steps + 1, n, u), dtype=seq.dtype)
    h = np.zeros((steps + 1, n, u), dtype=seq.dtype)
    tc = np.empty((steps, n, u), dtype=seq.dtype)
    buf = np.empty((n, 4 * u), dtype=seq.dtype)
    tmp = np.empty((n, u), dtype=seq.dtype)
    keep = seq.keep
    zeroed = keep if zero_output_for_mask else None
    with one_blas_thread():
        for t in range(steps):
            z = gates[t]
            np.dot(h[t], rec_in, out=buf)
            z += buf
            if fast:
                np.tanh(z, out=z)
                sig = z[:, :s3]
                sig *= 0.5
                sig += 0.5
            else:
                pre[t] = z
                _apply(recurrent_activation, z[:, :s3], z[:, :s3])
                _apply(activation, z[:, s3:], z[:, s3:])
            ct = c[t + 1]
            np.multiply(z[:, u : 2 * u], c[t], out=ct)
            np.multiply(z[:, :u], z[:, s3:], out=tmp)
            ct += tmp
            if fast:
                np.tanh(ct, out=tc[t])
            else:
                _apply(activation, ct, tc[t])
            np.multiply(z[:, 2 * u : s3], tc[t], out=h[t + 1])
            if keep is not None:
                drop = keep[t] == 0
                np.copyto(h[t + 1], h[t], where=drop)
                np.copyto(ct, c[t], where=drop)

    def backward(g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        gi, gf, go, gg = (gates[:, :, k * u : (k + 1) * u] for k in range(4))
        deriv = np.empty_like(gates)
        if fast:
            sig = gates[:, :, :s3]
            np.subtract(1, sig, out=deriv[:, :, :s3])
            deriv[:, :, :s3] *= sig
            np.multiply(gg, gg, out=deriv[:, :, s3:])
            np.subtract(1, deriv[:, :, s3:], out=deriv[:, :, s3:])
            out_deriv = tc * tc
            np.subtract(1, out_deriv, out=out_deriv)
        else:
            deriv[:, :, :s3] = _derivative(recurrent_activation, pre[:, :, :s3], gates[:, :, :s3])
            deriv[:, :, s3:] = _derivative(activation, pre[:, :, s3:], gg)
            out_deriv = _derivative(activation, c[1:], tc)
        out_deriv *= go  # dh -> dc through h = o * act(c)
        if keep is not None:
            deriv *= keep
            out_deriv *= keep
            skip = 1 - keep
            forget = gf * keep + skip  # dc passes a masked step unchanged
        else:
            forget = gf
        dz = np.empty_like(gates)
        dh = np.zeros((n, u), dtype=seq.dtype)
        dc = np.zeros((n, u), dtype=seq.dtype)
        rec_t = rec.T
        back = np.empty((n, u), dtype=seq.dtype)
        with one_blas_thread():
            for t, gout in zip(
                range(steps - 1, -1, -1),
                reversed(_output_grads(g, steps, return_sequences, zeroed)),
                strict=True,
            ):
                if gout is not None:
                    dh += gout
                d = dz[t]
                np.multiply(dh, tc[t], out=d[:, 2 * u : s3])
                np.multiply(dh, out_deriv[t], out=back)
                dc += back
                np.multiply(dc, gg[t], out=d[:, :u])
                np.multiply(dc, c[t], out=d[:, u : 2 * u])
                np.multiply(dc, gi[t], out=d[:, s3:])
                dc *= forget[t]
                d *= deriv[t]
                if keep is not None:
                    dh *= skip[t]
                    dh += np.dot(d, rec_t)
                else:
                    np.dot(d, rec_t, out=dh)
        undo = np.argsort(order)
        grads: list[np.ndarray | None] = [
            seq.input_grad(dz, w) if x.requires_grad else None,
            seq.kernel_grad(dz)[:, undo],
            np.dot(h[:-1].reshape(-1, u).T, dz.reshape(-1, 4 * u))[:, undo],
        ]
        if bias is not None:
            grads.append(dz.reshape(-1, 4 * u).sum(axis=0)[undo])
        return tuple(grads)

    return _pack(_outputs(h, return_sequences, zeroed), parents, backward)


# ------------------------------------------------------------------------ GRU
@traceable
def gru(
    x: Any,
    kernel: Tensor,
    recurrent_kernel: Tensor,
    bias: Tensor | None,
    *,
    activation: str = "tanh",
    recurrent_activation: str = "sigmoid",
    mask: np.ndarray | None = None,
    return_sequences: bool = False,
    go_backwards: bool = False,
    zero_output_for_mask: bool = False,
) -> Tensor:
    """Keras GRU with reset_after=True over x (N, T, D): gates z, r, h; bias (2, 3u).

    z, r = ract(x W + b_in + h U + b_rec) (their parts); hh = act(x W_h + b_in_h +
    r * (h U_h + b_rec_h)); h' = z * h + (1 - z) * hh.
    """
    x, parents = _params(x, kernel, recurrent_kernel, bias)
    seq = _Sequence(x, mask, go_backwards)
    u = recurrent_kernel.data.shape[0]
    u2 = 2 * u
    w, rec = kernel.data, recurrent_kernel.data
    fast = activation == "tanh" and recurrent_activation == "sigmoid"
    b_in = b_rec_h = None
    if bias is not None:
        b_in = bias.data[0].copy()
        b_in[:u2] += bias.data[1, :u2]  # the z/r recurrent biases add like input biases
        b_rec_h = bias.data[1, u2:]
    scale = np.ones(3 * u, dtype=seq.dtype)
    if fast:
        scale[:u2] = 0.5
    xw = seq.project(w * scale, None if b_in is None else b_in * scale)
    rec_in = rec * scale
    n, steps = seq.n, seq.t
    h = np.zeros((steps + 1, n, u), dtype=seq.dtype)
    zr = np.empty((steps, n, u2), dtype=seq.dtype)  # gate values z, r
    pre_zr = None if fast else np.empty_like(zr)
    rh = np.empty((steps, n, 3 * u), dtype=seq.dtype)  # h @ U (+ b_rec_h in the h part)
    hh = np.empty((steps, n, u), dtype=seq.dtype)
    pre_hh = None if fast else np.empty_like(hh)
    keep = seq.keep
    zeroed = keep if zero_output_for_mask else None
    with one_blas_thread():
        for t in range(steps):
            r_t = rh[t]
            np.dot(h[t], rec_in, out=r_t)
            if b_rec_h is not None:
                r_t[:, u2:] += b_rec_h
            a = zr[t]
            np.add(xw[t][:, :u2], r_t[:, :u2], out=a)
            if fast:
                np.tanh(a, out=a)
                a *= 0.5
                a += 0.5
            else:
                pre_zr[t] = a
                _apply(recurrent_activation, a, a)
            cand = hh[t]
            np.multiply(a[:, u:], r_t[:, u2:], out=cand)
            cand += xw[t][:, u2:]
            if fast:
                np.tanh(cand, out=cand)
            else:
                pre_hh[t] = cand
                _apply(activation, cand, cand)
            nxt = h[t + 1]
            np.subtract(h[t], cand, out=nxt)
            nxt *= a[:, :u]
            nxt += cand
            if keep is not None:
                np.copyto(nxt, h[t], where=keep[t] == 0)

    def backward(g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        z, r = zr[:, :, :u], zr[:, :, u:]
        if fast:
            d_zr = (1 - zr) * zr
            d_hh = 1 - hh * hh
        else:
            d_zr = _derivative(recurrent_activation, pre_zr, zr)
            d_hh = _derivative(activation, pre_hh, hh)
        gap = h[:-1] - hh  # dh'/dz
        np.multiply(gap, d_zr[:, :, :u], out=gap)
        one_minus_z = 1 - z
        one_minus_z *= d_hh  # dh'/d(hh pre-activation)
        carry = z.copy()  # dh'/dh through z * h
        if keep is not None:
            gap *= keep
            one_minus_z *= keep
            carry *= keep
            carry += 1 - keep
        rec_h = rh[:, :, u2:]
        dx = np.empty((steps, n, 3 * u), dtype=seq.dtype)  # d(x W + b_in) per gate
        dr = np.empty((steps, n, 3 * u), dtype=seq.dtype)  # d(h U + b_rec) per gate
        dh = np.zeros((n, u), dtype=seq.dtype)
        back = np.empty((n, u), dtype=seq.dtype)
        rec_t = rec.T
        with one_blas_thread():
            for t, gout in zip(
                range(steps - 1, -1, -1),
                reversed(_output_grads(g, steps, return_sequences, zeroed)),
                strict=True,
            ):
                if gout is not None:
                    dh += gout
                d, e = dx[t], dr[t]
                np.multiply(dh, gap[t], out=d[:, :u])
                np.multiply(dh, one_minus_z[t], out=d[:, u2:])
                np.multiply(d[:, u2:], rec_h[t], out=d[:, u:u2])
                d[:, u:u2] *= d_zr[t][:, u:]
                e[:, :u2] = d[:, :u2]
                np.multiply(d[:, u2:], r[t], out=e[:, u2:])
                dh *= carry[t]
                np.dot(e, rec_t, out=back)
                dh += back
        grads: list[np.ndarray | None] = [
            seq.input_grad(dx, w) if x.requires_grad else None,
            seq.kernel_grad(dx),
            np.dot(h[:-1].reshape(-1, u).T, dr.reshape(-1, 3 * u)),
        ]
        if bias is not None:
            grads.append(
                np.stack([dx.reshape(-1, 3 * u).sum(axis=0), dr.reshape(-1, 3 * u).sum(axis=0)])
            )
        return tuple(grads)

    return _pack(_outputs(h, return_sequences, zeroed), parents, backward)
