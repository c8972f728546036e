"""keras.utils: to_categorical, normalize, set_random_seed, PyDataset, plot_model, pad_sequences.

`get_file` never downloads: it returns a file already in Keras's cache folder
or says where to put it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.engine.random import set_random_seed
from core.errors import ConfigError
from core.keras._unsupported import missing_names
from core.keras.datasets._cache import cache_dir
from core.keras.plot import plot_model
from core.keras.preprocessing.sequence import pad_sequences
from core.keras.saving import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    register_keras_serializable,
)


def to_categorical(x: Any, num_classes: int | None = None) -> np.ndarray:
    """One-hot encode integer class labels (keras.utils.to_categorical); keeps leading dims."""
    labels = np.asarray(getattr(x, "data", x))
    if labels.size and (labels.dtype.kind == "f" and not np.all(labels == np.round(labels))):
        raise ConfigError(
            "to_categorical: Expected whole-number class labels. Received: values such as "
            f"{labels.reshape(-1)[~(labels.reshape(-1) == np.round(labels.reshape(-1)))][0]!r}."
        )
    labels = labels.astype(np.int64)
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels.reshape(labels.shape[:-1])
    k = int(labels.max()) + 1 if num_classes is None else int(num_classes)
    if labels.size and (labels.min() < 0 or labels.max() >= k):
        raise ConfigError(
            f"to_categorical: Expected labels in 0..{k - 1}. Received: labels from "
            f"{int(labels.min())} to {int(labels.max())}."
        )
    out = np.zeros(labels.shape + (k,), dtype=np.float32)
    flat = out.reshape(-1, k)
    flat[np.arange(labels.size), labels.reshape(-1)] = 1.0
    return out


def normalize(x: Any, axis: int = -1, order: int = 2) -> np.ndarray:
    """x divided by its `order`-norm along `axis` (zero rows stay zero)."""
    a = np.asarray(getattr(x, "data", x), dtype=np.float64)
    norm = np.linalg.norm(a, ord=order, axis=axis, keepdims=True)
    norm[norm == 0] = 1.0
    return (a / norm).astype(np.float32)


class PyDataset:
    """Base for batch generators: override `__len__` (batches per epoch) and `__getitem__`.

    `__getitem__(i)` returns `(x, y)` or `(x, y, sample_weight)` for batch i;
    `on_epoch_end()` runs after each epoch. `fit`, `evaluate` and `predict`
    accept an instance. Batches are read in this process (workers and
    multiprocessing are accepted and ignored).
    """

    def __init__(
        self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10
    ) -> None:
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def __len__(self) -> int:
        raise NotImplementedError

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError

    def on_epoch_end(self) -> None:
        """Called after each epoch (reshuffle here)."""

    @property
    def num_batches(self) -> int:
        return len(self)


Sequence = PyDataset


def get_file(fname: str | None = None, origin: str | None = None, **kwargs: Any) -> str:
    """The path of `fname` in Keras's cache folder; LayerForge never downloads."""
    from core.keras.datasets._cache import cached_file

    name = fname or (origin or "").rsplit("/", 1)[-1]
    subdir = kwargs.get("cache_subdir", "datasets")
    if subdir != "datasets":
        name = f"../{subdir}/{name}"
    return str(cached_file(name, origin or "(no origin given)", "", "keras.utils.get_file"))


def clear_session() -> None:
    from core.keras.backend import clear_session as clear

    clear()


__all__ = [
    "CustomObjectScope",
    "PyDataset",
    "Sequence",
    "cache_dir",
    "clear_session",
    "custom_object_scope",
    "get_custom_objects",
    "get_file",
    "normalize",
    "pad_sequences",
    "plot_model",
    "register_keras_serializable",
    "set_random_seed",
    "to_categorical",
]

__getattr__ = missing_names(__name__)
