"""app.series: the plots' Qt-free data (growing buffers, thinning, smoothing, view ranges)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import app.series as series_mod
from app.series import DISPLAY_POINTS, Extent, GrowingSeries, ThinnedSeries, ema, grown_range
from tests._imports import imported_modules, loaded_after_import, top_level


def test_series_module_imports_no_qt() -> None:
    assert top_level(imported_modules(series_mod)) <= {"__future__", "math", "numpy"}
    assert not loaded_after_import("app.series") & {"PySide6", "shiboken6", "pyqtgraph"}


def test_growing_series_doubles_and_keeps_values() -> None:
    s = GrowingSeries(capacity=4)
    for i in range(9):
        s.append(i, i * 2)
    x, y = s.view()
    assert s.capacity == 16
    np.testing.assert_array_equal(x, np.arange(9))
    np.testing.assert_array_equal(y, np.arange(9) * 2)
    s.clear()
    assert s.size == 0 and s.view()[0].size == 0 and s.capacity == 16


def test_ema_continues_across_chunks_and_skips_nan() -> None:
    a = ema(np.array([1.0, 2.0]), None, alpha=0.5)
    b = ema(np.array([np.nan, 4.0]), a[-1], alpha=0.5)
    np.testing.assert_allclose(a, [1.0, 1.5])
    np.testing.assert_allclose(b, [1.5, 2.75])
    assert np.isnan(ema(np.array([np.nan]), None)[0])  # nothing to average yet


def _ema_loop(values: np.ndarray, start: float | None, alpha: float) -> np.ndarray:
    """The definition: one value at a time, NaNs repeat the average so far."""
    out, acc = [], start
    for v in values.tolist():
        if math.isfinite(v):
            acc = v if acc is None else acc + alpha * (v - acc)
        out.append(float("nan") if acc is None else acc)
    return np.array(out)


@pytest.mark.parametrize("alpha", [0.05, 0.3, 0.5, 0.9, 0.999, 1.0])
@pytest.mark.parametrize("start", [None, 2.5])
def test_ema_closed_form_matches_the_loop_over_many_blocks(alpha: float, start) -> None:
    rng = np.random.default_rng(7)
    values = rng.normal(1.0, 0.5, 3000) * np.exp(-np.arange(3000) / 800)
    values[rng.random(3000) < 0.1] = np.nan
    values[:3] = np.nan  # the average starts late when there is no start
    got = ema(values, start, alpha=alpha)
    want = _ema_loop(values, start, alpha)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_thinned_series_keeps_bucket_means_and_the_newest_point() -> None:
    source = GrowingSeries()
    thin = ThinnedSeries(source, max_points=10)
    x = np.arange(1, 101, dtype=np.float64)
    source.extend(x[:95], x[:95] * 2)
    source.extend(x[95:], x[95:] * 2)  # in two chunks, as batches arrive
    tx, ty = thin.view()
    assert thin.bucket == 16  # doubled until 100 points make at most 10 buckets
    assert len(tx) == 100 // 16 + 1  # full buckets + the unfinished last one
    np.testing.assert_allclose(tx[0], x[:16].mean())
    np.testing.assert_allclose(ty[2], (x[32:48] * 2).mean())
    np.testing.assert_allclose(tx[-1], x[96:].mean())  # the curve reaches the newest data
    source.clear()
    assert thin.view()[0].size == 0 and thin.bucket == 1


def test_thinned_series_skips_nan_inside_a_bucket() -> None:
    source = GrowingSeries()
    thin = ThinnedSeries(source, max_points=2)
    source.extend(np.arange(4.0), np.array([1.0, np.nan, np.nan, np.nan]))
    _, ty = thin.view()
    assert ty[0] == 1.0 and np.isnan(ty[1])


def test_default_thinning_stays_under_the_display_budget() -> None:
    source = GrowingSeries()
    thin = ThinnedSeries(source)
    for start in range(0, 100_000, 5000):
        steps = np.arange(start, start + 5000, dtype=np.float64)
        source.extend(steps, 1.0 / (steps + 1))
        thin.update()
    assert DISPLAY_POINTS // 2 <= len(thin.view()[0]) <= DISPLAY_POINTS + 1


def test_extent_tracks_all_and_positive_values() -> None:
    e = Extent()
    assert e.y_range(log=False) is None and e.y_range(log=True) is None
    e.add(np.array([1.0, 2.0, 3.0]), np.array([-1.0, np.nan, 100.0]))
    assert e.x_max == 3.0
    assert e.y_range(log=False) == (-1.0, 100.0)
    assert e.y_range(log=True) == (2.0, 2.0)  # log10 of the only positive value


def test_grown_range_changes_only_when_data_leaves_it() -> None:
    first = grown_range(None, 0.0, 10.0)
    assert first == (-0.5, 10.5)  # 5 % margin on a fresh range
    assert grown_range(first, 1.0, 9.0) is first  # still inside: unchanged
    lo, hi = grown_range(first, 0.0, 20.0)
    assert lo == first[0] and hi == 20.0 + 20.0 * 0.25  # grows with headroom on that side
    assert grown_range(None, 2.0, 5.0, keep_zero=True)[0] == 0.0
    assert grown_range(None, 3.0, 3.0) == (3.0 - 0.015, 3.0 + 0.015)  # a flat line gets a span
