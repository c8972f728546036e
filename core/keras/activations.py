"""keras.activations: activation functions by Keras name, differentiable on the engine."""

from __future__ import annotations

from core.engine.activations import (
    elu,
    exponential,
    gelu,
    get,
    hard_sigmoid,
    leaky_relu,
    linear,
    relu,
    selu,
    serialize,
    sigmoid,
    silu,
    softmax,
    softplus,
    softsign,
    swish,
    tanh,
)
from core.keras._unsupported import missing_names


def deserialize(config: object) -> object:
    """The activation function for a name or {"class_name": name} (Keras's serialized form)."""
    name = config.get("class_name") if isinstance(config, dict) else config
    return get(name)


__all__ = [
    "deserialize",
    "elu",
    "exponential",
    "gelu",
    "get",
    "hard_sigmoid",
    "leaky_relu",
    "linear",
    "relu",
    "selu",
    "serialize",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "softsign",
    "swish",
    "tanh",
]

__getattr__ = missing_names(__name__)
