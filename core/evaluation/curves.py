"""ROC and precision-recall curves with their areas, binary and one-vs-rest.

`roc_curve` and `pr_curve` take 0/1 truths and scores and return a `Curve`
with one point per distinct score (as `sklearn.metrics.roc_curve(...,
drop_intermediate=False)` and `precision_recall_curve`). The ROC area is the
trapezoid rule; the precision-recall area is average precision (the
step-wise area, `sklearn.metrics.average_precision_score`), which does not
over-estimate the way a trapezoid on the PR curve does. An area that cannot
be computed (no positive or no negative rows) is None with a reason in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Curve", "one_vs_rest_pr", "one_vs_rest_roc", "pr_curve", "roc_curve"]


@dataclass(frozen=True)
class Curve:
    """Points (`x`, `y`) of a curve, the score threshold of each point, and the area.

    ROC: x = false positive rate, y = true positive rate. PR: x = recall,
    y = precision. `auc` is None when undefined, and `note` says why.
    """

    kind: str
    x: np.ndarray
    y: np.ndarray
    thresholds: np.ndarray
    auc: float | None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "x": self.x.tolist(),
            "y": self.y.tolist(),
            "thresholds": [t if np.isfinite(t) else None for t in self.thresholds.tolist()],
            "auc": self.auc,
            "note": self.note,
        }


def _cumulative(y01: Any, score: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True and false positive counts at each distinct score, highest score first."""
    y = np.asarray(y01, dtype=np.float64).ravel()
    s = np.asarray(score, dtype=np.float64).ravel()
    if len(y) != len(s):
        raise ValueError(f"Expected one score per row. Received {len(s)} scores for {len(y)} rows.")
    if len(s) and s.min() == s.max():  # one score for every row (a baseline): no sort
        return np.array([y.sum()]), np.array([len(y) - y.sum()]), s[:1]
    order = np.argsort(s, kind="mergesort")[::-1]
    s, y = s[order], y[order]
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1] if len(s) else np.zeros(0, np.int64)
    tps = np.cumsum(y)[last]
    fps = (last + 1) - tps
    return tps, fps, s[last]


def roc_curve(y01: Any, score: Any) -> Curve:
    """The ROC curve of scores `score` for 0/1 truths `y01` (positive = 1)."""
    tps, fps, thr = _cumulative(y01, score)
    tps, fps = np.r_[0.0, tps], np.r_[0.0, fps]
    thr = np.r_[np.inf, thr]
    p, n = (tps[-1], fps[-1])
    note = ""
    if p == 0 or n == 0:
        which = "positive" if p == 0 else "negative"
        note = f"no {which} rows among the evaluated rows, so the ROC area is undefined"
    tpr = tps / p if p else np.zeros_like(tps)
    fpr = fps / n if n else np.zeros_like(fps)
    auc = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1])) / 2) if not note else None
    return Curve("roc", fpr, tpr, thr, auc, note)


def pr_curve(y01: Any, score: Any) -> Curve:
    """The precision-recall curve, from recall 0 (precision 1) to the lowest score; area = AP."""
    tps, fps, thr = _cumulative(y01, score)
    p = tps[-1] if len(tps) else 0.0
    if p == 0:
        return Curve(
            "pr",
            np.array([0.0]),
            np.array([1.0]),
            np.array([np.inf]),
            None,
            "no positive rows among the evaluated rows, so the precision-recall area is undefined",
        )
    precision = tps / (tps + fps)
    recall = tps / p
    ap = float(np.sum(np.diff(np.r_[0.0, recall]) * precision))
    return Curve("pr", np.r_[0.0, recall], np.r_[1.0, precision], np.r_[np.inf, thr], ap)


def one_vs_rest_roc(
    y_true: Any, probabilities: Any, labels: Sequence[str]
) -> tuple[dict[str, Curve], float | None, str]:
    """ROC of each class against the rest, and their macro mean area.

    Binary tasks give one curve (the second class is the positive one) and its
    area. Classes whose area is undefined (absent from the rows, or the only
    class present) are left out of the mean, and the note names them.
    """
    codes = np.asarray(y_true, dtype=np.int64).ravel()
    probs = np.asarray(probabilities, dtype=np.float64)
    labels = [str(lab) for lab in labels]
    if len(labels) == 2:
        curve = roc_curve(codes == 1, probs[:, 1])
        return {labels[1]: curve}, curve.auc, curve.note
    curves = {lab: roc_curve(codes == k, probs[:, k]) for k, lab in enumerate(labels)}
    areas = [c.auc for c in curves.values() if c.auc is not None]
    skipped = [lab for lab, c in curves.items() if c.auc is None]
    if not areas:
        return curves, None, "no class has both matching and other rows, so no ROC area exists"
    note = ""
    if skipped:
        names = ", ".join(f"'{s}'" for s in skipped)
        note = f"macro mean over {len(areas)} of {len(labels)} classes ({names} left out: no rows)"
    return curves, float(np.mean(areas)), note


def one_vs_rest_pr(y_true: Any, probabilities: Any, labels: Sequence[str]) -> dict[str, Curve]:
    """The precision-recall curve of each class against the rest (binary: the second class).

    A class absent from the rows gets a single-point curve with `auc` None and a note.
    """
    codes = np.asarray(y_true, dtype=np.int64).ravel()
    probs = np.asarray(probabilities, dtype=np.float64)
    labels = [str(lab) for lab in labels]
    if len(labels) == 2:
        return {labels[1]: pr_curve(codes == 1, probs[:, 1])}
    return {lab: pr_curve(codes == k, probs[:, k]) for k, lab in enumerate(labels)}
