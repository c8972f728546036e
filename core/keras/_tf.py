"""The few TensorFlow names Keras tutorials use, so `import core as tf` runs them.

`tf.keras` is `core.keras`; `tf.__version__` / `tf.version.VERSION`,
`tf.random.set_seed`, `tf.constant`, `tf.convert_to_tensor`, `tf.Variable`,
`tf.cast`, dtypes (`tf.float32`, ...), basic `tf.math` / `tf.nn` / reductions,
`tf.GradientTape` (on LayerForge's autograd) and `tf.config.list_physical_devices`
(no GPUs). Any other `tf.` name raises `UnsupportedTFError` naming it.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from core.engine.autograd import Tensor
from core.engine.layers import Variable as _Variable
from core.engine.random import set_random_seed
from core.keras import ops
from core.keras import random as _krandom
from core.keras._unsupported import UnsupportedFeatureError

#: The TensorFlow release whose Keras (3) API LayerForge mirrors, marked as LayerForge's.
__version__ = "2.16.0+layerforge"

version = SimpleNamespace(VERSION=__version__, GIT_VERSION="layerforge", COMPILER_VERSION="")


class UnsupportedTFError(UnsupportedFeatureError, AttributeError):
    """A `tf.` name LayerForge's TensorFlow compatibility layer does not provide."""


float16, float32, float64 = np.float16, np.float32, np.float64
int8, int16, int32, int64 = np.int8, np.int16, np.int32, np.int64
uint8, bool_ = np.uint8, np.bool_
string = np.str_


def constant(value: Any, dtype: Any = None, shape: Any = None, name: Any = None) -> Tensor:
    t = ops.convert_to_tensor(value, dtype)
    if shape is not None:
        return ops.convert_to_tensor(np.broadcast_to(t.data, tuple(shape)).copy())
    return t


def convert_to_tensor(value: Any, dtype: Any = None, **kwargs: Any) -> Tensor:
    return ops.convert_to_tensor(value, dtype)


def Variable(initial_value: Any, trainable: bool = True, name: Any = None, dtype: Any = None):  # noqa: N802
    """A trainable variable (a LayerForge weight Variable)."""
    data = np.array(getattr(initial_value, "data", initial_value), dtype=dtype or np.float32)
    return _Variable(data, trainable=trainable, path=name or "variable")


class GradientTape:
    """Records operations for `gradient(target, sources)` on LayerForge's autograd.

    LayerForge records every operation on tensors that need gradients anyway,
    so the tape only has to run backward and collect the sources' gradients.
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
        self.persistent = persistent

    def __enter__(self) -> GradientTape:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def watch(self, tensor: Any) -> None:
        for t in tensor if isinstance(tensor, (list, tuple)) else [tensor]:
            if isinstance(t, Tensor):
                t.requires_grad = True

    def gradient(self, target: Any, sources: Any, output_gradients: Any = None) -> Any:
        single = not isinstance(sources, (list, tuple))
        srcs = [sources] if single else list(sources)
        saved = [s.grad for s in srcs]
        for s in srcs:
            s.grad = None
        if isinstance(target, Tensor) and target.requires_grad:
            target.backward(output_gradients, retain_graph=self.persistent)
        grads = [None if s.grad is None else Tensor(np.array(s.grad)) for s in srcs]
        for s, g in zip(srcs, saved, strict=True):
            s.grad = g
        return grads[0] if single else grads


def function(fn: Any = None, **kwargs: Any) -> Any:
    """tf.function: LayerForge runs Python eagerly, so the function is returned as is."""
    if fn is None:
        return lambda f: f
    return fn


def _reduction(name: str) -> Any:
    fn = getattr(ops, name)

    def reduce(x: Any, axis: Any = None, keepdims: bool = False, name: Any = None) -> Tensor:
        return fn(x, axis=axis, keepdims=keepdims)

    return reduce


reduce_mean, reduce_sum = _reduction("mean"), _reduction("sum")
reduce_max, reduce_min = _reduction("max"), _reduction("min")
reduce_all, reduce_any = _reduction("all"), _reduction("any")


def reduce_std(x: Any, axis: Any = None, keepdims: bool = False, name: Any = None) -> Tensor:
    return ops.std(x, axis, keepdims)


def cast(x: Any, dtype: Any, name: Any = None) -> Tensor:
    return ops.cast(x, dtype)


def concat(values: Any, axis: int, name: Any = None) -> Tensor:
    return ops.concatenate(values, axis=axis)


def clip_by_value(t: Any, clip_value_min: Any, clip_value_max: Any, name: Any = None) -> Tensor:
    return ops.clip(t, clip_value_min, clip_value_max)


def one_hot(indices: Any, depth: int, **kwargs: Any) -> Tensor:
    return ops.one_hot(indices, depth)


def shape(x: Any) -> Tensor:
    return ops.convert_to_tensor(np.array(ops.shape(x), dtype=np.int32))


matmul, reshape, transpose, square, sqrt, exp = (
    ops.matmul,
    ops.reshape,
    ops.transpose,
    ops.square,
    ops.sqrt,
    ops.exp,
)
abs, maximum, minimum, where, stack = ops.abs, ops.maximum, ops.minimum, ops.where, ops.stack  # noqa: A001
zeros, ones, zeros_like, ones_like, argmax, argmin = (
    ops.zeros,
    ops.ones,
    ops.zeros_like,
    ops.ones_like,
    ops.argmax,
    ops.argmin,
)
add, subtract, multiply, divide, equal, expand_dims, squeeze = (
    ops.add,
    ops.subtract,
    ops.multiply,
    ops.divide,
    ops.equal,
    ops.expand_dims,
    ops.squeeze,
)


def range(start: Any, limit: Any = None, delta: Any = 1, dtype: Any = None) -> Tensor:  # noqa: A001
    return ops.arange(start, limit, delta, dtype)


math = SimpleNamespace(
    add=ops.add,
    subtract=ops.subtract,
    multiply=ops.multiply,
    divide=ops.divide,
    divide_no_nan=ops.divide_no_nan,
    square=ops.square,
    sqrt=ops.sqrt,
    exp=ops.exp,
    log=ops.log,
    log1p=ops.log1p,
    abs=ops.abs,
    pow=ops.power,
    maximum=ops.maximum,
    minimum=ops.minimum,
    sigmoid=ops.sigmoid,
    tanh=ops.tanh,
    softplus=ops.softplus,
    sign=ops.sign,
    round=ops.round,
    floor=ops.floor,
    ceil=ops.ceil,
    argmax=ops.argmax,
    argmin=ops.argmin,
    equal=ops.equal,
    not_equal=ops.not_equal,
    greater=ops.greater,
    greater_equal=ops.greater_equal,
    less=ops.less,
    less_equal=ops.less_equal,
    logical_and=ops.logical_and,
    logical_or=ops.logical_or,
    logical_not=ops.logical_not,
    is_nan=ops.isnan,
    is_inf=ops.isinf,
    is_finite=ops.isfinite,
    reduce_mean=reduce_mean,
    reduce_sum=reduce_sum,
    reduce_max=reduce_max,
    reduce_min=reduce_min,
    reduce_std=reduce_std,
    count_nonzero=ops.count_nonzero,
    reciprocal=ops.reciprocal,
)

nn = SimpleNamespace(
    relu=ops.relu,
    sigmoid=ops.sigmoid,
    tanh=ops.tanh,
    softmax=ops.softmax,
    log_softmax=ops.log_softmax,
    elu=ops.elu,
    selu=ops.selu,
    gelu=ops.gelu,
    leaky_relu=ops.leaky_relu,
    softplus=ops.softplus,
    silu=ops.silu,
    l2_normalize=lambda x, axis=-1, epsilon=1e-12, **kw: ops.normalize(x, axis, epsilon=epsilon),
)


def _normal(
    shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None, seed: Any = None
):
    return _krandom.normal(shape, mean, stddev, dtype, seed)


def _uniform(
    shape: Any, minval: float = 0.0, maxval: Any = None, dtype: Any = None, seed: Any = None
):
    return _krandom.uniform(shape, minval, 1.0 if maxval is None else maxval, dtype, seed)


random = SimpleNamespace(
    set_seed=set_random_seed,
    normal=_normal,
    uniform=_uniform,
    truncated_normal=_krandom.truncated_normal,
    shuffle=lambda value, seed=None, name=None: _krandom.shuffle(value, seed=seed),
)


def _list_devices(device_type: str | None = None) -> list[Any]:
    """LayerForge computes on the CPU with NumPy: one CPU device, no GPUs."""
    cpu = SimpleNamespace(name="/physical_device:CPU:0", device_type="CPU")
    return [cpu] if device_type in (None, "CPU") else []


config = SimpleNamespace(
    list_physical_devices=_list_devices,
    list_logical_devices=_list_devices,
    experimental=SimpleNamespace(
        list_physical_devices=_list_devices, set_memory_growth=lambda device, enable: None
    ),
    run_functions_eagerly=lambda run_eagerly: None,
)

NAMES = [
    "GradientTape",
    "Variable",
    "abs",
    "add",
    "argmax",
    "argmin",
    "bool_",
    "cast",
    "clip_by_value",
    "concat",
    "config",
    "constant",
    "convert_to_tensor",
    "divide",
    "equal",
    "exp",
    "expand_dims",
    "float16",
    "float32",
    "float64",
    "function",
    "int16",
    "int32",
    "int64",
    "int8",
    "math",
    "matmul",
    "maximum",
    "minimum",
    "multiply",
    "nn",
    "one_hot",
    "ones",
    "ones_like",
    "random",
    "range",
    "reduce_all",
    "reduce_any",
    "reduce_max",
    "reduce_mean",
    "reduce_min",
    "reduce_std",
    "reduce_sum",
    "reshape",
    "shape",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "string",
    "subtract",
    "transpose",
    "uint8",
    "version",
    "where",
    "zeros",
    "zeros_like",
]
