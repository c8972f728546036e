"""Allocation-free replay rules for the embedding lookup, padding masks and the
recurrent layers.

The embedding rule checks the step's ids and gathers the table's rows into arrays
allocated once, and its backward is eager's flat `np.add.at` into a preallocated
gradient (`recurrent_ops.embedding_grad`, the same call in the same order). The
recurrent rule keeps one pass of `core.engine.recurrent_passes` (SimpleRNN, LSTM,
GRU) over a `Workspace` per plan: the pass the eager op runs, with every gate, state
and gradient buffer allocated when the plan is built (warm-up passes) and reused by
every step. A masked sequence's pass decides at every step, as eager does, whether
the batch's mask is all ones (the plain loop) or not (the masked loop); the warm-up
runs both, so either allocates nothing. The padding mask, the masked mean
(GlobalAveragePooling1D) and reversed steps (Bidirectional) replay into buffers too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from core.engine import recurrent_ops
from core.engine.autograd import Tensor
from core.engine.layers.base import Variable
from core.engine.plan import Builder, GradWriter, Node, Step
from core.engine.plan_rules import _bound, _raw, first_edge
from core.engine.recurrent_ops import embedding_grad, token_ids
from core.engine.recurrent_passes import GruPass, LstmPass, RecurrentPass, SimpleRnnPass
from core.engine.tracing import Call
from core.engine.workspace import Workspace


def embedding_rule(call: Call, b: Builder) -> Node | None:
    """`recurrent_ops.embedding`: the ids checked and the rows gathered into buffers."""
    a = _bound(call)
    inputs, table, input_dim, where = a["inputs"], a["table"], a["input_dim"], a["where"]
    if not isinstance(table, Variable) or not isinstance(inputs, (Tensor, np.ndarray)):
        return None
    src = b.static(inputs, "op 'embedding'")
    ws = Workspace()
    ids = token_ids(src, input_dim, where, 0, ws)
    out: Tensor = call.result
    y = b.scratch(out.data)
    b.output(out, y)
    forward: list[Step] = [
        (token_ids, (src, input_dim, where, 0, ws)),  # fills `ids` (or checks src itself)
        (np.take, (table.data, ids, 0, y, "clip")),  # the ids are checked: no bounds mode
    ]
    width = table.data.shape[1]
    cells = np.empty((ids.size, width), np.intp)
    columns = np.arange(width)
    b.nbytes += ws.nbytes + cells.nbytes

    @first_edge
    def make_backward(g: np.ndarray, edge: np.ndarray, writer: GradWriter) -> list[Step]:
        return [(embedding_grad, (ids, g, edge, cells, columns))]

    return Node(call, forward, make_backward, False)


#: The pass each recurrent op runs.
PASSES: dict[Callable[..., Any], type[RecurrentPass]] = {
    _raw(recurrent_ops.simple_rnn): SimpleRnnPass,
    _raw(recurrent_ops.lstm): LstmPass,
    _raw(recurrent_ops.gru): GruPass,
}


def _warm_masks(mask: np.ndarray | None) -> list[np.ndarray | None]:
    """Masks that take a pass down each of its paths: none, or all ones and one masked
    step (the workspace then holds both paths' arrays)."""
    if mask is None:
        return [None]
    full = np.ones(mask.shape, bool)
    padded = full.copy()
    padded.reshape(-1)[:1] = False
    return [full, padded]


def recurrent_rule(call: Call, b: Builder) -> Node | None:
    """A recurrent op, with or without a mask: one pass of its kind over the plan's
    workspace, reading the mask the plan fills each step."""
    a = _bound(call)
    x, kernel, rec, bias, mask = a["x"], a["kernel"], a["recurrent_kernel"], a["bias"], a["mask"]
    if not isinstance(x, Tensor) or not isinstance(mask, (np.ndarray, type(None))):
        return None
    if not all(isinstance(v, Variable) for v in (kernel, rec) + (() if bias is None else (bias,))):
        return None
    where = f"op '{call.fn.__name__}'"
    xa = b.static(x, where)
    if xa.ndim != 3:
        return None
    ma = None if mask is None else b.static(mask, where)
    if ma is not None and (ma.dtype != bool or ma.shape != xa.shape[:2]):
        return None
    np.copyto(xa, x.data)  # the traced values: the warm-up passes allocate the workspace
    ws = Workspace()
    run = PASSES[call.fn](
        ws,
        rec.data.shape[0],
        xa.dtype,
        a["activation"],
        a.get("recurrent_activation", a["activation"]),
        a["return_sequences"],
        a["go_backwards"],
        a["zero_output_for_mask"],
    )
    weights = (kernel.data, rec.data, None if bias is None else bias.data)
    warm = _warm_masks(ma)
    for m in warm:
        y = run.forward(xa, *weights, m)
    out: Tensor = call.result
    b.output(out, y)

    def make_backward(
        g: np.ndarray, edges: list[np.ndarray | None], writer: GradWriter
    ) -> list[Step]:
        outs = [edges[i] if i < len(edges) else None for i in range(4)]
        # warm-up passes allocate the backward's buffers now, not in the first step
        before = ws.nbytes
        for m in warm:
            run.forward(xa, *weights, m)
            run.backward(np.zeros_like(g), outs)
        b.nbytes += ws.nbytes - before
        return [(run.backward, (g, outs))]

    b.nbytes += ws.nbytes
    return Node(call, [(run.forward, (xa, *weights, ma))], make_backward, False)


def padding_mask_rule(call: Call, b: Builder) -> Node | None:
    """`recurrent_ops.padding_mask`: `ids != 0` into a boolean buffer."""
    src = b.static(_bound(call)["inputs"], "op 'padding_mask'")
    y = b.output(call.result)
    return Node(call, [(np.not_equal, (src, 0, y))], None, False)


def masked_mean_rule(call: Call, b: Builder) -> Node | None:
    """`recurrent_ops.masked_mean` (GlobalAveragePooling1D over a mask): eager's weights,
    counts, shares and sum, each into its buffer; the gradient is `g * share`."""
    a = _bound(call)
    x, mask, keepdims = a["x"], a["mask"], a["keepdims"]
    if not isinstance(x, Tensor) or not isinstance(mask, np.ndarray):
        return None
    where = "op 'masked_mean'"
    xa, ma = b.static(x, where), b.static(mask, where)
    if xa.ndim != 3 or ma.shape != xa.shape[:2]:
        return None
    n, steps, _ = xa.shape
    weight = np.empty((n, steps, 1), xa.dtype)
    count = np.empty((n, 1, 1), xa.dtype)
    share = np.empty_like(weight)
    prod = np.empty_like(xa)
    b.nbytes += weight.nbytes + count.nbytes + share.nbytes + prod.nbytes
    y = b.output(call.result)
    forward: list[Step] = [
        (np.copyto, (weight, ma[:, :, None])),  # mask.astype(dtype)[:, :, None]
        (_sum_steps, (weight, True, count)),
        (np.true_divide, (weight, count, share)),
        (np.multiply, (xa, share, prod)),
        (_sum_steps, (prod, keepdims, y)),
    ]

    @first_edge
    def make_backward(g: np.ndarray, edge: np.ndarray, writer: GradWriter) -> list[Step]:
        return [(np.multiply, (g if keepdims else g[:, None], share, edge))]

    return Node(call, forward, make_backward, False)


def _sum_steps(a: np.ndarray, keepdims: bool, out: np.ndarray) -> None:
    """a.sum(axis=1, keepdims=keepdims) into `out`."""
    np.add.reduce(a, axis=1, keepdims=keepdims, out=out)


def reverse_steps_rule(call: Call, b: Builder) -> Node | None:
    """`recurrent_ops.reverse_steps`: the output is the reversed view of the input's array,
    as in eager; the gradient is copied back reversed."""
    x = _bound(call)["x"]
    if not isinstance(x, Tensor):
        return None
    xa = b.static(x, "op 'reverse_steps'")
    b.output(call.result, xa[:, ::-1])

    @first_edge
    def make_backward(g: np.ndarray, edge: np.ndarray, writer: GradWriter) -> list[Step]:
        return [(np.copyto, (edge, g[:, ::-1]))]

    return Node(call, [], make_backward, False)


RULES: dict[Callable[..., Any], Callable[[Call, Builder], Node | None]] = {
    _raw(recurrent_ops.embedding): embedding_rule,
    _raw(recurrent_ops.padding_mask): padding_mask_rule,
    _raw(recurrent_ops.masked_mean): masked_mean_rule,
    _raw(recurrent_ops.reverse_steps): reverse_steps_rule,
    **dict.fromkeys(PASSES, recurrent_rule),
}
