"""Reverse-mode automatic differentiation over NumPy arrays.

`Tensor` wraps an ndarray (float32 by default; float64 kept when given) and,
when gradients are enabled, remembers the parents it was computed from and a
backward closure that maps the output gradient to one gradient per parent.
`Tensor.backward()` walks an iterative topological order (no recursion, so a
chain of thousands of ops is fine) and *accumulates* into leaves' `.grad`.
A leaf whose `.grad` is already an array (a view into a model's flat gradient
buffer, for instance) is accumulated into in place.

The differentiable primitives live in `core.engine.ops`, which imports this module
(and never the other way round): Tensor's operators (`+`, `@`, `.sum()`, ...) call
them through `OPERATORS`, a table that `core.engine.ops` fills when it is imported
(`core.engine` imports it, so any engine import has the operators ready).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from core.engine.tracing import walk_log

Backward = Callable[[np.ndarray], Sequence["np.ndarray | None"]]

#: Names of the primitives Tensor's operators call (see `register_operators`).
OPERATOR_NAMES = (
    "add",
    "sub",
    "mul",
    "div",
    "neg",
    "pow",
    "matmul",
    "getitem",
    "sum",
    "mean",
    "max",
    "min",
    "reshape",
    "transpose",
    "abs",
)


class _OperatorTable:
    """The primitives behind Tensor's operators, one attribute per name in OPERATOR_NAMES."""

    def __getattr__(self, name: str) -> Any:  # only reached before registration
        raise RuntimeError(
            f"Tensor operator '{name}' is not registered. Expected core.engine.ops to be "
            "imported first (importing core.engine does it)."
        )


OPERATORS = _OperatorTable()


def register_operators(**primitives: Callable[..., Any]) -> None:
    """Install the primitives Tensor's operators call (`core.engine.ops` does, once)."""
    unknown = set(primitives) - set(OPERATOR_NAMES)
    if unknown:
        raise ValueError(f"Unknown Tensor operators: {sorted(unknown)}")
    for name, fn in primitives.items():
        setattr(OPERATORS, name, fn)


_state = threading.local()


def is_grad_enabled() -> bool:
    """Whether operations record the graph for backward (per thread)."""
    return getattr(_state, "enabled", True)


@contextmanager
def no_grad() -> Iterator[None]:
    """Run the block without recording operations for backward (per thread)."""
    previous = is_grad_enabled()
    _state.enabled = False
    try:
        yield
    finally:
        _state.enabled = previous


def _as_array(data: Any, dtype: Any = None) -> np.ndarray:
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        return np.asarray(data, dtype=dtype)
    arr = np.asarray(data)
    if arr.dtype == np.float64 or arr.dtype == np.float32:
        return arr
    return arr.astype(np.float32)


class Tensor:
    """An ndarray that can take part in automatic differentiation."""

    # `_keras_mask` (set only on some outputs, read with getattr): the (batch, steps)
    # boolean mask an Embedding(mask_zero=True) attaches for the layers after it.
    __slots__ = (
        "data",
        "grad",
        "requires_grad",
        "_parents",
        "_backward",
        "name",
        "_keras_mask",
        "__weakref__",
    )
    __array_priority__ = 1000.0

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        self.data: np.ndarray = _as_array(data, dtype)
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self._parents: tuple[Tensor, ...] = ()
        self._backward: Backward | None = None
        self.name = name

    @staticmethod
    def _make(data: np.ndarray, parents: tuple[Tensor, ...], backward: Backward) -> Tensor:
        """Create an op's output; records the graph only when a parent needs gradients."""
        out = Tensor.__new__(Tensor)
        out.data = data
        out.grad = None
        out.name = None
        out._parents = ()
        out._backward = None
        out.requires_grad = False
        if getattr(_state, "enabled", True):
            for p in parents:
                if p.requires_grad:
                    out.requires_grad = True
                    out._parents = parents
                    out._backward = backward
                    break
        return out

    # ----------------------------------------------------------------- basics
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def is_leaf(self) -> bool:
        return self._backward is None

    def __len__(self) -> int:
        return len(self.data)

    def numpy(self) -> np.ndarray:
        return self.data

    def item(self) -> float:
        return self.data.item()

    def detach(self) -> Tensor:
        """The same data, cut from the graph."""
        return Tensor(self.data, requires_grad=False)

    def zero_grad(self) -> None:
        self.grad = None

    def __repr__(self) -> str:
        rg = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({np.array2string(self.data, precision=4)}{rg})"

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype)

    # ---------------------------------------------------------------- backward
    def backward(self, grad: Any = None, *, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf that requires gradients."""
        if not self.requires_grad:
            raise RuntimeError(
                "backward() needs a tensor that depends on a tensor with requires_grad=True."
            )
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward() without a gradient needs a scalar. Received shape {self.shape};"
                    " pass grad= of the same shape or reduce with .sum() first."
                )
            g = np.ones(self.data.shape, self.data.dtype)
        else:
            g = _as_array(grad, self.data.dtype)
            if g.shape != self.data.shape:
                g = np.broadcast_to(g, self.data.shape)
        # Count, for every node that needs a gradient, how many graph edges lead
        # into it from above; then walk down from the root, releasing a node once
        # all its consumers have passed their gradient (Kahn's algorithm, no recursion).
        pending = _consumer_counts(self)
        grads: dict[int, np.ndarray] = {id(self): g}
        ready: list[Tensor] = [self]
        pop, push, take = ready.pop, ready.append, grads.pop
        log = walk_log()  # a plan being traced learns the visiting order
        while ready:
            node = pop()
            if log is not None:
                log.append(node)
            g = take(id(node), None)
            fn = node._backward
            if fn is None:
                if g is not None:
                    if node.grad is None:
                        node.grad = np.array(g, dtype=node.data.dtype, copy=True)
                    else:
                        node.grad += g
                continue
            parents = node._parents
            if not retain_graph:
                node._parents = ()
                node._backward = None
            parent_grads = (None,) * len(parents) if g is None else fn(g)
            for parent, pg in zip(parents, parent_grads):  # noqa: B905 - fn may return more
                if not parent.requires_grad:
                    continue
                key = id(parent)
                if pg is not None:
                    prev = grads.get(key)
                    grads[key] = pg if prev is None else prev + pg
                left = pending[key] - 1
                if left:
                    pending[key] = left
                else:
                    push(parent)

    # -------------------------------------------------------------- operators
    def __add__(self, other: Any) -> Tensor:
        return OPERATORS.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return OPERATORS.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return OPERATORS.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return OPERATORS.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return OPERATORS.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return OPERATORS.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return OPERATORS.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return OPERATORS.div(other, self)

    def __neg__(self) -> Tensor:
        return OPERATORS.neg(self)

    def __pow__(self, exponent: Any) -> Tensor:
        return OPERATORS.pow(self, exponent)

    def __matmul__(self, other: Any) -> Tensor:
        return OPERATORS.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return OPERATORS.matmul(other, self)

    def __getitem__(self, index: Any) -> Tensor:
        return OPERATORS.getitem(self, index)

    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return OPERATORS.sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return OPERATORS.mean(self, axis=axis, keepdims=keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return OPERATORS.max(self, axis=axis, keepdims=keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return OPERATORS.min(self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape: Any) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return OPERATORS.reshape(self, shape)

    def transpose(self, *axes: Any) -> Tensor:
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return OPERATORS.transpose(self, axes or None)

    @property
    def T(self) -> Tensor:  # noqa: N802 - NumPy's name
        return OPERATORS.transpose(self, None)

    # ------------------------------------- comparisons, conversions (no gradient)
    # Elementwise like NumPy and Keras tensors: `a == b` is a boolean Tensor, `bool(t)`
    # works for one element only, and hashing stays by identity.
    __hash__ = object.__hash__

    def _compare(self, other: Any, fn: Callable[[Any, Any], Any]) -> Tensor:
        out = np.asarray(fn(self.data, getattr(other, "data", other)))
        return Tensor(out, dtype=out.dtype)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.equal)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.not_equal)

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(other, np.less)

    def __le__(self, other: Any) -> Tensor:
        return self._compare(other, np.less_equal)

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater)

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater_equal)

    def __and__(self, other: Any) -> Tensor:
        return self._compare(other, np.logical_and)

    def __or__(self, other: Any) -> Tensor:
        return self._compare(other, np.logical_or)

    def __invert__(self) -> Tensor:
        out = np.invert(self.data) if self.data.dtype != np.bool_ else ~self.data
        return Tensor(out, dtype=out.dtype)

    def __abs__(self) -> Tensor:
        return OPERATORS.abs(self)

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.data)

    def __int__(self) -> int:
        return int(self.data)

    def __index__(self) -> int:
        return int(self.data)

    def __format__(self, spec: str) -> str:
        return format(self.data.item(), spec) if self.data.size == 1 else format(str(self), spec)


def _consumer_counts(root: Tensor) -> dict[int, int]:
    """id(node) -> number of edges into it from nodes reachable from `root` (iterative)."""
    counts: dict[int, int] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        for parent in node._parents:
            if parent.requires_grad:
                key = id(parent)
                if key in counts:
                    counts[key] += 1
                else:
                    counts[key] = 1
                    stack.append(parent)
    return counts


def accumulate_into(leaf: Tensor, grad: np.ndarray) -> None:
    """Add `grad` to `leaf.grad` (in place when it is already an array; `grad` is owned)."""
    if leaf.grad is None:
        leaf.grad = grad if grad.dtype == leaf.data.dtype else grad.astype(leaf.data.dtype)
    else:
        leaf.grad += grad


def as_tensor(value: Any, dtype: Any = None) -> Tensor:
    """`value` as a Tensor (constants get no gradient)."""
    if isinstance(value, Tensor):
        return value
    return Tensor(value, dtype=dtype)
