"""Scratch arrays for kernels that run both eagerly and inside a plan.

A kernel asks its workspace for every array it writes: `ws.get(name, shape, dtype)`.
Eager code passes `FRESH`, which hands out new arrays (what NumPy would allocate
anyway); a plan passes a `Workspace`, which allocates each named array on the first
request and returns the same one afterwards. One kernel, two memory policies: a plan
step computes exactly what the eager step computes, without allocating.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np


class Fresh:
    """The eager policy: every request is a new, uninitialised array."""

    __slots__ = ()

    def get(self, name: Hashable, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        return np.empty(shape, dtype)


FRESH = Fresh()


class Workspace:
    """The plan policy: one persistent array per name (shape and dtype fixed by first use)."""

    __slots__ = ("arrays",)

    def __init__(self) -> None:
        self.arrays: dict[Hashable, np.ndarray] = {}

    def get(self, name: Hashable, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        arr = self.arrays.get(name)
        if arr is None:
            arr = self.arrays[name] = np.empty(shape, dtype)
        return arr

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.arrays.values())
