"""Normalization layers: BatchNormalization and LayerNormalization (Keras defaults).

Both run as one fused graph node (`core.engine.ops.normalize`). BatchNormalization
uses batch statistics while training and updates its non-trainable moving
mean/variance in place; at inference it uses the moving statistics.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.engine.autograd import Tensor, as_tensor
from core.engine.layer_ops import batch_norm_inference, moving_average
from core.engine.layers.base import Layer, Shape
from core.engine.layers.core_layers import _initializer
from core.engine.layers.spec import ParamSpec, register
from core.engine.ops import normalize
from core.errors import ShapeError

_COMMON = (
    ParamSpec("axis", "axes", -1, "Feature axis (normalized separately for each feature)."),
    ParamSpec("epsilon", "float", 1e-3, "Small number added to the variance.", minimum=0.0),
    ParamSpec("center", "bool", True, "Learn an offset (beta)."),
    ParamSpec("scale", "bool", True, "Learn a scale (gamma)."),
)


def _axes(cls: str, axis: Any, input_shape: Shape) -> tuple[int, ...]:
    ndim = len(input_shape)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < ndim or a % ndim == 0:
            raise ShapeError(
                None,
                f"{cls} axis {a} is not a feature axis of inputs of shape "
                f"{tuple(input_shape[1:])}. Expected an axis in 1..{ndim - 1} or -1.",
            )
        if input_shape[a] is None:
            raise ShapeError(None, f"{cls} needs a known size along axis {a}.")
        if a % ndim in out:
            raise ShapeError(
                None,
                f"{cls} axis {list(axes)} names axis {a % ndim} twice. Expected each axis once.",
            )
        out.append(a % ndim)
    return tuple(sorted(out))


class _Norm(Layer):
    CATEGORY = "Normalization & Regularization"
    SUPPORTS_MASKING = True

    def _init_common(self, axis: Any, epsilon: float, center: bool, scale: bool) -> None:
        self.axis: Any = self._check("axis", axis)
        self.epsilon: float = self._check("epsilon", epsilon)
        self.center: bool = self._check("center", center)
        self.scale: bool = self._check("scale", scale)
        self.gamma: Tensor | None = None
        self.beta: Tensor | None = None

    def _param_shapes(self, input_shape: Any) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """(weight shape, broadcast shape) for the feature axes."""
        shape = tuple(input_shape)
        axes = _axes(type(self).__name__, self.axis, shape)
        wshape = tuple(int(shape[a]) for a in axes)
        bshape = tuple(int(shape[i]) if i in axes else 1 for i in range(len(shape)))
        return wshape, bshape

    def compute_output_shape(self, input_shape: Any) -> Shape:
        self._param_shapes(input_shape)
        return tuple(input_shape)

    def _add_affine(self, wshape: tuple[int, ...], rng: Any) -> None:
        if self.scale:
            self.gamma = self.add_weight("gamma", wshape, self._gamma_init, rng=rng)
        if self.center:
            self.beta = self.add_weight("beta", wshape, self._beta_init, rng=rng)

    def weight_shapes_for(self, input_shape: Any) -> dict[str, tuple[int, ...]]:
        """gamma and beta, as `scale` and `center` ask."""
        wshape, _ = self._param_shapes(input_shape)
        shapes = {}
        if self.scale:
            shapes["gamma"] = wshape
        if self.center:
            shapes["beta"] = wshape
        return shapes


@register
class BatchNormalization(_Norm):
    """Keras BatchNormalization: normalize each feature over the batch."""

    PARAMS = (
        _COMMON[0],
        ParamSpec(
            "momentum",
            "float",
            0.99,
            "Weight of the old moving statistics per step.",
            minimum=0.0,
            maximum=1.0,
            key=True,
        ),
        *_COMMON[1:],
        ParamSpec("beta_initializer", "str", "zeros", "How the offset starts."),
        ParamSpec("gamma_initializer", "str", "ones", "How the scale starts."),
        ParamSpec("moving_mean_initializer", "str", "zeros", "How the moving mean starts."),
        ParamSpec("moving_variance_initializer", "str", "ones", "How the moving variance starts."),
    )
    DESCRIPTION = "Normalize each feature over the batch; moving statistics at inference."

    def __init__(
        self,
        axis: Any = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        moving_mean_initializer: Any = "zeros",
        moving_variance_initializer: Any = "ones",
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        self._init_common(axis, epsilon, center, scale)
        self.momentum: float = self._check("momentum", momentum)
        self.beta_initializer, self._beta_init = _initializer(
            self, "beta_initializer", beta_initializer
        )
        self.gamma_initializer, self._gamma_init = _initializer(
            self, "gamma_initializer", gamma_initializer
        )
        self.moving_mean_initializer, self._mm_init = _initializer(
            self, "moving_mean_initializer", moving_mean_initializer
        )
        self.moving_variance_initializer, self._mv_init = _initializer(
            self, "moving_variance_initializer", moving_variance_initializer
        )
        self.moving_mean: Tensor | None = None
        self.moving_variance: Tensor | None = None

    def build(self, input_shape: Any, rng: np.random.Generator | None = None) -> None:
        wshape, bshape = self._param_shapes(input_shape)
        self._bshape = bshape
        features = _axes("BatchNormalization", self.axis, tuple(input_shape))
        self._reduce_axes = tuple(i for i in range(len(bshape)) if i not in features)
        self._add_affine(wshape, rng)
        self.moving_mean = self.add_weight(
            "moving_mean", wshape, self._mm_init, trainable=False, rng=rng
        )
        self.moving_variance = self.add_weight(
            "moving_variance", wshape, self._mv_init, trainable=False, rng=rng
        )
        self.built = True

    def weight_shapes_for(self, input_shape: Any) -> dict[str, tuple[int, ...]]:
        shapes = super().weight_shapes_for(input_shape)
        wshape, _ = self._param_shapes(input_shape)
        shapes["moving_mean"] = wshape
        shapes["moving_variance"] = wshape
        return shapes

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        x = as_tensor(inputs)
        bshape = self._bshape
        if training and self._trainable:
            out, mean, var = normalize(
                x, self.gamma, self.beta, self._reduce_axes, self.epsilon, bshape
            )
            moving_average(self.moving_mean, mean, self.momentum)
            moving_average(self.moving_variance, var, self.momentum)
            return out
        # Inference: an affine map with constant statistics.
        return batch_norm_inference(
            x, self.moving_mean, self.moving_variance, self.gamma, self.beta, self.epsilon, bshape
        )


@register
class LayerNormalization(_Norm):
    """Keras LayerNormalization: normalize each sample over its feature axis."""

    PARAMS = (
        *_COMMON,
        ParamSpec("beta_initializer", "str", "zeros", "How the offset starts."),
        ParamSpec("gamma_initializer", "str", "ones", "How the scale starts."),
    )
    DESCRIPTION = "Normalize each sample over its features."

    def __init__(
        self,
        axis: Any = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        self._init_common(axis, epsilon, center, scale)
        self.beta_initializer, self._beta_init = _initializer(
            self, "beta_initializer", beta_initializer
        )
        self.gamma_initializer, self._gamma_init = _initializer(
            self, "gamma_initializer", gamma_initializer
        )

    def build(self, input_shape: Any, rng: np.random.Generator | None = None) -> None:
        wshape, bshape = self._param_shapes(input_shape)
        self._bshape = bshape
        self._norm_axes = _axes("LayerNormalization", self.axis, tuple(input_shape))
        self._add_affine(wshape, rng)
        self.built = True

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        x = as_tensor(inputs)
        out, _, _ = normalize(x, self.gamma, self.beta, self._norm_axes, self.epsilon, self._bshape)
        return out
