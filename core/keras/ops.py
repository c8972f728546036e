"""keras.ops on LayerForge's engine: NumPy-like functions over `Tensor`.

Functions with a gradient (arithmetic, matmul, reductions, exp/log/sqrt,
where, clip, activations, reshaping) run through `core.engine.ops`, so a
custom layer, loss or metric written with them trains. The rest (comparisons,
argmax, casts, constructors, logical ops) compute with NumPy and return a
constant `Tensor` that keeps its dtype (bool, int32, ...). Every function
accepts Tensors, NumPy arrays and Python numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.engine import ops as _e
from core.engine.autograd import Tensor, as_tensor
from core.keras._unsupported import missing_names

_FLOATX = "float32"


def _arr(x: Any) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def _const(a: Any) -> Tensor:
    """A constant Tensor that keeps the array's dtype (Tensor() alone makes ints float)."""
    a = np.asarray(a)
    return Tensor(a, dtype=a.dtype)


def _float(x: Any) -> Tensor:
    """x as a float Tensor for a differentiable op (Tensors pass through)."""
    if isinstance(x, Tensor):
        if x.data.dtype.kind == "f":
            return x
        return Tensor(x.data.astype(_FLOATX))
    a = np.asarray(x)
    return Tensor(a if a.dtype.kind == "f" else a.astype(_FLOATX))


def _dtype(dtype: Any) -> np.dtype:
    return np.dtype("bool" if dtype in ("bool", bool) else dtype)


# ----------------------------------------------------------- tensor creation
def convert_to_tensor(x: Any, dtype: Any = None, sparse: Any = None, ragged: Any = None) -> Tensor:
    """x as a Tensor (floats stay float32/float64; ints and bools keep their type)."""
    if isinstance(x, Tensor) and dtype is None:
        return x
    a = _arr(x)
    if dtype is not None:
        a = a.astype(_dtype(dtype))
    elif a.dtype == np.float64 and not isinstance(x, np.ndarray):
        a = a.astype(_FLOATX)  # Python floats become float32, as in Keras
    return _const(a)


def convert_to_numpy(x: Any) -> np.ndarray:
    return np.array(_arr(x))


def cast(x: Any, dtype: Any) -> Tensor:
    a = _arr(x)
    target = _dtype(dtype)
    if isinstance(x, Tensor) and x.requires_grad and target.kind == "f":
        return _e.mul(x, Tensor(np.ones((), dtype=target)))
    return _const(a.astype(target))


def zeros(shape: Any, dtype: Any = None) -> Tensor:
    return _const(np.zeros(shape, _dtype(dtype or _FLOATX)))


def ones(shape: Any, dtype: Any = None) -> Tensor:
    return _const(np.ones(shape, _dtype(dtype or _FLOATX)))


def full(shape: Any, fill_value: Any, dtype: Any = None) -> Tensor:
    return _const(np.full(shape, _arr(fill_value), _dtype(dtype or _FLOATX)))


def zeros_like(x: Any, dtype: Any = None) -> Tensor:
    return _const(np.zeros_like(_arr(x), dtype=None if dtype is None else _dtype(dtype)))


def ones_like(x: Any, dtype: Any = None) -> Tensor:
    return _const(np.ones_like(_arr(x), dtype=None if dtype is None else _dtype(dtype)))


def full_like(x: Any, fill_value: Any, dtype: Any = None) -> Tensor:
    return _const(np.full_like(_arr(x), fill_value, None if dtype is None else _dtype(dtype)))


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: Any = None) -> Tensor:
    out = np.arange(start, stop, step) if stop is not None else np.arange(start)
    return _const(out if dtype is None else out.astype(_dtype(dtype)))


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, **kw: Any) -> Tensor:
    return _const(np.linspace(start, stop, num, endpoint=endpoint).astype(_FLOATX))


def eye(n: int, m: int | None = None, k: int = 0, dtype: Any = None) -> Tensor:
    return _const(np.eye(n, m, k, dtype=_dtype(dtype or _FLOATX)))


identity = eye


def one_hot(x: Any, num_classes: int, axis: int = -1, dtype: Any = None, **kw: Any) -> Tensor:
    labels = _arr(x).astype(np.int64)
    out = (labels[..., None] == np.arange(num_classes)).astype(_dtype(dtype or _FLOATX))
    if axis != -1:
        out = np.moveaxis(out, -1, axis)
    return _const(out)


def shape(x: Any) -> tuple[int, ...]:
    return tuple(np.shape(_arr(x)))


def ndim(x: Any) -> int:
    return int(np.ndim(_arr(x)))


def size(x: Any) -> int:
    return int(np.size(_arr(x)))


def dtype(x: Any) -> str:
    return str(_arr(x).dtype)


def is_tensor(x: Any) -> bool:
    return isinstance(x, Tensor)


def stop_gradient(x: Any) -> Tensor:
    return _const(np.array(_arr(x)))


# -------------------------------------------------------- differentiable math
def add(x1: Any, x2: Any) -> Tensor:
    return _e.add(_float(x1), _float(x2))


def subtract(x1: Any, x2: Any) -> Tensor:
    return _e.sub(_float(x1), _float(x2))


def multiply(x1: Any, x2: Any) -> Tensor:
    return _e.mul(_float(x1), _float(x2))


def divide(x1: Any, x2: Any) -> Tensor:
    return _e.div(_float(x1), _float(x2))


true_divide = divide


def divide_no_nan(x1: Any, x2: Any) -> Tensor:
    d = _float(x2)
    safe = np.where(d.data == 0, 1, d.data).astype(d.data.dtype)
    q = _e.div(_float(x1), _e.add(d, Tensor(safe - d.data)))
    return _e.where(d.data == 0, Tensor(np.zeros((), q.data.dtype)), q)


def negative(x: Any) -> Tensor:
    return _e.neg(_float(x))


def power(x1: Any, x2: Any) -> Tensor:
    if isinstance(x2, Tensor):
        return _e.pow(_float(x1), _float(x2))
    return _e.pow(_float(x1), float(np.asarray(x2)))


def square(x: Any) -> Tensor:
    t = _float(x)
    return _e.mul(t, t)


def sqrt(x: Any) -> Tensor:
    return _e.sqrt(_float(x))


def rsqrt(x: Any) -> Tensor:
    return _e.div(1.0, _e.sqrt(_float(x)))


def exp(x: Any) -> Tensor:
    return _e.exp(_float(x))


def expm1(x: Any) -> Tensor:
    return _e.sub(_e.exp(_float(x)), 1.0)


def log(x: Any) -> Tensor:
    return _e.log(_float(x))


def log1p(x: Any) -> Tensor:
    return _e.log(_e.add(_float(x), 1.0))


def log2(x: Any) -> Tensor:
    return _e.div(_e.log(_float(x)), float(np.log(2.0)))


def log10(x: Any) -> Tensor:
    return _e.div(_e.log(_float(x)), float(np.log(10.0)))


def absolute(x: Any) -> Tensor:
    return _e.abs(_float(x))


abs = absolute  # noqa: A001 - Keras's name


def clip(x: Any, x_min: Any, x_max: Any) -> Tensor:
    lo = None if x_min is None else float(np.asarray(_arr(x_min)))
    hi = None if x_max is None else float(np.asarray(_arr(x_max)))
    return _e.clip(_float(x), lo, hi)


def maximum(x1: Any, x2: Any) -> Tensor:
    return _e.maximum(_float(x1), _float(x2))


def minimum(x1: Any, x2: Any) -> Tensor:
    return _e.minimum(_float(x1), _float(x2))


def where(condition: Any, x1: Any = None, x2: Any = None) -> Any:
    if x1 is None and x2 is None:
        return tuple(_const(i) for i in np.nonzero(_arr(condition)))
    return _e.where(_arr(condition).astype(bool), _float(x1), _float(x2))


def matmul(x1: Any, x2: Any) -> Tensor:
    a, b = _float(x1), _float(x2)
    if a.ndim == 1 or b.ndim == 1:
        a2 = _e.reshape(a, (1, -1)) if a.ndim == 1 else a
        b2 = _e.reshape(b, (-1, 1)) if b.ndim == 1 else b
        out = _e.matmul(a2, b2)
        new_shape = np.matmul(np.empty(a.shape, np.float32), np.empty(b.shape, np.float32)).shape
        return _e.reshape(out, new_shape)
    return _e.matmul(a, b)


def dot(x1: Any, x2: Any) -> Tensor:
    a, b = _float(x1), _float(x2)
    if a.ndim == 0 or b.ndim == 0:
        return _e.mul(a, b)
    if a.ndim == 1 and b.ndim == 1:
        return _e.sum(_e.mul(a, b))
    return matmul(a, b)


def _axis(axis: Any) -> Any:
    return tuple(axis) if isinstance(axis, list) else axis


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return _e.sum(_float(x), axis=_axis(axis), keepdims=keepdims)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return _e.mean(_float(x), axis=_axis(axis), keepdims=keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False, initial: Any = None) -> Tensor:  # noqa: A001
    return _e.max(_float(x), axis=_axis(axis), keepdims=keepdims)


def min(x: Any, axis: Any = None, keepdims: bool = False, initial: Any = None) -> Tensor:  # noqa: A001
    return _e.min(_float(x), axis=_axis(axis), keepdims=keepdims)


amax, amin = max, min


def var(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    t = _float(x)
    centred = _e.sub(t, _e.mean(t, axis=_axis(axis), keepdims=True))
    return _e.mean(_e.mul(centred, centred), axis=_axis(axis), keepdims=keepdims)


def std(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return _e.sqrt(var(x, axis, keepdims))


def prod(x: Any, axis: Any = None, keepdims: bool = False, dtype: Any = None) -> Tensor:
    return _const(np.prod(_arr(x), axis=_axis(axis), keepdims=keepdims))


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    t = _float(x)
    m = Tensor(np.max(t.data, axis=_axis(axis), keepdims=True))
    s = _e.sum(_e.exp(_e.sub(t, m)), axis=_axis(axis), keepdims=True)
    out = _e.add(_e.log(s), m)
    if not keepdims:
        ax = _axis(axis)
        out = _e.reshape(out, np.squeeze(out.data, axis=ax).shape)
    return out


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A002
    t = _float(x)
    if ord not in (None, 2, "fro", "euclidean"):
        return _const(np.linalg.norm(t.data, ord=ord, axis=axis, keepdims=keepdims))
    return _e.sqrt(_e.sum(_e.mul(t, t), axis=_axis(axis), keepdims=keepdims))


def reshape(x: Any, newshape: Any) -> Tensor:
    if isinstance(newshape, int):
        newshape = (newshape,)
    return _e.reshape(_float(x), tuple(-1 if d is None else d for d in newshape))


def transpose(x: Any, axes: Any = None) -> Tensor:
    return _e.transpose(_float(x), None if axes is None else tuple(axes))


def expand_dims(x: Any, axis: Any) -> Tensor:
    t = _float(x)
    return _e.reshape(t, np.expand_dims(t.data, axis).shape)


def squeeze(x: Any, axis: Any = None) -> Tensor:
    t = _float(x)
    return _e.reshape(t, np.squeeze(t.data, axis).shape)


def ravel(x: Any) -> Tensor:
    return _e.reshape(_float(x), (-1,))


def concatenate(xs: Any, axis: int = 0) -> Tensor:
    return _e.concatenate([_float(x) for x in xs], axis=axis)


def stack(x: Any, axis: int = 0) -> Tensor:
    return _e.stack([_float(t) for t in x], axis=axis)


def take(x: Any, indices: Any, axis: Any = None) -> Tensor:
    t = _float(x)
    idx = _arr(indices).astype(np.intp)
    if axis is None:
        return _e.getitem(_e.reshape(t, (-1,)), idx)
    index = (slice(None),) * (axis % t.ndim) + (idx,)
    return _e.getitem(t, index)


def take_along_axis(x: Any, indices: Any, axis: Any = None) -> Tensor:
    return _const(np.take_along_axis(_arr(x), _arr(indices).astype(np.intp), axis))


def tile(x: Any, repeats: Any) -> Tensor:
    return _const(np.tile(_arr(x), repeats))


def repeat(x: Any, repeats: Any, axis: Any = None) -> Tensor:
    return _const(np.repeat(_arr(x), repeats, axis))


def split(x: Any, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
    t = _float(x)
    n = t.shape[axis]
    if isinstance(indices_or_sections, int):
        step = n // indices_or_sections
        bounds = list(range(step, n, step))[: indices_or_sections - 1]
    else:
        bounds = list(indices_or_sections)
    edges = [0, *bounds, n]
    ax = axis % t.ndim
    return [
        _e.getitem(t, (slice(None),) * ax + (slice(lo, hi),))
        for lo, hi in zip(edges[:-1], edges[1:], strict=True)
    ]


def flip(x: Any, axis: Any = None) -> Tensor:
    return _const(np.flip(_arr(x), axis))


def sort(x: Any, axis: int = -1) -> Tensor:
    return _const(np.sort(_arr(x), axis))


def argsort(x: Any, axis: int = -1) -> Tensor:
    return _const(np.argsort(_arr(x), axis).astype(np.int32))


def cumsum(x: Any, axis: Any = None, dtype: Any = None) -> Tensor:
    return _const(np.cumsum(_arr(x), axis))


def outer(x1: Any, x2: Any) -> Tensor:
    return _e.mul(_e.reshape(_float(x1), (-1, 1)), _e.reshape(_float(x2), (1, -1)))


def einsum(subscripts: str, *operands: Any) -> Tensor:
    return _const(np.einsum(subscripts, *[_arr(o) for o in operands]))


def tensordot(x1: Any, x2: Any, axes: Any = 2) -> Tensor:
    return _const(np.tensordot(_arr(x1), _arr(x2), axes))


def diag(x: Any, k: int = 0) -> Tensor:
    return _const(np.diag(_arr(x), k))


def trace(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    return _const(np.trace(_arr(x), offset, axis1, axis2))


# ----------------------------------------------------- constants from arrays
def _np_unary(fn: Any) -> Any:
    def op(x: Any) -> Tensor:
        return _const(fn(_arr(x)))

    op.__name__ = fn.__name__
    op.__doc__ = f"Elementwise numpy.{fn.__name__} (no gradient)."
    return op


def _np_binary(fn: Any) -> Any:
    def op(x1: Any, x2: Any) -> Tensor:
        return _const(fn(_arr(x1), _arr(x2)))

    op.__name__ = fn.__name__
    op.__doc__ = f"Elementwise numpy.{fn.__name__} (no gradient)."
    return op


equal = _np_binary(np.equal)
not_equal = _np_binary(np.not_equal)
greater = _np_binary(np.greater)
greater_equal = _np_binary(np.greater_equal)
less = _np_binary(np.less)
less_equal = _np_binary(np.less_equal)
logical_and = _np_binary(np.logical_and)
logical_or = _np_binary(np.logical_or)
logical_xor = _np_binary(np.logical_xor)
floor_divide = _np_binary(np.floor_divide)
mod = _np_binary(np.mod)
logical_not = _np_unary(np.logical_not)
floor = _np_unary(np.floor)
ceil = _np_unary(np.ceil)
sign = _np_unary(np.sign)
isnan = _np_unary(np.isnan)
isinf = _np_unary(np.isinf)
isfinite = _np_unary(np.isfinite)
sin = _np_unary(np.sin)
cos = _np_unary(np.cos)
tan = _np_unary(np.tan)
arctan = _np_unary(np.arctan)
reciprocal = _np_unary(np.reciprocal)


def round(x: Any, decimals: int = 0) -> Tensor:  # noqa: A001
    return _const(np.round(_arr(x), decimals))


def argmax(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return _const(np.argmax(_arr(x), axis=axis, keepdims=keepdims).astype(np.int32))


def argmin(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return _const(np.argmin(_arr(x), axis=axis, keepdims=keepdims).astype(np.int32))


def all(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return _const(np.all(_arr(x), axis=_axis(axis), keepdims=keepdims))


def any(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return _const(np.any(_arr(x), axis=_axis(axis), keepdims=keepdims))


def count_nonzero(x: Any, axis: Any = None) -> Tensor:
    return _const(np.count_nonzero(_arr(x), axis=_axis(axis)))


def top_k(x: Any, k: int, sorted: bool = True) -> tuple[Tensor, Tensor]:  # noqa: A002
    a = _arr(x)
    idx = np.argsort(-a, axis=-1)[..., :k]
    return _const(np.take_along_axis(a, idx, -1)), _const(idx.astype(np.int32))


def in_top_k(targets: Any, predictions: Any, k: int) -> Tensor:
    p = _arr(predictions)
    t = _arr(targets).astype(np.int64).reshape(-1)
    idx = np.argsort(-p, axis=-1)[:, :k]
    return _const((idx == t[:, None]).any(axis=1))


# ----------------------------------------------------------- neural network
def relu(x: Any) -> Tensor:
    return _e.relu(_float(x))


def relu6(x: Any) -> Tensor:
    return _e.clip(_e.relu(_float(x)), None, 6.0)


def sigmoid(x: Any) -> Tensor:
    return _e.sigmoid(_float(x))


def tanh(x: Any) -> Tensor:
    return _e.tanh(_float(x))


def softplus(x: Any) -> Tensor:
    return _e.softplus(_float(x))


def softsign(x: Any) -> Tensor:
    return _e.softsign(_float(x))


def silu(x: Any) -> Tensor:
    return _e.swish(_float(x))


swish = silu


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    return _e.elu(_float(x), alpha)


def selu(x: Any) -> Tensor:
    return _e.selu(_float(x))


def gelu(x: Any, approximate: bool = True) -> Tensor:
    return _e.gelu(_float(x), approximate)


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Tensor:
    return _e.leaky_relu(_float(x), negative_slope)


def hard_sigmoid(x: Any) -> Tensor:
    return _e.hard_sigmoid(_float(x))


def softmax(x: Any, axis: int = -1) -> Tensor:
    return _e.softmax(_float(x), axis=axis)


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    return _e.log_softmax(_float(x), axis=axis)


def log_sigmoid(x: Any) -> Tensor:
    return _e.neg(_e.softplus(_e.neg(_float(x))))


def normalize(x: Any, axis: int = -1, order: int = 2, epsilon: float | None = None) -> Tensor:
    t = _float(x)
    n = _e.sqrt(_e.sum(_e.mul(t, t), axis=axis, keepdims=True))
    return _e.div(t, _e.maximum(n, 1e-12 if epsilon is None else epsilon))


def binary_crossentropy(target: Any, output: Any, from_logits: bool = False) -> Tensor:
    from core.engine.losses import binary_crossentropy as bce

    return bce(as_tensor(_float(target)), _float(output), from_logits=from_logits)


def categorical_crossentropy(
    target: Any, output: Any, from_logits: bool = False, axis: int = -1
) -> Tensor:
    from core.engine.losses import categorical_crossentropy as cce

    return cce(_float(target), _float(output), from_logits=from_logits)


def sparse_categorical_crossentropy(
    target: Any, output: Any, from_logits: bool = False, axis: int = -1
) -> Tensor:
    from core.engine.losses import sparse_categorical_crossentropy as scce

    return scce(_arr(target), _float(output), from_logits=from_logits)


def moments(x: Any, axes: Any, keepdims: bool = False, **kw: Any) -> tuple[Tensor, Tensor]:
    return mean(x, axes, keepdims), var(x, axes, keepdims)


__all__ = sorted(  # every public function defined above, aliases included
    n
    for n, v in list(globals().items())
    if callable(v) and not n.startswith("_") and getattr(v, "__module__", "") == __name__
)

__getattr__ = missing_names(__name__)
