"""keras.optimizers.schedules: learning-rate schedules."""

from __future__ import annotations

from core.engine.schedules import (
    CosineDecay,
    ExponentialDecay,
    InverseTimeDecay,
    LearningRateSchedule,
    PiecewiseConstantDecay,
    deserialize,
    serialize,
)
from core.keras._unsupported import missing_names

__all__ = [
    "CosineDecay",
    "ExponentialDecay",
    "InverseTimeDecay",
    "LearningRateSchedule",
    "PiecewiseConstantDecay",
    "deserialize",
    "serialize",
]

__getattr__ = missing_names(__name__)
