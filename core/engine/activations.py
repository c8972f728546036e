"""Activation functions by their Keras names, resolved with `get(name)`.

Each activation is a function Tensor -> Tensor carrying its Keras name as
`__name__`; `get` accepts a name, None (linear) or a callable and raises a
ConfigError that suggests the closest name for a typo. The math lives in
`core.engine.ops.ACTIVATION_RULES`, shared with the fused dense op.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from core.engine import ops
from core.engine.autograd import Tensor, as_tensor
from core.errors import ConfigError

Activation = Callable[[Tensor], Tensor]


def linear(x: Any) -> Tensor:
    return as_tensor(x)


def relu(x: Any) -> Tensor:
    return ops.relu(x)


def sigmoid(x: Any) -> Tensor:
    return ops.sigmoid(x)


def tanh(x: Any) -> Tensor:
    return ops.tanh(x)


def softmax(x: Any, axis: int = -1) -> Tensor:
    return ops.softmax(x, axis=axis)


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Tensor:
    return ops.leaky_relu(x, negative_slope)


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    return ops.elu(x, alpha)


def selu(x: Any) -> Tensor:
    return ops.selu(x)


def gelu(x: Any, approximate: bool = False) -> Tensor:
    return ops.gelu(x, approximate=approximate)


def softplus(x: Any) -> Tensor:
    return ops.softplus(x)


def softsign(x: Any) -> Tensor:
    return ops.softsign(x)


def swish(x: Any) -> Tensor:
    return ops.swish(x)


def silu(x: Any) -> Tensor:
    return ops.swish(x)


def exponential(x: Any) -> Tensor:
    return ops.exp(x)


def hard_sigmoid(x: Any) -> Tensor:
    return ops.hard_sigmoid(x)


_BY_NAME: dict[str, Activation] = {
    f.__name__: f
    for f in (
        linear,
        relu,
        sigmoid,
        tanh,
        softmax,
        leaky_relu,
        elu,
        selu,
        gelu,
        softplus,
        softsign,
        swish,
        silu,
        exponential,
        hard_sigmoid,
    )
}

#: Keras names accepted by `get`, in palette order.
NAMES: tuple[str, ...] = tuple(_BY_NAME)


def canonical_name(identifier: Any) -> str:
    """The Keras name for `identifier` (None -> 'linear'); ConfigError for unknown names."""
    if identifier is None:
        return "linear"
    if isinstance(identifier, str):
        key = identifier.strip().lower()
        if key in _BY_NAME:
            return key
        close = difflib.get_close_matches(key, NAMES, n=1)
        fix = f"Did you mean '{close[0]}'?" if close else None
        expected = f"one of: {', '.join(NAMES)}"
        raise ConfigError(
            f"Unknown activation '{identifier}'. Expected {expected}." + (f" {fix}" if fix else ""),
            expected=expected,
            received=f"'{identifier}'",
            fix=fix,
        )
    name = getattr(identifier, "__name__", None)
    if callable(identifier) and name in _BY_NAME and _BY_NAME[name] is identifier:
        return name
    raise ConfigError(
        f"Expected an activation name such as 'relu' or None. Received: {identifier!r}"
    )


def get(identifier: Any) -> Activation:
    """The activation for a Keras name, None (linear) or a callable (returned as is)."""
    if callable(identifier) and not isinstance(identifier, str):
        return identifier
    return _BY_NAME[canonical_name(identifier)]


def serialize(fn: Any) -> str:
    """The Keras name of a built-in activation."""
    return canonical_name(fn)
