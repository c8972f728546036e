"""keras.optimizers: SGD, RMSprop, Adagrad, Adam, AdamW and `keras.optimizers.schedules`."""

from __future__ import annotations

from core.engine.optimizers import (
    SGD,
    Adagrad,
    Adam,
    AdamW,
    Optimizer,
    RMSprop,
    deserialize,
    get,
    serialize,
)
from core.keras._unsupported import missing_names
from core.keras.optimizers import schedules

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "Optimizer",
    "RMSprop",
    "deserialize",
    "get",
    "schedules",
    "serialize",
]

__getattr__ = missing_names(__name__)
