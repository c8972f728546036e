"""Learning-rate schedules with Keras names, arguments and formulas.

A schedule maps the optimizer's step count (the number of updates applied so
far, starting at 0) to a learning rate. `ExponentialDecay`,
`InverseTimeDecay`, `PiecewiseConstantDecay` (step decay) and `CosineDecay` (with optional linear
warm-up) follow `keras.optimizers.schedules`; each round-trips through
`get_config()` -> JSON -> `from_config()`, and `serialize`/`deserialize` give
the `{"class_name": ..., "config": ...}` form optimizers store.
"""

from __future__ import annotations

import difflib
import math
from typing import Any

from core.errors import ConfigError


class LearningRateSchedule:
    """Base class: `schedule(step) -> float`."""

    def __call__(self, step: int) -> float:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LearningRateSchedule:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _positive(owner: str, name: str, value: Any, allow_zero: bool = False) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or math.isnan(value)
        or (value < 0 or (value == 0 and not allow_zero))
    ):
        bound = ">= 0" if allow_zero else "> 0"
        raise ConfigError(f"{owner}: Expected `{name}` {bound}. Received: {name}={value!r}")
    return float(value)


class ExponentialDecay(LearningRateSchedule):
    """lr = initial_learning_rate * decay_rate ** (step / decay_steps) (floored if staircase)."""

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
        name: str = "ExponentialDecay",
    ) -> None:
        self.initial_learning_rate = _positive(
            "ExponentialDecay", "initial_learning_rate", initial_learning_rate, allow_zero=True
        )
        self.decay_steps = _positive("ExponentialDecay", "decay_steps", decay_steps)
        self.decay_rate = _positive("ExponentialDecay", "decay_rate", decay_rate)
        self.staircase = bool(staircase)
        self.name = name

    def __call__(self, step: int) -> float:
        p = step / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate * self.decay_rate**p

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class InverseTimeDecay(LearningRateSchedule):
    """lr = initial_learning_rate / (1 + decay_rate * step / decay_steps) (floored if staircase)."""

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
        name: str = "InverseTimeDecay",
    ) -> None:
        self.initial_learning_rate = _positive(
            "InverseTimeDecay", "initial_learning_rate", initial_learning_rate, allow_zero=True
        )
        self.decay_steps = _positive("InverseTimeDecay", "decay_steps", decay_steps)
        self.decay_rate = _positive("InverseTimeDecay", "decay_rate", decay_rate, allow_zero=True)
        self.staircase = bool(staircase)
        self.name = name

    def __call__(self, step: int) -> float:
        p = step / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate / (1.0 + self.decay_rate * p)

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class PiecewiseConstantDecay(LearningRateSchedule):
    """Step decay: values[i] while boundaries[i-1] < step <= boundaries[i] (Keras's rule)."""

    def __init__(
        self, boundaries: list[int], values: list[float], name: str = "PiecewiseConstant"
    ) -> None:
        boundaries = list(boundaries)
        values = list(values)
        if len(values) != len(boundaries) + 1:
            raise ConfigError(
                "PiecewiseConstantDecay: Expected one more value than boundaries. Received: "
                f"{len(boundaries)} boundaries and {len(values)} values."
            )
        if any(b2 <= b1 for b1, b2 in zip(boundaries, boundaries[1:], strict=False)):
            raise ConfigError(
                f"PiecewiseConstantDecay: Expected increasing boundaries. Received: {boundaries}"
            )
        self.boundaries = boundaries
        self.values = [float(v) for v in values]
        self.name = name

    def __call__(self, step: int) -> float:
        for boundary, value in zip(self.boundaries, self.values, strict=False):
            if step <= boundary:
                return value
        return self.values[-1]

    def get_config(self) -> dict[str, Any]:
        return {"boundaries": list(self.boundaries), "values": list(self.values), "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay from initial_learning_rate to alpha * it, with optional linear warm-up."""

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        alpha: float = 0.0,
        name: str = "CosineDecay",
        warmup_target: float | None = None,
        warmup_steps: int = 0,
    ) -> None:
        self.initial_learning_rate = _positive(
            "CosineDecay", "initial_learning_rate", initial_learning_rate, allow_zero=True
        )
        self.decay_steps = _positive("CosineDecay", "decay_steps", decay_steps)
        self.alpha = _positive("CosineDecay", "alpha", alpha, allow_zero=True)
        self.name = name
        self.warmup_target = None if warmup_target is None else float(warmup_target)
        self.warmup_steps = int(warmup_steps)

    def _decay(self, step: float, start: float) -> float:
        completed = min(step, self.decay_steps) / self.decay_steps
        cosine = 0.5 * (1.0 + math.cos(math.pi * completed))
        return start * ((1 - self.alpha) * cosine + self.alpha)

    def __call__(self, step: int) -> float:
        if self.warmup_target is None or self.warmup_steps <= 0:
            return self._decay(step, self.initial_learning_rate)
        if step < self.warmup_steps:
            frac = step / self.warmup_steps
            return self.initial_learning_rate + frac * (
                self.warmup_target - self.initial_learning_rate
            )
        return self._decay(step - self.warmup_steps, self.warmup_target)

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


ALL_SCHEDULES: dict[str, type[LearningRateSchedule]] = {
    "ExponentialDecay": ExponentialDecay,
    "InverseTimeDecay": InverseTimeDecay,
    "PiecewiseConstantDecay": PiecewiseConstantDecay,
    "CosineDecay": CosineDecay,
}


def serialize(schedule: LearningRateSchedule) -> dict[str, Any]:
    """`{"class_name": ..., "config": ...}` like keras.saving.serialize_keras_object."""
    return {"class_name": type(schedule).__name__, "config": schedule.get_config()}


def deserialize(config: dict[str, Any]) -> LearningRateSchedule:
    """Inverse of `serialize`."""
    name = config.get("class_name") if isinstance(config, dict) else None
    if name not in ALL_SCHEDULES:
        close = difflib.get_close_matches(str(name), list(ALL_SCHEDULES), n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise ConfigError(
            f"Unknown learning-rate schedule. Expected one of: {', '.join(ALL_SCHEDULES)}. "
            f"Received: {name!r}.{hint}"
        )
    return ALL_SCHEDULES[name].from_config(dict(config.get("config", {})))
