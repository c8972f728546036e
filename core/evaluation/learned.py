"""What a trained model learned, measured on its own data: what the "What it learned" view shows.

`inspection_copy` gives a model with the same weights that a view may use in
another thread while the original trains on. `validation_importance` is
permutation importance (`core.evaluation.importance`) on the validation rows,
per input column, in the target's own units. `explain_evaluated_row` explains
one row of an `Evaluation` (integrated gradients or gradient x input, summed per
input column) with a sentence saying what the row is, what the model predicted
and what it predicts for an average row; `worst_position` is the row the model
got most wrong. `training_health` is `activation_health` on (up to 2,000)
training rows, and `health_by_node` files each layer's health under the node
id of the network (graph JSON) the model was built from, since layers are
named after their nodes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import DataError
from core.evaluation.explain import Explanation, explain_row
from core.evaluation.health import LayerHealth, activation_health
from core.evaluation.importance import Importances, feature_groups, permutation_importance
from core.evaluation.results import Evaluation, Predict, target_units

__all__ = [
    "RowExplanation",
    "explain_evaluated_row",
    "health_by_node",
    "importance_rows",
    "inspection_copy",
    "training_health",
    "validation_importance",
    "worst_position",
]

#: Rows permutation importance looks at, at most (a random sample of the validation rows).
IMPORTANCE_ROWS = 5000
#: Training rows activation health looks at, at most.
HEALTH_ROWS = 2000


def inspection_copy(model: Any) -> Any:
    """A new model with `model`'s architecture and a copy of its weights (no optimizer)."""
    clone = type(model).from_config(model.get_config())
    clone.set_weights([np.array(w, copy=True) for w in model.get_weights()])
    return clone


def importance_rows(dataset: Any, n_repeats: int = 5) -> int:
    """Rows the network predicts for `validation_importance` (times its parameter count, a
    measure of the work, to decide where to run it)."""
    groups = feature_groups(getattr(dataset, "pipeline", None), range(dataset.n_features))
    return min(len(dataset.x_val), IMPORTANCE_ROWS) * (n_repeats * len(groups) + 1)


def validation_importance(
    predict: Predict, dataset: Any, *, n_repeats: int = 5, seed: int = 0
) -> Importances:
    """Permutation importance of each input column on (up to `IMPORTANCE_ROWS`) validation rows.

    Regression outputs and targets are compared in the target's own units. DataError
    when there are fewer than 2 validation rows.
    """
    x, y = np.asarray(dataset.x_val, dtype=np.float32), np.asarray(dataset.y_val)
    if len(x) < 2:
        raise DataError(
            f"Expected at least 2 validation rows to measure feature importance. Received "
            f"{len(x)}. Set a validation share in the Data settings and train again."
        )
    if len(x) > IMPORTANCE_ROWS:
        keep = np.sort(np.random.default_rng(seed).choice(len(x), IMPORTANCE_ROWS, replace=False))
        x, y = x[keep], y[keep]
    pipeline = getattr(dataset, "pipeline", None)
    units = target_units(pipeline)
    return permutation_importance(
        lambda a: units(predict(a)),
        x,
        units(y),
        kind=dataset.task.kind,
        groups=feature_groups(pipeline, getattr(pipeline, "feature_names", ())),
        n_repeats=n_repeats,
        seed=seed,
    )


@dataclass(frozen=True)
class RowExplanation:
    """One evaluated row explained: a sentence and each input column's contribution."""

    position: int
    row: int
    sentence: str
    contributions: tuple[tuple[str, float], ...]
    explanation: Explanation


def worst_position(ev: Evaluation) -> int:
    """The position (0-based, in the evaluated rows) of the row the model got most wrong."""
    return int(ev.predictions.worst_first()[0])


def explain_evaluated_row(
    model: Any,
    x: np.ndarray,
    ev: Evaluation,
    position: int,
    pipeline: Any,
    *,
    method: str = "integrated_gradients",
) -> RowExplanation:
    """Explain row `position` of the rows `x` that `ev` evaluated.

    Integrated gradients (or gradient x input) from the training mean (zero for
    standardised inputs) to the row, for the predicted class (the positive class of
    a two-class sigmoid; the value for regression), summed per input column,
    largest magnitude first.
    """
    n = len(ev.predictions)
    if not 0 <= position < n:
        raise DataError(
            f"Expected a row from 1 to {n} of the {ev.split} rows. Received {position + 1}."
        )
    table = ev.predictions
    labels = list(ev.labels)
    output = None
    if ev.is_classification:
        output = 0 if len(labels) == 2 else labels.index(str(table.predicted[position]))
    e = explain_row(
        model,
        np.asarray(x)[position],
        method=method,
        feature_names=pipeline.feature_names,
        output_index=output,
        output_names=labels[1:] if len(labels) == 2 else labels,
        pipeline=pipeline,
    )
    row = int(table.row[position])
    if ev.is_classification:
        what = f"p('{labels[1]}') = {e.value:.2f}" if len(labels) == 2 else f"p = {e.value:.2f}"
        sentence = (
            f"Row {row}: actual '{table.actual[position]}', predicted "
            f"'{table.predicted[position]}' ({what}; {e.reference_value:.2f} for an average row)."
        )
    else:
        sentence = (
            f"Row {row}: actual {table.actual[position]:.4g}, predicted {e.value:.4g} "
            f"({e.reference_value:.4g} for an average row)."
        )
    grouped = e.grouped(feature_groups(pipeline, pipeline.feature_names))
    return RowExplanation(position, row, sentence, tuple(grouped), e)


def training_health(model: Any, dataset: Any) -> list[LayerHealth]:
    """`activation_health` on (up to `HEALTH_ROWS`) training rows."""
    return activation_health(model, dataset.x_train, max_rows=HEALTH_ROWS)


def health_by_node(
    report: Sequence[LayerHealth], network: Mapping[str, Any]
) -> dict[str, LayerHealth]:
    """Each layer's health under the id of the node it was built from (`network` is graph
    JSON; layers are named after their nodes)."""
    ids = {
        str(n.get("name")): str(n.get("id"))
        for n in network.get("nodes", []) or []
        if isinstance(n, Mapping)
    }
    return {ids[h.layer]: h for h in report if h.layer in ids}
