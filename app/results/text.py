"""How the Results page writes numbers: shares as percentages, scores and values compactly.

One place, so that the headline, the tables and the tests read the same text.
"""

from __future__ import annotations

import math

__all__ = ["duration", "metric", "percent", "score", "value"]


def percent(share: float | None, digits: int = 1) -> str:
    """0.8333 -> "83.3 %"; None or NaN -> "—"."""
    if share is None or not math.isfinite(share):
        return "—"
    return f"{share * 100:.{digits}f} %"


def score(x: float | None) -> str:
    """A score from 0 to 1 (F1, an area under a curve, R²): three decimals; None -> "—"."""
    if x is None or not math.isfinite(x):
        return "—"
    return f"{x + 0.0:.3f}" if abs(x) >= 0.0005 else "0.000"  # never "-0.000"


def value(x: float | None) -> str:
    """A value in the target's units (MAE, a prediction): four significant digits."""
    if x is None or not math.isfinite(x):
        return "—"
    return f"{x:,.0f}" if abs(x) >= 100_000 else f"{x:.4g}"


def metric(x: float | None) -> str:
    """A metric in a table of runs: four decimals, so a column lines up ("0.9000",
    "0.0293"); very small or large values in four significant digits; None -> "—"."""
    if x is None or not math.isfinite(x):
        return "—"
    return f"{x:.4f}" if x == 0 or 1e-3 <= abs(x) < 1e5 else f"{x:.4g}"


def duration(seconds: float | None) -> str:
    """A run's length: "0.8 s", "12 s", "2 min 05 s", "1 h 02 min"; None or NaN -> "—"."""
    if seconds is None or not math.isfinite(seconds):
        return "—"
    if seconds < 10:
        return f"{max(seconds, 0.0):.1f} s"
    whole = int(round(seconds))
    h, rem = divmod(whole, 3600)
    m, s = divmod(rem, 60)
    if h:
        return f"{h} h {m:02d} min"
    return f"{m} min {s:02d} s" if m else f"{s} s"
