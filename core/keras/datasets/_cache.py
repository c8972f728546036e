"""Find a dataset file in Keras's cache folder; never download.

Keras keeps downloads in `$KERAS_HOME/datasets` (default `~/.keras/datasets`).
LayerForge reads the same files when they are there and otherwise raises a
DataError that says which file to put where and where Keras downloads it from.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from core.errors import DataError


def cache_dir() -> Path:
    home = os.environ.get("KERAS_HOME") or str(Path.home() / ".keras")
    return Path(home) / "datasets"


def cached_file(fname: str, origin: str, dataset: str, caller: str | None = None) -> Path:
    """The path of `fname` in the cache folder, or a DataError saying where to put it.

    `caller` names the call in the message (default keras.datasets.<dataset>.load_data).
    """
    path = cache_dir() / fname
    if path.exists():
        return path
    caller = caller or f"keras.datasets.{dataset}.load_data"
    raise DataError(
        f"{caller}: Expected the file {fname} in Keras's cache "
        f"folder. Received: no file at {path}. LayerForge does not download; download "
        f"{origin} on a machine with network access and put it at {path} (or set KERAS_HOME).",
        path=str(path),
    )


def load_npz(path: Path, keys: tuple[str, ...], dataset: str) -> list[np.ndarray]:
    """Plain arrays from an .npz (allow_pickle=False), with a clear error when one is missing."""
    try:
        with np.load(path, allow_pickle=False) as f:
            return [np.asarray(f[k]) for k in keys]
    except (KeyError, ValueError, OSError) as exc:
        raise DataError(
            f"keras.datasets.{dataset}: Expected arrays {', '.join(keys)} in {path}. "
            f"Received: {exc}",
            path=str(path),
        ) from None


def refuse_pickled(dataset: str, fname: str) -> None:
    raise DataError(
        f"keras.datasets.{dataset}.load_data: Keras stores this dataset ({fname}) as pickled "
        "Python objects, and LayerForge never unpickles files. Expected plain arrays. Load "
        "the data with real Keras or tensorflow_datasets once, save it with numpy.savez "
        "(plain integer arrays) and load that with numpy.load."
    )


def split(x: np.ndarray, y: np.ndarray, test_split: float, seed: int) -> tuple:
    """Keras's shuffle-then-split for the housing datasets (np.random.RandomState(seed))."""
    rng = np.random.RandomState(seed)
    idx = np.arange(len(x))
    rng.shuffle(idx)
    x, y = x[idx], y[idx]
    cut = int(len(x) * (1 - test_split))
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])
