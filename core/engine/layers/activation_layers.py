"""Activation layers with their own arguments: ReLU, LeakyReLU and Softmax (Keras 3 defaults).

Each is one elementwise graph node. Softmax over the last axis reports
`output_activation = "softmax"` so a model ending in it gets the stable fused
cross-entropy, as one ending in Dense(..., activation="softmax") does.
"""

from __future__ import annotations

from typing import Any

from core.engine.autograd import Tensor, as_tensor
from core.engine.layer_ops import relu_general
from core.engine.layers.base import Layer
from core.engine.layers.spec import ParamSpec, register
from core.engine.ops import leaky_relu as _leaky_relu
from core.engine.ops import relu as _relu
from core.engine.ops import softmax as _softmax
from core.errors import ConfigError


@register
class ReLU(Layer):
    """Keras ReLU: max_value cap, slope below the threshold, the threshold itself."""

    PARAMS = (
        ParamSpec(
            "max_value", "optional_float", None, "Cap on the output (None = no cap).", minimum=0.0
        ),
        ParamSpec("negative_slope", "float", 0.0, "Slope below the threshold.", minimum=0.0),
        ParamSpec("threshold", "float", 0.0, "Inputs below this take the negative slope."),
    )
    CATEGORY = "Activations"
    DESCRIPTION = "Rectified linear unit with optional cap, threshold and negative slope."
    SUPPORTS_MASKING = True

    def __init__(
        self,
        max_value: float | None = None,
        negative_slope: float = 0.0,
        threshold: float = 0.0,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.max_value: float | None = self._check("max_value", max_value)
        self.negative_slope: float = self._check("negative_slope", negative_slope)
        self.threshold: float = self._check("threshold", threshold)
        if self.max_value is None and not self.negative_slope and not self.threshold:
            self.output_activation = None

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        x = as_tensor(inputs)
        if self.max_value is None and not self.negative_slope and not self.threshold:
            return _relu(x)
        return relu_general(x, self.max_value, self.negative_slope, self.threshold)


@register
class LeakyReLU(Layer):
    """Keras LeakyReLU: x for x > 0, negative_slope * x otherwise (Keras 3 default 0.3)."""

    PARAMS = (
        ParamSpec(
            "negative_slope", "float", 0.3, "Slope for negative inputs.", minimum=0.0, key=True
        ),
    )
    CATEGORY = "Activations"
    DESCRIPTION = "Leaky rectified linear unit: a small slope for negative inputs."
    SUPPORTS_MASKING = True

    def __init__(self, negative_slope: float = 0.3, name: str | None = None, **kwargs: Any) -> None:
        if "alpha" in kwargs:  # Keras 2's name for the slope
            negative_slope = kwargs.pop("alpha")
        super().__init__(name=name, **kwargs)
        self.negative_slope: float = self._check("negative_slope", negative_slope)

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        return _leaky_relu(inputs, self.negative_slope)


@register
class Softmax(Layer):
    """Keras Softmax: exponentials normalised to sum to 1 along `axis`."""

    PARAMS = (ParamSpec("axis", "axes", -1, "Axis the probabilities sum over.", key=True),)
    CATEGORY = "Activations"
    DESCRIPTION = "Turn scores into probabilities that sum to 1 (softmax)."
    SUPPORTS_MASKING = True

    def __init__(self, axis: Any = -1, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.axis: Any = self._check("axis", axis)
        if isinstance(self.axis, tuple):
            if len(self.axis) != 1:
                raise ConfigError(f"Softmax: Expected one axis. Received: axis={axis!r}")
            self.axis = self.axis[0]
        self.output_activation = "softmax" if self.axis == -1 else None

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        return _softmax(inputs, axis=self.axis)

    def call_pre_activation(self, inputs: Any, training: bool = False) -> Tensor:
        return as_tensor(inputs)
