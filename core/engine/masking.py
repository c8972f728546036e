"""Keras-style sequence masks carried on tensors from an Embedding(mask_zero=True) onwards.

A mask is a boolean (batch, steps) array, True where a step holds a real token.
The layer that makes it attaches it to its output Tensor (`set_mask`), the
functional model carries it through the layers that keep the step axis
(`propagate`), and the layers that use it (recurrent layers,
GlobalAveragePooling1D) read it from their input (`get_mask`), as Keras 3 does
with `_keras_mask`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.engine.autograd import Tensor


def get_mask(x: Any) -> np.ndarray | None:
    """The mask carried by `x` (a Tensor, or None for anything else or no mask)."""
    return getattr(x, "_keras_mask", None)


def set_mask(out: Tensor, mask: np.ndarray | None) -> Tensor:
    """Attach `mask` to `out` (a no-op for None) and return `out`."""
    if mask is not None:
        out._keras_mask = mask
    return out


def propagate(layer: Any, inputs: Any, out: Any) -> None:
    """Carry the input's mask to `out` when `layer` keeps the step axis (SUPPORTS_MASKING).

    Layers that make or consume a mask set their output's mask themselves; this
    covers the pass-through ones (Dense on sequences, Dropout, Activation, ...).
    """
    if not isinstance(out, Tensor) or get_mask(out) is not None:
        return
    mask = get_mask(inputs)
    if mask is None or not getattr(layer, "SUPPORTS_MASKING", False):
        return
    if out.data.ndim >= 2 and out.data.shape[:2] == mask.shape:
        out._keras_mask = mask
