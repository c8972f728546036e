"""The Qt-free data behind the live plots: growing buffers, thinning, smoothing, view ranges.

`GrowingSeries` holds x/y float64 buffers whose capacity doubles (appending
is amortised O(1) and the full history stays for export and hover);
`ThinnedSeries` keeps bucket means of a growing series, at most about
`DISPLAY_POINTS` of them, at a cost proportional to the new points; `ema`
smooths batch values across chunks; `Extent` keeps the running min/max and
`grown_range` turns it into a view range that changes only when data leaves
it. `app.plots` draws these with pyqtgraph; this module imports only NumPy
and the standard library, so it is tested without a display.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "DISPLAY_POINTS",
    "RANGE_HEADROOM",
    "X_HEADROOM",
    "SMOOTHING",
    "Extent",
    "GrowingSeries",
    "ThinnedSeries",
    "ema",
    "grown_range",
]

#: The batch curve is drawn from at most about this many bucket means.
DISPLAY_POINTS = 2000
#: When data leaves the view, the range grows by this share of its span (fewer re-layouts).
RANGE_HEADROOM = 0.25
#: The epoch axis grows by half its span: a fast network crosses hundreds of epochs a
#: minute, and each growth re-lays out the axis text (~2.5 ms a plot).
X_HEADROOM = 0.5
#: Weight of the newest batch in the smoothed batch curve (EMA).
SMOOTHING = 0.05
#: Most values `ema` folds in one closed-form block (0.95**256 ~ 2e-6: no precision lost).
EMA_BLOCK = 256


class GrowingSeries:
    """x/y float64 buffers whose capacity doubles; `view()` returns the filled part."""

    def __init__(self, capacity: int = 256) -> None:
        self._x = np.empty(capacity, dtype=np.float64)
        self._y = np.empty(capacity, dtype=np.float64)
        self.size = 0

    def extend(self, x: np.ndarray, y: np.ndarray) -> None:
        n = int(len(x))
        if n == 0:
            return
        need = self.size + n
        if need > self._x.shape[0]:
            cap = self._x.shape[0]
            while cap < need:
                cap *= 2
            for name in ("_x", "_y"):
                old = getattr(self, name)
                new = np.empty(cap, dtype=np.float64)
                new[: self.size] = old[: self.size]
                setattr(self, name, new)
        self._x[self.size : need] = x
        self._y[self.size : need] = y
        self.size = need

    def append(self, x: float, y: float) -> None:
        self.extend(np.asarray([x], dtype=np.float64), np.asarray([y], dtype=np.float64))

    def view(self) -> tuple[np.ndarray, np.ndarray]:
        return self._x[: self.size], self._y[: self.size]

    @property
    def capacity(self) -> int:
        return int(self._x.shape[0])

    def clear(self) -> None:
        self.size = 0


def _block_means(x: np.ndarray, y: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Means of consecutive blocks of `size` points (NaNs in y skipped; all-NaN -> NaN)."""
    m = x.shape[0] // size
    xs = x[: m * size].reshape(m, size).mean(axis=1)
    yb = y[: m * size].reshape(m, size)
    ok = np.isfinite(yb)
    count = ok.sum(axis=1)
    total = np.where(ok, yb, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ys = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return xs, ys


class ThinnedSeries:
    """Bucket means of a growing `GrowingSeries`, at most ~`max_points` of them.

    The bucket size doubles (and the means are rebuilt once from the source)
    whenever the means exceed `max_points`; `view()` adds the mean of the
    unfinished last bucket so the curve reaches the newest point. Cost per
    update is proportional to the new points, not to the history.
    """

    def __init__(self, source: GrowingSeries, max_points: int = DISPLAY_POINTS) -> None:
        self.source = source
        self.max_points = max(int(max_points), 2)
        self.bucket = 1
        self._done = 0
        self._means = GrowingSeries()

    def clear(self) -> None:
        self.bucket = 1
        self._done = 0
        self._means.clear()

    def update(self) -> None:
        xs, ys = self.source.view()
        n = xs.shape[0]
        if n < self._done:  # the source was cleared
            self.clear()
        full = (n - self._done) // self.bucket
        if full:
            end = self._done + full * self.bucket
            self._means.extend(
                *_block_means(xs[self._done : end], ys[self._done : end], self.bucket)
            )
            self._done = end
        if self._means.size > self.max_points:
            while n // self.bucket > self.max_points:
                self.bucket *= 2
            self._means.clear()
            m = n // self.bucket
            self._means.extend(
                *_block_means(xs[: m * self.bucket], ys[: m * self.bucket], self.bucket)
            )
            self._done = m * self.bucket

    def view(self) -> tuple[np.ndarray, np.ndarray]:
        self.update()
        mx, my = self._means.view()
        xs, ys = self.source.view()
        if self._done >= xs.shape[0]:
            return mx, my
        tx, ty = _block_means(xs[self._done :], ys[self._done :], xs.shape[0] - self._done)
        return np.concatenate([mx, tx]), np.concatenate([my, ty])


class Extent:
    """Running min/max of the plotted values (all, and positive only for log scale)."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.x_max = -math.inf
        self.lo = self.pos_lo = math.inf
        self.hi = self.pos_hi = -math.inf

    def add(self, x: np.ndarray, y: np.ndarray) -> None:
        if x.size:
            self.x_max = max(self.x_max, float(np.max(x)))
        finite = y[np.isfinite(y)]
        if finite.size:
            self.lo = min(self.lo, float(finite.min()))
            self.hi = max(self.hi, float(finite.max()))
            pos = finite[finite > 0]
            if pos.size:
                self.pos_lo = min(self.pos_lo, float(pos.min()))
                self.pos_hi = max(self.pos_hi, float(pos.max()))

    def y_range(self, log: bool) -> tuple[float, float] | None:
        if log:
            if not math.isfinite(self.pos_lo):
                return None
            return math.log10(self.pos_lo), math.log10(self.pos_hi)
        if not math.isfinite(self.lo):
            return None
        return self.lo, self.hi


def grown_range(
    current: tuple[float, float] | None,
    lo: float,
    hi: float,
    keep_zero: bool = False,
    headroom: float = RANGE_HEADROOM,
) -> tuple[float, float]:
    """A view range holding [lo, hi]: `current` when it still does, else one with headroom."""
    if current is not None and current[0] <= lo and hi <= current[1]:
        return current
    span = hi - lo
    if span <= 0:
        span = abs(hi) * 0.1 or 1.0
    pad = span * headroom
    if current is not None:
        new_lo = current[0] if current[0] <= lo else lo - pad
        new_hi = current[1] if hi <= current[1] else hi + pad
    else:
        new_lo, new_hi = lo - span * 0.05, hi + span * 0.05
    if keep_zero and lo >= 0:
        new_lo = 0.0
    return new_lo, new_hi


def ema(values: np.ndarray, start: float | None, alpha: float = SMOOTHING) -> np.ndarray:
    """Exponential moving average of `values`, continuing from `start` (NaNs skipped).

    The same numbers as the loop ``acc += alpha * (v - acc)`` over the finite
    values (the first one starts the average when `start` is None), each NaN
    repeating the average so far. It runs in closed form a block at a time
    (`EMA_BLOCK` values at most, fewer when ``1 - alpha`` is small), since the
    GUI thread smooths every delivered batch and a Python loop over thousands of
    them cost about a millisecond.
    """
    values = np.asarray(values, dtype=np.float64)
    n = values.shape[0]
    out = np.full(n, np.nan, dtype=np.float64)
    finite = np.flatnonzero(np.isfinite(values))
    if finite.size == 0:
        if start is not None:
            out[:] = start
        return out
    v = values[finite]
    acc0 = float(v[0]) if start is None else float(start)
    smoothed = np.empty(v.shape[0], dtype=np.float64)
    keep = 1.0 - alpha
    if keep <= 0.0:
        smoothed[:] = v
    else:
        block = _ema_block(keep)
        powers = keep ** np.arange(1, block + 1, dtype=np.float64)
        for lo in range(0, v.shape[0], block):
            chunk = v[lo : lo + block]
            w = powers[: chunk.shape[0]]
            part = w * (acc0 + alpha * np.cumsum(chunk / w))
            smoothed[lo : lo + chunk.shape[0]] = part
            acc0 = float(part[-1])
    # Each position shows the average of the finite values up to it.
    upto = np.searchsorted(finite, np.arange(n), side="right") - 1
    seen = upto >= 0
    out[seen] = smoothed[upto[seen]]
    if start is not None:
        out[~seen] = start
    return out


def _ema_block(keep: float) -> int:
    """Values per closed-form block: `keep` to that power stays above 1e-8 (precision)."""
    if keep >= 1.0:
        return EMA_BLOCK
    return max(1, min(EMA_BLOCK, int(math.log(1e-8) / math.log(keep))))
