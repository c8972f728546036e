"""Recurrent layers: SimpleRNN, LSTM, GRU and the Bidirectional wrapper (Keras names).

Weights keep Keras's layouts (kernel (features, k*units), recurrent_kernel
(units, k*units), bias; LSTM gates i, f, c, o; GRU gates z, r, h with
reset_after=True and a (2, 3*units) bias), so `get_weights`/`set_weights`
move them between Keras and LayerForge unchanged. Each layer runs its whole
sequence as one graph node (`core.engine.recurrent_ops`). Masks from an
Embedding(mask_zero=True) are honoured as Keras's RNN loop does; `dropout`
drops input features with one mask for all steps, as Keras does. Not
supported yet, each refused with a plain message: return_state, stateful,
recurrent_dropout, and GRU's reset_after=False.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.engine import activations, initializers
from core.engine.autograd import Tensor, as_tensor
from core.engine.layer_ops import shared_dropout
from core.engine.layers.base import Layer, Shape
from core.engine.layers.core_layers import (
    _initializer,
    _regularizer,
    initializer_param,
    kernel_and_bias_args,
    penalty_params,
)
from core.engine.layers.spec import ParamSpec, argument_error, get_layer_class, register, type_name
from core.engine.masking import get_mask, set_mask
from core.engine.ops import concatenate as _concatenate
from core.engine.random import make_generator
from core.engine.recurrent_ops import gru, lstm, reverse_steps, simple_rnn
from core.errors import ConfigError, ShapeError

_RECURRENT_ACTIVATIONS = tuple(a for a in activations.NAMES if a != "softmax")


def _rnn_params(gated: bool, extra: tuple[ParamSpec, ...] = ()) -> tuple[ParamSpec, ...]:
    acts = (
        ParamSpec(
            "activation",
            "choice",
            "tanh",
            "Function of the state (and candidate).",
            choices=_RECURRENT_ACTIVATIONS,
            key=True,
        ),
    )
    if gated:
        acts += (
            ParamSpec(
                "recurrent_activation",
                "choice",
                "sigmoid",
                "Function of the gates.",
                choices=_RECURRENT_ACTIVATIONS,
            ),
        )
    return (
        ParamSpec(
            "units", "int", 32, "Size of the hidden state (and of the output).", minimum=1, key=True
        ),
        *acts,
        ParamSpec("use_bias", "bool", True, "Add learned biases."),
        initializer_param("kernel_initializer", "glorot_uniform", "input weights"),
        initializer_param("recurrent_initializer", "orthogonal", "recurrent weights"),
        initializer_param("bias_initializer", "zeros", "biases"),
        *extra,
        *penalty_params("kernel_regularizer", "input weights", "input weight"),
        *penalty_params("recurrent_regularizer", "recurrent weights", "recurrent weight"),
        *penalty_params("bias_regularizer", "biases", "bias"),
        ParamSpec(
            "dropout",
            "float",
            0.0,
            "Fraction of input features dropped while training.",
            minimum=0.0,
            maximum=1.0,
        ),
        ParamSpec(
            "return_sequences",
            "bool",
            False,
            "Output every step (steps, units) instead of the last one (units,).",
            key=True,
        ),
        ParamSpec("go_backwards", "bool", False, "Read the sequence from the end."),
        ParamSpec(
            "zero_output_for_mask",
            "bool",
            False,
            "Output zeros (not the previous output) at masked steps.",
        ),
        ParamSpec("seed", "int", None, "Seed for the dropout mask (None = global).", nullable=True),
    )


class _RNN(Layer):
    """Shared arguments, weights, shapes and dropout of the recurrent layers."""

    GATES = 1
    CATEGORY = "Recurrent"
    SUPPORTS_MASKING = True

    def __init__(
        self,
        units: int = 32,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_regularizer_factor: float = 0.01,
        recurrent_regularizer_factor: float = 0.01,
        bias_regularizer_factor: float = 0.01,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        zero_output_for_mask: bool = False,
        seed: int | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("use_cudnn", None)  # no GPU here: always the NumPy kernel
        kwargs.pop("time_major", None)
        super().__init__(name=name, **kwargs)
        cls = type_name(type(self))
        for arg, value, fix in (
            ("return_state", return_state, "use the layer's output (the last state) instead"),
            ("stateful", stateful, "train on whole sequences instead"),
        ):
            if value:
                raise argument_error(cls, arg, value, f"False ({arg} is not supported yet)", fix)
        if recurrent_dropout:
            raise argument_error(
                cls,
                "recurrent_dropout",
                recurrent_dropout,
                "0.0 (recurrent_dropout is not supported yet)",
                "Use dropout= (on the inputs) or a Dropout layer after it",
            )
        self.units: int = self._check("units", units)
        self.activation: str = self._check("activation", activations.canonical_name(activation))
        self.recurrent_activation: str = activations.canonical_name(recurrent_activation)
        if self.GATES > 1:
            self._check("recurrent_activation", self.recurrent_activation)
        kernel_and_bias_args(
            self,
            use_bias,
            (kernel_initializer, bias_initializer),
            (kernel_regularizer, kernel_regularizer_factor),
            (bias_regularizer, bias_regularizer_factor),
        )
        self.recurrent_initializer, self._recurrent_init = _initializer(
            self, "recurrent_initializer", recurrent_initializer
        )
        (
            self.recurrent_regularizer,
            self.recurrent_regularizer_factor,
            self._recurrent_reg,
        ) = _regularizer(
            self, "recurrent_regularizer", recurrent_regularizer, recurrent_regularizer_factor
        )
        self.dropout: float = self._check("dropout", dropout)
        if self.dropout >= 1.0:
            raise argument_error(cls, "dropout", dropout, "a value in [0, 1)")
        self.return_sequences: bool = self._check("return_sequences", return_sequences)
        self.go_backwards: bool = self._check("go_backwards", go_backwards)
        self.zero_output_for_mask: bool = self._check("zero_output_for_mask", zero_output_for_mask)
        self.seed: int | None = self._check("seed", seed)
        self._rng = None if self.seed is None else make_generator(self.seed)
        self.unroll = bool(unroll)
        self.kernel: Tensor | None = None
        self.recurrent_kernel: Tensor | None = None
        self.bias: Tensor | None = None

    # ------------------------------------------------------------------ shapes
    def _features(self, input_shape: Any) -> int:
        shape = tuple(input_shape)
        if len(shape) != 3 or shape[-1] is None:
            raise ShapeError(
                None,
                f"{type_name(type(self))} needs sequences shaped (steps, features). Received: "
                f"{shape[1:]}. Put an Embedding before it for token ids, or a Reshape "
                "(e.g. Reshape((steps, 1))) for a single series.",
            )
        return int(shape[-1])

    def compute_output_shape(self, input_shape: Any) -> Shape:
        self._features(input_shape)
        shape = tuple(input_shape)
        if self.return_sequences:
            return (None, shape[1], self.units)
        return (None, self.units)

    def _bias_shape(self) -> tuple[int, ...]:
        return (self.GATES * self.units,)

    def weight_shapes_for(self, input_shape: Any) -> dict[str, tuple[int, ...]]:
        k = self.GATES * self.units
        shapes = {
            "kernel": (self._features(input_shape), k),
            "recurrent_kernel": (self.units, k),
        }
        if self.use_bias:
            shapes["bias"] = self._bias_shape()
        return shapes

    def _bias_initializer(self) -> Any:
        return self._bias_init

    def build(self, input_shape: Any, rng: np.random.Generator | None = None) -> None:
        shapes = self.weight_shapes_for(input_shape)
        self.kernel = self.add_weight(
            "kernel", shapes["kernel"], self._kernel_init, self._kernel_reg, rng=rng
        )
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel",
            shapes["recurrent_kernel"],
            self._recurrent_init,
            self._recurrent_reg,
            rng=rng,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                "bias", shapes["bias"], self._bias_initializer(), self._bias_reg, rng=rng
            )
        self.built = True

    # ----------------------------------------------------------------- compute
    KERNEL: Any = staticmethod(simple_rnn)

    def _kernel_args(self) -> dict[str, Any]:
        if self.GATES == 1:
            return {"activation": self.activation}
        return {"activation": self.activation, "recurrent_activation": self.recurrent_activation}

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        mask = get_mask(inputs)
        x = as_tensor(inputs)
        if training and self.dropout > 0.0:
            x = shared_dropout(x, self.dropout, self._rng, (1,))
        out = type(self).KERNEL(
            x,
            self.kernel,
            self.recurrent_kernel,
            self.bias,
            mask=mask,
            return_sequences=self.return_sequences,
            go_backwards=self.go_backwards,
            zero_output_for_mask=self.zero_output_for_mask,
            **self._kernel_args(),
        )
        return set_mask(out, mask) if self.return_sequences else out


@register
class SimpleRNN(_RNN):
    """Keras SimpleRNN: h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)."""

    GATES = 1
    PARAMS = _rnn_params(gated=False)
    DESCRIPTION = "Plain recurrent layer: one hidden state updated at every step."
    KERNEL = staticmethod(simple_rnn)


class _ForgetGateOnes(initializers.Initializer):
    """Keras's unit_forget_bias: the bias initializer's values with the forget gate at 1."""

    def __init__(self, base: initializers.Initializer, units: int) -> None:
        super().__init__(None)
        self.base, self.units = base, units

    def __call__(self, shape: tuple[int, ...], dtype: Any = "float32", rng: Any = None) -> Any:
        out = np.array(self.base(shape, dtype, rng))
        out[self.units : 2 * self.units] = 1.0
        return out


@register
class LSTM(_RNN):
    """Keras LSTM: input, forget, cell and output gates (weights in that order)."""

    GATES = 4
    PARAMS = _rnn_params(
        gated=True,
        extra=(
            ParamSpec(
                "unit_forget_bias",
                "bool",
                True,
                "Start the forget gate's bias at 1 (remember by default).",
            ),
        ),
    )
    DESCRIPTION = "Long short-term memory: gated recurrent layer that keeps long-range context."
    KERNEL = staticmethod(lstm)

    def __init__(
        self, units: int = 32, *args: Any, unit_forget_bias: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(units, *args, **kwargs)
        self.unit_forget_bias: bool = self._check("unit_forget_bias", unit_forget_bias)

    def _bias_initializer(self) -> Any:
        if not self.unit_forget_bias:
            return self._bias_init
        return _ForgetGateOnes(self._bias_init, self.units)


@register
class GRU(_RNN):
    """Keras GRU (reset_after=True): update, reset and candidate gates; bias (2, 3*units)."""

    GATES = 3
    PARAMS = _rnn_params(
        gated=True,
        extra=(
            ParamSpec(
                "reset_after",
                "bool",
                True,
                "Apply the reset gate after the recurrent product (Keras 3's default; "
                "False is not supported yet).",
            ),
        ),
    )
    DESCRIPTION = "Gated recurrent unit: a lighter gated recurrent layer than LSTM."
    KERNEL = staticmethod(gru)

    def __init__(
        self, units: int = 32, *args: Any, reset_after: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(units, *args, **kwargs)
        self.reset_after: bool = self._check("reset_after", reset_after)
        if not self.reset_after:
            raise argument_error(
                "GRU", "reset_after", reset_after, "True (reset_after=False is not supported yet)"
            )

    def _bias_shape(self) -> tuple[int, ...]:
        return (2, 3 * self.units)


# ---------------------------------------------------------------- Bidirectional
_RNN_TYPES = ("LSTM", "GRU", "SimpleRNN")


def _as_layer(owner: str, value: Any, arg: str = "layer") -> Layer:
    """A Layer from an instance, a {"class_name", "config"} dict or a registered type name."""
    if isinstance(value, Layer):
        return value
    if isinstance(value, dict) and "class_name" in value:
        cls = get_layer_class(value["class_name"])
        return cls.from_config(dict(value.get("config") or {}))
    raise argument_error(owner, arg, value, "a layer such as keras.layers.LSTM(32)")


def _serialize(layer: Layer) -> dict[str, Any]:
    return {"class_name": type_name(type(layer)), "config": layer.get_config()}


def _renamed(layer: Layer, prefix: str, **changes: Any) -> Layer:
    config = layer.get_config()
    base = layer.name.removeprefix(prefix)
    config.update(changes, name=f"{prefix}{base}")
    config.pop("batch_input_shape", None)
    return type(layer).from_config(config)


@register
class Bidirectional(Layer):
    """Keras Bidirectional: run a recurrent layer forwards and backwards and merge the two.

    Weights are the forward layer's then the backward layer's (Keras's order).
    """

    PARAMS = (
        ParamSpec(
            "layer",
            "choice",
            "LSTM",
            "Recurrent layer to run both ways.",
            choices=_RNN_TYPES,
            key=True,
        ),
        ParamSpec("units", "int", 32, "Units of each direction.", minimum=1, key=True),
        ParamSpec("return_sequences", "bool", False, "Output every step."),
        ParamSpec(
            "merge_mode",
            "choice",
            "concat",
            "How the two directions combine (concat doubles the size).",
            choices=("concat", "sum", "ave", "mul"),
        ),
    )
    CATEGORY = "Recurrent"
    DESCRIPTION = "Run a recurrent layer over the sequence both ways and merge the results."
    SUPPORTS_MASKING = True

    def __init__(
        self,
        layer: Any = "LSTM",
        merge_mode: str | None = "concat",
        weights: Any = None,
        backward_layer: Any = None,
        units: int | None = None,
        return_sequences: bool | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        if isinstance(layer, str):
            self._check("layer", layer)
            rnn_args: dict[str, Any] = {"units": 32 if units is None else units}
            if return_sequences is not None:
                rnn_args["return_sequences"] = return_sequences
            layer = get_layer_class(layer)(**rnn_args)
        elif units is not None or return_sequences is not None:
            raise ConfigError(
                "Bidirectional: Expected units/return_sequences only with a layer type name. "
                "Received them with a layer: set them on the layer instead."
            )
        inner = _as_layer("Bidirectional", layer)
        if not isinstance(inner, _RNN):
            raise argument_error(
                "Bidirectional", "layer", layer, "a recurrent layer (LSTM, GRU or SimpleRNN)"
            )
        if merge_mode not in ("concat", "sum", "ave", "mul"):
            raise argument_error(
                "Bidirectional",
                "merge_mode",
                merge_mode,
                "one of 'concat', 'sum', 'ave', 'mul' (None is not supported yet)",
            )
        self.merge_mode: str = merge_mode
        self.forward_layer: _RNN = _renamed(inner, "forward_")  # type: ignore[assignment]
        if backward_layer is None:
            self.backward_layer: _RNN = _renamed(  # type: ignore[assignment]
                inner, "backward_", go_backwards=not inner.go_backwards
            )
        else:
            self.backward_layer = _as_layer("Bidirectional", backward_layer, "backward_layer")  # type: ignore[assignment]
        for attr in ("return_sequences",):
            if getattr(self.forward_layer, attr) != getattr(self.backward_layer, attr):
                raise ConfigError(
                    f"Bidirectional: Expected the forward and backward layers to have the same "
                    f"{attr}. Received: {getattr(self.forward_layer, attr)} and "
                    f"{getattr(self.backward_layer, attr)}."
                )
        if self.forward_layer.go_backwards == self.backward_layer.go_backwards:
            raise ConfigError(
                "Bidirectional: Expected forward and backward layers with different "
                "go_backwards values. Received the same for both."
            )
        # Keras zeroes masked outputs of both directions when they return sequences.
        for rnn in (self.forward_layer, self.backward_layer):
            rnn.zero_output_for_mask = rnn.return_sequences
        self.return_sequences = self.forward_layer.return_sequences
        if weights is not None:
            self._pending_weights = list(weights)

    @property
    def layer(self) -> Layer:
        return self.forward_layer

    def compute_output_shape(self, input_shape: Any) -> Shape:
        forward = self.forward_layer.compute_output_shape(input_shape)
        backward = self.backward_layer.compute_output_shape(input_shape)
        if self.merge_mode == "concat":
            return forward[:-1] + (forward[-1] + backward[-1],)
        return forward

    def build(self, input_shape: Any, rng: np.random.Generator | None = None) -> None:
        for rnn in (self.forward_layer, self.backward_layer):
            if not rnn.built:
                rnn.build(input_shape, rng=rng)
                rnn.built = True
        pending = self.__dict__.pop("_pending_weights", None)
        if pending is not None:
            self.set_weights(pending)
        self.built = True

    def weight_shapes_for(self, input_shape: Any) -> dict[str, tuple[int, ...]]:
        shapes = {}
        for rnn in (self.forward_layer, self.backward_layer):
            for key, shape in rnn.weight_shapes_for(input_shape).items():
                shapes[f"{rnn.name}/{key}"] = shape
        return shapes

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        mask = get_mask(inputs)
        forward = self.forward_layer.call(inputs, training)
        backward = self.backward_layer.call(inputs, training)
        if self.return_sequences:
            backward = reverse_steps(backward)
        if self.merge_mode == "concat":
            out = _concatenate([forward, backward], axis=-1)
        elif self.merge_mode == "sum":
            out = forward + backward
        elif self.merge_mode == "ave":
            out = (forward + backward) * 0.5
        else:
            out = forward * backward
        return set_mask(out, mask) if self.return_sequences else out

    def get_config(self) -> dict[str, Any]:
        return self._config_with(
            {
                "layer": _serialize(self.forward_layer),
                "merge_mode": self.merge_mode,
                "backward_layer": _serialize(self.backward_layer),
            }
        )
