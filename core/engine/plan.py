"""A training step traced once and replayed: the seed's computation graph, run by a session.

A step of a shape seen before runs eagerly while `core.engine.tracing` records it:
every op call of the forward pass and the loss, and the order in which backward
visited the graph. `build` turns that record into a `Plan`: flat lists of calls
(NumPy functions and small kernels with their arguments bound) over arrays allocated
once — every intermediate, gradient and scratch array is preallocated and written
with `out=`. Ops with a rule in `core.engine.plan_rules` (dense layers with their
activation chains fused in place, the built-in losses), `plan_rules_conv`
(convolution, pooling, reshapes) and `plan_rules_recurrent` (the embedding, the
LSTM) run allocation-free; any
other traced op is replayed by calling it again on the plan's arrays (it allocates,
but computes exactly what eager computes). Backward adds gradient contributions in
eager's visiting order, so a plan's results are bit-identical to eager's; the update
is the optimizer's own flat-buffer step. A step the tracer cannot replay (a value
computed outside the traced ops, a graph node made by an untraced function) keeps
running eagerly, and `StepRunner.info` says why.

`StepRunner` (one per model) keeps plans per step kind ("train", "test", "predict")
and per input shapes — the last, partial batch of an epoch gets its own — and owns
the input buffers the trainer gathers batches into.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, partial
from threading import get_ident
from typing import Any

import numpy as np

from core.engine.autograd import Tensor, no_grad
from core.engine.tracing import Call, Trace, recording

Step = tuple[Callable[..., Any], tuple[Any, ...]]
Kind = str  # "train" | "test" | "predict"

#: Plans kept per step kind (full batches, the last partial batch, a validation size...).
MAX_PLANS = 4


class PlanError(Exception):
    """The traced step holds something a plan cannot replay; the message says what."""


@dataclass(frozen=True)
class PlanInfo:
    """How a model's steps of one kind run: `mode` "planned" or "eager", and why.

    `calls` counts the traced op calls, `generic` names those replayed by calling the
    op again (they allocate), `nbytes` is the memory the plan preallocated.
    """

    kind: Kind
    mode: str
    reason: str = ""
    calls: int = 0
    generic: tuple[str, ...] = ()
    nbytes: int = 0


def op_name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", getattr(fn, "__name__", repr(fn)))


# ------------------------------------------------------------------- values
class Value:
    """A value of the traced step at replay: the array holding it and, for op arguments,
    a Tensor over that array with the trace's requires_grad."""

    __slots__ = ("array", "tensor", "requires_grad", "contribs", "grad", "pinned")

    def __init__(self, array: np.ndarray, tensor: Tensor | None, requires_grad: bool) -> None:
        self.array = array
        self.tensor = tensor
        self.requires_grad = requires_grad
        self.contribs: list[Any] = []  # gradient contributions (arrays or slots), eager's order
        self.grad: np.ndarray | None = None  # the summed gradient, once wired
        # whether a step reads `array` itself (a rule, a result): a generic op's output is
        # then copied into it; otherwise the output is handed on by reference, as in eager
        self.pinned = False


def _wrap(array: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor(array)
    t.requires_grad = requires_grad
    return t


class Node:
    """One traced call at replay: forward steps, and how to make its backward steps."""

    __slots__ = ("call", "forward", "make_backward", "generic")

    def __init__(
        self,
        call: Call,
        forward: list[Step],
        make_backward: Callable[..., list[Step]] | None,
        generic: bool,
    ) -> None:
        self.call, self.forward, self.make_backward, self.generic = (
            call,
            forward,
            make_backward,
            generic,
        )


class GradWriter:
    """Writes parameter gradients into the optimizer's gradient views.

    The first contribution a parameter gets in a step is written (`out=`), later ones
    are added; eager adds every contribution to a zeroed buffer, which gives the same
    values.
    """

    def __init__(self, views: dict[int, np.ndarray]) -> None:
        self.views = views
        self.written: set[int] = set()
        self.scratch: list[np.ndarray] = []

    def view(self, var: Any) -> np.ndarray:
        try:
            return self.views[id(var)]
        except KeyError:
            raise PlanError(
                f"weight '{getattr(var, 'path', '?')}' gets a gradient but the optimizer "
                "does not hold it"
            ) from None

    def target(self, var: Any) -> tuple[np.ndarray, np.ndarray | None]:
        """(array to write the contribution into, the view to add it to after, or None)."""
        view = self.view(var)
        if id(var) not in self.written:
            self.written.add(id(var))
            return view, None
        tmp = np.empty_like(view)
        self.scratch.append(tmp)
        return tmp, view


class Builder:
    """Maps the trace's tensors and arrays to the plan's preallocated arrays."""

    def __init__(self, inputs: Sequence[np.ndarray]) -> None:
        self.values: dict[int, Value] = {}
        self.inputs = {id(a) for a in inputs}
        for a in inputs:
            self.values[id(a)] = v = Value(a, _wrap(a, False), False)
            v.pinned = True
        self.nbytes = 0
        self.keep: list[Any] = []  # trace objects whose ids key `values`

    # -------------------------------------------------------------- arguments
    def value(self, obj: Any, where: str) -> Value:
        """The plan's Value for a Tensor or array the trace passed to an op."""
        v = self.values.get(id(obj))
        if v is not None:
            return v
        if isinstance(obj, Tensor):
            from core.engine.layers.base import Variable

            if isinstance(obj, Variable):
                v = Value(obj.data, obj, obj.requires_grad)
            else:
                src = self.values.get(id(obj.data))
                if src is None or obj._parents:
                    raise PlanError(
                        f"{where} received a tensor computed outside the traced ops (for "
                        "example with NumPy on .data); such a step runs eagerly"
                    )
                src.pinned = True  # this other tensor over the same array reads it in place
                v = Value(src.array, _wrap(src.array, obj.requires_grad), obj.requires_grad)
            self.keep.append(obj)
            self.values[id(obj)] = v
            return v
        raise PlanError(
            f"{where} received an array computed outside the traced ops; such a step runs eagerly"
        )

    def static(self, obj: Any, where: str) -> np.ndarray:
        """The array that holds a traced value at replay, for a step that reads it in place."""
        v = self.value(obj, where)
        v.pinned = True
        return v.array

    def arg(self, obj: Any, where: str) -> Any:
        """What a replayed call gets for a traced argument (Tensors, arrays, or as is)."""
        if isinstance(obj, Tensor):
            return self.value(obj, where).tensor
        if isinstance(obj, np.ndarray):
            return self.static(obj, where)
        if isinstance(obj, (list, tuple)) and any(
            isinstance(o, (Tensor, np.ndarray, list, tuple)) for o in obj
        ):
            return type(obj)(self.arg(o, where) for o in obj)
        if isinstance(obj, dict):
            return {k: self.arg(v, where) for k, v in obj.items()}
        return obj

    # ---------------------------------------------------------------- outputs
    def output(self, obj: Any, array: np.ndarray | None = None) -> np.ndarray:
        """Register a call's output (Tensor or array); returns the array that holds it."""
        known = self.values.get(id(obj))
        if known is not None:  # the op handed back one of its inputs
            return known.array
        data = obj.data if isinstance(obj, Tensor) else obj
        if array is None:
            array = np.empty_like(data)
            self.nbytes += array.nbytes
        rg = bool(getattr(obj, "requires_grad", False))
        v = Value(array, _wrap(array, rg), rg)
        self.keep.append(obj)
        self.values[id(obj)] = v
        if isinstance(obj, Tensor) and id(data) not in self.values:
            self.keep.append(data)
            self.values[id(data)] = v
        return array

    def scratch(self, like: np.ndarray) -> np.ndarray:
        arr = np.empty_like(like)
        self.nbytes += arr.nbytes
        return arr


# ------------------------------------------------------------- generic calls
def _outputs(result: Any) -> list[Any]:
    items = result if type(result) is tuple else (result,)
    return [o for o in items if isinstance(o, (Tensor, np.ndarray))]


def generic_node(call: Call, b: Builder) -> Node:
    """Replay `call` by calling its op again on the plan's arrays (it allocates).

    Its outputs and gradients are handed on by reference, as eager does, except where a
    step reads a fixed array (a rule's input, a result, a sum of several gradients).
    """
    where = f"op '{op_name(call.fn)}'"
    args = tuple(b.arg(a, where) for a in call.args)
    kwargs = {k: b.arg(v, where) for k, v in call.kwargs.items()}
    items = call.result if type(call.result) is tuple else (call.result,)
    outs = [(i, o) for i, o in enumerate(items) if isinstance(o, (Tensor, np.ndarray))]
    targets = []
    for i, o in outs:
        known = id(o) in b.values  # the op handed back one of its inputs
        b.output(o)
        targets.append((i, None if known else b.values[id(o)]))
    fn = call.fn
    state: list[Any] = [None]
    single = type(call.result) is not tuple

    def forward() -> None:
        res = fn(*args, **kwargs)
        got = (res,) if single else res
        for i, tv in targets:
            if tv is not None:
                src = got[i].data if isinstance(got[i], Tensor) else got[i]
                if tv.pinned:
                    np.copyto(tv.array, src)
                else:
                    tv.tensor.data = src
        state[0] = got[0]

    def make_backward(g: Any, edges: list[Any], writer: GradWriter) -> list:
        def backward() -> None:
            grads = state[0]._backward(g[0] if type(g) is list else g)
            for dst, pg in zip(edges, grads):  # noqa: B905 - a closure may return more
                if type(dst) is list:
                    dst[0] = pg  # handed on by reference
                elif dst is not None:
                    np.copyto(dst, pg)

        return [(backward, ())]

    return Node(call, [(forward, ())], make_backward, True)


# ------------------------------------------------------------------- plans
class Plan:
    """A built step: input arrays, forward and backward step lists, result arrays."""

    def __init__(
        self,
        kind: Kind,
        inputs: list[np.ndarray],
        forward: list[Step],
        backward: list[Step],
        results: Any,
        info: PlanInfo,
        params: Any,
    ) -> None:
        self.kind = kind
        self.inputs = inputs
        self.forward = forward
        self.backward = backward
        self.results = results
        self.info = info
        self.params = params
        self.tag: Any = None
        self.thread = 0

    def load(self, arrays: Sequence[np.ndarray]) -> None:
        for dst, src in zip(self.inputs, arrays, strict=True):
            if src is not dst:
                np.copyto(dst, src)

    def run_forward(self) -> None:
        for fn, args in self.forward:
            fn(*args)

    def run(self, training: bool) -> float:
        """A loss step: forward, the loss value and, when training and the loss is finite,
        backward and the update. Returns the loss value."""
        for fn, args in self.forward:
            fn(*args)
        value = float(self.results[0])
        if training and value - value == 0.0:  # finite
            for fn, args in self.backward:
                fn(*args)
        return value

    def run_backward(self) -> None:
        for fn, args in self.backward:
            fn(*args)

    def describe(self) -> list[str]:
        """The plan as text, one line per call (for debugging)."""

        def show(a: Any) -> str:
            if isinstance(a, np.ndarray):
                return f"<{a.dtype}{list(a.shape)}>"
            return repr(a) if not callable(a) else op_name(a)

        def name(fn: Any) -> str:
            if isinstance(fn, partial):
                kw = ", ".join(f"{k}={show(v)}" for k, v in fn.keywords.items())
                return f"{op_name(fn.func)}[{kw}]"
            return op_name(fn)

        return [
            f"{part} {name(fn)}({', '.join(show(a) for a in args)})"
            for part, steps in (("fwd", self.forward), ("bwd", self.backward))
            for fn, args in steps
        ]


@cache
def _rules() -> dict[Callable[..., Any], Callable[[Call, Builder], Node | None]]:
    """Every replay rule: dense layers and losses, convolution and pooling, sequences."""
    from core.engine import plan_rules, plan_rules_conv, plan_rules_recurrent

    return {**plan_rules.RULES, **plan_rules_conv.RULES, **plan_rules_recurrent.RULES}


def build(
    kind: Kind,
    trace: Trace,
    inputs: list[np.ndarray],
    returned: Any,
    optimizer: Any = None,
    root: Tensor | None = None,
) -> Plan:
    """A Plan from a recorded step. `returned` is what the traced function returned
    (Tensors and arrays, nested in lists/tuples); `root` the loss backward started from."""
    b = Builder(inputs)
    rules = _rules()
    nodes: dict[int, Node] = {}
    forward: list[Step] = []
    generic: list[str] = []
    for call in trace.calls:
        rule = rules.get(call.fn)
        node = rule(call, b) if rule is not None else None
        if node is None:
            node = generic_node(call, b)
            generic.append(op_name(call.fn))
        forward.extend(node.forward)
        head = call.result[0] if type(call.result) is tuple else call.result
        if isinstance(head, Tensor):
            nodes[id(head)] = node
    backward: list[Step] = []
    params = None
    if kind == "train":
        backward = _backward_steps(trace, b, nodes, optimizer, root)
        backward.append((optimizer.step, ()))
        params = optimizer.parameter_buffer
    results = _map_results(returned, b)
    info = PlanInfo(kind, "planned", "", len(trace.calls), tuple(dict.fromkeys(generic)), b.nbytes)
    return Plan(kind, list(inputs), forward, backward, results, info, params)


def _map_results(returned: Any, b: Builder) -> Any:
    if isinstance(returned, (list, tuple)):
        return type(returned)(_map_results(r, b) for r in returned)
    if isinstance(returned, (Tensor, np.ndarray)):
        v = b.values.get(id(returned))
        if v is None and isinstance(returned, Tensor):
            v = b.values.get(id(returned.data))
        if v is None:
            raise PlanError("the step's result was computed outside the traced ops")
        v.pinned = True
        return v.array
    return returned


def _backward_steps(
    trace: Trace, b: Builder, nodes: dict[int, Node], optimizer: Any, root: Tensor | None
) -> list[Step]:
    """Backward in eager's visiting order, summing each gradient's contributions in the
    order eager summed them."""
    views = {
        id(v): v.grad
        for v in optimizer.variables
        if v.grad is not None and np.shares_memory(v.grad, optimizer.gradient_buffer)
    }
    writer = GradWriter(views)
    steps: list[Step] = []
    if root is None or not trace.walk:
        return steps
    if trace.walk[0] is not root:
        raise PlanError("backward did not start from the step's loss")
    ones = np.ones(root.data.shape, root.data.dtype)
    ones.flags.writeable = False  # the root's gradient: rules may treat it as the constant 1
    b.values[id(root)].grad = ones
    counts = _contribution_counts(trace, nodes, root)
    for t in trace.walk:
        v = b.values.get(id(t))
        if v is None:
            raise PlanError("backward visited a graph node made outside the traced ops")
        g = v.grad if t is root else _sum_contributions(v, b, steps)
        node = nodes.get(id(t))
        if node is None:  # a leaf: a weight
            if t._parents or t._backward is not None:
                raise PlanError("backward visited a graph node made outside the traced ops")
            if g is not None:
                dst, add_to = writer.target(t)
                if type(g) is list:
                    steps.append((_from_slot, (dst, g, add_to is not None)))
                else:
                    steps.append(
                        (np.copyto, (dst, g)) if add_to is None else (np.add, (add_to, g, add_to))
                    )
            continue
        if g is None:
            continue
        call = node.call
        if call.fed is None or node.make_backward is None:
            raise PlanError(f"op '{op_name(call.fn)}' made a graph node it cannot replay")
        edges: list[np.ndarray | None] = []
        for parent, fed in zip(call.parents, call.fed):  # noqa: B905 - may return more
            if not parent.requires_grad or not fed:
                edges.append(None)
                continue
            pv = b.value(parent, f"op '{op_name(call.fn)}'")
            target = nodes.get(id(parent))
            if node.generic and counts.get(id(parent)) == 1 and (target is None or target.generic):
                edge: Any = [None]  # a slot: the gradient is handed on by reference
            else:
                edge = np.empty(*fed)
                b.nbytes += edge.nbytes
            pv.contribs.append(edge)
            edges.append(edge)
        steps.extend(node.make_backward(g, edges, writer))
    unwritten = [view for key, view in views.items() if key not in writer.written and view.size]
    if unwritten:
        steps.insert(0, (_zero_all, (unwritten,)))
    return steps


def _contribution_counts(trace: Trace, nodes: dict[int, Node], root: Tensor) -> dict[int, int]:
    """id(node) -> how many gradient contributions it receives in eager's walk."""
    counts: dict[int, int] = {}
    for t in trace.walk:
        node = nodes.get(id(t))
        if node is None or (t is not root and not counts.get(id(t))):
            continue
        call = node.call
        for parent, fed in zip(call.parents, call.fed or ()):  # noqa: B905
            if parent.requires_grad and fed:
                counts[id(parent)] = counts.get(id(parent), 0) + 1
    return counts


def _from_slot(dst: np.ndarray, slot: list[Any], add: bool) -> None:
    if add:
        dst += slot[0]
    else:
        np.copyto(dst, slot[0])


def _zero_all(arrays: list[np.ndarray]) -> None:
    for a in arrays:
        a.fill(0)


def _sum_contributions(v: Value, b: Builder, steps: list[Step]) -> np.ndarray | None:
    """The summed gradient of a value, adding contributions in order (eager's prev + pg)."""
    c = v.contribs
    if not c:
        return None
    if len(c) == 1:
        return c[0]
    acc = np.empty(np.broadcast_shapes(*(a.shape for a in c)), np.result_type(*c))
    b.nbytes += acc.nbytes
    steps.append((np.add, (c[0], c[1], acc)))
    for extra in c[2:]:
        steps.append((np.add, (acc, extra, acc)))
    return acc


def _check_effects(trace: Trace, watch: Sequence[Any], before: Sequence[np.ndarray]) -> None:
    """Raise PlanError when a watched variable changed other than through a traced effect."""
    from core.engine.layer_ops import EFFECT_OPS

    effects = {getattr(op, "__wrapped_op__", op) for op in EFFECT_OPS}
    written = {id(c.args[0]) for c in trace.calls if c.fn in effects and c.args}
    for v, old in zip(watch, before, strict=True):
        if id(v) not in written and not np.array_equal(v.data, old, equal_nan=True):
            raise PlanError(
                f"weight '{getattr(v, 'path', '?')}' changed during the step outside the "
                "traced ops (a layer that updates its state with NumPy)"
            )


# ------------------------------------------------------------------ runner
def _key(tag: Any, arrays: Sequence[np.ndarray]) -> Any:
    # per thread: a predict on one thread never writes into the arrays a step of another
    # thread reads (the app trains in a worker thread)
    return (get_ident(), tag, *((a.shape, a.dtype) for a in arrays))


class StepRunner:
    """Runs a model's steps through plans, tracing and rebuilding them as shapes change.

    A step hands over its arrays in a fixed order (inputs, targets, sample weights) and a
    `tag` that says how they are laid out; a plan is kept per step kind and per tag,
    shapes and dtypes (`MAX_PLANS` per kind, least recently traced dropped first) and is
    valid while the optimizer's parameter buffer is the one it was built on.
    """

    def __init__(self) -> None:
        self.plans: dict[Kind, OrderedDict[Any, Plan]] = {
            k: OrderedDict() for k in ("train", "test", "predict")
        }
        self.last: dict[tuple[Kind, int], Plan] = {}  # per (kind, thread): the plan last run
        self.failed: dict[Any, str] = {}
        self.seen: set[Any] = set()
        self.buffers: OrderedDict[Any, list[np.ndarray]] = OrderedDict()
        self.infos: dict[Kind, PlanInfo] = {}
        self.eager_reason = ""

    def reset(self, reason: str = "") -> None:
        """Forget every plan (the model, its loss or its optimizer changed); with a
        `reason`, run eagerly from now on."""
        for plans in self.plans.values():
            plans.clear()
        self.last.clear()
        self.failed.clear()
        self.seen.clear()
        self.infos.clear()
        self.eager_reason = reason

    def info(self, kind: Kind) -> PlanInfo:
        if self.eager_reason:
            return PlanInfo(kind, "eager", self.eager_reason)
        return self.infos.get(kind, PlanInfo(kind, "eager", "no step of this kind has run yet"))

    def input_buffers(self, specs: Sequence[tuple[tuple[int, ...], Any]]) -> list[np.ndarray]:
        """The runner's arrays of these (shape, dtype) specs: a batch gathers into them,
        and a plan traced on them reads them in place."""
        key = (get_ident(), *((tuple(shape), np.dtype(dtype)) for shape, dtype in specs))
        bufs = self.buffers.get(key)
        if bufs is None:
            bufs = [np.empty(shape, dtype) for shape, dtype in key[1:]]
            self.buffers[key] = bufs
            while len(self.buffers) > 3 * MAX_PLANS:
                self.buffers.popitem(last=False)
        return bufs

    def lookup(
        self, kind: Kind, tag: Any, arrays: Sequence[np.ndarray], params: Any
    ) -> Plan | None:
        """The valid plan for a step of these arrays, or None."""
        plan = self.plans[kind].get(_key(tag, arrays))
        if plan is None or plan.params is not params:
            return None
        self.last[(kind, plan.thread)] = plan
        return plan

    def will_trace(self, kind: Kind, tag: Any, arrays: Sequence[np.ndarray]) -> bool:
        """Whether a step of these arrays should be traced: not eager, not known to fail,
        and the second of its shapes (a shape seen once, such as `train_on_batch` on odd
        sizes, is not worth a plan)."""
        key = (kind, _key(tag, arrays))
        if self.eager_reason or key in self.failed:
            return False
        if key not in self.seen:
            if len(self.seen) > 64:
                self.seen.clear()
            self.seen.add(key)
            return False
        return True

    def trace(
        self,
        kind: Kind,
        tag: Any,
        arrays: Sequence[np.ndarray],
        traced: Callable[..., Any],
        optimizer: Any,
        params: Any,
        watch: Sequence[Any] = (),
    ) -> Any:
        """Run `traced` eagerly on the runner's input buffers while recording it, and keep
        the plan built from the record.

        For "train", `traced` returns (loss Tensor, results); backward and the
        optimizer's update follow here, and `(loss value, results)` is returned. Other
        kinds run without gradients and return what `traced` returned. `watch` lists
        variables (non-trainable weights) that only traced effect ops may change.
        """
        before = [np.array(v.data, copy=True) for v in watch]
        key = _key(tag, arrays)
        bufs = self.input_buffers([(a.shape, a.dtype) for a in arrays])
        for dst, src in zip(bufs, arrays, strict=True):
            if src is not dst:
                np.copyto(dst, src)
        trace = Trace()
        root = None
        if kind == "train":
            with recording(trace):
                loss_t, results = traced(*bufs)
            value = float(loss_t.data)
            out: Any = (value, results)
            returned: Any = (loss_t, results)
            if not math.isfinite(value):
                return out  # nothing to learn the backward from; trace again next step
            if loss_t.requires_grad:
                root = loss_t
                trace.depth = 1  # backward's closures are not forward calls
                with recording(trace):
                    loss_t.backward()
            optimizer.step()
        else:
            with recording(trace), no_grad():
                out = returned = traced(*bufs)
        try:
            _check_effects(trace, watch, before)
            plan = build(kind, trace, bufs, returned, optimizer, root)
        except PlanError as exc:
            self.failed[(kind, key)] = str(exc)
            self.infos[kind] = PlanInfo(kind, "eager", str(exc), len(trace.calls))
            return out
        plan.params = params
        plan.tag = tag
        plan.thread = key[0]
        plans = self.plans[kind]
        plans[key] = plan
        while len(plans) > MAX_PLANS:
            plans.popitem(last=False)
        self.last[(kind, plan.thread)] = plan
        self.infos[kind] = plan.info
        return out
