"""ONNX nodes for LayerForge's recurrent layers: SimpleRNN, LSTM, GRU and Bidirectional.

Without a mask, and with tanh, sigmoid or relu activations, a layer becomes
ONNX's own RNN, LSTM or GRU op: Keras's kernel (in, k*units) is transposed
to ONNX's W (dirs, k*units, in), LSTM's gates are reordered from Keras's
i, f, c, o to ONNX's i, o, f, c, the bias becomes [Wb, Rb] (GRU's (2, 3u)
bias rows exactly, reset_after=True being linear_before_reset=1), and a
Bidirectional layer of two matching halves is one op with
direction="bidirectional". `go_backwards` reverses the steps first, so the
outputs come in the order the engine gives them. Where ONNX's ops cannot
say what the engine computes (a mask from Embedding(mask_zero=True): a
masked step keeps the previous state wherever it falls; or another
activation) the recurrence is unrolled over the fixed number of steps, one
small group of nodes per step, with the same arithmetic as
`core.engine.recurrent_ops`. `LAYERS` maps each layer type to its writer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from core.export.graph_ir import Step
from core.export.onnx_builder import Builder, activation

__all__ = ["LAYERS"]

#: Activations ONNX's recurrent ops name without extra parameters.
_ONNX_ACTIVATIONS = {"tanh": "Tanh", "sigmoid": "Sigmoid", "relu": "Relu"}
_OPS = {"SimpleRNN": "RNN", "LSTM": "LSTM", "GRU": "GRU"}
_GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}
_INT64_MIN = -(2**63)


@dataclass
class _Cell:
    """One recurrent layer's settings and Keras-layout weights."""

    kind: str
    units: int
    act: str
    ract: str
    go_backwards: bool
    return_sequences: bool
    zero_output: bool
    kernel: np.ndarray
    recurrent: np.ndarray
    bias: np.ndarray | None

    @property
    def onnx_ready(self) -> bool:
        acts = (self.act,) if self.kind == "SimpleRNN" else (self.act, self.ract)
        return all(a in _ONNX_ACTIVATIONS for a in acts)

    def matches(self, other: _Cell) -> bool:
        """Whether the two can share one bidirectional ONNX op."""
        same = ("kind", "units", "act", "ract", "return_sequences")
        return all(getattr(self, a) == getattr(other, a) for a in same)


def _cell(kind: str, cfg: dict[str, Any], weights: dict[str, np.ndarray], prefix: str) -> _Cell:
    return _Cell(
        kind=kind,
        units=int(cfg["units"]),
        act=str(cfg.get("activation") or "linear"),
        ract=str(cfg.get("recurrent_activation") or "linear"),
        go_backwards=bool(cfg.get("go_backwards", False)),
        return_sequences=bool(cfg.get("return_sequences", False)),
        zero_output=bool(cfg.get("zero_output_for_mask", False)),
        kernel=weights[f"{prefix}kernel"],
        recurrent=weights[f"{prefix}recurrent_kernel"],
        bias=weights.get(f"{prefix}bias"),
    )


def _reverse(b: Builder, x: str, axis: int, base: str) -> str:
    """`x` with axis `axis` read from the end."""
    return b.op(
        "Slice",
        [
            x,
            b.const("start", [-1], np.int64),
            b.const("end", [_INT64_MIN], np.int64),
            b.const("axis", [axis], np.int64),
            b.const("step", [-1], np.int64),
        ],
        base,
    )


# ------------------------------------------------------------------ ONNX's own ops


def _onnx_weights(cell: _Cell) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(W, R, B) of one direction in ONNX's layout and gate order."""
    u, k = cell.units, _GATES[cell.kind] * cell.units
    order = np.arange(k)
    if cell.kind == "LSTM":  # Keras i, f, c, o -> ONNX i, o, f, c
        order = np.r_[0:u, 3 * u : 4 * u, u : 2 * u, 2 * u : 3 * u]
    w = cell.kernel[:, order].T
    r = cell.recurrent[:, order].T
    if cell.bias is None:
        bias = np.zeros(2 * k, np.float32)
    elif cell.kind == "GRU":
        bias = np.concatenate([cell.bias[0], cell.bias[1]])
    else:
        bias = np.concatenate([cell.bias[order], np.zeros(k, np.float32)])
    return w, r, bias


def _onnx_op(b: Builder, cells: list[_Cell], x_tm: str, base: str) -> tuple[str, str]:
    """ONNX's RNN/LSTM/GRU over the time-major `x_tm`: (Y (T, dirs, N, u), Y_h (dirs, N, u))."""
    first = cells[0]
    parts = [_onnx_weights(c) for c in cells]
    names = {"SimpleRNN": [first.act], "LSTM": [first.ract, first.act, first.act]}
    acts = names.get(first.kind, [first.ract, first.act])
    attrs: dict[str, Any] = {
        "hidden_size": first.units,
        "direction": "bidirectional" if len(cells) == 2 else "forward",
        "activations": [_ONNX_ACTIVATIONS[a] for a in acts] * len(cells),
    }
    if first.kind == "GRU":
        attrs["linear_before_reset"] = 1
    inputs = [x_tm] + [
        b.const(f"{base}_{tag}", np.stack([p[i] for p in parts]))
        for i, tag in enumerate(("W", "R", "B"))
    ]
    outs = b.op(_OPS[first.kind], inputs, base, n_out=3 if first.kind == "LSTM" else 2, **attrs)
    return outs[0], outs[1]


def _batch_major(b: Builder, y: str, base: str) -> str:
    """ONNX's Y of one direction (T, 1, N, u) as (N, T, u)."""
    y = b.op("Squeeze", [y, b.const("axis1", [1], np.int64)], base)
    return b.op("Transpose", [y], base, perm=[1, 0, 2])


def _time_major(b: Builder, x: str, base: str) -> str:
    return b.op("Transpose", [x], base, perm=[1, 0, 2])


# ------------------------------------------------------------------ unrolled


def _zeros_state(b: Builder, x: str, units: int, base: str) -> str:
    """A (N, units) zero state, N taken from `x` at run time."""
    from onnx import TensorProto, helper

    n = b.op("Shape", [x], base, start=0, end=1)
    shape = b.op("Concat", [n, b.const("units", [units], np.int64)], base, axis=0)
    zero = helper.make_tensor("zero", TensorProto.FLOAT, [1], [0.0])
    return b.op("ConstantOfShape", [shape], base, value=zero)


def _step_of(b: Builder, x: str, t: int, base: str) -> str:
    """x[:, t] of a (N, T, ...) tensor."""
    return b.op("Gather", [x, b.const("t", np.int64(t), np.int64)], base, axis=1)


def _split(b: Builder, x: str, parts: int, units: int, base: str) -> list[str]:
    sizes = b.const("split", [units] * parts, np.int64)
    return list(b.op("Split", [x, sizes], base, n_out=parts, axis=1))


def _unrolled(b: Builder, cell: _Cell, x: str, mask: str | None, steps: int, base: str) -> str:
    """The recurrence step by step, as `core.engine.recurrent_ops` computes it."""
    from onnx import TensorProto

    u, kind = cell.units, cell.kind
    xw = b.op("MatMul", [x, b.const(f"{base}_kernel", cell.kernel)], base)
    rec = b.const(f"{base}_recurrent_kernel", cell.recurrent)
    rec_bias = None
    if cell.bias is not None:
        in_bias = cell.bias[0] if kind == "GRU" else cell.bias
        xw = b.op("Add", [xw, b.const(f"{base}_bias", in_bias)], base)
        if kind == "GRU":
            rec_bias = b.const(f"{base}_recurrent_bias", cell.bias[1])
    h = _zeros_state(b, x, u, base)
    c = h
    outs: list[str] = []
    order = range(steps - 1, -1, -1) if cell.go_backwards else range(steps)
    for t in order:
        xt = _step_of(b, xw, t, base)
        rt = b.op("MatMul", [h, rec], base)
        if kind == "SimpleRNN":
            new_h = activation(b, b.op("Add", [xt, rt], base), cell.act, base)
        elif kind == "LSTM":
            zi, zf, zc, zo = _split(b, b.op("Add", [xt, rt], base), 4, u, base)
            i, f, o = (activation(b, z, cell.ract, base) for z in (zi, zf, zo))
            g = activation(b, zc, cell.act, base)
            new_c = b.op("Add", [b.op("Mul", [f, c], base), b.op("Mul", [i, g], base)], base)
            new_h = b.op("Mul", [o, activation(b, new_c, cell.act, base)], base)
        else:
            if rec_bias is not None:
                rt = b.op("Add", [rt, rec_bias], base)
            xz, xr, xh = _split(b, xt, 3, u, base)
            rz, rr, rh = _split(b, rt, 3, u, base)
            z = activation(b, b.op("Add", [xz, rz], base), cell.ract, base)
            r = activation(b, b.op("Add", [xr, rr], base), cell.ract, base)
            hh = activation(b, b.op("Add", [xh, b.op("Mul", [r, rh], base)], base), cell.act, base)
            new_h = b.op("Add", [b.op("Mul", [z, b.op("Sub", [h, hh], base)], base), hh], base)
        keep = None
        if mask is not None:
            keep = b.op(
                "Unsqueeze", [_step_of(b, mask, t, base), b.const("axis1", [1], np.int64)], base
            )
            new_h = b.op("Where", [keep, new_h, h], base)
            if kind == "LSTM":
                new_c = b.op("Where", [keep, new_c, c], base)
        h = new_h
        if kind == "LSTM":
            c = new_c
        if cell.return_sequences:
            out = h
            if keep is not None and cell.zero_output:
                out = b.op("Mul", [h, b.op("Cast", [keep], base, to=TensorProto.FLOAT)], base)
            outs.append(b.op("Unsqueeze", [out, b.const("axis1", [1], np.int64)], base))
    if not cell.return_sequences:
        return h
    return outs[0] if len(outs) == 1 else b.op("Concat", outs, base, axis=1)


# ------------------------------------------------------------------ layers


def _run(b: Builder, cell: _Cell, x: str, mask: str | None, steps: int, base: str) -> str:
    """One direction of one layer: outputs (N, T, u) in the engine's order, or (N, u)."""
    if mask is not None or not cell.onnx_ready:
        return _unrolled(b, cell, x, mask, steps, base)
    x_tm = _time_major(b, x, base)
    if cell.go_backwards:
        x_tm = _reverse(b, x_tm, 0, base)
    y, y_h = _onnx_op(b, [cell], x_tm, base)
    if cell.return_sequences:
        return _batch_major(b, y, base)
    return b.op("Squeeze", [y_h, b.const("axis0", [0], np.int64)], base)


def _recurrent(b: Builder, step: Step, ins: list[str], mask: str | None) -> str:
    cell = _cell(step.kind, step.config, step.weights, "")
    return _run(b, cell, ins[0], mask, int(step.in_shapes[0][1] or 0), step.name)


def _merge(b: Builder, mode: str, f: str, r: str, base: str) -> str:
    if mode == "concat":
        return b.op("Concat", [f, r], base, axis=-1)
    if mode == "sum":
        return b.op("Add", [f, r], base)
    if mode == "ave":
        return b.op("Mul", [b.op("Add", [f, r], base), b.const("half", 0.5)], base)
    return b.op("Mul", [f, r], base)


def _bidirectional(b: Builder, step: Step, ins: list[str], mask: str | None) -> str:
    cfg, base = step.config, step.name
    halves = []
    for key in ("layer", "backward_layer"):
        inner = cfg[key]
        prefix = f"{inner['config']['name']}/"
        halves.append(_cell(inner["class_name"], inner["config"], step.weights, prefix))
    fwd, bwd = halves
    steps = int(step.in_shapes[0][1] or 0)
    mode = str(cfg.get("merge_mode", "concat"))
    one_op = (
        mask is None
        and fwd.onnx_ready
        and fwd.matches(bwd)
        and not fwd.go_backwards
        and bwd.go_backwards
    )
    if not one_op:
        f = _run(b, fwd, ins[0], mask, steps, f"{base}_forward")
        r = _run(b, bwd, ins[0], mask, steps, f"{base}_backward")
        if fwd.return_sequences:
            r = _reverse(b, r, 1, base)
        return _merge(b, mode, f, r, base)
    y, y_h = _onnx_op(b, [fwd, bwd], _time_major(b, ins[0], base), base)
    if fwd.return_sequences:  # Y (T, 2, N, u): the reverse direction already in step order
        y = b.op("Transpose", [y], base, perm=[2, 0, 1, 3])
        axis, src = 2, y
    else:
        axis, src = 0, y_h
    f, r = (
        b.op("Gather", [src, b.const("dir", np.int64(d), np.int64)], base, axis=axis)
        for d in (0, 1)
    )
    return _merge(b, mode, f, r, base)


LAYERS = {
    "SimpleRNN": _recurrent,
    "LSTM": _recurrent,
    "GRU": _recurrent,
    "Bidirectional": _bidirectional,
}
