"""The forecast along time as a PNG for the HTML report: the actual series as a line,
the first step's forecasts over it, the parts (training, validation, test) shaded, and
the x axis in dates when the series has a time column, else in row numbers. Drawn with
the report's Pillow `Chart`; a long series is thinned to a few thousand points."""

from __future__ import annotations

import datetime as _dt

import numpy as np

from core.evaluation.forecast import Forecast
from core.evaluation.plots import GRID, MUTED, PALETTE, Chart, nice_ticks

__all__ = ["forecast_png"]

#: Most points each line draws.
MAX_POINTS = 4000
SHADES = {"training": "#eef3f8", "validation": "#fdf3e1", "test": "#e8f5ef"}


def _thin(n: int) -> np.ndarray:
    return np.arange(n) if n <= MAX_POINTS else np.linspace(0, n - 1, MAX_POINTS).astype(int)


def _date_text(seconds: float, span: float) -> str:
    t = _dt.datetime.fromtimestamp(seconds, _dt.timezone.utc)
    return t.strftime("%Y-%m-%d %H:%M" if span < 3 * 86400 else "%Y-%m-%d")


def forecast_png(f: Forecast, step: int = 1) -> bytes:
    """The series and its forecasts `step` rows ahead (see the module docstring)."""
    s = f.step(step)
    known = np.isfinite(f.actual)
    ys = np.concatenate([f.actual[known], s.predicted])
    lo, hi = (float(ys.min()), float(ys.max())) if len(ys) else (0.0, 1.0)
    pad = (hi - lo) * 0.06 or 1.0
    x0, x1 = float(f.x[0]), float(f.x[-1]) if f.n_rows > 1 else float(f.x[0]) + 1
    c = Chart(
        920,
        320,
        title=f"Forecast of '{f.target}' {step} step{'s' if step > 1 else ''} ahead, "
        "and the actual values",
        xlabel=f"time ('{f.time_column}')" if f.dated else "row (in time order)",
        ylabel=f.target,
        xlim=(x0, x1),
        ylim=(lo - pad, hi + pad),
    )
    for span in f.spans:
        c.bar(span.x0, span.x1, lo - pad, hi + pad, SHADES.get(span.name, GRID))
    ticks = nice_ticks(x0, x1, 6)
    c.axes(xticks=[] if f.dated else ticks)
    if f.dated:
        for v in x0 + (x1 - x0) * np.array([0.04, 0.27, 0.5, 0.73, 0.96]):
            px = float(c.px(v))
            c.draw.line([(px, c.box[1]), (px, c.box[3])], fill=GRID, width=2)
            text = _date_text(float(v), x1 - x0)
            c.draw.text((px, c.box[3] + 10), text, font=c.small, fill=MUTED, anchor="mt")
    for span in f.spans:
        c.draw.text((float(c.px(span.x0)) + 8, c.box[1] + 6), span.name, font=c.small, fill=MUTED)
    idx = _thin(f.n_rows)
    idx = idx[known[idx]]
    c.line(f.x[idx], f.actual[idx], "#7b8794", 1)
    order = np.argsort(s.x, kind="stable")
    pidx = order[_thin(len(order))]
    c.line(s.x[pidx], s.predicted[pidx], PALETTE[1], 1)
    c.legend([("actual", "#7b8794"), (f"forecast t+{step} ({f.split})", PALETTE[1])], "tr")
    return c.png()
