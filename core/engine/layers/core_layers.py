"""Core layers: Dense, Activation, Dropout, Flatten and Reshape (Keras names and defaults).

Each class declares its PARAMS for the inspector, validates in `__init__`,
and keeps `call` free of validation: Dense runs as one fused graph node
(`core.engine.ops.dense`), Activation as one elementwise node.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from core.engine import activations, initializers, regularizers
from core.engine.autograd import Tensor, as_tensor
from core.engine.layer_ops import dropout as _dropout
from core.engine.layers.base import Layer, Shape
from core.engine.layers.spec import ParamSpec, argument_error, register
from core.engine.ops import activation as _activation
from core.engine.ops import dense as _dense
from core.engine.ops import reshape as _reshape
from core.engine.random import make_generator
from core.errors import ConfigError, ShapeError


def _activation_param(default: str = "linear", key: bool = True) -> ParamSpec:
    return ParamSpec(
        "activation",
        "choice",
        default,
        "Function applied to the output.",
        choices=activations.NAMES,
        key=key,
    )


def _initializer(layer: Layer, arg: str, value: Any) -> tuple[Any, initializers.Initializer]:
    """(config form, instance) for an initializer argument given as name/dict/instance.

    None means Keras's default for a float weight, glorot_uniform (as `add_weight` does).
    """
    if value is None:
        value = "glorot_uniform"
    if isinstance(value, str):
        value = layer._check(arg, value)
    try:
        init = initializers.get(value)
    except ConfigError as exc:
        raise ConfigError(f"{type(layer).__name__}: argument `{arg}` {exc}") from None
    return initializers.serialize(init), init


def _regularizer(
    layer: Layer, arg: str, value: Any, factor: Any
) -> tuple[Any, float, regularizers.Regularizer | None]:
    """(config form, factor, instance) for a regularizer argument plus its factor."""
    factor = layer._check(arg + "_factor", factor)
    if value is None or isinstance(value, str):
        value = layer._check(arg, value)
        reg = None if value is None else regularizers.from_name(value, factor)
        return value, factor, reg
    try:
        reg = regularizers.get(value)
    except ConfigError as exc:
        raise ConfigError(f"{type(layer).__name__}: argument `{arg}` {exc}") from None
    name, f = regularizers.to_name(reg)
    if name is not None:
        return name, float(f), reg
    return regularizers.serialize(reg), factor, reg


def initializer_param(name: str, default: str, what: str) -> ParamSpec:
    """The inspector's choice of initializer for one weight ("How the biases start.")."""
    return ParamSpec(name, "choice", default, f"How the {what} start.", choices=initializers.NAMES)


def penalty_params(name: str, what: str, noun: str) -> tuple[ParamSpec, ParamSpec]:
    """A regularizer choice and its factor for one weight (`noun` names the penalty)."""
    return (
        ParamSpec(
            name,
            "choice",
            None,
            f"Penalty on the {what} (None = no penalty).",
            choices=regularizers.NAMES,
            nullable=True,
        ),
        ParamSpec(name + "_factor", "float", 0.01, f"Strength of the {noun} penalty.", minimum=0.0),
    )


def kernel_bias_params(what: str) -> tuple[ParamSpec, ...]:
    """Initializer and penalty settings of a kernel (called `what`) and its bias."""
    return (
        initializer_param("kernel_initializer", "glorot_uniform", what),
        initializer_param("bias_initializer", "zeros", "biases"),
        *penalty_params("kernel_regularizer", what, what.rstrip("s")),
        *penalty_params("bias_regularizer", "biases", "bias"),
    )


def kernel_and_bias_args(
    layer: Layer,
    use_bias: Any,
    initializers_: tuple[Any, Any],
    kernel_penalty: tuple[Any, Any],
    bias_penalty: tuple[Any, Any],
) -> None:
    """Check and store a layer's kernel/bias initializers and regularizers (with factors).

    Sets use_bias, kernel_initializer, bias_initializer, kernel_regularizer(_factor),
    bias_regularizer(_factor) in their config forms, and _kernel_init, _bias_init,
    _kernel_reg, _bias_reg as the objects `add_weight` takes.
    """
    layer.use_bias = layer._check("use_bias", use_bias)
    kernel_init, bias_init = initializers_
    layer.kernel_initializer, layer._kernel_init = _initializer(
        layer, "kernel_initializer", kernel_init
    )
    layer.bias_initializer, layer._bias_init = _initializer(layer, "bias_initializer", bias_init)
    layer.kernel_regularizer, layer.kernel_regularizer_factor, layer._kernel_reg = _regularizer(
        layer, "kernel_regularizer", *kernel_penalty
    )
    layer.bias_regularizer, layer.bias_regularizer_factor, layer._bias_reg = _regularizer(
        layer, "bias_regularizer", *bias_penalty
    )


def _need_known_last(cls: str, input_shape: Any) -> int:
    if not isinstance(input_shape, tuple) or len(input_shape) < 2 or input_shape[-1] is None:
        got = tuple(input_shape[1:]) if isinstance(input_shape, tuple) else input_shape
        raise ShapeError(
            None,
            f"{cls} needs inputs with a known feature size, such as (8,). Received: {got}",
        )
    return int(input_shape[-1])


@register
class Dense(Layer):
    """Keras Dense: activation(inputs @ kernel + bias)."""

    PARAMS = (
        ParamSpec("units", "int", 10, "Number of output units.", minimum=1, key=True),
        _activation_param(),
        ParamSpec("use_bias", "bool", True, "Add a learned bias to each unit."),
        *kernel_bias_params("weights"),
    )
    CATEGORY = "Core"
    DESCRIPTION = "Fully connected layer: every input feeds every unit."
    SUPPORTS_MASKING = True

    def __init__(
        self,
        units: int = 10,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_regularizer_factor: float = 0.01,
        bias_regularizer_factor: float = 0.01,
        name: str | None = None,
        trainable: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, trainable=trainable, **kwargs)
        self.units: int = self._check("units", units)
        act = activations.canonical_name(activation)
        self.activation: str = act
        self.output_activation = act
        kernel_and_bias_args(
            self,
            use_bias,
            (kernel_initializer, bias_initializer),
            (kernel_regularizer, kernel_regularizer_factor),
            (bias_regularizer, bias_regularizer_factor),
        )
        self.kernel: Tensor | None = None
        self.bias: Tensor | None = None

    def build(self, input_shape: Any, rng: np.random.Generator | None = None) -> None:
        in_dim = _need_known_last("Dense", tuple(input_shape))
        self.kernel = self.add_weight(
            "kernel", (in_dim, self.units), self._kernel_init, self._kernel_reg, rng=rng
        )
        if self.use_bias:
            self.bias = self.add_weight(
                "bias", (self.units,), self._bias_init, self._bias_reg, rng=rng
            )
        self.built = True

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        return _dense(inputs, self.kernel, self.bias, self.activation)

    def call_pre_activation(self, inputs: Any, training: bool = False) -> Tensor:
        """The logits: inputs @ kernel + bias, before the activation."""
        return _dense(inputs, self.kernel, self.bias, "linear")

    def compute_output_shape(self, input_shape: Any) -> Shape:
        input_shape = tuple(input_shape)
        _need_known_last("Dense", input_shape)
        return input_shape[:-1] + (self.units,)

    def weight_shapes_for(self, input_shape: Any) -> dict[str, tuple[int, ...]]:
        in_dim = _need_known_last("Dense", tuple(input_shape))
        shapes = {"kernel": (in_dim, self.units)}
        if self.use_bias:
            shapes["bias"] = (self.units,)
        return shapes


@register
class Activation(Layer):
    """Keras Activation: apply an activation function elementwise."""

    PARAMS = (_activation_param("relu"),)
    CATEGORY = "Activations"
    DESCRIPTION = "Apply an activation function (relu, sigmoid, softmax, ...)."
    SUPPORTS_MASKING = True

    def __init__(self, activation: Any = "relu", name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        act = activations.canonical_name(activation)
        self.activation: str = act
        self.output_activation = act

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        return _activation(inputs, self.activation)

    def call_pre_activation(self, inputs: Any, training: bool = False) -> Tensor:
        return as_tensor(inputs)


@register
class Dropout(Layer):
    """Keras Dropout: zero a random `rate` of inputs while training, scale the rest."""

    PARAMS = (
        ParamSpec(
            "rate",
            "float",
            0.5,
            "Fraction of inputs dropped while training.",
            minimum=0.0,
            maximum=1.0,
            key=True,
        ),
        ParamSpec("seed", "int", None, "Seed for the dropout mask (None = global).", nullable=True),
    )
    CATEGORY = "Normalization & Regularization"
    DESCRIPTION = "Randomly drop inputs while training to reduce overfitting."
    SUPPORTS_MASKING = True

    def __init__(
        self, rate: float = 0.5, seed: int | None = None, name: str | None = None, **kwargs: Any
    ) -> None:
        kwargs.pop("noise_shape", None)
        super().__init__(name=name, **kwargs)
        self.rate: float = self._check("rate", rate)
        if self.rate >= 1.0:
            raise argument_error("Dropout", "rate", rate, "a value in [0, 1)")
        self.seed: int | None = self._check("seed", seed)
        self.rng: np.random.Generator | None = (
            None if self.seed is None else make_generator(self.seed)
        )

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        x = as_tensor(inputs)
        if not training or self.rate == 0.0:
            return x
        return _dropout(x, self.rate, self.rng)


@register
class Flatten(Layer):
    """Keras Flatten: (batch, d1, d2, ...) -> (batch, d1*d2*...)."""

    PARAMS = ()
    CATEGORY = "Reshaping"
    DESCRIPTION = "Flatten each sample into one vector."

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        x = as_tensor(inputs)
        return _reshape(x, (x.data.shape[0], -1))

    def compute_output_shape(self, input_shape: Any) -> Shape:
        rest = tuple(input_shape)[1:]
        if any(d is None for d in rest):
            return (None, None)
        return (None, math.prod(rest))


@register
class Reshape(Layer):
    """Keras Reshape: give each sample `target_shape` (one entry may be -1)."""

    PARAMS = (
        ParamSpec(
            "target_shape",
            "shape",
            (-1,),
            "Shape of each sample afterwards; -1 = infer.",
            key=True,
        ),
    )
    CATEGORY = "Reshaping"
    DESCRIPTION = "Rearrange each sample into a new shape."

    def __init__(self, target_shape: Any = (-1,), name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        shape = self._check("target_shape", target_shape)
        if sum(1 for d in shape if d == -1 or d is None) > 1:
            raise ConfigError(
                "Reshape: argument `target_shape` Expected at most one -1. "
                f"Received: target_shape={target_shape!r}"
            )
        self.target_shape: tuple[int, ...] = tuple(-1 if d is None else d for d in shape)

    def compute_output_shape(self, input_shape: Any) -> Shape:
        rest = tuple(input_shape)[1:]
        if any(d is None for d in rest):
            return (None,) + tuple(None if d == -1 else d for d in self.target_shape)
        total = math.prod(rest)
        known = math.prod(d for d in self.target_shape if d != -1)
        if -1 in self.target_shape:
            if known == 0 or total % known:
                raise ShapeError(
                    None,
                    f"Reshape cannot turn {rest} ({total} values) into {self.target_shape}: "
                    f"{total} is not a multiple of {known}.",
                )
            return (None,) + tuple(total // known if d == -1 else d for d in self.target_shape)
        if known != total:
            raise ShapeError(
                None,
                f"Reshape cannot turn {rest} ({total} values) into {self.target_shape} "
                f"({known} values). Expected the same number of values.",
            )
        return (None,) + self.target_shape

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        x = as_tensor(inputs)
        return _reshape(x, (x.data.shape[0],) + self.target_shape)
