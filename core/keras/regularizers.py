"""keras.regularizers: L1, L2, L1L2 and their lowercase names (`regularizers.l2(0.01)`)."""

from __future__ import annotations

from core.engine.regularizers import (
    L1,
    L1L2,
    L2,
    Regularizer,
    deserialize,
    get,
    l1,
    l1_l2,
    l2,
    serialize,
)
from core.keras._unsupported import missing_names

__all__ = [
    "L1",
    "L1L2",
    "L2",
    "Regularizer",
    "deserialize",
    "get",
    "l1",
    "l1_l2",
    "l2",
    "serialize",
]

__getattr__ = missing_names(__name__)
