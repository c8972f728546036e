"""Preprocessing layers: Normalization (statistics from `adapt(data)`) and Rescaling.

Like Keras 3's `keras.layers.Normalization`: `adapt` computes the mean and
variance over every axis except `axis` (the features); `call` returns
(x - mean) / max(sqrt(variance), epsilon), or the inverse when `invert=True`.
Fixed `mean`/`variance` arguments replace adapt. The statistics are
non-trainable weights (mean, variance, count), saved with the model.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.engine.autograd import Tensor, as_tensor
from core.engine.layer_ops import rescale, standardize
from core.engine.layers.base import Layer, Shape
from core.engine.layers.spec import ParamSpec, register
from core.errors import ConfigError, DataError

_EPSILON = 1e-7


@register
class Normalization(Layer):
    """Keras Normalization: standardise features with statistics from adapt()."""

    PARAMS = (
        ParamSpec("axis", "axes", -1, "Feature axis (statistics are kept per feature)."),
        ParamSpec("invert", "bool", False, "Undo the normalization instead of applying it."),
    )
    CATEGORY = "Normalization & Regularization"
    DESCRIPTION = "Standardise each feature with a mean and variance (set by adapt in Python)."

    def __init__(
        self,
        axis: Any = -1,
        mean: Any = None,
        variance: Any = None,
        invert: bool = False,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.axis: Any = self._check("axis", -1 if axis is None else axis)
        self.invert: bool = self._check("invert", invert)
        if (mean is None) != (variance is None):
            raise ConfigError(
                "Normalization: Expected both mean and variance, or neither. "
                f"Received: mean={mean!r}, variance={variance!r}"
            )
        self.input_mean = None if mean is None else np.asarray(mean, np.float64)
        self.input_variance = None if variance is None else np.asarray(variance, np.float64)
        self.mean: Tensor | None = None
        self.variance: Tensor | None = None
        self.count: Tensor | None = None

    def _feature_axes(self, shape: Shape) -> tuple[int, ...]:
        axes = self.axis if isinstance(self.axis, tuple) else (self.axis,)
        ndim = len(shape)
        out = []
        for a in axes:
            if not -ndim <= a < ndim or a % ndim == 0:
                raise ConfigError(
                    f"Normalization '{self.name}': axis {a} Expected a feature axis of inputs "
                    f"shaped {shape[1:]} (not the batch axis)."
                )
            out.append(a % ndim)
        return tuple(sorted(out))

    def _stat_shape(self, shape: Shape) -> tuple[int, ...]:
        keep = self._feature_axes(shape)
        return tuple(int(shape[i]) for i in keep)  # type: ignore[arg-type]

    def weight_shapes_for(self, input_shape: Any) -> dict[str, tuple[int, ...]]:
        s = self._stat_shape(tuple(input_shape))
        return {"mean": s, "variance": s, "count": ()}

    def build(self, input_shape: Any, rng: np.random.Generator | None = None) -> None:
        shape = tuple(input_shape)
        s = self._stat_shape(shape)
        self._bshape = tuple(
            int(shape[i]) if i in self._feature_axes(shape) else 1 for i in range(len(shape))
        )
        self.mean = self.add_weight("mean", s, "zeros", trainable=False)
        self.variance = self.add_weight("variance", s, "ones", trainable=False)
        self.count = self.add_weight("count", (), "zeros", trainable=False)
        if self.input_mean is not None:
            self.mean.data[...] = np.broadcast_to(self.input_mean, s)
            self.variance.data[...] = np.broadcast_to(self.input_variance, s)
        self.built = True

    def adapt(self, data: Any, batch_size: Any = None, steps: Any = None) -> None:
        """Set the mean and variance of each feature from `data` (an array of samples)."""
        arr = np.asarray(getattr(data, "values", getattr(data, "data", data)), dtype=np.float64)
        if arr.ndim == 1:
            arr = arr.reshape(-1, 1)
        if arr.size == 0 or not np.isfinite(arr).all():
            raise DataError(
                f"Normalization '{self.name}'.adapt: Expected a non-empty array of finite "
                f"numbers. Received: shape {arr.shape}"
                + ("" if arr.size == 0 else " with NaN or infinite values")
                + "."
            )
        shape = (None,) + arr.shape[1:]
        if not self.built:
            self.build(shape)
        keep = self._feature_axes(shape)
        reduce = tuple(i for i in range(arr.ndim) if i not in keep)
        self.mean.data[...] = arr.mean(axis=reduce).reshape(self.mean.shape)
        self.variance.data[...] = arr.var(axis=reduce).reshape(self.variance.shape)
        self.count.data[...] = arr.shape[0]

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        return standardize(
            as_tensor(inputs), self.mean, self.variance, self.invert, self._bshape, _EPSILON
        )

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        if self.input_mean is not None:
            config["mean"] = self.input_mean.tolist()
            config["variance"] = self.input_variance.tolist()
        return config


@register
class Rescaling(Layer):
    """Keras Rescaling: inputs * scale + offset (e.g. scale=1/255 for 8-bit pixels)."""

    PARAMS = (
        ParamSpec("scale", "float", 1.0 / 255.0, "Multiply inputs by this.", key=True),
        ParamSpec("offset", "float", 0.0, "Then add this."),
    )
    CATEGORY = "Normalization & Regularization"
    DESCRIPTION = "Scale and shift inputs, e.g. pixels 0..255 to 0..1."
    SUPPORTS_MASKING = True

    def __init__(
        self, scale: Any = 1.0 / 255.0, offset: Any = 0.0, name: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.scale: Any = self._number_or_list("scale", scale)
        self.offset: Any = self._number_or_list("offset", offset)

    def _number_or_list(self, name: str, value: Any) -> Any:
        """A float, or a tuple of floats applied along the last axis (as Keras allows)."""
        if isinstance(value, (list, tuple, np.ndarray)):
            arr = np.asarray(value, dtype=np.float64).reshape(-1)
            if not np.all(np.isfinite(arr)):
                raise ConfigError(
                    f"Rescaling: argument `{name}` Expected finite numbers. Received: {value!r}"
                )
            return tuple(float(v) for v in arr)
        return self._check(name, value)

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        return rescale(inputs, self.scale, self.offset)
