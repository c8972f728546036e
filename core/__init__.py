"""LayerForge core, Qt-free: engine/, keras/, data/, document/, evaluation/, run, bundle/,
export/ and cli/ (see the README's layout table).

The Keras-shaped API is `core.keras` (so `import core as tf; tf.keras.Sequential`
and `from core import keras` both work); the engine is `core.Tensor` with
`core.no_grad`. For `import core as tf` this package also answers the few
TensorFlow names Keras tutorials use (`tf.__version__`, `tf.random.set_seed`,
`tf.constant`, `tf.math`, `tf.GradientTape`, ... see `core.keras._tf`); any
other `tf.` name raises an error naming it. Only core modules are imported here.
"""

from __future__ import annotations

from typing import Any

from core import keras
from core.bundle import load_model
from core.bundle import save_model_bundle as save_model
from core.engine.autograd import Tensor, no_grad
from core.engine.random import set_random_seed
from core.keras import _tf
from core.keras._tf import (  # noqa: F401 - the tf.* names `import core as tf` code uses
    GradientTape,
    Variable,
    abs,
    add,
    argmax,
    argmin,
    bool_,
    cast,
    clip_by_value,
    concat,
    config,
    constant,
    convert_to_tensor,
    divide,
    equal,
    exp,
    expand_dims,
    float16,
    float32,
    float64,
    function,
    int8,
    int16,
    int32,
    int64,
    math,
    matmul,
    maximum,
    minimum,
    multiply,
    nn,
    one_hot,
    ones,
    ones_like,
    random,
    range,
    reduce_all,
    reduce_any,
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_std,
    reduce_sum,
    reshape,
    shape,
    sqrt,
    square,
    squeeze,
    stack,
    string,
    subtract,
    transpose,
    uint8,
    version,
    where,
    zeros,
    zeros_like,
)

__version__ = _tf.__version__

__all__ = ["Tensor", "keras", "load_model", "no_grad", "save_model", "set_random_seed"]


def __getattr__(name: str) -> Any:
    """`tf.<name>` that LayerForge does not provide: one error naming it."""
    if name.startswith("_"):
        raise AttributeError(f"module 'core' has no attribute {name!r}")
    raise _tf.UnsupportedTFError(f"tf.{name}")
