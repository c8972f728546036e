"""Weight and gradient histograms per layer per epoch, recorded while training.

A `HistogramRecorder` keeps, for each epoch it is fed, one histogram of each
layer's trainable weights and one of their gradients: the last batch's
gradient (after any clipping), which the optimizer leaves in the weights'
`.grad` until the next step. Feed it with its `callback()` in the trainer's
callbacks (it then runs in the training thread, between two steps), or call
`record(model, epoch)`. A record bins the small layers' weights and gradients
in one pass (`Histogram.many`: a handful of NumPy calls whatever their number,
one `bincount`; no `np.histogram`) and large ones one by one: ~0.04 ms for
the seed network, ~7 ms for the 470,000 weights and gradients of a
784-256-128-10 network (`benchmarks.learned`). It holds only copies, behind a
lock, so a view may read it from another thread. Past `max_epochs` recorded
epochs it keeps every other one. Given a `budget` (a share of the training
time), it also records only every other epoch, then every fourth, and so on,
whenever a record took more than that share of the time since the previous
one (after the first `FREE_RECORDS` records, which it always keeps): the seed
network ends ~700 epochs a second, and a record every epoch cost ~8 % of its
training. `to_arrays` / `from_arrays` turn it into a few plain NumPy arrays
and back (the trained state keeps them beside the weights).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.engine.callbacks import Callback
from core.errors import FormatError

__all__ = ["RECORD_BUDGET", "Histogram", "HistogramCallback", "HistogramRecorder", "LayerSnapshot"]

#: Parts smaller than this are binned together in one pass (`Histogram.many`).
ONE_PASS_LIMIT = 8192
#: A share of the training time that recording may take (the app's runs use it).
RECORD_BUDGET = 0.02
#: Records always kept at the start of a recorder's life, whatever they cost.
FREE_RECORDS = 64
#: The statistics kept beside the counts, in this order (`to_arrays`' "*_stats" columns).
STATS = ("mean", "std", "min", "max")


@dataclass(frozen=True)
class Histogram:
    """Counts over `bins` equal bins from min to max (the last bin holds max), with statistics.

    When every value is the same the bins span min - 0.5 .. max + 0.5; without
    any finite value the counts are zero and the statistics NaN.
    """

    counts: np.ndarray
    edges: np.ndarray
    mean: float
    std: float
    minimum: float
    maximum: float

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    @classmethod
    def of(cls, values: np.ndarray, bins: int = 30) -> Histogram:
        v = np.asarray(values, dtype=np.float64).ravel()
        lo, hi = (float(v.min()), float(v.max())) if v.size else (np.nan, np.nan)
        if not (np.isfinite(lo) and np.isfinite(hi)):
            v = v[np.isfinite(v)]
            if v.size == 0:
                return cls.empty(bins)
            lo, hi = float(v.min()), float(v.max())
        n = v.size
        mean = float(v.sum()) / n
        d = v - mean
        d *= d  # not np.dot: a BLAS call waits for its threads on a busy machine
        std = float(np.sqrt(d.sum() / n))
        return cls(_bin_counts(v, lo, hi, bins), _edges(lo, hi, bins), mean, std, lo, hi)

    @classmethod
    def many(cls, parts: Sequence[np.ndarray], bins: int = 30) -> list[Histogram]:
        """`[Histogram.of(p, bins) for p in parts]`; the small parts binned in one pass
        (per-call overhead dominates them), the large ones one by one (faster there)."""
        flats = [np.ravel(p) for p in parts]
        out: list[Histogram | None] = [None] * len(flats)
        small = [i for i, f in enumerate(flats) if 0 < f.size < ONE_PASS_LIMIT]
        together = _binned_together([flats[i] for i in small], bins) if small else []
        for i, hist in zip(small, together, strict=True):
            out[i] = hist
        return [h if h is not None else cls.of(f, bins) for h, f in zip(out, flats, strict=True)]

    @classmethod
    def empty(cls, bins: int = 30) -> Histogram:
        nan = float("nan")
        return cls(np.zeros(bins, np.int64), _edges(0.0, 1.0, bins), nan, nan, nan, nan)

    @classmethod
    def from_stats(cls, counts: np.ndarray, stats: Sequence[float]) -> Histogram:
        """A histogram from its counts and (mean, std, min, max): `to_arrays`' form."""
        mean, std, lo, hi = (float(s) for s in stats)
        counts = np.asarray(counts, dtype=np.int64)
        if not (np.isfinite(lo) and np.isfinite(hi)):
            return cls.empty(len(counts))
        return cls(counts, _edges(lo, hi, len(counts)), mean, std, lo, hi)

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": self.counts.tolist(),
            "edges": self.edges.tolist(),
            "mean": self.mean,
            "std": self.std,
            "min": self.minimum,
            "max": self.maximum,
        }


def _binned_together(flats: Sequence[np.ndarray], bins: int) -> list[Histogram]:
    """`Histogram.of` of each non-empty 1-D array, computed over their concatenation."""
    sizes = np.array([f.size for f in flats], dtype=np.intp)
    v = np.concatenate(flats, dtype=np.float64)
    starts = np.zeros(len(flats), dtype=np.intp)
    np.cumsum(sizes[:-1], out=starts[1:])
    lo, hi = np.minimum.reduceat(v, starts), np.maximum.reduceat(v, starts)
    if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
        return [Histogram.of(f, bins) for f in flats]  # rare: drop the non-finite values
    part = np.repeat(np.arange(len(flats)), sizes)
    mean = np.add.reduceat(v, starts) / sizes
    d = v - mean[part]
    d *= d
    std = np.sqrt(np.add.reduceat(d, starts) / sizes)
    flat = lo == hi
    low, high = np.where(flat, lo - 0.5, lo), np.where(flat, hi + 0.5, hi)
    idx = ((v - low[part]) * (bins / (high - low))[part]).astype(np.intp)
    np.minimum(idx, bins - 1, out=idx)
    idx += part * bins
    counts = np.bincount(idx, minlength=len(flats) * bins).reshape(len(flats), bins)
    edges = low[:, None] + ((high - low) / bins)[:, None] * np.arange(bins + 1, dtype=np.float64)
    return [
        Histogram(counts[i], edges[i], float(mean[i]), float(std[i]), float(lo[i]), float(hi[i]))
        for i in range(len(flats))
    ]


def _span(lo: float, hi: float) -> tuple[float, float]:
    return (lo - 0.5, hi + 0.5) if lo == hi else (lo, hi)


def _edges(lo: float, hi: float, bins: int) -> np.ndarray:
    lo, hi = _span(lo, hi)
    return lo + (hi - lo) / bins * np.arange(bins + 1, dtype=np.float64)


def _bin_counts(v: np.ndarray, lo: float, hi: float, bins: int) -> np.ndarray:
    lo, hi = _span(lo, hi)
    idx = ((v - lo) * (bins / (hi - lo))).astype(np.intp)  # >= 0: lo is the minimum
    np.minimum(idx, bins - 1, out=idx)
    return np.bincount(idx, minlength=bins)


@dataclass(frozen=True)
class LayerSnapshot:
    """One layer at the end of one epoch (`gradients` None before its first step)."""

    epoch: int
    layer: str
    weights: Histogram
    gradients: Histogram | None


class HistogramRecorder:
    """Collects `LayerSnapshot`s per epoch (see the module docstring)."""

    def __init__(
        self,
        bins: int = 30,
        max_epochs: int = 400,
        *,
        budget: float | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        """`budget`: share of the training time recording may take (None: no limit);
        `clock`: seconds, monotonic (tests step their own)."""
        self.bins = int(bins)
        self.max_epochs = max(2, int(max_epochs))
        self.budget = budget
        self.clock = clock
        self._stride = 1
        self._lock = threading.Lock()
        self._epochs: dict[int, dict[str, LayerSnapshot]] = {}
        self._layers: list[str] = []
        self._records = 0
        self._last_start: float | None = None

    @property
    def stride(self) -> int:
        """Records are made at epochs that are multiples of this."""
        return self._stride

    def record(self, model: Any, epoch: int) -> None:
        """Snapshot every layer with trainable weights of `model` as epoch `epoch`."""
        if epoch % self._stride:
            return
        start = self.clock()
        self._record(model, epoch)
        self._keep_to_budget(start, self.clock())

    def _keep_to_budget(self, start: float, end: float) -> None:
        """Double the stride when this record took more than `budget` of the time since
        the previous one began."""
        previous, self._last_start = self._last_start, start
        self._records += 1
        if self.budget is None or previous is None or self._records <= FREE_RECORDS:
            return
        if end - start > self.budget * (start - previous):
            with self._lock:
                self._stride *= 2

    def _record(self, model: Any, epoch: int) -> None:
        names: list[str] = []
        parts: list[np.ndarray] = []
        has_grads: list[bool] = []
        for layer in getattr(model, "layers", []):
            weights = layer.trainable_weights
            if not weights:
                continue
            names.append(layer.name)
            parts.append(np.concatenate([w.data.ravel() for w in weights]))
            grads = [w.grad for w in weights]
            has_grads.append(all(g is not None for g in grads))
            if has_grads[-1]:
                parts.append(np.concatenate([g.ravel() for g in grads]))
        hists = iter(Histogram.many(parts, self.bins))
        snaps: dict[str, LayerSnapshot] = {}
        for name, grads_too in zip(names, has_grads, strict=True):
            weights_hist = next(hists)
            grad_hist = next(hists) if grads_too else None
            snaps[name] = LayerSnapshot(epoch, name, weights_hist, grad_hist)
        with self._lock:
            for name in snaps:
                if name not in self._layers:
                    self._layers.append(name)
            self._epochs[epoch] = snaps
            self._thin()

    def _thin(self) -> None:
        while len(self._epochs) > self.max_epochs:
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

    def __len__(self) -> int:
        with self._lock:
            return len(self._epochs)

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
            self._records = 0
            self._last_start = None

    def callback(self) -> HistogramCallback:
        return HistogramCallback(self)

    # ------------------------------------------------------------------ plain arrays

    def to_arrays(self) -> tuple[list[str], dict[str, np.ndarray]]:
        """(layer names, arrays): "epochs" (E,), "weights_counts" / "gradients_counts"
        (E, L, bins) and "weights_stats" / "gradients_stats" (E, L, 4: mean, std, min,
        max; NaN where a layer has no histogram that epoch). Empty when nothing is recorded."""
        with self._lock:
            layers = list(self._layers)
            epochs = sorted(self._epochs)
            if not epochs or not layers:
                return [], {}
            shape = (len(epochs), len(layers))
            out: dict[str, np.ndarray] = {"epochs": np.asarray(epochs, dtype=np.int64)}
            for kind in ("weights", "gradients"):
                counts = np.zeros((*shape, self.bins), dtype=np.int64)
                stats = np.full((*shape, len(STATS)), np.nan)
                for i, e in enumerate(epochs):
                    for j, name in enumerate(layers):
                        snap = self._epochs[e].get(name)
                        h = getattr(snap, kind, None) if snap is not None else None
                        if h is not None:
                            counts[i, j] = h.counts
                            stats[i, j] = (h.mean, h.std, h.minimum, h.maximum)
                out[f"{kind}_counts"] = counts
                out[f"{kind}_stats"] = stats
            return layers, out

    @classmethod
    def from_arrays(
        cls, layers: Sequence[str], arrays: Mapping[str, np.ndarray], max_epochs: int = 400
    ) -> HistogramRecorder:
        """The recorder `to_arrays` describes; FormatError names what does not fit."""
        layers = [str(n) for n in layers]
        epochs = np.asarray(arrays.get("epochs", np.zeros(0, np.int64)))
        if epochs.ndim != 1 or epochs.dtype.kind not in "iu":
            raise FormatError(f"histograms: Expected whole epoch numbers. Received {epochs!r:.60}.")
        shape = (len(epochs), len(layers))
        parts: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        bins = 0
        for kind in ("weights", "gradients"):
            counts = np.asarray(arrays.get(f"{kind}_counts"))
            stats = np.asarray(arrays.get(f"{kind}_stats"))
            if counts.ndim != 3 or counts.shape[:2] != shape or counts.shape[2] < 1:
                raise FormatError(
                    f"histograms: Expected {kind} counts of shape ({shape[0]}, {shape[1]}, bins). "
                    f"Received {counts.shape}."
                )
            if stats.shape != (*shape, len(STATS)):
                raise FormatError(
                    f"histograms: Expected {kind} statistics of shape "
                    f"({shape[0]}, {shape[1]}, {len(STATS)}). Received {stats.shape}."
                )
            bins = counts.shape[2]
            parts[kind] = (counts, stats)
        rec = cls(bins=bins, max_epochs=max(max_epochs, len(epochs)))
        rec._layers = layers
        for i, e in enumerate(epochs.tolist()):
            snaps = {}
            for j, name in enumerate(layers):
                w_counts, w_stats = parts["weights"][0][i, j], parts["weights"][1][i, j]
                if np.isnan(w_stats).all():
                    continue
                g_counts, g_stats = parts["gradients"][0][i, j], parts["gradients"][1][i, j]
                grads = None if np.isnan(g_stats).all() else Histogram.from_stats(g_counts, g_stats)
                snaps[name] = LayerSnapshot(
                    int(e), name, Histogram.from_stats(w_counts, w_stats), grads
                )
            rec._epochs[int(e)] = snaps
        if len(epochs) > 1:
            gaps = np.diff(np.sort(epochs))
            rec._stride = int(max(1, gaps.min()))
        return rec


class HistogramCallback(Callback):
    """Records the model into a `HistogramRecorder` at the end of every epoch."""

    def __init__(self, recorder: HistogramRecorder) -> None:
        super().__init__()
        self.recorder = recorder

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self.recorder.record(self.model, epoch)
