"""keras.backend: the backend-level helpers Keras 3 still exports (floatx, clear_session, ...)."""

from __future__ import annotations

from typing import Any

import numpy as np

from core.engine.autograd import Tensor
from core.engine.layers import SymbolicTensor, reset_names
from core.engine.settings import epsilon, floatx, set_epsilon, set_floatx
from core.keras._unsupported import missing_names
from core.keras.config import backend, image_data_format, set_image_data_format

_uids: dict[str, int] = {}


def clear_session(free_memory: bool = True) -> None:
    """Forget automatic layer names (the next Dense is 'dense' again), as Keras does."""
    reset_names()
    _uids.clear()


def get_uid(prefix: str = "") -> int:
    _uids[prefix] = _uids.get(prefix, 0) + 1
    return _uids[prefix]


def is_keras_tensor(x: Any) -> bool:
    """Whether x is a symbolic tensor from keras.Input or a layer call on one."""
    return isinstance(x, SymbolicTensor)


def is_float_dtype(dtype: Any) -> bool:
    return np.dtype(standardize_dtype(dtype)).kind == "f"


def is_int_dtype(dtype: Any) -> bool:
    return np.dtype(standardize_dtype(dtype)).kind in "iu"


def standardize_dtype(dtype: Any) -> str:
    if dtype is None:
        return floatx()
    if isinstance(dtype, Tensor):
        dtype = dtype.dtype
    return "bool" if dtype in ("bool", bool) else str(np.dtype(dtype))


def result_type(*dtypes: Any) -> str:
    return str(np.result_type(*[standardize_dtype(d) for d in dtypes]))


__all__ = [
    "backend",
    "clear_session",
    "epsilon",
    "floatx",
    "get_uid",
    "image_data_format",
    "is_float_dtype",
    "is_int_dtype",
    "is_keras_tensor",
    "result_type",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
    "standardize_dtype",
]

__getattr__ = missing_names(__name__)
