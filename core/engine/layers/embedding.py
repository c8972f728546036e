"""Embedding: integer token ids -> learned vectors (Keras's name, arguments and weight).

The weight is `embeddings` (input_dim, output_dim), Keras's layout. Ids may come
as integers or as whole-number floats (a model's inputs arrive as float32);
a fractional id or one outside [0, input_dim) is a DataError that names the
row and says what to change. With `mask_zero=True` id 0 is padding: the
output carries a (batch, steps) mask that the recurrent layers and
GlobalAveragePooling1D after it honour, as in Keras.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.engine import initializers, regularizers
from core.engine.autograd import Tensor
from core.engine.layers.base import Layer, Shape
from core.engine.layers.core_layers import _initializer, _regularizer
from core.engine.layers.spec import ParamSpec, register
from core.engine.masking import set_mask
from core.engine.recurrent_ops import embedding, padding_mask, token_ids


@register
class Embedding(Layer):
    """Keras Embedding: look up a learned vector for each integer token id."""

    PARAMS = (
        ParamSpec(
            "input_dim",
            "int",
            1000,
            "Vocabulary size: ids run from 0 to input_dim - 1.",
            minimum=1,
            key=True,
        ),
        ParamSpec("output_dim", "int", 32, "Length of each token's vector.", minimum=1, key=True),
        ParamSpec(
            "embeddings_initializer",
            "choice",
            "uniform",
            "How the vectors start.",
            choices=initializers.NAMES,
        ),
        ParamSpec(
            "embeddings_regularizer",
            "choice",
            None,
            "Penalty on the vectors (None = no penalty).",
            choices=regularizers.NAMES,
            nullable=True,
        ),
        ParamSpec(
            "embeddings_regularizer_factor",
            "float",
            0.01,
            "Strength of the penalty.",
            minimum=0.0,
        ),
        ParamSpec("mask_zero", "bool", False, "Treat id 0 as padding that later layers skip."),
    )
    CATEGORY = "Text"
    DESCRIPTION = "Turn integer token ids into learned vectors (steps) -> (steps, output_dim)."

    def __init__(
        self,
        input_dim: int = 1000,
        output_dim: int = 32,
        embeddings_initializer: Any = "uniform",
        embeddings_regularizer: Any = None,
        mask_zero: bool = False,
        embeddings_regularizer_factor: float = 0.01,
        weights: Any = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        input_length = kwargs.pop("input_length", None)
        super().__init__(name=name, **kwargs)
        if input_length is not None and self._input_shape_arg is None:
            self._input_shape_arg = (None, int(input_length))  # Keras 2's way to give the shape
        self.input_dim: int = self._check("input_dim", input_dim)
        self.output_dim: int = self._check("output_dim", output_dim)
        self.embeddings_initializer, self._init = _initializer(
            self, "embeddings_initializer", embeddings_initializer
        )
        self.embeddings_regularizer, self.embeddings_regularizer_factor, self._reg = _regularizer(
            self, "embeddings_regularizer", embeddings_regularizer, embeddings_regularizer_factor
        )
        self.mask_zero: bool = self._check("mask_zero", mask_zero)
        self.embeddings: Tensor | None = None
        # Keras's `weights=[matrix]` (pretrained vectors), copied in when the layer is built.
        self._initial_weights = (
            None
            if weights is None
            else list(weights if isinstance(weights, (list, tuple)) else [weights])
        )
        if self._initial_weights is not None:
            self.build((None, None))

    def compute_output_shape(self, input_shape: Any) -> Shape:
        return tuple(input_shape) + (self.output_dim,)

    def weight_shapes_for(self, input_shape: Any) -> dict[str, tuple[int, ...]]:
        return {"embeddings": (self.input_dim, self.output_dim)}

    def build(self, input_shape: Any, rng: np.random.Generator | None = None) -> None:
        self.embeddings = self.add_weight(
            "embeddings", (self.input_dim, self.output_dim), self._init, self._reg, rng=rng
        )
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def check_data(self, data: Any, where: str) -> None:
        """Refuse a whole input array whose ids this layer cannot look up (names the row)."""
        token_ids(data, self.input_dim, f"{where}: Embedding '{self.name}'")

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        out = embedding(inputs, self.embeddings, self.input_dim, f"Embedding '{self.name}'")
        if self.mask_zero:
            set_mask(out, padding_mask(inputs))
        return out
