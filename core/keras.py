"""The Keras-shaped namespace: `from core import keras` or `import core as tf; tf.keras`.

It only re-exports: `keras.Sequential`, `keras.Model`, `keras.Input`,
`keras.layers`, `keras.optimizers` (with `.schedules`), `keras.losses`,
`keras.metrics`, `keras.callbacks`, `keras.initializers`,
`keras.regularizers`, `keras.activations` and `keras.utils.set_random_seed`,
so that a Keras program runs with only its import line changed.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from core.engine import (
    activations,
    callbacks,
    initializers,
    layers,
    losses,
    metrics,
    optimizers,
    regularizers,
)
from core.engine.layers import Input, InputLayer
from core.engine.models import Model, Sequential
from core.engine.random import set_random_seed


def to_categorical(y: object, num_classes: int | None = None) -> np.ndarray:
    """One-hot encode integer class labels (keras.utils.to_categorical)."""
    labels = np.asarray(y, dtype=np.int64).reshape(-1)
    k = int(labels.max()) + 1 if num_classes is None else int(num_classes)
    out = np.zeros((labels.size, k), dtype=np.float32)
    out[np.arange(labels.size), labels] = 1.0
    return out


utils = SimpleNamespace(set_random_seed=set_random_seed, to_categorical=to_categorical)

__all__ = [
    "Input",
    "InputLayer",
    "Model",
    "Sequential",
    "activations",
    "callbacks",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "optimizers",
    "regularizers",
    "utils",
]
