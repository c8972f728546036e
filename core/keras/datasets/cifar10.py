"""keras.datasets.cifar10: refused with the reason (Keras stores it as pickled Python objects)."""

from __future__ import annotations

from typing import Any

from core.keras.datasets._cache import refuse_pickled


def load_data(*args: Any, **kwargs: Any) -> Any:
    """Always raises DataError: cifar-10-batches-py needs unpickling (refused)."""
    refuse_pickled("cifar10", "cifar-10-batches-py")
