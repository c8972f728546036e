"""keras.datasets.cifar100: refused with the reason (Keras stores it as pickled Python objects)."""

from __future__ import annotations

from typing import Any

from core.keras.datasets._cache import refuse_pickled


def load_data(*args: Any, **kwargs: Any) -> Any:
    """Always raises DataError: cifar-100-python needs unpickling (refused)."""
    refuse_pickled("cifar100", "cifar-100-python")
