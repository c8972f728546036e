"""The process-wide random source and helpers to get an explicit Generator.

Every random draw in `core` takes an explicit `np.random.Generator`. Where a
caller gives none, code falls back to `default_generator()`, the single
process-wide Generator that `set_random_seed(seed)` re-seeds (like
`keras.utils.set_random_seed`). `make_generator` turns a seed, a Generator or
None into a Generator.
"""

from __future__ import annotations

import random as _py_random
from typing import Any

import numpy as np

from core.errors import ConfigError

_default: list[np.random.Generator] = [np.random.default_rng()]


def set_random_seed(seed: int) -> None:
    """Re-seed the process-wide fallback Generator (and Python's `random`)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"Expected a non-negative integer seed. Received: seed={seed!r}")
    _default[0] = np.random.default_rng(int(seed))
    _py_random.seed(int(seed))


def default_generator() -> np.random.Generator:
    """The process-wide fallback Generator used where no explicit one is given."""
    return _default[0]


def make_generator(seed_or_generator: Any = None) -> np.random.Generator:
    """A Generator from an int seed, a Generator (returned as is) or None (the default one)."""
    if seed_or_generator is None:
        return _default[0]
    if isinstance(seed_or_generator, np.random.Generator):
        return seed_or_generator
    if isinstance(seed_or_generator, (int, np.integer)) and not isinstance(seed_or_generator, bool):
        if seed_or_generator < 0:
            raise ConfigError(
                f"Expected a non-negative integer seed. Received: seed={seed_or_generator!r}"
            )
        return np.random.default_rng(int(seed_or_generator))
    raise ConfigError(
        "Expected an integer seed, a numpy.random.Generator or None. "
        f"Received: {seed_or_generator!r}"
    )
