"""keras.config: the backend name, float type, epsilon, logging and the epoch caps.

LayerForge computes with NumPy, so `backend()` answers "numpy" (the Keras
backend whose code paths fit it best); `set_backend` accepts only that.
`enable_unsafe_deserialization()` is accepted and changes nothing: LayerForge
never deserializes code (no Lambda layers, no pickle), so loading is always safe.
"""

from __future__ import annotations

from core.engine.settings import (
    epsilon,
    floatx,
    max_epochs,
    max_steps_per_epoch,
    set_epsilon,
    set_floatx,
    set_max_epochs,
    set_max_steps_per_epoch,
)
from core.errors import ConfigError
from core.keras._unsupported import missing_names

_flags = {"interactive_logging": True, "unsafe_deserialization": False}


def backend() -> str:
    """The backend name Keras code branches on: "numpy"."""
    return "numpy"


def set_backend(name: str) -> None:
    if name != "numpy":
        raise ConfigError(
            f"set_backend: Expected 'numpy' (LayerForge computes with its own NumPy engine). "
            f"Received: {name!r}"
        )


def image_data_format() -> str:
    return "channels_last"


def set_image_data_format(data_format: str) -> None:
    if data_format != "channels_last":
        raise ConfigError(
            f"set_image_data_format: Expected 'channels_last'. Received: {data_format!r}"
        )


def enable_unsafe_deserialization() -> None:
    """Accepted for compatibility: LayerForge's loading never runs code, safe or not."""
    _flags["unsafe_deserialization"] = True


def enable_interactive_logging() -> None:
    _flags["interactive_logging"] = True


def disable_interactive_logging() -> None:
    _flags["interactive_logging"] = False


def is_interactive_logging_enabled() -> bool:
    return _flags["interactive_logging"]


def enable_traceback_filtering() -> None:
    """Accepted for compatibility: LayerForge's tracebacks are not filtered."""


def disable_traceback_filtering() -> None:
    """Accepted for compatibility: LayerForge's tracebacks are not filtered."""


def is_traceback_filtering_enabled() -> bool:
    return False


__all__ = [
    "backend",
    "disable_interactive_logging",
    "disable_traceback_filtering",
    "enable_interactive_logging",
    "enable_traceback_filtering",
    "enable_unsafe_deserialization",
    "epsilon",
    "floatx",
    "image_data_format",
    "is_interactive_logging_enabled",
    "is_traceback_filtering_enabled",
    "max_epochs",
    "max_steps_per_epoch",
    "set_backend",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
    "set_max_epochs",
    "set_max_steps_per_epoch",
]

__getattr__ = missing_names(__name__)
