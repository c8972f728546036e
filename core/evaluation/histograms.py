"""Weight and gradient histograms per layer per epoch, recorded while training.

A `HistogramRecorder` keeps, for each epoch it is fed, one histogram of each
layer's trainable weights and one of their gradients (the last batch's
gradient, which the optimizer leaves in the weights' `.grad` until the next
step). Feed it with its `callback()` in the trainer's callbacks, or call
`record(model, epoch)` from an `EpochEnded` handler in the training thread.
It holds only copies, behind a lock, so a view may read it from another
thread. Past `max_epochs` recorded epochs it keeps every other one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.engine.callbacks import Callback

__all__ = ["Histogram", "HistogramCallback", "HistogramRecorder", "LayerSnapshot"]


@dataclass(frozen=True)
class Histogram:
    """Counts over `bins` equal bins from min to max, with summary statistics."""

    counts: np.ndarray
    edges: np.ndarray
    mean: float
    std: float
    minimum: float
    maximum: float

    @classmethod
    def of(cls, values: np.ndarray, bins: int = 30) -> Histogram:
        v = np.asarray(values, dtype=np.float64).ravel()
        v = v[np.isfinite(v)]
        if v.size == 0:
            return cls(np.zeros(bins, np.int64), np.linspace(0, 1, bins + 1), 0.0, 0.0, 0.0, 0.0)
        lo, hi = float(v.min()), float(v.max())
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        counts, edges = np.histogram(v, bins=bins, range=(lo, hi))
        return cls(counts, edges, float(v.mean()), float(v.std()), float(v.min()), float(v.max()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": self.counts.tolist(),
            "edges": self.edges.tolist(),
            "mean": self.mean,
            "std": self.std,
            "min": self.minimum,
            "max": self.maximum,
        }


@dataclass(frozen=True)
class LayerSnapshot:
    """One layer at the end of one epoch."""

    epoch: int
    layer: str
    weights: Histogram
    gradients: Histogram | None


class HistogramRecorder:
    """Collects `LayerSnapshot`s per epoch (see the module docstring)."""

    def __init__(self, bins: int = 30, max_epochs: int = 400) -> None:
        self.bins = bins
        self.max_epochs = max(2, max_epochs)
        self._stride = 1
        self._lock = threading.Lock()
        self._epochs: dict[int, dict[str, LayerSnapshot]] = {}
        self._layers: list[str] = []

    def record(self, model: Any, epoch: int) -> None:
        """Snapshot every layer with trainable weights of `model` as epoch `epoch`."""
        if epoch % self._stride:
            return
        snaps: dict[str, LayerSnapshot] = {}
        for layer in getattr(model, "layers", []):
            weights = [w for w in layer.trainable_weights]
            if not weights:
                continue
            values = np.concatenate([np.asarray(w.data).ravel() for w in weights])
            grads = [w.grad for w in weights]
            grad_hist = None
            if all(g is not None for g in grads):
                grad_hist = Histogram.of(
                    np.concatenate([np.asarray(g).ravel() for g in grads]), self.bins
                )
            snaps[layer.name] = LayerSnapshot(
                epoch, layer.name, Histogram.of(values, self.bins), grad_hist
            )
        with self._lock:
            for name in snaps:
                if name not in self._layers:
                    self._layers.append(name)
            self._epochs[epoch] = snaps
            if len(self._epochs) > self.max_epochs:
                self._stride *= 2
                self._epochs = {e: s for e, s in self._epochs.items() if e % self._stride == 0}

    @property
    def layers(self) -> list[str]:
        with self._lock:
            return list(self._layers)

    @property
    def epochs(self) -> list[int]:
        with self._lock:
            return sorted(self._epochs)

    def at(self, epoch: int) -> dict[str, LayerSnapshot]:
        """Every layer's snapshot at `epoch` (the nearest recorded epoch at or before it)."""
        with self._lock:
            known = [e for e in sorted(self._epochs) if e <= epoch] or sorted(self._epochs)[:1]
            return dict(self._epochs[known[-1]]) if known else {}

    def history(self, layer: str) -> list[LayerSnapshot]:
        """One layer's snapshots, oldest first."""
        with self._lock:
            return [s[layer] for _, s in sorted(self._epochs.items()) if layer in s]

    def clear(self) -> None:
        with self._lock:
            self._epochs.clear()
            self._layers.clear()
            self._stride = 1

    def callback(self) -> HistogramCallback:
        return HistogramCallback(self)


class HistogramCallback(Callback):
    """Records the model into a `HistogramRecorder` at the end of every epoch."""

    def __init__(self, recorder: HistogramRecorder) -> None:
        super().__init__()
        self.recorder = recorder

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self.recorder.record(self.model, epoch)
