"""Convolution layers: Conv1D and Conv2D (Keras names, arguments, defaults and weights).

channels_last only. The kernel is (*kernel_size, in_channels, filters) and the
bias (filters,), exactly Keras's layout, so `get_weights`/`set_weights` move
weights between the two unchanged. A layer runs as one fused graph node
(`core.engine.conv_ops.conv`: im2col on strided views + one GEMM, with the
activation fused). A kernel larger than its input is a ShapeError that names
the sizes and what to change.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.engine import activations
from core.engine.autograd import Tensor, as_tensor
from core.engine.conv_ops import conv, conv_output_length
from core.engine.layers.base import Layer, Shape
from core.engine.layers.core_layers import (
    _activation_param,
    kernel_and_bias_args,
    kernel_bias_params,
)
from core.engine.layers.spec import ParamSpec, argument_error, register, type_name
from core.errors import ConfigError, ShapeError


def int_tuple(layer: Layer | str, name: str, value: Any, rank: int) -> tuple[int, ...]:
    """An int or a sequence of `rank` positive ints as a tuple (Keras's standardize_tuple)."""
    owner = layer if isinstance(layer, str) else type_name(type(layer))
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = (int(value),) * rank
    elif isinstance(value, (list, tuple)) and len(value) == 1 and rank > 1:
        value = tuple(value) * rank  # "3" typed in the inspector's shape field: 3 x 3
    if (
        not isinstance(value, (list, tuple))
        or len(value) != rank
        or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)
        or not all(v >= 1 for v in value)
    ):
        expected = "a positive integer" + (f" or {rank} positive integers" if rank > 1 else "")
        raise argument_error(owner, name, value, expected)
    return tuple(int(v) for v in value)


def padding_arg(layer: Layer, value: Any, choices: tuple[str, ...]) -> str:
    """`padding` lower-cased and checked against `choices`."""
    text = value.lower() if isinstance(value, str) else value
    if text not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise argument_error(type_name(type(layer)), "padding", value, f"one of {allowed}")
    return text


def channels_last(layer: Layer, data_format: Any) -> None:
    """Refuse channels_first plainly (LayerForge's image layers are channels_last)."""
    if data_format not in (None, "channels_last"):
        raise ConfigError(
            f"{type_name(type(layer))}: argument `data_format` Expected 'channels_last' (images "
            f"as height, width, channels). Received: data_format={data_format!r}. Move the "
            "channel axis last (e.g. with Permute) and drop data_format."
        )


def spatial_input(cls: str, input_shape: Any, rank: int) -> tuple[Shape, int | None]:
    """(spatial dims, channels) of a channels_last input of `rank` spatial axes."""
    shape = tuple(input_shape)
    if len(shape) != rank + 2:
        want = "(steps, channels)" if rank == 1 else "(height, width, channels)"
        raise ShapeError(
            None,
            f"{cls} needs inputs shaped {want}. Received: {shape[1:]}. "
            + (
                "Add a Reshape (e.g. Reshape((8, 8, 1)) for 64 pixels) before it."
                if rank == 2
                else "Add a Reshape (e.g. Reshape((steps, 1))) or an Embedding before it."
            ),
        )
    return shape[1:-1], shape[-1]


def runtime_pads(layer: Layer, rule: Any, x: Tensor) -> tuple[tuple[int, int], ...]:
    """The padding for this batch's spatial sizes (inputs whose sizes vary, such as (None, 4)).

    `rule(spatial) -> (output sizes, pads)` raises ShapeError for a window larger than
    the input; the error gains the layer's name, since it happens while running.
    """
    try:
        return rule(x.data.shape[1:-1])[1]
    except ShapeError as exc:
        raise ShapeError(None, f"{type_name(type(layer))} '{layer.name}': {exc.message}") from None


def _sizes(values: tuple[int | None, ...]) -> str:
    return "x".join("?" if v is None else str(v) for v in values)


class _Conv(Layer):
    """Shared argument handling, shapes and weights of Conv1D/Conv2D."""

    RANK = 2
    PADDINGS: tuple[str, ...] = ("valid", "same")
    CATEGORY = "Convolution"

    def __init__(
        self,
        filters: int = 32,
        kernel_size: Any = 3,
        strides: Any = 1,
        padding: str = "valid",
        data_format: Any = None,
        dilation_rate: Any = 1,
        groups: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_regularizer_factor: float = 0.01,
        bias_regularizer_factor: float = 0.01,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        rank = self.RANK
        self.filters: int = self._check("filters", filters)
        self.kernel_size = int_tuple(self, "kernel_size", kernel_size, rank)
        self.strides = int_tuple(self, "strides", strides, rank)
        self.padding: str = padding_arg(self, padding, self.PADDINGS)
        channels_last(self, data_format)
        self.dilation_rate = int_tuple(self, "dilation_rate", dilation_rate, rank)
        if groups != 1:
            raise argument_error(
                type_name(type(self)),
                "groups",
                groups,
                "1 (grouped convolution is not supported yet)",
            )
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ConfigError(
                f"{type_name(type(self))}: `strides > 1` not supported in conjunction with "
                f"`dilation_rate > 1`. Received: strides={self.strides} and "
                f"dilation_rate={self.dilation_rate}"
            )
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
        self._pads: tuple[tuple[int, int], ...] = ()
        self._dynamic = False

    # ------------------------------------------------------------------ shapes
    def _output_spatial(self, spatial: Shape) -> tuple[Shape, tuple[tuple[int, int], ...]]:
        dims, pads = [], []
        for size, k, s, d in zip(
            spatial, self.kernel_size, self.strides, self.dilation_rate, strict=True
        ):
            length, before, after = conv_output_length(size, k, s, d, self.padding)
            dims.append(length)
            pads.append((before, after))
        if any(v is not None and v < 1 for v in dims):
            raise ShapeError(None, self._too_small(spatial))
        return tuple(dims), tuple(pads)

    def _too_small(self, spatial: Shape) -> str:
        span = tuple(
            (k - 1) * d + 1 for k, d in zip(self.kernel_size, self.dilation_rate, strict=True)
        )
        dilated = f" (dilated to {_sizes(span)})" if span != self.kernel_size else ""
        what = "steps" if self.RANK == 1 else "pixels"
        return (
            f"the {_sizes(self.kernel_size)} kernel{dilated} is larger than its "
            f"{_sizes(spatial)} input. Expected an input of at least {_sizes(span)} {what} "
            "with padding='valid'. Use padding='same', a smaller kernel_size, or fewer "
            "pooling/strided layers before it."
        )

    def compute_output_shape(self, input_shape: Any) -> Shape:
        spatial, channels = spatial_input(type_name(type(self)), input_shape, self.RANK)
        if channels is None:
            raise ShapeError(None, f"{type_name(type(self))} needs a known number of channels.")
        dims, _ = self._output_spatial(spatial)
        return (None,) + dims + (self.filters,)

    def weight_shapes_for(self, input_shape: Any) -> dict[str, tuple[int, ...]]:
        _, channels = spatial_input(type_name(type(self)), input_shape, self.RANK)
        shapes = {"kernel": self.kernel_size + (int(channels), self.filters)}  # type: ignore[arg-type]
        if self.use_bias:
            shapes["bias"] = (self.filters,)
        return shapes

    def build(self, input_shape: Any, rng: np.random.Generator | None = None) -> None:
        spatial, _ = spatial_input(type_name(type(self)), input_shape, self.RANK)
        _, self._pads = self._output_spatial(spatial)
        self._dynamic = any(v is None for v in spatial)
        shapes = self.weight_shapes_for(input_shape)
        self.kernel = self.add_weight(
            "kernel", shapes["kernel"], self._kernel_init, self._kernel_reg, rng=rng
        )
        if self.use_bias:
            self.bias = self.add_weight(
                "bias", shapes["bias"], self._bias_init, self._bias_reg, rng=rng
            )
        self.built = True

    # ----------------------------------------------------------------- compute
    def _run(self, inputs: Any, activation: str) -> Tensor:
        x = as_tensor(inputs)
        pads = runtime_pads(self, self._output_spatial, x) if self._dynamic else self._pads
        return conv(x, self.kernel, self.bias, self.strides, self.dilation_rate, pads, activation)

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        return self._run(inputs, self.activation)

    def call_pre_activation(self, inputs: Any, training: bool = False) -> Tensor:
        """The convolution plus bias, before the activation."""
        return self._run(inputs, "linear")


def _conv_params(
    kernel_default: tuple[int, ...], paddings: tuple[str, ...]
) -> tuple[ParamSpec, ...]:
    ones = (1,) * len(kernel_default)
    return (
        ParamSpec(
            "filters", "int", 32, "Number of output channels (feature maps).", minimum=1, key=True
        ),
        ParamSpec("kernel_size", "shape", kernel_default, "Size of the sliding window.", key=True),
        ParamSpec("strides", "shape", ones, "Step of the window along each axis."),
        ParamSpec(
            "padding",
            "choice",
            "valid",
            "valid: no padding (output shrinks); same: pad so the output keeps the size.",
            choices=paddings,
        ),
        ParamSpec("dilation_rate", "shape", ones, "Spacing between kernel cells."),
        _activation_param(),
        ParamSpec("use_bias", "bool", True, "Add a learned bias to each filter."),
        *kernel_bias_params("kernel"),
    )


@register
class Conv2D(_Conv):
    """Keras Conv2D: 2-D convolution over (height, width, channels) images."""

    RANK = 2
    PARAMS = _conv_params((3, 3), ("valid", "same"))
    DESCRIPTION = "2-D convolution: learned filters slide over an image (height, width, channels)."


@register
class Conv1D(_Conv):
    """Keras Conv1D: 1-D convolution over (steps, channels) sequences."""

    RANK = 1
    PADDINGS = ("valid", "same", "causal")
    PARAMS = _conv_params((3,), ("valid", "same", "causal"))
    DESCRIPTION = "1-D convolution: learned filters slide along a sequence (steps, channels)."
