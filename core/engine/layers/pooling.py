"""Pooling layers: Max/AveragePooling1D/2D and Global(Average|Max)Pooling1D/2D (Keras names).

channels_last only; windowed pooling runs as one graph node
(`core.engine.conv_ops.pool`), global pooling as one mean/max reduction. As in
Keras, GlobalAveragePooling1D averages only the unmasked steps when the input
carries a mask (an Embedding with mask_zero=True upstream).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.engine.autograd import Tensor, as_tensor
from core.engine.conv_ops import pool, pool_output_shape
from core.engine.layers.base import Layer, Shape
from core.engine.layers.convolutional import (
    channels_last,
    int_tuple,
    padding_arg,
    runtime_pads,
    spatial_input,
)
from core.engine.layers.spec import ParamSpec, register, type_name
from core.engine.masking import get_mask
from core.engine.ops import max as _max
from core.engine.ops import mean as _mean
from core.engine.recurrent_ops import masked_mean
from core.errors import ShapeError


class _Pool(Layer):
    """Shared arguments and shapes of the windowed pooling layers."""

    RANK = 2
    MODE = "max"
    CATEGORY = "Pooling"

    def __init__(
        self,
        pool_size: Any = 2,
        strides: Any = None,
        padding: str = "valid",
        data_format: Any = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.pool_size = int_tuple(self, "pool_size", pool_size, self.RANK)
        self.strides = (
            self.pool_size if strides is None else int_tuple(self, "strides", strides, self.RANK)
        )
        self.padding: str = padding_arg(self, padding, ("valid", "same"))
        channels_last(self, data_format)
        self._pads: tuple[tuple[int, int], ...] = ()
        self._dynamic = False

    def _spatial(self, spatial: Shape) -> tuple[Shape, tuple[tuple[int, int], ...]]:
        dims, pads = pool_output_shape(spatial, self.pool_size, self.strides, self.padding)
        if any(v is not None and v < 1 for v in dims):
            size = "x".join("?" if v is None else str(v) for v in spatial)
            window = "x".join(map(str, self.pool_size))
            raise ShapeError(
                None,
                f"the {window} pooling window is larger than its {size} input. Expected an "
                f"input of at least {window} with padding='valid'. Use padding='same', a smaller "
                "pool_size, or fewer pooling layers before it.",
            )
        return dims, pads

    def compute_output_shape(self, input_shape: Any) -> Shape:
        spatial, channels = spatial_input(type_name(type(self)), input_shape, self.RANK)
        dims, _ = self._spatial(spatial)
        return (None,) + dims + (channels,)

    def build(self, input_shape: Any, rng: np.random.Generator | None = None) -> None:
        spatial, _ = spatial_input(type_name(type(self)), input_shape, self.RANK)
        _, self._pads = self._spatial(spatial)
        self._dynamic = any(v is None for v in spatial)
        self.built = True

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        x = as_tensor(inputs)
        pads = runtime_pads(self, self._spatial, x) if self._dynamic else self._pads
        return pool(x, self.pool_size, self.strides, pads, self.MODE)


def _pool_params(rank: int, what: str) -> tuple[ParamSpec, ...]:
    two = (2,) * rank
    return (
        ParamSpec(
            "pool_size", "shape", two, f"Size of the window to take the {what} over.", key=True
        ),
        ParamSpec(
            "strides",
            "shape",
            None,
            "Step of the window (None = the pool size: windows do not overlap).",
            nullable=True,
        ),
        ParamSpec(
            "padding",
            "choice",
            "valid",
            "valid: drop the cells that do not fill a window; same: pad to keep ceil(size/stride).",
            choices=("valid", "same"),
        ),
    )


@register
class MaxPooling2D(_Pool):
    """Keras MaxPooling2D: the largest value of each window of an image."""

    RANK, MODE = 2, "max"
    PARAMS = _pool_params(2, "maximum")
    DESCRIPTION = "Downsample an image: keep the largest value of each window."


@register
class AveragePooling2D(_Pool):
    """Keras AveragePooling2D: the mean of each window of an image."""

    RANK, MODE = 2, "avg"
    PARAMS = _pool_params(2, "mean")
    DESCRIPTION = "Downsample an image: keep the mean of each window."


@register
class MaxPooling1D(_Pool):
    """Keras MaxPooling1D: the largest value of each window of a sequence."""

    RANK, MODE = 1, "max"
    PARAMS = _pool_params(1, "maximum")
    DESCRIPTION = "Downsample a sequence: keep the largest value of each window of steps."


@register
class AveragePooling1D(_Pool):
    """Keras AveragePooling1D: the mean of each window of a sequence."""

    RANK, MODE = 1, "avg"
    PARAMS = _pool_params(1, "mean")
    DESCRIPTION = "Downsample a sequence: keep the mean of each window of steps."


class _GlobalPool(Layer):
    """Shared shapes of the global pooling layers (one value per channel)."""

    RANK = 2
    CATEGORY = "Pooling"
    PARAMS = (ParamSpec("keepdims", "bool", False, "Keep the pooled axes with size 1."),)

    def __init__(
        self,
        data_format: Any = None,
        keepdims: bool = False,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        channels_last(self, data_format)
        self.keepdims: bool = self._check("keepdims", keepdims)
        self._axes = tuple(range(1, self.RANK + 1))

    def compute_output_shape(self, input_shape: Any) -> Shape:
        _, channels = spatial_input(type_name(type(self)), input_shape, self.RANK)
        if self.keepdims:
            return (None,) + (1,) * self.RANK + (channels,)
        return (None, channels)


@register
class GlobalAveragePooling2D(_GlobalPool):
    """Keras GlobalAveragePooling2D: the mean of each channel over the image."""

    RANK = 2
    DESCRIPTION = "Average each channel over the whole image: (h, w, c) -> (c,)."

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        return _mean(inputs, axis=self._axes, keepdims=self.keepdims)


@register
class GlobalMaxPooling2D(_GlobalPool):
    """Keras GlobalMaxPooling2D: the largest value of each channel over the image."""

    RANK = 2
    DESCRIPTION = "Largest value of each channel over the whole image: (h, w, c) -> (c,)."

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        return _max(inputs, axis=self._axes, keepdims=self.keepdims)


@register
class GlobalAveragePooling1D(_GlobalPool):
    """Keras GlobalAveragePooling1D: the mean over steps (only unmasked steps, as Keras)."""

    RANK = 1
    DESCRIPTION = "Average each channel over all steps: (steps, c) -> (c,)."

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        mask = get_mask(inputs)
        if mask is None:
            return _mean(inputs, axis=1, keepdims=self.keepdims)
        return masked_mean(inputs, mask, self.keepdims)


@register
class GlobalMaxPooling1D(_GlobalPool):
    """Keras GlobalMaxPooling1D: the largest value of each channel over steps."""

    RANK = 1
    DESCRIPTION = "Largest value of each channel over all steps: (steps, c) -> (c,)."

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        return _max(inputs, axis=1, keepdims=self.keepdims)
