"""keras.layers: the layers LayerForge implements, `Layer` for subclassing, and add/concatenate.

`keras.layers.add([a, b])` and `concatenate([a, b], axis=-1)` are the
functional shortcuts for `Add()([a, b])` and `Concatenate(axis)([a, b])`.
Any other Keras layer (Conv2D, LSTM, Embedding, ...) raises
UnsupportedFeatureError naming it.
"""

from __future__ import annotations

from typing import Any

from core.engine.layers import (
    Activation,
    Add,
    BatchNormalization,
    Concatenate,
    Dense,
    Dropout,
    Flatten,
    Input,
    InputLayer,
    Layer,
    LayerNormalization,
    LeakyReLU,
    Normalization,
    ReLU,
    Reshape,
    Softmax,
    deserialize,
    serialize,
)
from core.keras._unsupported import missing_names


def add(inputs: list[Any], **kwargs: Any) -> Any:
    """The elementwise sum of `inputs` (keras.layers.add)."""
    return Add(**kwargs)(inputs)


def concatenate(inputs: list[Any], axis: int = -1, **kwargs: Any) -> Any:
    """`inputs` joined along `axis` (keras.layers.concatenate)."""
    return Concatenate(axis=axis, **kwargs)(inputs)


__all__ = [
    "Activation",
    "Add",
    "BatchNormalization",
    "Concatenate",
    "Dense",
    "Dropout",
    "Flatten",
    "Input",
    "InputLayer",
    "Layer",
    "LayerNormalization",
    "LeakyReLU",
    "Normalization",
    "ReLU",
    "Reshape",
    "Softmax",
    "add",
    "concatenate",
    "deserialize",
    "serialize",
]

__getattr__ = missing_names(__name__)
