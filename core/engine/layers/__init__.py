"""Layers with Keras names and arguments, and the layer registry.

Importing this package registers every built-in layer class (see
`core.engine.layers.spec.register`); `get_layer_class("Dense")` finds one by its
type name and `CATALOG` exposes the registry to the graph document.
"""

from __future__ import annotations

from core.engine.layers.activation_layers import LeakyReLU, ReLU, Softmax
from core.engine.layers.base import (
    Input,
    InputLayer,
    Layer,
    SymbolicTensor,
    Variable,
    reset_names,
    unique_name,
)
from core.engine.layers.convolutional import Conv1D, Conv2D
from core.engine.layers.core_layers import Activation, Dense, Dropout, Flatten, Reshape
from core.engine.layers.embedding import Embedding
from core.engine.layers.merging import Add, Concatenate
from core.engine.layers.normalization import BatchNormalization, LayerNormalization
from core.engine.layers.pooling import (
    AveragePooling1D,
    AveragePooling2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPooling1D,
    MaxPooling2D,
)
from core.engine.layers.preprocessing import Normalization, Rescaling
from core.engine.layers.recurrent import GRU, LSTM, Bidirectional, SimpleRNN
from core.engine.layers.regularization import SpatialDropout1D, SpatialDropout2D
from core.engine.layers.reshaping import Permute, RepeatVector, UpSampling2D, ZeroPadding2D
from core.engine.layers.spec import (
    CATALOG,
    ParamSpec,
    get_layer_class,
    layer_classes,
    register,
    type_name,
)
from core.engine.layers.wrappers import TimeDistributed


def deserialize(config: dict) -> Layer:
    """A layer from {"class_name": "Dense", "config": {...}} (the Keras layout)."""
    cls = get_layer_class(config["class_name"])
    return cls.from_config(dict(config.get("config") or {}))


def serialize(layer: Layer) -> dict:
    """{"class_name": type name, "config": layer.get_config()}."""
    return {"class_name": type_name(type(layer)), "config": layer.get_config()}


__all__ = [
    "Activation",
    "Add",
    "AveragePooling1D",
    "AveragePooling2D",
    "BatchNormalization",
    "Bidirectional",
    "CATALOG",
    "Concatenate",
    "Conv1D",
    "Conv2D",
    "Dense",
    "Dropout",
    "Embedding",
    "Flatten",
    "GRU",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "Input",
    "InputLayer",
    "LSTM",
    "Layer",
    "LayerNormalization",
    "LeakyReLU",
    "MaxPooling1D",
    "MaxPooling2D",
    "Normalization",
    "ParamSpec",
    "Permute",
    "ReLU",
    "RepeatVector",
    "Rescaling",
    "Reshape",
    "SimpleRNN",
    "Softmax",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SymbolicTensor",
    "TimeDistributed",
    "UpSampling2D",
    "Variable",
    "ZeroPadding2D",
    "deserialize",
    "get_layer_class",
    "layer_classes",
    "register",
    "reset_names",
    "serialize",
    "type_name",
    "unique_name",
]
