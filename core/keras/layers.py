"""keras.layers: the layers LayerForge implements, `Layer` for subclassing, and add/concatenate.

`keras.layers.add([a, b])` and `concatenate([a, b], axis=-1)` are the
functional shortcuts for `Add()([a, b])` and `Concatenate(axis)([a, b])`.
Any other Keras layer (TextVectorization, Conv3D, ...) raises
UnsupportedFeatureError naming it.
"""

from __future__ import annotations

from typing import Any

from core.engine.layers import (
    GRU,
    LSTM,
    Activation,
    Add,
    AveragePooling1D,
    AveragePooling2D,
    BatchNormalization,
    Bidirectional,
    Concatenate,
    Conv1D,
    Conv2D,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    Input,
    InputLayer,
    Layer,
    LayerNormalization,
    LeakyReLU,
    MaxPooling1D,
    MaxPooling2D,
    Normalization,
    Permute,
    ReLU,
    RepeatVector,
    Rescaling,
    Reshape,
    SimpleRNN,
    Softmax,
    SpatialDropout1D,
    SpatialDropout2D,
    TimeDistributed,
    UpSampling2D,
    ZeroPadding2D,
    deserialize,
    serialize,
)
from core.keras._unsupported import missing_names

# Keras's other names for the same classes.
AvgPool1D, AvgPool2D = AveragePooling1D, AveragePooling2D
MaxPool1D, MaxPool2D = MaxPooling1D, MaxPooling2D
GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D
GlobalMaxPool1D, GlobalMaxPool2D = GlobalMaxPooling1D, GlobalMaxPooling2D
Convolution1D, Convolution2D = Conv1D, Conv2D


def add(inputs: list[Any], **kwargs: Any) -> Any:
    """The elementwise sum of `inputs` (keras.layers.add)."""
    return Add(**kwargs)(inputs)


def concatenate(inputs: list[Any], axis: int = -1, **kwargs: Any) -> Any:
    """`inputs` joined along `axis` (keras.layers.concatenate)."""
    return Concatenate(axis=axis, **kwargs)(inputs)


__all__ = [
    "Activation",
    "Add",
    "AveragePooling1D",
    "AveragePooling2D",
    "AvgPool1D",
    "AvgPool2D",
    "BatchNormalization",
    "Bidirectional",
    "Concatenate",
    "Conv1D",
    "Conv2D",
    "Convolution1D",
    "Convolution2D",
    "Dense",
    "Dropout",
    "Embedding",
    "Flatten",
    "GRU",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAvgPool1D",
    "GlobalAvgPool2D",
    "GlobalMaxPool1D",
    "GlobalMaxPool2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "Input",
    "InputLayer",
    "LSTM",
    "Layer",
    "LayerNormalization",
    "LeakyReLU",
    "MaxPool1D",
    "MaxPool2D",
    "MaxPooling1D",
    "MaxPooling2D",
    "Normalization",
    "Permute",
    "ReLU",
    "RepeatVector",
    "Rescaling",
    "Reshape",
    "SimpleRNN",
    "Softmax",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "TimeDistributed",
    "UpSampling2D",
    "ZeroPadding2D",
    "add",
    "concatenate",
    "deserialize",
    "serialize",
]

__getattr__ = missing_names(__name__)
