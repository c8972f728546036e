"""Differentiable primitives over `Tensor`, written as a table of gradient rules.

Each op computes its output with NumPy and hands `Tensor._make` a closure that
maps the output gradient to one gradient per input (None where an input needs
none). Every broadcasting binary op reduces its gradients with `unbroadcast`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.autograd import Tensor, as_tensor


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum `grad` down to `shape`, undoing NumPy broadcasting."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def _pair(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """Both operands as Tensors; a bare constant takes the other's dtype."""
    if isinstance(a, Tensor) and not isinstance(b, Tensor):
        b = Tensor(np.asarray(b, dtype=a.data.dtype))
    elif isinstance(b, Tensor) and not isinstance(a, Tensor):
        a = Tensor(np.asarray(a, dtype=b.data.dtype))
    return as_tensor(a), as_tensor(b)


# ------------------------------------------------------------------ arithmetic
def add(a: Any, b: Any) -> Tensor:
    a, b = _pair(a, b)
    sa, sb = a.data.shape, b.data.shape

    def backward(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return unbroadcast(g, sa), unbroadcast(g, sb)

    return Tensor._make(a.data + b.data, (a, b), backward)


def sub(a: Any, b: Any) -> Tensor:
    a, b = _pair(a, b)
    sa, sb = a.data.shape, b.data.shape

    def backward(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return unbroadcast(g, sa), unbroadcast(-g, sb)

    return Tensor._make(a.data - b.data, (a, b), backward)


def mul(a: Any, b: Any) -> Tensor:
    a, b = _pair(a, b)
    ad, bd = a.data, b.data

    def backward(g: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        return (
            unbroadcast(g * bd, ad.shape) if a.requires_grad else None,
            unbroadcast(g * ad, bd.shape) if b.requires_grad else None,
        )

    return Tensor._make(ad * bd, (a, b), backward)


def div(a: Any, b: Any) -> Tensor:
    a, b = _pair(a, b)
    ad, bd = a.data, b.data
    out = ad / bd

    def backward(g: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        return (
            unbroadcast(g / bd, ad.shape) if a.requires_grad else None,
            unbroadcast(-g * out / bd, bd.shape) if b.requires_grad else None,
        )

    return Tensor._make(out, (a, b), backward)


def neg(a: Any) -> Tensor:
    a = as_tensor(a)
    return Tensor._make(-a.data, (a,), lambda g: (-g,))


def pow(a: Any, exponent: Any) -> Tensor:  # noqa: A001 - mirrors NumPy's name
    """a ** exponent; the exponent may be a constant or a Tensor."""
    if isinstance(exponent, Tensor):
        a, e = _pair(a, exponent)
        out = a.data**e.data

        def backward_t(g: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
            ga = g * e.data * a.data ** (e.data - 1) if a.requires_grad else None
            ge = None
            if e.requires_grad:
                with np.errstate(divide="ignore", invalid="ignore"):
                    log_a = np.where(a.data > 0, np.log(np.where(a.data > 0, a.data, 1)), 0)
                ge = unbroadcast(g * out * log_a, e.data.shape)
            return (unbroadcast(ga, a.data.shape) if ga is not None else None), ge

        return Tensor._make(out, (a, e), backward_t)
    a = as_tensor(a)
    p = float(exponent)
    ad = a.data
    out = ad**p

    def backward(g: np.ndarray) -> tuple[np.ndarray]:
        return (g * p * ad ** (p - 1),)

    return Tensor._make(out.astype(ad.dtype, copy=False), (a,), backward)


def matmul(a: Any, b: Any) -> Tensor:
    a, b = _pair(a, b)
    ad, bd = a.data, b.data
    if ad.ndim < 2 or bd.ndim < 2:
        raise ValueError(
            f"matmul expects arrays of 2 or more dimensions. Received shapes {ad.shape} and "
            f"{bd.shape}."
        )

    def backward(g: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        ga = unbroadcast(g @ np.swapaxes(bd, -1, -2), ad.shape) if a.requires_grad else None
        gb = unbroadcast(np.swapaxes(ad, -1, -2) @ g, bd.shape) if b.requires_grad else None
        return ga, gb

    return Tensor._make(ad @ bd, (a, b), backward)


# ------------------------------------------------------------------ reductions
def _expand(g: np.ndarray, shape: tuple[int, ...], axis: Any, keepdims: bool) -> np.ndarray:
    """Broadcast a reduced gradient back to the input's shape."""
    if axis is None:
        return np.broadcast_to(g.reshape((1,) * len(shape)) if g.ndim else g, shape)
    if not keepdims:
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        axes = tuple(ax % len(shape) for ax in axes)
        g = np.expand_dims(g, axes)
    return np.broadcast_to(g, shape)


def sum(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    a = as_tensor(a)
    shape = a.data.shape
    out = np.sum(a.data, axis=axis, keepdims=keepdims)

    def backward(g: np.ndarray) -> tuple[np.ndarray]:
        return (_expand(g, shape, axis, keepdims),)

    return Tensor._make(np.asarray(out), (a,), backward)


def mean(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    a = as_tensor(a)
    shape = a.data.shape
    out = np.mean(a.data, axis=axis, keepdims=keepdims)
    count = a.data.size // (np.asarray(out).size or 1) if a.data.size else 1

    def backward(g: np.ndarray) -> tuple[np.ndarray]:
        return (_expand(g / count, shape, axis, keepdims),)

    return Tensor._make(np.asarray(out, dtype=a.data.dtype), (a,), backward)


def _extreme(a: Any, axis: Any, keepdims: bool, fn: Any) -> Tensor:
    a = as_tensor(a)
    shape = a.data.shape
    out = fn(a.data, axis=axis, keepdims=True)
    mask = a.data == out
    # Ties share the gradient equally, like TensorFlow's reduce_max.
    mask = mask / mask.sum(axis=axis, keepdims=True)
    if keepdims:
        result = out
    else:
        result = np.squeeze(out, axis=axis) if axis is not None else out.reshape(())

    def backward(g: np.ndarray) -> tuple[np.ndarray]:
        return (_expand(g, shape, axis, keepdims) * mask,)

    return Tensor._make(np.asarray(result), (a,), backward)


def max(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return _extreme(a, axis, keepdims, np.max)


def min(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return _extreme(a, axis, keepdims, np.min)


# --------------------------------------------------------------------- shaping
def reshape(a: Any, shape: tuple[int, ...]) -> Tensor:
    a = as_tensor(a)
    old = a.data.shape
    return Tensor._make(a.data.reshape(shape), (a,), lambda g: (g.reshape(old),))


def transpose(a: Any, axes: Any = None) -> Tensor:
    a = as_tensor(a)
    inverse = None if axes is None else tuple(np.argsort(axes))
    return Tensor._make(np.transpose(a.data, axes), (a,), lambda g: (np.transpose(g, inverse),))


def getitem(a: Any, index: Any) -> Tensor:
    a = as_tensor(a)
    if isinstance(index, Tensor):
        index = index.data.astype(np.intp)
    shape, dtype = a.data.shape, a.data.dtype

    def backward(g: np.ndarray) -> tuple[np.ndarray]:
        full = np.zeros(shape, dtype=dtype)
        np.add.at(full, index, g)  # correct for repeated fancy indices
        return (full,)

    return Tensor._make(a.data[index], (a,), backward)
