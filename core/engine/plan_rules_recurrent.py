"""Allocation-free replay rules for the embedding lookup and the recurrent layers.

The embedding rule checks the step's ids and gathers the table's rows into arrays
allocated once, and its backward is eager's flat `np.add.at` into a preallocated
gradient (`recurrent_ops.embedding_grad`, the same call in the same order). The
recurrent rule keeps one pass of `core.engine.recurrent_passes` (SimpleRNN, LSTM,
GRU) over a `Workspace` per plan: the pass the eager op runs, with every gate, state
and gradient buffer allocated when the plan is built (a warm-up pass on the traced
values) and reused by every step. Masked sequences (whose loop depends on the mask's
values) are replayed generically.
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


def recurrent_rule(call: Call, b: Builder) -> Node | None:
    """A recurrent op without a mask: one pass of its kind over the plan's workspace."""
    a = _bound(call)
    x, kernel, rec, bias = a["x"], a["kernel"], a["recurrent_kernel"], a["bias"]
    if a["mask"] is not None or not isinstance(x, Tensor):
        return None
    if not all(isinstance(v, Variable) for v in (kernel, rec) + (() if bias is None else (bias,))):
        return None
    xa = b.static(x, f"op '{call.fn.__name__}'")
    if xa.ndim != 3:
        return None
    np.copyto(xa, x.data)  # the traced values: the warm-up pass allocates the workspace
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
    args = (xa, kernel.data, rec.data, None if bias is None else bias.data, None)
    y = run.forward(*args)
    out: Tensor = call.result
    b.output(out, y)

    def make_backward(
        g: np.ndarray, edges: list[np.ndarray | None], writer: GradWriter
    ) -> list[Step]:
        outs = [edges[i] if i < len(edges) else None for i in range(4)]
        # a warm-up pass allocates the backward's buffers now, not in the first step
        before = ws.nbytes
        run.backward(np.zeros_like(g), outs)
        b.nbytes += ws.nbytes - before
        return [(run.backward, (g, outs))]

    b.nbytes += ws.nbytes
    return Node(call, [(run.forward, args)], make_backward, False)


RULES: dict[Callable[..., Any], Callable[[Call, Builder], Node | None]] = {
    _raw(recurrent_ops.embedding): embedding_rule,
    **dict.fromkeys(PASSES, recurrent_rule),
}
