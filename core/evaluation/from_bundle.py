"""Evaluate a saved `.lfmodel` bundle on labelled rows (the CLI's `evaluate`).

The baseline comes from the training counts or mean stored in the bundle
(`metadata.json` "baseline", written by `core.run.save_trained`); a bundle
saved before that falls back to the evaluated rows' own majority class or
mean, and the baseline says so. A series is evaluated in the trained time order and
its evaluation carries the forecasts along time.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from core.errors import FormatError
from core.evaluation.baselines import Baseline, baseline_from_targets
from core.evaluation.forecast import forecast_of
from core.evaluation.importance import Importances, feature_groups, permutation_importance
from core.evaluation.results import Evaluation, evaluate_outputs, target_units

__all__ = ["bundle_boundary", "bundle_importance", "evaluate_bundle", "explain_worst_row"]


def evaluate_bundle(bundle: Any, rows: Any, threshold: float | None = None) -> Evaluation:
    """The `Evaluation` of `bundle` on `rows` (a DataFrame or CSV path with the target)."""
    timeline = None
    if getattr(bundle.pipeline, "input_kind", None) == "series":
        x, y, numbers, timeline = bundle.labelled_series(rows)
    else:
        x, y, numbers = bundle.labelled(rows)
    units = target_units(bundle.pipeline)
    y = units(y)
    task = bundle.pipeline.task
    kind = bundle.task_kind or task.kind
    labels = tuple(task.class_labels)
    stored = bundle.metadata.get("baseline")
    baseline: Baseline | None = None
    if isinstance(stored, dict):
        try:
            baseline = Baseline.from_dict(stored)
        except FormatError:
            baseline = None
    if baseline is None or baseline.kind != kind:
        baseline = baseline_from_targets(kind, labels, y, source="the evaluated rows")
    outputs = units(bundle.predict_raw(x, batch_size=8192))
    ev = evaluate_outputs(
        outputs,
        y,
        kind=kind,
        labels=labels,
        baseline=baseline,
        split="data",
        threshold=threshold,
        rows=numbers,
        target=bundle.target,
    )
    if timeline is None:
        return ev
    return replace(ev, forecast=forecast_of(timeline, "data", outputs))


def bundle_importance(
    bundle: Any, rows: Any, max_rows: int = 5000, n_repeats: int = 5, seed: int = 0
) -> Importances | None:
    """Permutation importance of the bundle's input columns on (up to `max_rows` of) `rows`.

    None when there are fewer than 2 labelled rows.
    """
    x, y, _ = bundle.labelled(rows)
    if len(x) < 2:
        return None
    if len(x) > max_rows:
        keep = np.random.default_rng(seed).choice(len(x), max_rows, replace=False)
        x, y = x[keep], y[keep]
    units = target_units(bundle.pipeline)
    return permutation_importance(
        lambda a: units(bundle.predict_raw(a, batch_size=8192)),
        x,
        units(y),
        kind=bundle.task_kind or bundle.pipeline.task.kind,
        groups=feature_groups(bundle.pipeline, bundle.feature_names),
        n_repeats=n_repeats,
        seed=seed,
    )


def bundle_boundary(
    bundle: Any, rows: Any, importance: Importances | None = None, resolution: int = 200
) -> tuple[Any, Any | None]:
    """(plan, grid) of the decision boundary over the labelled `rows` (the points drawn).

    The plane is the two most important numeric inputs (or a PCA of all of
    them); `grid` is None when the plan cannot be a map (`plan.reason` says why).
    """
    from core.evaluation.boundary import BoundaryRenderer, plan_boundary

    x, y, _ = bundle.labelled(rows)
    units = target_units(bundle.pipeline)
    kind = bundle.task_kind or bundle.pipeline.task.kind
    plan = plan_boundary(
        x,
        units(y),
        kind=kind,
        feature_names=bundle.pipeline.feature_names,
        groups=feature_groups(bundle.pipeline, bundle.feature_names),
        importance=importance,
    )
    if plan.mode not in ("features", "pca"):
        return plan, None
    grid = BoundaryRenderer(plan, resolution).render(
        lambda a: units(bundle.predict_raw(a, batch_size=8192)),
        kind,
        bundle.pipeline.task.class_labels,
    )
    return plan, grid


def explain_worst_row(
    bundle: Any, rows: Any, ev: Evaluation
) -> tuple[str, list[tuple[str, float]]]:
    """(sentence, contributions per input column) explaining the row the model got most wrong.

    See `core.evaluation.learned.explain_evaluated_row`.
    """
    from core.evaluation.learned import explain_evaluated_row, worst_position

    x, _, _ = bundle.labelled(rows)
    r = explain_evaluated_row(bundle.model, x, ev, worst_position(ev), bundle.pipeline)
    return r.sentence, list(r.contributions)
