"""A model that follows a training run from another thread: weight snapshots and a twin.

The training thread owns its model; no other thread may read it while it
trains. `WeightTap.capture(model)` runs in the training thread between two
optimizer steps (the worker calls it once per delivery, about five times a
second) and keeps a read-only copy of the weights as the newest
`WeightSnapshot`; another thread takes it with `latest()`. The copy is cheap
for small networks; for a large one the tap measures each copy and spaces
them out so that copying costs at most `budget` of the run's time, and it
copies nothing at all past `max_bytes` (`describe()` says which, in plain
words). `TwinModel` is a second model built once from the same network
description; it loads those copies and predicts for the views (decision
boundary, live metrics) without ever touching the model being trained.
"""

from __future__ import annotations

import copy
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["TwinModel", "WeightSnapshot", "WeightTap"]

#: Shortest time between two copies (seconds): about ten a second.
MIN_INTERVAL = 0.1
#: Largest share of the run's time that copying may take.
COPY_BUDGET = 0.02
#: Above this many bytes of weights nothing is copied during a run (the views wait for its end).
MAX_BYTES = 256 * 2**20


@dataclass(frozen=True)
class WeightSnapshot:
    """Read-only copies of a model's weights (`get_weights()` order), numbered by `version`."""

    version: int
    weights: tuple[np.ndarray, ...]
    copy_seconds: float


def _size(n_bytes: int) -> str:
    return f"{n_bytes / 2**20:,.0f} MB" if n_bytes >= 2**20 else f"{n_bytes / 1024:,.0f} kB"


class WeightTap:
    """Copies a training model's weights for another thread, at a bounded cost.

    `wanted` (a plain attribute any thread may set) switches copying on; while it is
    False `capture` returns at once. `capture` is called from the training thread
    only; `latest()` from any thread.
    """

    def __init__(
        self,
        min_interval: float = MIN_INTERVAL,
        budget: float = COPY_BUDGET,
        max_bytes: int = MAX_BYTES,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.min_interval = float(min_interval)
        #: Seconds, monotonic; tests pass their own clock to step time by hand.
        self.clock = clock
        self.budget = float(budget)
        self.max_bytes = int(max_bytes)
        self.wanted = False
        self._lock = threading.Lock()
        self._version = 0
        self.reset()

    def reset(self) -> None:
        """Forget the previous run's copy and timing (call before a run starts)."""
        with self._lock:
            self._latest: WeightSnapshot | None = None
        self.interval = self.min_interval
        self.n_bytes: int | None = None
        self.n_weights = 0
        self.copies = 0
        self.copy_seconds = 0.0
        self._last = -math.inf

    def capture(self, model: Any) -> bool:
        """Copy `model`'s weights when they are wanted and due; True when a copy was made.

        Call it between two training steps, in the thread that trains `model`.
        """
        if not self.wanted:
            return False
        now = self.clock()
        if now - self._last < self.interval:
            return False
        self._last = now
        if self.n_bytes is None:
            arrays = [np.asarray(v.data) for v in model.weights]
            self.n_weights = sum(a.size for a in arrays)
            self.n_bytes = sum(a.nbytes for a in arrays)
        if self.n_bytes > self.max_bytes:
            return False
        weights = model.get_weights()
        for w in weights:
            w.setflags(write=False)
        took = self.clock() - now
        self.copies += 1
        self.copy_seconds += took
        self.interval = max(self.min_interval, took / self.budget)
        with self._lock:
            self._version += 1
            self._latest = WeightSnapshot(self._version, tuple(weights), took)
        return True

    def latest(self) -> WeightSnapshot | None:
        """The newest copy of this run, or None before the first."""
        with self._lock:
            return self._latest

    @property
    def live(self) -> bool:
        """False when the weights are too large to copy during a run."""
        return self.n_bytes is None or self.n_bytes <= self.max_bytes

    def describe(self) -> str:
        """How closely a view can follow the run, in plain words ("" before any capture)."""
        if self.n_bytes is None:
            return ""
        size = f"{self.n_weights:,} weights, {_size(self.n_bytes)}"
        if not self.live:
            return (
                f"The network is large ({size}): copying its weights while it trains would "
                "slow training down, so the view is drawn when the run ends."
            )
        per_second = 1.0 / self.interval
        if self.interval <= self.min_interval * 1.5:
            return f"Live: the weights ({size}) are copied about {per_second:.0f} times a second."
        mean = self.copy_seconds / max(self.copies, 1)
        return (
            f"The network is large ({size}; a copy takes {mean * 1000:.0f} ms), so the view "
            f"follows it every {self.interval:.1f} s to keep training fast."
        )


class TwinModel:
    """A second model built once from a network description; it predicts on copied weights.

    `network` is the graph's JSON form (`core.document.graph_io.graph_to_dict`),
    the one the training model was built from, so the weights line up one for one.
    """

    def __init__(self, network: Mapping[str, Any], catalog: Any | None = None) -> None:
        from core.document.analysis import build_model
        from core.document.graph_io import graph_from_dict

        if catalog is None:
            from core.engine.layers.spec import CATALOG

            catalog = CATALOG
        self.network = copy.deepcopy(dict(network))
        self.model = build_model(graph_from_dict(copy.deepcopy(self.network), catalog=catalog))
        self.loaded = False

    def same_network(self, network: Mapping[str, Any] | None) -> bool:
        return network is not None and dict(network) == self.network

    def load(self, weights: Sequence[np.ndarray]) -> None:
        """Take these weights (the training model's `get_weights()` order); ConfigError when
        their count or shapes do not fit."""
        self.model.set_weights(weights)
        self.loaded = True

    def unload(self) -> None:
        """Forget that it holds weights (the model it followed is gone); `load` again to use."""
        self.loaded = False

    def get_weights(self) -> list[np.ndarray]:
        return self.model.get_weights()

    def predict(self, x: np.ndarray, batch_size: int = 8192) -> np.ndarray:
        """The network's outputs for inputs `x` (n, features)."""
        return np.asarray(self.model.predict(x, batch_size=batch_size, verbose=0))
