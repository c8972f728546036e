"""SpatialDropout1D and SpatialDropout2D: drop whole channels (Keras names and defaults).

Like Dropout, but one draw per sample and channel, shared by every step (1D)
or pixel (2D): neighbouring steps and pixels are strongly correlated, so
dropping single values regularises little. Identity at inference.
"""

from __future__ import annotations

from typing import Any

from core.engine.autograd import Tensor, as_tensor
from core.engine.layer_ops import shared_dropout
from core.engine.layers.base import Shape
from core.engine.layers.convolutional import channels_last, spatial_input
from core.engine.layers.core_layers import Dropout
from core.engine.layers.spec import register, type_name
from core.engine.masking import get_mask, set_mask


class _SpatialDropout(Dropout):
    RANK = 1
    SUPPORTS_MASKING = True

    def __init__(
        self,
        rate: float = 0.5,
        data_format: Any = None,
        seed: int | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(rate, seed=seed, name=name, **kwargs)
        channels_last(self, data_format)

    def compute_output_shape(self, input_shape: Any) -> Shape:
        spatial_input(type_name(type(self)), input_shape, self.RANK)
        return tuple(input_shape)

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        x = as_tensor(inputs)
        if not training or self.rate == 0.0:
            return x
        shared = tuple(range(1, self.RANK + 1))
        return set_mask(shared_dropout(x, self.rate, self.rng, shared), get_mask(inputs))


@register
class SpatialDropout1D(_SpatialDropout):
    """Keras SpatialDropout1D: drop whole channels of a sequence (steps, channels)."""

    RANK = 1
    DESCRIPTION = "Dropout of whole channels of a sequence while training."


@register
class SpatialDropout2D(_SpatialDropout):
    """Keras SpatialDropout2D: drop whole feature maps of an image (height, width, channels)."""

    RANK = 2
    DESCRIPTION = "Dropout of whole feature maps of an image while training."
