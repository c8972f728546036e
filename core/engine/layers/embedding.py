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
from core.engine.recurrent_ops import embedding_lookup
from core.errors import DataError


def token_ids(data: Any, input_dim: int, where: str, row_offset: int = 0) -> np.ndarray:
    """`data` as an integer id array, or a DataError naming the first bad row.

    Whole-number floats are accepted (Keras casts them); fractional or non-finite
    values, and ids outside [0, input_dim), are refused.
    """
    arr = np.asarray(getattr(data, "data", data))
    if arr.dtype.kind == "f":
        whole = np.isfinite(arr) & (arr == np.floor(arr))
        if not whole.all():
            row = int(np.argwhere(~whole)[0][0])
            raise DataError(
                where=where,
                row=row + row_offset,
                expected=f"whole-number token ids in [0, {input_dim})",
                received=f"{arr[~whole].reshape(-1)[0]!r} (a float)",
                fix="Feed token ids (integers), e.g. from a tokenizer or "
                "keras.utils.pad_sequences; scaled or normalised values cannot index an "
                "embedding",
            )
        ids = arr.astype(np.intp)
    elif arr.dtype.kind in "iub":
        ids = arr.astype(np.intp, copy=False)
    else:
        raise DataError(
            where=where,
            expected=f"integer token ids in [0, {input_dim})",
            received=f"data of type {arr.dtype}",
            fix="Turn text into ids first (a tokenizer) and feed the ids",
        )
    if ids.size and (ids.min() < 0 or ids.max() >= input_dim):
        bad = (ids < 0) | (ids >= input_dim)
        row = int(np.argwhere(bad)[0][0])
        value = int(ids[bad].reshape(-1)[0])
        raise DataError(
            where=where,
            row=row + row_offset,
            expected=f"token ids in [0, {input_dim}) (input_dim={input_dim})",
            received=str(value),
            fix=f"Use input_dim={int(ids.max()) + 1} or more, or map ids at or above "
            f"{input_dim} to an 'unknown' id",
        )
    return ids


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

    def compute_output_shape(self, input_shape: Any) -> Shape:
        return tuple(input_shape) + (self.output_dim,)

    def weight_shapes_for(self, input_shape: Any) -> dict[str, tuple[int, ...]]:
        return {"embeddings": (self.input_dim, self.output_dim)}

    def build(self, input_shape: Any, rng: np.random.Generator | None = None) -> None:
        self.embeddings = self.add_weight(
            "embeddings", (self.input_dim, self.output_dim), self._init, self._reg, rng=rng
        )
        self.built = True

    def check_data(self, data: Any, where: str) -> None:
        """Refuse a whole input array whose ids this layer cannot look up (names the row)."""
        token_ids(data, self.input_dim, f"{where}: Embedding '{self.name}'")

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        ids = token_ids(inputs, self.input_dim, f"Embedding '{self.name}'")
        out = embedding_lookup(ids, self.embeddings)
        if self.mask_zero:
            set_mask(out, ids != 0)
        return out
