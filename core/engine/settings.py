"""Process-wide engine settings with Keras's names: floatx, epsilon and the epoch caps.

`keras.config` and `keras.backend` read and write these. `max_epochs` and
`max_steps_per_epoch` cap every `fit` (Keras 3's debugging limits); like Keras
they start from the `KERAS_MAX_EPOCHS` / `KERAS_MAX_STEPS_PER_EPOCH`
environment variables, so a program can be run short without editing it.
"""

from __future__ import annotations

import os

from core.errors import ConfigError

FLOAT_TYPES = ("float32", "float64")


def _env_int(name: str) -> int | None:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(
            f"Environment variable {name}: Expected a whole number. Received: {raw!r}"
        ) from None
    if value < 1:
        raise ConfigError(f"Environment variable {name}: Expected >= 1. Received: {raw!r}")
    return value


_state: dict[str, object] = {
    "floatx": "float32",
    "epsilon": 1e-7,
    "max_epochs": _env_int("KERAS_MAX_EPOCHS"),
    "max_steps_per_epoch": _env_int("KERAS_MAX_STEPS_PER_EPOCH"),
}


def floatx() -> str:
    """The default float type of new weights: 'float32' unless set_floatx changed it."""
    return str(_state["floatx"])


def set_floatx(value: str) -> None:
    if value not in FLOAT_TYPES:
        raise ConfigError(
            f"set_floatx: Expected one of {', '.join(FLOAT_TYPES)} (the float types the "
            f"engine computes in). Received: {value!r}"
        )
    _state["floatx"] = value


def epsilon() -> float:
    return float(_state["epsilon"])  # type: ignore[arg-type]


def set_epsilon(value: float) -> None:
    _state["epsilon"] = float(value)


def _limit(name: str, value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ConfigError(f"set_{name}: Expected a whole number >= 1 or None. Received: {value!r}")
    _state[name] = value


def max_epochs() -> int | None:
    """The cap on the epochs of every fit, or None (KERAS_MAX_EPOCHS / set_max_epochs)."""
    return _state["max_epochs"]  # type: ignore[return-value]


def set_max_epochs(value: int | None) -> None:
    _limit("max_epochs", value)


def max_steps_per_epoch() -> int | None:
    """The cap on the batches of every epoch, or None."""
    return _state["max_steps_per_epoch"]  # type: ignore[return-value]


def set_max_steps_per_epoch(value: int | None) -> None:
    _limit("max_steps_per_epoch", value)
