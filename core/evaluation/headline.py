"""The one plain sentence at the top of the results, model next to baseline.

"82 % accurate on 154 test rows; always guessing 'no' would get 65 %."
Without a test split the sentence says the rows are validation rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.evaluation.results import Evaluation

__all__ = ["headline", "percent_pair"]


def percent_pair(a: float, b: float) -> tuple[str, str]:
    """Two shares as percentages, with one decimal when whole numbers would hide a gap."""
    digits = 1 if round(a * 100) == round(b * 100) and a != b else 0
    return f"{a * 100:.{digits}f} %", f"{b * 100:.{digits}f} %"


def _rows(ev: Evaluation) -> str:
    noun = "row" if ev.n_rows == 1 else "rows"
    if ev.split == "validation":
        return f"{ev.n_rows} validation {noun} (there is no test split)"
    if ev.split in ("test", "train"):
        return f"{ev.n_rows} {ev.split} {noun}"
    return f"{ev.n_rows} {noun}"


def _number(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def headline(ev: Evaluation) -> str:
    """The sentence for an `Evaluation` (see the module docstring)."""
    base = ev.baseline.describe()
    if ev.is_classification:
        acc = ev.model.accuracy or 0.0
        base_acc = ev.baseline_scores.accuracy or 0.0
        ours, theirs = percent_pair(acc, base_acc)
        text = f"{ours} accurate on {_rows(ev)}; {base} would get {theirs}"
        if acc <= base_acc:
            text += ", so the model has not learned more than the class balance yet"
        return text + "."
    reg, breg = ev.model.regression, ev.baseline_scores.regression
    assert reg is not None and breg is not None
    ahead = ""
    if ev.forecast is not None and ev.forecast.horizon > 1:
        # the scores are the first step's; the training metrics average every step
        ahead = f", forecasting one step ahead (t+1 of {ev.forecast.horizon})"
    text = (
        f"Off by {_number(reg.mae)} on average on {_rows(ev)}{ahead}; {base} would be off "
        f"by {_number(breg.mae)}"
    )
    if reg.mae >= breg.mae:
        text += ", so the model does not beat the mean yet"
    return text + "."
