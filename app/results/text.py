"""How the Results page writes numbers: shares as percentages, scores and values compactly.

One place, so that the headline, the tables and the tests read the same text.
"""

from __future__ import annotations

import math

__all__ = ["percent", "score", "value"]


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
