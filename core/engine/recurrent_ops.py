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
from core.engine.workspace import FRESH
from core.errors import DataError

#: Activations that are cheap in the fused kernels (the general path takes any other).
_FAST = ("tanh", "sigmoid")


def token_ids(
    data: Any, input_dim: int, where: str, row_offset: int = 0, ws: Any = FRESH
) -> np.ndarray:
    """`data` as an integer id array, or a DataError naming the first bad row.

    The arrays it writes come from `ws` (`core.engine.workspace`; fresh by default), and
    an intp array is used as it is.

    Whole-number floats are accepted (Keras casts them); fractional or non-finite
    values, and ids outside [0, input_dim), are refused.
    """
    arr = np.asarray(getattr(data, "data", data))
    if arr.dtype.kind == "f":
        whole = np.isfinite(arr, out=ws.get("finite", arr.shape, bool))
        floor = np.floor(arr, out=ws.get("floor", arr.shape, arr.dtype))
        same = np.equal(arr, floor, out=ws.get("whole", arr.shape, bool))
        np.logical_and(whole, same, out=whole)
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
        ids = ws.get("ids", arr.shape, np.intp)
        np.copyto(ids, arr, casting="unsafe")  # arr.astype(np.intp)
    elif arr.dtype.kind in "iub":
        if arr.dtype == np.intp:
            ids = arr
        else:
            ids = ws.get("ids", arr.shape, np.intp)
            np.copyto(ids, arr, casting="unsafe")
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

    def backward(g: np.ndarray) -> tuple[np.ndarray]:
        grad = np.empty(table.data.shape, dtype=table.data.dtype)
        cells = np.empty((ids.size, grad.shape[1]), np.intp)
        embedding_grad(ids, g, grad, cells, np.arange(grad.shape[1]))
        return (grad,)

    return Tensor._make(out, (table,), backward)


def embedding_grad(
    ids: np.ndarray, g: np.ndarray, grad: np.ndarray, cells: np.ndarray, columns: np.ndarray
) -> None:
    """grad = the rows of g added into the rows `ids` picked (repeated ids accumulate).

    `cells` (ids.size, width) intp is scratch, `columns` is arange(width). One flat index
    per value: NumPy's 1-D add.at is several times faster than the row-indexed form, and
    adds in the same order (the same bits).
    """
    np.multiply(ids.reshape(-1, 1), grad.shape[1], out=cells)
    cells += columns
    grad.fill(0)
    np.add.at(grad.reshape(-1), cells.reshape(-1), g.reshape(-1))


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
    """A batch-major input (N, T, D) laid out time-major for the loop, with its mask.

    Its arrays come from `ws` (`core.engine.workspace`; fresh ones by default).
    """

    def __init__(
        self, xd: np.ndarray, mask: np.ndarray | None, go_backwards: bool, ws: Any = FRESH
    ) -> None:
        if xd.ndim != 3:
            raise ValueError(f"Expected a sequence batch (batch, steps, features). Got {xd.shape}.")
        self.n, self.t, self.d = xd.shape
        self.dtype = xd.dtype
        self.backwards = go_backwards
        self.ws = ws
        src = xd[:, ::-1] if go_backwards else xd
        self.xt = ws.get("xt", (self.t, self.n, self.d), xd.dtype)  # (T, N, D)
        np.copyto(self.xt, src.transpose(1, 0, 2))
        self.keep: np.ndarray | None = None  # (T, N, 1): 1 where the step counts
        if mask is not None:
            m = np.asarray(mask, dtype=bool)
            m = m[:, ::-1] if go_backwards else m
            if not m.all():
                self.keep = np.ascontiguousarray(m.T[:, :, None]).astype(xd.dtype)

    def project(self, weights: np.ndarray, bias: np.ndarray | None, name: str = "z") -> np.ndarray:
        """x_t @ weights (+ bias) for every step at once: (T, N, k)."""
        k = weights.shape[1]
        z = np.dot(
            self.xt.reshape(-1, self.d),
            weights,
            out=self.ws.get(name, (self.t * self.n, k), self.dtype),
        )
        if bias is not None:
            z += bias
        return z.reshape(self.t, self.n, -1)

    def input_grad(
        self, dz: np.ndarray, weights: np.ndarray, out: np.ndarray | None = None
    ) -> np.ndarray:
        """The gradient of x (N, T, D) from d(x_t @ weights) (T, N, k), in x's time order
        (into `out` when given)."""
        flat = self.ws.get("gx_steps", (self.t * self.n, self.d), self.dtype)
        gx = np.dot(dz.reshape(-1, dz.shape[-1]), weights.T, out=flat).reshape(
            self.t, self.n, self.d
        )
        gx = gx.transpose(1, 0, 2)
        gx = gx[:, ::-1] if self.backwards else gx
        if out is None:
            return np.ascontiguousarray(gx)
        np.copyto(out, gx)
        return out

    def kernel_grad(self, dz: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return np.dot(self.xt.reshape(-1, self.d).T, dz.reshape(-1, dz.shape[-1]), out=out)


def _outputs(
    h: np.ndarray, return_sequences: bool, zeroed: np.ndarray | None, ws: Any = FRESH
) -> np.ndarray:
    """(N, T, u) from the states H[1:] (T, N, u), or the last state (N, u).

    `zeroed` (T, N, 1) zeroes the outputs of masked steps (Keras's zero_output_for_mask).
    """
    if return_sequences:
        seq = h[1:] if zeroed is None else h[1:] * zeroed
        out = ws.get("out", (h.shape[1], h.shape[0] - 1, h.shape[2]), h.dtype)
        np.copyto(out, seq.transpose(1, 0, 2))
        return out
    out = ws.get("out", h.shape[1:], h.dtype)
    np.copyto(out, h[-1])
    return out


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
    seq = _Sequence(x.data, mask, go_backwards)
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
class LstmPass:
    """One LSTM over a sequence batch: the forward loop, then the backward loop.

    Every array it writes comes from `ws` (`core.engine.workspace`): the eager op passes
    `FRESH` and builds a pass per call; a plan keeps one pass over a `Workspace` and runs
    it every step, allocation-free (`core.engine.plan_rules_recurrent`). Inside, the gates
    are reordered to i, f, o, c so the three recurrent-activation gates are one
    contiguous block; with the default tanh/sigmoid pair every gate is one tanh call
    (sigmoid(z) = 0.5 * tanh(z / 2) + 0.5, the halving folded into the weights, exact in
    binary).
    """

    def __init__(
        self,
        ws: Any,
        shape: tuple[int, int, int],
        units: int,
        dtype: Any,
        activation: str,
        recurrent_activation: str,
        return_sequences: bool,
        go_backwards: bool,
        zero_output_for_mask: bool,
    ) -> None:
        self.ws, self.shape, self.u, self.dtype = ws, shape, units, dtype
        self.activation, self.recurrent_activation = activation, recurrent_activation
        self.return_sequences, self.go_backwards = return_sequences, go_backwards
        self.zero_output_for_mask = zero_output_for_mask
        u = units
        self.order = np.r_[0 : 2 * u, 3 * u : 4 * u, 2 * u : 3 * u]  # i f c o -> i f o c
        self.undo = np.argsort(self.order)
        self.fast = activation == "tanh" and recurrent_activation == "sigmoid"
        self.half = np.ones(4 * u, dtype=dtype)
        self.half[: 3 * u] = 0.5

    def forward(
        self, xd: np.ndarray, kd: np.ndarray, rd: np.ndarray, bd: np.ndarray | None, mask: Any
    ) -> np.ndarray:
        """The layer's output for input `xd` (N, T, D) and weights in Keras's layout."""
        ws, u, dtype, fast = self.ws, self.u, self.dtype, self.fast
        s3 = 3 * u
        seq = self.seq = _Sequence(xd, mask, self.go_backwards, ws)
        d4 = (kd.shape[0], 4 * u)
        w = self.w = np.take(kd, self.order, axis=1, out=ws.get("w", d4, dtype), mode="clip")
        rec = np.take(rd, self.order, axis=1, out=ws.get("rec", (u, 4 * u), dtype), mode="clip")
        self.rec = rec
        b = None
        if bd is not None:
            b = np.take(bd, self.order, out=ws.get("b", (4 * u,), dtype), mode="clip")
        if fast:
            half = self.half
            wh = np.multiply(w, half, out=ws.get("wh", d4, dtype))
            bh = None if b is None else np.multiply(b, half, out=ws.get("bh", (4 * u,), dtype))
            gates = seq.project(wh, bh, "gates")
            rec_in = np.multiply(rec, half, out=ws.get("rec_in", (u, 4 * u), dtype))
        else:
            gates = seq.project(w, b, "gates")
            rec_in = rec
        self.gates = gates
        n, steps = seq.n, seq.t
        pre = self.pre = None if fast else ws.get("pre", gates.shape, dtype)
        c = self.c = ws.get("c", (steps + 1, n, u), dtype)
        h = self.h = ws.get("h", (steps + 1, n, u), dtype)
        c[0].fill(0)
        h[0].fill(0)
        tc = self.tc = ws.get("tc", (steps, n, u), dtype)
        buf = ws.get("buf", (n, 4 * u), dtype)
        tmp = ws.get("tmp", (n, u), dtype)
        keep = seq.keep
        activation, recurrent_activation = self.activation, self.recurrent_activation
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
        self.zeroed = keep if self.zero_output_for_mask else None
        return _outputs(h, self.return_sequences, self.zeroed, ws)

    def backward(self, g: np.ndarray, outs: list[np.ndarray | None]) -> None:
        """The gradients of x, kernel, recurrent kernel and bias (Keras's layouts) from the
        output's gradient `g`, written into `outs` (None where not wanted)."""
        ws, u, dtype, seq = self.ws, self.u, self.dtype, self.seq
        s3 = 3 * u
        gates, tc, c, h = self.gates, self.tc, self.c, self.h
        n, steps = seq.n, seq.t
        gi, gf, go, gg = (gates[:, :, k * u : (k + 1) * u] for k in range(4))
        deriv = ws.get("deriv", gates.shape, dtype)
        if self.fast:
            sig = gates[:, :, :s3]
            np.subtract(1, sig, out=deriv[:, :, :s3])
            deriv[:, :, :s3] *= sig
            np.multiply(gg, gg, out=deriv[:, :, s3:])
            np.subtract(1, deriv[:, :, s3:], out=deriv[:, :, s3:])
            out_deriv = np.multiply(tc, tc, out=ws.get("out_deriv", tc.shape, dtype))
            np.subtract(1, out_deriv, out=out_deriv)
        else:
            pre, ract, act = self.pre, self.recurrent_activation, self.activation
            deriv[:, :, :s3] = _derivative(ract, pre[:, :, :s3], gates[:, :, :s3])
            deriv[:, :, s3:] = _derivative(act, pre[:, :, s3:], gg)
            out_deriv = _derivative(act, c[1:], tc)
        out_deriv *= go  # dh -> dc through h = o * act(c)
        keep = seq.keep
        if keep is not None:
            deriv *= keep
            out_deriv *= keep
            skip = 1 - keep
            forget = gf * keep + skip  # dc passes a masked step unchanged
        else:
            forget = gf
        dz = ws.get("dz", gates.shape, dtype)
        dh = ws.get("dh", (n, u), dtype)
        dc = ws.get("dc", (n, u), dtype)
        dh.fill(0)
        dc.fill(0)
        rec_t = self.rec.T
        back = ws.get("back", (n, u), dtype)
        gouts = _output_grads(g, steps, self.return_sequences, self.zeroed)
        with one_blas_thread():
            for t in range(steps - 1, -1, -1):
                gout = gouts[t]
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
        gx, gk, grec, gb = outs
        d4 = dz.reshape(-1, 4 * u)
        undo = self.undo
        if gx is not None:
            seq.input_grad(dz, self.w, gx)
        if gk is not None:
            tmp_k = seq.kernel_grad(dz, ws.get("gk", self.w.shape, dtype))
            np.take(tmp_k, undo, axis=1, out=gk, mode="clip")
        if grec is not None:
            tmp_r = np.dot(h[:-1].reshape(-1, u).T, d4, out=ws.get("grec", self.rec.shape, dtype))
            np.take(tmp_r, undo, axis=1, out=grec, mode="clip")
        if gb is not None:
            ones = ws.get("ones", (len(d4),), dtype)
            ones.fill(1)
            tmp_b = np.dot(ones, d4, out=ws.get("gb", (4 * u,), dtype))  # a GEMV, not a sum
            np.take(tmp_b, undo, out=gb, mode="clip")


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

    The loops are `LstmPass`'s, over fresh arrays.
    """
    x, parents = _params(x, kernel, recurrent_kernel, bias)
    xd = x.data
    if xd.ndim != 3:
        raise ValueError(f"Expected a sequence batch (batch, steps, features). Got {xd.shape}.")
    run = LstmPass(
        FRESH,
        xd.shape,
        recurrent_kernel.data.shape[0],
        xd.dtype,
        activation,
        recurrent_activation,
        return_sequences,
        go_backwards,
        zero_output_for_mask,
    )
    out = run.forward(xd, kernel.data, recurrent_kernel.data, _data(bias), mask)

    def backward(g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        outs = [
            None if not p.requires_grad and i == 0 else np.empty_like(p.data)
            for i, p in enumerate(parents)
        ]
        run.backward(g, outs + [None] * (4 - len(outs)))
        return tuple(outs)

    return _pack(out, parents, backward)


def _data(t: Tensor | None) -> np.ndarray | None:
    return None if t is None else t.data


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
    seq = _Sequence(x.data, mask, go_backwards)
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
