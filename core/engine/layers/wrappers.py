"""TimeDistributed: apply one layer to every step of a sequence (Keras's name and weights).

The steps are folded into the batch axis, the wrapped layer runs once on all
of them, and the result is unfolded: (batch, steps, ...) -> (batch, steps,
...out). The weights are the wrapped layer's, shared by every step. On the
canvas the wrapped layer is a Dense (units, activation); in Python any layer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.engine import activations
from core.engine.autograd import Tensor, as_tensor
from core.engine.layers.base import Layer, Shape
from core.engine.layers.core_layers import Dense, _activation_param
from core.engine.layers.recurrent import _as_layer, _serialize
from core.engine.layers.spec import ParamSpec, argument_error, register
from core.engine.masking import get_mask, set_mask
from core.engine.ops import reshape as _reshape
from core.errors import ConfigError, ShapeError


@register
class TimeDistributed(Layer):
    """Keras TimeDistributed: the same layer applied to each step of the input."""

    PARAMS = (
        ParamSpec(
            "layer", "choice", "Dense", "Layer applied at every step.", choices=("Dense",), key=True
        ),
        ParamSpec("units", "int", 10, "Units of the Dense layer.", minimum=1, key=True),
        _activation_param(key=False),
    )
    CATEGORY = "Recurrent"
    DESCRIPTION = "Apply a layer to every step of a sequence, with shared weights."
    SUPPORTS_MASKING = True

    def __init__(
        self,
        layer: Any = "Dense",
        units: int | None = None,
        activation: Any = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        if isinstance(layer, str):
            self._check("layer", layer)
            layer = Dense(
                10 if units is None else self._check("units", units),
                activation=activations.canonical_name(activation),
            )
        elif units is not None or activation is not None:
            raise ConfigError(
                "TimeDistributed: Expected units/activation only with the layer name 'Dense'. "
                "Received them with a layer: set them on the layer instead."
            )
        self.layer: Layer = _as_layer("TimeDistributed", layer)
        if self.layer.MIN_INPUTS != 1 or self.layer.MAX_INPUTS != 1:
            raise argument_error(
                "TimeDistributed", "layer", layer, "a layer with one input (not a merge layer)"
            )

    def _inner_shape(self, input_shape: Any) -> Shape:
        shape = tuple(input_shape)
        if len(shape) < 3:
            raise ShapeError(
                None,
                f"TimeDistributed needs inputs with a step axis (steps, ...). Received: "
                f"{shape[1:]}",
            )
        return (None,) + shape[2:]

    def compute_output_shape(self, input_shape: Any) -> Shape:
        inner = self.layer.compute_output_shape(self._inner_shape(input_shape))
        return (None, tuple(input_shape)[1]) + tuple(inner[1:])

    def weight_shapes_for(self, input_shape: Any) -> dict[str, tuple[int, ...]]:
        return self.layer.weight_shapes_for(self._inner_shape(input_shape))

    def build(self, input_shape: Any, rng: np.random.Generator | None = None) -> None:
        if not self.layer.built:
            self.layer._build_checked(self._inner_shape(input_shape), rng)
        self.built = True

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        x = as_tensor(inputs)
        n, steps = x.data.shape[:2]
        folded = _reshape(x, (n * steps,) + x.data.shape[2:])
        out = as_tensor(self.layer.call(folded, training))
        out = _reshape(out, (n, steps) + out.data.shape[1:])
        return set_mask(out, get_mask(inputs))

    def get_config(self) -> dict[str, Any]:
        return self._config_with({"layer": _serialize(self.layer)})
