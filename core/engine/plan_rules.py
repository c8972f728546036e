"""Allocation-free replay rules for the ops that dominate a training step.

A rule turns one traced call into plan steps over preallocated arrays and returns a
`core.engine.plan.Node` (or None to let the call be replayed generically). Each rule
issues exactly the NumPy calls its eager op issues, in the same order, with `out=`:
dense layers (`x @ W + b`, then the activation in place) and the built-in losses
(their kernels take a `Workspace`, see `core.engine.workspace`). `RULES` maps the
undecorated op function to its rule.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from core.engine import losses as _losses
from core.engine import ops
from core.engine.autograd import Tensor
from core.engine.layers.base import Variable
from core.engine.plan import Builder, GradWriter, Node, PlanError, Step
from core.engine.tracing import Call
from core.engine.workspace import Workspace

#: Activations whose backward writes into a given array (`bwd(g, z, y, out)`).
_BACKWARD_INTO = {"relu", "sigmoid", "tanh"}


def first_edge(
    make: Callable[[np.ndarray, np.ndarray, GradWriter], list[Step]],
) -> Callable[[np.ndarray, list[np.ndarray | None], GradWriter], list[Step]]:
    """A one-input rule's `make_backward`, written for the gradient `edge` of its input:
    no steps when that input needs no gradient."""

    def make_backward(
        g: np.ndarray, edges: list[np.ndarray | None], writer: GradWriter
    ) -> list[Step]:
        edge = edges[0] if edges else None
        return [] if edge is None else make(g, edge, writer)

    return make_backward


def kernel_args(a: dict[str, Any]) -> tuple[Tensor, Variable, Variable | None] | None:
    """(x, kernel, bias) of a dense or conv call the rules can plan: a traced input and
    the layer's own weights; None otherwise (the op replays generically)."""
    x, kernel, bias = a["x"], a["kernel"], a["bias"]
    if not isinstance(x, Tensor) or not isinstance(kernel, Variable):
        return None
    if bias is not None and not isinstance(bias, Variable):
        return None
    return x, kernel, bias


def _bound(call: Call) -> dict[str, Any]:
    args = inspect.signature(call.fn).bind(*call.args, **call.kwargs)
    args.apply_defaults()
    return dict(args.arguments)


def _activation_forward(fwd: Callable[..., Any], z: np.ndarray, y: np.ndarray) -> None:
    np.copyto(y, fwd(z))


def _activation_backward(
    bwd: Callable[..., Any], g: np.ndarray, z: np.ndarray | None, y: np.ndarray, out: np.ndarray
) -> None:
    np.copyto(out, bwd(g, z, y))


def _add_into(view: np.ndarray, tmp: np.ndarray) -> None:
    view += tmp


def _param_steps(
    writer: GradWriter, var: Any, fn: Callable[..., Any], args: tuple[Any, ...]
) -> list[Step]:
    """`fn(*args, out)` into the weight's gradient: written when first, else added (eager's +=)."""
    dst, add_to = writer.target(var)
    steps: list[Step] = [(fn, (*args, dst))]
    if add_to is not None:
        steps.append((_add_into, (add_to, dst)))
    return steps


def activation_steps(act: str, z: np.ndarray, b: Builder) -> tuple[np.ndarray, list[Step]]:
    """The plan steps of `ACTIVATION_RULES[act]` applied to the pre-activation `z` as the
    fused ops do it (in place unless the backward needs z): (the output array, steps)."""
    fwd, _, needs_z = ops.ACTIVATION_RULES[act]
    if fwd is ops._linear_fwd:
        return z, []
    if act == "relu":  # ops._relu_fwd's one call, without its Python frame
        return z, [(partial(np.maximum, out=z), (z, 0))]
    if not needs_z:
        return z, [(fwd, (z, z))]
    y = b.scratch(z)
    return y, [(_activation_forward, (fwd, z, y))]


def activation_backward_steps(
    act: str, g: np.ndarray, z: np.ndarray, y: np.ndarray, b: Builder
) -> tuple[np.ndarray, list[Step]]:
    """The gradient of the pre-activation from the output's gradient `g`, as the fused
    ops' backward computes it: (the array holding it, steps)."""
    fwd, bwd, needs_z = ops.ACTIVATION_RULES[act]
    if fwd is ops._linear_fwd:
        return g, []
    gz = b.scratch(y)
    z_keep = z if needs_z else None
    if act == "relu":  # ops._relu_bwd's two calls, without its Python frame
        return gz, [(np.sign, (y, gz)), (np.multiply, (gz, g, gz))]
    if act in _BACKWARD_INTO:
        return gz, [(bwd, (g, z_keep, y, gz))]
    if act == "softmax":
        row = np.empty(y.shape[:-1] + (1,), y.dtype)
        return gz, [(bwd, (g, None, y, -1, gz, (row, b.scratch(y))))]
    if g.dtype != y.dtype:  # eager's rule promotes as NumPy does (a float64 gradient)
        gz = np.empty(y.shape, np.result_type(g, y))
        b.nbytes += gz.nbytes
    return gz, [(_activation_backward, (bwd, g, z_keep, y, gz))]


def dense_rule(call: Call, b: Builder) -> Node | None:
    """`ops.dense`: the same GEMM, bias add and in-place activation as eager, into buffers."""
    a = _bound(call)
    if (args := kernel_args(a)) is None:
        return None
    x, kernel, bias = args
    act = a["activation"]
    out: Tensor = call.result
    xa = b.static(x, "op 'dense'")
    wa = kernel.data
    ba = None if bias is None else bias.data
    z = b.scratch(out.data)
    y, act_steps = activation_steps(act, z, b)
    b.output(out, y)
    flat = xa.ndim == 2
    # the calls of ops.dense_forward, in its order
    steps: list[Step] = [(ops._dot if flat else np.matmul, (xa, wa, z))]
    if ba is not None:
        steps.append((np.add, (z, ba, z)))
    steps += act_steps

    def make_backward(
        g: np.ndarray, edges: list[np.ndarray | None], writer: GradWriter
    ) -> list[Step]:
        # the calls of backward_dense in ops.dense, in its order
        gz, back = activation_backward_steps(act, g, z, y, b)
        x2 = xa if flat else xa.reshape(-1, xa.shape[-1])
        g2 = gz if flat else gz.reshape(-1, gz.shape[-1])
        if kernel.requires_grad:
            back += _param_steps(writer, kernel, ops._dot, (x2.T, g2))
        if bias is not None and bias.requires_grad:
            ones = np.ones(len(g2), g2.dtype)
            back += _param_steps(writer, bias, ops._dot, (ones, g2))
        if edges and edges[0] is not None:
            back.append((ops._dot if flat else np.matmul, (gz, wa.T, edges[0])))
        return back

    return Node(call, steps, make_backward, False)


def _views(arr: Any, of: Any) -> bool:
    """Whether `arr` is `of` or a view of it; for a tuple, whether its arrays all are."""
    if isinstance(arr, tuple):
        return all(a is None or _views(a, of) for a in arr)
    while isinstance(arr, np.ndarray):
        if arr is of:
            return True
        arr = arr.base
    return False


def _is_static(arr: np.ndarray, ws: Workspace) -> bool:
    """Whether `arr` is (a view of) one of the workspace's arrays."""
    return any(_views(arr, a) for a in ws.arrays.values())


def loss_rule(call: Call, b: Builder) -> Node | None:
    """A built-in loss reduced to a scalar without sample weights: its kernel over a
    workspace, the sum into a preallocated scalar (eager's `_wrap`)."""
    a = _bound(call)
    loss = a["self"]
    with_probs = "logits" in a and "pred" not in a
    pred = a["logits"] if with_probs else a["pred"]
    logits = True if with_probs else bool(a["logits"])
    reduction = loss.reduction if with_probs else a["reduction"]
    if (
        a["sample_weight"] is not None
        or reduction not in ("sum_over_batch_size", "sum")
        or not isinstance(pred, Tensor)
        or type(loss).compute.__module__ != _losses.__name__
    ):
        return None
    where = f"loss '{loss.name}'"
    y = b.arg(a["y_true"], where)
    za = b.static(pred, where)
    ws = Workspace()
    np.copyto(za, pred.data)  # the traced logits: the warm-up call allocates the workspace
    t = loss.targets(y, za, ws)
    # Targets that are (views of) the plan's target array are prepared once and the
    # kernel's own NumPy calls become plan steps (targets checked per batch stay a step);
    # otherwise the kernel runs as one call on targets prepared per step.
    planned = loss.kernel_steps(t, za, logits, ws) if _views(t, y) else None
    if planned is not None:
        kernel_steps, values, grad, probs = planned
        for fn, args in kernel_steps:
            fn(*args)
    else:
        values, grad, probs = loss.kernel(t, za, logits, ws)
    if not (_is_static(values, ws) and _is_static(grad, ws)):
        return None  # a kernel that allocates its results: replay it generically
    scale = _losses.reduction_scale(values, reduction)
    head: Tensor = call.result[0] if with_probs else call.result
    total = np.empty((), head.data.dtype)
    b.output(head, total)
    if with_probs:
        if probs is None or not _is_static(probs, ws):
            return None
        b.output(call.result[1], probs)
    b.nbytes += ws.nbytes
    cast = head.data.dtype.type
    reduce: list[Step] = [
        (np.add.reduce, (values, None, None, total)),
        (np.multiply, (total, scale, total)),
    ]
    if planned is not None:
        check: list[Step] = [] if loss.static_targets else [(loss.targets, (y, za, ws))]
        forward = check + kernel_steps + reduce
    else:
        kernel, targets, fixed = loss.kernel, loss.targets, loss.static_targets

        def run_kernel() -> None:
            kernel(t if fixed else targets(y, za, ws), za, logits, ws)

        forward = [(run_kernel, ()), *reduce]

    @first_edge
    def make_backward(g: np.ndarray, edge: np.ndarray, writer: GradWriter) -> list[Step]:
        if g.shape == () and not g.flags.writeable and g == 1.0:  # the root's constant 1
            return [(np.multiply, (grad, cast(scale), edge))]

        def backward() -> None:
            np.multiply(grad, cast(float(g) * scale), edge)

        return [(backward, ())]

    return Node(call, forward, make_backward, False)


def _raw(op: Any) -> Callable[..., Any]:
    return op.__wrapped_op__  # type: ignore[no-any-return]


#: Elementwise activation ops and the activation each applies.
_UNARY = {_raw(ops.relu): "relu", _raw(ops.sigmoid): "sigmoid", _raw(ops.tanh): "tanh"}


def unary_rule(call: Call, b: Builder) -> Node | None:
    """relu, sigmoid and tanh as ops (the Activation layer): eager's kernels into buffers."""
    a = _bound(call)
    act = a["name"] if call.fn is _raw(ops.activation) else _UNARY[call.fn]
    x = a["a"]
    if act not in _BACKWARD_INTO or not isinstance(x, Tensor):
        return None
    fwd, bwd, _ = ops.ACTIVATION_RULES[act]
    out: Tensor = call.result
    y = b.scratch(out.data)
    b.output(out, y)

    def make_backward(
        g: np.ndarray, edges: list[np.ndarray | None], writer: GradWriter
    ) -> list[Step]:
        return [] if edges[0] is None else [(bwd, (g, None, y, edges[0]))]

    return Node(call, [(fwd, (b.static(x, "op"), y))], make_backward, False)


def add_rule(call: Call, b: Builder) -> Node | None:
    """`a + b` of two tensors of one shape (Add layers, residual connections)."""
    a = _bound(call)
    left, right = a["a"], a["b"]
    if not (isinstance(left, Tensor) and isinstance(right, Tensor)):
        return None
    la, ra = b.static(left, "op 'add'"), b.static(right, "op 'add'")
    if la.shape != ra.shape or la.dtype != ra.dtype:
        return None
    out: Tensor = call.result
    y = b.scratch(out.data)
    b.output(out, y)

    def make_backward(
        g: np.ndarray, edges: list[np.ndarray | None], writer: GradWriter
    ) -> list[Step]:
        return [(np.copyto, (edge, g)) for edge in edges if edge is not None]

    return Node(call, [(np.add, (la, ra, y))], make_backward, False)


def mul_rule(call: Call, b: Builder) -> Node | None:
    """`a * b` of two tensors of one shape, or of a tensor and a constant scalar
    (Multiply-style merges, Bidirectional's "mul" and "ave"): one `np.multiply` each
    way, as eager's `ad * bd`, `g * bd` and `g * ad`."""
    a = _bound(call)
    operands = []
    for side, other in ((a["a"], a["b"]), (a["b"], a["a"])):
        if isinstance(side, Tensor):
            operands.append(b.static(side, "op 'mul'"))
        elif isinstance(other, Tensor) and np.ndim(side) == 0 and not isinstance(side, np.ndarray):
            operands.append(np.asarray(side, dtype=other.data.dtype))  # ops._pair's constant
        else:
            return None
    la, ra = operands
    out: Tensor = call.result
    tensors = [x for x, t in zip(operands, (a["a"], a["b"])) if isinstance(t, Tensor)]  # noqa: B905
    if any(x.shape != out.data.shape or x.dtype != out.data.dtype for x in tensors):
        return None  # a broadcast tensor's gradient is summed: replayed generically
    y = b.scratch(out.data)
    b.output(out, y)

    def make_backward(
        g: np.ndarray, edges: list[np.ndarray | None], writer: GradWriter
    ) -> list[Step]:
        pairs = zip(edges, (ra, la))  # noqa: B905 - edges may be shorter
        return [(np.multiply, (g, other, edge)) for edge, other in pairs if edge is not None]

    return Node(call, [(np.multiply, (la, ra, y))], make_backward, False)


def concatenate_rule(call: Call, b: Builder) -> Node | None:
    """`ops.concatenate` of tensors (Concatenate layers, Bidirectional's "concat"): one
    `np.concatenate(..., out=)`; each input's gradient is copied from its slice of g
    (eager hands on the same slices as views)."""
    a = _bound(call)
    tensors, axis = a["tensors"], a["axis"]
    if not isinstance(tensors, (list, tuple)) or not all(isinstance(t, Tensor) for t in tensors):
        return None
    arrays = [b.static(t, "op 'concatenate'") for t in tensors]
    out: Tensor = call.result
    if any(x.dtype != out.data.dtype for x in arrays):
        return None
    y = b.scratch(out.data)
    b.output(out, y)
    ax = axis % y.ndim
    bounds = np.cumsum([x.shape[ax] for x in arrays])[:-1]

    def make_backward(
        g: np.ndarray, edges: list[np.ndarray | None], writer: GradWriter
    ) -> list[Step]:
        parts = np.split(g, bounds, axis=ax)
        return [(np.copyto, (e, p)) for e, p in zip(edges, parts) if e is not None]  # noqa: B905

    return Node(call, [(partial(np.concatenate, axis=ax, out=y), (arrays,))], make_backward, False)


RULES: dict[Callable[..., Any], Callable[[Call, Builder], Node | None]] = {
    _raw(ops.dense): dense_rule,
    _raw(_losses.Loss._node): loss_rule,
    _raw(_losses._CrossEntropy.call_from_logits_with_probs): loss_rule,
    _raw(ops.activation): unary_rule,
    **dict.fromkeys(_UNARY, unary_rule),
    _raw(ops.add): add_rule,
    _raw(ops.concatenate): concatenate_rule,
    _raw(ops.mul): mul_rule,
}

__all__ = [
    "RULES",
    "PlanError",
    "add_rule",
    "concatenate_rule",
    "dense_rule",
    "loss_rule",
    "mul_rule",
    "unary_rule",
]
