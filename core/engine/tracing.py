"""Recording one training step so that `core.engine.plan` can replay it.

`traceable` marks a differentiable op: a primitive of `core.engine.ops`, a loss's
entry point, a regularizer. While a `Trace` records on this thread (`recording`),
every outermost call of a marked op becomes a `Call` (the function, its arguments,
its result and, when the result is a graph node, that node's parents and which of
them its backward closure fed); ops called from inside a marked op are part of it.
`Tensor.backward` reports the order in which it visits nodes (`walk_log`), so a plan
accumulates gradients in exactly eager's order. Outside a trace a marked op costs one
thread-local lookup more than the bare function. Nothing here knows any op: a layer
built from marked ops is recorded as it is.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

_state = threading.local()


@dataclass
class Call:
    """One recorded op call.

    `fn` is the undecorated function, `args`/`kwargs` what it was given, `result` what it
    returned. `parents` and `fed` describe the graph node the call made, if any: its
    `_parents` at creation and, per parent, the (shape, dtype) of the gradient its
    backward returned, or None where it returned none (`fed` stays None until eager's
    backward ran the closure).
    """

    fn: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    result: Any
    parents: tuple[Any, ...] = ()
    fed: tuple[tuple[tuple[int, ...], Any] | None, ...] | None = None


@dataclass
class Trace:
    """What one step did: its op calls in order, and the nodes backward visited in order."""

    calls: list[Call] = field(default_factory=list)
    walk: list[Any] = field(default_factory=list)
    depth: int = 0


def active() -> Trace | None:
    """The trace recording on this thread, or None."""
    return getattr(_state, "trace", None)


@contextmanager
def recording(trace: Trace) -> Iterator[Trace]:
    """Record marked op calls (and backward's visiting order) into `trace` for the block."""
    previous = getattr(_state, "trace", None)
    _state.trace = trace
    try:
        yield trace
    finally:
        _state.trace = previous


def walk_log() -> list[Any] | None:
    """The list `Tensor.backward` appends each visited node to, while a trace records."""
    trace = getattr(_state, "trace", None)
    return None if trace is None else trace.walk


def _watch_backward(call: Call, node: Any) -> None:
    """Wrap the node's backward closure so the call learns which parents it fed."""
    inner = node._backward

    def backward(g: Any) -> Any:
        grads = inner(g)
        call.fed = tuple(None if pg is None else (pg.shape, pg.dtype) for pg in grads)
        return grads

    node._backward = backward


def traceable(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Mark `fn` as an op whose outermost calls a trace records (see the module docstring)."""

    @functools.wraps(fn)
    def op(*args: Any, **kwargs: Any) -> Any:
        trace = getattr(_state, "trace", None)
        if trace is None or trace.depth:
            return fn(*args, **kwargs)
        trace.depth = 1
        try:
            result = fn(*args, **kwargs)
        finally:
            trace.depth = 0
        call = Call(fn, args, kwargs, result)
        node = result[0] if type(result) is tuple and result else result
        if getattr(node, "_backward", None) is not None:
            call.parents = node._parents
            _watch_backward(call, node)
        trace.calls.append(call)
        return result

    op.__wrapped_op__ = fn  # type: ignore[attr-defined]
    return op
