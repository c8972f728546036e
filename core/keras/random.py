"""keras.random: random tensors drawn from LayerForge's seeded generators.

`seed` may be an int (a fresh generator with that seed, so the same call
gives the same numbers), a `SeedGenerator`, or None (the process-wide
generator that `keras.utils.set_random_seed` re-seeds).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.engine.autograd import Tensor
from core.engine.random import make_generator
from core.engine.settings import floatx
from core.keras._unsupported import missing_names


class SeedGenerator:
    """A stateful seed: each draw that uses it continues the same random stream."""

    def __init__(self, seed: int | None = None, **kwargs: Any) -> None:
        self.generator = np.random.default_rng(seed)


def _rng(seed: Any) -> np.random.Generator:
    if isinstance(seed, SeedGenerator):
        return seed.generator
    return make_generator(seed)


def _out(a: np.ndarray, dtype: Any) -> Tensor:
    a = np.asarray(a, dtype=np.dtype(dtype or floatx()))
    return Tensor(a, dtype=a.dtype)


def normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None, seed: Any = None):
    return _out(_rng(seed).normal(mean, stddev, size=tuple(shape)), dtype)


def uniform(
    shape: Any, minval: float = 0.0, maxval: float = 1.0, dtype: Any = None, seed: Any = None
):
    return _out(_rng(seed).uniform(minval, maxval, size=tuple(shape)), dtype)


def truncated_normal(
    shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None, seed: Any = None
) -> Tensor:
    r = _rng(seed)
    out = r.normal(size=tuple(shape))
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = r.normal(size=int(bad.sum()))
        bad = np.abs(out) > 2
    return _out(mean + stddev * out, dtype)


def randint(shape: Any, minval: int, maxval: int, dtype: Any = "int32", seed: Any = None):
    return _out(_rng(seed).integers(minval, maxval, size=tuple(shape)), dtype)


def shuffle(x: Any, axis: int = 0, seed: Any = None) -> Tensor:
    a = np.array(getattr(x, "data", x))
    return _out(_rng(seed).permutation(a, axis=axis), a.dtype)


def dropout(inputs: Any, rate: float, noise_shape: Any = None, seed: Any = None) -> Tensor:
    a = np.asarray(getattr(inputs, "data", inputs))
    keep = _rng(seed).random(noise_shape or a.shape) >= rate
    return _out(np.where(keep, a / (1.0 - rate), 0.0), a.dtype)


__all__ = [
    "SeedGenerator",
    "dropout",
    "normal",
    "randint",
    "shuffle",
    "truncated_normal",
    "uniform",
]

__getattr__ = missing_names(__name__)
