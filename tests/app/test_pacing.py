"""The live views' frame pacing: an interval from the measured cost of the frames."""

from __future__ import annotations

import math

import pytest

from app.pacing import FramePacer
from app.plots import REDRAW_MS, SLOWEST_REDRAW_MS, PlotsPanel
from benchmarks.plots_redraw import batch_chunk


def test_cheap_frames_keep_the_shortest_interval_and_costly_ones_stretch_it() -> None:
    pacer = FramePacer(0.1, 0.4, budget=0.03, smoothing=1.0)
    assert pacer.interval() == 0.1  # nothing measured yet: the view's own rate
    pacer.add(0.002)  # 2 ms at 3 %: 67 ms would do, the view stays at 100 ms
    assert pacer.interval() == 0.1
    pacer.add(0.006)  # 6 ms: 200 ms between frames keeps them at 3 %
    assert math.isclose(pacer.interval(), 0.2)
    pacer.add(0.05)  # very costly: capped, the view still moves
    assert pacer.interval() == 0.4
    pacer.reset()
    assert pacer.interval() == 0.1


def test_the_cost_is_smoothed_and_bad_values_are_ignored() -> None:
    pacer = FramePacer(0.01, 1.0, budget=0.1, smoothing=0.5)
    pacer.add(0.01)
    pacer.add(0.03)  # halfway: 0.02
    assert math.isclose(pacer.cost or 0.0, 0.02)
    pacer.add(float("nan"))
    pacer.add(-1.0)
    assert math.isclose(pacer.cost or 0.0, 0.02)
    assert math.isclose(pacer.interval(), 0.2)


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((0.0, 1.0), {}),
        ((0.5, 0.1), {}),
        ((0.1, 1.0), {"budget": 0.0}),
        ((0.1, 1.0), {"smoothing": 2}),
    ],
)
def test_nonsense_settings_are_refused(args, kwargs) -> None:
    with pytest.raises(ValueError):
        FramePacer(*args, **kwargs)


def test_the_plots_slow_down_when_their_frames_are_costly_and_recover(qtbot) -> None:
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    assert panel._timer.interval() == REDRAW_MS
    start = 0
    for _ in range(12):  # each frame's paints took 15 ms: 300 ms would keep them at 5 %
        panel.add_chunk(batch_chunk(start, 10, 100))
        start += 10
        panel.graphics.paint_cpu += 0.015
        panel._frame()
    assert panel._timer.interval() == SLOWEST_REDRAW_MS
    for _ in range(30):  # cheap frames again: back to the view's own rate
        panel.add_chunk(batch_chunk(start, 10, 100))
        start += 10
        panel._frame()
    assert panel._timer.interval() < SLOWEST_REDRAW_MS / 2  # (a redraw of 10 points: ~1 ms)
    idle = panel._timer.interval()
    panel.graphics.paint_cpu += 1.0
    panel._frame()  # nothing new to draw: not a frame, nothing counted
    assert panel._timer.interval() == idle
