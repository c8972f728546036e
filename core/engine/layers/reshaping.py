"""Reshaping layers for images and sequences: ZeroPadding2D, UpSampling2D, Permute, RepeatVector.

Keras names, arguments and defaults, channels_last. Each is one graph node
(`core.engine.conv_ops.zero_pad` / `upsample`, a transpose, a broadcast).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.engine.autograd import Tensor
from core.engine.conv_ops import upsample, zero_pad
from core.engine.layers.base import Layer, Shape
from core.engine.layers.convolutional import channels_last, int_tuple, spatial_input
from core.engine.layers.spec import ParamSpec, argument_error, register
from core.engine.ops import transpose as _transpose
from core.engine.recurrent_ops import repeat_steps
from core.errors import ConfigError, ShapeError


def _pairs(value: Any) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """ZeroPadding2D's padding as ((top, bottom), (left, right)), or None if malformed."""

    def whole(v: Any) -> bool:
        return isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 0

    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]  # one number typed in the inspector: the same on every side
    if whole(value):
        return ((int(value),) * 2, (int(value),) * 2)  # type: ignore[return-value]
    if isinstance(value, (list, tuple)) and len(value) == 2:
        if all(whole(v) for v in value):
            return ((int(value[0]),) * 2, (int(value[1]),) * 2)  # type: ignore[return-value]
        if all(isinstance(v, (list, tuple)) and len(v) == 2 and all(map(whole, v)) for v in value):
            return tuple(tuple(int(x) for x in v) for v in value)  # type: ignore[return-value]
    return None


@register
class ZeroPadding2D(Layer):
    """Keras ZeroPadding2D: add rows and columns of zeros around an image."""

    PARAMS = (
        ParamSpec(
            "padding",
            "shape",
            (1, 1),
            "Zeros to add: (rows, columns) on each side, or ((top, bottom), (left, right)).",
            key=True,
        ),
    )
    CATEGORY = "Reshaping"
    DESCRIPTION = "Add zeros around an image (height, width, channels)."

    def __init__(
        self, padding: Any = (1, 1), data_format: Any = None, name: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(name=name, **kwargs)
        pairs = _pairs(padding)
        if pairs is None:
            raise argument_error(
                "ZeroPadding2D",
                "padding",
                padding,
                "an int, 2 ints (rows, columns) or 2 pairs ((top, bottom), (left, right))",
            )
        channels_last(self, data_format)
        self.padding = pairs

    def compute_output_shape(self, input_shape: Any) -> Shape:
        (h, w), c = spatial_input("ZeroPadding2D", input_shape, 2)
        (top, bottom), (left, right) = self.padding
        return (
            None,
            None if h is None else h + top + bottom,
            None if w is None else w + left + right,
            c,
        )

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        return zero_pad(inputs, self.padding)


@register
class UpSampling2D(Layer):
    """Keras UpSampling2D: repeat each pixel `size` times along height and width."""

    PARAMS = (
        ParamSpec("size", "shape", (2, 2), "Repeats along (height, width).", key=True),
        ParamSpec(
            "interpolation",
            "choice",
            "nearest",
            "How new pixels are filled (nearest: copies).",
            choices=("nearest",),
        ),
    )
    CATEGORY = "Reshaping"
    DESCRIPTION = "Enlarge an image by repeating each pixel."

    def __init__(
        self,
        size: Any = (2, 2),
        data_format: Any = None,
        interpolation: str = "nearest",
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.size = int_tuple(self, "size", size, 2)
        channels_last(self, data_format)
        if interpolation != "nearest":
            raise argument_error(
                "UpSampling2D",
                "interpolation",
                interpolation,
                "'nearest' (other interpolations are not supported yet)",
            )
        self.interpolation = interpolation

    def compute_output_shape(self, input_shape: Any) -> Shape:
        (h, w), c = spatial_input("UpSampling2D", input_shape, 2)
        sh, sw = self.size
        return (None, None if h is None else h * sh, None if w is None else w * sw, c)

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        return upsample(inputs, self.size)


@register
class Permute(Layer):
    """Keras Permute: reorder the non-batch axes; `dims` counts them from 1."""

    PARAMS = (
        ParamSpec(
            "dims", "axes", (2, 1), "New order of the axes, counted from 1 (e.g. 2, 1).", key=True
        ),
    )
    CATEGORY = "Reshaping"
    DESCRIPTION = "Reorder the axes of each sample, e.g. (steps, features) -> (features, steps)."

    def __init__(self, dims: Any = (2, 1), name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        value = self._check("dims", dims)
        dims = (value,) if isinstance(value, int) else tuple(value)
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ConfigError(
                "Permute: argument `dims` Expected a permutation of 1..n (the axes after the "
                f"batch axis, counted from 1). Received: dims={value!r}"
            )
        self.dims: tuple[int, ...] = dims
        self._axes = (0,) + dims

    def compute_output_shape(self, input_shape: Any) -> Shape:
        shape = tuple(input_shape)
        if len(shape) - 1 != len(self.dims):
            raise ShapeError(
                None,
                f"Permute with dims {self.dims} needs samples with {len(self.dims)} axes. "
                f"Received: {shape[1:]}",
            )
        return (None,) + tuple(shape[d] for d in self.dims)

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        return _transpose(inputs, self._axes)


@register
class RepeatVector(Layer):
    """Keras RepeatVector: (batch, features) -> (batch, n, features)."""

    PARAMS = (
        ParamSpec("n", "int", 2, "How many times to repeat the vector.", minimum=1, key=True),
    )
    CATEGORY = "Reshaping"
    DESCRIPTION = "Repeat a vector n times, making a sequence (n, features)."

    def __init__(self, n: int = 2, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.n: int = self._check("n", n)

    def compute_output_shape(self, input_shape: Any) -> Shape:
        shape = tuple(input_shape)
        if len(shape) != 2:
            raise ShapeError(
                None, f"RepeatVector needs flat vectors (features,). Received: {shape[1:]}"
            )
        return (None, self.n, shape[1])

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        return repeat_steps(inputs, self.n)
