"""The loops of the recurrent layers (SimpleRNN, LSTM, GRU), one class per layer.

A pass runs one layer over a sequence batch: `forward` (the input projection of
every step as one GEMM, then a few fused NumPy calls per step into time-major
buffers) and `backward` (the steps in reverse, then one GEMM each for the kernel,
recurrent-kernel and input gradients, and a GEMV for the bias), writing the
gradients into the arrays it is given. Every array a pass writes comes from its
workspace (`core.engine.workspace`): the eager ops of `core.engine.recurrent_ops`
pass `FRESH` and build a pass per call; a plan keeps one pass over a `Workspace` and
runs it every step without allocating (`core.engine.plan_rules_recurrent`). Weights
use Keras's layouts; masks follow Keras's RNN loop (a masked step keeps the previous
state and repeats the previous output); `go_backwards` reads the sequence from the
end and returns outputs in that order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.engine.blas import one_blas_thread
from core.engine.ops import ACTIVATION_RULES
from core.engine.workspace import FRESH

#: Activations whose backward rule writes into a given array (`bwd(g, z, y, out)`).
_BACKWARD_INTO = ("relu", "sigmoid", "tanh")


def _derivative(name: str, z: np.ndarray | None, y: np.ndarray) -> np.ndarray:
    """d act(z) / dz elementwise, from the activation table's backward rule."""
    return ACTIVATION_RULES[name][1](np.ones_like(y), z, y)


def _derivative_into(
    name: str, z: np.ndarray | None, y: np.ndarray, out: np.ndarray, ws: Any
) -> np.ndarray:
    """`_derivative` written into `out` (ones from `ws`; the same values)."""
    if name not in _BACKWARD_INTO:
        out[...] = _derivative(name, z, y)
        return out
    ones = ws.get("ones_like", y.shape, y.dtype)
    ones.fill(1)
    return ACTIVATION_RULES[name][1](ones, z, y, out)  # type: ignore[no-any-return]


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
        # keep (T, N, 1): 1 where the step counts; drop: where it does not. A batch whose
        # mask is all ones runs the unmasked loop (decided per batch, at every call).
        self.keep: np.ndarray | None = None
        self.drop: np.ndarray | None = None
        if mask is not None:
            m = np.asarray(mask, dtype=bool)
            m = m[:, ::-1] if go_backwards else m
            if not m.all():
                self.keep = ws.get("keep", (self.t, self.n, 1), xd.dtype)
                np.copyto(self.keep, m.T[:, :, None])
                self.drop = np.equal(self.keep, 0, out=ws.get("drop", self.keep.shape, bool))

    def skip(self) -> np.ndarray:
        """1 - keep (T, N, 1): 1 where a masked step passes the state's gradient through
        (only asked for when the batch has a masked step)."""
        return np.subtract(1, self.keep, out=self.ws.get("skip", self.keep.shape, self.dtype))

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
        seq = h[1:]
        if zeroed is not None:
            seq = np.multiply(seq, zeroed, out=ws.get("zeroed_out", seq.shape, h.dtype))
        out = ws.get("out", (h.shape[1], h.shape[0] - 1, h.shape[2]), h.dtype)
        np.copyto(out, seq.transpose(1, 0, 2))
        return out
    out = ws.get("out", h.shape[1:], h.dtype)
    np.copyto(out, h[-1])
    return out


def _output_grads(
    g: np.ndarray, steps: int, return_sequences: bool, zeroed: np.ndarray | None, ws: Any = FRESH
) -> list[np.ndarray | None]:
    """The gradient reaching each step's output, time-major (None where none does)."""
    if return_sequences:
        gt = g.transpose(1, 0, 2)
        if zeroed is not None:
            gt = np.multiply(gt, zeroed, out=ws.get("zeroed_grad", gt.shape, g.dtype))
        return [gt[t] for t in range(steps)]
    return [None] * (steps - 1) + [g]


class RecurrentPass:
    """What the three passes share: their settings, the input layout, the outputs."""

    def __init__(
        self,
        ws: Any,
        units: int,
        dtype: Any,
        activation: str,
        recurrent_activation: str,
        return_sequences: bool,
        go_backwards: bool,
        zero_output_for_mask: bool,
    ) -> None:
        self.ws, self.u, self.dtype = ws, units, dtype
        self.activation, self.recurrent_activation = activation, recurrent_activation
        self.return_sequences, self.go_backwards = return_sequences, go_backwards
        self.zero_output_for_mask = zero_output_for_mask
        self.fast = activation == "tanh" and recurrent_activation == "sigmoid"
        self.zeroed: np.ndarray | None = None

    def forward(
        self, xd: np.ndarray, kd: np.ndarray, rd: np.ndarray, bd: np.ndarray | None, mask: Any
    ) -> np.ndarray:
        """The layer's output for input `xd` (N, T, D) and weights in Keras's layout."""
        self.seq = _Sequence(xd, mask, self.go_backwards, self.ws)
        h = self.loop(kd, rd, bd)
        self.zeroed = self.seq.keep if self.zero_output_for_mask else None
        return _outputs(h, self.return_sequences, self.zeroed, self.ws)

    def backward(self, g: np.ndarray, outs: list[np.ndarray | None]) -> None:
        """The gradients of x, kernel, recurrent kernel and bias (Keras's layouts) from
        the output's gradient `g`, written into `outs` (None where not wanted)."""
        gouts = _output_grads(g, self.seq.t, self.return_sequences, self.zeroed, self.ws)
        self.loop_back(gouts, outs)

    def loop(self, kd: np.ndarray, rd: np.ndarray, bd: np.ndarray | None) -> np.ndarray:
        """The forward loop; returns the states H (T + 1, N, u)."""
        raise NotImplementedError

    def loop_back(self, gouts: list[np.ndarray | None], outs: list[np.ndarray | None]) -> None:
        raise NotImplementedError

    def weight_grads(
        self, d_in: np.ndarray, d_rec: np.ndarray, outs: list[np.ndarray | None]
    ) -> None:
        """Into outs (x, kernel, recurrent kernel; None where not wanted): the gradients
        from d(x_t @ W) `d_in` and d(h_{t-1} @ U) `d_rec`, both (T, N, k)."""
        gx, gk, grec = outs
        if gx is not None:
            self.seq.input_grad(d_in, self.w, gx)
        if gk is not None:
            self.seq.kernel_grad(d_in, gk)
        if grec is not None:
            h = self.h[:-1]
            np.dot(h.reshape(-1, h.shape[-1]).T, d_rec.reshape(-1, d_rec.shape[-1]), out=grec)

    def column_sum(self, flat: np.ndarray, out: np.ndarray) -> np.ndarray:
        """flat.sum(axis=0) as ones @ flat (a GEMV: ~20x a column sum)."""
        ones = self.ws.get("ones", (len(flat),), flat.dtype)
        ones.fill(1)
        return np.dot(ones, flat, out=out)  # type: ignore[no-any-return]

    def rec_t(self) -> np.ndarray:
        """The recurrent kernel transposed, contiguous: the backward loop's per-step GEMM
        runs twice as fast on it as on the transposed view."""
        rec = self.rec
        rec_t = self.ws.get("rec_t", rec.shape[::-1], rec.dtype)
        np.copyto(rec_t, rec.T)
        return rec_t

    def state(self, name: str, steps: int, n: int, width: int) -> np.ndarray:
        """A (steps + 1, n, width) state array whose first step is zero."""
        s = self.ws.get(name, (steps + 1, n, width), self.dtype)
        s[0].fill(0)
        return s


class SimpleRnnPass(RecurrentPass):
    """Keras SimpleRNN: h_t = act(x_t @ kernel + h_{t-1} @ recurrent + bias)."""

    def loop(self, kd: np.ndarray, rd: np.ndarray, bd: np.ndarray | None) -> np.ndarray:
        seq, ws, u, activation = self.seq, self.ws, self.u, self.activation
        self.w, self.rec = kd, rd
        xw = self.xw = seq.project(kd, bd, "xw")
        h = self.h = self.state("h", seq.t, seq.n, u)
        needs_z = ACTIVATION_RULES[activation][2]
        pre = self.pre = ws.get("pre", xw.shape, self.dtype) if needs_z else None
        drop = seq.drop
        with one_blas_thread():
            for t in range(seq.t):
                z = h[t + 1]
                np.dot(h[t], rd, out=z)
                z += xw[t]
                if pre is not None:
                    pre[t] = z
                _apply(activation, z, z)
                if drop is not None:
                    np.copyto(z, h[t], where=drop[t])
        return h

    def loop_back(self, gouts: list[np.ndarray | None], outs: list[np.ndarray | None]) -> None:
        seq, ws, u, h, dtype = self.seq, self.ws, self.u, self.h, self.dtype
        deriv = _derivative_into(
            self.activation, self.pre, h[1:], ws.get("deriv", self.xw.shape, dtype), ws
        )
        keep = seq.keep
        if keep is not None:
            deriv *= keep
            skip = seq.skip()
        dz = ws.get("dz", self.xw.shape, dtype)
        dh = ws.get("dh", (seq.n, u), dtype)
        dh.fill(0)
        back = ws.get("back", (seq.n, u), dtype)
        rec_t = self.rec_t()
        with one_blas_thread():
            for t in range(seq.t - 1, -1, -1):
                gout = gouts[t]
                if gout is not None:
                    dh += gout
                d = dz[t]
                np.multiply(dh, deriv[t], out=d)
                if keep is not None:
                    dh *= skip[t]
                    np.dot(d, rec_t, out=back)
                    dh += back
                else:
                    np.dot(d, rec_t, out=dh)
        self.weight_grads(dz, dz, outs[:3])
        if outs[3] is not None:
            self.column_sum(dz.reshape(-1, u), outs[3])


class LstmPass(RecurrentPass):
    """Keras LSTM with gates i, f, c, o (kernel (D, 4u), recurrent (u, 4u)).

    Inside, the gates
    are reordered to i, f, o, c so the three recurrent-activation gates are one
    contiguous block; with the default tanh/sigmoid pair every gate is one tanh call
    (sigmoid(z) = 0.5 * tanh(z / 2) + 0.5, the halving folded into the weights, exact in
    binary).
    """

    def __init__(self, ws: Any, units: int, dtype: Any, *settings: Any) -> None:
        super().__init__(ws, units, dtype, *settings)
        u = units
        self.order = np.r_[0 : 2 * u, 3 * u : 4 * u, 2 * u : 3 * u]  # i f c o -> i f o c
        self.undo = np.argsort(self.order)
        self.half = np.ones(4 * u, dtype=dtype)
        self.half[: 3 * u] = 0.5

    def loop(self, kd: np.ndarray, rd: np.ndarray, bd: np.ndarray | None) -> np.ndarray:
        ws, u, dtype, fast, seq = self.ws, self.u, self.dtype, self.fast, self.seq
        s3 = 3 * u
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
        c = self.c = self.state("c", steps, n, u)
        h = self.h = self.state("h", steps, n, u)
        tc = self.tc = ws.get("tc", (steps, n, u), dtype)
        buf = ws.get("buf", (n, 4 * u), dtype)
        tmp = ws.get("tmp", (n, u), dtype)
        drop = seq.drop
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
                if drop is not None:
                    np.copyto(h[t + 1], h[t], where=drop[t])
                    np.copyto(ct, c[t], where=drop[t])
        return h

    def loop_back(self, gouts: list[np.ndarray | None], outs: list[np.ndarray | None]) -> None:
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
            skip = seq.skip()
            forget = np.multiply(gf, keep, out=ws.get("forget", gf.shape, dtype))
            forget += skip  # dc passes a masked step unchanged
        else:
            forget = gf
        dz = ws.get("dz", gates.shape, dtype)
        dh = ws.get("dh", (n, u), dtype)
        dc = ws.get("dc", (n, u), dtype)
        dh.fill(0)
        dc.fill(0)
        rec_t = self.rec_t()
        back = ws.get("back", (n, u), dtype)
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
                    np.dot(d, rec_t, out=back)  # back is free again: dc has it
                    dh += back
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
            tmp_b = self.column_sum(d4, ws.get("gb", (4 * u,), dtype))
            np.take(tmp_b, undo, out=gb, mode="clip")


class GruPass(RecurrentPass):
    """Keras GRU with reset_after=True: gates z, r, h; bias (2, 3u).

    z, r = ract(x W + b_in + h U + b_rec) (their parts); hh = act(x W_h + b_in_h +
    r * (h U_h + b_rec_h)); h' = z * h + (1 - z) * hh. With the default tanh/sigmoid
    pair the z, r gates are one tanh call (the halving folded into the weights).
    """

    def __init__(self, ws: Any, units: int, dtype: Any, *settings: Any) -> None:
        super().__init__(ws, units, dtype, *settings)
        self.scale = np.ones(3 * units, dtype=dtype)
        if self.fast:
            self.scale[: 2 * units] = 0.5

    def loop(self, kd: np.ndarray, rd: np.ndarray, bd: np.ndarray | None) -> np.ndarray:
        ws, u, dtype, fast, seq = self.ws, self.u, self.dtype, self.fast, self.seq
        u2, u3 = 2 * u, 3 * u
        self.w, self.rec = kd, rd
        b_in = b_rec_h = None
        if bd is not None:
            b_in = ws.get("b_in", (u3,), dtype)
            np.copyto(b_in, bd[0])
            b_in[:u2] += bd[1, :u2]  # the z/r recurrent biases add like input biases
            b_rec_h = bd[1, u2:]
        scale = self.scale
        w_in = np.multiply(kd, scale, out=ws.get("w_in", kd.shape, dtype))
        b_sc = None if b_in is None else np.multiply(b_in, scale, out=ws.get("b_sc", (u3,), dtype))
        xw = seq.project(w_in, b_sc, "xw")
        rec_in = np.multiply(rd, scale, out=ws.get("rec_in", rd.shape, dtype))
        n, steps = seq.n, seq.t
        h = self.h = self.state("h", steps, n, u)
        zr = self.zr = ws.get("zr", (steps, n, u2), dtype)  # gate values z, r
        pre_zr = self.pre_zr = None if fast else ws.get("pre_zr", zr.shape, dtype)
        rh = self.rh = ws.get("rh", (steps, n, u3), dtype)  # h @ U (+ b_rec_h in the h part)
        hh = self.hh = ws.get("hh", (steps, n, u), dtype)
        pre_hh = self.pre_hh = None if fast else ws.get("pre_hh", hh.shape, dtype)
        drop = seq.drop
        activation, recurrent_activation = self.activation, self.recurrent_activation
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
                if drop is not None:
                    np.copyto(nxt, h[t], where=drop[t])
        return h

    def loop_back(self, gouts: list[np.ndarray | None], outs: list[np.ndarray | None]) -> None:
        ws, u, dtype, seq = self.ws, self.u, self.dtype, self.seq
        u2, u3 = 2 * u, 3 * u
        h, zr, hh, rh = self.h, self.zr, self.hh, self.rh
        n, steps = seq.n, seq.t
        z, r = zr[:, :, :u], zr[:, :, u:]
        d_zr = ws.get("d_zr", zr.shape, dtype)
        d_hh = ws.get("d_hh", hh.shape, dtype)
        if self.fast:
            np.subtract(1, zr, out=d_zr)  # (1 - zr) * zr
            d_zr *= zr
            np.multiply(hh, hh, out=d_hh)  # 1 - hh * hh
            np.subtract(1, d_hh, out=d_hh)
        else:
            _derivative_into(self.recurrent_activation, self.pre_zr, zr, d_zr, ws)
            _derivative_into(self.activation, self.pre_hh, hh, d_hh, ws)
        gap = np.subtract(h[:-1], hh, out=ws.get("gap", hh.shape, dtype))  # dh'/dz
        np.multiply(gap, d_zr[:, :, :u], out=gap)
        one_minus_z = np.subtract(1, z, out=ws.get("one_minus_z", hh.shape, dtype))
        one_minus_z *= d_hh  # dh'/d(hh pre-activation)
        carry = ws.get("carry", hh.shape, dtype)  # dh'/dh through z * h
        np.copyto(carry, z)
        keep = seq.keep
        if keep is not None:
            gap *= keep
            one_minus_z *= keep
            carry *= keep
            carry += seq.skip()
        rec_h = rh[:, :, u2:]
        dx = ws.get("dx", rh.shape, dtype)  # d(x W + b_in) per gate
        dr = ws.get("dr", rh.shape, dtype)  # d(h U + b_rec) per gate
        dh = ws.get("dh", (n, u), dtype)
        dh.fill(0)
        back = ws.get("back", (n, u), dtype)
        rec_t = self.rec_t()
        with one_blas_thread():
            for t in range(steps - 1, -1, -1):
                gout = gouts[t]
                if gout is not None:
                    dh += gout
                d, e = dx[t], dr[t]
                np.multiply(dh, gap[t], out=d[:, :u])
                np.multiply(dh, one_minus_z[t], out=d[:, u2:])
                np.multiply(d[:, u2:], rec_h[t], out=d[:, u:u2])
                d[:, u:u2] *= d_zr[t][:, u:]
                np.copyto(e[:, :u2], d[:, :u2])
                np.multiply(d[:, u2:], r[t], out=e[:, u2:])
                dh *= carry[t]
                np.dot(e, rec_t, out=back)
                dh += back
        self.weight_grads(dx, dr, outs[:3])
        gb = outs[3]
        if gb is not None:
            self.column_sum(dx.reshape(-1, u3), gb[0])
            self.column_sum(dr.reshape(-1, u3), gb[1])
